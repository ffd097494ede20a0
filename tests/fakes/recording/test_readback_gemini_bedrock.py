"""Reading Gemini and Bedrock Converse traffic back into a script, and recording the real
clients through the proxy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from langchain_core.language_models import BaseChatModel

from assertions._timeline._normalize import normalize_chunks
from assertions._timeline._render import render_chunks
from fakes import (
    ContentFilterError,
    FakeChatModel,
    FakeProviderServer,
    RateLimitError,
    RecordingProxy,
    Response,
    ServerError,
    ToolCall,
)
from fakes._recording._readback import model_in_path, read_whole, stream_reader
from fakes._script._cutting import cut
from fakes._script._splitting import splitter
from fakes._wire._bedrock import Converse
from fakes._wire._format import Reply, WireFormat
from fakes._wire._gemini import GenerateContent

WORDS = splitter("words")
STREAMS: dict[str, WireFormat] = {
    "/v1beta/models/gemini-fake:streamGenerateContent": GenerateContent(stream=True),
    "/model/anthropic.claude-fake-v1:0/converse-stream": Converse(stream=True),
}
WHOLES: dict[str, WireFormat] = {
    "/v1beta/models/gemini-fake:generateContent": GenerateContent(stream=False),
    "/model/anthropic.claude-fake-v1:0/converse": Converse(stream=False),
}
ANSWER = Response(
    text='héllo ✓ 🎉, "quoted"\nand a new line',
    reasoning="first ✓ think 🎉",
    tool_calls=[
        ToolCall("get_weather", {"city": "Zürich ✓", "days": 3}, id="call_1", fragments=3),
        ToolCall("lookup", {"q": "🎉"}, id="call_2"),
    ],
    usage={"input_tokens": 11, "output_tokens": 22},
)
CUT_SHORT = Response(text="cut ✓ short 🎉", finish_reason="length", usage={"input_tokens": 3})


def reply_for(response: Response) -> Reply:
    usage = response.usage or {}
    pieces = cut(response, WORDS)
    return Reply(
        response,
        pieces,
        model="gemini-fake",
        call_index=0,
        input_tokens=usage.get("input_tokens", 5),
        stated_output_tokens=usage.get("output_tokens", pieces.tokens),
    )


def body_of(path: str, response: Response) -> bytes:
    return b"".join(f.data for f in STREAMS[path].frames(reply_for(response), {}))


@pytest.mark.parametrize("response", [ANSWER, CUT_SHORT], ids=["tools", "length"])
@pytest.mark.parametrize("path", STREAMS)
@settings(max_examples=30)
@given(cuts=st.lists(st.integers(min_value=0, max_value=5_000), max_size=40))
@example(cuts=list(range(2_500)))  # byte by byte
def test_a_stream_cut_anywhere_reads_back_and_replays_the_same_bytes(
    path: str, response: Response, cuts: list[int]
) -> None:
    body = body_of(path, response)
    reader = stream_reader(path)
    assert reader is not None
    bounds = sorted({0, *(c % (len(body) + 1) for c in cuts)})
    for start, end in zip(bounds, [*bounds[1:], len(body)], strict=True):
        reader.feed(body[start:end], 0.0)
    read = reader.response()
    assert reader.complete
    pieces = cut(response, WORDS)
    assert (read.chunks, read.reasoning_chunks) == (pieces.text, pieces.reasoning or None)
    assert [
        (c.name, c.id, c.args or json.loads("".join(c.chunks or []))) for c in read.tool_calls
    ] == [(c.name, c.id, c.args) for c in response.tool_calls]
    reply = reply_for(response)
    assert read.usage is not None
    assert (read.usage["input_tokens"], read.usage["output_tokens"]) == (
        reply.input_tokens,
        reply.output_tokens,
    )
    assert body_of(path, read) == body  # replayed, the very same bytes


@pytest.mark.parametrize("path", STREAMS)
@pytest.mark.parametrize(
    ("error", "kind", "status"),
    [
        (RateLimitError, "rate_limit_error", 429),
        (ServerError, "server_error", 503),
        (ContentFilterError, "content_filter", 400),
    ],
)
def test_an_error_mid_stream_reads_as_a_fault_after_the_tokens_before_it(
    path: str, error: type[Exception], kind: str, status: int
) -> None:
    wire = STREAMS[path]
    frames = list(wire.frames(reply_for(ANSWER), {}))
    second = [n for n, frame in enumerate(frames) if frame.chunk][1]
    reader = stream_reader(path)
    assert reader is not None
    kept = b"".join(frame.data for frame in frames[: second + 1])
    reader.feed(kept + wire.error_frame("slow down ✓", kind, status), 0.5)
    fault = reader.response().fault
    assert fault is not None and fault.after_chunks == 2
    assert type(fault.error) is error
    if error is ServerError:
        assert getattr(fault.error, "status_code", None) == 503
    if error is not ContentFilterError:
        assert str(fault.error) == "slow down ✓"


@pytest.mark.parametrize("path", WHOLES)
def test_a_whole_answer_and_an_error_body_read_back(path: str) -> None:
    wire = WHOLES[path]
    read = read_whole(path, json.loads(json.dumps(wire.whole(reply_for(ANSWER)))))
    assert read is not None and read.fault is None
    assert (read.text, read.reasoning) == (ANSWER.text, ANSWER.reasoning)
    assert [(c.name, c.args, c.id) for c in read.tool_calls] == [
        (c.name, c.args, c.id) for c in ANSWER.tool_calls
    ]
    limited = read_whole(path, wire.error_body("slow down", "rate_limit_error", 429), 429)
    assert limited is not None and limited.fault is not None
    assert type(limited.fault.error) is RateLimitError
    blocked = read_whole(path, wire.error_body("no", "content_filter", 400))
    assert blocked is not None and blocked.fault is not None
    assert type(blocked.fault.error) is ContentFilterError


def test_the_paths_name_their_models() -> None:
    assert model_in_path("/v1beta/models/gemini-2.5-flash:streamGenerateContent") == (
        "gemini-2.5-flash"
    )
    assert model_in_path("/model/us.anthropic.claude-v1:0/converse-stream") == (
        "us.anthropic.claude-v1:0"
    )
    assert model_in_path("/v1/chat/completions") is None


# -- through the recording proxy, with the real clients --------------------------------

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the weather.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
RECORDED = Response(
    reasoning="Let me see.",
    text="Checking ✓",
    tool_calls=[ToolCall("get_weather", {"city": "Zürich"}, id="call_1")],
)


def _client(kind: str, url: str) -> BaseChatModel:
    if kind == "gemini":
        from langchain_google_genai import ChatGoogleGenerativeAI

        return ChatGoogleGenerativeAI(
            model="gemini-fake", base_url=url, api_key="AIzaFakeKey0123456789", max_retries=1
        )
    from langchain_aws import ChatBedrockConverse

    return ChatBedrockConverse(
        model="anthropic.claude-3-haiku-20240307-v1:0",
        endpoint_url=url,
        region_name="us-east-1",
        max_retries=0,
    )


@pytest.mark.parametrize("kind", ["gemini", "bedrock"])
def test_a_proxied_stream_replays_as_recorded(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "AKIAFAKEFAKEFAKEFAKE",
        "AWS_SECRET_ACCESS_KEY": "fakeSecretAccessKey0123456789",
        "AWS_CONFIG_FILE": "/nonexistent/aws-config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    with (
        FakeProviderServer(FakeChatModel(responses=[RECORDED])) as provider,
        RecordingProxy(provider.url) as proxy,
    ):
        original = list(_client(kind, proxy.url).bind_tools([WEATHER]).stream("weather?"))
        assert proxy.wait_for(1, timeout=5)
    path = proxy.save(tmp_path / "proxied.yaml")
    text = path.read_text()
    assert "AIzaFakeKey0123456789" not in text and "fakeSecretAccessKey" not in text
    script = FakeChatModel.from_script(path)
    assert script.model_name in ("gemini-fake-2026-01-01", "anthropic.claude-3-haiku-20240307-v1:0")
    with FakeProviderServer(script) as replay:
        replayed = list(_client(kind, replay.url).bind_tools([WEATHER]).stream("weather?"))
    assert render_chunks(normalize_chunks(replayed)) == render_chunks(normalize_chunks(original))
