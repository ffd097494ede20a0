"""Read what a provider sent back into a script `Response`: the inverse of the renderers.

A recording proxy feeds the bytes of a real answer, as they arrive, to a `StreamReader`
(or hands a whole JSON answer to `read_whole`), and saves the `Response` it reads: exact
chunks, tool-call fragments, usage, finish reason, id, per-chunk timing and a mid-stream
error, so that the fake servers and `FakeChatModel` replay the same answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from .._chunks import FINISH_REASONS
from .._errors import ContentFilterError, ProviderError, RateLimitError, ServerError
from .._script import Fault, Latency, Response, ToolCall

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


class StreamReader(Protocol):
    """Reads one streamed answer, fed as it arrives, into a script `Response`."""

    model: str | None
    """The model name the provider reported, if any."""
    complete: bool
    """Whether the stream's closing frame arrived (False: cut short, or still going)."""

    def feed(self, data: bytes, at: float) -> None:
        """Bytes as they arrive (cut anywhere, even inside a UTF-8 character); `at` is
        seconds since the request was sent."""

    def response(self) -> Response:
        """The answer read so far."""


def stream_reader(path: str) -> StreamReader | None:
    """A reader for a streamed answer from the endpoint at `path`; None if unknown."""
    readers: dict[str, Callable[[], StreamReader]] = {
        "chat": _ChatCompletionsStream,
        "completions": _CompletionsStream,
        "messages": _MessagesStream,
        "ollama": _OllamaStream,
    }
    kind = _endpoint(path)
    return readers[kind]() if kind else None


def read_whole(path: str, body: Any, status: int | None = None) -> Response | None:
    """A non-streamed JSON answer from the endpoint at `path` as a `Response`; None if
    the path is unknown. An error body (sent with HTTP `status`) reads as a `Response`
    that fails at once."""
    readers: dict[str, Callable[[dict[str, Any]], Response]] = {
        "chat": _whole_chat,
        "completions": _whole_completion,
        "messages": _whole_message,
        "ollama": _whole_ollama,
    }
    kind = _endpoint(path)
    if not kind or not isinstance(body, dict):
        return None
    error = _error(body["error"], status) if body.get("error") else None
    if error is not None:
        return Response(fault=Fault(error))
    return readers[kind](body)


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


def _endpoint(path: str) -> str:
    """Which format a path speaks, by its end: proxied OpenAI-compatible servers put
    their own prefix before `/chat/completions` (`/openai/v1/...`, `/api/v1/...`)."""
    path = path.split("?", 1)[0].rstrip("/")
    ends = {
        "/chat/completions": "chat",
        "/completions": "completions",
        "/v1/messages": "messages",
        "/api/chat": "ollama",
    }
    # Dicts keep order: "/chat/completions" is tried before "/completions".
    return next((kind for end, kind in ends.items() if path.endswith(end)), "")


# -- what has been read so far ---------------------------------------------------------


@dataclass
class _Call:
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
class _Draft:
    """The answer read so far, in script terms."""

    chunks: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    calls: dict[int, _Call] = field(default_factory=dict)
    usage: dict[str, Any] | None = None
    finish_reason: str | None = None
    id: str | None = None
    times: list[float] = field(default_factory=list)
    """When each token-carrying frame arrived."""
    fault: Fault | None = None

    def call(self, key: int, name: Any = None, id: Any = None) -> _Call:
        """The tool call at `key` (created on first sight); a name or id given fills it."""
        call = self.calls.setdefault(key, _Call())
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
        )


# -- bytes to lines to events ------------------------------------------------------------


class _Lines:
    """Whole lines from bytes cut anywhere: UTF-8 is decoded only once a line is whole,
    so a character cut in two between reads arrives intact."""

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, data: bytes) -> list[str]:
        *lines, self._pending = (self._pending + data).split(b"\n")
        return [_strip_cr(line).decode("utf-8", "replace") for line in lines]


def _strip_cr(line: bytes) -> bytes:
    return line[:-1] if line.endswith(b"\r") else line  # a CRLF line ending


class _Events:
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


