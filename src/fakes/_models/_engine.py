"""What every fake shares: picking the next response, logging calls, planning chunks."""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from typing import Any

from langchain_core.messages.ai import UsageMetadata

from .._errors import ScriptError, ScriptExhaustedError
from .._script._cutting import Pieces, cut
from .._script._splitting import Split, Splitter, splitter
from .._script._validation import Kind, computed_response
from .._script._vocabulary import Latency, Response, Rule
from ._calls import Call, Method
from ._chunks import usage_metadata
from ._clock import Clock

# A call picked in advance by batch()/abatch(), handed to the invoke that plays it.
RESERVED: ContextVar[Call[Any] | None] = ContextVar("streamfakes_reserved", default=None)
RESERVATION_KEY = "__streamfakes_reserved_call"


class Engine:
    """The script's cursor and the call log of one fake model (thread-safe)."""

    def __init__(
        self,
        *,
        owner: str,
        responses: tuple[Response, ...],
        rules: tuple[Rule, ...],
        cycle: bool,
        split: Split,
        latency: Latency | None,
        clock: Clock,
        input_text: Callable[[Any], str],
        kind: Kind = "chat",
        source: str = "script",
    ) -> None:
        self.owner = owner
        self.kind: Kind = kind
        self.source = source
        self.split_setting = split
        self.responses = responses
        self.rules = rules
        self.cycle = cycle
        self.split = splitter(split)
        self._splitters: dict[Split, Splitter] = {}
        self.latency = latency
        self.clock = clock
        self.input_text = input_text
        self.calls: list[Call[Any]] = []
        self._next = 0
        self._played: set[int] = set()
        self._lock = threading.Lock()

    def __deepcopy__(self, memo: dict[int, Any]) -> Engine:
        """The same script with a fresh cursor, call log and clock (a lock cannot be copied)."""
        fresh = copy.copy(self)
        fresh.calls, fresh._next, fresh._played = [], 0, set()
        fresh._lock = threading.Lock()
        fresh.clock = copy.deepcopy(self.clock, memo)
        return fresh

    # -- picking ---------------------------------------------------------------

    def take(self, input: Any, options: dict[str, Any]) -> Call[Any]:
        """Log a new call and pick its response: a matching rule's, or the next one.

        `options` are the call's keyword arguments (`stop`, bound `tools`, ...). When
        nothing can answer, the call is logged with the error that `begin` will raise.
        """
        text = self.input_text(input)
        with self._lock:
            call: Call[Any] = Call(index=len(self.calls), method=None, input=input, kwargs=options)
            self.calls.append(call)
            try:
                call.source, call.response = self._pick(input, text, options)
            except (ScriptExhaustedError, ScriptError) as error:
                call.error = error
            return call

    def _pick(self, input: Any, text: str, options: dict[str, Any]) -> tuple[str, Response]:
        for i, rule in enumerate(self.rules):
            if _matches(rule, i, input, text, options):
                return f"rules[{i}]", rule.response  # type: ignore[return-value]
        if self._next >= len(self.responses):
            if not (self.cycle and self.responses):
                raise self._exhausted(text)
            self._next = 0
        position = self._next
        self._next += 1
        self._played.add(position)
        return f"responses[{position}]", self.responses[position]

    def _exhausted(self, text: str) -> ScriptExhaustedError:
        played = "\n".join(self._describe_call(call) for call in self.calls[:-1])
        scripted = "\n".join(
            f"  responses[{i}]: {self.describe_response(i)}" for i in range(len(self.responses))
        )
        return ScriptExhaustedError(
            f"{self.owner} has no response left for call {len(self.calls) - 1} "
            f"(input {_preview(text)}).\n"
            f"It scripted {len(self.responses)} response(s):\n{scripted or '  (none)'}\n"
            f"and has played them in these calls:\n{played or '  (none)'}\n"
            "Add responses, pass cycle=True to replay them, or add a Rule for this input."
        )

    def _owns(self, call: Call[Any]) -> bool:
        return call.index < len(self.calls) and self.calls[call.index] is call

    def _describe_call(self, call: Call[Any]) -> str:
        method, source = call.method or "-", call.source or "-"
        return f"  call {call.index}: {method:<7} {source:<14} input {self._input_preview(call)}"

    def _input_preview(self, call: Call[Any]) -> str:
        return _preview(self.input_text(call.input))

    @property
    def unused(self) -> list[str]:
        """The ordered responses no call has played yet (rules are never 'unused')."""
        return [f"responses[{i}]" for i in self.unused_positions]

    @property
    def unused_positions(self) -> list[int]:
        return [i for i in range(len(self.responses)) if i not in self._played]

    @property
    def script_errors(self) -> list[Call[Any]]:
        """The calls that raised `ScriptExhaustedError` or `ScriptError` (the script had
        no answer, or a rule's condition failed), caught by the app or not."""
        return [c for c in self.calls if isinstance(c.error, (ScriptExhaustedError, ScriptError))]

    def describe_script_error(self, call: Call[Any]) -> str:
        """The call and the error it raised, for a teardown report."""
        message = "\n".join(f"    {line}" for line in str(call.error).splitlines())
        return (
            f"  call {call.index} ({call.method or 'batch'}, input {self._input_preview(call)}) "
            f"of {self.owner} raised {type(call.error).__name__}:\n{message}"
        )

    def describe_response(self, position: int) -> str:
        """A short preview of a scripted response, for messages."""
        response = self.responses[position]
        return _preview(response.content_text or _describe(response))

    # -- planning --------------------------------------------------------------

    def begin(
        self, method: Method, input: Any, kwargs: dict[str, Any]
    ) -> tuple[Call[Any], Response]:
        """The call to play now (the one batch() reserved for it, or a new one) and its
        response; raises what picking the response raised."""
        call = RESERVED.get()
        # Only this engine's reservation, and only once: a callback that calls another
        # fake (or this one again) inside the batched call must pick its own response.
        if call is not None and self._owns(call) and call.method is None:
            RESERVED.set(None)
        else:
            call = self.take(input, kwargs)
        call.method = method
        call.kwargs = kwargs
        if call.response is None:
            assert call.error is not None  # take() records why there is no response
            raise call.error
        if call.response.function is not None:
            try:
                call.response = self._computed(call, call.response)
            except ScriptError as error:
                call.error = error
                raise
        return call, call.response

    def _computed(self, call: Call[Any], response: Response) -> Response:
        """The answer a response function computes for this call, checked as a script is."""
        function = response.function
        assert function is not None
        name = getattr(function, "__name__", repr(function))
        try:
            result = function(call.input, dict(call.kwargs))
        except Exception as error:
            raise ScriptError(
                f"the response function {name} raised {error!r} for call {call.index}; "
                "make it return text, a Response or an AIMessage for every input",
                source=self.source,
                path=call.source,
            ) from error
        computed = computed_response(
            result,
            f"{call.source} (returned by {name})",
            split=self.split_setting,
            source=self.source,
            kind=self.kind,
        )
        # The function's own Response may set timing and splitting for what it returns.
        return replace(
            computed,
            latency=computed.latency or response.latency,
            split=computed.split if computed.split is not None else response.split,
        )

    def splitter_for(self, response: Response) -> Splitter:
        if response.split is None:
            return self.split
        # Made once per setting: a regex is checked for backtracking when it is made.
        made = self._splitters.get(response.split)
        if made is None:
            made = self._splitters[response.split] = splitter(response.split)
        return made

    def pieces(self, response: Response, stop: Sequence[str] | None = None) -> Pieces:
        return cut(response, self.splitter_for(response), stop)

    def latency_of(self, response: Response) -> Latency | None:
        """The response's latency or the model's; None when there is nothing to wait."""
        latency = response.latency or self.latency
        return None if latency is None or latency.is_zero else latency

    def delays(self, response: Response, count: int, call_index: int) -> list[float] | None:
        latency = self.latency_of(response)
        return latency.delays(count, call_index=call_index) if latency else None

    def each_delay(self, response: Response, call_index: int) -> Iterator[float] | None:
        """The delay before each chunk, as they are read; None when there is no latency."""
        latency = self.latency_of(response)
        return latency.each_delay(call_index=call_index) if latency else None

    def count_tokens(self, text: str) -> int:
        return sum(1 for _ in self.split(text))

    def usage(
        self, response: Response | None, inputs: Iterable[str], output_tokens: int
    ) -> UsageMetadata:
        """The response's scripted usage, with what is missing counted from the inputs."""
        input_tokens = sum(map(self.count_tokens, inputs))
        scripted = response.usage if response else None
        return usage_metadata(scripted, input_tokens=input_tokens, output_tokens=output_tokens)


