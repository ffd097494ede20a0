"""langchain-core's own tests of its fakes, ported onto ours.

From the langchain-core 1.8.3 source distribution (`pip download langchain-core
--no-binary :all: --no-deps`): all of `tests/unit_tests/fake/test_fake_chat_model.py`,
and from `tests/unit_tests/runnables/test_runnable_events_v1.py` / `_v2.py` the tests that
run LangChain's fakes: `test_astream_events_from_model` (v1 and v2, event by event),
`test_astream_with_model_in_chain`, `test_event_stream_with_simple_chain`,
`test_with_llm`, `test_events_astream_config`, `test_with_explicit_config` and
`test_runnable_with_message_history` (their long event lists compared by event, name,
tags and chunks). Their expected values are kept, except where our documented behaviour
differs (docs/fakes.md, "Differences from LangChain's own fakes"); each change says so in
a `# ours:` comment. `GenericFakeChatModel(messages=cycle([...]))` becomes
`FakeChatModel(responses=[...], cycle=True, split="whitespace")`: LangChain's fakes split
on whitespace, ours like a tokenizer unless told.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from typing import Any, cast
from uuid import UUID

import pytest
from langchain_core._api import LangChainDeprecationWarning
from langchain_core.callbacks.base import AsyncCallbackHandler
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGenerationChunk, GenerationChunk
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import ConfigurableField, RunnableLambda
from typing_extensions import override

from fakes import FakeChatModel, FakeLLM, Latency, echo


class AnyStr(str):
    """Equal to any string (the stubs' `AnyStr`): message ids differ between runs."""

    __hash__ = str.__hash__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str)


def _any_id_ai_message(**kwargs: Any) -> AIMessage:
    message = AIMessage(**kwargs)
    message.id = AnyStr()  # after validation, as upstream's stubs do
    return message


def _any_id_ai_message_chunk(**kwargs: Any) -> AIMessageChunk:
    message = AIMessageChunk(**kwargs)
    message.id = AnyStr()
    return message


def _ours_last(content: str, *, input_tokens: int = 1, output_tokens: int) -> AIMessageChunk:
    """Our last chunk: it also carries the response metadata and the counted usage."""
    return _any_id_ai_message_chunk(
        content=content,
        chunk_position="last",
        response_metadata={"finish_reason": "stop", "model_name": "fake-model"},
        usage_metadata={
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "total_tokens": input_tokens + output_tokens,
        },
    )


def _generic(*messages: Any) -> FakeChatModel:
    return FakeChatModel(responses=list(messages), cycle=True, split="whitespace")


# -- tests/unit_tests/fake/test_fake_chat_model.py ----------------------------------------


def test_generic_fake_chat_model_invoke() -> None:
    # Will alternate between responding with hello and goodbye
    model = _generic(AIMessage(content="hello"), AIMessage(content="goodbye"))
    response = model.invoke("meow")
    # ours: the answer carries response metadata and counted usage (documented).
    assert response.content == "hello"
    assert response == _any_id_ai_message(
        content="hello",
        response_metadata={"finish_reason": "stop", "model_name": "fake-model"},
        usage_metadata={"input_tokens": 1, "output_tokens": 1, "total_tokens": 2},
    )
    response = model.invoke("kitty")
    assert response.content == "goodbye"
    response = model.invoke("meow")
    assert response.content == "hello"


async def test_generic_fake_chat_model_ainvoke() -> None:
    model = _generic(AIMessage(content="hello"), AIMessage(content="goodbye"))
    response = await model.ainvoke("meow")
    assert response.content == "hello"
    response = await model.ainvoke("kitty")
    assert response.content == "goodbye"
    response = await model.ainvoke("meow")
    assert response.content == "hello"