def _object(text: str) -> dict[str, Any] | None:
    """A JSON object, or None for anything else (`[DONE]`, a garbled frame)."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _optional_text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


# -- streams -----------------------------------------------------------------------------


class _Stream:
    """A reader of one streamed body; subclasses read its lines."""

    def __init__(self) -> None:
        self.model: str | None = None
        self.complete = False
        self._draft = _Draft()
        self._lines = _Lines()

    def feed(self, data: bytes, at: float) -> None:
        for line in self._lines.feed(data):
            self._line(line, at)

    def response(self) -> Response:
        return self._draft.response()

    def _line(self, line: str, at: float) -> None:
        raise NotImplementedError

    def _payload(self, text: str) -> dict[str, Any] | None:
        """A frame's JSON object, its id and model taken; None when there is nothing
        more to read (not an object, or an error frame, recorded as the fault)."""
        payload = _object(text)
        if payload is None:
            return None
        if payload.get("error"):
            self._draft.fail(_error(payload["error"]))
            return None
        self._identify(payload)
        return payload

    def _identify(self, message: dict[str, Any]) -> None:
        """Take the id and model a frame names."""
        if isinstance(message.get("id"), str):
            self._draft.id = message["id"]
        if isinstance(message.get("model"), str):
            self.model = message["model"]


class _EventStream(_Stream):
    """A server-sent event stream (OpenAI, Anthropic)."""

    def __init__(self) -> None:
        super().__init__()
        self._events = _Events()

    def _line(self, line: str, at: float) -> None:
        event = self._events.line(line)
        if event is not None:
            self._event(*event, at)

    def _event(self, event: str, data: str, at: float) -> None:
        raise NotImplementedError


class _OpenAIStream(_EventStream):
    """What OpenAI's two streamed formats share: `data:` frames, `[DONE]`, usage, errors."""

    def _event(self, event: str, data: str, at: float) -> None:
        if data == "[DONE]":
            self.complete = True
            return
        payload = self._payload(data)
        if payload is None:
            return
        if isinstance(payload.get("usage"), dict):
            self._draft.usage = _openai_usage(payload["usage"])
        choices = payload.get("choices")
        # Only the first choice: a script answers with one message (n=1).
        choice = _mapping(choices[0]) if isinstance(choices, list) and choices else {}
        if self._choice(choice):
            self._draft.times.append(at)
        if isinstance(choice.get("finish_reason"), str):
            self._draft.finish_reason = choice["finish_reason"]

    def _choice(self, choice: dict[str, Any]) -> bool:
        """Read one choice; whether it carried tokens."""
        raise NotImplementedError


class _ChatCompletionsStream(_OpenAIStream):
    """`/v1/chat/completions`: content, tool-call fragments (grouped by `index`), and the
    `reasoning_content` some OpenAI-compatible servers stream."""

    def _choice(self, choice: dict[str, Any]) -> bool:
        delta = _mapping(choice.get("delta"))
        # The first delta's `content: ""` (beside the role) carries no token.
        content = _text(delta.get("content"))
        reasoning = _text(delta.get("reasoning_content") or delta.get("reasoning"))
        calls = delta.get("tool_calls")
        calls = calls if isinstance(calls, list) else []
        if content:
            self._draft.chunks.append(content)
        if reasoning:
            self._draft.reasoning.append(reasoning)
        for call in calls:
            self._tool_delta(_mapping(call))
        return bool(content or reasoning or calls)

    def _tool_delta(self, delta: dict[str, Any]) -> None:
        function = _mapping(delta.get("function"))
        index = delta.get("index")
        if not isinstance(index, int):
            # Servers that leave out `index`: a new id starts a call, else the last goes on.
            last = max(self._draft.calls, default=-1)
            index = last + 1 if delta.get("id") or last < 0 else last
        call = self._draft.call(index, function.get("name"), delta.get("id"))
        # Even an empty fragment is kept: it is a frame, with a time, of its own.
        call.fragments.append(_text(function.get("arguments")))


class _CompletionsStream(_OpenAIStream):
    """`/v1/completions`: the legacy API streams `choices[0].text`."""

    def _choice(self, choice: dict[str, Any]) -> bool:
        text = _text(choice.get("text"))
        if text:
            self._draft.chunks.append(text)
        return bool(text)


