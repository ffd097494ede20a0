"""The fake OpenAI server, driven by a script, proven with the real langchain-openai client."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import openai
import pytest
from langchain_openai import ChatOpenAI

from fakes import (
    ConnectionDroppedError,
    FakeChatModel,
    FakeProviderServer,
    FakesError,
    Fault,
    Latency,
    MalformedFrameError,
    RateLimitError,
    Response,
    ServerError,
    ToolCall,
)

Start = Callable[..., FakeProviderServer]
pytest_plugins = ["pytester"]


def client(server: FakeProviderServer, **settings: object) -> ChatOpenAI:
    options: dict[str, object] = {"max_retries": 0, **settings}
    return ChatOpenAI(
        base_url=server.openai_base_url,
        api_key="sk-secret",
        model="gpt-fake",
        stream_usage=True,
        **options,  # type: ignore[arg-type]
    )


def test_chat_openai_streams_the_scripted_tokens(fake_provider: Start) -> None:
    server = fake_provider(["Hello there, friend"])
    chunks = list(client(server).stream("hi"))
    assert "".join(str(c.content) for c in chunks) == "Hello there, friend"
    assert [c.content for c in chunks if c.content] == ["Hello", " there", ",", " friend"]
    usage = [c.usage_metadata for c in chunks if c.usage_metadata]
    assert len(usage) == 1 and usage[0]["output_tokens"] == 4


async def test_chat_openai_astreams_tool_call_fragments(fake_provider: Start) -> None:
    call = ToolCall("get_weather", {"city": "Paris"}, id="call_1", fragments=3)
    server = fake_provider(
        [Response(text="Checking.", tool_calls=[call], usage={"input_tokens": 9})]
    )
    chunks = [c async for c in client(server).astream("weather?")]
    fragments = [c.tool_call_chunks[0]["args"] for c in chunks if c.tool_call_chunks]
    assert fragments == ['{"city', '":"Pa', 'ris"}']
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    assert total.tool_calls == [
        {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1", "type": "tool_call"}
    ]
    assert total.usage_metadata is not None and total.usage_metadata["input_tokens"] == 9
    assert total.response_metadata["finish_reason"] == "tool_calls"


async def test_astream_events_show_every_token(fake_provider: Start) -> None:
    server = fake_provider(["one two three"])
    events = [e async for e in client(server).astream_events("x", version="v2")]
    tokens = [e["data"]["chunk"].content for e in events if e["event"] == "on_chat_model_stream"]
    assert [t for t in tokens if t] == ["one", " two", " three"]


async def test_a_second_async_test_reuses_nothing_from_the_first_loop(fake_provider: Start) -> None:
    # ChatOpenAI caches its async client per base URL; the server closes each connection,
    # so a new event loop never meets a socket of the old one.
    server = fake_provider(["again"])
    assert (await client(server).ainvoke("x")).content == "again"


def test_invoke_gets_the_whole_completion(fake_provider: Start) -> None:
    server = fake_provider([Response(text="Let me check.", tool_calls=[ToolCall("f", {"a": 1})])])
    message = client(server).invoke("x")
    assert message.content == "Let me check."
    assert message.tool_calls[0]["args"] == {"a": 1}
    assert server.journal.requests[0].body["messages"] == [{"role": "user", "content": "x"}]


def test_a_rate_limit_is_the_clients_own_exception_and_retries_show(fake_provider: Start) -> None:
    server = fake_provider([Fault(error=RateLimitError(retry_after=0)), "after the retry"])
    assert client(server, max_retries=1).invoke("x").content == "after the retry"
    assert [r.status for r in server.journal.requests] == [429, 200]
    retry_counts = [r.headers.get("x-stainless-retry-count") for r in server.journal.requests]
    assert retry_counts == ["0", "1"]


def test_server_errors_surface_as_openai_errors(fake_provider: Start) -> None:
    server = fake_provider([Fault(error=ServerError(status_code=503))])
    with pytest.raises(openai.InternalServerError):
        client(server).invoke("x")


def test_an_error_mid_stream_arrives_after_the_chunks_before_it(fake_provider: Start) -> None:
    server = fake_provider([Response(text="a b c d", fault=Fault(after_chunks=2))])
    received = []
    with pytest.raises(openai.APIError):
        for chunk in client(server).stream("x"):
            received.append(chunk.content)
    assert "".join(map(str, received)) == "a b"


def test_credentials_never_reach_the_journal(fake_provider: Start) -> None:
    server = fake_provider(["ok"])
    client(server).invoke("x")
    headers = server.journal.requests[0].headers
    assert headers["authorization"] == "<redacted>"
    assert "sk-secret" not in json.dumps([r.headers for r in server.journal.requests])


@pytest.mark.streamfakes(allow_unexpected=True)
def test_bad_requests_get_json_errors_and_the_server_keeps_serving(fake_provider: Start) -> None:
    server = fake_provider(["still here"])
    with httpx.Client(base_url=server.url) as http:
        missing = http.post("/v1/nowhere", json={})
        assert missing.status_code == 404
        assert missing.json()["error"]["message"] == (
            "no such endpoint: POST /v1/nowhere; the fake serves POST /v1/chat/completions, "
            "POST /v1/completions, POST /v1/responses, POST /v1/messages, POST /api/chat, "
            "POST /api/generate, "
            "POST /{version}/models/{model}:streamGenerateContent, "
            "POST /{version}/models/{model}:generateContent, "
            "POST /model/{model:path}/converse-stream, POST /model/{model:path}/converse"
        )
        broken = http.post("/v1/chat/completions", content=b"{not json")
        assert broken.status_code == 400
        assert broken.json()["error"]["message"].startswith("the request body is not JSON")
        shapeless = http.post("/v1/chat/completions", json={"prompt": "x"})
        assert (
            shapeless.json()["error"]["message"] == "expected a JSON object with a 'messages' list"
        )
    assert client(server).invoke("x").content == "still here"


@pytest.mark.streamfakes(allow_unexpected=True)
def test_running_out_of_script_is_a_clear_400_not_retried(fake_provider: Start) -> None:
    server = fake_provider(["only one"])
    client(server, max_retries=2).invoke("x")
    with pytest.raises(openai.BadRequestError, match="has no response left for call 1"):
        client(server, max_retries=2).invoke("y")
    assert [r.status for r in server.journal.requests] == [200, 400]
    assert "has no response left" in server.journal.unexpected[0].reason


@pytest.fixture
def threads_before() -> Iterator[set[threading.Thread]]:
    yield set(threading.enumerate())


def test_stopping_leaves_no_thread_and_frees_the_port(
    threads_before: set[threading.Thread],
) -> None:
    with FakeProviderServer(FakeChatModel(responses=["x"])) as server:
        port = server.port
        assert server.url.startswith("http://127.0.0.1:")
    assert set(threading.enumerate()) <= threads_before
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))  # free again


def test_listening_beyond_loopback_warns() -> None:
    with pytest.warns(UserWarning, match="not only on this machine's loopback"):
        FakeProviderServer(FakeChatModel(responses=["x"]), host="0.0.0.0")


def test_wire_faults_reach_the_client_as_its_own_errors(fake_provider: Start) -> None:
    dropped = Response(text="a b c d", fault=Fault(after_chunks=2, error=ConnectionDroppedError))
    truncated = Response(text="a b c d", fault=Fault(after_chunks=2, error=MalformedFrameError))
    server = fake_provider([dropped, truncated])
    for _ in range(2):
        received = []
        # openai 3 wraps the broken connection in APIConnectionError; openai 2 let
        # httpx's RemoteProtocolError through.
        with pytest.raises((openai.APIConnectionError, httpx.RemoteProtocolError)):
            for chunk in client(server).stream("x"):
                received.append(chunk.content)
        assert "".join(map(str, received)) == "a b"


def test_frames_split_anywhere_even_inside_a_character(fake_provider: Start) -> None:
    text = "héllo wörld ✓ ünïcode"
    server = fake_provider([text, text], frame_bytes=3)
    assert "".join(str(c.content) for c in client(server).stream("x")) == text
    assert client(server).invoke("x").content == text


def test_a_stall_before_the_first_token_is_waited_out(fake_provider: Start) -> None:
    import time

    server = fake_provider(["slow answer"], latency=Latency(ttft=0.2))
    start = time.monotonic()
    chunks = client(server).stream("x")
    first = next(c for c in chunks if c.content)
    assert first.content == "slow"
    assert time.monotonic() - start >= 0.2
    list(chunks)


def test_strict_mode_fails_a_test_with_unexpected_requests(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
    )
    pytester.makepyfile(
        test_strict="""
