"""LangChain consumers treat FakeChatModel as a well-behaved chat model."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.output_parsers import JsonOutputParser, StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.tools import tool
from pydantic import BaseModel

from fakes import FakeChatModel, Response, ToolCall


@tool
def get_weather(city: str) -> str:
    """Get the current weather in a city."""
    return f"Sunny in {city}"


class Answer(BaseModel):
    answer: str
    confidence: float


def test_a_tool_calling_loop_runs_against_the_fake() -> None:
    model = FakeChatModel(
        responses=[
            Response(text="Let me check.", tool_calls=[ToolCall("get_weather", {"city": "Paris"})]),
            "It is sunny in Paris.",
        ]
    ).bind_tools([get_weather])
    messages: list[Any] = [HumanMessage("Weather in Paris?")]
    while True:
        reply = model.invoke(messages)
        messages.append(reply)
        if not reply.tool_calls:
            break
        for call in reply.tool_calls:
            messages.append(ToolMessage(get_weather.invoke(call["args"]), tool_call_id=call["id"]))
    assert [type(m).__name__ for m in messages] == [
        "HumanMessage",
        "AIMessage",
        "ToolMessage",
        "AIMessage",
    ]
    assert messages[2].content == "Sunny in Paris"
    assert messages[-1].content == "It is sunny in Paris."


def test_with_structured_output_parses_the_scripted_tool_call() -> None:
    model = FakeChatModel(
        responses=[Response(tool_calls=[ToolCall("Answer", {"answer": "42", "confidence": 0.9})])]
    )
    structured = model.with_structured_output(Answer)
    assert structured.invoke("What is the answer?") == Answer(answer="42", confidence=0.9)
    assert model.calls[0].tool_choice == "any"
    assert model.calls[0].tools[0]["function"]["name"] == "Answer"


def test_with_structured_output_streams_partial_objects() -> None:
    call = ToolCall("Answer", {"answer": "forty-two", "confidence": 0.9})
    model = FakeChatModel(responses=[Response(tool_calls=[call])])
    schema = {
        "title": "Answer",
        "description": "An answer.",
        "type": "object",
        "properties": {"answer": {"type": "string"}, "confidence": {"type": "number"}},
    }
    partials = list(model.with_structured_output(schema).stream("x"))
    assert partials[-1] == {"answer": "forty-two", "confidence": 0.9}
    assert len(partials) > 2


def test_prompt_model_parser_chain_streams_each_token() -> None:
    chain = (
        ChatPromptTemplate.from_template("Tell me a joke about {topic}")
        | FakeChatModel(responses=["Why did the parrot talk?"])
        | StrOutputParser()
    )
    assert list(chain.stream({"topic": "parrot"})) == [
        "Why",
        " did",
        " the",
        " parrot",
        " talk",
        "?",
    ]


def test_json_output_parser_streams_growing_objects() -> None:
    chain = FakeChatModel(responses=['{"countries": [{"name": "France"}]}']) | JsonOutputParser()
    partials = list(chain.stream("x"))
    assert partials[-1] == {"countries": [{"name": "France"}]}
    assert partials[0] == {}


async def test_astream_events_show_every_chunk_with_real_integration_metadata() -> None:
    model = FakeChatModel(responses=["a b"], model_name="fake-gpt")
    events = [e async for e in model.astream_events("x", version="v2")]
    assert [e["event"] for e in events] == [
        "on_chat_model_start",
        "on_chat_model_stream",
        "on_chat_model_stream",
        "on_chat_model_end",
    ]
    metadata = events[0]["metadata"]
    assert metadata["ls_provider"] == "streamfakes"
    assert metadata["ls_model_name"] == "fake-gpt"
    assert metadata["ls_model_type"] == "chat"
    end = events[-1]["data"]["output"]
    assert isinstance(end, AIMessageChunk) and end.content == "a b"
    assert end.usage_metadata is not None and end.chunk_position == "last"


@pytest.mark.skipif(
    not hasattr(BaseChatModel, "stream_events"), reason="stream_events arrived in core 1.4"
)
def test_stream_events_v3_where_core_has_it() -> None:
    model = FakeChatModel(responses=["a b"])
    stream = model.stream_events("x", version="v3")
    assert stream.output.text == "a b"  # type: ignore[attr-defined]
