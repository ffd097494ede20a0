"""`FakeChatModel`: a scripted `BaseChatModel` that streams whole messages natively."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.language_models.chat_models import generate_from_stream
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.runnables.config import get_config_list
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

from ._calls import Call, Method, aplay, play
from ._chunks import chat_chunks, finish_reason, usage_metadata
from ._engine import RESERVED, pop_reservation, reserve_batch
from ._fields import ScriptedFields

Plan = tuple[Call[Any], list[ChatGenerationChunk], "list[float] | None", "BaseException | None"]


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

    report_usage: bool = True
    """Put `usage_metadata` on the last chunk (scripted, or counted)."""

    # -- identity --------------------------------------------------------------

    @property
    def _llm_type(self) -> str:
        return "streamfakes-chat"

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> Any:
        params = super()._get_ls_params(stop=self._stop_for(stop), **kwargs)
        params["ls_provider"] = self.provider
        return params

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

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        config, call = pop_reservation(config)
        if call is None:
            return super().invoke(input, config, **kwargs)
        token = RESERVED.set(call)
        try:
            return super().invoke(input, config, **kwargs)
        finally:
            RESERVED.reset(token)

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        config, call = pop_reservation(config)
        if call is None:
            return await super().ainvoke(input, config, **kwargs)
        token = RESERVED.set(call)
        try:
            return await super().ainvoke(input, config, **kwargs)
        finally:
            RESERVED.reset(token)

    def batch(self, inputs: list[Any], config: Any = None, **kwargs: Any) -> list[Any]:
        """Like `Runnable.batch`; input *i* gets the *i*-th response the script would pick."""
        configs = self._reserve(inputs, config, kwargs)
        return super().batch(inputs, configs, **kwargs)

    async def abatch(self, inputs: list[Any], config: Any = None, **kwargs: Any) -> list[Any]:
        """Like `Runnable.abatch`; input *i* gets the *i*-th response the script would pick."""
        configs = self._reserve(inputs, config, kwargs)
        return await super().abatch(inputs, configs, **kwargs)

    def _reserve(self, inputs: list[Any], config: Any, kwargs: dict[str, Any]) -> list[Any]:
        options = {k: v for k, v in kwargs.items() if k != "return_exceptions"}
        configs = get_config_list(config, len(inputs))
        return reserve_batch(self._engine, inputs, configs, self._messages, options)

    def _messages(self, input: Any) -> list[BaseMessage]:
        return self._convert_input(input).to_messages()

    # -- playing the script ------------------------------------------------------------

    def _plan(
        self,
        method: Method,
        messages: list[BaseMessage],
        stop: list[str] | None,
        kwargs: dict[str, Any],
    ) -> Plan:
        engine = self._engine
        stop = self._stop_for(stop)
        call = engine.begin(method, messages, {"stop": stop, **kwargs})
        response = call.response
        pieces = engine.pieces(response, stop)
        fault = response.fault
        usage = None
        if self.report_usage:
            usage = usage_metadata(
                response.usage,
                input_tokens=sum(engine.count_tokens(m.text) for m in messages),
                output_tokens=pieces.tokens,
            )
        chunks = chat_chunks(
            response,
            pieces,
            message_id=response.id or f"msg-{call.index:04d}",
            call_index=call.index,
            last_metadata={
                "finish_reason": finish_reason(response),
                "model_name": self._model_for(kwargs),
                **response.response_metadata,
            },
            usage=usage,
            limit=fault.after_chunks if fault else None,
        )
        delays = engine.delays(response, pieces.count, call.index)
        return call, chunks, delays, fault.exception() if fault else None

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        # Returns the player itself rather than re-yielding: one generator hop per chunk.
        call, chunks, delays, fault = self._plan("stream", messages, stop, kwargs)
        return play(call, chunks, delays=delays, fault=fault, clock=self._engine.clock)

    def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        call, chunks, delays, fault = self._plan("astream", messages, stop, kwargs)
        return aplay(call, chunks, delays=delays, fault=fault, clock=self._engine.clock)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        call, chunks, delays, fault = self._plan("invoke", messages, stop, kwargs)
        return generate_from_stream(
            play(call, chunks, delays=delays, fault=fault, clock=self._engine.clock)
        )

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        call, chunks, delays, fault = self._plan("ainvoke", messages, stop, kwargs)
        # Not agenerate_from_stream: it merges the chunks in a worker thread.
        played = [
            c
            async for c in aplay(call, chunks, delays=delays, fault=fault, clock=self._engine.clock)
        ]
        return generate_from_stream(iter(played))


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
