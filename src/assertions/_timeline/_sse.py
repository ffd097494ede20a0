"""Events over HTTP: encode `astream_events` as `text/event-stream`, and parse it back.

The format is the one LangChain's JS `streamEvents(..., {encoding: "text/event-stream"})`
sends: an `event: data` frame per event with the event as JSON (LangChain objects in
their serialised `lc` form), then `event: end`. Parsing uses httpx-sse.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Mapping
from typing import Any

import httpx
from httpx_sse import EventSource
from langchain_core.load.serializable import Serializable
from pydantic import BaseModel

from .._errors import AssertionsError
from ._streams import EventStream

CONTENT_TYPE = "text/event-stream"
END_FRAME = b"event: end\n\n"


class ServerSentError(Exception):
    """The `event: error` frames of an event stream, kept as the stream's `error`.

    `frames` holds each frame's data (parsed JSON, or the text if it is not JSON).

    >>> parse_sse(b'event: error\\ndata: {"message": "boom"}\\n\\n').error.frames
    [{'message': 'boom'}]
    """

    def __init__(self, frames: list[Any]) -> None:
        self.frames = frames
        shown = "; ".join(
            frame if isinstance(frame, str) else json.dumps(frame, sort_keys=True)
            for frame in frames
        )
        super().__init__(shown)


def _json_default(value: Any) -> Any:
    if isinstance(value, Serializable):
        return value.to_json()
    if isinstance(value, BaseModel):
        return value.model_dump()
    return repr(value)


def encode_sse_event(event: Mapping[str, Any]) -> bytes:
    """One event as a server-sent-event frame.

    >>> encode_sse_event({"event": "on_chain_start", "data": {}})
    b'event: data\\ndata: {"event":"on_chain_start","data":{}}\\n\\n'
    """
    data = json.dumps(event, default=_json_default, separators=(",", ":"), ensure_ascii=False)
    return f"event: data\ndata: {data}\n\n".encode()


def encode_sse(events: Iterable[Mapping[str, Any]]) -> bytes:
    """A whole event stream as a `text/event-stream` body, ending with `event: end`."""
    return b"".join(encode_sse_event(event) for event in events) + END_FRAME


async def aencode_sse(events: AsyncIterable[Mapping[str, Any]]) -> AsyncIterator[bytes]:
    """Frames as the events come, for a streaming HTTP response body.

    For example in an ASGI handler: `async for frame in aencode_sse(chain.astream_events(
    input, version="v2")): await send({"type": "http.response.body", "body": frame, ...})`.
    """
    async for event in events:
        yield encode_sse_event(event)
    yield END_FRAME


def parse_sse(body: bytes | str) -> EventStream:
    """The events of a `text/event-stream` body (as `encode_sse` writes it).

    `event: error` frames are kept as the stream's `error` (a `ServerSentError`), so a
    snapshot of the events ends with the error.

    >>> parse_sse(encode_sse([{"event": "on_chain_start", "run_id": "r"}])).events
    [{'event': 'on_chain_start', 'run_id': 'r'}]
    """
    raw = body.encode() if isinstance(body, str) else body
    response = httpx.Response(200, headers={"content-type": CONTENT_TYPE}, content=raw)
    return _events(EventSource(response).iter_sse())


async def aparse_sse_response(response: httpx.Response) -> EventStream:
    """The events of a streaming `httpx` response from your own endpoint."""
    return _events([sse async for sse in EventSource(response).aiter_sse()])


def _events(frames: Iterable[Any]) -> EventStream:
    events = []
    errors: list[Any] = []
    for frame in frames:
        if frame.event == "end":
            break
        if frame.event == "error":
            try:
                errors.append(json.loads(frame.data))
            except json.JSONDecodeError:
                errors.append(frame.data)
            continue
        if frame.event != "data":
            continue
        try:
            events.append(json.loads(frame.data))
        except json.JSONDecodeError as error:
            raise AssertionsError(
                f"an event-stream frame is not JSON ({error}): {frame.data[:80]!r}"
            ) from None
    return EventStream(events, error=ServerSentError(errors) if errors else None)
