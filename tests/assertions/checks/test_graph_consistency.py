"""assert_stream_consistent on LangGraph graphs: each stream mode by its own rule."""

from __future__ import annotations

import itertools
import operator
from typing import Annotated, Any, TypedDict

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, AnyMessage
from langchain_core.tools import tool
from langgraph.graph import END, START, StateGraph, add_messages

from assertions import StreamAssertionError, assert_stream_consistent
from assertions._checks._graph import MODES, _check_updates
from assertions._timeline._normalize import Normalizer
from fakes import FakeChatModel, Response, ToolCall


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return "sunny"


def agent_model() -> FakeChatModel:
    call = ToolCall("get_weather", {"city": "Paris"})
    return FakeChatModel(responses=[Response(tool_calls=[call]), "It is sunny."], cycle=True)


def test_a_create_agent_graph_is_consistent() -> None:
    agent = create_agent(agent_model(), [get_weather])
    assert_stream_consistent(agent, {"messages": [("user", "weather in Paris?")]})


class State(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]
    total: Annotated[int, operator.add]
    step: str


def graph_of(node: Any) -> Any:
    graph = StateGraph(State)
    graph.add_node("node", node)
    graph.add_edge(START, "node")
    graph.add_edge("node", END)
    return graph.compile()


INPUT = {"messages": [("user", "hi")], "total": 1, "step": "start"}


def test_a_graph_with_reducers_is_consistent() -> None:
    model = FakeChatModel(responses=["Hello there"], cycle=True)

    def node(state: State) -> dict[str, Any]:
        return {"messages": [model.invoke(state["messages"])], "total": 5, "step": "done"}

    assert_stream_consistent(graph_of(node), INPUT)


def test_a_last_state_that_differs_from_invoke_fails_naming_values() -> None:
    runs = itertools.count()

    def node(state: State) -> dict[str, Any]:
        return {"step": f"run {next(runs)}"}

    with pytest.raises(StreamAssertionError, match=r"^stream\(stream_mode='values'\): the last"):
        assert_stream_consistent(graph_of(node), INPUT)


def test_a_message_stored_unlike_its_chunks_fails_naming_messages() -> None:
    model = FakeChatModel(responses=["Hello there"], cycle=True)

    def node(state: State) -> dict[str, Any]:
        message = model.invoke(state["messages"])
        # The node streams one answer and stores another under the same id.
        return {"messages": [AIMessage(content="Goodbye", id=message.id)]}

    with pytest.raises(
        StreamAssertionError,
        match=r"^stream\(stream_mode='messages'\): the 2 chunks of message 'msg-0000' do not "
        "add up to it",
    ):
        assert_stream_consistent(graph_of(node), INPUT)


def test_updates_that_do_not_make_the_final_state_fail_naming_updates() -> None:
    def node(state: State) -> dict[str, Any]:
        return {"total": 5, "step": "done"}

    graph = graph_of(node)
    stream = list(graph.stream(INPUT, stream_mode=list(MODES)))
    values = [item for mode, item in stream if mode == "values"]
    updates = [item for mode, item in stream if mode == "updates"]
    assert values[-1]["total"] == 6  # operator.add: 1 + 5
    _check_updates("stream", graph, values[0], updates, values[-1], Normalizer())
    # A final state the updates do not make (a node's write lost, say) is caught.
    lost = {**values[-1], "total": 1}
    with pytest.raises(
        StreamAssertionError,
        match=r"^stream\(stream_mode='updates'\): the merged node updates differ",
    ):
        _check_updates("stream", graph, values[0], updates, lost, Normalizer())
