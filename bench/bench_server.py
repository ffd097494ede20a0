"""ChatOpenAI streaming through the fake provider, against a minimal pre-rendered responder.

    python bench/bench_server.py [--chunks 2000] [--repeats 15]

Both servers run on uvicorn on 127.0.0.1 and send the same SSE frames one by one: the fake
plays its script for each request (picking the response, cutting it, rendering frames);
the minimal responder replays frames rendered once. The same ChatOpenAI client streams
from each, alternately. Prints tokens per second for both and their ratio (target >= 0.90).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import threading
import time
from typing import Any

import uvicorn
from langchain_openai import ChatOpenAI

from fakes import FakeChatModel, FakeProviderServer, Response
from fakes._script._cutting import cut
from fakes._script._splitting import splitter
from fakes._wire._format import Reply
from fakes._wire._openai import ChatCompletions


def prerendered_app(frames: list[bytes], *, turn_between: bool = False) -> Any:
    """The least an SSE server can do: replay fixed frames for any request (letting the
    event loop run between them with `turn_between`, as a server that notices a client
    leaving must)."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await receive()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream"), (b"connection", b"close")],
            }
        )
        for frame in frames:
            await send({"type": "http.response.body", "body": frame, "more_body": True})
            if turn_between:
                await asyncio.sleep(0)
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    return app


class Minimal:
    def __init__(self, frames: list[bytes], *, turn_between: bool = False) -> None:
        config = uvicorn.Config(
            prerendered_app(frames, turn_between=turn_between),
            host="127.0.0.1",
            port=0,
            log_config=None,
            log_level="warning",
            lifespan="off",
            access_log=False,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.005)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/v1"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def tokens_per_second(base_url: str, repeats: int) -> list[float]:
    client = ChatOpenAI(base_url=base_url, api_key="sk-bench", model="gpt-fake", max_retries=0)
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        tokens = sum(1 for chunk in client.stream("go") if chunk.content)
        rates.append(tokens / (time.perf_counter() - start))
    return rates


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    response = Response(chunks=[" tok"] * args.chunks)
    model = FakeChatModel(responses=[response], cycle=True)
    reply = Reply(response, cut(response, splitter("words")), "gpt-fake", 0, 1, args.chunks)
    frames = [frame.data for frame in ChatCompletions().frames(reply, {})]
    ours, theirs = [], []
    with FakeProviderServer(model) as server, Minimal(frames) as minimal_url:
        tokens_per_second(server.openai_base_url, 1)  # warm up both
        tokens_per_second(minimal_url, 1)
        for _ in range(args.repeats):  # alternate, so machine noise hits both alike
            ours += tokens_per_second(server.openai_base_url, 1)
            theirs += tokens_per_second(minimal_url, 1)
    fake, minimal = statistics.median(ours), statistics.median(theirs)
    # The ratio of each back-to-back pair, then their median: steadier than a ratio of medians.
    ratio = statistics.median(a / b for a, b in zip(ours, theirs, strict=True))
    print(f"ChatOpenAI.stream, {args.chunks} tokens, median of {args.repeats} runs each")
    print(f"minimal pre-rendered responder: {minimal:10.0f} tokens/s")
    print(f"streamfakes server:             {fake:10.0f} tokens/s")
    print(f"ratio (server / minimal):       {ratio:10.2f}  (target >= 0.90)")


if __name__ == "__main__":
    main()
