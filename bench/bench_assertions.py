"""Cost of normalising and rendering an event stream, against the cost of producing it.

    python bench/bench_assertions.py [--chunks 2000] [--repeats 7]

The stream: `astream_events(version="v2")` of prompt | FakeChatModel | StrOutputParser
over 2,000 chunks (about 6,000 events). Prints both costs (median of the repeats) and
their ratio. Target: normalise + render under 0.20 of producing the events.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from assertions import acollect_events, normalize_events, render_events
from fakes import FakeChatModel, Response


def chain(chunks: int) -> Any:
    prompt = ChatPromptTemplate.from_template("Tell me a story about {topic}")
    model = FakeChatModel(responses=[Response(chunks=[" tok"] * chunks)])
    return prompt | model | StrOutputParser()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    produce, process = [], []
    events: Any = None
    for _ in range(args.repeats):
        runnable = chain(args.chunks)
        start = time.perf_counter()
        events = asyncio.run(acollect_events(runnable, {"topic": "parrots"}))
        produce.append(time.perf_counter() - start)
        start = time.perf_counter()
        render_events(normalize_events(events))
        process.append(time.perf_counter() - start)
    made, handled = statistics.median(produce), statistics.median(process)
    print(f"{len(events)} events from {args.chunks} chunks, median of {args.repeats} runs")
    print(f"produce (astream_events v2): {made * 1000:8.1f} ms")
    print(f"normalise + render:          {handled * 1000:8.1f} ms")
    print(f"ratio:                       {handled / made:8.3f}  (target < 0.20)")


if __name__ == "__main__":
    main()
