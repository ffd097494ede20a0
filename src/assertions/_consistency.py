"""Check a runnable end to end: every way of running it agrees, and its output streams live."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import jsonpatch
from langchain_core.messages import BaseMessage
from langchain_core.runnables import Runnable, RunnableConfig
from pydantic import BaseModel

from ._chunks import add_up
from ._collect import acollect_events, no_running_loop
from ._errors import StreamAssertionError
from ._normalize import Normalizer


def assert_stream_consistent(
    runnable: Runnable[Any, Any], input: Any, config: RunnableConfig | None = None
) -> None:
    """`stream`, `astream`, `invoke` and `astream_events` agree, and the chunks add up.

    The runnable runs four times: script its fakes with `cycle=True` (or four
    responses). Message chunks must add up to the output, strings must join to it, and
    partial objects (`JsonOutputParser`) must each extend the one before and end as it.

    >>> from fakes import FakeChatModel
    >>> assert_stream_consistent(FakeChatModel(responses=["Hi there"], cycle=True), "hi")
    """
    __tracebackhide__ = True
    no_running_loop(
        "assert_stream_consistent", "call it from a synchronous test (it runs async code too)"
    )
    streamed = list(runnable.stream(input, config))
    astreamed = asyncio.run(_astream(runnable, input, config))
    for name, chunks in (("stream", streamed), ("astream", astreamed)):
        _partials_grow(name, chunks)
    invoked = runnable.invoke(input, config)
    events = list(asyncio.run(acollect_events(runnable, input, config)))
    normalizer = Normalizer()
    for name, chunks in (("stream", streamed), ("astream", astreamed)):
        _chunks_make_output(name, chunks, invoked, normalizer)
    root_end = next((e for e in reversed(events) if not e.get("parent_ids")), None)
    if root_end is None or not root_end["event"].endswith("_end"):
        raise StreamAssertionError("astream_events: the root run has no end event")
    final = _event_output(root_end)
    if _comparable(final, normalizer) != _comparable(invoked, normalizer):
        raise StreamAssertionError(
            "astream_events: the root run's output differs from invoke's"
            f"\n  invoke:         {_comparable(invoked, normalizer)!r}"
            f"\n  astream_events: {_comparable(final, normalizer)!r}"
        )


def _event_output(end: Mapping[str, Any]) -> Any:
    """An end event's output as invoke returns it (an LLM's events carry the LLMResult)."""
    output = end["data"].get("output")
    if end["event"] == "on_llm_end" and isinstance(output, Mapping):
        return output["generations"][0][0]["text"]
    if isinstance(output, list) and output and _is_patch_stream([output]):
        return jsonpatch.apply_patch(None, output)  # JsonOutputParser(diff=True)
    return output


async def _astream(runnable: Runnable[Any, Any], input: Any, config: Any) -> list[Any]:
    return [chunk async for chunk in runnable.astream(input, config)]


def _chunks_make_output(
    method: str, chunks: Sequence[Any], output: Any, normalizer: Normalizer
) -> None:
    __tracebackhide__ = True
    if not chunks:
        raise StreamAssertionError(f"{method}: yielded no chunk")
    combined = _combined(chunks)
    if _comparable(combined, normalizer) != _comparable(output, normalizer):
        raise StreamAssertionError(
            f"{method}: the {len(chunks)} chunks do not add up to invoke's output"
            f"\n  chunks add up to: {_comparable(combined, normalizer)!r}"
            f"\n  invoke returned:  {_comparable(output, normalizer)!r}"
        )


def _combined(chunks: Sequence[Any]) -> Any:
    """What the chunks stand for, as LangChain combines them.

    Chunks that add up (message chunks, strings, `AddableDict` deltas of a
    RunnableParallel) are added; partial objects (plain dicts and lists, as
    `JsonOutputParser` streams them) each hold the whole so far, so the last one counts;
    JSON patches (`JsonOutputParser(diff=True)`) are applied in order.
    """
    if _is_patch_stream(chunks):
        document: Any = None
        for patch in chunks:
            document = jsonpatch.apply_patch(document, patch)
        return document
    if _partial_objects(chunks):
        return chunks[-1]
    try:
        return add_up(chunks)
    except TypeError:
        return chunks[-1] if len(chunks) == 1 else list(chunks)


def _partial_objects(chunks: Sequence[Any]) -> bool:
    return type(chunks[0]) in (dict, list) and not _is_patch_stream(chunks)


def _is_patch_stream(chunks: Sequence[Any]) -> bool:
    return all(
        isinstance(chunk, list) and all(isinstance(op, Mapping) and "op" in op for op in chunk)
        for chunk in chunks
    ) and any(chunks)


def _partials_grow(method: str, chunks: Sequence[Any]) -> None:
    """Partial objects (JsonOutputParser and friends) may only grow, chunk after chunk."""
    __tracebackhide__ = True
    if not chunks or not _partial_objects(chunks):
        return
    for index in range(1, len(chunks)):
        if not _extends(chunks[index - 1], chunks[index]):
            raise StreamAssertionError(
                f"{method}: chunk {index} does not extend the one before it (a partial "
                f"object must only grow)\n  chunk {index - 1}: {chunks[index - 1]!r}"
                f"\n  chunk {index}: {chunks[index]!r}"
            )


def _comparable(value: Any, normalizer: Normalizer) -> Any:
    """What must agree between calls: a message's content, tool calls and usage.

    Not ids: a provider (and a fake) gives each call its own message and tool call ids.
    """
    if isinstance(value, BaseMessage):
        calls = [
            {"name": call["name"], "args": call["args"]}
            for call in getattr(value, "tool_calls", [])
        ]
        return normalizer.data(
            {
                "content": value.content,
                "tool_calls": calls,
                "usage_metadata": getattr(value, "usage_metadata", None),
            }
        )
    if isinstance(value, Mapping):
        return {str(key): _comparable(item, normalizer) for key, item in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [_comparable(item, normalizer) for item in value]
    return normalizer.data(value)


def _extends(before: Any, after: Any) -> bool:
    """Whether `after` is `before` with more filled in (as partial JSON grows)."""
    if isinstance(before, BaseModel) and isinstance(after, BaseModel):
        return _extends(before.model_dump(), after.model_dump())  # PydanticToolsParser
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        return all(key in after and _extends(value, after[key]) for key, value in before.items())
    if isinstance(before, list) and isinstance(after, list):
        return len(before) <= len(after) and all(
            _extends(item, after[i]) for i, item in enumerate(before)
        )
    if isinstance(before, str) and isinstance(after, str):
        return after.startswith(before)
    if isinstance(before, (int, float)) and isinstance(after, (int, float)):
        return str(after).startswith(str(before))  # digits still arriving
    return bool(before == after)
