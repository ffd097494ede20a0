"""The fake server's Anthropic, Ollama and legacy completions formats, with the real clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anthropic
import pytest
from langchain_anthropic import ChatAnthropic
from langchain_ollama import ChatOllama
from langchain_openai import OpenAI

from fakes import FakeProviderServer, Fault, RateLimitError, Response, ServerError, ToolCall

Start = Callable[..., FakeProviderServer]
WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Get the weather.",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}


def anthropic_client(server: FakeProviderServer, **settings: Any) -> ChatAnthropic:
    options: dict[str, Any] = {"max_retries": 0, **settings}
    return ChatAnthropic(
        base_url=server.anthropic_base_url, api_key="sk-ant-secret", model="claude-fake", **options
    )


def add_up(chunks: list[Any]) -> Any:
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    return total


def test_chat_anthropic_streams_text(fake_provider: Start) -> None:
    server = fake_provider(["Hello there, friend"])
    chunks = list(anthropic_client(server).stream("hi"))
    assert [c.content for c in chunks if c.content] == ["Hello", " there", ",", " friend"]
    total = add_up(chunks)
    assert total.usage_metadata["input_tokens"] == 1
    assert total.usage_metadata["output_tokens"] == 4
    headers = server.journal.requests[0].headers
    # The key travels as x-api-key or as a bearer token, depending on the SDK version.
    assert "<redacted>" in (headers.get("x-api-key"), headers.get("authorization"))
    assert "sk-ant-secret" not in str(headers)


async def test_chat_anthropic_astreams_thinking_text_and_tool_use(fake_provider: Start) -> None:
    call = ToolCall("get_weather", {"city": "Paris"}, id="toolu_1", fragments=2)
    server = fake_provider([Response(reasoning="Think.", text="Checking.", tool_calls=[call])])
    model = anthropic_client(server).bind_tools([WEATHER_TOOL])
    total = add_up([c async for c in model.astream("weather?")])
    assert [block["type"] for block in total.content] == ["thinking", "text", "tool_use"]
    assert total.tool_calls == [
        {"name": "get_weather", "args": {"city": "Paris"}, "id": "toolu_1", "type": "tool_call"}
    ]
    assert total.response_metadata["stop_reason"] == "tool_use"


def test_chat_anthropic_invoke_and_overloaded(fake_provider: Start) -> None:
    server = fake_provider(["whole answer", Fault(error=ServerError(status_code=529))])
    assert anthropic_client(server).invoke("x").content == "whole answer"
    with pytest.raises(anthropic.APIStatusError) as raised:
        anthropic_client(server).invoke("y")
    assert raised.value.status_code == 529


def test_chat_anthropic_retries_a_rate_limit(fake_provider: Start) -> None:
    server = fake_provider([Fault(error=RateLimitError(retry_after=0)), "after the retry"])
    assert anthropic_client(server, max_retries=1).invoke("x").content == "after the retry"
    assert [r.status for r in server.journal.requests] == [429, 200]


def test_an_anthropic_error_event_mid_stream(fake_provider: Start) -> None:
    server = fake_provider([Response(text="a b c d", fault=Fault(after_chunks=2))])
    received = []
    with pytest.raises(anthropic.APIStatusError):
        for chunk in anthropic_client(server).stream("x"):
            received.append(chunk.content)
    assert "".join(map(str, received)) == "a b"


def test_openai_completions_llm_streams_and_invokes(fake_provider: Start) -> None:
    server = fake_provider(["plain LLM text", "whole completion"])
    llm = OpenAI(
        base_url=server.openai_base_url, api_key="sk-x", model="gpt-fake-instruct", max_retries=0
    )
    assert [c for c in llm.stream("p") if c] == ["plain", " LLM", " text"]
    assert llm.invoke("q") == "whole completion"
    assert [r.path for r in server.journal.requests] == ["/v1/completions"] * 2


def test_chat_ollama_streams_and_calls_tools(fake_provider: Start) -> None:
    server = fake_provider(
        [
            "ollama says hi",
            Response(text="", tool_calls=[ToolCall("get_weather", {"city": "Oslo"})]),
        ]
    )
    model = ChatOllama(base_url=server.ollama_base_url, model="llama-fake")
    chunks = list(model.stream("hi"))
    assert [c.content for c in chunks if c.content] == ["ollama", " says", " hi"]
    assert add_up(chunks).usage_metadata["output_tokens"] == 3
    message = model.invoke("weather in Oslo?")
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [
        ("get_weather", {"city": "Oslo"})
    ]
