"""check_event_stream accepts real streams and names the event that breaks a rule."""

from __future__ import annotations

import asyncio
import copy
import warnings
from typing import Any

import pytest
from langchain_core._api import LangChainDeprecationWarning
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda, RunnableParallel
from langchain_core.tools import tool

from assertions import (
    StreamAssertionError,
    acollect_events,
    check_event_stream,
    encode_sse,
    parse_sse,
)
from fakes import FakeChatModel, Fault, Response, ServerError
from tests.assertions import scenarios as s
from tests.assertions.timeline.test_determinism import SCENARIOS


@pytest.mark.parametrize("name", SCENARIOS)
async def test_every_scenario_stream_passes(name: str) -> None:
    make, given = SCENARIOS[name]
    check_event_stream(await acollect_events(make(), given))


async def joke_events() -> list[dict[str, Any]]:
    return list(await acollect_events(s.joke_chain(), {"topic": "parrot"}))


def index_of(events: list[dict[str, Any]], event: str, name: str | None = None) -> int:
    return next(
        i for i, e in enumerate(events) if e["event"] == event and name in (None, e["name"])
    )


def check_fails(events: list[dict[str, Any]], message: str) -> str:
    with pytest.raises(StreamAssertionError) as raised:
        check_event_stream(events)
    assert str(raised.value).startswith(message), str(raised.value)
    return str(raised.value)


async def test_a_run_that_never_ends() -> None:
    events = await joke_events()
    events.pop()  # the chain's end
    check_fails(events, "event 0 (on_chain_start of 'RunnableSequence', run0): this run never ends")


async def test_a_parent_that_ends_before_its_child() -> None:
    events = await joke_events()
    end = events.pop(index_of(events, "on_parser_end"))
    events.append(end)
    check_fails(
        events,
        "event 63 (on_chain_end of 'RunnableSequence', run0): the run ends before its child "
        "run3 ('StrOutputParser') ended",
    )


async def test_a_run_whose_name_changes() -> None:
    events = await joke_events()
    events[index_of(events, "on_chat_model_end")]["name"] = "Other"
    message = check_fails(
        events, "event 62 (on_chat_model_end of 'Other', run2): the run's name changed"
    )
    assert "expected: 'FakeChatModel'\n  got:      'Other'" in message


async def test_parent_ids_that_skip_a_level() -> None:
    events = await joke_events()
    start = index_of(events, "on_prompt_start")
    for event in events:
        if event["run_id"] == events[start]["run_id"]:
            event["parent_ids"] = ["00000000-0000-0000-0000-000000000000", *event["parent_ids"]]
    check_fails(
        events,
        "event 1 (on_prompt_start of 'ChatPromptTemplate', run2): parent_ids do not follow the tree",
    )


async def test_a_tag_that_is_not_inherited() -> None:
    events = list(await acollect_events(s.named_json_chain(), s.COUNTRIES_PROMPT))
    for event in events:
        if event["name"] == "my_parser":
            event["tags"] = [t for t in event["tags"] if t != "my_chain"]
    check_fails(
        events,
        "event 3 (on_parser_start of 'my_parser', run2): tags ['my_chain'] of the parent are not inherited",
    )


async def test_chunks_that_do_not_add_up() -> None:
    events = await joke_events()
    stream = index_of(events, "on_chat_model_stream")
    events[stream] = copy.deepcopy(events[stream])
    events[stream]["data"]["chunk"].content = "How"
    message = check_fails(
        events,
        "event 62 (on_chat_model_end of 'FakeChatModel', run2): the streamed chunks do not add "
        "up to the output's content",
    )
    assert "got:      'How did the parrot" in message


async def test_usage_reported_twice() -> None:
    events = await joke_events()
    stream = index_of(events, "on_chat_model_stream")
    events[stream] = copy.deepcopy(events[stream])
    events[stream]["data"]["chunk"].usage_metadata = {
        "input_tokens": 1,
        "output_tokens": 1,
        "total_tokens": 2,
    }
    check_fails(
        events,
        "event 62 (on_chat_model_end of 'FakeChatModel', run2): usage input_tokens is reported on chunks [0, 18]: chunks add up, so it is counted more than once",
    )


async def test_a_last_chunk_that_is_not_the_final_one() -> None:
    events = await joke_events()
    stream = index_of(events, "on_chat_model_stream")
    events[stream] = copy.deepcopy(events[stream])
    events[stream]["data"]["chunk"].chunk_position = "last"
    check_fails(
        events,
        "event 62 (on_chat_model_end of 'FakeChatModel', run2): more than one chunk is marked",
    )


