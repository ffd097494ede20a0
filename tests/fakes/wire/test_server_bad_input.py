"""Bad requests and bad clients: each is refused clearly, journalled, and uses up nothing."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import struct
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from fakes import FakeChatModel, FakeProviderServer, FakesError
from fakes._wire._format import ChatRequests, Frame, Reply, data_frame

CHAT, LEGACY, MESSAGES, OLLAMA = (
    "/v1/chat/completions",
    "/v1/completions",
    "/v1/messages",
    "/api/chat",
)
USER = [{"role": "user", "content": "hi"}]


def _json(path: str, **fields: Any) -> tuple[str, bytes]:
    base: dict[str, Any] = {"prompt": "hi"} if path == LEGACY else {"messages": USER}
    return path, json.dumps({"model": "m", **base, **fields}).encode()


# Every bad request tried, with a piece of the reason the server must give for it.
BAD_REQUESTS: list[tuple[str, bytes, str]] = [
    (CHAT, b"{not json", "not JSON"),
    (CHAT, b'{"messages": [], "x": "\xff\xfe"}', "not JSON"),
    (CHAT, b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (CHAT, b'{"messages": [], "n": ' + b"1" * 5000 + b"}", "not JSON"),
    (CHAT, b'{"messages": [], "temperature": NaN}', "NaN"),
    (CHAT, b"", "'messages' list"),
    (CHAT, b"[]", "'messages' list"),
    (CHAT, b'"hi"', "'messages' list"),
    (CHAT, b'{"messages": "hi"}', "'messages' list"),
    (CHAT, b'{"messages": [1]}', "messages[0] must be an object"),
    (CHAT, b'{"messages": ["hi"]}', "messages[0] must be an object"),
    (CHAT, b'{"messages": [null]}', "messages[0] must be an object"),
    (*_json(CHAT, stop=5), "'stop' must be a string or a list of strings, got a number"),
    (*_json(CHAT, stop=[1]), "'stop' must be a string or a list of strings"),
    (*_json(CHAT, stop={"a": 1}), "'stop' must be"),
    (*_json(CHAT, stop=True), "'stop' must be"),
    (*_json(CHAT, stream="yes"), "'stream' must be true or false"),
    (*_json(CHAT, stream=True, stream_options="yes"), "'stream_options' must be an object"),
    (*_json(CHAT, stream=True, stream_options={"include_usage": "y"}), "include_usage"),
    (*_json(CHAT, model=5), "'model' must be a string"),
    (*_json(CHAT, tools="x"), "'tools' must be a list of objects"),
    (*_json(CHAT, tools=[1]), "'tools' must be a list of objects"),
    (*_json(CHAT, tool_choice=5), "'tool_choice' must be"),
    (LEGACY, b'{"model": "m"}', "'prompt'"),
    (LEGACY, b'{"prompt": [1]}', "exactly one string"),
    (LEGACY, b'{"prompt": ["a", "b"]}', "exactly one string"),
    (*_json(LEGACY, stop=5), "'stop' must be"),
    (*_json(LEGACY, stream=True, stream_options="x"), "'stream_options' must be"),
    (*_json(LEGACY, max_tokens="x"), "'max_tokens' must be"),
    (MESSAGES, b'{"messages": [1]}', "messages[0] must be an object"),
    (*_json(MESSAGES, stop_sequences=5), "'stop_sequences' must be"),
    (*_json(MESSAGES, stop_sequences=[1]), "'stop_sequences' must be"),
    (*_json(MESSAGES, system=5), "'system' must be"),
    (*_json(MESSAGES, tools="x"), "'tools' must be"),
    (*_json(MESSAGES, stream="x"), "'stream' must be"),
    (MESSAGES, b'{"messages": [{"role": "user", "content": 5}]}', "messages[0].content"),
    (MESSAGES, b'{"messages": [{"role": "user", "content": [1]}]}', "messages[0].content"),
    (OLLAMA, b'{"messages": ["x"]}', "messages[0] must be an object"),
    (*_json(OLLAMA, options="x"), "'options' must be an object"),
    (*_json(OLLAMA, options={"stop": 5}), "'options.stop' must be"),
    (*_json(OLLAMA, options={"stop": [1]}), "'options.stop' must be"),
    (*_json(OLLAMA, stream="x"), "'stream' must be"),
    (*_json(OLLAMA, tools=5), "'tools' must be"),
]


def _error_message(path: str, body: Any) -> str:
    """The message of an error body in the provider's own shape (and only that shape)."""
    if path == MESSAGES:
        assert body["type"] == "error"
        assert body["error"]["type"] == "invalid_request_error"
        return str(body["error"]["message"])
    if path == OLLAMA:
        assert list(body) == ["error"]
        return str(body["error"])
    assert body["error"]["type"] == "invalid_request_error"
    return str(body["error"]["message"])


