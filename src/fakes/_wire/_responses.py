"""OpenAI's Responses API: `POST /v1/responses`, streamed as `response.*` events
(`ChatOpenAI(use_responses_api=True)`, or `output_version="responses/v1"`).

A scripted response becomes output items in order: a `reasoning` item whose summary
streams the reasoning, a `message` whose `output_text` streams the text (a `refusal`
part instead when the script's finish reason is `content_filter`), and one
`function_call` item per tool call, its arguments in `response.function_call_arguments.delta`
fragments. `response.completed` (or `response.incomplete` for `length`) carries the whole
response with its usage. A provider error mid-stream is `response.failed` for server
errors (5xx) and an `error` event otherwise, as the API sends them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import count
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from .._script._vocabulary import finish_reason
from ._format import CREATED, Frame, Reply, event_frame
from ._openai import error_body

_INCOMPLETE = {"length": "max_output_tokens", "content_filter": "content_filter"}


class Responses:
    """`POST /v1/responses`, streamed or whole."""

    path = "/v1/responses"
    media_type = "text/event-stream"

    def problem(self, body: Any) -> str | None:
        if not isinstance(body, dict) or not isinstance(body.get("input"), (str, list)):
            return "expected a JSON object with an 'input' (a string or a list of items)"
        return None

    def streaming(self, body: dict[str, Any]) -> bool:
        return bool(body.get("stream"))

    def messages(self, body: dict[str, Any]) -> list[BaseMessage]:
        """The conversation: instructions, messages, function calls and their outputs."""
        messages: list[BaseMessage] = []
        if body.get("instructions"):
            messages.append(SystemMessage(_text(body["instructions"])))
        items = body["input"]
        for item in [{"role": "user", "content": items}] if isinstance(items, str) else items:
            if not isinstance(item, dict):
                continue
            kind, role = item.get("type", "message"), item.get("role")
            if kind == "function_call_output":
                output = _text(item.get("output", ""))
                messages.append(ToolMessage(output, tool_call_id=str(item.get("call_id", ""))))
            elif kind == "function_call":
                call = {
                    "name": str(item.get("name", "")),
                    "args": _parsed(item.get("arguments")),
                    "id": item.get("call_id"),
                }
                last = messages[-1] if messages else None
                if isinstance(last, AIMessage):
                    last.tool_calls.append(call)  # type: ignore[arg-type]
                else:
                    messages.append(AIMessage("", tool_calls=[call]))
            elif kind == "message" and role == "assistant":
                messages.append(AIMessage(_text(item.get("content", ""))))
            elif kind == "message" and role in ("system", "developer"):
                messages.append(SystemMessage(_text(item.get("content", ""))))
            elif kind == "message":
                messages.append(HumanMessage(_text(item.get("content", ""))))
        return messages

    def options(self, body: dict[str, Any]) -> dict[str, Any]:
        return {k: body[k] for k in ("tools", "tool_choice", "model") if k in body}

    # -- rendering -----------------------------------------------------------------

    def _ids(self, reply: Reply) -> tuple[str, str, str]:
        n = f"{reply.call_index:04d}"
        return reply.response.id or f"resp_fake_{n}", f"rs_fake_{n}", f"msg_fake_{n}"

    def _items(self, reply: Reply, *, with_text: bool = True) -> list[dict[str, Any]]:
        """The finished output items; without their text, for a stream to fill in as it
        sends the text (so that it does not wait for the text to be cut whole)."""
        _, reasoning_id, message_id = self._ids(reply)
        items: list[dict[str, Any]] = []
        if reply.pieces.reasoning:
            reasoning = "".join(reply.pieces.reasoning) if with_text else ""
            summary = [{"type": "summary_text", "text": reasoning}]
            items.append({"id": reasoning_id, "type": "reasoning", "summary": summary})
        if reply.pieces.text or not reply.response.tool_calls:
            items.append(
                {
                    "id": message_id,
                    "type": "message",
                    "status": "completed",
                    "role": "assistant",
                    "content": [self._part(reply, reply.text if with_text else "")],
                }
            )
        for position, call in enumerate(reply.response.tool_calls):
            items.append(
                {
                    "id": f"fc_fake_{reply.call_index:04d}_{position}",
                    "type": "function_call",
                    "status": "completed",
                    "call_id": reply.call_id(position),
                    "name": call.name,
                    "arguments": call.arguments_json(),
                }
            )
        return items

    def _refuses(self, reply: Reply) -> bool:
        return finish_reason(reply.response) == "content_filter"

    def _part(self, reply: Reply, text: str) -> dict[str, Any]:
        if self._refuses(reply):
            return {"type": "refusal", "refusal": text}
        return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}

    def _response(
        self, reply: Reply, status: str, output: list[dict[str, Any]], **extra: Any
    ) -> dict[str, Any]:
        reason = finish_reason(reply.response)
        incomplete = status == "incomplete"
        return {
            "id": self._ids(reply)[0],
            "object": "response",
            "created_at": CREATED,
            "status": status,
            "model": reply.model,
            "output": output,
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "error": None,
            "incomplete_details": {"reason": _INCOMPLETE.get(reason, reason)}
            if incomplete
            else None,
            "instructions": None,
            "metadata": {},
            "temperature": 1.0,
            "top_p": 1.0,
            "usage": None,
            **extra,
        }

    def _status(self, reply: Reply) -> str:
        return "incomplete" if finish_reason(reply.response) == "length" else "completed"

    def _usage(self, reply: Reply) -> dict[str, Any]:
        return {
            "input_tokens": reply.input_tokens,
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": reply.output_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": reply.input_tokens + reply.output_tokens,
        }

    def frames(self, reply: Reply, body: dict[str, Any]) -> Iterator[Frame]:
        sequence = count()

        def emit(kind: str, token: bool = False, **data: Any) -> Frame:
            event = {"type": kind, **data, "sequence_number": next(sequence)}
            return event_frame(kind, event, chunk=token)

        started = self._response(reply, "in_progress", [])
        yield emit("response.created", response=started)
        yield emit("response.in_progress", response=started)
        items = self._items(reply, with_text=False)  # each filled in once it is sent
        for index, item in enumerate(items):
            yield emit("response.output_item.added", output_index=index, item=_opened(item))
            where = {"item_id": item["id"], "output_index": index}
            if item["type"] == "reasoning":
                part = {"type": "summary_text", "text": ""}
                yield emit(
                    "response.reasoning_summary_part.added", **where, summary_index=0, part=part
                )
                for piece in reply.pieces.reasoning:
                    yield emit(
                        "response.reasoning_summary_text.delta",
                        True,
                        **where,
                        summary_index=0,
                        delta=piece,
                    )
                text = "".join(reply.pieces.reasoning)
                item["summary"] = [{"type": "summary_text", "text": text}]
                yield emit(
                    "response.reasoning_summary_text.done", **where, summary_index=0, text=text
                )
                yield emit(
                    "response.reasoning_summary_part.done",
                    **where,
                    summary_index=0,
                    part=item["summary"][0],
                )
            elif item["type"] == "message":
                where["content_index"] = 0
                yield emit("response.content_part.added", **where, part=self._part(reply, ""))
                refusal = self._refuses(reply)
                for piece in reply.pieces.text:
                    if refusal:
                        yield emit("response.refusal.delta", True, **where, delta=piece)
                    else:
                        yield emit(
                            "response.output_text.delta", True, **where, delta=piece, logprobs=[]
                        )
                item["content"] = [self._part(reply, reply.text)]
                if refusal:
                    yield emit("response.refusal.done", **where, refusal=reply.text)
                else:
                    yield emit("response.output_text.done", **where, text=reply.text, logprobs=[])
                yield emit("response.content_part.done", **where, part=item["content"][0])
            else:
                position = index - (len(items) - len(reply.response.tool_calls))
                for fragment in reply.pieces.tool_args[position]:
                    yield emit(
                        "response.function_call_arguments.delta", True, **where, delta=fragment
                    )
                yield emit(
                    "response.function_call_arguments.done",
                    **where,
                    name=item["name"],
                    arguments=item["arguments"],
                )
            yield emit("response.output_item.done", output_index=index, item=item)
        status = self._status(reply)
        final = self._response(reply, status, items, usage=self._usage(reply))
        yield emit(f"response.{status}", response=final)

    def whole(self, reply: Reply) -> dict[str, Any]:
        items = self._items(reply)
        return self._response(reply, self._status(reply), items, usage=self._usage(reply))

    def error_body(self, message: str, kind: str, status: int) -> dict[str, Any]:
        return error_body(message, kind, status)

    def error_frame(self, message: str, kind: str, status: int) -> bytes:
        # The adapter is not told where in the stream the error falls: its sequence
        # number is 0 (the SDK reads it, no client checks it).
        if status >= 500:
            # The response failed: the whole response, with its error.
            failed = {
                "id": "resp_fake_failed",
                "object": "response",
                "created_at": CREATED,
                "status": "failed",
                "model": "",
                "output": [],
                "parallel_tool_calls": True,
                "tool_choice": "auto",
                "tools": [],
                "error": {"code": "server_error", "message": message},
                "incomplete_details": None,
            }
            data = {"type": "response.failed", "response": failed, "sequence_number": 0}
            return event_frame("response.failed", data).data
        error = {"type": "error", "code": kind, "message": message, "param": None}
        return event_frame("error", {**error, "sequence_number": 0}).data


def _opened(item: dict[str, Any]) -> dict[str, Any]:
    """An output item as `response.output_item.added` shows it: nothing streamed yet."""
    if item["type"] == "reasoning":
        return {**item, "summary": []}
    if item["type"] == "message":
        return {**item, "status": "in_progress", "content": []}
    return {**item, "status": "in_progress", "arguments": ""}


def _text(content: Any) -> str:
    """The text of a string, or of a list of content parts (`input_text`, `output_text`)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(part.get("text", "")) if isinstance(part, dict) else str(part) for part in content
        )
    return str(content)


def _parsed(arguments: Any) -> dict[str, Any]:
    try:
        parsed = json.loads(arguments) if isinstance(arguments, str) else arguments
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