class _MessagesStream(_EventStream):
    """`/v1/messages` (Anthropic): content blocks filled by deltas, usage in
    `message_start` and `message_delta`."""

    def __init__(self) -> None:
        super().__init__()
        self._usage: dict[str, Any] = {}

    def _event(self, event: str, data: str, at: float) -> None:
        payload = _object(data)
        if payload is None:
            return
        kind = payload.get("type") or event
        if kind == "message_start":
            message = _mapping(payload.get("message"))
            self._identify(message)
            self._add_usage(message.get("usage"))
        elif kind == "content_block_start":
            block = _mapping(payload.get("content_block"))
            if block.get("type") == "tool_use":
                self._draft.call(_index(payload), block.get("name"), block.get("id"))
        elif kind == "content_block_delta":
            if self._delta(_index(payload), _mapping(payload.get("delta"))):
                self._draft.times.append(at)
        elif kind == "message_delta":
            self._stop_reason(_mapping(payload.get("delta")).get("stop_reason"))
            self._add_usage(payload.get("usage"))
        elif kind == "message_stop":
            self.complete = True
        elif kind == "error":
            self._draft.fail(_error(payload.get("error")))

    def _delta(self, index: int, delta: dict[str, Any]) -> bool:
        """Read one delta; whether it carried tokens (a signature does not)."""
        kind = delta.get("type")
        if kind == "text_delta":
            self._draft.chunks.append(_text(delta.get("text")))
        elif kind == "thinking_delta":
            self._draft.reasoning.append(_text(delta.get("thinking")))
        elif kind == "input_json_delta":
            self._draft.call(index).fragments.append(_text(delta.get("partial_json")))
        else:
            return False
        return True

    def _stop_reason(self, reason: Any) -> None:
        if isinstance(reason, str):
            self._draft.finish_reason = FINISH_REASONS.get(reason, reason)

    def _add_usage(self, usage: Any) -> None:
        # message_delta repeats or updates what message_start said: later counts win.
        self._usage.update({k: v for k, v in _mapping(usage).items() if v is not None})
        if self._usage:
            self._draft.usage = _anthropic_usage(self._usage)


def _index(payload: dict[str, Any]) -> int:
    index = payload.get("index")
    return index if isinstance(index, int) else 0


class _OllamaStream(_Stream):
    """`/api/chat` (Ollama): one JSON object a line; tool calls arrive whole."""

    def _line(self, line: str, at: float) -> None:
        payload = self._payload(line)
        if payload is None:
            return
        if _ollama_message(self._draft, _mapping(payload.get("message"))):
            self._draft.times.append(at)
        if payload.get("done") is True:
            self.complete = True
            _ollama_done(self._draft, payload)


def _ollama_message(draft: _Draft, message: dict[str, Any]) -> bool:
    """Read one Ollama message (a line's, or a whole answer's); whether it had tokens."""
    content, thinking = _text(message.get("content")), _text(message.get("thinking"))
    calls = message.get("tool_calls")
    calls = calls if isinstance(calls, list) else []
    if content:
        draft.chunks.append(content)
    if thinking:
        draft.reasoning.append(thinking)
    for call in map(_mapping, calls):
        function = _mapping(call.get("function"))
        arguments = function.get("arguments")
        if isinstance(arguments, str):  # some servers send the arguments as text
            arguments = _object(arguments)
        read = draft.call(len(draft.calls), function.get("name"), call.get("id"))
        read.args = _mapping(arguments)
    return bool(content or thinking or calls)


def _ollama_done(draft: _Draft, payload: dict[str, Any]) -> None:
    """The closing line's finish reason and token counts."""
    if isinstance(payload.get("done_reason"), str):
        draft.finish_reason = payload["done_reason"]
    counts = [payload.get("prompt_eval_count"), payload.get("eval_count")]
    if any(isinstance(count, int) for count in counts):
        input_tokens, output_tokens = (c if isinstance(c, int) else 0 for c in counts)
        draft.usage = _usage(input_tokens, output_tokens)


# -- whole answers -------------------------------------------------------------------------


def _whole_chat(body: dict[str, Any]) -> Response:
    choice = _first_choice(body)
    message = _mapping(choice.get("message"))
    calls = message.get("tool_calls")
    return _whole(
        body,
        text=_text(message.get("content")),
        reasoning=_text(message.get("reasoning_content") or message.get("reasoning")),
        tool_calls=[_openai_call(_mapping(c)) for c in calls] if isinstance(calls, list) else [],
        usage=_openai_usage(body["usage"]) if isinstance(body.get("usage"), dict) else None,
        finish_reason=choice.get("finish_reason"),
    )


def _openai_call(call: dict[str, Any]) -> ToolCall:
    function = _mapping(call.get("function"))
    return ToolCall(
        _text(function.get("name")),
        id=_optional_text(call.get("id")),
        raw_args=_text(function.get("arguments")),  # exactly as sent
    )


def _whole_completion(body: dict[str, Any]) -> Response:
    choice = _first_choice(body)
    return _whole(
        body,
        text=_text(choice.get("text")),
        usage=_openai_usage(body["usage"]) if isinstance(body.get("usage"), dict) else None,
        finish_reason=choice.get("finish_reason"),
    )


