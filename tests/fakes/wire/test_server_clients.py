"""The fake server's Anthropic, Ollama and legacy completions formats, with the real clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anthropic
import httpx
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
    # anthropic 2 raises APIStatusError; anthropic 0.x tried to read the streamed body
    # while building that error and raised httpx.ResponseNotRead instead.
    with pytest.raises((anthropic.APIStatusError, httpx.ResponseNotRead)):
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


def _openai_chat(server: FakeProviderServer) -> Any:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=server.openai_base_url,
        api_key="k",
        model="gpt-fake",
        stream_usage=True,
        max_retries=0,
    )


def _ollama_chat(server: FakeProviderServer) -> Any:
    return ChatOllama(base_url=server.ollama_base_url, model="llama-fake")


CHAT_CLIENTS = {"openai": _openai_chat, "anthropic": anthropic_client, "ollama": _ollama_chat}


@pytest.mark.parametrize("name", CHAT_CLIENTS)
async def test_every_client_streams_tokens_and_usage_in_astream_events(
    fake_provider: Start, name: str
) -> None:
    server = fake_provider(["one two three"])
    events = [e async for e in CHAT_CLIENTS[name](server).astream_events("x", version="v2")]
    chunks = [e["data"]["chunk"] for e in events if e["event"] == "on_chat_model_stream"]
    assert [c.content for c in chunks if c.content] == ["one", " two", " three"]
    usage = events[-1]["data"]["output"].usage_metadata
    assert usage["output_tokens"] == 3


@pytest.mark.parametrize("name", CHAT_CLIENTS)
def test_every_client_gets_tool_calls(fake_provider: Start, name: str) -> None:
    call = ToolCall("get_weather", {"city": "Paris"}, id="call_7")
    server = fake_provider([Response(text="Checking.", tool_calls=[call])])
    model = CHAT_CLIENTS[name](server).bind_tools([WEATHER_TOOL])
    total = add_up(list(model.stream("weather?")))
    assert [(c["name"], c["args"]) for c in total.tool_calls] == [
        ("get_weather", {"city": "Paris"})
    ]


def test_ollama_errors_are_the_clients_own(fake_provider: Start) -> None:
    import ollama

    server = fake_provider([Fault(error=ServerError(status_code=500))])
    with pytest.raises(ollama.ResponseError):
        _ollama_chat(server).invoke("x")


async def test_openai_completions_llm_astream_events(fake_provider: Start) -> None:
    server = fake_provider(["plain LLM text"])
    llm = OpenAI(
        base_url=server.openai_base_url, api_key="sk-x", model="gpt-fake-instruct", max_retries=0
    )
    events = [e async for e in llm.astream_events("p", version="v2")]
    tokens = [e["data"]["chunk"] for e in events if e["event"] == "on_llm_stream"]
    assert [t for t in tokens if t] == ["plain", " LLM", " text"]


def test_a_rule_sees_each_clients_tool_results(fake_provider: Start) -> None:
    """A second turn after a tool result: the rule must see the tool's text."""
    from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

    from fakes import FakeChatModel, Rule

    history = [
        HumanMessage("weather in Paris?"),
        AIMessage(
            "", tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1"}]
        ),
        ToolMessage("sunny", tool_call_id="call_1"),
    ]
    for name, make in CHAT_CLIENTS.items():
        model = FakeChatModel(rules=[Rule(contains="sunny", response=f"{name}: it is sunny")])
        server = fake_provider(model)
        answer = make(server).bind_tools([WEATHER_TOOL]).invoke(history)
        assert answer.content == f"{name}: it is sunny"


@pytest.mark.parametrize("name", CHAT_CLIENTS)
def test_every_format_survives_frames_split_anywhere(fake_provider: Start, name: str) -> None:
    text = "héllo wörld ✓ ünïcode"
    server = fake_provider([text], frame_bytes=3)
    assert "".join(str(c.content) for c in CHAT_CLIENTS[name](server).stream("x")) == text


@pytest.mark.parametrize("name", CHAT_CLIENTS)
async def test_every_format_breaks_the_connection_when_scripted(
    fake_provider: Start, name: str
) -> None:
    from fakes import ConnectionDroppedError

    server = fake_provider(
        [Response(text="a b c d", fault=Fault(after_chunks=2, error=ConnectionDroppedError))]
    )
    received = []
    with pytest.raises(Exception) as raised:
        async for chunk in CHAT_CLIENTS[name](server).astream("x"):
            received.append(chunk.content)
    assert "".join(map(str, received)) == "a b"
    assert (
        "connect" in type(raised.value).__name__.lower()
        or "protocol" in type(raised.value).__name__.lower()
        or "peer closed" in str(raised.value)
    )


def test_ollama_streams_thinking_before_the_answer(fake_provider: Start) -> None:
    server = fake_provider([Response(reasoning="Let me think.", text="Done.")])
    model = ChatOllama(base_url=server.ollama_base_url, model="llama-fake", reasoning=True)
    total = add_up(list(model.stream("x")))
    assert total.content == "Done."
    assert total.additional_kwargs.get("reasoning_content") == "Let me think."


@pytest.mark.streamfakes(script="scripts/openai_hello.yaml")
def test_the_fixture_loads_the_markers_script(fake_provider: Start) -> None:
    server = fake_provider()
    assert _openai_chat(server).invoke("x").content == "Hello from a script file"
