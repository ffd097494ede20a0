"""Reading provider traffic back into a script: the inverse of the fake servers' renderers."""

from __future__ import annotations

import json
import time
from bisect import bisect_right
from typing import Any

import httpx
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fakes import (
    FakeChatModel,
    FakeProviderServer,
    Fault,
    Latency,
    RateLimitError,
    Response,
    ServerError,
    ToolCall,
)
from fakes._recording._readback import read_whole, stream_reader
from fakes._script._cutting import argument_fragments, cut
from fakes._script._splitting import splitter
from fakes._script._vocabulary import finish_reason
from fakes._wire._anthropic import Messages
from fakes._wire._format import Reply, WireFormat, arguments, dumps
from fakes._wire._ollama import Chat, Generate
from fakes._wire._openai import ChatCompletions, Completions
from fakes._wire._responses import Responses

WORDS = splitter("words")
FORMATS: dict[str, WireFormat] = {
    "/v1/chat/completions": ChatCompletions(),
    "/v1/completions": Completions(),
    "/v1/responses": Responses(),
    "/v1/messages": Messages(),
    "/api/chat": Chat(),
    "/api/generate": Generate(),
}
MESSAGES = [{"role": "user", "content": "hi"}]
BODIES: dict[str, dict[str, Any]] = {
    "/v1/chat/completions": {"messages": MESSAGES, "stream_options": {"include_usage": True}},
    "/v1/completions": {"prompt": "hi", "stream_options": {"include_usage": True}},
    "/v1/responses": {"input": "hi"},
    "/v1/messages": {"messages": MESSAGES, "max_tokens": 100},
    "/api/chat": {"messages": MESSAGES},
    "/api/generate": {"prompt": "hi"},
}
RESPONSES = [
    Response(
        text='héllo ✓ 🎉, "quoted"\nand a new line',
        reasoning="first ✓ think 🎉",
        tool_calls=[
            ToolCall("get_weather", {"city": "Zürich ✓", "days": 3}, id="call_1"),
            ToolCall("lookup", {"q": "🎉"}),
        ],
        usage={"input_tokens": 11, "output_tokens": 22},
        id="msg-42",
    ),
    Response(text="cut ✓ short 🎉", finish_reason="length", usage={"input_tokens": 3}),
]
STREAMS_REASONING = {
    "/v1/chat/completions",
    "/v1/responses",
    "/v1/messages",
    "/api/chat",
    "/api/generate",
}
TICK = 0.125  # exact in binary: arrival times and their differences stay exact


def reply_for(response: Response) -> Reply:
    usage = response.usage or {}
    pieces = cut(response, WORDS)
    return Reply(
        response,
        pieces,
        model="gpt-fake",
        call_index=0,
        input_tokens=usage.get("input_tokens", 5),
        stated_output_tokens=usage.get("output_tokens", pieces.tokens),
    )


def stream_body(path: str, response: Response) -> bytes:
    frames = FORMATS[path].frames(reply_for(response), {**BODIES[path], "stream": True})
    return b"".join(frame.data for frame in frames)


def chunk_ends(path: str, response: Response) -> list[int]:
    """Where each token-carrying frame ends in the streamed body."""
    ends, end = [], 0
    for frame in FORMATS[path].frames(reply_for(response), {**BODIES[path], "stream": True}):
        end += len(frame.data)
        if frame.chunk:
            ends.append(end)
    return ends


def summary(response: Response, *, whole: bool = False) -> dict[str, Any]:
    """What a read-back response must keep, in comparable terms."""
    return {
        "chunks": list(response.chunks or split_all(response.text)),
        "reasoning": list(response.reasoning_chunks or split_all(response.reasoning)),
        "calls": [(c.name, c.id, fragments(c, whole)) for c in response.tool_calls],
        "usage": dict(response.usage or {}),
        "finish_reason": response.finish_reason,
        "id": response.id,
    }


def fragments(call: ToolCall, whole: bool) -> list[str]:
    return [call.arguments_json()] if whole else list(argument_fragments(call, WORDS))


def split_all(text: str) -> list[str]:
    return [text] if text else []