def _good(path: str) -> dict[str, Any]:
    return {"prompt": "hi"} if path == LEGACY else {"messages": USER, "stream": False}


def _text(path: str, body: Any) -> str:
    if path == CHAT:
        return str(body["choices"][0]["message"]["content"])
    if path == LEGACY:
        return str(body["choices"][0]["text"])
    if path == MESSAGES:
        return str(body["content"][0]["text"])
    if path == "/api/generate":
        return str(body["response"])
    return str(body["message"]["content"])


@pytest.fixture
def server() -> Iterator[FakeProviderServer]:
    with FakeProviderServer(FakeChatModel(responses=["first", "second"])) as running:
        yield running


@pytest.mark.parametrize(("path", "raw", "reason"), BAD_REQUESTS)
def test_a_bad_request_is_a_400_in_the_providers_shape_and_uses_up_no_answer(
    server: FakeProviderServer, path: str, raw: bytes, reason: str
) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as http:
        bad = http.post(path, content=raw, headers={"content-type": "application/json"})
        assert bad.status_code == 400, bad.text
        assert reason in _error_message(path, bad.json())
        good = http.post(path, json=_good(path))
    assert _text(path, good.json()) == "first"  # the bad request used up no answer
    refused = server.journal.requests[0]
    assert (refused.status, refused.path) == (400, path)
    assert reason in refused.reason
    with pytest.raises(FakesError, match=r"got 1 request\(s\) its script did not expect"):
        server.check_all_expected()  # strict mode fails the test


class _Broken(ChatRequests):
    """A format whose rendering fails, as a bug in streamfakes would."""

    path = "/broken"
    media_type = "text/event-stream"

    def messages(self, body: dict[str, Any]) -> list[Any]:
        return []

    def options(self, body: dict[str, Any]) -> dict[str, Any]:
        return {}

    def frames(self, reply: Reply, body: dict[str, Any]) -> Iterator[Frame]:
        yield data_frame({"ok": 1}, chunk=True)
        raise RuntimeError("frame renderer broke")

    def whole(self, reply: Reply) -> dict[str, Any]:
        raise RuntimeError("whole renderer broke")

    def error_body(self, message: str, kind: str, status: int) -> dict[str, Any]:
        return {"error": {"message": message, "type": kind}}

    def error_frame(self, message: str, kind: str, status: int) -> bytes:
        return data_frame({"error": message}).data


def test_our_own_failure_is_journalled_as_such_and_fails_strict_mode() -> None:
    model = FakeChatModel(responses=["a", "b"])
    with FakeProviderServer(model, formats=[_Broken()]) as server:
        whole = httpx.post(server.url + "/broken", json={"messages": USER})
        assert whole.status_code == 500
        assert whole.headers["x-should-retry"] == "false"
        assert "bug in streamfakes" in whole.json()["error"]["message"]
        with (
            pytest.raises(httpx.RemoteProtocolError),
            httpx.stream(
                "POST", server.url + "/broken", json={"messages": USER, "stream": True}
            ) as reply,
        ):
            list(reply.iter_bytes())
    statuses = [(r.status, "whole renderer broke" in r.reason) for r in server.journal.requests]
    assert statuses[0] == (500, True)
    assert server.journal.requests[1].status == 500
    assert "frame renderer broke" in server.journal.requests[1].reason
    with pytest.raises(FakesError, match=r"got 2 request\(s\)"):
        server.check_all_expected()


