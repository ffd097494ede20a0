"""The noise controls: metadata dropped by name or prefix, aliases from the run tree, a run's
name once, usage left out, metadata on its own lines; and what they save on a RAG chain."""

from __future__ import annotations

import pytest
from syrupy.assertion import SnapshotAssertion

from assertions import (
    AssertionsError,
    SnapshotOptions,
    StreamSnapshotExtension,
    collect_events,
    collect_graph_stream,
    normalize_events,
    normalize_graph_stream,
    render_events,
)
from tests.assertions import graphs as g
from tests.assertions import noise
from tests.assertions import scenarios as s


def test_the_figures_on_a_rag_chain() -> None:
    # Changed snapshot lines for each change, without and with the controls.
    assert noise.figures() == {
        "(a) add a tag": {"default": 3, "name_once": 3, "stable_aliases": 3},
        "(b) rename a step": {"default": 10, "name_once": 1, "stable_aliases": 10},
        "(c) reorder the parallel map": {"default": 15, "name_once": 12, "stable_aliases": 2},
        "(d) change the prompt": {"default": 5, "name_once": 2, "stable_aliases": 2},
    }


def test_metadata_is_dropped_by_name_and_by_prefix() -> None:
    events = collect_events(s.joke_chain(), {"topic": "parrot"})
    start = next(e for e in events if e["event"] == "on_chat_model_start")
    assert set(start["metadata"]) >= {"ls_provider", "ls_model_name"}
    options = SnapshotOptions(drop_metadata=("ls_model_*", "ls_provider"))
    kept = next(
        e for e in normalize_events(events, options=options) if e["event"] == "on_chat_model_start"
    )
    assert not any(key.startswith(("ls_model_", "ls_provider")) for key in kept["metadata"])


def test_graph_metadata_is_dropped_too() -> None:
    stream = collect_graph_stream(g.agent(), g.AGENT_INPUT, stream_mode="messages")
    parts = normalize_graph_stream(stream, options=SnapshotOptions(drop_metadata=("ls_*",)))
    assert all(part["metadata"] == {} for part in parts)


def test_usage_none_leaves_usage_out() -> None:
    events = collect_events(s.joke_chain(), {"topic": "parrot"})
    assert "usage_metadata" in render_events(normalize_events(events))
    assert "usage_metadata" not in render_events(
        normalize_events(events, options=SnapshotOptions(usage="none"))
    )


def test_stable_aliases_number_only_same_named_siblings() -> None:
    # Two StrOutputParser runs under one sequence: named apart by start order, as they
    # must be; every other run by its name.
    chain = s.joke_chain() | (lambda text: text) | s.joke_chain().steps[-1]
    events = collect_events(chain, {"topic": "parrot"})
    runs = {
        e["run"] for e in normalize_events(events, options=SnapshotOptions(stable_aliases=True))
    }
    assert runs == {
        "RunnableSequence",
        "ChatPromptTemplate",
        "FakeChatModel",
        "RunnableSequence/StrOutputParser#0",
        "RunnableSequence/StrOutputParser#1",
        "RunnableLambda",
    }


def test_a_parallel_map_is_aliased_by_its_keys() -> None:
    forward = collect_events(noise.rag_chain(), noise.QUESTION)
    swapped = collect_events(noise.rag_chain(question_first=True), noise.QUESTION)
    stable = SnapshotOptions(stable_aliases=True)

    def runs(events: object) -> dict[str, str]:
        return {e["run"]: e["name"] for e in normalize_events(events, options=stable)}  # type: ignore[arg-type]

    assert runs(forward) == runs(swapped)
    assert runs(forward)["context"] == "RunnableSequence"
    assert (
        runs(forward)["RunnableParallel<context,question>"] == "RunnableParallel<context,question>"
    )


def test_options_say_what_is_wrong() -> None:
    with pytest.raises(AssertionsError, match=r"write drop_metadata=\['ls_\*'\]"):
        SnapshotOptions(drop_metadata="ls_*")  # type: ignore[arg-type]
    with pytest.raises(AssertionsError, match="unknown snapshot option"):
        StreamSnapshotExtension.with_options(metadata_line=True)


@pytest.mark.stream_snapshot(metadata_lines=True, drop_metadata=["ls_model_type"])
def test_graph_metadata_on_its_own_lines(stream_snapshot: SnapshotAssertion) -> None:
    stream = collect_graph_stream(g.agent(), g.AGENT_INPUT, stream_mode="messages")
    assert stream == stream_snapshot
