"""A fake provider per test: start, one streamed request, stop.

    python bench/bench_server_lifecycle.py [--repeats 60]

Measures, alternately in one run, FakeProviderServer's whole lifecycle and the same app
served by uvicorn's own `Server.run` in a thread (uvicorn's polling loop, as the fake used
to run). Prints the medians in ms, their ratio, and whether the fake meets its target
(median <= 30 ms). Each cycle streams a 20-token answer with httpx.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import threading
import time
from collections.abc import Callable

import httpx
import uvicorn

from fakes import FakeChatModel, FakeProviderServer

BODY = {
    "model": "gpt-fake",
    "stream": True,
    "messages": [{"role": "user", "content": "hi"}],
}
ANSWER = " ".join(["word"] * 20)


def stream_once(base_url: str) -> None:
    with (
        httpx.Client() as client,
        client.stream("POST", f"{base_url}/chat/completions", json=BODY) as response,
    ):
        frames = sum(1 for line in response.iter_lines() if line.startswith("data:"))
    if frames < 20:
        raise SystemExit(f"expected a streamed answer, got {frames} frames")


def fake_cycle() -> None:
    with FakeProviderServer(FakeChatModel(responses=[ANSWER])) as server:
        stream_once(server.openai_base_url)


def uvicorn_cycle() -> None:
    """The same app, started and stopped the way uvicorn runs it by itself."""
    server_app = FakeProviderServer(FakeChatModel(responses=[ANSWER])).provider
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(
        server_app, log_config=None, log_level="warning", lifespan="off", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.001)
    stream_once(f"http://127.0.0.1:{port}/v1")
    server.should_exit = True
    thread.join()
    listener.close()


def timed(cycle: Callable[[], None]) -> float:
    started = time.perf_counter()
    cycle()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=60)
    repeats = parser.parse_args().repeats
    fake_cycle(), uvicorn_cycle()  # warm up imports and the first connection
    fake, plain = [], []
    for _ in range(repeats):
        fake.append(timed(fake_cycle))
        plain.append(timed(uvicorn_cycle))
    fake_ms, plain_ms = statistics.median(fake), statistics.median(plain)
    print(f"FakeProviderServer start + stream + stop: median {fake_ms:.1f} ms")
    print(f"uvicorn Server.run, same app:             median {plain_ms:.1f} ms")
    print(f"ratio {fake_ms / plain_ms:.2f}; target median <= 30 ms: {fake_ms <= 30}")
    print(f"threads left: {[t.name for t in threading.enumerate() if t.name != 'MainThread']}")


if __name__ == "__main__":
    main()
