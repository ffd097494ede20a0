"""LangGraph streams collected, normalised and snapshotted: an agent, custom events, a
subgraph, an interrupt and its resume, and a fault mid-stream."""

from __future__ import annotations

import pytest
from langgraph.types import Command
from syrupy.assertion import SnapshotAssertion

from assertions import (
    GraphStream,
    acollect_graph_stream,
    collect_graph_stream,
    normalize_graph_stream,
    render_graph_stream,
)
from fakes import FakeChatModel, Fault, Response
from tests.assertions import graphs as g


def text(stream: GraphStream) -> str:
    return render_graph_stream(normalize_graph_stream(stream))


def test_agent_with_two_tools(stream_snapshot: SnapshotAssertion) -> None:
    stream = collect_graph_stream(g.agent(), g.AGENT_INPUT, stream_mode=["messages", "updates"])
    nodes = [p.data[1]["langgraph_node"] for p in stream if p.mode == "messages"]
    assert nodes == ["model"] * 6 + ["tools"] + ["model"] * 6 + ["tools"] + ["model"] * 6
    assert stream == stream_snapshot


async def test_agent_astream_is_the_stream() -> None:
    modes = ["messages", "updates", "values"]
    streamed = collect_graph_stream(g.agent(), g.AGENT_INPUT, stream_mode=modes)
    astreamed = await acollect_graph_stream(g.agent(), g.AGENT_INPUT, stream_mode=modes)
    assert astreamed.method == "astream"
    assert normalize_graph_stream(astreamed) == normalize_graph_stream(streamed)


def test_custom_events_from_get_stream_writer(stream_snapshot: SnapshotAssertion) -> None:
    stream = collect_graph_stream(
        g.custom_graph(), {"topic": "a fox"}, stream_mode=["custom", "updates", "values"]
    )
    assert [p.data for p in stream if p.mode == "custom"] == [
        {"stage": "outline", "progress": 0.5},
        {"stage": "write", "paragraph": 0},
        {"stage": "write", "paragraph": 1},
    ]
    assert stream == stream_snapshot


def test_a_single_mode_is_collected_like_a_list() -> None:
    stream = collect_graph_stream(g.custom_graph(), {"topic": "a fox"}, stream_mode="custom")
    assert stream.modes == ("custom",)
    assert [p.mode for p in stream] == ["custom"] * 3


def test_subgraph_parts_are_nested(stream_snapshot: SnapshotAssertion) -> None:
    stream = collect_graph_stream(
        g.graph_with_subgraph(),
        {"question": "What is the powerhouse of the cell?", "answer": ""},
        stream_mode=["custom", "updates", "messages"],
        subgraphs=True,
    )
    namespaces = {p.namespace for p in stream}
    assert len(namespaces) == 2 and () in namespaces
    rendered = text(stream)
    assert "  [research:uuid0] custom: " in rendered
    assert stream == stream_snapshot


def booking(thread: str) -> tuple[GraphStream, GraphStream]:
    graph = g.approval_graph()
    config = {"configurable": {"thread_id": thread}}
    asked = collect_graph_stream(
        graph,
        {"request": "a table for two", "approved": ""},
        config,
        stream_mode=["updates", "tasks", "checkpoints"],
    )
    resumed = collect_graph_stream(
        graph, Command(resume="yes"), config, stream_mode=["updates", "debug"]
    )
    return asked, resumed


def test_interrupt_then_resume(stream_snapshot: SnapshotAssertion) -> None:
    asked, resumed = booking("booking-1")
    assert [i.value for i in asked.interrupts] == [{"question": "Book a table for two?"}]
    assert resumed.interrupts == []
    assert resumed[-1].data["payload"]["values"]["request"] == "a table for two booked"
    assert asked == stream_snapshot(name="interrupted")
    assert resumed == stream_snapshot(name="resumed")


def test_ids_threads_and_times_do_not_reach_the_text() -> None:
    first, second = booking("thread-a"), booking("a-different-thread")
    assert [text(s) for s in first] == [text(s) for s in second]
    rendered = text(first[1])
    assert "'timestamp': '<time>'" in rendered and "'thread_id': 'thread0'" in rendered
    assert "a-different-thread" not in text(second[1])
    assert "'id': 'hash0'" in text(first[0])  # the interrupt's id


def failing_agent() -> object:
    model = FakeChatModel(
        responses=[
            Response(
                text="Let me think about it",
                fault=Fault(after_chunks=2, error=TimeoutError("upstream timed out")),
            )
        ],
        model_name="fake-gpt",
    )
    return g.agent(model)


def test_a_fault_mid_stream_raises_by_default() -> None:
    with pytest.raises(TimeoutError, match="upstream timed out"):
        collect_graph_stream(failing_agent(), g.AGENT_INPUT, stream_mode="messages")


async def test_a_captured_fault_ends_the_timeline(stream_snapshot: SnapshotAssertion) -> None:
    stream = await acollect_graph_stream(
        failing_agent(), g.AGENT_INPUT, stream_mode=["messages", "updates"], capture_errors=True
    )
    assert isinstance(stream.error, TimeoutError)
    assert [p.data[0].content for p in stream] == ["Let", " me"]
    assert text(stream).endswith("! error TimeoutError: upstream timed out\n")
    assert stream == stream_snapshot
