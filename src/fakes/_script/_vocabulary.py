"""The script vocabulary: what a fake answers, how it streams, and how it fails."""

from __future__ import annotations

import random
import re
import reprlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields
from itertools import chain, islice, repeat
from typing import Any, Literal

from langchain_core.messages import AIMessage

from .._errors import ServerError
from ._recorded import raw_text
from ._splitting import Split

ContentFormat = Literal["auto", "text", "blocks"]


def concise_repr(value: Any, *, positional: tuple[str, ...] = (), brief: bool = False) -> str:
    """`Name(field=value, ...)` with only the fields that differ from their defaults:
    short enough to read in a failure message, and valid Python to paste into a test.
    `brief` cuts very long values short with `...` (see `brief_repr`)."""
    shown = _BOUNDED.repr if brief else repr
    parts = []
    for spec in fields(value):
        current = getattr(value, spec.name)
        if spec.name in positional:
            parts.append(shown(current))
            continue
        default = spec.default_factory() if spec.default_factory is not MISSING else spec.default
        if current != default:
            if isinstance(current, tuple) and spec.name != "args":
                # As it was written (briefly: no more of it than is shown).
                current = list(current[: _BOUNDED.maxlist + 1] if brief else current)
            parts.append(f"{spec.name}={shown(current)}")
    return f"{type(value).__name__}({', '.join(parts)})"


def brief_repr(value: Any) -> str:
    """A repr with long strings, lists and dicts cut short (`...`), for a model's own repr:
    LangChain puts it in every run's serialized form, so a long script must not make a
    long string (or take long to make)."""
    return _BOUNDED.repr(value)


class _BoundedRepr(reprlib.Repr):
    """`repr` that cuts long strings, lists and dicts short; dicts keep their order."""

    def repr_dict(self, x: dict[Any, Any], level: int) -> str:
        if not x:
            return "{}"
        if level <= 0:
            return "{...}"
        shown = [
            f"{self.repr1(key, level - 1)}: {self.repr1(item, level - 1)}"
            for key, item in islice(x.items(), self.maxdict)
        ]
        if len(x) > self.maxdict:
            shown.append("...")
        return "{" + ", ".join(shown) + "}"

    def repr_instance(self, x: Any, level: int) -> str:
        positional = _VOCABULARY.get(type(x))
        if positional is not None:  # ours: brief all the way down
            return concise_repr(x, positional=positional, brief=True)
        return super().repr_instance(x, level)


_BOUNDED = _BoundedRepr()
_BOUNDED.maxlevel = 6
_BOUNDED.maxstring = _BOUNDED.maxother = 200
_BOUNDED.maxlist = _BOUNDED.maxtuple = _BOUNDED.maxset = _BOUNDED.maxdict = 20
_BOUNDED.maxlong = 100


@dataclass(frozen=True)
class ToolCall:
    """A tool call the model makes, streamed as `tool_call_chunks`.

    >>> ToolCall("get_weather", {"city": "Paris"}, id="call_1").arguments_json()
    '{"city":"Paris"}'
    """

    name: str
    """The tool's name, as bound with `bind_tools`."""
    args: Mapping[str, Any] | None = None
    """The arguments; serialised to compact JSON, as providers send them."""
    id: str | None = None
    """The tool call id; a deterministic `call_<call>_<n>` when omitted."""
    raw_args: str | None = None
    """Exact argument text instead of `args`; text that partial-JSON repair cannot fix
    (e.g. `'{"city": Paris}'`) ends up in `invalid_tool_calls`."""
    fragments: int | None = None
    """How many pieces the argument text arrives in; tokenizer-like pieces when omitted."""
    chunks: Sequence[str] | None = None
    """The exact argument fragments, in order, instead of `args` (recorded streams, fuzzing)."""

    def arguments_json(self) -> str:
        """The argument text as it goes over the wire."""
        if self.chunks is not None:
            return "".join(self.chunks)
        if self.raw_args is not None:
            return self.raw_args
        import json

        return json.dumps(dict(self.args or {}), separators=(",", ":"), ensure_ascii=False)

    def __repr__(self) -> str:
        return concise_repr(self, positional=("name",))


