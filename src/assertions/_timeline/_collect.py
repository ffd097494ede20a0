"""Collect what a runnable streams: its chunks, or its events."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from langchain_core.runnables import Runnable, RunnableConfig

from .._errors import AssertionsError
from ._streams import ChunkStream, EventStream, EventVersion, LogStream

_FILTERS = (
    "include_names",
    "include_types",
    "include_tags",
    "exclude_names",
    "exclude_types",
    "exclude_tags",
)


def collect_chunks(
    runnable: Runnable[Any, Any],
    input: Any,
    config: RunnableConfig | None = None,
    *,
    capture_errors: bool = False,
    **kwargs: Any,
) -> ChunkStream:
    """Every chunk `runnable.stream(input)` yields.

    With `capture_errors=True` an exception mid-stream does not propagate: the chunks
    received are kept and the exception is the stream's `error` (its timeline's last line).

    >>> from fakes import FakeChatModel
    >>> [c.content for c in collect_chunks(FakeChatModel(responses=["Hi there"]), "hi")]
    ['Hi', ' there']
    """
    chunks: list[Any] = []
    with Captured(capture_errors) as caught:
        chunks.extend(runnable.stream(input, config, **kwargs))
    return ChunkStream(chunks, method="stream", error=caught.error)


async def acollect_chunks(
    runnable: Runnable[Any, Any],
    input: Any,
    config: RunnableConfig | None = None,
    *,
    capture_errors: bool = False,
    **kwargs: Any,
) -> ChunkStream:
    """Every chunk `runnable.astream(input)` yields (`capture_errors` as in `collect_chunks`)."""
    chunks: list[Any] = []
    with Captured(capture_errors) as caught:
        async for chunk in runnable.astream(input, config, **kwargs):
            chunks.append(chunk)
    return ChunkStream(chunks, method="astream", error=caught.error)


async def acollect_events(
    runnable: Runnable[Any, Any],
    input: Any,
    config: RunnableConfig | None = None,
    *,
    version: EventVersion = "v2",
    include_names: Sequence[str] | None = None,
    include_types: Sequence[str] | None = None,
    include_tags: Sequence[str] | None = None,
    exclude_names: Sequence[str] | None = None,
    exclude_types: Sequence[str] | None = None,
    exclude_tags: Sequence[str] | None = None,
    capture_errors: bool = False,
    **kwargs: Any,
) -> EventStream:
    """Every event `runnable.astream_events(input, version=...)` yields, with its filters.

    With `capture_errors=True` an exception mid-stream does not propagate: the events
    received are kept and the exception is the stream's `error` (its timeline's last line).

    `version="v3"` collects a chat model's content-block protocol events
    (`stream_events(version="v3")`, where the installed langchain-core has it).
    """
    filters = {
        name: list(value)
        for name, value in zip(
            _FILTERS,
            (
                include_names,
                include_types,
                include_tags,
                exclude_names,
                exclude_types,
                exclude_tags,
            ),
            strict=True,
        )
        if value is not None
    }
    if version == "v3":
        if capture_errors:
            raise AssertionsError(
                "capture_errors=True works with version='v1' or 'v2' only: v3 content-block "
                "events are collected in one call; collect the failure with version='v2'"
            )
        if filters:
            raise AssertionsError(
                f"version='v3' takes no include_/exclude_ filters (got {sorted(filters)}): "
                "it streams one chat model's content blocks; filter with version='v2'"
            )
        return EventStream(_protocol_events(runnable, input, config, **kwargs), "v3")
    stream = runnable.astream_events(input, config, version=version, **filters, **kwargs)
    events: list[dict[str, Any]] = []
    with Captured(capture_errors) as caught:
        async for event in stream:
            events.append(dict(event))
    return EventStream(events, version=version, options=filters, error=caught.error)


def _protocol_events(runnable: Any, input: Any, config: Any, **kwargs: Any) -> list[dict[str, Any]]:
    if not hasattr(runnable, "stream_events"):
        raise AssertionsError(
            "version='v3' needs stream_events(), which this langchain-core lacks (it came "
            "in 1.4); use version='v2'"
        )
    return [dict(event) for event in runnable.stream_events(input, config, version="v3", **kwargs)]


async def acollect_log(
    runnable: Runnable[Any, Any], input: Any, config: RunnableConfig | None = None, **kwargs: Any
) -> LogStream:
    """Every JSON-patch operation of `runnable.astream_log(input)` (filters as keywords)."""
    ops: list[dict[str, Any]] = []
    async for patch in runnable.astream_log(input, config, **kwargs):
        ops.extend(dict(op) for op in patch.ops)
    return LogStream(ops)


def collect_events(
    runnable: Runnable[Any, Any],
    input: Any,
    config: RunnableConfig | None = None,
    **kwargs: Any,
) -> EventStream:
    """`acollect_events` for synchronous tests (it runs its own event loop).

    >>> from fakes import FakeChatModel
    >>> [e["event"] for e in collect_events(FakeChatModel(responses=["Hi"]), "hi")]
    ['on_chat_model_start', 'on_chat_model_stream', 'on_chat_model_end']
    """
    no_running_loop("collect_events", "use `await acollect_events(...)` instead")
    return asyncio.run(acollect_events(runnable, input, config, **kwargs))


def collect_log(
    runnable: Runnable[Any, Any], input: Any, config: RunnableConfig | None = None, **kwargs: Any
) -> LogStream:
    """`acollect_log` for synchronous tests (it runs its own event loop)."""
    no_running_loop("collect_log", "use `await acollect_log(...)` instead")
    return asyncio.run(acollect_log(runnable, input, config, **kwargs))


def no_running_loop(name: str, fix: str) -> None:
    """Refuse to start an event loop inside a running one, saying what to do instead."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise AssertionsError(
        f"{name}() runs its own event loop, and one is already running; in an async test, {fix}"
    )


class Captured:
    """`with Captured(capture_errors) as caught:` keeps an exception raised inside as
    `caught.error` when asked to capture it (else it propagates)."""

    def __init__(self, capture: bool) -> None:
        self.capture = capture
        self.error: Exception | None = None

    def __enter__(self) -> Captured:
        return self

    def __exit__(self, kind: object, error: BaseException | None, traceback: object) -> bool:
        if self.capture and isinstance(error, Exception):
            self.error = error
            return True
        return False