def expected(path: str, response: Response, *, whole: bool = False) -> dict[str, Any]:
    """What a format's renderer put on the wire, in the terms `summary` gives."""
    reply = reply_for(response)
    pieces = reply.pieces
    usage = {"input_tokens": reply.input_tokens, "output_tokens": reply.output_tokens}
    calls = [
        (call.name, reply.call_id(n), [call.arguments_json()] if whole else fragments)
        for n, (call, fragments) in enumerate(
            zip(response.tool_calls, pieces.tool_args, strict=True)
        )
    ]
    result = {
        "chunks": split_all(reply.text) if whole else pieces.text,
        "reasoning": [],
        "calls": calls,
        "usage": {**usage, "total_tokens": sum(usage.values())},
        "finish_reason": finish_reason(response),
        "id": response.id or "chatcmpl-fake-0000",
    }
    if path in STREAMS_REASONING:
        result["reasoning"] = split_all(response.reasoning) if whole else pieces.reasoning
    if path == "/v1/completions":
        result.update(calls=[], id=response.id or "cmpl-fake-0000")
    elif path == "/v1/messages":
        result["id"] = response.id or "msg_fake_0000"
    elif path == "/v1/responses":
        result["id"] = response.id or "resp_fake_0000"
    elif path == "/api/generate":
        scripted = response.finish_reason
        reason = "stop" if scripted in (None, "tool_calls") else scripted
        result.update(calls=[], id=None, finish_reason=reason)
    elif path == "/api/chat":
        # Ollama: no ids; tool calls whole, parsed; done_reason "stop" beside tool calls.
        calls = [(c.name, None, [dumps(arguments(c))]) for c in response.tool_calls]
        scripted = response.finish_reason
        reason = "stop" if scripted in (None, "tool_calls") else scripted
        result.update(calls=calls, id=None, finish_reason=reason)
    return result


def read_in_pieces(path: str, body: bytes, cuts: list[int]) -> Any:
    """Feed the body cut at `cuts`, piece k arriving at k ticks."""
    reader = stream_reader(path)
    assert reader is not None
    bounds = sorted({0, *(c % (len(body) + 1) for c in cuts)})
    for k, (start, end) in enumerate(zip(bounds, [*bounds[1:], len(body)], strict=True)):
        reader.feed(body[start:end], k * TICK)
    return reader, bounds


@pytest.mark.parametrize("response", RESPONSES, ids=["tools", "length"])
@pytest.mark.parametrize("path", FORMATS)
@settings(max_examples=40)
@given(cuts=st.lists(st.integers(min_value=0, max_value=20_000), max_size=40))
@example(cuts=list(range(6_000)))  # byte by byte: every UTF-8 character cut in two
def test_a_stream_cut_anywhere_reads_back_as_rendered(
    path: str, response: Response, cuts: list[int]
) -> None:
    body = stream_body(path, response)
    reader, bounds = read_in_pieces(path, body, cuts)
    read = reader.response()
    assert summary(read) == expected(path, response)
    assert reader.model == "gpt-fake"
    assert reader.complete
    # Each token frame arrives with the piece holding its last byte.
    times = [(bisect_right(bounds, end - 1) - 1) * TICK for end in chunk_ends(path, response)]
    delays = [b - a for a, b in zip([0.0, *times[:-1]], times, strict=True)]
    assert read.latency == Latency(chunk_delays=tuple(delays))
    # Replayed, the read-back response sends the very same bytes.
    assert stream_body(path, read) == body


@pytest.mark.parametrize("path", FORMATS)
def test_an_error_frame_mid_stream_reads_as_a_fault_after_the_tokens_before_it(
    path: str,
) -> None:
    wire, reply = FORMATS[path], reply_for(RESPONSES[0])
    frames = list(wire.frames(reply, {**BODIES[path], "stream": True}))
    second = [n for n, frame in enumerate(frames) if frame.chunk][1]
    kept = b"".join(frame.data for frame in frames[: second + 1])
    reader = stream_reader(path)
    assert reader is not None
    reader.feed(kept + wire.error_frame("slow down ✓", "rate_limit_error", 429), 0.5)
    fault = reader.response().fault
    assert fault is not None and fault.after_chunks == 2
    # Ollama's error line says no more than the message.
    assert type(fault.error) is (ServerError if path.startswith("/api/") else RateLimitError)
    assert str(fault.error) == "slow down ✓"
    assert not reader.complete


@pytest.mark.parametrize(
    ("kind", "status", "error_class", "status_code"),
    [("server_error", 500, ServerError, 500), ("overloaded_error", 529, ServerError, 529)],
)
def test_error_types_map_to_the_closest_error(
    kind: str, status: int, error_class: type[Exception], status_code: int
) -> None:
    reader = stream_reader("/v1/messages")
    assert reader is not None
    reader.feed(Messages().error_frame("busy", kind, status), 0.1)
    fault = reader.response().fault
    assert fault is not None and type(fault.error) is error_class
    assert getattr(fault.error, "status_code", None) == status_code


