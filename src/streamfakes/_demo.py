"""`streamfakes demo`: the LangChain streaming walkthrough, offline, on the fakes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TextIO, cast

from langchain_core.messages import AIMessageChunk
from langchain_core.output_parsers import JsonOutputParser, StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from fakes import FakeChatModel, FakeLLM, Latency, Response, ToolCall

SONG = (
    "Here is a 1 verse song about goldfish on the moon:\n\n"
    "Floating up in the starry night,\n"
    "Fins a-glimmer in the pale moonlight.\n"
    "Goldfish swimming, peaceful and free,\n"
    "Serenely drifting across the lunar sea."
)
SPARKLING = (
    "Sparkling water, oh so clear\n"
    "Bubbles dancing, without fear\n"
    "Refreshing taste, a pure delight\n"
    "Sparkling water, my thirst's delight"
)
JOKE = 'Why did the parrot sit on the stick? Because it wanted to be a "polly-stick-al" observer!'
COUNTRIES = (
    '{"countries": [{"name": "France", "population": 67390000}, '
    '{"name": "Spain", "population": 47350000}, '
    '{"name": "Japan", "population": 125800000}]}'
)
PACE = Latency(ttft=0.4, per_chunk=0.04, jitter=0.5, seed=7)


def run_demo(out: TextIO, *, real_time: bool = False) -> None:
    """Print every walkthrough section to `out`; `real_time` paces it like a provider."""
    pacing: dict[str, Any] = {"latency": PACE, "real_time": real_time}
    sections: list[tuple[str, Callable[[TextIO, dict[str, Any]], None]]] = [
        ("Chat model: stream token by token", _chat_stream),
        ("LLM: stream plain strings", _llm_stream),
        ("Chain: prompt | model | StrOutputParser", _chain_stream),
        ("JsonOutputParser: partial objects as the JSON streams", _json_stream),
        ("Tool call: arguments arrive in fragments", _tool_call_stream),
        ("astream_events (v2): prompt | model | parser", _events),
    ]
    for number, (title, section) in enumerate(sections, 1):
        out.write(f"\n== {number}. {title} ==\n")
        section(out, pacing)
        out.flush()


def _chat_stream(out: TextIO, pacing: dict[str, Any]) -> None:
    model = FakeChatModel(responses=[SONG], model_name="fake-claude", **pacing)
    for chunk in model.stream("Write me a 1 verse song about goldfish on the moon"):
        out.write(f"{chunk.content}|")
        out.flush()
    call = model.calls[0]
    timing = f"simulated TTFT {call.ttft:.2f}s, total {call.duration:.2f}s"
    out.write(f"\n({len(call.chunks)} chunks; {timing})\n")


def _llm_stream(out: TextIO, pacing: dict[str, Any]) -> None:
    llm = FakeLLM(responses=[SPARKLING], model_name="fake-instruct", **pacing)
    for chunk in llm.stream("Write me a 1 verse song about sparkling water."):
        out.write(f"{chunk}|")
        out.flush()
    out.write("\n")


def _chain_stream(out: TextIO, pacing: dict[str, Any]) -> None:
    prompt = ChatPromptTemplate.from_template("Tell me a joke about {topic}")
    chain = prompt | FakeChatModel(responses=[JOKE], **pacing) | StrOutputParser()
    for chunk in chain.stream({"topic": "parrot"}):
        out.write(f"{chunk}|")
        out.flush()
    out.write("\n")


def _json_stream(out: TextIO, pacing: dict[str, Any]) -> None:
    chain = FakeChatModel(responses=[COUNTRIES], **pacing) | JsonOutputParser()
    for partial in chain.stream("Output a list of countries and their populations as JSON"):
        out.write(f"{partial}\n")
        out.flush()


def _tool_call_stream(out: TextIO, pacing: dict[str, Any]) -> None:
    call = ToolCall("get_weather", {"city": "Paris", "unit": "celsius"}, id="call_1")
    model = FakeChatModel(
        responses=[Response(text="Let me check.", tool_calls=[call])], **pacing
    ).bind_tools([_get_weather])
    total: AIMessageChunk | None = None
    for streamed in model.stream("What's the weather in Paris?"):
        chunk = cast(AIMessageChunk, streamed)  # bound models are typed as returning AIMessage
        total = chunk if total is None else total + chunk
        if chunk.tool_call_chunks:
            shown = f"args fragment {chunk.tool_call_chunks[0]['args']!r}"
        elif chunk.content:
            shown = f"text {chunk.content!r}"
        else:
            shown = "finish (usage, finish_reason)"
        calls = ", ".join(f"{c['name']}({c['args']})" for c in total.tool_calls)
        out.write(f"{shown:<30} -> tool calls so far: {calls or '-'}\n")
        out.flush()
    if total is None:
        return
    out.write(f"usage: {total.usage_metadata}\n")
    out.write(f"finish_reason: {total.response_metadata['finish_reason']}\n")


def _get_weather(city: str, unit: str = "celsius") -> str:
    """Get the current weather in a city."""
    return f"Sunny in {city}"


def _events(out: TextIO, pacing: dict[str, Any]) -> None:
    # The normalised timeline, in the format stream snapshots use.
    from assertions import collect_events, normalize_events, render_events

    prompt = ChatPromptTemplate.from_template("Tell me a joke about {topic}")
    model = FakeChatModel(responses=["Why did the parrot talk?"], **pacing)
    chain = prompt | model.with_config(tags=["joke-model"]) | StrOutputParser()
    events = collect_events(chain, {"topic": "parrot"})
    out.write(render_events(normalize_events(events, keep_ls_metadata=False)))
