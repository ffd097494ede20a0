"""Read OpenAI's Responses API (`/v1/responses`) back into a `Response`."""

from __future__ import annotations

from typing import Any

from .._script._vocabulary import Response, ToolCall
from ._frames import (
    Draft,
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

_INCOMPLETE = {"max_output_tokens": "length", "content_filter": "content_filter"}


class ResponsesStream(EventStream):
    """`response.*` events: summary, text (or refusal) and argument deltas; the closing
    `response.completed` (or `incomplete`) with the usage; `response.failed` and `error`
    as the fault."""

    def __init__(self) -> None:
        super().__init__()
        self._refused = False

    def _event(self, event: str, data: str, at: float) -> None:
        payload = json_object(data)
        if payload is None:
            return
        kind = payload.get("type") or event
        where = payload.get("output_index")
        index = where if isinstance(where, int) else 0
        if kind == "response.created":
            self._identify(as_mapping(payload.get("response")))
        elif kind == "response.output_item.added":
            item = as_mapping(payload.get("item"))
            if item.get("type") == "function_call":
                self._draft.call(index, item.get("name"), item.get("call_id"))
        elif kind in _DELTAS:
            self._delta(kind, index, as_text(payload.get("delta")))
            self._draft.times.append(at)
        elif kind in ("response.completed", "response.incomplete"):
            self.complete = True
            _finish(self._draft, as_mapping(payload.get("response")), self._refused)
        elif kind == "response.failed":
            error = as_mapping(payload.get("response")).get("error")
            self._draft.fail(read_error(error or "the response failed"))
        elif kind == "error":
            self._draft.fail(read_error(payload))

    def _delta(self, kind: str, index: int, delta: str) -> None:
        if kind == "response.reasoning_summary_text.delta":
            self._draft.reasoning.append(delta)
        elif kind == "response.function_call_arguments.delta":
            self._draft.call(index).fragments.append(delta)
        else:
            self._refused = self._refused or kind == "response.refusal.delta"
            self._draft.chunks.append(delta)


_DELTAS = {
    "response.output_text.delta",
    "response.refusal.delta",
    "response.reasoning_summary_text.delta",
    "response.function_call_arguments.delta",
}


def _finish(draft: Draft, response: dict[str, Any], refused: bool) -> None:
    """The closing response's usage and why it ended, in chat-completions terms."""
    usage = as_mapping(response.get("usage"))
    if usage:
        counts = token_counts(usage, {"input": "input_tokens", "output": "output_tokens"})
        inputs = as_mapping(usage.get("input_tokens_details"))
        outputs = as_mapping(usage.get("output_tokens_details"))
        draft.usage = with_details(
            usage_counts(
                counts.get("input", 0), counts.get("output", 0), usage.get("total_tokens")
            ),
            {k: v for k, v in token_counts(inputs, {"cache_read": "cached_tokens"}).items() if v},
            {
                k: v
                for k, v in token_counts(outputs, {"reasoning": "reasoning_tokens"}).items()
                if v
            },
        )
    reason = as_text(as_mapping(response.get("incomplete_details")).get("reason"))
    if refused:
        draft.finish_reason = "content_filter"
    elif response.get("status") == "incomplete":
        draft.finish_reason = _INCOMPLETE.get(reason, reason or "length")
    else:
        draft.finish_reason = "tool_calls" if draft.calls else "stop"


def whole_responses(body: dict[str, Any]) -> Response:
    draft = Draft()
    text: list[str] = []
    reasoning: list[str] = []
    calls: list[ToolCall] = []
    refused = False
    for item in map(as_mapping, body.get("output") or []):
        kind = item.get("type")
        if kind == "reasoning":
            reasoning += [as_text(as_mapping(s).get("text")) for s in item.get("summary") or []]
        elif kind == "message":
            for part in map(as_mapping, item.get("content") or []):
                refused = refused or part.get("type") == "refusal"
                text.append(as_text(part.get("text") or part.get("refusal")))
        elif kind == "function_call":
            calls.append(
                ToolCall(
                    as_text(item.get("name")),
                    id=as_optional_text(item.get("call_id")),
                    raw_args=as_text(item.get("arguments")),
                )
            )
            draft.call(len(draft.calls))
    _finish(draft, body, refused)
    return whole(
        body,
        text="".join(text),
        reasoning="".join(reasoning),
        tool_calls=calls,
        usage=draft.usage,
        finish_reason=draft.finish_reason,
    )
