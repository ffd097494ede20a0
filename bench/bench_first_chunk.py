"""Time to the first chunk, as the answer grows: in process, and over the wire side by side
with a minimal responder that sends pre-rendered frames as it goes.

    python bench/bench_first_chunk.py [--repeats 5]

In process: a fresh `FakeChatModel`'s first `stream()` until its first chunk (LangChain's
run set-up included), and the peak memory meanwhile; the answer as exact chunks, and as
text the model splits. Over the wire: a raw HTTP POST until the first body bytes, for
every streaming format, and from a peer mock server that sends pre-rendered OpenAI frames
as it goes (the baseline: it does no work per request). All should stay flat as the answer
grows.
"""

from __future__ import annotations

import argparse
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

USER = [{"role": "user", "content": "go"}]
BODY = {"model": "m", "messages": USER, "stream": True}
# Each streaming format: its path under the server's URL, and a request for a stream.
STREAMS: dict[str, tuple[str, dict[str, Any]]] = {
    "openai chat": ("/v1/chat/completions", BODY),
    "openai completions": ("/v1/completions", {"model": "m", "prompt": "go", "stream": True}),
    "openai responses": ("/v1/responses", {"model": "m", "input": "go", "stream": True}),
    "anthropic": ("/v1/messages", {**BODY, "max_tokens": 10}),
    "ollama chat": ("/api/chat", BODY),
    "ollama generate": ("/api/generate", {"model": "m", "prompt": "go"}),
    "gemini": (
        "/v1beta/models/m:streamGenerateContent?alt=sse",
        {"contents": [{"role": "user", "parts": [{"text": "go"}]}]},
    ),
    "bedrock": (
        "/model/m/converse-stream",
        {"messages": [{"role": "user", "content": [{"text": "go"}]}]},
    ),
}


def answer(tokens: int, split: bool) -> Response:
    return Response(text=" tok" * tokens) if split else Response(chunks=[" tok"] * tokens)


def in_process(tokens: int, split: bool) -> tuple[float, float]:
    """Seconds to the first chunk of a fresh model's `stream()`, and the peak MB meanwhile."""
    model = FakeChatModel(responses=[answer(tokens, split)])
    tracemalloc.start()
    start = time.perf_counter()
    stream = model.stream("go")
    next(stream)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    stream.close()
    return elapsed, peak


def first_bytes(client: httpx.Client, url: str, body: dict[str, Any]) -> float:
    start = time.perf_counter()
    with client.stream("POST", url, json=body) as reply:
        next(reply.iter_raw())
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print("in process: a fresh FakeChatModel's first stream(), first chunk (median)")
    for split in (False, True):
        for tokens in (2_000, 20_000, 200_000):
            runs = [in_process(tokens, split) for _ in range(args.repeats)]
            ms = statistics.median(r[0] for r in runs) * 1000
            mb = max(r[1] for r in runs)
            kind = "text, split" if split else "exact chunks"
            print(f"  {kind:<12} {tokens:>7} tokens: {ms:6.2f} ms, peak {mb:5.2f} MB")
    print("over the wire: POST, first body bytes (median ms), the answer as text to split")
    sizes = (2_000, 20_000, 200_000)
    print(f"  {'format':<19}" + "".join(f"{n:>9} tok" for n in sizes))
    timings: dict[str, list[float]] = {name: [] for name in [*STREAMS, "peer (pre-rendered)"]}
    for tokens in sizes:
        model = FakeChatModel(responses=[answer(tokens, split=True)], cycle=True)
        response = answer(tokens, split=False)
        reply = Reply(response, cut(response, splitter("words")), "m", 0, 1)
        frames = [frame.data for frame in ChatCompletions().frames(reply, {})]
        with (
            FakeProviderServer(model) as server,
            bench_server.Minimal(frames, turn_between=True) as minimal_url,
            httpx.Client(timeout=60) as client,
        ):
            targets = {name: (server.url + path, body) for name, (path, body) in STREAMS.items()}
            targets["peer (pre-rendered)"] = (minimal_url + "/chat/completions", BODY)
            for name, (url, body) in targets.items():
                first_bytes(client, url, body)  # warm up
                runs = [first_bytes(client, url, body) for _ in range(args.repeats)]
                timings[name].append(statistics.median(runs) * 1000)
    for name, row in timings.items():
        print(f"  {name:<19}" + "".join(f"{ms:13.1f}" for ms in row))


if __name__ == "__main__":
    main()
