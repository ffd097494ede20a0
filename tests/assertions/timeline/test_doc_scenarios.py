"""Every scenario of the streaming docs (shared/seeds), streamed on the fakes and snapshotted."""

from __future__ import annotations

import warnings
from importlib.metadata import version

import pytest
from langchain_core._api import LangChainDeprecationWarning
from packaging.version import Version
from syrupy.assertion import SnapshotAssertion

from assertions import acollect_chunks, acollect_events, acollect_log, collect_chunks
from tests.assertions import scenarios as s


def test_chat_model_stream(stream_snapshot: SnapshotAssertion) -> None:
    assert collect_chunks(s.chat_model(s.SONG), s.SONG_PROMPT) == stream_snapshot


async def test_chat_model_astream(stream_snapshot: SnapshotAssertion) -> None:
    assert await acollect_chunks(s.chat_model(s.SONG), s.SONG_PROMPT) == stream_snapshot


async def test_chat_model_events(stream_snapshot: SnapshotAssertion) -> None:
    assert await acollect_events(s.chat_model(s.SONG), s.SONG_PROMPT) == stream_snapshot


def test_llm_stream(stream_snapshot: SnapshotAssertion) -> None:
    assert (
        collect_chunks(s.llm(), "Write me a 1 verse song about sparkling water.") == stream_snapshot
    )


async def test_llm_events(stream_snapshot: SnapshotAssertion) -> None:
    assert await acollect_events(s.llm(), "Write me a song.") == stream_snapshot


def test_prompt_model_parser_stream(stream_snapshot: SnapshotAssertion) -> None:
    assert collect_chunks(s.joke_chain(), {"topic": "parrot"}) == stream_snapshot


async def test_prompt_model_parser_events(stream_snapshot: SnapshotAssertion) -> None:
    assert await acollect_events(s.joke_chain(), {"topic": "parrot"}) == stream_snapshot


def test_json_parser_streams_partial_objects(stream_snapshot: SnapshotAssertion) -> None:
    assert collect_chunks(s.json_chain(), s.COUNTRIES_PROMPT) == stream_snapshot


def test_a_function_on_finalized_input_breaks_stream(stream_snapshot: SnapshotAssertion) -> None:
    chunks = collect_chunks(s.json_chain_with_function(), s.COUNTRIES_PROMPT)
    assert list(chunks) == [["France", "Spain", "Japan"]]
    assert chunks == stream_snapshot


async def test_events_still_stream_through_a_function_on_finalized_input(
    stream_snapshot: SnapshotAssertion,
) -> None:
    events = await acollect_events(s.json_chain_with_function(), s.COUNTRIES_PROMPT)
    assert [e["event"] for e in events].count("on_parser_stream") > 1
    assert events == stream_snapshot


def test_a_retriever_yields_one_chunk(stream_snapshot: SnapshotAssertion) -> None:
    chunks = collect_chunks(s.retriever(), "What is the powerhouse of the cell?")
    assert len(chunks) == 1
    assert chunks == stream_snapshot


def test_retrieval_chain_streams_after_the_retriever(stream_snapshot: SnapshotAssertion) -> None:
    assert (
        collect_chunks(s.retrieval_chain(), "What is the powerhouse of the cell?")
        == stream_snapshot
    )


async def test_retrieval_chain_events(stream_snapshot: SnapshotAssertion) -> None:
    events = await acollect_events(s.retrieval_chain(), "What is the powerhouse of the cell?")
    assert events == stream_snapshot


async def test_filter_events_by_name(stream_snapshot: SnapshotAssertion) -> None:
    events = await acollect_events(
        s.named_json_chain(), s.COUNTRIES_PROMPT, include_names=["my_parser"]
    )
    assert {e["name"] for e in events} == {"my_parser"}
    assert events == stream_snapshot


async def test_filter_events_by_type(stream_snapshot: SnapshotAssertion) -> None:
    events = await acollect_events(
        s.named_json_chain(), s.COUNTRIES_PROMPT, include_types=["chat_model"]
    )
    assert {e["event"] for e in events} <= {
        "on_chat_model_start",
        "on_chat_model_stream",
        "on_chat_model_end",
    }
    assert events == stream_snapshot


async def test_filter_events_by_tags_includes_children(stream_snapshot: SnapshotAssertion) -> None:
    events = await acollect_events(
        s.named_json_chain(), s.COUNTRIES_PROMPT, include_tags=["my_chain"]
    )
    # Tags are inherited: the model and the parser carry the chain's tag too.
    assert {e["name"] for e in events} == {"RunnableSequence", "model", "my_parser"}
    assert all("my_chain" in e["tags"] for e in events)
    assert events == stream_snapshot


async def test_custom_events(stream_snapshot: SnapshotAssertion) -> None:
    events = await acollect_events(s.custom_events_chain(), "hello")
    assert [e["event"] for e in events].count("on_custom_event") == 2
    assert events == stream_snapshot


async def test_tool_call_events_in_the_structured_form(
    stream_json_snapshot: SnapshotAssertion,
) -> None:
    from fakes import Response, ToolCall

    model = s.chat_model(
        Response(text="Let me check.", tool_calls=[ToolCall("get_weather", {"city": "Paris"})])
    )
    assert await acollect_events(model, "Weather in Paris?") == stream_json_snapshot


# The v3 protocol is a beta: its events changed between 1.4 and 1.7, and this snapshot
# pins the 1.7 form.
@pytest.mark.skipif(
    Version(version("langchain-core")) < Version("1.7"),
    reason="the v3 content-block protocol this snapshot pins is langchain-core 1.7's",
)
async def test_chat_model_content_block_events_v3(stream_snapshot: SnapshotAssertion) -> None:
    from fakes import Response, ToolCall

    model = s.chat_model(
        Response(reasoning="The user asks.", text="Checking.", tool_calls=[ToolCall("f", {"a": 1})])
    )
    events = await acollect_events(model, "hi", version="v3")
    assert events[0]["event"] == "message-start"
    assert events == stream_snapshot


async def test_prompt_model_parser_events_v1(stream_snapshot: SnapshotAssertion) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LangChainDeprecationWarning)  # v1 is deprecated
        events = await acollect_events(s.joke_chain(), {"topic": "parrot"}, version="v1")
    assert events == stream_snapshot


async def test_prompt_model_parser_log(stream_snapshot: SnapshotAssertion) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LangChainDeprecationWarning)  # astream_log too
        log = await acollect_log(s.joke_chain(), {"topic": "parrot"})
    assert log == stream_snapshot
