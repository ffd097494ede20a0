"""Read Google Gemini's `generateContent` / `streamGenerateContent` back into a `Response`."""

from __future__ import annotations

from typing import Any

from .._errors import ContentFilterError
from .._script._vocabulary import Fault, Response, ToolCall
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
)

# Gemini's finish reasons in the script's terms (STOP also ends an answer of tool calls).
FINISH_REASONS = {"STOP": "stop", "MAX_TOKENS": "length"}
# Reasons that mean the answer was blocked: read as a content-filter fault.
BLOCKED = {"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION"}


class GenerateContentStream(EventStream):
    """`:streamGenerateContent?alt=sse`: each event a whole `GenerateContentResponse`;
    text and `thought` parts, whole function calls, running usage totals."""

    def _event(self, event: str, data: str, at: float) -> None:
        payload = json_object(data)
        if payload is None:
            return
        if payload.get("error"):
            self._draft.fail(read_error(payload["error"]))
            return
        if isinstance(payload.get("modelVersion"), str):
            self.model = payload["modelVersion"]
        if _read(self._draft, payload):
            self._draft.times.append(at)
        if _candidate(payload).get("finishReason") or payload.get("promptFeedback"):
            self.complete = True


def _candidate(payload: dict[str, Any]) -> dict[str, Any]:
    candidates = payload.get("candidates")
    # Only the first candidate: a script answers with one message (candidateCount=1).
    return as_mapping(candidates[0]) if isinstance(candidates, list) and candidates else {}


def _read(draft: Draft, payload: dict[str, Any]) -> bool:
    """Read one response (a chunk, or a whole answer) into `draft`; whether it carried
    tokens."""
    if isinstance(payload.get("responseId"), str):
        draft.id = payload["responseId"]
    if isinstance(payload.get("usageMetadata"), dict):
        draft.usage = _usage(payload["usageMetadata"])  # running totals: the last wins
    candidate = _candidate(payload)
    parts = as_mapping(candidate.get("content")).get("parts")
    tokens = False
    for part in map(as_mapping, parts if isinstance(parts, list) else []):
        call = part.get("functionCall")
        if isinstance(call, dict):
            read = draft.call(len(draft.calls), call.get("name"), call.get("id"))
            read.args = as_mapping(call.get("args"))
            tokens = True
        elif isinstance(part.get("text"), str) and part["text"]:
            (draft.reasoning if part.get("thought") else draft.chunks).append(part["text"])
            tokens = True
    reason = candidate.get("finishReason")
    blocked = as_text(as_mapping(payload.get("promptFeedback")).get("blockReason"))
    if reason in BLOCKED or blocked:
        message = as_text(candidate.get("finishMessage")) or f"blocked: {reason or blocked}"
        draft.fail(ContentFilterError(message))
    elif isinstance(reason, str):
        draft.finish_reason = FINISH_REASONS.get(reason, reason.lower())
        if draft.finish_reason == "stop" and draft.calls:
            draft.finish_reason = None  # the script's default: tool_calls beside calls
    return tokens


def _usage(usage: dict[str, Any]) -> dict[str, Any]:
    """Gemini's counts as ChatGoogleGenerativeAI reports them (thoughts are output)."""
    counts = token_counts(
        usage,
        {
            "input": "promptTokenCount",
            "output": "candidatesTokenCount",
            "thoughts": "thoughtsTokenCount",
            "total": "totalTokenCount",
        },
    )
    output = counts.get("output", 0) + counts.get("thoughts", 0)
    return usage_counts(counts.get("input", 0), output, counts.get("total"))


def whole_generate_content(body: dict[str, Any]) -> Response:
    draft = Draft()
    _read(draft, body)
    return Response(
        text="".join(draft.chunks),
        reasoning="".join(draft.reasoning),
        # Whole, the arguments need no fragment count: replays split them like any other.
        tool_calls=[ToolCall(c.name, c.args, id=c.id) for c in draft.calls.values()],
        usage=draft.usage,
        finish_reason=draft.finish_reason,
        id=as_optional_text(body.get("responseId")),
        fault=Fault(draft.fault.error) if draft.fault is not None else None,
    )