def _matches(rule: Rule, position: int, input: Any, text: str, options: dict[str, Any]) -> bool:
    if rule.contains is not None and rule.contains not in text:
        return False
    if rule.matches is not None and re.search(rule.matches, text) is None:
        return False
    if rule.bound_tool is not None and rule.bound_tool not in _tool_names(options):
        return False
    if rule.when is None:
        return True
    try:
        return bool(rule.when(input))
    except Exception as error:
        raise ScriptError(
            f"the condition raised {error!r}; make it return True or False for every input",
            path=f"rules[{position}].when",
        ) from error


def _tool_names(options: dict[str, Any]) -> set[str]:
    """Names of the tools bound for a call (OpenAI format, as `bind_tools` records them)."""
    names = set()
    for tool in options.get("tools") or ():
        function = tool.get("function", tool) if isinstance(tool, dict) else {}
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            names.add(function["name"])
    return names


def _preview(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= width else text[: width - 1] + "…")


def _describe(response: Response) -> str:
    if response.function is not None:
        return f"function: {getattr(response.function, '__name__', repr(response.function))}"
    if response.tool_calls:
        return "tool calls: " + ", ".join(c.name for c in response.tool_calls)
    if response.fault is not None:
        return f"fault: {response.fault.exception()!r}"
    return ""


