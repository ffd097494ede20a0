"""Read Anthropic's messages API back into a `Response`."""

from __future__ import annotations

from typing import Any

from .._script._vocabulary import FINISH_REASONS, Response, ToolCall
from ._frames import (
    EventStream,
    as_mapping,
    as_optional_text,
    as_text,
    json_object,
    read_error,
    token_counts,
    usage_counts,
    whole,
    with_details,
)


class MessagesStream(EventStream):
    """`/v1/messages` (Anthropic): content blocks filled by deltas, usage in
    `message_start` and `message_delta`."""

    def __init__(self) -> None:
        super().__init__()
        self._usage: dict[str, Any] = {}

    def _event(self, event: str, data: str, at: float) -> None:
        payload = json_object(data)
        if payload is None:
            self.malformed(data)
            return
        kind = payload.get("type") or event
        if kind == "message_start":
            message = as_mapping(payload.get("message"))
            self._identify(message)
            self._add_usage(message.get("usage"))
        elif kind == "content_block_start":
            block = as_mapping(payload.get("content_block"))
            if block.get("type") == "tool_use":
                self._draft.call(_index(payload), block.get("name"), block.get("id"))
        elif kind == "content_block_delta":
            if self._delta(_index(payload), as_mapping(payload.get("delta"))):
                self._draft.times.append(at)
        elif kind == "message_delta":
            self._stop_reason(as_mapping(payload.get("delta")).get("stop_reason"))
            self._add_usage(payload.get("usage"))
        elif kind == "message_stop":
            self.complete = True
        elif kind == "error":
            self._draft.fail(read_error(payload.get("error")))

    def _delta(self, index: int, delta: dict[str, Any]) -> bool:
        """Read one delta; whether it carried tokens (a signature does not)."""
        kind = delta.get("type")
        if kind == "text_delta":
            self._draft.chunks.append(as_text(delta.get("text")))
        elif kind == "thinking_delta":
            self._draft.reasoning.append(as_text(delta.get("thinking")))
        elif kind == "input_json_delta":
            self._draft.call(index).fragments.append(as_text(delta.get("partial_json")))
        else:
            return False
        return True

    def _stop_reason(self, reason: Any) -> None:
        if isinstance(reason, str):
            self._draft.finish_reason = FINISH_REASONS.get(reason, reason)

    def _add_usage(self, usage: Any) -> None:
        # message_delta repeats or updates what message_start said: later counts win.
        self._usage.update({k: v for k, v in as_mapping(usage).items() if v is not None})
        if self._usage:
            self._draft.usage = _anthropic_usage(self._usage)


def _index(payload: dict[str, Any]) -> int:
    index = payload.get("index")
    return index if isinstance(index, int) else 0


def whole_message(body: dict[str, Any]) -> Response:
    blocks = body.get("content")
    blocks = [as_mapping(b) for b in blocks] if isinstance(blocks, list) else []
    reason = body.get("stop_reason")
    usage = as_mapping(body.get("usage"))
    return whole(
        body,
        text="".join(as_text(b.get("text")) for b in blocks if b.get("type") == "text"),
        reasoning="".join(
            as_text(b.get("thinking")) for b in blocks if b.get("type") == "thinking"
        ),
        tool_calls=[
            ToolCall(
                as_text(b.get("name")),
                as_mapping(b.get("input")),
                id=as_optional_text(b.get("id")),
            )
            for b in blocks
            if b.get("type") == "tool_use"
        ],
        usage=_anthropic_usage(usage) if usage else None,
        finish_reason=FINISH_REASONS.get(reason, reason) if isinstance(reason, str) else None,
    )


def _anthropic_usage(usage: dict[str, Any]) -> dict[str, Any]:
    """Anthropic's counts, as langchain-anthropic reports them: its `input_tokens` leave
    out cached tokens, which LangChain's input count includes."""
    cache = token_counts(
        usage,
        {"cache_read": "cache_read_input_tokens", "cache_creation": "cache_creation_input_tokens"},
    )
    counts = token_counts(usage, {"input": "input_tokens", "output": "output_tokens"})
    input_tokens = counts.get("input", 0) + sum(cache.values())
    details = {name: count for name, count in cache.items() if count}
    return with_details(usage_counts(input_tokens, counts.get("output", 0)), details, {})
