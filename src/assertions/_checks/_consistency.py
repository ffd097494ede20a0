"""Check a runnable end to end: every way of running it agrees, and its output streams live."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import jsonpatch
from langchain_core.runnables import Runnable, RunnableConfig

from .._errors import StreamAssertionError
from .._timeline._collect import acollect_chunks, collect_events, no_running_loop
from .._timeline._normalize import Normalizer
from ._chunks import check_partials_grow, combine, comparable, is_patch_stream
from ._graph import check_graph_streams, is_graph


def assert_stream_consistent(
    runnable: Runnable[Any, Any], input: Any, config: RunnableConfig | None = None
) -> None:
    """`stream`, `astream`, `invoke` and `astream_events` agree, and the chunks add up.

    The runnable runs four times: script its fakes with `cycle=True` (or four
    responses). Message chunks must add up to the output, strings must join to it, and
    partial objects (`JsonOutputParser`) must each extend the one before and end as it.

    A LangGraph graph (`create_agent`, `StateGraph(...).compile()`) is checked by what
    holds for each stream mode instead, in one `stream` and one `astream` with the modes
    values, updates and messages, and an `invoke` (three runs): the last `values` state
    is `invoke`'s; the `updates`, merged in order into the input state, make the final
    state; in `messages`, the chunks of each message id add up to that message. A
    failure names the method and the mode.

    >>> from fakes import FakeChatModel
    >>> assert_stream_consistent(FakeChatModel(responses=["Hi there"], cycle=True), "hi")
    """
    __tracebackhide__ = True
    no_running_loop(
        "assert_stream_consistent", "call it from a synchronous test (it runs async code too)"
    )
    if is_graph(runnable):
        check_graph_streams(runnable, input, config)
        return
    streamed = list(runnable.stream(input, config))
    astreamed = asyncio.run(acollect_chunks(runnable, input, config)).chunks
    for name, chunks in (("stream", streamed), ("astream", astreamed)):
        check_partials_grow(name, chunks)
    invoked = runnable.invoke(input, config)
    events = collect_events(runnable, input, config).events
    normalizer = Normalizer()
    want = comparable(invoked, normalizer)
    for name, chunks in (("stream", streamed), ("astream", astreamed)):
        _chunks_make_output(name, chunks, want, normalizer)
    root_end = next((e for e in reversed(events) if not e.get("parent_ids")), None)
    if root_end is None or not root_end["event"].endswith("_end"):
        raise StreamAssertionError("astream_events: the root run has no end event")
    final = comparable(_event_output(root_end), normalizer)
    if final != want:
        raise StreamAssertionError(
            "astream_events: the root run's output differs from invoke's"
            f"\n  invoke:         {want!r}"
            f"\n  astream_events: {final!r}"
        )


def _event_output(end: Mapping[str, Any]) -> Any:
    """An end event's output as invoke returns it (an LLM's events carry the LLMResult)."""
    output = end["data"].get("output")
    if end["event"] == "on_llm_end" and isinstance(output, Mapping):
        return output["generations"][0][0]["text"]
    if isinstance(output, list) and output and is_patch_stream([output]):
        return jsonpatch.apply_patch(None, output)  # JsonOutputParser(diff=True)
    return output


def _chunks_make_output(
    method: str, chunks: Sequence[Any], want: Any, normalizer: Normalizer
) -> None:
    """The chunks combine to `want` (invoke's output, made comparable)."""
    __tracebackhide__ = True
    if not chunks:
        raise StreamAssertionError(f"{method}: yielded no chunk")
    got = comparable(combine(chunks), normalizer)
    if got != want:
        raise StreamAssertionError(
            f"{method}: the {len(chunks)} chunks do not add up to invoke's output"
            f"\n  chunks add up to: {got!r}"
            f"\n  invoke returned:  {want!r}"
        )
