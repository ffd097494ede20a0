"""The cassette server keeps an answer exactly as it came over HTTP, and sends it back
so: a client surfaces the same things from the replay as from the provider, including
what the script vocabulary has no words for (OpenAI's system_fingerprint, service_tier,
logprobs and n>1 choices; Anthropic's interleaved thinking and tool blocks, redacted
thinking and citations)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import anthropic
import httpx
import openai
import pytest
from langchain_anthropic import ChatAnthropic
from langchain_openai import ChatOpenAI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from fakes import FakeChatModel, FakeProviderServer, RecordingProxy
from fakes._recording._cassette import Cassette, Tape
from fakes._recording._cassette_server import CassetteServer, http_answer
from fakes._wire._loopback import LoopbackServer

# As real providers may, and the fakes do: no pooled socket left in a client's cache.
CLOSE = {"connection": "close"}
HEAD = {"id": "chatcmpl-9", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o"}
EXTRA = {"system_fingerprint": "fp_5e1f", "service_tier": "default"}


def logprob(token: str, value: float) -> dict[str, Any]:
    return {
        "content": [
            {"token": token, "logprob": value, "bytes": list(token.encode()), "top_logprobs": []}
        ]
    }


def chunk(index: int, delta: dict[str, Any], **choice: Any) -> dict[str, Any]:
    body = {"index": index, "delta": delta, "logprobs": None, "finish_reason": None, **choice}
    return {**HEAD, **EXTRA, "choices": [body]}


OPENAI_STREAM = [
    chunk(0, {"role": "assistant", "content": ""}),
    chunk(1, {"role": "assistant", "content": ""}),
    chunk(0, {"content": "Sunny"}, logprobs=logprob("Sunny", -0.01)),
    chunk(1, {"content": "Clear"}, logprobs=logprob("Clear", -1.2)),
    chunk(0, {"content": "."}, logprobs=logprob(".", -0.001)),
    chunk(0, {}, finish_reason="stop"),
    chunk(1, {}, finish_reason="length"),
]
OPENAI_WHOLE = {
    **HEAD,
    **EXTRA,
    "object": "chat.completion",
    "choices": [
        {
            "index": i,
            "message": {"role": "assistant", "content": text},
            "logprobs": logprob(text, -0.2),
            "finish_reason": "stop",
        }
        for i, text in enumerate(["Sunny.", "Clear."])
    ],
    "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
}


def block(index: int, content: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [("content_block_start", {"index": index, "content_block": content})]


def delta(index: int, **fields: Any) -> list[tuple[str, dict[str, Any]]]:
    return [("content_block_delta", {"index": index, "delta": fields})]


def stop(index: int) -> list[tuple[str, dict[str, Any]]]:
    return [("content_block_stop", {"index": index})]


CITATION = {
    "type": "char_location",
    "cited_text": "Sunny all day.",
    "document_index": 0,
    "document_title": "Forecast",
    "start_char_index": 0,
    "end_char_index": 14,
}
ANTHROPIC_EVENTS = [
    (
        "message_start",
        {
            "message": {
                "id": "msg_01",
                "type": "message",
                "role": "assistant",
                "model": "claude-sonnet-4-5",
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": 12, "output_tokens": 1},
            }
        },
    ),
    *block(0, {"type": "thinking", "thinking": "", "signature": ""}),
    *delta(0, type="thinking_delta", thinking="I need the forecast."),
    *delta(0, type="signature_delta", signature="sig-one"),
    *stop(0),
    *block(1, {"type": "tool_use", "id": "toolu_01", "name": "forecast", "input": {}}),
    *delta(1, type="input_json_delta", partial_json='{"city": '),
    *delta(1, type="input_json_delta", partial_json='"Paris"}'),
    *stop(1),
    *block(2, {"type": "thinking", "thinking": "", "signature": ""}),
    *delta(2, type="thinking_delta", thinking="Now the answer."),
    *delta(2, type="signature_delta", signature="sig-two"),
    *stop(2),
    *block(3, {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4a"}),
    *stop(3),
    *block(4, {"type": "text", "text": "", "citations": []}),
    *delta(4, type="citations_delta", citation=CITATION),
    *delta(4, type="text_delta", text="It is sunny in Paris."),
    *stop(4),
    (
        "message_delta",
        {
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": 40},
        },
    ),
    ("message_stop", {}),
]


FORECAST = {
    "name": "forecast",
    "description": "The weather.",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}


async def chat_completions(request: Request) -> Response:
    body = await request.json()
    n = body.get("n") or 1
    if not body.get("stream"):
        whole = {**OPENAI_WHOLE, "choices": OPENAI_WHOLE["choices"][:n]}
        return JSONResponse(whole, headers=CLOSE)
    chunks = [c for c in OPENAI_STREAM if c["choices"][0]["index"] < n]
    frames = [f"data: {json.dumps(c)}\n\n" for c in chunks] + ["data: [DONE]\n\n"]
    return Response("".join(frames), media_type="text/event-stream", headers=CLOSE)


async def messages(request: Request) -> Response:
    frames = [
        f"event: {name}\ndata: {json.dumps({'type': name, **data})}\n\n"
        for name, data in ANTHROPIC_EVENTS
    ]
    return Response("".join(frames), media_type="text/event-stream", headers=CLOSE)


@pytest.fixture
def provider() -> Iterator[LoopbackServer]:
    """A provider that sends what the fakes cannot script."""
    app = Starlette(
        routes=[
            Route("/v1/chat/completions", chat_completions, methods=["POST"]),
            Route("/v1/messages", messages, methods=["POST"]),
        ]
    )
    with LoopbackServer(app) as server:
        yield server


def record_then_replay(
    provider: LoopbackServer, path: Path, use: Callable[[str, str], Any]
) -> tuple[Any, Any, Any]:
    """What `use(base_url, kind)` gives straight from the provider, through a recording
    cassette, and from the replay with the provider stopped."""
    direct = use(provider.url, "direct")
    tape = Tape(Cassette.load(path), "once")
    with CassetteServer(tape, provider.url) as recording:
        recorded = use(recording.url, "recording")
    tape.result().save()
    provider.stop()
    tape = Tape(Cassette.load(path), "none")
    with CassetteServer(tape, "http://127.0.0.1:9") as replay:
        replayed = use(replay.url, "replay")
    assert not tape.mismatches
    return direct, recorded, replayed


def test_openai_fields_and_choices_come_back_as_they_were(
    provider: LoopbackServer, tmp_path: Path
) -> None:
    def use(url: str, kind: str) -> Any:
        ask = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Weather?"}]}
        with openai.OpenAI(base_url=f"{url}/v1", api_key="sk-fake", max_retries=0) as client:
            stream = client.chat.completions.create(**ask, n=2, logprobs=True, stream=True)
            chunks = [c.model_dump() for c in stream]
            whole = client.chat.completions.create(**ask, n=2, logprobs=True)
        model = ChatOpenAI(
            base_url=f"{url}/v1", api_key="sk-fake", model="gpt-4o", logprobs=True, n=2
        )
        message = model.invoke("Weather?")
        streamed = [c.response_metadata for c in model.stream("Weather?")]
        return (
            chunks,
            whole.model_dump(),
            message.response_metadata,
            streamed,
        )

    direct, recorded, replayed = record_then_replay(provider, tmp_path / "c.yaml", use)
    assert recorded == direct
    assert replayed == direct
    chunks, whole, metadata, streamed = replayed
    assert {c["choices"][0]["index"] for c in chunks} == {0, 1}
    assert chunks[2]["system_fingerprint"] == "fp_5e1f"
    assert chunks[2]["service_tier"] == "default"
    assert [c["message"]["content"] for c in whole["choices"]] == ["Sunny.", "Clear."]
    assert metadata["logprobs"]["content"][0]["token"] == "Sunny."
    assert streamed[2]["logprobs"]["content"][0]["token"] == "Sunny"
    assert streamed[5]["system_fingerprint"] == "fp_5e1f"
    assert streamed[5]["service_tier"] == "default"


def test_anthropic_blocks_come_back_in_their_order(
    provider: LoopbackServer, tmp_path: Path
) -> None:
    def use(url: str, kind: str) -> Any:
        with (
            anthropic.Anthropic(base_url=url, api_key="sk-ant-fake", max_retries=0) as client,
            client.messages.stream(
                model="claude-sonnet-4-5",
                max_tokens=100,
                messages=[{"role": "user", "content": "Weather in Paris?"}],
            ) as stream,
        ):
            final = stream.get_final_message().model_dump()
        model = ChatAnthropic(
            base_url=url, api_key="sk-ant-fake", model="claude-sonnet-4-5"
        ).bind_tools([FORECAST])
        chunks = [c.content for c in model.stream("Weather in Paris?")]
        return final, chunks

    direct, recorded, replayed = record_then_replay(provider, tmp_path / "c.yaml", use)
    assert recorded == direct
    assert replayed == direct
    final, _ = replayed
    assert [b["type"] for b in final["content"]] == [
        "thinking",
        "tool_use",
        "thinking",
        "redacted_thinking",
        "text",
    ]
    assert final["content"][4]["citations"][0]["cited_text"] == "Sunny all day."


def test_frames_keep_the_time_their_last_byte_arrived() -> None:
    arrivals = [(b"data: 1\r\n\r\nda", 0.5), (b"ta: 2\n\n", 0.75), (b"data: cut", 0.9)]
    sse = {"content-type": "text/event-stream; charset=utf-8", "x-request-id": "req-1"}
    assert http_answer(200, sse, arrivals) == {
        "status": 200,
        "content_type": "text/event-stream; charset=utf-8",
        "frames": ["data: 1", "data: 2", "data: cut"],
        "frame_times": [0.5, 0.75, 0.9],
    }
    whole = [(b'{"error": {"message": "sl', 0.1), (b'ow", "token": "t"}}', 0.2)]
    limited = {"Content-Type": "application/json", "Retry-After": "2", "x-request-id": "r"}
    assert http_answer(429, limited, whole) == {
        "status": 429,
        "content_type": "application/json",
        "headers": {"retry-after": "2"},
        "body": '{"error": {"message": "slow", "token": "t"}}',
    }


async def slow_to_close(request: Request) -> Response:
    async def body() -> AsyncIterator[bytes]:
        yield f"data: {json.dumps(chunk(0, {'content': 'Hi'}))}\n\n".encode()
        yield b"data: [DONE]\n\n"
        await asyncio.sleep(1.0)  # the provider keeps the connection a while

    return StreamingResponse(body(), media_type="text/event-stream", headers=CLOSE)


def test_an_answer_is_kept_when_the_client_hangs_up_after_the_last_frame(tmp_path: Path) -> None:
    app = Starlette(routes=[Route("/v1/chat/completions", slow_to_close, methods=["POST"])])
    ask = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "Hi"}]}
    with LoopbackServer(app) as provider:
        tape = Tape(Cassette(tmp_path / "c.yaml"), "all")
        with CassetteServer(tape, provider.url) as recording:
            with httpx.stream(
                "POST", f"{recording.openai_base_url}/chat/completions", json=ask
            ) as r:
                for line in r.iter_lines():
                    if line == "data: [DONE]":
                        break  # as the SDKs do: read to [DONE], then close
            assert recording.wait_for(1, timeout=5)
    [kept] = tape.result().interactions
    assert kept.response.content_text == "Hi"
    assert kept.http is not None
    assert kept.http["frames"][-1] == "data: [DONE]"


async def too_many(request: Request) -> Response:
    error = {"error": {"message": "Rate limit reached", "type": "requests"}}
    return JSONResponse(error, 429, headers={**CLOSE, "retry-after": "7", "x-request-id": "r1"})


def test_an_error_comes_back_with_its_status_and_when_to_retry(tmp_path: Path) -> None:
    app = Starlette(routes=[Route("/v1/chat/completions", too_many, methods=["POST"])])
    ask = {"model": "m", "messages": [{"role": "user", "content": "Hi"}]}

    def use(url: str, kind: str) -> Any:
        answer = httpx.post(f"{url}/v1/chat/completions", json=ask)
        return answer.status_code, answer.json(), answer.headers.get("retry-after")

    with LoopbackServer(app) as provider:
        direct, recorded, replayed = record_then_replay(provider, tmp_path / "c.yaml", use)
    assert direct == recorded == replayed
    assert replayed == (429, {"error": {"message": "Rate limit reached", "type": "requests"}}, "7")
    [kept] = Cassette.load(tmp_path / "c.yaml").interactions
    assert kept.response.fault is not None  # read back as a rate limit, too
    assert kept.http is not None and "x-request-id" not in kept.http.get("headers", {})


def test_an_answer_recorded_streamed_plays_to_a_request_that_is_not(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    with FakeProviderServer(FakeChatModel(responses=["Sunny in Paris"])) as provider:
        tape = Tape(Cassette.load(path), "once")
        with CassetteServer(tape, provider.url) as recording:
            model = ChatOpenAI(base_url=recording.openai_base_url, api_key="sk-fake", model="m")
            assert "".join(str(c.content) for c in model.stream("Weather?")) == "Sunny in Paris"
        tape.result().save()
    tape = Tape(Cassette.load(path), "none")
    with CassetteServer(tape, "http://127.0.0.1:9") as replay:
        model = ChatOpenAI(base_url=replay.openai_base_url, api_key="sk-fake", model="m")
        assert model.invoke("Weather?").content == "Sunny in Paris"


def test_a_script_recording_keeps_what_chat_openai_reports(
    provider: LoopbackServer, tmp_path: Path
) -> None:
    """Through `streamfakes record` too (a script, not a cassette): system_fingerprint,
    service_tier and logprobs come back, and a second choice is not mixed into the first."""

    def surfaced(url: str) -> Any:
        model = ChatOpenAI(base_url=f"{url}/v1", api_key="sk-fake", model="gpt-4o", logprobs=True)
        chunks = list(model.stream("Weather?"))
        whole = model.invoke("Weather?")
        return [(c.content, c.response_metadata) for c in chunks], whole.response_metadata

    direct = surfaced(provider.url)
    with RecordingProxy(provider.url) as proxy:
        surfaced(proxy.url)
        assert proxy.wait_for(2, timeout=5)
    proxy.save(tmp_path / "script.yaml")
    with FakeProviderServer(FakeChatModel.from_script(tmp_path / "script.yaml")) as replay:
        replayed = surfaced(replay.url)
    assert replayed == direct


def test_the_recording_proxy_keeps_an_answer_when_the_client_hangs_up() -> None:
    app = Starlette(routes=[Route("/v1/chat/completions", slow_to_close, methods=["POST"])])
    ask = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "Hi"}]}
    with LoopbackServer(app) as provider, RecordingProxy(provider.url) as proxy:
        with httpx.stream("POST", f"{proxy.openai_base_url}/chat/completions", json=ask) as r:
            for line in r.iter_lines():
                if line == "data: [DONE]":
                    break
        assert proxy.wait_for(1, timeout=5)
    assert proxy.recorded[0].content_text == "Hi"


def test_ollama_json_lines_are_kept_and_replayed(tmp_path: Path) -> None:
    from langchain_ollama import ChatOllama

    def use(url: str, kind: str) -> Any:
        model = ChatOllama(base_url=url, model="llama3")
        return [(c.content, c.response_metadata.get("done")) for c in model.stream("Weather?")]

    upstream = FakeProviderServer(FakeChatModel(responses=["Sunny in Paris"], cycle=True)).start()
    direct, recorded, replayed = record_then_replay(upstream, tmp_path / "c.yaml", use)
    assert direct == recorded == replayed
    [kept] = Cassette.load(tmp_path / "c.yaml").interactions
    assert kept.http is not None and kept.http["content_type"] == "application/x-ndjson"
    assert len(kept.http["frames"]) == len(kept.http["frame_times"]) == 4


def test_replays_stream_at_once_unless_asked_for_the_recorded_timing(tmp_path: Path) -> None:
    import time

    from fakes import Latency

    slow = FakeChatModel(
        responses=["Sunny in Paris"], latency=Latency(ttft=0.3), real_time=True, cycle=True
    )
    path = tmp_path / "c.yaml"
    with FakeProviderServer(slow) as provider:
        tape = Tape(Cassette.load(path), "once")
        with CassetteServer(tape, provider.url) as recording:
            ChatOpenAI(base_url=recording.openai_base_url, api_key="sk-fake", model="m").invoke(
                "Weather?", stream=False
            )
            list(
                ChatOpenAI(base_url=recording.openai_base_url, api_key="sk-fake", model="m").stream(
                    "Weather?"
                )
            )
        tape.result().save()

    def replay(timing: bool) -> float:
        tape = Tape(Cassette.load(path), "none")
        with CassetteServer(tape, "http://127.0.0.1:9", timing=timing) as server:
            model = ChatOpenAI(base_url=server.openai_base_url, api_key="sk-fake", model="m")
            started = time.monotonic()
            model.invoke("Weather?")
            list(model.stream("Weather?"))
            return time.monotonic() - started

    assert replay(timing=False) < 0.25
    assert replay(timing=True) >= 0.25


@pytest.mark.parametrize("provider_name", ["gemini", "bedrock"])
def test_a_provider_that_names_the_model_in_the_path_is_recorded_and_replayed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, provider_name: str
) -> None:
    """Gemini and Bedrock put the model in the path: the cassette still knows the call
    (it used to pass it by, and answer the replay with a 404)."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "AKIAFAKEFAKEFAKEFAKE",
        "AWS_SECRET_ACCESS_KEY": "fake-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
    }.items():
        monkeypatch.setenv(name, value)

    def use(url: str, kind: str) -> Any:
        if provider_name == "gemini":
            from langchain_google_genai import ChatGoogleGenerativeAI

            model: Any = ChatGoogleGenerativeAI(
                model="gemini-fake", base_url=url, api_key="fake-key"
            )
        else:
            from langchain_aws import ChatBedrockConverse

            model = ChatBedrockConverse(
                model="anthropic.claude-fake-v1:0", endpoint_url=url, region_name="us-east-1"
            )
        return "".join(c.text for c in model.stream("Weather?"))

    upstream = FakeProviderServer(FakeChatModel(responses=["Sunny in Paris"], cycle=True)).start()
    direct, recorded, replayed = record_then_replay(upstream, tmp_path / "c.yaml", use)
    assert (direct, recorded, replayed) == ("Sunny in Paris",) * 3
    [kept] = Cassette.load(tmp_path / "c.yaml").interactions
    assert kept.response.content_text == "Sunny in Paris"


def test_a_body_nested_too_deeply_is_a_mismatch_not_a_crash(tmp_path: Path) -> None:
    tape = Tape(Cassette(tmp_path / "c.yaml"), "none")
    deep = b'{"messages": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with CassetteServer(tape, "http://127.0.0.1:9") as replay:
        reply = httpx.post(replay.openai_base_url + "/chat/completions", content=deep)
    assert reply.status_code == 400
    assert "streamfakes" in reply.json()["error"]["message"]