async def test_generic_fake_chat_model_stream() -> None:
    """Test streaming."""
    model = _generic(AIMessage(content="hello goodbye"))
    chunks = [chunk async for chunk in model.astream("meow")]
    assert chunks == [
        _any_id_ai_message_chunk(content="hello"),
        _any_id_ai_message_chunk(content=" "),
        # ours: the last chunk has response metadata and usage too.
        _ours_last("goodbye", output_tokens=3),
    ]
    assert len({chunk.id for chunk in chunks}) == 1

    chunks = list(model.stream("meow"))
    assert chunks == [
        _any_id_ai_message_chunk(content="hello"),
        _any_id_ai_message_chunk(content=" "),
        _ours_last("goodbye", output_tokens=3),
    ]
    assert len({chunk.id for chunk in chunks}) == 1

    # Test streaming of additional kwargs.
    message = AIMessage(content="", additional_kwargs={"foo": 42, "bar": 24})
    model = _generic(message)
    chunks = [chunk async for chunk in model.astream("meow")]
    # ours: other additional_kwargs ride on the first chunk, here the only one
    # (theirs: one chunk per key, then an empty last chunk).
    assert chunks == [
        _any_id_ai_message_chunk(
            content="",
            additional_kwargs={"foo": 42, "bar": 24},
            chunk_position="last",
            response_metadata={"finish_reason": "stop", "model_name": "fake-model"},
            usage_metadata={"input_tokens": 1, "output_tokens": 0, "total_tokens": 1},
        ),
    ]
    assert len({chunk.id for chunk in chunks}) == 1

    message = AIMessage(
        content="",
        additional_kwargs={
            "function_call": {
                "name": "move_file",
                "arguments": '{\n  "source_path": "foo",\n  "destination_path": "bar"\n}',
            }
        },
    )
    model = _generic(message)
    chunks = [chunk async for chunk in model.astream("meow")]
    # ours: the name comes with the first argument fragment and the arguments are cut by
    # the model's split (theirs: the name alone, then the arguments cut at commas).
    parts = [c.additional_kwargs.get("function_call") for c in chunks[:-1]]
    assert parts[0] == {"name": "move_file", "arguments": "{"}
    assert all(part is not None and set(part) == {"arguments"} for part in parts[1:])
    assert chunks[-1] == _any_id_ai_message_chunk(
        content="",
        chunk_position="last",
        response_metadata={"finish_reason": "stop", "model_name": "fake-model"},
        usage_metadata={"input_tokens": 1, "output_tokens": 15, "total_tokens": 16},
    )
    assert len({chunk.id for chunk in chunks}) == 1

    accumulate_chunks = None
    for chunk in chunks:
        if accumulate_chunks is None:
            accumulate_chunks = chunk
        else:
            accumulate_chunks += chunk

    assert accumulate_chunks == AIMessageChunk(
        content="",
        additional_kwargs={
            "function_call": {
                "name": "move_file",
                "arguments": '{\n  "source_path": "foo",\n  "destination_path": "bar"\n}',
            }
        },
        id=chunks[0].id,
        chunk_position="last",
        # ours: response metadata and usage (documented).
        response_metadata={"finish_reason": "stop", "model_name": "fake-model"},
        usage_metadata={"input_tokens": 1, "output_tokens": 15, "total_tokens": 16},
    )


