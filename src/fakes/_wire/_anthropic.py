"""Anthropic messages: `POST /v1/messages` (anthropic SDK, langchain-anthropic)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Any, ClassVar

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from .._script._vocabulary import ANTHROPIC_STOP_REASONS, finish_reason
from ._format import (
    ChatRequests,
    Check,
    Frame,
    Reply,
    arguments,
    event_frame,
    is_bool,
    is_object,
    is_objects,
    is_stop,
    is_str,
    is_text,
    stop_list,
)


class Messages(ChatRequests):
    path = "/v1/messages"
    media_type = "text/event-stream"
    fields: ClassVar[dict[str, Check]] = {
        "model": is_str,
        "stream": is_bool,
        "system": is_text,
        "stop_sequences": is_stop,
        "tools": is_objects,
        "tool_choice": is_object,
    }

    def problem(self, body: Any) -> str | None:
        problem = super().problem(body)
        if problem is not None:
            return problem
        for position, message in enumerate(body["messages"]):
            content = message.get("content")
            if content is not None and not is_text(content):
                return (
                    f"messages[{position}].content must be a string or a list of content "
                    f"blocks (objects), got {type(content).__name__}"
                )
        return None

    def messages(self, body: dict[str, Any]) -> list[BaseMessage]:
        """The conversation as LangChain messages: system prompt, turns, tool use/results."""
        system = body.get("system")
        messages: list[BaseMessage] = []
        if system:
            messages.append(SystemMessage(_text(system)))
        for message in body["messages"]:
            content = message.get("content") if isinstance(message, dict) else None
            blocks = (
                content if isinstance(content, list) else [{"type": "text", "text": content or ""}]
            )
            results = [b for b in blocks if isinstance(b, dict) and b.get("type") == "tool_result"]
            for result in results:
                messages.append(
                    ToolMessage(
                        _text(result.get("content") or ""),
                        tool_call_id=str(result.get("tool_use_id", "")),
                    )
                )
            text = _text([b for b in blocks if b not in results])
            if message.get("role") == "assistant":
                calls = [
                    {"name": b.get("name", ""), "args": b.get("input") or {}, "id": b.get("id")}
                    for b in blocks
                    if isinstance(b, dict) and b.get("type") == "tool_use"
                ]
                messages.append(AIMessage(text, tool_calls=calls))
            elif text or not results:
                messages.append(HumanMessage(text))
        return messages

    def options(self, body: dict[str, Any]) -> dict[str, Any]:
        options: dict[str, Any] = {
            k: body[k] for k in ("tools", "tool_choice", "model") if k in body
        }
        if "stop_sequences" in body:
            options["stop"] = stop_list(body["stop_sequences"])
        return options

    def _message(self, reply: Reply, content: list[Any], *, final: bool) -> dict[str, Any]:
        return {
            "id": reply.response.id or f"msg_fake_{reply.call_index:04d}",
            "type": "message",
            "role": "assistant",
            "model": reply.model,
            "content": content,
            "stop_reason": self._stop_reason(reply) if final else None,
            "stop_sequence": reply.stop_sequence if final else None,
            "usage": {
                "input_tokens": reply.input_tokens,
                "output_tokens": reply.output_tokens if final else 0,
            },
        }

    def _stop_reason(self, reply: Reply) -> str:
        if reply.stop_sequence is not None:
            return "stop_sequence"
        reason = finish_reason(reply.response)
        return ANTHROPIC_STOP_REASONS.get(reason, reason)

    def _blocks(self, reply: Reply) -> Iterator[tuple[dict[str, Any], Iterable[dict[str, Any]]]]:
        """Each content block: its start, and the deltas that fill it (made as sent)."""
        pieces = reply.pieces
        if pieces.reasoning:
            thinking = ({"type": "thinking_delta", "thinking": p} for p in pieces.reasoning)
            signature = {"type": "signature_delta", "signature": "fake-signature"}
            yield (
                {"type": "thinking", "thinking": "", "signature": ""},
                chain(thinking, [signature]),
            )
        if pieces.text:
            yield (
                {"type": "text", "text": ""},
                ({"type": "text_delta", "text": p} for p in pieces.text),
            )
        for position, (call, fragments) in enumerate(
            zip(reply.response.tool_calls, pieces.tool_args, strict=True)
        ):
            start = {
                "type": "tool_use",
                "id": reply.call_id(position),
                "name": call.name,
                "input": {},
            }
            yield start, ({"type": "input_json_delta", "partial_json": f} for f in fragments)

    def frames(self, reply: Reply, body: dict[str, Any]) -> Iterator[Frame]:
        yield event_frame(
            "message_start",
            {"type": "message_start", "message": self._message(reply, [], final=False)},
        )
        yield event_frame("ping", {"type": "ping"})
        for index, (start, deltas) in enumerate(self._blocks(reply)):
            yield event_frame(
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": start},
            )
            for delta in deltas:
                is_token = delta["type"] != "signature_delta"
                yield event_frame(
                    "content_block_delta",
                    {"type": "content_block_delta", "index": index, "delta": delta},
                    chunk=is_token,
                )
            yield event_frame("content_block_stop", {"type": "content_block_stop", "index": index})
        # langchain-anthropic reads usage from message_delta only: both counts go there.
        yield (
            event_frame(
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {
                        "stop_reason": self._stop_reason(reply),
                        "stop_sequence": reply.stop_sequence,
                    },
                    "usage": {
                        "input_tokens": reply.input_tokens,
                        "output_tokens": reply.output_tokens,
                    },
                },
            )
        )
        yield event_frame("message_stop", {"type": "message_stop"})

    def whole(self, reply: Reply) -> dict[str, Any]:
        content: list[Any] = []
        if reply.pieces.reasoning:
            thinking = "".join(reply.pieces.reasoning)
            content.append(
                {"type": "thinking", "thinking": thinking, "signature": "fake-signature"}
            )
        if reply.text:
            content.append({"type": "text", "text": reply.text})
        for position, call in enumerate(reply.response.tool_calls):
            content.append(
                {
                    "type": "tool_use",
                    "id": reply.call_id(position),
                    "name": call.name,
                    "input": arguments(call),
                }
            )
        return self._message(reply, content, final=True)

    def error_body(self, message: str, kind: str, status: int) -> dict[str, Any]:
        kinds = {
            429: "rate_limit_error",
            529: "overloaded_error",
            400: "invalid_request_error",
            404: "not_found_error",
        }
        return {
            "type": "error",
            "error": {"type": kinds.get(status, "api_error"), "message": message},
        }

    def error_frame(self, message: str, kind: str, status: int) -> bytes:
        error = self.error_body(message, kind, status)
        return event_frame("error", error).data


def _text(content: Any) -> str:
    """The text of a string or of a list of content blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(_text(b.get("text", "")) if isinstance(b, dict) else str(b) for b in content)
    return str(content)
