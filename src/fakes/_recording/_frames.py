"""What the read-back of every wire format shares: bytes to lines to server-sent events,
the answer read so far (a `Draft`), usage counts and provider errors."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .._errors import (
    ConnectionDroppedError,
    ContentFilterError,
    MalformedFrameError,
    ProviderError,
    RateLimitError,
    ServerError,
)
from .._script._vocabulary import Fault, Latency, Response, ToolCall

# Error types (OpenAI's and Anthropic's) and the HTTP status they stand for.
_ERROR_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "api_error": 500,
    "server_error": 500,
    "overloaded_error": 529,
}


def provider_error(message: str, kind: str = "", status: int | None = None) -> ProviderError:
    """The closest `fakes` error to a provider's error: by HTTP status when known, else
    by the error type (`kind`) the provider named."""
    if status == 429 or "rate_limit" in kind:
        return RateLimitError(message)
    if "content_filter" in kind:
        return ContentFilterError(message)
    if status is None:
        status = next((s for name, s in _ERROR_STATUS.items() if name in kind), 500)
    return ServerError(message, status_code=status)


def read_error(error: Any, status: int | None = None) -> ProviderError:
    """The error an error frame or body describes: `{"message", "type", "code"}`
    (OpenAI, Anthropic; Gemini's numeric `code` is the HTTP status) or a bare message
    (Ollama); `status` when a body came with one."""
    if not isinstance(error, dict):
        return provider_error(str(error), status=status)
    code = error.get("code")
    if status is None and isinstance(code, int) and 400 <= code < 600:
        status = code  # Gemini's errors carry the HTTP status as their code
    kind = " ".join(as_text(error.get(key)) for key in ("type", "code"))
    return provider_error(as_text(error.get("message")) or str(error), kind, status)


# -- what has been read so far -----------------------------------------------------


@dataclass
class DraftCall:
    """A tool call being read: its fragments, or (arriving whole) its parsed arguments."""

    name: str = ""
    id: str | None = None
    fragments: list[str] = field(default_factory=list)
    args: dict[str, Any] | None = None

    def tool_call(self) -> ToolCall:
        if self.args is not None:
            # One fragment: the call streams whole again, as it arrived.
            return ToolCall(self.name, self.args, id=self.id, fragments=1)
        return ToolCall(self.name, id=self.id, chunks=list(self.fragments))


@dataclass
class Draft:
    """The answer read so far, in script terms."""

    chunks: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    calls: dict[int, DraftCall] = field(default_factory=dict)
    usage: dict[str, Any] | None = None
    finish_reason: str | None = None
    id: str | None = None
    times: list[float] = field(default_factory=list)
    """When each token-carrying frame arrived."""
    fault: Fault | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    """`response_metadata` the provider sent beside the tokens (OpenAI's
    `system_fingerprint`, `service_tier`, `logprobs`)."""

    def call(self, key: int, name: Any = None, id: Any = None) -> DraftCall:
        """The tool call at `key` (created on first sight); a name or id given fills it."""
        call = self.calls.setdefault(key, DraftCall())
        if isinstance(name, str) and name:
            call.name = name
        if isinstance(id, str) and id:
            call.id = id
        return call

    def fail(self, error: ProviderError) -> None:
        """An error frame: the answer fails after the tokens received so far."""
        if self.fault is None:
            self.fault = Fault(error, after_chunks=len(self.times))

    def response(self) -> Response:
        return Response(
            chunks=list(self.chunks) or None,
            reasoning_chunks=list(self.reasoning) or None,
            tool_calls=[call.tool_call() for call in self.calls.values()],
            usage=dict(self.usage) if self.usage is not None else None,
            finish_reason=self.finish_reason,
            id=self.id,
            latency=Latency.from_arrivals(self.times),
            fault=self.fault,
            response_metadata=dict(self.metadata),
        )


# -- bytes to lines to events ------------------------------------------------------------


class Lines:
    """Whole lines from bytes cut anywhere: UTF-8 is decoded only once a line is whole,
    so a character cut in two between reads arrives intact."""

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, data: bytes) -> list[str]:
        *lines, self._pending = (self._pending + data).split(b"\n")
        return [_strip_cr(line).decode("utf-8", "replace") for line in lines]


def _strip_cr(line: bytes) -> bytes:
    return line[:-1] if line.endswith(b"\r") else line  # a CRLF line ending


class Events:
    """Server-sent events from lines: `event:` and `data:` fields up to a blank line."""

    def __init__(self) -> None:
        self._event = ""
        self._data: list[str] = []

    def line(self, line: str) -> tuple[str, str] | None:
        """The (event, data) a blank line completes, or None."""
        if not line:
            event, data = self._event, self._data
            self._event, self._data = "", []
            return (event, "\n".join(data)) if data else None
        if line.startswith(":"):
            return None  # a comment: some servers keep the connection alive with them
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        return None


def json_object(text: str) -> dict[str, Any] | None:
    """A JSON object, or None for anything else (`[DONE]`, a garbled frame)."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def as_mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def as_optional_text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


# -- streams -----------------------------------------------------------------------------


class Stream:
    """A reader of one streamed body; subclasses read its lines."""

    def __init__(self) -> None:
        self.model: str | None = None
        self.complete = False
        self._draft = Draft()
        self._lines = Lines()

    def feed(self, data: bytes, at: float) -> None:
        for line in self._lines.feed(data):
            self._line(line, at)

    def response(self) -> Response:
        return self._draft.response()

    def dropped(self, why: str) -> None:
        """The connection broke (or the body ended before its last frame): recorded as the
        `ConnectionDroppedError` it is, after the tokens received so far."""
        if not self.complete:
            self._draft.fail(ConnectionDroppedError(f"the provider's stream broke off: {why}"))

    def malformed(self, text: str) -> None:
        """A frame that is not a JSON object: recorded as a `MalformedFrameError`."""
        if text.strip():
            self._draft.fail(MalformedFrameError(f"a frame that is not JSON: {text[:80]!r}"))

    def _line(self, line: str, at: float) -> None:
        raise NotImplementedError

    def _payload(self, text: str) -> dict[str, Any] | None:
        """A frame's JSON object, its id and model taken; None when there is nothing
        more to read (not an object, or an error frame, recorded as the fault)."""
        payload = json_object(text)
        if payload is None:
            self.malformed(text)
            return None
        if payload.get("error"):
            self._draft.fail(read_error(payload["error"]))
            return None
        self._identify(payload)
        return payload

    def _identify(self, message: dict[str, Any]) -> None:
        """Take the id and model a frame names."""
        if isinstance(message.get("id"), str):
            self._draft.id = message["id"]
        if isinstance(message.get("model"), str):
            self.model = message["model"]


class EventStream(Stream):
    """A server-sent event stream (OpenAI, Anthropic)."""

    def __init__(self) -> None:
        super().__init__()
        self._events = Events()

    def _line(self, line: str, at: float) -> None:
        event = self._events.line(line)
        if event is not None:
            self._event(*event, at)

    def _event(self, event: str, data: str, at: float) -> None:
        raise NotImplementedError


def whole(
    body: dict[str, Any],
    *,
    text: str,
    reasoning: str = "",
    tool_calls: list[ToolCall] | None = None,
    usage: dict[str, Any] | None,
    finish_reason: Any,
    metadata: dict[str, Any] | None = None,
) -> Response:
    """A whole answer's `Response`, with the id the body names."""
    return Response(
        response_metadata=metadata or {},
        text=text,
        reasoning=reasoning,
        tool_calls=tool_calls or [],
        usage=usage,
        finish_reason=as_optional_text(finish_reason),
        id=as_optional_text(body.get("id")),
    )


# -- usage -------------------------------------------------------------------------------


def usage_counts(input_tokens: int, output_tokens: int, total: Any = None) -> dict[str, Any]:
    """LangChain's `usage_metadata` keys; the total is the sum unless the provider says."""
    total_tokens = total if isinstance(total, int) else input_tokens + output_tokens
    return {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "total_tokens": total_tokens,
    }


def token_counts(source: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, int]:
    """The token counts `source` has, renamed by `names` (provider name -> LangChain's)."""
    return {ours: source[theirs] for ours, theirs in names.items() if _is_count(source, theirs)}


def _is_count(source: Mapping[str, Any], key: str) -> bool:
    value = source.get(key)
    return isinstance(value, int) and not isinstance(value, bool)


def with_details(
    usage: dict[str, Any], input_details: dict[str, int], output_details: dict[str, int]
) -> dict[str, Any]:
    if input_details:
        usage["input_token_details"] = input_details
    if output_details:
        usage["output_token_details"] = output_details
    return usage
