"""FakeLLM: the same scripting for plain strings, streamed through _stream/_astream."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from langchain_core.callbacks import BaseCallbackHandler

from fakes import FakeLLM, Fault, Latency, Response, ScriptError, ScriptExhaustedError, ToolCall


def test_streams_strings_token_by_token() -> None:
    llm = FakeLLM(responses=["Sparkling water, oh so clear"])
    assert list(llm.stream("song")) == ["Sparkling", " water", ",", " oh", " so", " clear"]
    assert llm.calls[0].method == "stream" and llm.calls[0].input == "song"


async def test_astream_fires_on_llm_stream_events() -> None:
    llm = FakeLLM(responses=["ab cd"], model_name="fake-instruct")
    events = [e async for e in llm.astream_events("x", version="v2")]
    assert [(e["event"], e["data"].get("chunk")) for e in events] == [
        ("on_llm_start", None),
        ("on_llm_stream", "ab"),
        ("on_llm_stream", " cd"),
        ("on_llm_end", None),
    ]
    assert events[0]["metadata"]["ls_model_name"] == "fake-instruct"
    assert events[0]["metadata"]["ls_model_type"] == "llm"


def test_stream_fires_on_llm_new_token_callbacks() -> None:
    tokens: list[str] = []

    class Spy(BaseCallbackHandler):
        def on_llm_new_token(self, token, **kwargs):  # type: ignore[no-untyped-def]
            tokens.append(token)

    list(FakeLLM(responses=["a b c"]).stream("x", {"callbacks": [Spy()]}))
    assert tokens == ["a", " b", " c"]


@given(text=st.text(max_size=30))
def test_invoke_equals_the_joined_stream(text: str) -> None:
    streamed = "".join(FakeLLM(responses=[text]).stream("x"))
    assert streamed == text == FakeLLM(responses=[text]).invoke("x")


def test_generate_reports_usage_and_finish_reason() -> None:
    result = FakeLLM(responses=[Response(text="a b", usage={"input_tokens": 7})]).generate(["x y"])
    assert result.llm_output == {
        "token_usage": {"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9},
        "model_name": "fake-model",
    }
    assert result.generations[0][0].generation_info == {
        "finish_reason": "stop",
        "model_name": "fake-model",
    }


@pytest.mark.parametrize("max_concurrency", [None, 2])
async def test_batch_and_abatch_keep_input_order(max_concurrency: int | None) -> None:
    config = {"max_concurrency": max_concurrency}
    llm = FakeLLM(responses=[str(i) for i in range(8)])
    assert llm.batch(["a", "b", "c", "d"], config) == ["0", "1", "2", "3"]
    assert await llm.abatch(["e", "f", "g", "h"], config) == ["4", "5", "6", "7"]
    assert [c.input for c in llm.calls] == list("abcdefgh")


def test_faults_and_latency_work_as_for_chat_models() -> None:
    llm = FakeLLM(
        responses=[
            Response(text="a b c", fault=Fault(after_chunks=1, error=ConnectionError("dropped")))
        ],
        latency=Latency(ttft=0.5, per_chunk=0.25),
    )
    received = []
    with pytest.raises(ConnectionError):
        for chunk in llm.stream("x"):
            received.append(chunk)
    assert received == ["a"]
    assert llm.calls[0].ttft == 0.5 and llm.calls[0].duration == 0.75


def test_an_llm_has_no_tool_calls() -> None:
    with pytest.raises(
        ScriptError, match=r"responses\[0\]\.tool_calls: an LLM streams plain strings"
    ):
        FakeLLM(responses=[Response(tool_calls=[ToolCall("f", {})])])


def test_stop_sequences_end_the_text() -> None:
    llm = FakeLLM(responses=["one, two, three"], cycle=True)
    assert llm.invoke("x", stop=[", t"]) == "one"
    # The token ' three' is cut where the stop sequence starts, leaving its space.
    assert list(llm.stream("x", stop=["three"])) == ["one", ",", " two", ",", " "]


@given(text=st.text(max_size=30), split=st.sampled_from(["words", "chars", 2]))
def test_sync_and_async_streams_are_identical(text: str, split: str) -> None:
    import asyncio

    llm = FakeLLM(responses=[text], split=split, cycle=True)

    async def collect() -> list[str]:
        return [chunk async for chunk in llm.astream("x")]

    assert asyncio.run(collect()) == list(llm.stream("x"))


async def test_batch_with_return_exceptions_gives_each_prompt_its_own_result() -> None:
    llm = FakeLLM(responses=["a", "b"])
    first, second, third = llm.batch(["1", "2", "3"], return_exceptions=True)
    assert (first, second) == ("a", "b")
    assert isinstance(third, ScriptExhaustedError)
    llm = FakeLLM(responses=["a", Fault(error=TimeoutError("slow")), "c"])
    results = await llm.abatch(["1", "2", "3"], return_exceptions=True)
    assert results[0] == "a" and isinstance(results[1], TimeoutError) and results[2] == "c"


async def test_closing_an_async_llm_stream_is_recorded_at_once() -> None:
    import contextlib

    llm = FakeLLM(responses=["a b c"])
    async with contextlib.aclosing(llm.astream("x")) as stream:
        async for _chunk in stream:
            break
    assert llm.calls[0].closed_early


def test_an_empty_llm_response_counts_no_output_tokens() -> None:
    result = FakeLLM(responses=[""]).generate(["x"])
    assert result.llm_output is not None
    assert result.llm_output["token_usage"]["completion_tokens"] == 0
