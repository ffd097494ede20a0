"""AWS Bedrock Converse: `POST /model/{modelId}/converse` and `/converse-stream` (boto3,
langchain-aws's ChatBedrockConverse with `endpoint_url`).

The model is named in the path, and the path says whether to stream. The stream is AWS
event-stream framing (`_eventstream`), one JSON event a message: `messageStart`, then per
content block its deltas (`reasoningContent`, `text`, `toolUse` input fragments after a
`contentBlockStart`) and `contentBlockStop`, then `messageStop` and `metadata` (usage).
Errors before the stream are HTTP errors with an `__type` (`ThrottlingException`); in
the stream they are exception messages, which botocore raises as `EventStreamError`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from .._script._vocabulary import finish_reason
from ._eventstream import encode
from ._format import Frame, ModelInPath, Reply, arguments, dumps
from ._format import encode as utf8

STOP_REASONS = {
    "stop": "end_turn",
    "tool_calls": "tool_use",
    "length": "max_tokens",
    "content_filter": "content_filtered",
}
# HTTP errors: the exception name botocore reports as the error code, by status.
ERRORS = {
    400: "ValidationException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    408: "ModelTimeoutException",
    424: "ModelErrorException",
    429: "ThrottlingException",
    500: "InternalServerException",
    503: "ServiceUnavailableException",
}
# Errors inside the stream: the event stream's exception members.
STREAM_ERRORS = {
    400: "validationException",
    429: "throttlingException",
    500: "internalServerException",
    503: "serviceUnavailableException",
}
SIGNATURE = "fake-signature"


def event(kind: str, data: Any, *, chunk: bool = False) -> Frame:
    """One event of the stream."""
    headers = {":event-type": kind, ":content-type": "application/json", ":message-type": "event"}
    return Frame(encode(headers, utf8(dumps(data), data)), chunk)


def exception(kind: str, message: str) -> bytes:
    """An exception message: botocore raises it as an `EventStreamError` named `kind`."""
    headers = {
        ":exception-type": kind,
        ":content-type": "application/json",
        ":message-type": "exception",
    }
    body = {"message": message}
    return encode(headers, utf8(dumps(body), body))


class Converse(ModelInPath):
    """`POST /model/{modelId}/converse-stream` (event stream) or `/converse` (JSON): one
    instance for each."""

    def __init__(self, *, stream: bool) -> None:
        super().__init__(stream=stream)
        # `:path`: model ids may be ARNs, whose slashes arrive percent-encoded.
        self.path = "/model/{model:path}/converse" + ("-stream" if stream else "")
        self.media_type = "application/vnd.amazon.eventstream" if stream else "application/json"

    def problem(self, body: Any) -> str | None:
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            return "expected a JSON object with a 'messages' list (Bedrock's Converse)"
        return None

    def messages(self, body: dict[str, Any]) -> list[BaseMessage]:
        """The conversation as LangChain messages: system blocks, turns, tool use/results."""
        messages: list[BaseMessage] = []
        system = _text(body.get("system"))
        if system:
            messages.append(SystemMessage(system))
        for message in body["messages"]:
            message = message if isinstance(message, dict) else {}
            blocks = [b for b in message.get("content") or [] if isinstance(b, dict)]
            results = [b["toolResult"] for b in blocks if isinstance(b.get("toolResult"), dict)]
            for result in results:
                call_id = str(result.get("toolUseId", ""))
                messages.append(
                    ToolMessage(_result_text(result.get("content")), tool_call_id=call_id)
                )
            text = _text(blocks)
            if message.get("role") == "assistant":
                calls = [
                    {
                        "name": u.get("name", ""),
                        "args": u.get("input") or {},
                        "id": u.get("toolUseId"),
                    }
                    for u in (b.get("toolUse") for b in blocks)
                    if isinstance(u, dict)
                ]
                messages.append(AIMessage(text, tool_calls=calls))
            elif text or not results:
                messages.append(HumanMessage(text))
        return messages

    def options(self, body: dict[str, Any]) -> dict[str, Any]:
        options: dict[str, Any] = {"model": body.get("model", "")}
        config = body.get("toolConfig") or {}
        tools = [
            {
                "type": "function",
                "function": {
                    "name": spec.get("name", ""),
                    "description": spec.get("description", ""),
                    "parameters": (spec.get("inputSchema") or {}).get("json") or {},
                },
            }
            for spec in (
                t.get("toolSpec") for t in config.get("tools") or [] if isinstance(t, dict)
            )
            if isinstance(spec, dict)
        ]
        if tools:  # in OpenAI's format, as calls record them (and `bound_tool` reads them)
            options["tools"] = tools
        if "toolChoice" in config:
            options["tool_choice"] = config["toolChoice"]
        stop = (body.get("inferenceConfig") or {}).get("stopSequences")
        if stop:
            options["stop"] = list(stop)
        return options

    def _stop_reason(self, reply: Reply) -> str:
        if reply.stop_sequence is not None:
            return "stop_sequence"
        reason = finish_reason(reply.response)
        return STOP_REASONS.get(reason, reason)

    def _usage(self, reply: Reply) -> dict[str, int]:
        return {
            "inputTokens": reply.input_tokens,
            "outputTokens": reply.output_tokens,
            "totalTokens": reply.input_tokens + reply.output_tokens,
        }

    def frames(self, reply: Reply, body: dict[str, Any]) -> Iterator[Frame]:
        yield event("messageStart", {"role": "assistant"})
        index = 0

        def delta(data: dict[str, Any], *, chunk: bool = True) -> Frame:
            return event(
                "contentBlockDelta", {"contentBlockIndex": index, "delta": data}, chunk=chunk
            )

        def stop() -> Frame:
            return event("contentBlockStop", {"contentBlockIndex": index})

        if reply.pieces.reasoning:
            for piece in reply.pieces.reasoning:
                yield delta({"reasoningContent": {"text": piece}})
            yield delta({"reasoningContent": {"signature": SIGNATURE}}, chunk=False)
            yield stop()
            index += 1
        if reply.pieces.text:
            for piece in reply.pieces.text:
                yield delta({"text": piece})
            yield stop()
            index += 1
        for position, (call, fragments) in enumerate(
            zip(reply.response.tool_calls, reply.pieces.tool_args, strict=True)
        ):
            start = {"toolUse": {"toolUseId": reply.call_id(position), "name": call.name}}
            yield event("contentBlockStart", {"contentBlockIndex": index, "start": start})
            for fragment in fragments:
                yield delta({"toolUse": {"input": fragment}})
            yield stop()
            index += 1
        yield event("messageStop", {"stopReason": self._stop_reason(reply)})
        yield event("metadata", {"usage": self._usage(reply), "metrics": {"latencyMs": 0}})

    def whole(self, reply: Reply) -> dict[str, Any]:
        content: list[dict[str, Any]] = []
        if reply.pieces.reasoning:
            text = "".join(reply.pieces.reasoning)
            content.append(
                {"reasoningContent": {"reasoningText": {"text": text, "signature": SIGNATURE}}}
            )
        if reply.text:
            content.append({"text": reply.text})
        for position, call in enumerate(reply.response.tool_calls):
            content.append(
                {
                    "toolUse": {
                        "toolUseId": reply.call_id(position),
                        "name": call.name,
                        "input": arguments(call),
                    }
                }
            )
        return {
            "output": {"message": {"role": "assistant", "content": content}},
            "stopReason": self._stop_reason(reply),
            "usage": self._usage(reply),
            "metrics": {"latencyMs": 0},
        }

    def error_body(self, message: str, kind: str, status: int) -> dict[str, Any]:
        if kind == "content_filter":
            # Filtered content is an answer that stops for it, not an HTTP error.
            return {
                "output": {"message": {"role": "assistant", "content": []}},
                "stopReason": "content_filtered",
                "usage": {"inputTokens": 0, "outputTokens": 0, "totalTokens": 0},
                "metrics": {"latencyMs": 0},
            }
        name = ERRORS.get(
            status, "InternalServerException" if status >= 500 else "ValidationException"
        )
        return {"__type": name, "message": message}

    def error_frame(self, message: str, kind: str, status: int) -> bytes:
        if kind == "content_filter":
            usage = {"inputTokens": 0, "outputTokens": 0, "totalTokens": 0}
            return (
                event("messageStop", {"stopReason": "content_filtered"}).data
                + event("metadata", {"usage": usage, "metrics": {"latencyMs": 0}}).data
            )
        name = STREAM_ERRORS.get(
            status, "internalServerException" if status >= 500 else "modelStreamErrorException"
        )
        return exception(name, message)


def _text(blocks: Any) -> str:
    """The text of a list of content (or system) blocks."""
    if not isinstance(blocks, list):
        return ""
    return "".join(str(b.get("text") or "") for b in blocks if isinstance(b, dict))


def _result_text(content: Any) -> str:
    """A tool result's content blocks as the tool's text (`json` blocks as JSON)."""
    if not isinstance(content, list):
        return str(content or "")
    return "".join(
        str(b["text"]) if "text" in b else json.dumps(b.get("json"), ensure_ascii=False)
        for b in content
        if isinstance(b, dict)
    )
