"""Read Ollama's chat and generate APIs back into a `Response`."""

from __future__ import annotations

from typing import Any

from .._script._vocabulary import Response, ToolCall
from ._frames import (
    Draft,
    Stream,
    as_mapping,
    as_text,
    json_object,
    usage_counts,
)


class OllamaStream(Stream):
    """`/api/chat` (Ollama): one JSON object a line; tool calls arrive whole."""

    def _line(self, line: str, at: float) -> None:
        payload = self._payload(line)
        if payload is None:
            return
        if self._tokens(self._draft, payload):
            self._draft.times.append(at)
        if payload.get("done") is True:
            self.complete = True
            _ollama_done(self._draft, payload)

    @staticmethod
    def _tokens(draft: Draft, payload: dict[str, Any]) -> bool:
        """Read a line's tokens; whether it had any."""
        return _ollama_message(draft, as_mapping(payload.get("message")))


def _ollama_message(draft: Draft, message: dict[str, Any]) -> bool:
    """Read one Ollama message (a line's, or a whole answer's); whether it had tokens."""
    content, thinking = as_text(message.get("content")), as_text(message.get("thinking"))
    calls = message.get("tool_calls")
    calls = calls if isinstance(calls, list) else []
    if content:
        draft.chunks.append(content)
    if thinking:
        draft.reasoning.append(thinking)
    for call in map(as_mapping, calls):
        function = as_mapping(call.get("function"))
        arguments = function.get("arguments")
        if isinstance(arguments, str):  # some servers send the arguments as text
            arguments = json_object(arguments)
        read = draft.call(len(draft.calls), function.get("name"), call.get("id"))
        read.args = as_mapping(arguments)
    return bool(content or thinking or calls)


def _ollama_done(draft: Draft, payload: dict[str, Any]) -> None:
    """The closing line's finish reason and token counts."""
    if isinstance(payload.get("done_reason"), str):
        draft.finish_reason = payload["done_reason"]
    counts = [payload.get("prompt_eval_count"), payload.get("eval_count")]
    if any(isinstance(count, int) for count in counts):
        input_tokens, output_tokens = (c if isinstance(c, int) else 0 for c in counts)
        draft.usage = usage_counts(input_tokens, output_tokens)


def whole_ollama(body: dict[str, Any]) -> Response:
    draft = Draft()
    _ollama_message(draft, as_mapping(body.get("message")))
    _ollama_done(draft, body)
    return Response(
        text="".join(draft.chunks),
        reasoning="".join(draft.reasoning),
        # Whole, the arguments need no fragment count: replays split them like any other.
        tool_calls=[ToolCall(c.name, c.args, id=c.id) for c in draft.calls.values()],
        usage=draft.usage,
        finish_reason=draft.finish_reason,
    )


class GenerateStream(OllamaStream):
    """`/api/generate` (Ollama): one JSON object a line, the text in `response`."""

    @staticmethod
    def _tokens(draft: Draft, payload: dict[str, Any]) -> bool:
        return _generated(draft, payload)


def _generated(draft: Draft, payload: dict[str, Any]) -> bool:
    text, thinking = as_text(payload.get("response")), as_text(payload.get("thinking"))
    if text:
        draft.chunks.append(text)
    if thinking:
        draft.reasoning.append(thinking)
    return bool(text or thinking)


def whole_generate(body: dict[str, Any]) -> Response:
    draft = Draft()
    _generated(draft, body)
    _ollama_done(draft, body)
    return Response(
        text="".join(draft.chunks),
        reasoning="".join(draft.reasoning),
        usage=draft.usage,
        finish_reason=draft.finish_reason,
    )