@pytest.mark.parametrize("stream", [False, True])
def test_a_lone_surrogate_in_the_script_reaches_the_client_escaped(stream: bool) -> None:
    with FakeProviderServer(FakeChatModel(responses=["a\ud800b"], split="chars")) as server:
        reply = httpx.post(
            server.openai_base_url + "/chat/completions",
            json={"messages": USER, "stream": stream},
        )
    assert reply.status_code == 200
    if stream:
        lines = [line[6:] for line in reply.text.splitlines() if line.startswith("data: {")]
        deltas = [json.loads(line)["choices"][0]["delta"].get("content", "") for line in lines]
        assert "".join(deltas) == "a\ud800b"
    else:
        assert reply.json()["choices"][0]["message"]["content"] == "a\ud800b"
    assert [r.status for r in server.journal.requests] == [200]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (MESSAGES, {"messages": USER, "stop_sequences": "STOP"}),
        (OLLAMA, {"messages": USER, "stream": False, "options": {"stop": "STOP"}}),
        (CHAT, {"messages": USER, "stop": "STOP"}),
        (LEGACY, {"prompt": "hi", "stop": "STOP"}),
        ("/api/generate", {"prompt": "hi", "stream": False, "options": {"stop": "STOP"}}),
    ],
)
def test_a_stop_string_is_one_stop_sequence(path: str, body: dict[str, Any]) -> None:
    model = FakeChatModel(responses=["Say TO and then STOP here"])
    with FakeProviderServer(model) as server:
        reply = httpx.post(server.url + path, json=body)
    assert _text(path, reply.json()) == "Say TO and then "


def test_a_trailing_slash_is_the_same_path(server: FakeProviderServer) -> None:
    reply = httpx.post(server.openai_base_url + "/chat/completions/", json={"messages": USER})
    assert reply.status_code == 200
    assert reply.json()["choices"][0]["message"]["content"] == "first"
    server.check_all_expected()
    assert server.model.calls[0].finished  # type: ignore[attr-defined]


def test_a_client_that_leaves_is_noticed_at_once_and_logged_at_most_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    model = FakeChatModel(responses=["tok " * 20_000], split="words")
    caplog.set_level(logging.DEBUG)
    with FakeProviderServer(model) as server:
        with httpx.stream(
            "POST",
            server.openai_base_url + "/chat/completions",
            json={"messages": USER, "stream": True},
        ) as reply:
            next(reply.iter_raw())
        deadline = time.monotonic() + 5
        while not model.calls[0].closed_early and time.monotonic() < deadline:
            time.sleep(0.01)
    assert model.calls[0].closed_early
    assert not model.calls[0].finished
    noisy = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(noisy) <= 1, [r.getMessage() for r in noisy[:3]]