async def test_an_event_after_the_end() -> None:
    events = await joke_events()
    stream = index_of(events, "on_parser_stream")
    events.insert(index_of(events, "on_parser_end") + 1, events[stream])
    check_fails(
        events,
        "event 64 (on_parser_stream of 'StrOutputParser', run3): an event after the run ended",
    )


async def test_a_stream_event_before_the_start() -> None:
    events = await joke_events()
    del events[index_of(events, "on_parser_start")]
    check_fails(
        events,
        "event 5 (on_parser_stream of 'StrOutputParser', run3): the run's first event is not its start",
    )


# -- legitimate shapes the rules must accept ---------------------------------------------


def _boom(text: str) -> str:
    raise ValueError("boom")


@tool
def lookup(query: str) -> str:
    """Look something up."""
    return f"found {query}"


@tool
def failing_lookup(query: str) -> str:
    """Look something up, and fail."""
    raise ValueError("down")


class Flaky:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, text: str) -> str:
        self.calls += 1
        if self.calls == 1:
            raise ValueError("first attempt fails")
        return text


def _invoke_with_retry(text: str) -> str:
    retrying = RunnableLambda(Flaky()).with_retry(
        stop_after_attempt=2, wait_exponential_jitter=False
    )
    return str(retrying.invoke(text))


SHAPES = {
    "fallback after a failing function": lambda: RunnableLambda(_boom).with_fallbacks(
        [s.chat_model("fallback") | StrOutputParser()]
    ),
    "fallback after a failing model": lambda: FakeChatModel(responses=[Fault()]).with_fallbacks(
        [s.chat_model("fallback")]
    ),
    # Retries happen inside invoke (not in streams): a step that invokes a retrying one.
    "retry": lambda: (
        RunnableLambda(_invoke_with_retry).with_config(run_name="outer") | s.chat_model("ok")
    ),
    "failing tool with fallback": lambda: failing_lookup.with_fallbacks([lookup]),
    "parallel": lambda: RunnableParallel(a=s.chat_model("x"), b=s.chat_model("y")),
}


@pytest.mark.parametrize("name", SHAPES)
async def test_legitimate_streams_pass(name: str) -> None:
    given: Any = {"query": "weather"} if "tool" in name else "question"
    check_event_stream(await acollect_events(SHAPES[name](), given))


async def test_a_tools_own_tags_are_not_expected_on_its_children() -> None:
    model = s.chat_model("inner answer")

    @tool
    def ask(query: str) -> str:
        """Ask the model."""
        return str(model.invoke(query).content)

    ask.tags = ["toolTag"]
    check_event_stream(await acollect_events(ask, {"query": "hi"}))


async def test_filtered_custom_events_pass() -> None:
    events = await acollect_events(s.custom_events_chain(), "hi", include_names=["progress"])
    assert len(events) == 2
    check_event_stream(events)


async def test_v1_events_pass() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LangChainDeprecationWarning)
        events = await acollect_events(s.joke_chain(), {"topic": "parrot"}, version="v1")
    check_event_stream(events)


async def test_events_parsed_from_the_wire_pass() -> None:
    events = await acollect_events(s.joke_chain(), {"topic": "parrot"})
    check_event_stream(parse_sse(encode_sse(events)))


def test_split_usage_passes_and_double_usage_fails() -> None:
    from langchain_core.messages import AIMessageChunk

    first = AIMessageChunk(
        content="a", usage_metadata={"input_tokens": 9, "output_tokens": 0, "total_tokens": 9}
    )
    last = AIMessageChunk(
        content=" b",
        chunk_position="last",
        usage_metadata={"input_tokens": 0, "output_tokens": 2, "total_tokens": 2},
    )
    events = [
        {
            "event": "on_chat_model_start",
            "run_id": "m",
            "name": "M",
            "parent_ids": [],
            "tags": [],
            "data": {},
        },
        {
            "event": "on_chat_model_stream",
            "run_id": "m",
            "name": "M",
            "parent_ids": [],
            "tags": [],
            "data": {"chunk": first},
        },
        {
            "event": "on_chat_model_stream",
            "run_id": "m",
            "name": "M",
            "parent_ids": [],
            "tags": [],
            "data": {"chunk": last},
        },
        {
            "event": "on_chat_model_end",
            "run_id": "m",
            "name": "M",
            "parent_ids": [],
            "tags": [],
            "data": {"output": first + last},
        },
    ]
    check_event_stream(events)


