"""`FakeChatModel`: a scripted `BaseChatModel` that streams whole messages natively."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import Any, Literal

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.language_models.chat_models import generate_from_stream
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.runnables.config import get_config_list
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

from .._script import _recorded as raw
from .._script._cutting import Pieces
from ._calls import Call, Marked
from ._chunks import chat_chunks, usage_metadata
from ._engine import pop_reservation, reserve_batch, reserved
from ._scripted import ScriptedFields


class FakeChatModel(ScriptedFields, BaseChatModel):
    """A chat model that streams scripted messages, token by token, deterministically.

    Text, reasoning, tool-call fragments, usage and response metadata all stream; the
    last chunk is marked `chunk_position="last"`; `invoke` returns the sum of the chunks.

    >>> model = FakeChatModel(responses=["Hello, world!"])
    >>> [chunk.content for chunk in model.stream("hi")]
    ['Hello', ',', ' world', '!']
    >>> model.calls[0].method, model.calls[0].finished
    ('stream', True)
    """

    report_usage: bool | Literal["scripted"] = True
    """Put `usage_metadata` on the last chunk (scripted, or counted). `"scripted"` reports
    only what a response's `usage` states (counts it leaves out are 0) and nothing for a
    response without one, so that snapshots do not change with every prompt edit."""
    streaming: bool | None = None
    """True: `invoke` streams too (through `_stream`, firing token callbacks), as
    integrations' `streaming=True` does; False: `stream` yields one chunk, as LangChain
    treats an explicit `streaming=False`. None (the default) is neither, so a copy that
    `configurable_fields` rebuilds from every field still streams."""

    # -- identity --------------------------------------------------------------

    @property
    def _llm_type(self) -> str:
        return "streamfakes-chat"

    def _input_text(self, input: Any) -> str:
        return input[-1].text if input else ""

    # -- tools -------------------------------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools (recorded on each call as OpenAI-format `tools` and `tool_choice`)."""
        if tool_choice is not None:
            kwargs["tool_choice"] = tool_choice
        return self.bind(tools=[convert_to_openai_tool(tool) for tool in tools], **kwargs)

    # -- batch: responses are picked in input order --------------------------------
    # batch() and friends pick every input's response up front, in input order, and
    # hand each pick to the invoke() that plays it, whatever order the threads run in.

    def invoke(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        config, call = pop_reservation(config)
        with reserved(call):
            return super().invoke(input, config, stop=stop, **kwargs)

    async def ainvoke(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        config, call = pop_reservation(config)
        with reserved(call):
            return await super().ainvoke(input, config, stop=stop, **kwargs)

    def batch(
        self,
        inputs: list[LanguageModelInput],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[AIMessage]:
        """Like `Runnable.batch`; input *i* gets the *i*-th response the script would pick."""
        configs = self._reserve(inputs, config, kwargs)
        return super().batch(inputs, configs, return_exceptions=return_exceptions, **kwargs)

    async def abatch(
        self,
        inputs: list[LanguageModelInput],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[AIMessage]:
        """Like `Runnable.abatch`; input *i* gets the *i*-th response the script would pick."""
        configs = self._reserve(inputs, config, kwargs)
        return await super().abatch(inputs, configs, return_exceptions=return_exceptions, **kwargs)

    def batch_as_completed(  # type: ignore[override]
        self,
        inputs: Sequence[LanguageModelInput],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> Iterator[tuple[int, AIMessage | Exception]]:
        """Like `Runnable.batch_as_completed`, with responses picked in input order."""
        configs = self._reserve(inputs, config, kwargs)
        # A plain bool matches neither of the base's Literal[True]/Literal[False] overloads.
        return super().batch_as_completed(  # type: ignore[call-overload, no-any-return]
            inputs, configs, return_exceptions=return_exceptions, **kwargs
        )

    def abatch_as_completed(  # type: ignore[override]
        self,
        inputs: Sequence[LanguageModelInput],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> AsyncIterator[tuple[int, AIMessage | Exception]]:
        """Like `Runnable.abatch_as_completed`, with responses picked in input order."""
        configs = self._reserve(inputs, config, kwargs)
        # A plain bool matches neither of the base's Literal[True]/Literal[False] overloads.
        return super().abatch_as_completed(  # type: ignore[call-overload, no-any-return]
            inputs, configs, return_exceptions=return_exceptions, **kwargs
        )

    def _reserve(
        self, inputs: Sequence[LanguageModelInput], config: Any, options: dict[str, Any]
    ) -> list[RunnableConfig]:
        configs = get_config_list(config, len(inputs))
        return reserve_batch(self._engine, inputs, configs, self._messages, options)

    def _messages(self, input: LanguageModelInput) -> list[BaseMessage]:
        return self._convert_input(input).to_messages()

    # -- playing the script ------------------------------------------------------------

    def _replayed(self, raw_chunks: Sequence[Mapping[str, Any]]) -> list[ChatGenerationChunk]:
        return raw.chat_chunks(raw_chunks)

    def _scripted(
        self, call: Call[Any], pieces: Pieces, last_metadata: dict[str, Any], limit: int | None
    ) -> Iterator[Marked[ChatGenerationChunk]]:
        response = call.response
        assert response is not None  # begin() raised otherwise

        def usage() -> UsageMetadata | None:
            """The last chunk's usage, once every piece has been read (and counted)."""
            if self.report_usage == "scripted":
                if response.usage is None:
                    return None
                return usage_metadata(response.usage, input_tokens=0, output_tokens=0)
            if not self.report_usage:
                return None
            texts = (message.text for message in call.input)
            return self._engine.usage(response, texts, pieces.tokens)

        return chat_chunks(
            response,
            pieces,
            message_id=response.id or f"msg-{call.index:04d}",
            call_index=call.index,
            last_metadata=last_metadata,
            usage=usage,
            limit=limit,
        )

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        # Returns the player itself rather than re-yielding: one generator hop per chunk.
        return self._playback("stream", messages, stop, kwargs).play()

    def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        return self._playback("astream", messages, stop, kwargs).aplay()

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return generate_from_stream(self._playback("invoke", messages, stop, kwargs).play())

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        playback = self._playback("ainvoke", messages, stop, kwargs)
        # Not agenerate_from_stream: it merges the chunks in a worker thread.
        return generate_from_stream(iter([chunk async for chunk in playback.aplay()]))


class NonStreamingFakeChatModel(FakeChatModel):
    """A scripted chat model with only `_generate`, as integrations without streaming.

    `stream` then falls back to LangChain's default: one chunk holding the whole answer.

    >>> model = NonStreamingFakeChatModel(responses=["Hello, world!"])
    >>> [chunk.content for chunk in model.stream("hi")]
    ['Hello, world!']
    """

    # Restoring the base methods is how BaseChatModel tells that a model cannot stream.
    _stream = BaseChatModel._stream
    _astream = BaseChatModel._astream
    _agenerate = BaseChatModel._agenerate
