"""`FakeLLM`: a scripted plain-string `BaseLLM` that streams natively."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import aclosing, closing
from typing import Any, ClassVar

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseLLM, LanguageModelInput
from langchain_core.outputs import Generation, GenerationChunk, LLMResult
from langchain_core.runnables import RunnableConfig
from langchain_core.runnables.config import get_config_list

from .._script import _recorded as raw
from .._script._cutting import Pieces
from .._script._validation import Kind
from ._calls import Call, Marked
from ._chunks import llm_chunks
from ._scripted import ScriptedFields


class FakeLLM(ScriptedFields, BaseLLM):
    """An LLM (strings in, strings out) that streams scripted text token by token.

    Streaming goes through `_stream` / `_astream`, so `on_llm_new_token` callbacks and
    `on_llm_stream` events fire as they do for a real completions model.

    >>> llm = FakeLLM(responses=["Sparkling water, oh so clear"])
    >>> "|".join(llm.stream("Write me a song"))
    'Sparkling| water|,| oh| so| clear'
    """

    script_kind: ClassVar[Kind] = "llm"

    @property
    def _llm_type(self) -> str:
        return "streamfakes-llm"

    def _input_text(self, input: Any) -> str:
        return str(input)

    def batch(
        self,
        inputs: list[LanguageModelInput],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[str]:
        """Like `BaseLLM.batch`; with `return_exceptions`, each input gets its own result."""
        if return_exceptions and len(inputs) > 1:
            config = _one_at_a_time(config, len(inputs))
        return super().batch(inputs, config, return_exceptions=return_exceptions, **kwargs)

    async def abatch(
        self,
        inputs: list[LanguageModelInput],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[str]:
        """Like `BaseLLM.abatch`; with `return_exceptions`, each input gets its own result."""
        if return_exceptions and len(inputs) > 1:
            config = _one_at_a_time(config, len(inputs))
        return await super().abatch(inputs, config, return_exceptions=return_exceptions, **kwargs)

    def _replayed(self, raw_chunks: Sequence[Mapping[str, Any]]) -> list[GenerationChunk]:
        return raw.llm_chunks(raw_chunks)

    def _scripted(
        self, call: Call[Any], pieces: Pieces, last_metadata: dict[str, Any], limit: int | None
    ) -> Iterator[Marked[GenerationChunk]]:
        return llm_chunks(pieces, last_info=last_metadata, limit=limit)

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        # BaseLLM leaves token callbacks to the model, as real integrations do. Closing
        # the player with this generator records an early stop at once.
        with closing(self._playback("stream", prompt, stop, kwargs).play()) as chunks:
            for chunk in chunks:
                if run_manager:
                    run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk

    async def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        async with aclosing(self._playback("astream", prompt, stop, kwargs).aplay()) as chunks:
            async for chunk in chunks:
                if run_manager:
                    await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk

    def _generate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        # One prompt after another, so a batch gets responses in input order.
        played = []
        for prompt in prompts:
            playback = self._playback("invoke", prompt, stop, kwargs)
            played.append((playback.call, list(playback.play())))
        return self._result(played, kwargs)

    async def _agenerate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        played = []
        for prompt in prompts:
            playback = self._playback("ainvoke", prompt, stop, kwargs)
            played.append((playback.call, [chunk async for chunk in playback.aplay()]))
        return self._result(played, kwargs)

    def _result(
        self, played: list[tuple[Call[Any], list[GenerationChunk]]], kwargs: dict[str, Any]
    ) -> LLMResult:
        generations: list[list[Generation]] = []
        usage = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
        for call, chunks in played:
            # What adding the chunks gives, without copying the text once per chunk.
            info = GenerationChunk(text="")
            for chunk in chunks:
                if chunk.generation_info:
                    info += GenerationChunk(text="", generation_info=chunk.generation_info)
            text = "".join(chunk.text for chunk in chunks)
            generations.append([Generation(text=text, generation_info=info.generation_info)])
            counted = self._engine.usage(
                call.response, [call.input], sum(1 for chunk in chunks if chunk.text)
            )
            usage["prompt_tokens"] += counted["input_tokens"]
            usage["completion_tokens"] += counted["output_tokens"]
            usage["total_tokens"] += counted["total_tokens"]
        return LLMResult(
            generations=generations,
            llm_output={"token_usage": usage, "model_name": self._model_for(kwargs)},
        )


def _one_at_a_time(config: Any, count: int) -> list[RunnableConfig]:
    """Configs that make BaseLLM generate each prompt on its own.

    BaseLLM generates a whole batch in one call, so with `return_exceptions` one
    failing prompt would become every prompt's result.
    """
    return [{**c, "max_concurrency": 1} for c in get_config_list(config, count)]
