"""LangGraph apps on the fakes: an agent with two tools, a custom graph that writes custom
events, a graph with a subgraph, and a human-in-the-loop interrupt."""

from __future__ import annotations

from typing import Any, TypedDict

from langchain.agents import create_agent
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

from fakes import FakeChatModel, Response, ToolCall


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"Sunny in {city}"


@tool
def get_time(city: str) -> str:
    """The local time in a city."""
    return f"Noon in {city}"


def agent(model: FakeChatModel | None = None) -> Any:
    """`create_agent` with two tools, called one after the other, then an answer."""
    model = model or FakeChatModel(
        responses=[
            Response(tool_calls=[ToolCall("get_weather", {"city": "Paris"}, id="call_1")]),
            Response(tool_calls=[ToolCall("get_time", {"city": "Paris"}, id="call_2")]),
            "Sunny at noon in Paris.",
        ],
        model_name="fake-gpt",
    )
    return create_agent(model, [get_weather, get_time])


AGENT_INPUT = {"messages": [{"role": "user", "content": "Weather and time in Paris?"}]}


class Story(TypedDict):
    topic: str
    outline: str
    story: str


def _outline(state: Story) -> dict[str, str]:
    write = get_stream_writer()
    write({"stage": "outline", "progress": 0.5})
    return {"outline": f"a tale of {state['topic']}"}


def _write(state: Story) -> dict[str, str]:
    write = get_stream_writer()
    for n in range(2):
        write({"stage": "write", "paragraph": n})
    return {"story": state["outline"].capitalize() + "."}


def custom_graph() -> Any:
    """A custom StateGraph whose nodes send progress through `get_stream_writer`."""
    graph = StateGraph(Story)
    graph.add_node("outline", _outline)
    graph.add_node("write", _write)
    graph.add_edge(START, "outline")
    graph.add_edge("outline", "write")
    graph.add_edge("write", END)
    return graph.compile()


class Chat(TypedDict):
    question: str
    answer: str


def graph_with_subgraph(model: FakeChatModel | None = None) -> Any:
    """A parent graph whose `research` node is a compiled subgraph calling a chat model."""
    chat = model or FakeChatModel(responses=["Mitochondria."], model_name="fake-gpt")

    def ask(state: Chat) -> dict[str, str]:
        get_stream_writer()({"asking": state["question"]})
        return {"answer": str(chat.invoke(state["question"]).content)}

    inner = StateGraph(Chat)
    inner.add_node("ask", ask)
    inner.add_edge(START, "ask")
    inner.add_edge("ask", END)

    def polish(state: Chat) -> dict[str, str]:
        return {"answer": state["answer"].upper()}

    outer = StateGraph(Chat)
    outer.add_node("research", inner.compile())
    outer.add_node("polish", polish)
    outer.add_edge(START, "research")
    outer.add_edge("research", "polish")
    outer.add_edge("polish", END)
    return outer.compile()


class Booking(TypedDict):
    request: str
    approved: str


def _approve(state: Booking) -> dict[str, str]:
    answer = interrupt({"question": f"Book {state['request']}?"})
    return {"approved": str(answer)}


def _book(state: Booking) -> dict[str, str]:
    return {"request": f"{state['request']} booked" if state["approved"] == "yes" else "none"}


def approval_graph() -> Any:
    """A human-in-the-loop graph: `approve` interrupts until resumed with an answer."""
    graph = StateGraph(Booking)
    graph.add_node("approve", _approve)
    graph.add_node("book", _book)
    graph.add_edge(START, "approve")
    graph.add_edge("approve", "book")
    graph.add_edge("book", END)
    return graph.compile(checkpointer=InMemorySaver())
