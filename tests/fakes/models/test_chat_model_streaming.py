"""FakeChatModel streams the whole message shape, and invoke is the sum of the stream."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk

from fakes import FakeChatModel, Response, ToolCall
from tests.conftest import total


def test_streams_text_token_by_token_and_marks_the_last_chunk() -> None:
    model = FakeChatModel(responses=["Swimming in a world of silver beams"], model_name="fake-gpt")
    chunks = list(model.stream("Write me a song"))
    assert [c.content for c in chunks] == [
        "Swimming",
        " in",
        " a",
        " world",
        " of",
        " silver",
        " beams",
    ]
    assert [c.chunk_position for c in chunks] == [None] * 6 + ["last"]
    assert {c.id for c in chunks} == {"msg-0000"}
    last = chunks[-1]
    assert last.response_metadata == {
        "finish_reason": "stop",
        "model_name": "fake-gpt",
    }
    assert last.usage_metadata == {"input_tokens": 4, "output_tokens": 7, "total_tokens": 11}
    assert [c.usage_metadata for c in chunks[:-1]] == [None] * 6


def test_explicit_chunks_stream_exactly() -> None:
    model = FakeChatModel(responses=[Response(chunks=["Sw", "imming", " in"])])
    assert [c.content for c in model.stream("hi")] == ["Sw", "imming", " in"]


def test_message_ids_are_deterministic_per_call_and_scriptable() -> None:
    model = FakeChatModel(responses=["a", Response(text="b", id="chatcmpl-42")])
    assert model.invoke("x").id == "msg-0000"
    assert model.invoke("x").id == "chatcmpl-42"


def test_tool_calls_stream_as_fragments_that_add_up() -> None:
    call = ToolCall("get_weather", {"city": "Paris"}, id="call_1", fragments=3)
    model = FakeChatModel(responses=[Response(text="Let me check.", tool_calls=[call])])
    chunks = list(model.stream("weather?"))
    fragments = [c.tool_call_chunks[0] for c in chunks if c.tool_call_chunks]
    assert [f["args"] for f in fragments] == ['{"city', '":"Pa', 'ris"}']
    assert [f["name"] for f in fragments] == ["get_weather", None, None]
    assert [f["id"] for f in fragments] == ["call_1", None, None]
    message = total(chunks)
    assert message.tool_calls == [
        {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1", "type": "tool_call"}
    ]
    assert message.content == "Let me check."
    assert message.response_metadata["finish_reason"] == "tool_calls"


def test_parallel_tool_calls_keep_their_own_index_and_default_ids() -> None:
    calls = [ToolCall("search", {"q": "a"}), ToolCall("search", {"q": "b"})]
    model = FakeChatModel(responses=[Response(tool_calls=calls)], cycle=True)
    message = model.invoke("x")
    assert [(c["name"], c["args"], c["id"]) for c in message.tool_calls] == [
        ("search", {"q": "a"}, "call_0_0"),
        ("search", {"q": "b"}, "call_0_1"),
    ]
    indexes = [c.tool_call_chunks[0]["index"] for c in model.stream("x") if c.tool_call_chunks]
    assert indexes == sorted(indexes) and set(indexes) == {0, 1}


def test_invalid_tool_call_json_becomes_an_invalid_tool_call() -> None:
    # Partial JSON that LangChain can complete ('{"city": "Par') still parses; this cannot.
    broken = ToolCall("get_weather", raw_args='{"city": Paris}', id="call_9")
    message = FakeChatModel(responses=[Response(tool_calls=[broken])]).invoke("x")
    assert message.tool_calls == []
    assert [(c["name"], c["args"], c["id"]) for c in message.invalid_tool_calls] == [
        ("get_weather", '{"city": Paris}', "call_9")
    ]


def test_scripted_usage_fills_in_the_total() -> None:
    model = FakeChatModel(
        responses=[Response(text="hi", usage={"input_tokens": 12, "output_tokens": 5})]
    )
    assert model.invoke("x").usage_metadata == {
        "input_tokens": 12,
        "output_tokens": 5,
        "total_tokens": 17,
    }


def test_usage_can_be_switched_off() -> None:
    model = FakeChatModel(responses=["hi there"], report_usage=False)
    assert all(c.usage_metadata is None for c in model.stream("x"))


def test_scripted_usage_only_does_not_count_the_prompt() -> None:
    model = FakeChatModel(
        responses=["hi there", Response(text="hi", usage={"output_tokens": 7})],
        report_usage="scripted",
    )
    assert all(c.usage_metadata is None for c in model.stream("a long prompt, counted"))
    usage = [c.usage_metadata for c in model.stream("another prompt") if c.usage_metadata]
    assert usage == [{"input_tokens": 0, "output_tokens": 7, "total_tokens": 7}]


def test_reasoning_streams_first_as_content_blocks() -> None:
    model = FakeChatModel(responses=[Response(reasoning="Think hard.", text="42")])
    chunks = list(model.stream("x"))
    assert chunks[0].content == [{"type": "reasoning", "reasoning": "Think", "index": 0}]
    message = total(chunks)
    assert message.content == [
        {"type": "reasoning", "reasoning": "Think hard.", "index": 0},
        {"type": "text", "text": "42", "index": 1},
    ]
    assert [b["type"] for b in message.content_blocks] == ["reasoning", "text"]
    assert message.text == "42"


def test_reasoning_in_text_mode_goes_to_reasoning_content() -> None:
    model = FakeChatModel(responses=[Response(reasoning="Hmm.", text="ok", content_format="text")])
    message = model.invoke("x")
    assert message.content == "ok"
    assert message.additional_kwargs == {"reasoning_content": "Hmm."}


def test_text_as_content_blocks() -> None:
    model = FakeChatModel(responses=[Response(text="a b", content_format="blocks")])
    assert model.invoke("x").content == [{"type": "text", "text": "a b", "index": 0}]


def test_an_empty_response_is_one_last_chunk() -> None:
    chunks = list(FakeChatModel(responses=[""]).stream("x"))
    assert len(chunks) == 1
    assert chunks[0].content == "" and chunks[0].chunk_position == "last"


async def test_ls_metadata_looks_like_a_real_integration() -> None:
    model = FakeChatModel(
        responses=["hi"], model_name="fake-gpt", provider="openai", temperature=0.2
    )
    events = [e async for e in model.astream_events("x", version="v2")]
    metadata = events[0]["metadata"]
    assert {k: v for k, v in metadata.items() if k.startswith("ls_")} | {
        "ls_integration": "langchain_chat_model"  # newer cores add it; older ones did not
    } == {
        "ls_provider": "openai",
        "ls_model_type": "chat",
        "ls_model_name": "fake-gpt",
        "ls_temperature": 0.2,
        "ls_integration": "langchain_chat_model",
    }


async def test_astream_is_native_with_no_thread_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    import langchain_core.language_models.chat_models as chat_models

    def no_threads(*args: object, **kwargs: object) -> None:
        raise AssertionError("astream went through run_in_executor")

    monkeypatch.setattr(chat_models, "run_in_executor", no_threads)
    model = FakeChatModel(responses=["a b c", "d e"])
    assert [c.content async for c in model.astream("x")] == ["a", " b", " c"]
    assert (await model.ainvoke("x")).content == "d e"
    assert type(model)._astream is not BaseChatModel._astream


# -- laws over every response shape ---------------------------------------------------

texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
tool_calls = st.builds(
    ToolCall,
    name=st.sampled_from(["search", "get_weather"]),
    args=st.dictionaries(st.sampled_from(["q", "city", "n"]), st.integers() | texts, max_size=3),
    fragments=st.none() | st.integers(1, 6),
)
responses = st.builds(
    Response,
    text=texts,
    reasoning=st.sampled_from(["", "Let me think."]),
    tool_calls=st.lists(tool_calls, max_size=3),
    content_format=st.sampled_from(["auto", "text", "blocks"]),
)
splits = st.sampled_from(["words", "whitespace", "chars", 3])


def comparable(message: AIMessage | AIMessageChunk) -> dict[str, object]:
    return {
        "id": message.id,
        "content": message.content,
        "tool_calls": message.tool_calls,
        "invalid_tool_calls": message.invalid_tool_calls,
        "usage": message.usage_metadata,
        "metadata": message.response_metadata,
        "additional_kwargs": message.additional_kwargs,
    }


def comparable_chunk(chunk: AIMessageChunk) -> dict[str, object]:
    return {
        **comparable(chunk),
        "chunk_position": chunk.chunk_position,
        "tool_call_chunks": chunk.tool_call_chunks,
    }


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(response=responses, split=splits)
def test_invoke_is_the_sum_of_the_stream(response: Response, split: str) -> None:
    streamed = list(FakeChatModel(responses=[response], split=split).stream("question"))
    invoked = FakeChatModel(responses=[response], split=split).invoke("question")
    assert comparable(total(streamed)) == comparable(invoked)
    assert [c.chunk_position for c in streamed].count("last") == 1
    assert streamed[-1].chunk_position == "last"
    assert sum(c.usage_metadata is not None for c in streamed) == 1
    assert [c["args"] for c in invoked.tool_calls] == [
        dict(c.args or {}) for c in response.tool_calls
    ]


@settings(max_examples=40)
@given(response=responses, split=splits)
def test_sync_and_async_streams_are_identical(response: Response, split: str) -> None:
    import asyncio

    sync = list(FakeChatModel(responses=[response], split=split).stream("question"))
    model = FakeChatModel(responses=[response], split=split)

    async def collect() -> list[AIMessageChunk]:
        return [chunk async for chunk in model.astream("question")]

    assert [comparable_chunk(c) for c in asyncio.run(collect())] == [
        comparable_chunk(c) for c in sync
    ]


def test_text_stops_before_the_first_stop_sequence() -> None:
    model = FakeChatModel(responses=["Hello world. Bye now."], cycle=True)
    chunks = list(model.stream("x", stop=["."]))
    assert [c.content for c in chunks] == ["Hello", " world"]
    assert chunks[-1].chunk_position == "last"
    assert chunks[-1].response_metadata["finish_reason"] == "stop"
    assert model.invoke("x", stop=["Bye", "world"]).content == "Hello "
    assert model.calls[-1].stop == ["Bye", "world"]


@settings(max_examples=40)
@given(response=responses, split=splits, data=st.data())
def test_a_fault_delivers_exactly_a_prefix_of_the_stream(
    response: Response, split: str, data: st.DataObject
) -> None:
    from dataclasses import replace

    from fakes import Fault, ServerError

    whole = list(FakeChatModel(responses=[response], split=split).stream("q"))
    after = data.draw(st.integers(0, len(whole) - 1), label="after_chunks")
    faulty = FakeChatModel(
        responses=[replace(response, fault=Fault(after_chunks=after))], split=split
    )
    received = []
    with pytest.raises(ServerError):
        for chunk in faulty.stream("q"):
            received.append(chunk)
    assert [comparable_chunk(c) for c in received] == [comparable_chunk(c) for c in whole[:after]]
    assert faulty.calls[0].chunks == received


@pytest.mark.skipif(
    not hasattr(BaseChatModel, "stream_events"), reason="stream_events arrived in core 1.4"
)
@settings(max_examples=40)
@given(response=responses, split=splits)
def test_v3_content_block_events_rebuild_the_same_message(response: Response, split: str) -> None:
    invoked = FakeChatModel(responses=[response], split=split).invoke("question")
    v3 = FakeChatModel(responses=[response], split=split).stream_events("question", version="v3")
    rebuilt = v3.output  # type: ignore[attr-defined]
    assert rebuilt.tool_calls == invoked.tool_calls
    assert rebuilt.invalid_tool_calls == invoked.invalid_tool_calls
    assert rebuilt.usage_metadata == invoked.usage_metadata
    assert rebuilt.text == invoked.text
    assert [b["type"] for b in rebuilt.content_blocks] == [
        b["type"] for b in invoked.content_blocks
    ]


def test_a_tool_call_response_ends_with_its_own_finish_chunk() -> None:
    call = ToolCall("get_weather", {"city": "Paris"}, id="call_1", fragments=2)
    chunks = list(FakeChatModel(responses=[Response(tool_calls=[call])]).stream("x"))
    assert [bool(c.tool_call_chunks) for c in chunks] == [True, True, False]
    assert chunks[-1].chunk_position == "last"
    assert chunks[-1].response_metadata["finish_reason"] == "tool_calls"
    assert chunks[-1].usage_metadata == {"input_tokens": 1, "output_tokens": 2, "total_tokens": 3}
    assert chunks[-1].tool_call_chunks == []


def test_with_blocks_tool_calls_are_indexed_after_the_content_blocks() -> None:
    response = Response(
        reasoning="Hm.", text="Ok", tool_calls=[ToolCall("f", {}), ToolCall("g", {})]
    )
    chunks = list(FakeChatModel(responses=[response], split="chars").stream("x"))
    indexes = [c.tool_call_chunks[0]["index"] for c in chunks if c.tool_call_chunks]
    assert sorted(set(indexes)) == [2, 3]
