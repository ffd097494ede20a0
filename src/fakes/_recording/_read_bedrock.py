"""Read AWS Bedrock's Converse and ConverseStream back into a `Response`."""

from __future__ import annotations

from typing import Any

from .._errors import ContentFilterError, ProviderError
from .._script._vocabulary import Fault, Response, ToolCall
from .._wire._bedrock import ERRORS
from .._wire._eventstream import Decoder, EventStreamError
from ._frames import (
    Draft,
    Stream,
    as_mapping,
    as_text,
    json_object,
    provider_error,
    token_counts,
    usage_counts,
    with_details,
)

STOP_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "tool_use": "tool_calls",
    "max_tokens": "length",
}
FILTERED = {"content_filtered", "guardrail_intervened"}
# Bedrock's exceptions (HTTP `__type`, or the stream's exception members, in lower
# camel case), lower-cased, and the HTTP status each stands for: the ones the fake sends,
# and the stream's own model error.
EXCEPTION_STATUS = {name.lower(): status for status, name in ERRORS.items()} | {
    "modelstreamerrorexception": 500
}


def bedrock_error(name: str, message: str, status: int | None = None) -> ProviderError:
    """The closest `fakes` error to a Bedrock exception, by its name (or `status`)."""
    known = EXCEPTION_STATUS.get(name.rsplit("#", 1)[-1].split(":", 1)[0].lower())
    return provider_error(message or name, name, status or known or 500)


class ConverseStream(Stream):
    """`/model/{modelId}/converse-stream`: AWS event-stream messages (binary, not lines),
    each one JSON event; exception messages are the stream's errors."""

    def __init__(self) -> None:
        super().__init__()
        self._messages = Decoder()
        self._broken = False

    def feed(self, data: bytes, at: float) -> None:
        if self._broken:
            return
        try:
            messages = self._messages.feed(data)
        except EventStreamError as error:
            self._broken = True  # a garbled stream: keep what came before it
            self._draft.fail(provider_error(f"a garbled event stream: {error}"))
            return
        for headers, payload in messages:
            self._message(headers, json_object(payload.decode("utf-8", "replace")) or {}, at)

    def _message(self, headers: dict[str, str], payload: dict[str, Any], at: float) -> None:
        kind = headers.get(":message-type")
        if kind == "exception":
            name = headers.get(":exception-type", "")
            self._draft.fail(bedrock_error(name, as_text(payload.get("message"))))
        elif kind == "error":
            name = headers.get(":error-code", "")
            self._draft.fail(bedrock_error(name, headers.get(":error-message", "")))
        elif kind == "event" and _event(self._draft, headers.get(":event-type", ""), payload):
            self._draft.times.append(at)
        if headers.get(":event-type") == "metadata":
            self.complete = True


def _event(draft: Draft, kind: str, payload: dict[str, Any]) -> bool:
    """Read one event; whether it carried tokens (a signature does not)."""
    index = payload.get("contentBlockIndex")
    index = index if isinstance(index, int) else 0
    if kind == "contentBlockStart":
        use = as_mapping(as_mapping(payload.get("start")).get("toolUse"))
        if use:
            draft.call(index, use.get("name"), use.get("toolUseId"))
    elif kind == "contentBlockDelta":
        delta = as_mapping(payload.get("delta"))
        reasoning = as_mapping(delta.get("reasoningContent"))
        if isinstance(delta.get("text"), str):
            draft.chunks.append(delta["text"])
            return True
        if isinstance(reasoning.get("text"), str):
            draft.reasoning.append(reasoning["text"])
            return True
        if "toolUse" in delta:
            draft.call(index).fragments.append(as_text(as_mapping(delta["toolUse"]).get("input")))
            return True
    elif kind == "messageStop":
        _stop(draft, payload.get("stopReason"))
    elif kind == "metadata" and isinstance(payload.get("usage"), dict):
        draft.usage = _usage(payload["usage"])
    return False


def _stop(draft: Draft, reason: Any) -> None:
    if reason in FILTERED:
        draft.fail(ContentFilterError(f"stopped: {reason}"))
    elif isinstance(reason, str):
        draft.finish_reason = STOP_REASONS.get(reason, reason)


def _usage(usage: dict[str, Any]) -> dict[str, Any]:
    """Bedrock's counts as ChatBedrockConverse reports them: cached tokens are input."""
    cache = token_counts(
        usage, {"cache_read": "cacheReadInputTokens", "cache_creation": "cacheWriteInputTokens"}
    )
    counts = token_counts(
        usage, {"input": "inputTokens", "output": "outputTokens", "total": "totalTokens"}
    )
    input_tokens = counts.get("input", 0) + sum(cache.values())
    details = {name: count for name, count in cache.items() if count}
    totals = usage_counts(input_tokens, counts.get("output", 0), counts.get("total"))
    return with_details(totals, details, {})


def whole_converse(body: dict[str, Any], status: int | None = None) -> Response:
    """A `converse` answer, or an error body (`{"__type", "message"}`) as a failing one."""
    if "__type" in body or status is not None:
        name = as_text(body.get("__type"))
        return Response(fault=Fault(bedrock_error(name, as_text(body.get("message")), status)))
    draft = Draft()
    content = as_mapping(as_mapping(body.get("output")).get("message")).get("content")
    calls: list[ToolCall] = []
    for block in map(as_mapping, content if isinstance(content, list) else []):
        text = as_mapping(as_mapping(block.get("reasoningContent")).get("reasoningText"))
        if isinstance(block.get("text"), str):
            draft.chunks.append(block["text"])
        elif isinstance(text.get("text"), str):
            draft.reasoning.append(text["text"])
        elif isinstance(block.get("toolUse"), dict):
            use = block["toolUse"]
            calls.append(
                ToolCall(
                    as_text(use.get("name")), as_mapping(use.get("input")), id=use.get("toolUseId")
                )
            )
    _stop(draft, body.get("stopReason"))
    if isinstance(body.get("usage"), dict):
        draft.usage = _usage(body["usage"])
    return Response(
        text="".join(draft.chunks),
        reasoning="".join(draft.reasoning),
        tool_calls=calls,
        usage=draft.usage,
        finish_reason=draft.finish_reason,
        fault=Fault(draft.fault.error) if draft.fault is not None else None,
    )
