"""A fault mid-stream kept as a timeline that ends with the error, for chunks, events and
events read back from server-sent events."""

from __future__ import annotations

import httpx
import pytest
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from syrupy.assertion import SnapshotAssertion

from assertions import (
    AssertionsError,
    EventStream,
    ServerSentError,
    acollect_chunks,
    acollect_events,
    aparse_sse_response,
    collect_chunks,
    collect_events,
    encode_sse,
    normalize_events,
    parse_sse,
    render_events,
)
from fakes import FakeChatModel, Fault, Response


def chain() -> object:
    model = FakeChatModel(
        responses=[
            Response(
                text="Why did the parrot",
                fault=Fault(after_chunks=2, error=TimeoutError("upstream timed out")),
            )
        ],
        model_name="fake-gpt",
    )
    prompt = ChatPromptTemplate.from_template("Tell me a joke about {topic}")
    return prompt | model | StrOutputParser()


def test_chunks_raise_by_default() -> None:
    with pytest.raises(TimeoutError):
        collect_chunks(chain(), {"topic": "parrot"})


def test_captured_chunks_end_with_the_error(stream_snapshot: SnapshotAssertion) -> None:
    chunks = collect_chunks(chain(), {"topic": "parrot"}, capture_errors=True)
    assert list(chunks) == ["Why", " did"]
    assert isinstance(chunks.error, TimeoutError)
    assert chunks == stream_snapshot


async def test_captured_astream_chunks(stream_snapshot: SnapshotAssertion) -> None:
    chunks = await acollect_chunks(chain(), {"topic": "parrot"}, capture_errors=True)
    assert chunks.method == "astream" and list(chunks) == ["Why", " did"]
    assert chunks == stream_snapshot


async def test_events_raise_by_default() -> None:
    with pytest.raises(TimeoutError):
        await acollect_events(chain(), {"topic": "parrot"})


def test_captured_events_end_with_the_error(stream_snapshot: SnapshotAssertion) -> None:
    events = collect_events(chain(), {"topic": "parrot"}, capture_errors=True)
    assert isinstance(events.error, TimeoutError)
    assert [e["event"] for e in events][-3:] == [
        "on_chat_model_stream",
        "on_parser_stream",
        "on_chain_stream",
    ]
    assert events == stream_snapshot


async def test_v3_refuses_capture_errors() -> None:
    with pytest.raises(
        AssertionsError, match="capture_errors=True works with version='v1' or 'v2'"
    ):
        await acollect_events(chain(), {"topic": "parrot"}, version="v3", capture_errors=True)


ERROR_FRAME = b'event: error\ndata: {"message": "upstream timed out", "status_code": 504}\n\n'


def body_with_error(events: EventStream) -> bytes:
    return encode_sse(events).removesuffix(b"event: end\n\n") + ERROR_FRAME + b"event: end\n\n"


def test_parse_sse_keeps_error_frames(stream_snapshot: SnapshotAssertion) -> None:
    events = parse_sse(
        body_with_error(collect_events(chain(), {"topic": "parrot"}, capture_errors=True))
    )
    assert isinstance(events.error, ServerSentError)
    assert events.error.frames == [{"message": "upstream timed out", "status_code": 504}]
    text = render_events(normalize_events(events))
    assert text.endswith(
        '! error ServerSentError: {"message": "upstream timed out", "status_code": 504}\n'
    )
    assert events == stream_snapshot


def test_an_error_frame_that_is_not_json_is_kept_as_text() -> None:
    events = parse_sse(b"event: error\ndata: Internal Server Error\n\n")
    assert events.error is not None and events.error.frames == ["Internal Server Error"]
    assert list(events) == []


async def test_aparse_sse_response_keeps_error_frames() -> None:
    body = body_with_error(await acollect_events(chain(), {"topic": "parrot"}, capture_errors=True))

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client,
        client.stream("GET", "http://127.0.0.1/events") as response,
    ):
        events = await aparse_sse_response(response)
    assert isinstance(events.error, ServerSentError)
    assert normalize_events(events) == normalize_events(parse_sse(body))
