"""The fake server's Bedrock Converse format (`converse`, `converse-stream` in AWS
event-stream framing), with langchain-aws's ChatBedrockConverse and boto3."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError, EventStreamError
from langchain_aws import ChatBedrockConverse
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from fakes import (
    ConnectionDroppedError,
    ContentFilterError,
    FakeChatModel,
    FakeProviderServer,
    Fault,
    RateLimitError,
    Response,
    Rule,
    ServerError,
    ToolCall,
)
from tests.conftest import total

Start = Callable[..., FakeProviderServer]
MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
SECRET = "fakeSecretAccessKey0123456789abcdefghij"
SESSION_TOKEN = "FakeSessionToken0123456789abcdefghij"
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the weather.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


@pytest.fixture(autouse=True)
def fake_aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and region, and nothing else for botocore to read or ask."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEFAKEFAKEFAKE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def bedrock(server: FakeProviderServer, **settings: Any) -> ChatBedrockConverse:
    options: dict[str, Any] = {"model": MODEL, "max_retries": 0, **settings}
    return ChatBedrockConverse(
        endpoint_url=server.bedrock_endpoint_url, region_name="us-east-1", **options
    )


def test_streams_text_and_usage_with_the_signature_redacted(fake_provider: Start) -> None:
    server = fake_provider([Response(text="Hello there, friend", usage={"input_tokens": 5})])
    chunks = list(bedrock(server).stream("hi"))
    assert [c.text for c in chunks if c.text] == ["Hello", " there", ",", " friend"]
    message = total(chunks)
    assert message.usage_metadata is not None
    assert (message.usage_metadata["input_tokens"], message.usage_metadata["output_tokens"]) == (
        5,
        4,
    )
    assert message.response_metadata["stopReason"] == "end_turn"
    assert message.response_metadata["model_name"] == MODEL
    [request] = server.journal.requests
    assert request.path == f"/model/{MODEL}/converse-stream"
    assert request.headers["authorization"] == "<redacted>"  # SigV4, with the key id
    assert request.headers["x-amz-security-token"] == "<redacted>"
    journal = str(server.journal.requests)
    assert "AKIAFAKEFAKEFAKEFAKE" not in journal
    assert SESSION_TOKEN not in journal
    assert SECRET not in journal


async def test_astreams_reasoning_and_tool_use_fragments(fake_provider: Start) -> None:
    calls = [
        ToolCall("get_weather", {"city": "Paris"}, id="tool_paris", fragments=3),
        ToolCall("get_weather", {"city": "Oslo"}, id="tool_oslo"),
    ]
    server = fake_provider([Response(reasoning="Two cities.", text="Checking.", tool_calls=calls)])
    model = bedrock(server).bind_tools([WEATHER])
    message = total([c async for c in model.astream("weather?")])
    assert [b["type"] for b in message.content_blocks] == [
        "reasoning",
        "text",
        "tool_call",
        "tool_call",
    ]
    assert message.content_blocks[0]["reasoning"] == "Two cities."
    assert [(c["name"], c["args"], c["id"]) for c in message.tool_calls] == [
        ("get_weather", {"city": "Paris"}, "tool_paris"),
        ("get_weather", {"city": "Oslo"}, "tool_oslo"),
    ]
    assert message.response_metadata["stopReason"] == "tool_use"
    assert server.model.calls[0].tools[0]["function"]["name"] == "get_weather"


def test_invoke_reads_the_whole_answer(fake_provider: Start) -> None:
    call = ToolCall("get_weather", {"city": "Rome"}, id="tool_1")
    server = fake_provider([Response(reasoning="Hm.", text="Rome it is.", tool_calls=[call])])
    message = bedrock(server).bind_tools([WEATHER]).invoke("weather?")
    assert message.text == "Rome it is."
    assert message.tool_calls[0]["args"] == {"city": "Rome"}
    assert server.journal.requests[0].path == f"/model/{MODEL}/converse"


def test_throttling_is_a_throttling_exception_and_retried(fake_provider: Start) -> None:
    server = fake_provider(
        [
            Fault(error=RateLimitError(retry_after=0)),
            Fault(error=RateLimitError(retry_after=0)),
            "after the retry",
            Fault(error=ServerError(status_code=503)),
        ]
    )
    with pytest.raises(ClientError) as limited:
        bedrock(server).invoke("x")
    assert limited.value.response["Error"]["Code"] == "ThrottlingException"
    assert bedrock(server, max_retries=1).invoke("y").text == "after the retry"
    with pytest.raises(ClientError) as unavailable:
        list(bedrock(server).stream("z"))
    assert unavailable.value.response["Error"]["Code"] == "ServiceUnavailableException"
    assert [r.status for r in server.journal.requests] == [429, 429, 200, 503]


def test_throttling_mid_stream_comes_after_the_chunks(fake_provider: Start) -> None:
    server = fake_provider(
        [Response(text="a b c d", fault=Fault(after_chunks=2, error=RateLimitError()))]
    )
    received = []
    with pytest.raises(EventStreamError) as raised:
        for chunk in bedrock(server).stream("x"):
            received.append(chunk.text)
    assert "".join(received) == "a b"
    assert raised.value.response["Error"]["Code"] == "throttlingException"


def test_a_content_filter_stops_the_answer_for_it(fake_provider: Start) -> None:
    server = fake_provider(
        [
            Fault(error=ContentFilterError()),
            Response(text="a b c d", fault=Fault(after_chunks=2, error=ContentFilterError())),
            Fault(error=ContentFilterError()),
        ]
    )
    blocked = bedrock(server).invoke("x")
    assert (blocked.text, blocked.response_metadata["stopReason"]) == ("", "content_filtered")
    cut = total(list(bedrock(server).stream("x")))
    assert (cut.text, cut.response_metadata["stopReason"]) == ("a b", "content_filtered")
    streamed = total(list(bedrock(server).stream("x")))
    assert (streamed.text, streamed.response_metadata["stopReason"]) == ("", "content_filtered")
    assert [r.status for r in server.journal.requests] == [200, 200, 200]
    assert [type(c.error) for c in server.model.calls] == [ContentFilterError] * 3


def test_a_rule_sees_the_system_prompt_and_tool_results(fake_provider: Start) -> None:
    model = FakeChatModel(
        rules=[
            Rule(contains="sunny", bound_tool="get_weather", response="it is sunny"),
            Rule(when=lambda messages: "be brief" in messages[0].text, response="brief"),
        ]
    )
    server = fake_provider(model)
    history = [
        HumanMessage("weather in Paris?"),
        AIMessage(
            "", tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}, "id": "tool_1"}]
        ),
        ToolMessage("sunny", tool_call_id="tool_1"),
    ]
    assert bedrock(server).bind_tools([WEATHER]).invoke(history).text == "it is sunny"
    seen = server.model.calls[0].input
    assert [type(m).__name__ for m in seen] == ["HumanMessage", "AIMessage", "ToolMessage"]
    assert seen[1].tool_calls[0]["args"] == {"city": "Paris"}
    assert seen[2].tool_call_id == "tool_1"
    assert bedrock(server).invoke([("system", "be brief"), ("user", "hi")]).text == "brief"


def test_stop_sequences_reach_the_script(fake_provider: Start) -> None:
    server = fake_provider(["one two. three"])
    message = bedrock(server).invoke("x", stop=["."])
    assert message.text == "one two"
    assert message.response_metadata["stopReason"] == "stop_sequence"
    assert server.model.calls[0].stop == ["."]


def test_a_model_arn_with_slashes_is_routed(fake_provider: Start) -> None:
    server = fake_provider(["from a profile"])
    arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.fake-model-v1:0"
    model = bedrock(server, model=arn, provider="anthropic", base_model_id=MODEL)
    assert model.invoke("x").text == "from a profile"
    assert server.model.calls[0].kwargs["model"] == arn


def test_frames_split_anywhere_and_a_dropped_connection(fake_provider: Start) -> None:
    text = "héllo wörld ✓ ünïcode"
    server = fake_provider([text], frame_bytes=3)
    assert "".join(c.text for c in bedrock(server).stream("x")) == text
    dropped = fake_provider(
        [Response(text="a b c d", fault=Fault(after_chunks=2, error=ConnectionDroppedError))]
    )
    received = []
    with pytest.raises(Exception) as raised:
        for chunk in bedrock(dropped).stream("x"):
            received.append(chunk.text)
    assert "".join(received) == "a b"
    assert "ProtocolError" in type(raised.value).__name__


@pytest.mark.parametrize("stream", [False, True])
def test_a_lone_surrogate_in_the_script_reaches_the_client_escaped(
    fake_provider: Start, stream: bool
) -> None:
    server = fake_provider(["a\ud800b"])
    model = bedrock(server)
    text = total(list(model.stream("hi"))).text if stream else model.invoke("hi").text
    assert text == "a\ud800b"
    assert [r.status for r in server.journal.requests] == [200]