@dataclass(frozen=True)
class Fault:
    """A failure: raise `error` after `after_chunks` chunks (0: before the first chunk).

    Chunks before the fault are delivered and recorded. As an item of `responses`, a
    `Fault` makes that call fail before its first chunk.
    """

    error: BaseException | type[BaseException] | None = None
    """The exception to raise; a `ServerError` when omitted."""
    after_chunks: int = 0
    """How many chunks reach the consumer before the error."""

    def exception(self) -> BaseException:
        """A raisable exception, fresh for classes and without a stale traceback."""
        error = self.error if self.error is not None else ServerError()
        if isinstance(error, type):
            return error()
        return error.with_traceback(None)

    def __repr__(self) -> str:
        return concise_repr(self)


@dataclass(frozen=True)
class Latency:
    """Simulated timing, in seconds, on the model's clock (virtual unless `real_time`).

    >>> Latency(ttft=0.5, per_chunk=0.1).delays(3, call_index=0)
    [0.5, 0.1, 0.1]
    """

    ttft: float = 0.0
    """Delay before the first chunk (time to first token)."""
    per_chunk: float = 0.0
    """Delay before each following chunk."""
    jitter: float = 0.0
    """Each delay is scaled by a factor drawn from [1 - jitter, 1 + jitter]."""
    seed: int = 0
    """Seed of the jitter; with the call's index it fixes every delay."""
    chunk_delays: Sequence[float] = ()
    """Exact delays before the first chunks (recorded timings), instead of `ttft`;
    `per_chunk` applies to the chunks after them."""

    @classmethod
    def from_arrivals(cls, times: Sequence[float]) -> Latency | None:
        """The latency that replays chunks arriving at `times` (seconds since the call
        began), to the millisecond; None for no chunks.

        >>> Latency.from_arrivals([0.25, 0.3, 0.3504])
        Latency(chunk_delays=[0.25, 0.05, 0.05])
        """
        if not times:
            return None
        # Arrival times are rounded first, so the delays add up to them without drift.
        marks = [round(t, 3) for t in times]
        pairs = zip([0.0, *marks[:-1]], marks, strict=True)
        return cls(chunk_delays=tuple(round(max(b - a, 0.0), 3) for a, b in pairs))

    def delays(self, count: int, *, call_index: int) -> list[float]:
        """The delay before each of `count` chunks, the same for the same call index."""
        return list(islice(self.each_delay(call_index=call_index), count))

    def each_delay(self, *, call_index: int) -> Iterator[float]:
        """The delay before each chunk, for as many chunks as are read."""
        first = self.chunk_delays or [self.ttft]
        delays = chain(first, repeat(self.per_chunk))
        if not self.jitter:
            return delays
        rng = random.Random(f"{self.seed}:{call_index}")
        return (d * rng.uniform(1 - self.jitter, 1 + self.jitter) for d in delays)

    @property
    def is_zero(self) -> bool:
        return self.ttft == 0 and self.per_chunk == 0 and not any(self.chunk_delays)

    def __repr__(self) -> str:
        return concise_repr(self)


