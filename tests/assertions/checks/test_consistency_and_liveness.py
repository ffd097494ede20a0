"""assert_stream_consistent and assert_streams_live, on healthy and broken chains."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from langchain_core.output_parsers import JsonOutputParser, StrOutputParser
from langchain_core.runnables import (
    RunnableGenerator,
    RunnableLambda,
    RunnableParallel,
    RunnablePassthrough,
)

from assertions import StreamAssertionError, assert_stream_consistent, assert_streams_live
from fakes import FakeChatModel, FakeLLM, NonStreamingFakeChatModel, Response, ToolCall
from tests.assertions import scenarios as s


@pytest.mark.parametrize(
    "make",
    [
        lambda: s.chat_model(s.SONG, cycle=True),
        lambda: FakeLLM(responses=[s.SPARKLING], cycle=True),
        lambda: s.chat_model(s.JOKE, cycle=True) | StrOutputParser(),
        lambda: s.chat_model(s.COUNTRIES, cycle=True) | JsonOutputParser(),
        lambda: FakeChatModel(
            responses=[Response(text="Let me check.", tool_calls=[ToolCall("f", {"a": 1})])],
            cycle=True,
        ),
    ],
    ids=["chat model", "llm", "str parser", "json parser", "tool call"],
)
def test_healthy_runnables_are_consistent(make: Any) -> None:
    assert_stream_consistent(make(), "question")


def test_a_stream_that_differs_from_invoke_is_caught() -> None:
    # A model whose stream says one thing and invoke another (here: two responses).
    model = FakeChatModel(responses=["streamed answer", "invoked answer"], cycle=True)
    with pytest.raises(StreamAssertionError) as raised:
        assert_stream_consistent(model, "x")
    assert str(raised.value) == (
        "astream: the 2 chunks do not add up to invoke's output\n"
        "  chunks add up to: {'content': 'invoked answer', 'tool_calls': [], 'usage_metadata': "
        "{'input_tokens': 1, 'output_tokens': 2, 'total_tokens': 3}}\n"
        "  invoke returned:  {'content': 'streamed answer', 'tool_calls': [], 'usage_metadata': "
        "{'input_tokens': 1, 'output_tokens': 2, 'total_tokens': 3}}"
    )


def _shrinking(chunks: Iterator[Any]) -> Iterator[Any]:
    yield {"a": [1, 2]}
    yield {"a": [1]}


async def _ashrinking(chunks: AsyncIterator[Any]) -> AsyncIterator[Any]:
    for chunk in _shrinking(iter(())):
        yield chunk


def test_a_partial_object_that_shrinks_is_caught() -> None:
    chain = FakeChatModel(responses=["x"], cycle=True) | RunnableGenerator(_shrinking, _ashrinking)
    with pytest.raises(
        StreamAssertionError, match=re.escape("stream: chunk 1 does not extend the one before it")
    ):
        assert_stream_consistent(chain, "x")


def test_a_chain_that_streams_is_live() -> None:
    assert_streams_live(s.joke_chain(), {"topic": "parrot"})
    assert_streams_live(s.json_chain(), s.COUNTRIES_PROMPT)
    assert_streams_live(s.retrieval_chain(), "What is the powerhouse of the cell?")


def test_the_failure_names_the_step_that_buffers() -> None:
    with pytest.raises(StreamAssertionError) as raised:
        assert_streams_live(s.json_chain_with_function(), s.COUNTRIES_PROMPT)
    assert str(raised.value) == (
        "the output does not stream: the first chunk reaches the consumer at event 56, after "
        "the model 'FakeChatModel' emitted its last token (event 52).\n"
        "The step that buffers: '_extract_country_names' (seq:step:3, first output at event 55): "
        "it works on its finalised input. Make it a generator over its input stream, or move it "
        "after the streaming steps."
    )


def test_a_buffering_step_inside_a_nested_chain_is_named() -> None:
    inner = JsonOutputParser() | RunnableLambda(lambda d: d).with_config(run_name="collect_all")
    chain = s.chat_model(s.COUNTRIES) | inner.with_config(run_name="post_process")
    with pytest.raises(StreamAssertionError, match="The step that buffers: 'collect_all' "):
        assert_streams_live(chain, "x")


def test_a_model_that_does_not_stream_is_named() -> None:
    chain = NonStreamingFakeChatModel(responses=["a b c"]) | StrOutputParser()
    with pytest.raises(StreamAssertionError) as raised:
        assert_streams_live(chain, "x")
    assert str(raised.value) == (
        "the model 'NonStreamingFakeChatModel' streamed no tokens: it does not stream token by "
        "token (only _generate), so nothing after it can stream"
    )


def _parallel() -> Any:
    return RunnableParallel(a=s.chat_model("x", cycle=True), b=s.chat_model("y z", cycle=True))


def _assign() -> Any:
    answer = RunnableLambda(lambda d: d["q"]) | s.chat_model("x y", cycle=True) | StrOutputParser()
    return RunnablePassthrough.assign(answer=answer)


def _json_patches() -> Any:
    return s.chat_model(s.COUNTRIES, cycle=True) | JsonOutputParser(diff=True)


@pytest.mark.parametrize(
    ("make", "given"),
    [(_parallel, "question"), (_assign, {"q": "question"}), (_json_patches, "question")],
    ids=["parallel", "assign", "json patches"],
)
def test_chunks_that_add_up_in_other_ways_are_consistent(make: Any, given: Any) -> None:
    assert_stream_consistent(make(), given)


async def test_consistency_refuses_a_running_loop_with_the_fix() -> None:
    from assertions import AssertionsError

    with pytest.raises(
        AssertionsError, match=r"assert_stream_consistent\(\) runs its own event loop"
    ):
        assert_stream_consistent(s.chat_model("x", cycle=True), "q")


def test_a_prompt_in_front_is_not_blamed() -> None:
    from langchain_core.prompts import ChatPromptTemplate

    chain = (
        ChatPromptTemplate.from_template("{q}")
        | s.chat_model(s.COUNTRIES)
        | JsonOutputParser()
        | RunnableLambda(s._extract_country_names)
    )
    with pytest.raises(
        StreamAssertionError, match="The step that buffers: '_extract_country_names' "
    ):
        assert_streams_live(chain, {"q": "countries"})


def test_a_one_token_answer_says_to_script_a_longer_one() -> None:
    with pytest.raises(StreamAssertionError, match=r"script a longer response"):
        assert_streams_live(s.chat_model("Yes") | StrOutputParser(), "x")


async def test_v3_takes_no_filters() -> None:
    from assertions import AssertionsError, acollect_events

    with pytest.raises(
        AssertionsError,
        match=r"version='v3' takes no include_/exclude_ filters \(got \['include_names'\]\)",
    ):
        await acollect_events(s.chat_model("x"), "hi", version="v3", include_names=["x"])