@pytest.mark.parametrize("response", RESPONSES, ids=["tools", "length"])
@pytest.mark.parametrize("path", FORMATS)
def test_a_whole_answer_reads_back_as_rendered(path: str, response: Response) -> None:
    whole = json.loads(json.dumps(FORMATS[path].whole(reply_for(response))))
    read = read_whole(path, whole)
    assert read is not None
    assert summary(read, whole=True) == expected(path, response, whole=True)
    assert read.fault is None and read.latency is None


@pytest.mark.parametrize("path", FORMATS)
def test_an_error_body_reads_as_a_response_that_fails_at_once(path: str) -> None:
    body = FORMATS[path].error_body("slow down", "rate_limit_error", 429)
    read = read_whole(path, body)
    assert read is not None and read.fault is not None
    assert read.fault.after_chunks == 0 and str(read.fault.error) == "slow down"


def test_unknown_paths_have_no_reader() -> None:
    assert stream_reader("/v1/embeddings") is None
    assert read_whole("/v1/embeddings", {"data": []}) is None


def test_paths_are_known_by_their_end() -> None:
    # OpenAI-compatible servers behind a prefix, and query strings, as a proxy sees them.
    assert stream_reader("/openai/v1/chat/completions?api-version=1") is not None
    assert type(stream_reader("/v1/completions/")) is type(stream_reader("/v1/completions"))


def test_crlf_line_endings_read_the_same() -> None:
    body = stream_body("/v1/chat/completions", RESPONSES[0])
    reader = stream_reader("/v1/chat/completions")
    assert reader is not None
    reader.feed(body.replace(b"\n", b"\r\n"), 0.0)
    assert summary(reader.response()) == expected("/v1/chat/completions", RESPONSES[0])


def test_a_stream_cut_short_is_incomplete_and_keeps_what_came() -> None:
    body = stream_body("/v1/messages", RESPONSES[0])
    reader = stream_reader("/v1/messages")
    assert reader is not None
    reader.feed(body[: len(body) // 2], 0.0)
    assert not reader.complete
    assert reader.response().reasoning_chunks == cut(RESPONSES[0], WORDS).reasoning


E2E_REQUESTS: dict[str, dict[str, Any]] = {
    path: {**body, "model": "gpt-fake", "stream": True} for path, body in BODIES.items()
}


def record(server: FakeProviderServer, path: str) -> Any:
    """POST a streaming request and read the answer as a recording proxy would."""
    reader = stream_reader(path)
    assert reader is not None
    start = time.monotonic()
    with (
        httpx.Client(timeout=5) as client,
        client.stream("POST", server.url + path, json=E2E_REQUESTS[path]) as answer,
    ):
        for data in answer.iter_raw():
            reader.feed(data, time.monotonic() - start)
    return reader


def test_recording_the_fake_servers_reads_back_their_script() -> None:
    scripted = Response(
        text="héllo ✓ 🎉 done",
        reasoning="think ✓",
        tool_calls=[ToolCall("get_weather", {"city": "Zürich"}, id="call_9")],
        usage={"input_tokens": 4, "output_tokens": 9},
        id="msg-e2e",
        latency=Latency(chunk_delays=[0.03, 0.0, 0.02]),
    )
    model = FakeChatModel(responses=[scripted] * len(FORMATS))
    with FakeProviderServer(model, frame_bytes=7) as server:
        for path in FORMATS:
            reader = record(server, path)
            read = reader.response()
            assert summary(read) == expected(path, scripted), path
            assert reader.model == "gpt-fake-2026-01-01" and reader.complete
            assert read.latency is not None
            delays = read.latency.chunk_delays
            assert len(delays) == len(chunk_ends(path, scripted))
            assert delays[0] >= 0.03 and delays[2] >= 0.015  # ms rounding, clock grain


def test_recording_a_scripted_fault_reads_it_back() -> None:
    scripted = Response(text="one two three", fault=Fault(ServerError("boom ✓"), after_chunks=2))
    with FakeProviderServer(FakeChatModel(responses=[scripted])) as server:
        read = record(server, "/v1/chat/completions").response()
    assert read.chunks == ["one", " two"]
    assert read.fault is not None and read.fault.after_chunks == 2
    assert type(read.fault.error) is ServerError and str(read.fault.error) == "boom ✓"