def _whole_message(body: dict[str, Any]) -> Response:
    blocks = body.get("content")
    blocks = [_mapping(b) for b in blocks] if isinstance(blocks, list) else []
    reason = body.get("stop_reason")
    usage = _mapping(body.get("usage"))
    return _whole(
        body,
        text="".join(_text(b.get("text")) for b in blocks if b.get("type") == "text"),
        reasoning="".join(_text(b.get("thinking")) for b in blocks if b.get("type") == "thinking"),
        tool_calls=[
            ToolCall(
                _text(b.get("name")),
                _mapping(b.get("input")),
                id=_optional_text(b.get("id")),
            )
            for b in blocks
            if b.get("type") == "tool_use"
        ],
        usage=_anthropic_usage(usage) if usage else None,
        finish_reason=FINISH_REASONS.get(reason, reason) if isinstance(reason, str) else None,
    )


def _whole_ollama(body: dict[str, Any]) -> Response:
    draft = _Draft()
    _ollama_message(draft, _mapping(body.get("message")))
    _ollama_done(draft, body)
    return Response(
        text="".join(draft.chunks),
        reasoning="".join(draft.reasoning),
        # Whole, the arguments need no fragment count: replays split them like any other.
        tool_calls=[ToolCall(c.name, c.args, id=c.id) for c in draft.calls.values()],
        usage=draft.usage,
        finish_reason=draft.finish_reason,
    )


def _first_choice(body: dict[str, Any]) -> dict[str, Any]:
    choices = body.get("choices")
    return _mapping(choices[0]) if isinstance(choices, list) and choices else {}


def _whole(
    body: dict[str, Any],
    *,
    text: str,
    reasoning: str = "",
    tool_calls: list[ToolCall] | None = None,
    usage: dict[str, Any] | None,
    finish_reason: Any,
) -> Response:
    """A whole answer's `Response`, with the id the body names."""
    return Response(
        text=text,
        reasoning=reasoning,
        tool_calls=tool_calls or [],
        usage=usage,
        finish_reason=_optional_text(finish_reason),
        id=_optional_text(body.get("id")),
    )


# -- usage and errors ----------------------------------------------------------------------


def _usage(input_tokens: int, output_tokens: int, total: Any = None) -> dict[str, Any]:
    """LangChain's `usage_metadata` keys; the total is the sum unless the provider says."""
    total_tokens = total if isinstance(total, int) else input_tokens + output_tokens
    return {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "total_tokens": total_tokens,
    }


def _counts(source: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, int]:
    """The token counts `source` has, renamed by `names` (provider name -> LangChain's)."""
    return {ours: source[theirs] for ours, theirs in names.items() if _is_count(source, theirs)}


def _is_count(source: Mapping[str, Any], key: str) -> bool:
    value = source.get(key)
    return isinstance(value, int) and not isinstance(value, bool)


def _with_details(
    usage: dict[str, Any], input_details: dict[str, int], output_details: dict[str, int]
) -> dict[str, Any]:
    if input_details:
        usage["input_token_details"] = input_details
    if output_details:
        usage["output_token_details"] = output_details
    return usage


def _openai_usage(usage: dict[str, Any]) -> dict[str, Any]:
    """OpenAI's counts, as langchain-openai reports them."""
    counts = _counts(usage, {"input": "prompt_tokens", "output": "completion_tokens"})
    prompt = _mapping(usage.get("prompt_tokens_details"))
    completion = _mapping(usage.get("completion_tokens_details"))
    return _with_details(
        _usage(counts.get("input", 0), counts.get("output", 0), usage.get("total_tokens")),
        _counts(prompt, {"cache_read": "cached_tokens", "audio": "audio_tokens"}),
        _counts(completion, {"reasoning": "reasoning_tokens", "audio": "audio_tokens"}),
    )


def _anthropic_usage(usage: dict[str, Any]) -> dict[str, Any]:
    """Anthropic's counts, as langchain-anthropic reports them: its `input_tokens` leave
    out cached tokens, which LangChain's input count includes."""
    cache = _counts(
        usage,
        {"cache_read": "cache_read_input_tokens", "cache_creation": "cache_creation_input_tokens"},
    )
    counts = _counts(usage, {"input": "input_tokens", "output": "output_tokens"})
    input_tokens = counts.get("input", 0) + sum(cache.values())
    details = {name: count for name, count in cache.items() if count}
    return _with_details(_usage(input_tokens, counts.get("output", 0)), details, {})


def _error(error: Any, status: int | None = None) -> ProviderError:
    """The error an error frame or body describes: `{"message", "type", "code"}`
    (OpenAI, Anthropic) or a bare message (Ollama); `status` when a body came with one."""
    if not isinstance(error, dict):
        return provider_error(str(error), status=status)
    kind = " ".join(_text(error.get(key)) for key in ("type", "code"))
    return provider_error(_text(error.get("message")) or str(error), kind, status)