def pop_reservation(config: Any) -> tuple[Any, Call[Any] | None]:
    """Split a batch() reservation off an invoke config (a no-op for other configs)."""
    configurable = (config or {}).get("configurable") or {}
    if RESERVATION_KEY not in configurable:
        return config, None
    rest = {k: v for k, v in configurable.items() if k != RESERVATION_KEY}
    return {**config, "configurable": rest}, configurable[RESERVATION_KEY]


@contextmanager
def reserved(call: Call[Any] | None) -> Iterator[None]:
    """Within this block, the model plays `call` (reserved by batch) instead of picking."""
    if call is None:
        yield
        return
    token = RESERVED.set(call)
    try:
        yield
    finally:
        RESERVED.reset(token)


def reserve_batch(
    engine: Engine,
    inputs: Sequence[Any],
    configs: list[Any],
    to_input: Callable[[Any], Any],
    options: dict[str, Any],
) -> list[Any]:
    """Pick every input's response in input order and attach it to that input's config.

    A pick that fails (the script ran out) is attached too, and raised (or returned,
    with `return_exceptions=True`) when that input's call runs, as a real error would be.
    """
    configs_with_calls = []
    for input, config in zip(inputs, configs, strict=True):
        try:
            messages = to_input(input)
        except Exception:
            # Not a valid input: no reservation, so its own call raises LangChain's error.
            configs_with_calls.append(config)
            continue
        call = engine.take(messages, {"stop": options.get("stop"), **options})
        configurable = {**(config.get("configurable") or {}), RESERVATION_KEY: call}
        configs_with_calls.append({**config, "configurable": configurable})
    return configs_with_calls