@dataclass(frozen=True)
class Response:
    """One scripted answer: its text, reasoning, tool calls, usage, metadata and faults."""

    text: str = ""
    """The answer's text, split into chunks by `split` (the model's, unless set here)."""
    chunks: Sequence[str] | None = None
    """The exact text chunks, instead of `text`."""
    reasoning: str = ""
    """Reasoning streamed before the text."""
    reasoning_chunks: Sequence[str] | None = None
    """The exact reasoning chunks, instead of `reasoning`."""
    tool_calls: Sequence[ToolCall] = ()
    """Tool calls streamed after the text, one after another (parallel calls)."""
    usage: Mapping[str, Any] | None = None
    """`usage_metadata` for the last chunk; counted from input and chunks when omitted."""
    finish_reason: str | None = None
    """`response_metadata["finish_reason"]`; `tool_calls` or `stop` when omitted."""
    id: str | None = None
    """The message id on every chunk; a deterministic `msg-<call>` when omitted."""
    content_format: ContentFormat = "auto"
    """`text` (a string), `blocks` (content blocks), or `auto`: blocks with reasoning."""
    response_metadata: Mapping[str, Any] = field(default_factory=dict)
    """Extra `response_metadata` on the last chunk."""
    additional_kwargs: Mapping[str, Any] = field(default_factory=dict)
    """`additional_kwargs` of the message, on its first chunk; a legacy `function_call`'s
    arguments stream in fragments after the text, as tool-call arguments do."""
    function: ResponseFunction | None = None
    """Compute the answer at call time from the input (messages, or the prompt) and the
    call's options (`stop`, bound `tools`, ...): it returns text, a `Response` or an
    `AIMessage`. Given as a bare callable in `responses=[...]` too."""
    fault: Fault | None = None
    """Fail part-way through this response."""
    latency: Latency | None = None
    """Timing for this response, instead of the model's."""
    split: Split | None = None
    """How to split `text` and `reasoning`, instead of the model's."""
    raw_chunks: Sequence[Mapping[str, Any]] | None = None
    """Chunks replayed field by field, as `streamfakes record` writes them: the
    `AIMessageChunk` fields of each (chat models), or `text` and `generation_info` (LLMs).
    Nothing is split, counted or added; use it instead of the fields above."""

    @property
    def content_text(self) -> str:
        if self.raw_chunks is not None:
            return raw_text(self.raw_chunks)
        return "".join(self.chunks) if self.chunks is not None else self.text

    @property
    def reasoning_text(self) -> str:
        if self.reasoning_chunks is not None:
            return "".join(self.reasoning_chunks)
        return self.reasoning

    def __repr__(self) -> str:
        return concise_repr(self)


# The script's finish reasons (OpenAI's) as Anthropic's stop reasons, and back.
ANTHROPIC_STOP_REASONS = {
    "stop": "end_turn",
    "tool_calls": "tool_use",
    "length": "max_tokens",
    "content_filter": "refusal",
}
FINISH_REASONS = {v: k for k, v in ANTHROPIC_STOP_REASONS.items()} | {"stop_sequence": "stop"}


def finish_reason(response: Response) -> str:
    """The finish reason a response ends with: its own, or what its content implies."""
    if response.finish_reason is not None:
        return response.finish_reason
    return "tool_calls" if response.tool_calls else "stop"


ResponseFunction = Callable[[Any, Mapping[str, Any]], Any]
"""`function(input, options)`: input is the list of messages (chat models) or the prompt
(LLMs); options are the call's keyword arguments; returns text, a `Response` or an
`AIMessage`."""

ScriptItem = str | Response | Fault | AIMessage | ResponseFunction
"""What `responses=[...]` accepts: text, a `Response`, a `Fault` (the call fails), an
`AIMessage` / `AIMessageChunk` (streamed with all its fields), or a function of the
input and options computing one of these at call time."""


def echo(input: Any, options: Mapping[str, Any]) -> str:
    """A response function that answers with the text of the last input message (or
    the prompt): `FakeChatModel(responses=[echo], cycle=True)` parrots every call.

    >>> echo("Say it back", {})
    'Say it back'
    """
    if isinstance(input, str):
        return input
    return str(input[-1].text) if input else ""


Condition = Callable[[Any], bool]


@dataclass(frozen=True, kw_only=True)
class Rule:
    """Answer with `response` whenever a call matches, before the ordered responses.

    Give one or more conditions; all must hold. `contains` (substring) and `matches`
    (regex search) look at the text of the last input message (the prompt, for LLMs);
    `when` receives the whole input (the list of messages, or the prompt string);
    `bound_tool` holds when a tool of that name is bound for the call (e.g. the schema
    `with_structured_output` binds).
    """

    response: ScriptItem
    contains: str | None = None
    matches: str | re.Pattern[str] | None = None
    when: Condition | None = None
    bound_tool: str | None = None


# The script's own types, and the fields their reprs show by position.
_VOCABULARY: dict[type, tuple[str, ...]] = {
    ToolCall: ("name",),
    Fault: (),
    Latency: (),
    Response: (),
    Rule: (),
}