async def test_generic_fake_chat_model_astream_log() -> None:
    """Test streaming."""
    model = _generic(AIMessage(content="hello goodbye"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LangChainDeprecationWarning)
        log_patches = [log_patch async for log_patch in model.astream_log("meow", diff=False)]
    final = log_patches[-1]
    assert final.state["streamed_output"] == [
        _any_id_ai_message_chunk(content="hello"),
        _any_id_ai_message_chunk(content=" "),
        _ours_last("goodbye", output_tokens=3),  # ours: metadata and usage on the last
    ]
    assert len({chunk.id for chunk in final.state["streamed_output"]}) == 1


async def test_callback_handlers() -> None:
    """Verify that model is implemented correctly with handlers working."""

    class MyCustomAsyncHandler(AsyncCallbackHandler):
        def __init__(self, store: list[str]) -> None:
            self.store = store

        async def on_chat_model_start(
            self,
            serialized: dict[str, Any],
            messages: list[list[BaseMessage]],
            *,
            run_id: UUID,
            parent_run_id: UUID | None = None,
            tags: list[str] | None = None,
            metadata: dict[str, Any] | None = None,
            **kwargs: Any,
        ) -> Any:
            pass

        @override
        async def on_llm_new_token(
            self,
            token: str | list[str | dict[str, Any]],
            *,
            chunk: GenerationChunk | ChatGenerationChunk | None = None,
            run_id: UUID,
            parent_run_id: UUID | None = None,
            tags: list[str] | None = None,
            **kwargs: Any,
        ) -> None:
            if isinstance(token, str):
                self.store.append(token)

    model = _generic(AIMessage(content="hello goodbye"))
    tokens: list[str] = []
    results = [
        chunk
        async for chunk in model.astream("meow", {"callbacks": [MyCustomAsyncHandler(tokens)]})
    ]
    assert results == [
        _any_id_ai_message_chunk(content="hello"),
        _any_id_ai_message_chunk(content=" "),
        _ours_last("goodbye", output_tokens=3),
    ]
    assert tokens == ["hello", " ", "goodbye"]
    assert len({chunk.id for chunk in results}) == 1


def test_chat_model_inputs() -> None:
    # ours: ParrotFakeChatModel returns the last message itself (a HumanMessage too);
    # `responses=[echo]` answers with its text, as an AIMessage.
    fake = FakeChatModel(responses=[echo], cycle=True)
    assert cast("AIMessage", fake.invoke("hello")).content == "hello"
    assert fake.invoke([("ai", "blah")]).content == "blah"
    assert fake.invoke([AIMessage(content="blah")]).content == "blah"


def test_fake_list_chat_model_batch() -> None:
    expected = ["a", "b", "c"]
    for _ in range(20):
        # run this 20 times to test race condition in batch
        fake = FakeChatModel(responses=["a", "b", "c"])
        resp = fake.batch(["1", "2", "3"])
        # ours: compared by content (our answers carry metadata and usage).
        assert [r.content for r in resp] == expected


def test_fake_messages_list_chat_model_sleep_delay() -> None:
    sleep_time = 0.1
    # ours: `sleep=` is a Latency; real_time=True waits for real (virtual by default).
    model = FakeChatModel(
        responses=[AIMessage(content="A"), AIMessage(content="B")],
        latency=Latency(ttft=sleep_time),
        real_time=True,
    )
    messages = [HumanMessage(content="C")]

    start = time.time()
    model.invoke(messages)
    elapsed = time.time() - start

    assert elapsed >= sleep_time


# -- the runnable event tests that run LangChain's fakes ------------------------------------


def _nulled(events: Sequence[Any]) -> list[dict[str, Any]]:
    """The events without run ids (`_with_nulled_run_id`)."""
    return [
        {**event, "run_id": "", "parent_ids": ["" for _ in event.get("parent_ids", [])]}
        for event in events
    ]


def _assert_events_equal_allow_superset_metadata(events: list[Any], expected: list[Any]) -> None:
    """As upstream: the same events, with at least the expected metadata."""
    assert len(events) == len(expected), [e["event"] for e in events]
    for event, want in zip(events, expected, strict=True):
        for key, value in want.items():
            if key == "metadata":
                assert {k: event["metadata"].get(k) for k in value} == value, event
            else:
                assert event[key] == value, (key, event)


STREAM_META = {"a": "b", "ls_model_type": "chat", "ls_stop": "<stop_token>"}


def _model_event(
    event: str, data: dict[str, Any], metadata: dict[str, Any] = STREAM_META
) -> dict[str, Any]:
    return {
        "data": data,
        "event": event,
        "metadata": metadata,
        "name": "my_model",
        "run_id": "",
        "parent_ids": [],
        "tags": ["my_model"],
    }


@pytest.mark.parametrize("version", ["v1", "v2"])
async def test_astream_events_from_model(version: str) -> None:
    """Test the output of a model (test_runnable_events_v1/_v2)."""
    model = (
        _generic(AIMessage(content="hello world!"))
        .with_config({"metadata": {"a": "b"}, "tags": ["my_model"], "run_name": "my_model"})
        .bind(stop="<stop_token>")
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LangChainDeprecationWarning)
        events = _nulled([e async for e in model.astream_events("hello", version=version)])
    # ours: the string stop is one stop sequence and reported as it was given (ls_stop);
    # the last chunk carries metadata and usage (input 1, output 3 chunks).
    last = _ours_last("world!", output_tokens=3)
    meta = STREAM_META if version == "v2" else {"a": "b"}  # v1 reports no ls_* metadata
    expected = [
        _model_event("on_chat_model_start", {"input": "hello"}, meta),
        _model_event(
            "on_chat_model_stream", {"chunk": _any_id_ai_message_chunk(content="hello")}, meta
        ),
        _model_event(
            "on_chat_model_stream", {"chunk": _any_id_ai_message_chunk(content=" ")}, meta
        ),
        _model_event("on_chat_model_stream", {"chunk": last}, meta),
    ]
    end = events[-1]
    assert end["event"] == "on_chat_model_end"
    if version == "v2":
        total = _any_id_ai_message_chunk(
            content="hello world!",
            chunk_position="last",
            response_metadata=last.response_metadata,
            usage_metadata=last.usage_metadata,
        )
        assert end["data"]["output"] == total
    _assert_events_equal_allow_superset_metadata(events[:-1], expected)
    if version == "v1":
        # v1 sends no parent_ids.
        assert all("parent_ids" not in e or e["parent_ids"] == [] for e in events)


async def test_astream_with_model_in_chain() -> None:
    """The model's stream events inside a chain carry their parent (v2)."""
    model = _generic(AIMessage(content="hello world!")).with_config(
        {"metadata": {"a": "b"}, "tags": ["my_model"], "run_name": "my_model"}
    )

    @RunnableLambda
    def i_dont_stream(value: Any, config: Any) -> Any:
        return model.invoke(value, config)

    events = _nulled([e async for e in i_dont_stream.astream_events("hello", version="v2")])
    kinds = [(e["event"], e["name"]) for e in events]
    assert kinds == [
        ("on_chain_start", "i_dont_stream"),
        ("on_chat_model_start", "my_model"),
        ("on_chat_model_stream", "my_model"),
        ("on_chat_model_stream", "my_model"),
        ("on_chat_model_stream", "my_model"),
        ("on_chat_model_end", "my_model"),
        ("on_chain_stream", "i_dont_stream"),
        ("on_chain_end", "i_dont_stream"),
    ]
    assert events[2]["data"]["chunk"] == _any_id_ai_message_chunk(content="hello")
    assert events[2]["parent_ids"] == [""]


async def test_event_stream_with_simple_chain() -> None:
    """prompt | model | parser (v2): the same run tree as upstream, our class names."""
    template = ChatPromptTemplate.from_messages(
        [("system", "You are Cat Agent 007"), ("human", "{question}")]
    ).with_config({"run_name": "my_template", "tags": ["my_template"]})
    model = _generic(AIMessage(content="hello world!")).with_config(
        {"run_name": "my_model", "tags": ["my_model"], "metadata": {"a": "b"}}
    )
    chain = (template | model).with_config(
        {"metadata": {"foo": "bar"}, "tags": ["my_chain"], "run_name": "my_chain"}
    )
    events = [e async for e in chain.astream_events({"question": "hello"}, version="v2")]
    kinds = [(e["event"], e["name"], sorted(e["tags"])) for e in events]
    assert kinds[0] == ("on_chain_start", "my_chain", ["my_chain"])
    assert kinds[1] == ("on_prompt_start", "my_template", ["my_chain", "my_template", "seq:step:1"])
    assert kinds[3] == ("on_chat_model_start", "my_model", ["my_chain", "my_model", "seq:step:2"])
    streamed = [e["data"]["chunk"] for e in events if e["event"] == "on_chain_stream"]
    assert [c.content for c in streamed] == ["hello", " ", "world!"]
    assert events[-1]["event"] == "on_chain_end"


async def test_with_llm() -> None:
    """An LLM's events (v2): FakeStreamingListLLM(responses=["abc"]) streams characters."""
    # ours: FakeLLM with split="chars" (FakeStreamingListLLM splits into characters).
    prompt = ChatPromptTemplate.from_messages(
        [("system", "You are Cat Agent 007"), ("human", "{question}")]
    ).with_config({"run_name": "my_template", "tags": ["my_template"]})
    llm = FakeLLM(responses=["abc"], split="chars", cycle=True)
    events = [e async for e in (prompt | llm).astream_events({"question": "hello"}, version="v2")]
    streamed = [e["data"]["chunk"] for e in events if e["event"] == "on_llm_stream"]
    assert [c.text for c in streamed] == ["a", "b", "c"]
    kinds = [e["event"] for e in events]
    # ours: on_llm_stream per token, each passed on at once as on_chain_stream
    # (upstream's FakeStreamingListLLM fires no token callbacks: its three
    # on_chain_stream events all come after on_llm_end).
    assert kinds == [
        "on_chain_start",
        "on_prompt_start",
        "on_prompt_end",
        "on_llm_start",
        *["on_llm_stream", "on_chain_stream"] * 3,
        "on_llm_end",
        "on_chain_end",
    ]
    end = next(e for e in events if e["event"] == "on_llm_end")
    # ours: the generation carries generation_info (finish_reason, model_name).
    assert end["data"]["output"]["generations"][0][0]["text"] == "abc"


async def test_events_astream_config() -> None:
    """configurable_fields: the configured message streams (v2)."""
    model = _generic(AIMessage(content="hello world")).configurable_fields(
        responses=ConfigurableField(id="messages", name="Messages")
    )
    model_02 = model.with_config({"configurable": {"messages": [AIMessage(content="what up")]}})
    assert model_02.invoke("hello").content == "what up"
    events = [e async for e in model_02.astream_events("hello", version="v2")]
    chunks = [e["data"]["chunk"] for e in events if e["event"] == "on_chat_model_stream"]
    # ours: the rebuilt copy still streams (streaming is None, not False).
    assert [c.content for c in chunks] == ["what", " ", "up"]


async def test_with_explicit_config() -> None:
    """A config passed on by hand keeps the model's events in the tree (v2)."""
    model = _generic(AIMessage(content="hello world"))

    @RunnableLambda
    async def passthrough_to_trigger_issue(value: str, config: Any) -> str:
        return value

    chain = passthrough_to_trigger_issue | model.with_config({"tags": ["hello"]})
    events = [e async for e in chain.astream_events("hello", version="v2")]
    chunks = [e["data"]["chunk"] for e in events if e["event"] == "on_chat_model_stream"]
    assert [c.content for c in chunks] == ["hello", " ", "world"]
    assert all("hello" in e["tags"] for e in events if e["event"].startswith("on_chat_model"))


@pytest.mark.filterwarnings("ignore:RunnableWithMessageHistory is deprecated")
async def test_runnable_with_message_history() -> None:
    import asyncio

    from langchain_core.chat_history import BaseChatMessageHistory
    from langchain_core.prompts import MessagesPlaceholder
    from langchain_core.runnables.history import RunnableWithMessageHistory
    from pydantic import BaseModel

    class InMemoryHistory(BaseChatMessageHistory, BaseModel):
        """In memory implementation of chat message history."""

        messages: Any

        def add_message(self, message: BaseMessage) -> None:
            self.messages.append(message)

        def clear(self) -> None:
            self.messages = []

    store: dict[str, list[BaseMessage]] = {}

    def get_by_session_id(session_id: str) -> BaseChatMessageHistory:
        if session_id not in store:
            store[session_id] = []
        return InMemoryHistory(messages=store[session_id])

    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "You are a cat"),
            MessagesPlaceholder(variable_name="history"),
            ("human", "{question}"),
        ]
    )
    model = _generic(AIMessage(content="hello", id="ai3"), AIMessage(content="world", id="ai4"))
    with_message_history = RunnableWithMessageHistory(
        prompt | model,
        get_session_history=get_by_session_id,
        input_messages_key="question",
        history_messages_key="history",
    )
    config: Any = {"configurable": {"session_id": "session-123"}}
    await with_message_history.with_config(config).ainvoke({"question": "hello"})
    # ours: the stored answers carry response metadata and usage, so compared by
    # type, content and id.
    assert [(type(m).__name__, m.content, m.id) for m in store["session-123"]] == [
        ("HumanMessage", "hello", None),
        ("AIMessage", "hello", "ai3"),
    ]
    await asyncio.to_thread(with_message_history.with_config(config).invoke, {"question": "meow"})
    assert [(type(m).__name__, m.content, m.id) for m in store["session-123"]] == [
        ("HumanMessage", "hello", None),
        ("AIMessage", "hello", "ai3"),
        ("HumanMessage", "meow", None),
        ("AIMessage", "world", "ai4"),
    ]