import httpx

def test_wrong_path(fake_provider):
    server = fake_provider(["hi"])
    httpx.post(server.url + "/v2/chat", json={})
    httpx.post(server.openai_base_url + "/chat/completions",
               json={"messages": [{"role": "user", "content": "x"}]})
"""
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "the fake provider got 1 request(s) its script did not expect:",
            "  POST /v2/chat -> 404: unknown path",
            "Script a response for each (or a rule), or check the client's base_url and path.",
            "Allow it with @pytest.mark.streamfakes(allow_unexpected=True).",
        ]
    )


def test_a_busy_port_says_so_and_a_server_restarts_cleanly() -> None:
    with FakeProviderServer(FakeChatModel(responses=["x"], cycle=True)) as first:
        taken = first.port
        with pytest.raises(
            FakesError,
            match=rf"cannot listen on 127\.0\.0\.1:{taken} \(.*\); choose another port, or 0",
        ):
            FakeProviderServer(FakeChatModel(responses=["x"]), port=taken).start()
        with pytest.raises(FakesError, match="already running"):
            first.start()
    first.start()  # again, after a stop
    assert client(first).invoke("x").content == "x"
    first.stop()


def test_stop_does_not_wait_for_a_client_still_reading() -> None:
    import time

    server = FakeProviderServer(
        FakeChatModel(responses=["a b c d e f"], latency=Latency(per_chunk=2.0))
    ).start()
    stream = client(server).stream("x")
    next(stream)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 5
    assert not any(t.name == "streamfakes-server" for t in threading.enumerate())
    with pytest.raises(Exception):  # noqa: B017 - whichever error the client reports
        list(stream)


def test_a_fault_fires_even_when_a_format_sends_fewer_chunks(fake_provider: Start) -> None:
    call = ToolCall("f", {"a": 1}, fragments=3)
    server = fake_provider([Response(tool_calls=[call], fault=Fault(after_chunks=3))])
    with pytest.raises(openai.APIError):
        list(client(server).stream("x"))


def test_a_drop_before_the_first_chunk_breaks_the_connection(fake_provider: Start) -> None:
    server = fake_provider([Fault(error=ConnectionDroppedError), Fault(error=MalformedFrameError)])
    for _ in range(2):
        with pytest.raises((openai.APIConnectionError, httpx.RemoteProtocolError)):
            list(client(server).stream("x"))


def test_stop_sequences_as_a_string_or_a_list(fake_provider: Start) -> None:
    server = fake_provider(["The answer is 42. STOP here."], cycle=True)
    assert client(server).invoke("x", stop="STOP").content == "The answer is 42. "
    assert client(server).invoke("x", stop=["42"]).content == "The answer is "


def test_latency_applies_to_invoke_too(fake_provider: Start) -> None:
    server = fake_provider(["slow answer"], latency=Latency(ttft=3.0))
    with pytest.raises(openai.APITimeoutError):
        client(server, timeout=0.5).invoke("x")


@pytest.mark.streamfakes(allow_unexpected=True, allow_unused=True)
def test_get_is_not_allowed(fake_provider: Start) -> None:
    server = fake_provider(["unused"])
    reply = httpx.get(server.openai_base_url + "/chat/completions")
    assert reply.status_code == 405
    assert reply.json()["error"]["message"] == "/v1/chat/completions takes POST, not GET"
    assert server.journal.unexpected[0].reason == "/v1/chat/completions takes POST, not GET"


def test_split_bytes_cuts_inside_characters() -> None:
    import asyncio

    from fakes._wire._app import split_bytes

    async def parts() -> Any:
        yield "✓✓".encode()

    async def collect() -> list[bytes]:
        return [part async for part in split_bytes(parts(), 2, None)]

    pieces = asyncio.run(collect())
    assert pieces == [b"\xe2\x9c", b"\x93\xe2", b"\x9c\x93"]


def test_the_server_answers_as_a_resolved_release_of_the_model_asked_for() -> None:
    with FakeProviderServer(FakeChatModel(responses=["Hi"])) as server:
        body = {"model": "gpt-fake", "messages": [{"role": "user", "content": "hi"}]}
        answer = httpx.post(f"{server.openai_base_url}/chat/completions", json=body).json()
    assert answer["model"] == "gpt-fake-2026-01-01"  # an alias, resolved as providers do
    assert FakeProviderServer.answered_model("claude-fake-20250101") == "claude-fake-20250101"
    assert FakeProviderServer.answered_model("gpt-fake-2025-06-30") == "gpt-fake-2025-06-30"
    assert FakeProviderServer.answered_model("llama-fake:7b") == "llama-fake:7b"


class _RoutedLines:
    """A made-up format with the two optional parts: the model in the path, and
    content filters answered in band."""

    path = "/lines/{model}"
    media_type = "text/plain"
    in_band_faults = frozenset({"content_filter"})

    def problem(self, body: Any) -> str | None:
        return None if isinstance(body, dict) else "expected a JSON object"

    def routed(self, body: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
        return {**body, "model": params["model"]}

    def streaming(self, body: dict[str, Any]) -> bool:
        return True

    def messages(self, body: dict[str, Any]) -> list[Any]:
        from langchain_core.messages import HumanMessage

        return [HumanMessage(str(body.get("prompt", "")))]

    def options(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"model": body["model"]}

    def frames(self, reply: Any, body: dict[str, Any]) -> list[Any]:
        from fakes import Frame

        lines = [Frame(f"{reply.model}: {p}\n".encode(), chunk=True) for p in reply.pieces.text]
        return [*lines, Frame(b"end\n")]

    def whole(self, reply: Any) -> dict[str, Any]:
        return {"text": reply.text}

    def error_body(self, message: str, kind: str, status: int) -> dict[str, Any]:
        return {"error": message}

    def error_frame(self, message: str, kind: str, status: int) -> bytes:
        return f"{kind}: {message}\n".encode()


def test_a_format_may_read_its_path_and_answer_faults_in_band() -> None:
    from fakes import ContentFilterError

    script = FakeChatModel(
        responses=[
            "a b",
            Fault(error=ContentFilterError("no")),
            Fault(error=RateLimitError(retry_after=0)),
        ]
    )
    with FakeProviderServer(script, formats=[_RoutedLines()]) as server:
        answers = [httpx.post(f"{server.url}/lines/m-7", json={"prompt": "x"}) for _ in range(3)]
    assert [(a.status_code, a.text) for a in answers] == [
        (200, "m-7-2026-01-01: a\nm-7-2026-01-01:  b\nend\n"),  # the answered release
        (200, "content_filter: no\n"),
        (429, '{"error":"rate limit exceeded; retry after 0s"}'),
    ]
    assert [r.body for r in server.journal.requests] == [{"prompt": "x"}] * 3  # as received
    assert [c.kwargs["model"] for c in script.calls] == ["m-7"] * 3


def test_a_connection_accepted_as_the_server_stops_leaves_nothing_open() -> None:
    import gc

    # Connected, half a request sent, and stopped at once: the accept may still be under
    # way when the server closes; its socket must not outlive the loop (a ResourceWarning,
    # an error here, when the garbage collector finds it).
    for _ in range(10):
        server = FakeProviderServer(FakeChatModel(responses=["x"])).start()
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n")
            server.stop()
        gc.collect()
