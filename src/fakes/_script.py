"""The script vocabulary: what a fake answers, how it streams, and how it fails."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ._splitting import Split

ContentFormat = Literal["auto", "text", "blocks"]


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

    def arguments_json(self) -> str:
        """The argument text as it goes over the wire."""
        if self.raw_args is not None:
            return self.raw_args
        import json

        return json.dumps(dict(self.args or {}), separators=(",", ":"), ensure_ascii=False)


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
        from ._errors import ServerError

        error = self.error if self.error is not None else ServerError()
        if isinstance(error, type):
            return error()
        return error.with_traceback(None)


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

    def delays(self, count: int, *, call_index: int) -> list[float]:
        """The delay before each of `count` chunks, the same for the same call index."""
        delays = [self.ttft] + [self.per_chunk] * max(count - 1, 0)
        if self.jitter:
            rng = random.Random(f"{self.seed}:{call_index}")
            delays = [d * rng.uniform(1 - self.jitter, 1 + self.jitter) for d in delays]
        return delays[:count]

    @property
    def is_zero(self) -> bool:
        return self.ttft == 0 and self.per_chunk == 0


@dataclass(frozen=True)
class Response:
    """One scripted answer: its text, reasoning, tool calls, usage, metadata and faults."""

    text: str = ""
    """The answer's text, split into chunks by `split` (the model's, unless set here)."""
    chunks: Sequence[str] | None = None
    """The exact text chunks, instead of `text`."""
    reasoning: str = ""
    """Reasoning streamed before the text."""
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
    fault: Fault | None = None
    """Fail part-way through this response."""
    latency: Latency | None = None
    """Timing for this response, instead of the model's."""
    split: Split | None = None
    """How to split `text` and `reasoning`, instead of the model's."""

    @property
    def content_text(self) -> str:
        return "".join(self.chunks) if self.chunks is not None else self.text


ScriptItem = str | Response | Fault
"""What `responses=[...]` accepts: text, a `Response`, or a `Fault` (the call fails)."""

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