def _raw(server: FakeProviderServer, data: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.sendall(data)
    sock.settimeout(5)
    return sock


def test_a_client_too_slow_with_its_headers_is_cut_off_and_stop_is_quiet(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    server = FakeProviderServer(FakeChatModel(responses=["x"]), client_timeout=0.3).start()
    idle = _raw(server, b"")
    half = _raw(server, b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n")
    started = time.monotonic()
    assert half.recv(100) == b""  # closed by the server
    assert idle.recv(100) == b""
    assert time.monotonic() - started < 3
    stalled = _raw(server, b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n")
    server.stop()
    for sock in (idle, half, stalled):
        sock.close()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_a_client_too_slow_with_its_body_gets_a_journalled_408() -> None:
    with FakeProviderServer(FakeChatModel(responses=["x"]), client_timeout=0.3) as server:
        sock = _raw(
            server,
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{",
        )
        answer = b""
        while chunk := sock.recv(1000):  # the whole answer: the server closes after it
            answer += chunk
        sock.close()
    assert answer.startswith(b"HTTP/1.1 408")
    assert b"no whole body within 0.3 s" in answer
    assert server.journal.requests[0].status == 408
    assert "no whole body within 0.3 s" in server.journal.requests[0].reason


@pytest.mark.parametrize(
    ("host", "url"),
    [("::1", "http://[::1]:8080"), ("[::1]", "http://[::1]:8080"), ("127.0.0.1", None)],
)
def test_ipv6_hosts_are_bracketed_in_base_urls(host: str, url: str | None) -> None:
    server = FakeProviderServer(FakeChatModel(responses=["x"]), host=host, port=8080)
    assert server.url == (url or "http://127.0.0.1:8080")
    assert server.openai_base_url == server.url + "/v1"


def test_an_ipv6_server_answers_at_its_base_url() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        server = FakeProviderServer(FakeChatModel(responses=["six"]), host="::1").start()
    except FakesError as error:
        pytest.skip(f"cannot listen on ::1 here: {error}")
    with server:
        reply = httpx.post(server.openai_base_url + "/chat/completions", json={"messages": USER})
    assert reply.json()["choices"][0]["message"]["content"] == "six"


@pytest.mark.parametrize("port", [99999, -1, "80", True])
def test_a_port_out_of_range_is_a_clear_error(port: Any) -> None:
    with pytest.raises(FakesError, match=r"needs a port from 0 to 65535 \(0: any free one\)"):
        FakeProviderServer(FakeChatModel(responses=["x"]), port=port)


class _Transport:
    """A connection's transport, as far as the stream looks at it."""

    closing = False

    def is_closing(self) -> bool:
        return self.closing


async def test_a_stream_stops_at_the_first_frame_after_its_connection_broke() -> None:
    """With the transport at hand, a client that left is noticed without a turn of the
    event loop: no more frames go into the closed socket."""
    from fakes._wire._app import TRANSPORT, ProviderApp

    model = FakeChatModel(responses=["tok " * 1_000])
    transport = _Transport()
    body = json.dumps({"messages": USER, "stream": True}).encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/chat/completions",
        "raw_path": b"/v1/chat/completions",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json")],
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 1234),
        "extensions": {TRANSPORT: {"transport": transport}},
    }
    incoming = [{"type": "http.request", "body": body, "more_body": False}]
    frames: list[bytes] = []

    async def receive() -> dict[str, Any]:
        if incoming:
            return incoming.pop()
        await asyncio.Event().wait()  # the client says nothing more
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body" and message.get("body"):
            frames.append(message["body"])
            if len(frames) == 3:
                transport.closing = True  # this write failed: the client has gone

    await asyncio.wait_for(ProviderApp(model)(scope, receive, send), 5)
    assert len(frames) == 3
    assert model.calls[0].closed_early and not model.calls[0].finished


def test_the_loopback_server_hands_the_stream_its_transport() -> None:
    from fakes._wire._app import TRANSPORT
    from fakes._wire._loopback import LoopbackServer

    seen: list[Any] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope.get("extensions", {}).get(TRANSPORT, {}).get("transport"))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    with LoopbackServer(app) as server:
        assert httpx.get(server.url).status_code == 204
    assert len(seen) == 1 and hasattr(seen[0], "is_closing")


@pytest.mark.parametrize("setting", [{"frame_bytes": 1}, {"frame_bytes": 7}, {"cuts": [5, 40]}])
def test_a_client_that_leaves_a_byte_split_stream_is_noticed_quietly(
    caplog: pytest.LogCaptureFixture, setting: dict[str, Any]
) -> None:
    model = FakeChatModel(responses=["tok " * 20_000])
    caplog.set_level(logging.DEBUG)
    with FakeProviderServer(model, **setting) as server:
        sock = _raw(server, b"")
        request = json.dumps({"messages": USER, "stream": True}).encode()
        sock.sendall(
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\ncontent-type: application/json"
            b"\r\ncontent-length: " + str(len(request)).encode() + b"\r\n\r\n" + request
        )
        assert sock.recv(10)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()  # a reset: every later write fails
        deadline = time.monotonic() + 5
        while not model.calls[0].closed_early and time.monotonic() < deadline:
            time.sleep(0.01)
        assert model.calls[0].closed_early and not model.calls[0].finished
    noisy = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert noisy == []
