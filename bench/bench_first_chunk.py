"""Time to the first chunk, as the answer grows: in process, and over the wire side by side
with a minimal responder that sends pre-rendered frames as it goes.

    python bench/bench_first_chunk.py [--repeats 5]

In process: `FakeChatModel.stream()` until its first chunk, and the peak memory meanwhile.
Over the wire: a raw HTTP POST to /v1/chat/completions until the first body bytes, from the
fake provider and from a peer mock server that sends pre-rendered frames as it goes (the
baseline: it does no work per request). Both should stay flat as the answer grows.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import httpx

from fakes import FakeChatModel, FakeProviderServer, Response
from fakes._script._cutting import cut
from fakes._script._splitting import splitter
from fakes._wire._format import Reply
from fakes._wire._openai import ChatCompletions

sys.path.insert(0, str(Path(__file__).parent))
import bench_server  # beside this file, on the path just set

BODY = {"model": "m", "messages": [{"role": "user", "content": "go"}], "stream": True}


def in_process(tokens: int) -> tuple[float, float]:
    """Seconds to the first chunk of `stream()`, and the peak MB allocated meanwhile."""
    model = FakeChatModel(responses=[Response(chunks=[" tok"] * tokens)])
    tracemalloc.start()
    start = time.perf_counter()
    stream = model.stream("go")
    next(stream)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    stream.close()
    return elapsed, peak


def peer_app(frames: list[bytes]) -> Any:
    """A peer mock server: pre-rendered frames, sent one by one as it goes (letting the
    loop run between them, as a server that notices a client leaving must)."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await receive()
        headers = [(b"content-type", b"text/event-stream"), (b"connection", b"close")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for frame in frames:
            await send({"type": "http.response.body", "body": frame, "more_body": True})
            await asyncio.sleep(0)
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    return app


def first_bytes(client: httpx.Client, base_url: str) -> float:
    start = time.perf_counter()
    with client.stream("POST", base_url + "/chat/completions", json=BODY) as reply:
        next(reply.iter_raw())
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print("in process: FakeChatModel.stream(), first chunk")
    for tokens in (2_000, 20_000, 200_000):
        runs = [in_process(tokens) for _ in range(args.repeats)]
        ms = statistics.median(r[0] for r in runs) * 1000
        mb = max(r[1] for r in runs)
        print(f"  {tokens:>7} tokens: {ms:8.1f} ms, peak {mb:6.1f} MB")
    print("over the wire: POST /v1/chat/completions, first body bytes (median)")
    for tokens in (2_000, 20_000):
        response = Response(chunks=[" tok"] * tokens)
        model = FakeChatModel(responses=[response], cycle=True)
        reply = Reply(response, cut(response, splitter("words")), "gpt-fake", 0, 1, tokens)
        frames = [frame.data for frame in ChatCompletions().frames(reply, {})]
        bench_server.prerendered_app = peer_app  # the peer baseline sends as it goes
        ours, theirs = [], []
        with (
            FakeProviderServer(model) as server,
            bench_server.Minimal(frames) as minimal_url,
            httpx.Client(timeout=60) as client,
        ):
            first_bytes(client, server.openai_base_url), first_bytes(client, minimal_url)
            for _ in range(args.repeats):
                ours.append(first_bytes(client, server.openai_base_url))
                theirs.append(first_bytes(client, minimal_url))
        print(
            f"  {tokens:>7} tokens: streamfakes {statistics.median(ours) * 1000:6.1f} ms, "
            f"peer (pre-rendered) {statistics.median(theirs) * 1000:6.1f} ms"
        )


if __name__ == "__main__":
    main()
