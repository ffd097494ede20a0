"""The script settings every fake model shares, as pydantic fields."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

from langchain_core.caches import BaseCache
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
)

from .._errors import ScriptError
from .._script._cutting import Pieces
from .._script._validation import Kind, checked_script
from .._script._vocabulary import Latency, ScriptItem, brief_repr, finish_reason
from ._calls import Call, Marked, Method, Playback, marking_last
from ._clock import Clock, RealClock, VirtualClock, check_clock
from ._engine import Engine


class ScriptedFields(BaseModel):
    """Fields and call log shared by `FakeChatModel`, `FakeLLM` and friends."""

    model_config = ConfigDict(protected_namespaces=(), arbitrary_types_allowed=True)

    # Typed Any on purpose: checked_script() reports bad items with their path and fix.
    responses: Any = Field(default_factory=list)
    """Answers in call order: text, `Response`, or `Fault` (that call fails)."""
    rules: Any = Field(default_factory=list)
    """`Rule`s that answer matching inputs before the ordered responses."""
    cycle: bool = False
    """Start over when the responses run out, instead of raising `ScriptExhaustedError`."""
    split: Any = "words"
    """How text becomes chunks: 'words', 'whitespace', 'chars', a size, or a regex."""
    latency: Latency | None = None
    """Simulated time to first chunk and per-chunk delay (virtual unless `real_time`)."""
    real_time: bool = False
    """Really wait out the latency (demos, UI tests) instead of advancing a virtual clock."""
    clock: Any = None
    """A clock to wait on (`VirtualClock`, `RealClock`, your own); None: chosen by `real_time`."""
    model_name: str = Field(
        default="fake-model", validation_alias=AliasChoices("model_name", "model")
    )
    """Reported as `ls_model_name` and `response_metadata["model_name"]`; also `model=`."""
    provider: str = "streamfakes"
    """Reported as `ls_provider` in the run metadata."""
    ls_params: dict[str, Any] | None = None
    """Exactly the `ls_*` run metadata to report (a recording's), instead of the ones
    built from `model_name`, `provider`, `temperature`, ..."""
    stop: list[str] | str | None = None
    """Stop sequences for every call (a call's own `stop` replaces them), as real APIs take;
    a string is one stop sequence, as in LangChain and the OpenAI API."""
    temperature: float | None = None
    """Reported as `ls_temperature`, as real integrations do; has no other effect."""
    max_tokens: int | None = None
    """Reported as `ls_max_tokens`, as real integrations do; has no other effect."""
    # The standard settings of provider integrations, accepted so that code (and
    # LangChain's standard tests) can build the fake like a real model.
    timeout: float | None = None
    """Accepted like a real integration's; has no effect (use `Latency` and `Fault`)."""
    max_retries: int | None = None
    """Accepted like a real integration's; has no effect (use `with_retry`)."""
    api_key: SecretStr | None = None
    """Accepted like a real integration's (and never shown); has no effect."""
    base_url: str | None = None
    """Accepted like a real integration's; has no effect (the fake makes no requests)."""
    cache: BaseCache | bool | None = Field(default=False, exclude=True)
    """Off by default: a global LLM cache would answer from another fake's script (they
    share a model name) instead of this one's. Pass `cache=True` or a cache to test caching."""

    _engine: Engine = PrivateAttr()
    _source: str = PrivateAttr(default="script")
    script_kind: ClassVar[Kind] = "chat"

    def __init__(self, responses: Sequence[ScriptItem] | None = None, **data: Any) -> None:
        source = data.pop("_source", "script")
        if responses is not None:
            data["responses"] = responses
        _reject_unknown_settings(type(self), data, source)
        try:
            super().__init__(**data)
        except ValidationError as error:
            raise _setting_error(error, source) from None
        # Checked here, after pydantic, so that a bad script raises ScriptError itself
        # rather than a ValidationError wrapped around it.
        self._source = source
        self._start_engine(source)

    @classmethod
    def from_script(cls, path: str | Path, **overrides: Any) -> Self:
        """A fake scripted by a YAML or JSON file; keyword arguments override its settings."""
        from .._script._loading import load_script

        if not isinstance(path, (str, os.PathLike)):
            raise ScriptError(
                f"from_script() takes the path of a .yaml, .yml or .json file, got "
                f"{type(path).__name__}: {path!r:.60}; pass a str or pathlib.Path",
                source="from_script()",
            )
        # The overrides are checked on their own first, so that a bad one is not
        # reported as a fault of the file.
        source = "from_script() keyword arguments"
        _reject_unknown_settings(cls, overrides, source)
        names, blank = _setting_names(cls), cls.model_construct()
        # By field name, so that `model=` overrides the file's `model_name`.
        overrides = {names.get(key, key): value for key, value in overrides.items()}
        for name, value in overrides.items():
            if name not in cls.model_fields:
                continue  # a legacy keyword LangChain itself handles
            try:
                cls.__pydantic_validator__.validate_assignment(blank, name, value)
            except ValidationError as error:
                raise _setting_error(error, source) from None
        return cls(**{**load_script(path, kind=cls.script_kind), **overrides})

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy with its own script cursor and call log, starting from the first response."""
        copy = super().model_copy(update=update, deep=deep)
        copy._start_engine(self._source)
        return copy

    def __repr_args__(self) -> Any:
        # Every setting shown cut short: LangChain puts this repr in every run's serialized
        # form, so a long script must not make a long string (or take long to make).
        for name, value in super().__repr_args__():
            yield name, _Brief(value)

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name}

    def _start_engine(self, source: str) -> None:
        responses, rules = checked_script(
            self.responses,
            self.rules,
            split=self.split,
            latency=self.latency,
            source=source,
            kind=self.script_kind,
        )
        if self.clock is not None:
            check_clock(self.clock, source)
        clock: Clock = self.clock or (RealClock() if self.real_time else VirtualClock())
        self._engine = Engine(
            owner=f"{type(self).__name__}(model_name={self.model_name!r})",
            responses=responses,
            rules=rules,
            cycle=self.cycle,
            split=self.split,
            latency=self.latency,
            clock=clock,
            input_text=self._input_text,
            kind=self.script_kind,
            source=source,
        )

    def model_post_init(self, context: Any, /) -> None:
        # Declared so that pydantic chains it to langchain-core's (BaseLanguageModel
        # seeds metadata["lc_versions"] there) instead of putting its own hook first in
        # the MRO, which would skip core's.
        super().model_post_init(context)

    def _stop_for(self, stop: list[str] | str | None) -> list[str] | None:
        """The call's stop sequences (or the model's); a string is one stop sequence."""
        stop = stop if stop is not None else self.stop
        return [stop] if isinstance(stop, str) else stop

    def _model_for(self, kwargs: dict[str, Any]) -> str:
        """The model a call asked for (`invoke(..., model="other")`), as real APIs allow."""
        model = kwargs.get("model")
        return model if isinstance(model, str) else self.model_name

    def _input_text(self, input: Any) -> str:
        raise NotImplementedError

    def _get_ls_params(self, stop: list[str] | str | None = None, **kwargs: Any) -> Any:
        if self.ls_params is not None:
            return dict(self.ls_params)
        # ScriptedFields comes first in the fakes' bases: this reaches LangChain's.
        # `ls_stop` as given (a string stays a string), as LangChain reports it.
        given = stop if stop is not None else self.stop
        params = super()._get_ls_params(stop=given, **kwargs)  # type: ignore[misc]
        params["ls_provider"] = self.provider
        return params

    # -- playing the script ------------------------------------------------------------

    def _playback(
        self, method: Method, input: Any, stop: list[str] | str | None, kwargs: dict[str, Any]
    ) -> Playback[Any]:
        """The next call's chunks, delays and fault, ready to play: recorded chunks as
        they are, or the scripted response cut into chunks."""
        engine = self._engine
        stop = self._stop_for(stop)
        call, response = engine.begin(method, input, {"stop": stop, **kwargs})
        fault = response.fault
        limit = fault.after_chunks if fault else None
        chunks: Iterable[Marked[Any]]
        if response.raw_chunks is not None:
            chunks = marking_last(self._replayed(response.raw_chunks[:limit]))
            recorded = len(response.raw_chunks)

            def cut_short() -> bool:
                return limit is not None and recorded > limit
        else:
            pieces = engine.pieces(response, stop)
            last_metadata = {
                "finish_reason": finish_reason(response),
                "model_name": self._model_for(kwargs),
                **response.response_metadata,
            }
            chunks = self._scripted(call, pieces, last_metadata, limit)

            def cut_short() -> bool:
                # Asked once the chunks before the fault are out: no reading ahead of them.
                return limit is not None and pieces.streams_more_than(limit)

        return Playback(
            call=call,
            chunks=chunks,
            delays=engine.each_delay(response, call.index),
            fault=fault.exception() if fault else None,
            clock=engine.clock,
            cut_short=cut_short,
        )

    def _replayed(self, raw_chunks: Sequence[Mapping[str, Any]]) -> list[Any]:
        """Generation chunks for recorded chunk fields."""
        raise NotImplementedError

    def _scripted(
        self, call: Call[Any], pieces: Pieces, last_metadata: dict[str, Any], limit: int | None
    ) -> Iterable[Marked[Any]]:
        """Generation chunks for a scripted response's pieces (the first `limit`), built
        as they are read, each with whether it is the last."""
        raise NotImplementedError

    @property
    def calls(self) -> list[Call[Any]]:
        """Every call so far, in order (batch: in input order)."""
        return self._engine.calls

    @property
    def script_errors(self) -> list[Call[Any]]:
        """The calls that raised `ScriptExhaustedError` or `ScriptError`, even where the
        app caught the error (`with_retry`, `with_fallbacks`, `except Exception`)."""
        return self._engine.script_errors

    @property
    def unused_responses(self) -> list[str]:
        """The ordered responses no call has played yet, e.g. `['responses[2]']`."""
        return self._engine.unused

    @property
    def clock_now(self) -> float:
        """Seconds on the virtual clock (0.0 for other clocks)."""
        clock = self._engine.clock
        return clock.now if isinstance(clock, VirtualClock) else 0.0


# Accepted by BaseChatModel/BaseLLM without being fields of their own.
_LEGACY_SETTINGS = frozenset({"callback_manager"})


def _setting_names(model: type[BaseModel]) -> dict[str, str]:
    """Every keyword a model accepts (field names and their aliases), to its field name."""
    names = {name: name for name in model.model_fields}
    for name, field in model.model_fields.items():
        aliases = [field.alias, field.validation_alias]
        for alias in aliases:
            if isinstance(alias, str):
                names[alias] = name
            elif isinstance(alias, AliasChoices):
                names.update({choice: name for choice in alias.choices if isinstance(choice, str)})
    return names


def _reject_unknown_settings(model: type[BaseModel], data: dict[str, Any], source: str) -> None:
    """A misspelt setting is an error, not a silently ignored keyword."""
    known = set(_setting_names(model)) | _LEGACY_SETTINGS
    for name in sorted(set(data) - known):
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean {close[0]!r}?" if close else "check the spelling"
        raise ScriptError(f"unknown setting for {model.__name__}; {hint}", source=source, path=name)


def _setting_error(error: ValidationError, source: str) -> ScriptError:
    first = error.errors()[0]
    path = ".".join(str(part) for part in first["loc"])
    return ScriptError(f"{first['msg']} (got {first.get('input')!r})", source=source, path=path)


class _Brief:
    """A value that shows itself cut short."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return brief_repr(self.value)
