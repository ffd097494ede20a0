"""Events as server-sent events: encoded by a real ASGI app, parsed back, snapshotted."""

from __future__ import annotations

import json
from typing import Any

import httpx
from syrupy.assertion import SnapshotAssertion

from assertions import (
    acollect_events,
    aencode_sse,
    aparse_sse_response,
    encode_sse,
    normalize_events,
    parse_sse,
    render_events,
)
from tests.assertions import scenarios as s


def chain_app() -> Any:
    """A minimal ASGI app that streams the docs' chain's events as text/event-stream."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        request = await receive()
        question = json.loads(request.get("body") or b"{}").get("question", "")
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream")],
            }
        )
        events = s.named_json_chain().astream_events(question, version="v2")
        async for frame in aencode_sse(events):
            await send({"type": "http.response.body", "body": frame, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    return app


async def test_an_endpoints_event_stream_is_snapshotted(stream_snapshot: SnapshotAssertion) -> None:
    transport = httpx.ASGITransport(app=chain_app())
    client = httpx.AsyncClient(transport=transport, base_url="http://app")
    request = client.stream("POST", "/events", json={"question": s.COUNTRIES_PROMPT})
    async with client, request as response:
        assert response.headers["content-type"] == "text/event-stream"
        events = await aparse_sse_response(response)
    assert [e["event"] for e in events][:3] == [
        "on_chain_start",
        "on_chat_model_start",
        "on_chat_model_stream",
    ]
    assert events == stream_snapshot


async def test_events_survive_the_round_trip_through_the_wire_format() -> None:
    events = await acollect_events(s.named_json_chain(), s.COUNTRIES_PROMPT)
    parsed = parse_sse(encode_sse(events))
    assert render_events(normalize_events(parsed)) == render_events(normalize_events(events))


def test_the_frames_are_what_the_js_docs_show() -> None:
    body = encode_sse([{"event": "on_chain_start", "data": {"input": "hi"}, "run_id": "r1"}])
    assert body == (
        b'event: data\ndata: {"event":"on_chain_start","data":{"input":"hi"},"run_id":"r1"}\n\n'
        b"event: end\n\n"
    )


def test_parsing_ignores_other_events_and_stops_at_end() -> None:
    body = (
        ": a comment\n\n"
        "event: ping\ndata: {}\n\n"
        'event: data\ndata: {"event": "on_chain_start", "run_id": "r"}\n\n'
        "event: end\n\n"
        'event: data\ndata: {"event": "after the end", "run_id": "r"}\n\n'
    )
    assert parse_sse(body).events == [{"event": "on_chain_start", "run_id": "r"}]


def test_a_frame_that_is_not_json_says_so() -> None:
    import pytest

    from assertions import AssertionsError

    with pytest.raises(AssertionsError, match=r"an event-stream frame is not JSON .*: 'not json'"):
        parse_sse("event: data\ndata: not json\n\n")
