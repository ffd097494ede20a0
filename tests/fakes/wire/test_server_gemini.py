"""The fake server's Gemini format (`generateContent`, `streamGenerateContent?alt=sse`),
with langchain-google-genai's ChatGoogleGenerativeAI and the google-genai SDK."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from google.genai import errors as genai_errors
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_google_genai import ChatGoogleGenerativeAI
from langchain_google_genai.chat_models import ChatGoogleGenerativeAIError

from fakes import (
    ConnectionDroppedError,
    ContentFilterError,
    FakeChatModel,
    FakeProviderServer,
    FakesError,
    Fault,
    RateLimitError,
    Response,
    Rule,
    ServerError,
    ToolCall,
)
from tests.conftest import total

Start = Callable[..., FakeProviderServer]
KEY = "AIzaFakeGeminiKey0123456789"
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the weather.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def gemini(server: FakeProviderServer, **settings: Any) -> ChatGoogleGenerativeAI:
    # max_retries=1 is a single attempt: the SDK reads 0 as "its default" (several).
    options: dict[str, Any] = {
        "model": "gemini-fake",
        "max_retries": 1,
        "include_thoughts": True,
        **settings,
    }
    return ChatGoogleGenerativeAI(base_url=server.gemini_base_url, api_key=KEY, **options)


def test_streams_text_and_usage_with_the_key_redacted(fake_provider: Start) -> None:
    server = fake_provider([Response(text="Hello there, friend", usage={"input_tokens": 5})])
    chunks = list(gemini(server).stream("hi"))
    assert [c.text for c in chunks if c.text] == ["Hello", " there", ",", " friend"]
    message = total(chunks)
    assert message.usage_metadata is not None
    assert (message.usage_metadata["input_tokens"], message.usage_metadata["output_tokens"]) == (
        5,
        4,
    )
    assert message.response_metadata["finish_reason"] == "STOP"
    assert message.response_metadata["model_name"] == "gemini-fake-2026-01-01"  # resolved
    [request] = server.journal.requests
    assert request.path == "/v1/models/gemini-fake:streamGenerateContent"
    assert request.headers["x-goog-api-key"] == "<redacted>"
    assert KEY not in str(server.journal.requests)


def test_a_key_in_the_query_string_is_never_journaled(fake_provider: Start) -> None:
    server = fake_provider(["answer"])
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    url = f"{server.url}/v1beta/models/gemini-fake:streamGenerateContent?alt=sse&key={KEY}"
    reply = httpx.post(url, json=body)
    assert reply.status_code == 200
    assert reply.text.startswith("data: {")
    assert server.journal.requests[0].path == "/v1beta/models/gemini-fake:streamGenerateContent"
    assert KEY not in str(server.journal.requests)


async def test_astreams_thinking_and_parallel_function_calls(fake_provider: Start) -> None:
    calls = [ToolCall("get_weather", {"city": c}, id=f"call_{c}") for c in ("Paris", "Oslo")]
    server = fake_provider([Response(reasoning="Two cities.", text="Checking.", tool_calls=calls)])
    model = gemini(server).bind_tools([WEATHER])
    message = total([c async for c in model.astream("weather?")])
    assert [b["type"] for b in message.content_blocks] == [
        "reasoning",
        "text",
        "tool_call",
        "tool_call",
    ]
    assert message.content_blocks[0]["reasoning"] == "Two cities."
    assert [(c["name"], c["args"], c["id"]) for c in message.tool_calls] == [
        ("get_weather", {"city": "Paris"}, "call_Paris"),
        ("get_weather", {"city": "Oslo"}, "call_Oslo"),
    ]
    tools = server.journal.requests[0].body["tools"]
    assert tools[0]["functionDeclarations"][0]["name"] == "get_weather"


def test_invoke_reads_the_whole_answer(fake_provider: Start) -> None:
    call = ToolCall("get_weather", {"city": "Rome"}, id="call_1")
    server = fake_provider([Response(reasoning="Hm.", text="Rome it is.", tool_calls=[call])])
    message = gemini(server).bind_tools([WEATHER]).invoke("weather?")
    assert message.text == "Rome it is."
    assert message.tool_calls[0]["args"] == {"city": "Rome"}
    assert server.journal.requests[0].path.endswith(":generateContent")


def test_errors_are_the_clients_own(fake_provider: Start) -> None:
    server = fake_provider(
        [Fault(error=RateLimitError(retry_after=0)), Fault(error=ServerError(status_code=503))]
    )
    with pytest.raises(ChatGoogleGenerativeAIError) as limited:
        gemini(server).invoke("x")
    assert isinstance(limited.value.__cause__, genai_errors.ClientError)
    assert limited.value.__cause__.code == 429
    assert limited.value.__cause__.status == "RESOURCE_EXHAUSTED"
    with pytest.raises(genai_errors.ServerError) as unavailable:
        list(gemini(server).stream("x"))
    assert unavailable.value.code == 503
    assert [r.status for r in server.journal.requests] == [429, 503]


def test_an_error_mid_stream_comes_after_the_chunks(fake_provider: Start) -> None:
    server = fake_provider([Response(text="a b c d", fault=Fault(after_chunks=2))])
    received = []
    with pytest.raises(genai_errors.ServerError) as raised:
        for chunk in gemini(server).stream("x"):
            received.append(chunk.text)
    assert "".join(received) == "a b"
    assert raised.value.code == 500


def test_a_content_filter_is_a_safety_block(fake_provider: Start) -> None:
    """Gemini answers a blocked response with 200 and finishReason SAFETY, and the
    client raises nothing: the fault shows in the response metadata."""
    server = fake_provider(
        [
            Fault(error=ContentFilterError()),
            Response(text="a b c d", fault=Fault(after_chunks=2, error=ContentFilterError())),
            Fault(error=ContentFilterError()),
        ]
    )
    blocked = gemini(server).invoke("x")
    assert (blocked.text, blocked.response_metadata["finish_reason"]) == ("", "SAFETY")
    cut = total(list(gemini(server).stream("x")))
    assert (cut.text, cut.response_metadata["finish_reason"]) == ("a b", "SAFETY")
    streamed = total(list(gemini(server).stream("x")))
    assert (streamed.text, streamed.response_metadata["finish_reason"]) == ("", "SAFETY")
    assert [r.status for r in server.journal.requests] == [200, 200, 200]
    assert [type(c.error) for c in server.model.calls] == [ContentFilterError] * 3


def test_a_rule_sees_the_system_instruction_and_function_responses(fake_provider: Start) -> None:
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
            "", tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1"}]
        ),
        ToolMessage("sunny", tool_call_id="call_1", name="get_weather"),
    ]
    assert gemini(server).bind_tools([WEATHER]).invoke(history).text == "it is sunny"
    seen = server.model.calls[0].input
    assert [type(m).__name__ for m in seen] == ["HumanMessage", "AIMessage", "ToolMessage"]
    assert seen[1].tool_calls[0]["args"] == {"city": "Paris"}
    assert server.model.calls[0].tools[0]["function"]["name"] == "get_weather"
    assert gemini(server).invoke([("system", "be brief"), ("user", "hi")]).text == "brief"
    assert type(server.model.calls[1].input[0]).__name__ == "SystemMessage"


def test_stop_sequences_reach_the_script(fake_provider: Start) -> None:
    server = fake_provider(["one two. three"])
    message = gemini(server).invoke("x", stop=["."])
    assert message.text == "one two"
    assert server.model.calls[0].stop == ["."]


def test_the_v1beta_path_and_models_prefix_work(fake_provider: Start) -> None:
    server = fake_provider(["beta answer"])
    model = gemini(server, api_version="v1beta", model="models/gemini-fake")
    assert model.invoke("x").text == "beta answer"
    assert server.journal.requests[0].path == "/v1beta/models/gemini-fake:generateContent"


def test_frames_split_anywhere_and_a_dropped_connection(fake_provider: Start) -> None:
    text = "héllo wörld ✓ ünïcode"
    server = fake_provider([text], frame_bytes=3)
    assert "".join(c.text for c in gemini(server).stream("x")) == text
    dropped = fake_provider(
        [Response(text="a b c d", fault=Fault(after_chunks=2, error=ConnectionDroppedError))]
    )
    received = []
    # google-genai reads with httpx2 when it is installed, else with httpx.
    with pytest.raises(Exception) as raised:
        for chunk in gemini(dropped).stream("x"):
            received.append(chunk.text)
    assert "".join(received) == "a b"
    assert type(raised.value).__name__ == "RemoteProtocolError"


def test_a_bad_body_is_a_400_the_strict_check_lists() -> None:
    with FakeProviderServer(FakeChatModel(responses=["unused"])) as server:
        url = f"{server.url}/v1beta/models/gemini-fake:generateContent"
        reply = httpx.post(url, json={"prompt": "hi"}, headers={"x-goog-api-key": KEY})
    assert reply.status_code == 400
    assert reply.json()["error"]["status"] == "INVALID_ARGUMENT"
    with pytest.raises(FakesError, match="expected a JSON object with a 'contents' list"):
        server.check_all_expected()