async def test_a_parent_that_starts_after_its_child_is_caught() -> None:
    events = await joke_events()
    prompt_start = events.pop(index_of(events, "on_prompt_start"))
    events.insert(0, prompt_start)
    check_fails(
        events,
        "event 1 (on_chain_start of 'RunnableSequence', run0): the run starts after its child run1",
    )


async def test_a_model_that_streams_and_never_ends_inside_a_chain_that_completes() -> None:
    # The parser starts after the model: a later sibling, but the next step, not a
    # replacement, so the model's missing end is a real fault.
    events = await joke_events()
    events.pop(index_of(events, "on_chat_model_end"))
    message = check_fails(
        events,
        "event 63 (on_chain_end of 'RunnableSequence', run0): the run ends before its child "
        "run2 ('FakeChatModel') ended; the child never ends after streaming 19 chunk(s). "
        "A run may lack its end only where the stream itself ended in an error (then pass "
        "ended_in_error=True",
    )
    assert "no later run of the same kind under the same parent took over" in message


async def test_a_run_that_never_ends_under_a_filtered_parent_names_the_run_above() -> None:
    # The sequence is filtered out: the model's missing end is reported at its start.
    events = list(await acollect_events(s.joke_chain(), {"topic": "parrot"}))
    events = [e for e in events if e["event"] != "on_chat_model_end"]
    kept = [e for e in events if e["name"] != "RunnableSequence"]
    message = check_fails(kept, "event 2 (on_chat_model_start of 'FakeChatModel', run2): ")
    assert "this run never ends (no *_end or *_error event) after streaming 19 chunk(s)" in message


def _events_until_error(chain: Any, given: Any) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []

    async def run() -> None:
        async for event in chain.astream_events(given, version="v2"):
            events.append(dict(event))

    with pytest.raises(ServerError):
        asyncio.run(run())
    return events


def test_a_stream_that_ended_in_an_error_passes_when_said_so() -> None:
    broken = FakeChatModel(responses=[Response(text="a b c d", fault=Fault(after_chunks=2))])
    chain = ChatPromptTemplate.from_template("Tell me a joke about {topic}") | broken
    events = _events_until_error(chain | StrOutputParser(), {"topic": "parrot"})
    assert not any(e["event"].endswith("_end") and not e["parent_ids"] for e in events)
    check_event_stream(events, ended_in_error=True)
    check_fails(events, "event 0 (on_chain_start of 'RunnableSequence', run0): this run never ends")


def _model_events(*chunks: Any) -> list[dict[str, Any]]:
    base = {"run_id": "m", "name": "M", "parent_ids": [], "tags": []}
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    return [
        {**base, "event": "on_chat_model_start", "data": {}},
        *({**base, "event": "on_chat_model_stream", "data": {"chunk": c}} for c in chunks),
        {**base, "event": "on_chat_model_end", "data": {"output": total}},
    ]


def _usage(input_tokens: int, output_tokens: int, total_tokens: int) -> Any:
    return {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "total_tokens": total_tokens,
    }


def test_output_token_deltas_on_many_chunks_pass_as_langchain_judges_them() -> None:
    from langchain_core.messages import AIMessageChunk

    # Running totals (in 9; out 1, 2, 3) turned into deltas, as ChatPerplexity does.
    chunks = [
        AIMessageChunk(content="a", usage_metadata=_usage(9, 1, 10)),
        AIMessageChunk(content="b", usage_metadata=_usage(0, 1, 1)),
        AIMessageChunk(content="c", usage_metadata=_usage(0, 1, 1), chunk_position="last"),
    ]
    check_event_stream(_model_events(*chunks))


def test_input_tokens_on_two_chunks_fail() -> None:
    from langchain_core.messages import AIMessageChunk

    chunks = [
        AIMessageChunk(content="a", usage_metadata=_usage(9, 1, 10)),
        AIMessageChunk(content="b", usage_metadata=_usage(9, 2, 11)),
    ]
    check_fails(
        _model_events(*chunks),
        "event 3 (on_chat_model_end of 'M', run0): usage input_tokens is reported on chunks "
        "[0, 1]: chunks add up, so it is counted more than once",
    )


def test_usage_whose_totals_do_not_add_up_fails() -> None:
    from langchain_core.messages import AIMessageChunk

    # Running totals left as they are on total_tokens only.
    chunks = [
        AIMessageChunk(content="a", usage_metadata=_usage(9, 1, 10)),
        AIMessageChunk(content="b", usage_metadata=_usage(0, 1, 11)),
    ]
    message = check_fails(
        _model_events(*chunks),
        "event 3 (on_chat_model_end of 'M', run0): the chunks' usage does not add up",
    )
    assert message.endswith("\n  expected: 11\n  got:      21")
