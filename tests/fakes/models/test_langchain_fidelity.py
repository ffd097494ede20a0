"""The fakes behave as LangChain chat models do: stop strings, core's post-init, streaming
through `configurable_fields` / `configurable_alternatives`."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import ConfigurableField

from fakes import FakeChatModel, FakeLLM

CORE_SEEDS_VERSIONS = GenericFakeChatModel(messages=iter(["a"])).metadata is not None
"""Whether this langchain-core's post-init seeds `metadata["lc_versions"]` (recent ones)."""

# -- a string stop is one stop sequence ------------------------------------------------


def test_a_string_stop_is_one_stop_sequence_for_a_chat_model() -> None:
    model = FakeChatModel(responses=["hello world"], cycle=True)
    invoked = model.invoke("x", stop="wo")
    assert invoked.content == "hello "  # not 'hell' (split into 'w' and 'o')
    assert invoked.usage_metadata is not None
    assert invoked.usage_metadata["output_tokens"] == 2  # 'hello', ' '
    assert model.calls[0].stop == ["wo"]
    assert model.bind(stop="wo").invoke("x").content == "hello "
    assert "".join(str(c.content) for c in model.stream("x", stop="wo")) == "hello "


def test_a_string_stop_setting_is_one_stop_sequence() -> None:
    assert FakeChatModel(responses=["hello world"], stop="wo").invoke("x").content == "hello "
    assert FakeLLM(responses=["hello world"], stop="wo").invoke("x") == "hello "


def test_a_string_stop_is_one_stop_sequence_for_an_llm() -> None:
    llm = FakeLLM(responses=["hello world"], cycle=True)
    assert llm.invoke("x", stop="wo") == "hello "
    assert "".join(llm.stream("x", stop="wo")) == "hello "
    assert llm.calls[-1].stop == ["wo"]


# -- core's model_post_init runs ---------------------------------------------------------


@pytest.mark.parametrize("model_class", [FakeChatModel, FakeLLM])
def test_core_post_init_runs_and_seeds_lc_versions(model_class: Any) -> None:
    # Whatever core's post-init does on the installed version (recent ones seed
    # lc_versions; 1.0 sets nothing), the fakes get the same as LangChain's own fake.
    expected = GenericFakeChatModel(messages=iter(["a"])).metadata
    assert model_class(responses=["hi"]).metadata == expected
    if CORE_SEEDS_VERSIONS:
        assert expected is not None and "lc_versions" in expected


def test_a_subclass_calling_super_post_init_keeps_core_and_the_engine() -> None:
    class Tagged(FakeChatModel):
        def model_post_init(self, context: Any, /) -> None:
            super().model_post_init(context)
            self.tags = ["tagged"]

    model = Tagged(responses=["hi"])
    assert model.metadata == GenericFakeChatModel(messages=iter(["a"])).metadata
    assert model.tags == ["tagged"]
    assert model.invoke("x").content == "hi"


# -- streaming through configurable_fields / configurable_alternatives ----------------


def test_a_model_rebuilt_by_configurable_fields_still_streams() -> None:
    model = FakeChatModel(responses=["hello big world"], cycle=True)
    configurable = model.configurable_fields(temperature=ConfigurableField(id="temperature"))
    config: Any = {"configurable": {"temperature": 0.3}}
    built, _ = configurable._prepare(config)
    assert "streaming" in built.model_fields_set  # LangChain passes every field
    chunks = [c.content for c in configurable.stream("x", config)]
    assert chunks == ["hello", " big", " world"]


async def test_astream_events_through_configurable_fields_has_stream_events() -> None:
    model = FakeChatModel(responses=["hello big world"], cycle=True)
    configurable = model.configurable_fields(temperature=ConfigurableField(id="temperature"))
    config: Any = {"configurable": {"temperature": 0.3}}
    kinds = [e["event"] async for e in configurable.astream_events("x", config, version="v2")]
    assert kinds.count("on_chat_model_stream") == 3


def test_configurable_alternatives_stream_both_ways() -> None:
    model = FakeChatModel(responses=["hello big world"], cycle=True)
    other = FakeChatModel(responses=["other one"], cycle=True)
    choice = model.configurable_fields(
        temperature=ConfigurableField(id="temperature")
    ).configurable_alternatives(ConfigurableField(id="which"), default_key="a", b=other)
    picked: Any = {"configurable": {"which": "b"}}
    assert [c.content for c in choice.stream("x", picked)] == ["other", " one"]
    tuned: Any = {"configurable": {"temperature": 0.2}}
    assert [c.content for c in choice.stream("x", tuned)] == ["hello", " big", " world"]


class _CoreStreamingModel(BaseChatModel):
    """The least chat model with a `streaming` field: how core treats one on this version."""

    streaming: bool | None = None

    @property
    def _llm_type(self) -> str:
        return "reference"

    def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any) -> Any:
        message = AIMessage("a b")
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any) -> Any:
        for piece in ("a", " b"):
            yield ChatGenerationChunk(message=AIMessageChunk(piece))


def test_streaming_false_asked_for_streams_as_core_says() -> None:
    # Recent langchain-core takes an explicit streaming=False as opting out of stream()
    # (one chunk); 1.0 still streams. The fake does what core does, either way.
    # (The empty chunk core appends to mark the last one is left out: the fake marks its own.)
    reference = [c.content for c in _CoreStreamingModel(streaming=False).stream("x") if c.content]
    model = FakeChatModel(responses=["a b"], streaming=False)
    assert [c.content for c in model.stream("x")] == reference
    if CORE_SEEDS_VERSIONS:  # the same recent versions
        assert reference == ["a b"]
