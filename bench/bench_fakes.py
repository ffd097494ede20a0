"""Per-chunk cost of FakeChatModel against a minimal native-streaming BaseChatModel
and LangChain's GenericFakeChatModel, side by side in one run.

    python bench/bench_fakes.py [--chunks 2000] [--repeats 15]

Prints microseconds per chunk (median of the repeats) and the ratio to the minimal
subclass for `stream`, `astream` and `astream_events(version="v2")`. Target: <= 1.10.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from fakes import FakeChatModel, Response


class MinimalChatModel(BaseChatModel):
    """The least a native-streaming chat model can do: one chunk per token."""

    tokens: list[str]

    @property
    def _llm_type(self) -> str:
        return "minimal"

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage("".join(self.tokens)))])

    def _stream(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> Iterator[ChatGenerationChunk]:
        for token in self.tokens:
            yield ChatGenerationChunk(message=AIMessageChunk(content=token))

    async def _astream(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> AsyncIterator[ChatGenerationChunk]:
        for token in self.tokens:
            yield ChatGenerationChunk(message=AIMessageChunk(content=token))


def models(tokens: list[str]) -> dict[str, Callable[[], BaseChatModel]]:
    text = "".join(tokens)
    return {
        "minimal subclass": lambda: MinimalChatModel(tokens=tokens),
        "FakeChatModel": lambda: FakeChatModel(responses=[Response(chunks=tokens)]),
        # GenericFakeChatModel streams words and spaces apart (3,999 chunks here); costs
        # are per streamed chunk, so the ratios stay comparable.
        "GenericFakeChatModel": lambda: GenericFakeChatModel(messages=iter([AIMessage(text)])),
    }


# Each runner returns how many chunks the model streamed, so costs are per real chunk.
def run_stream(model: BaseChatModel) -> int:
    return sum(1 for _ in model.stream("go"))


def run_astream(model: BaseChatModel) -> int:
    async def consume() -> int:
        return len([chunk async for chunk in model.astream("go")])

    return asyncio.run(consume())


def run_events(model: BaseChatModel) -> int:
    async def consume() -> int:
        events = model.astream_events("go", version="v2")
        return len([e async for e in events if e["event"] == "on_chat_model_stream"])

    return asyncio.run(consume())


def measure(
    make: Callable[[], BaseChatModel], run: Callable[[BaseChatModel], int], repeats: int
) -> float:
    samples = []
    for _ in range(repeats):
        model = make()
        start = time.perf_counter()
        chunks = run(model)
        samples.append((time.perf_counter() - start) / chunks * 1e6)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    tokens = ["tok "] * (args.chunks - 1) + ["end"]
    candidates = models(tokens)
    methods = {"stream": run_stream, "astream": run_astream, "astream_events v2": run_events}
    print(f"µs per streamed chunk, best of 2 medians of {args.repeats} runs, {args.chunks} tokens")
    print(f"{'':22}" + "".join(f"{m:>20}" for m in methods))
    results: dict[str, dict[str, float]] = {}
    for name, make in candidates.items():
        run_stream(make())  # warm up
        results[name] = {}
    # Interleave the candidates per method so machine noise hits all alike.
    for method, run in methods.items():
        for _round in range(2):
            for name, make in candidates.items():
                cost = measure(make, run, args.repeats)
                results[name][method] = min(cost, results[name].get(method, cost))
    for name in candidates:
        print(f"{name:22}" + "".join(f"{results[name][m]:>20.1f}" for m in methods))
    baseline = results["minimal subclass"]
    for name in ("FakeChatModel", "GenericFakeChatModel"):
        ratios = "".join(f"{results[name][m] / baseline[m]:>19.2f}x" for m in methods)
        print(f"{name + ' / minimal':22}{ratios}")


if __name__ == "__main__":
    main()
