"""The script settings every fake model shares, as pydantic fields."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, ValidationError
from typing_extensions import Self

from ._calls import Call
from ._clock import Clock, RealClock, VirtualClock
from ._engine import Engine
from ._errors import ScriptError
from ._script import Latency, ScriptItem
from ._validation import Kind, check_clock, checked_script


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
    model_name: str = "fake-model"
    """Reported as `ls_model_name` and `response_metadata["model_name"]`."""
    provider: str = "streamfakes"
    """Reported as `ls_provider` in the run metadata."""
    stop: list[str] | None = None
    """Stop sequences for every call (a call's own `stop` replaces them), as real APIs take."""
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
    cache: Any = Field(default=False, exclude=True)
    """Off by default: a global LLM cache would answer from another fake's script (they
    share a model name) instead of this one's. Pass `cache=True` or a cache to test caching."""

    _engine: Engine = PrivateAttr()
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
        self._start_engine(source)

    @classmethod
    def from_script(cls, path: str | Path, **overrides: Any) -> Self:
        """A fake scripted by a YAML or JSON file; keyword arguments override its settings."""
        from ._files import load_script

        return cls(**{**load_script(path, kind=cls.script_kind), **overrides})

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
        )

    def _stop_for(self, stop: list[str] | None) -> list[str] | None:
        return stop if stop is not None else self.stop

    def _model_for(self, kwargs: dict[str, Any]) -> str:
        """The model a call asked for (`invoke(..., model="other")`), as real APIs allow."""
        model = kwargs.get("model")
        return model if isinstance(model, str) else self.model_name

    def _input_text(self, input: Any) -> str:
        raise NotImplementedError

    @property
    def calls(self) -> list[Call[Any]]:
        """Every call so far, in order (batch: in input order)."""
        return self._engine.calls

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


def _reject_unknown_settings(model: type[BaseModel], data: dict[str, Any], source: str) -> None:
    """A misspelt setting is an error, not a silently ignored keyword."""
    known = set(model.model_fields) | _LEGACY_SETTINGS
    known |= {field.alias for field in model.model_fields.values() if field.alias}
    for name in sorted(set(data) - known):
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean {close[0]!r}?" if close else "check the spelling"
        raise ScriptError(f"unknown setting for {model.__name__}; {hint}", source=source, path=name)


def _setting_error(error: ValidationError, source: str) -> ScriptError:
    first = error.errors()[0]
    path = ".".join(str(part) for part in first["loc"])
    return ScriptError(f"{first['msg']} (got {first.get('input')!r})", source=source, path=path)
