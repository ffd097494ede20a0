"""A LangChain agent (langchain.agents.create_agent, on LangGraph) runs on the fake."""

from __future__ import annotations

from langchain.agents import create_agent
from langchain_core.messages import AIMessageChunk
from langchain_core.tools import tool

from fakes import FakeChatModel, Response, ToolCall


@tool
def get_weather(city: str) -> str:
    """Get the current weather in a city."""
    return f"Sunny in {city}"


def weather_model() -> FakeChatModel:
    return FakeChatModel(
        responses=[
            Response(text="Let me check.", tool_calls=[ToolCall("get_weather", {"city": "Paris"})]),
            "It is sunny in Paris.",
        ]
    )


def test_the_agent_calls_the_tool_then_answers() -> None:
    model = weather_model()
    result = create_agent(model, [get_weather]).invoke(
        {"messages": [("user", "Weather in Paris?")]}
    )
    messages = result["messages"]
    assert [type(m).__name__ for m in messages] == [
        "HumanMessage",
        "AIMessage",
        "ToolMessage",
        "AIMessage",
    ]
    assert messages[2].content == "Sunny in Paris"
    assert messages[-1].content == "It is sunny in Paris."
    assert [t["function"]["name"] for t in model.calls[0].tools] == ["get_weather"]
    assert model.calls[1].input[-1].content == "Sunny in Paris"
    assert model.unused_responses == []


async def test_the_agent_streams_the_models_tokens() -> None:
    model = weather_model()
    agent = create_agent(model, [get_weather])
    tokens = [
        message.content
        async for message, _metadata in agent.astream(
            {"messages": [("user", "Weather in Paris?")]}, stream_mode="messages"
        )
        if isinstance(message, AIMessageChunk) and message.content
    ]
    assert tokens == ["Let", " me", " check", ".", "It", " is", " sunny", " in", " Paris", "."]
    assert [c.method for c in model.calls] == ["astream", "astream"]
