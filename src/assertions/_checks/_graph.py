"""Check a LangGraph graph's streams by what holds for each stream mode.

Graph streams are not additive: each `updates` item is one node's output, each `values`
item the whole state after a step, and `messages` interleaves the chunks of every model
call. So each mode is checked by its own rule, against the same run's final state.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import BaseMessage, BaseMessageChunk
from langchain_core.runnables import Runnable, RunnableConfig

from .._errors import StreamAssertionError
from .._timeline._normalize import Normalizer
from ._chunks import add_up, comparable

MODES = ("values", "updates", "messages")


def is_graph(runnable: Runnable[Any, Any]) -> bool:
    """A compiled LangGraph graph (`StateGraph(...).compile()`, `create_agent`)."""
    return type(runnable).__module__.startswith("langgraph.") and hasattr(runnable, "stream_mode")


def check_graph_streams(
    graph: Runnable[Any, Any], input: Any, config: RunnableConfig | None = None
) -> None:
    """`stream` and `astream` in the modes values, updates and messages agree with each
    other and with `invoke` (the graph runs three times: script `cycle=True`)."""
    __tracebackhide__ = True
    normalizer = Normalizer()
    streamed = list(graph.stream(input, config, stream_mode=list(MODES)))
    astreamed = asyncio.run(_acollect(graph, input, config))
    invoked = graph.invoke(input, config)
    want = comparable(invoked, normalizer)
    for method, items in (("stream", streamed), ("astream", astreamed)):
        by_mode: dict[str, list[Any]] = {mode: [] for mode in MODES}
        for mode, item in items:
            by_mode[mode].append(item)
        _check_values(method, by_mode["values"], want, normalizer)
        final = by_mode["values"][-1]
        first, updates = by_mode["values"][0], by_mode["updates"]
        _check_updates(method, graph, first, updates, final, normalizer)
        _check_messages(method, by_mode["messages"], final, normalizer)


async def _acollect(graph: Runnable[Any, Any], input: Any, config: Any) -> list[Any]:
    return [item async for item in graph.astream(input, config, stream_mode=list(MODES))]


def _fail(method: str, mode: str, problem: str, got: Any, want: Any) -> StreamAssertionError:
    return StreamAssertionError(
        f"{method}(stream_mode={mode!r}): {problem}\n  streamed: {got!r}\n  expected: {want!r}"
    )


def _check_values(method: str, values: list[Any], want: Any, normalizer: Normalizer) -> None:
    """The last state streamed is the state `invoke` returns."""
    __tracebackhide__ = True
    if not values:
        raise StreamAssertionError(f"{method}(stream_mode='values'): yielded no state")
    got = comparable(values[-1], normalizer)
    if got != want:
        raise _fail(method, "values", "the last state differs from invoke's output", got, want)


def _check_updates(
    method: str, graph: Any, first: Any, updates: list[Any], final: Any, normalizer: Normalizer
) -> None:
    """The nodes' updates, applied in order to the input state with the graph's own
    reducers (`add_messages`, `operator.add`, ...), make the final state."""
    __tracebackhide__ = True
    channels = getattr(graph, "channels", None) or {}
    state = dict(first) if isinstance(first, Mapping) else {}
    for update in updates:
        for node_output in (update or {}).values():
            if not isinstance(node_output, Mapping):
                continue
            for key, value in node_output.items():
                reducer = getattr(channels.get(key), "operator", None)
                state[key] = reducer(state[key], value) if reducer and key in state else value
    got, want = comparable(state, normalizer), comparable(final, normalizer)
    if got != want:
        raise _fail(
            method, "updates", "the merged node updates differ from the final state", got, want
        )


def _check_messages(method: str, items: list[Any], final: Any, normalizer: Normalizer) -> None:
    """The chunks of each message id add up to the message of that id in the final state."""
    __tracebackhide__ = True
    chunks: dict[str, list[BaseMessageChunk]] = {}
    for message, _metadata in items:
        if isinstance(message, BaseMessageChunk) and message.id:
            chunks.setdefault(message.id, []).append(message)
    finals = {m.id: m for m in _messages(final) if m.id}
    for message_id, parts in chunks.items():
        if message_id not in finals:
            raise StreamAssertionError(
                f"{method}(stream_mode='messages'): message {message_id!r} streamed "
                f"{len(parts)} chunk(s) but is not in the final state (ids there: "
                f"{sorted(finals)})"
            )
        got = comparable(add_up(parts), normalizer)
        want = comparable(finals[message_id], normalizer)
        if got != want:
            raise _fail(
                method,
                "messages",
                f"the {len(parts)} chunks of message {message_id!r} do not add up to it",
                got,
                want,
            )


def _messages(state: Any) -> Sequence[BaseMessage]:
    if not isinstance(state, Mapping):
        return []
    return [
        m
        for value in state.values()
        if isinstance(value, list)
        for m in value
        if isinstance(m, BaseMessage)
    ]
