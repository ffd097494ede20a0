"""Google Gemini: `generateContent` and `streamGenerateContent?alt=sse` (google-genai SDK,
langchain-google-genai's ChatGoogleGenerativeAI).

The model is named in the path (`/v1beta/models/{model}:generateContent`), and the path,
not the body, says whether to stream. Tool calls arrive whole (`functionCall` with parsed
`args`), reasoning as `thought: true` parts, usage on the last chunk; a content filter is
a safety block (`finishReason: SAFETY`) inside a 200 answer, as the API sends it.
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
from ._format import Frame, ModelInPath, Reply, arguments, data_frame

# The script's finish reasons as Gemini's (tool calls end with STOP there).
FINISH_REASONS = {
    "stop": "STOP",
    "tool_calls": "STOP",
    "length": "MAX_TOKENS",
    "content_filter": "SAFETY",
}
# google.rpc status names, by HTTP status: what the SDK's errors report as `status`.
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
SAFETY_BLOCK = {
    "finishReason": "SAFETY",
    "index": 0,
    "safetyRatings": [
        {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True}
    ],
}


class GenerateContent(ModelInPath):
    """`POST /{version}/models/{model}:generateContent`, or `:streamGenerateContent`
    (server-sent events with `alt=sse`): one instance for each."""

    media_type = "text/event-stream"

    def __init__(self, *, stream: bool) -> None:
        super().__init__(stream=stream)
        method = "streamGenerateContent" if stream else "generateContent"
        self.path = f"/{{version}}/models/{{model}}:{method}"
        if not stream:
            self.media_type = "application/json"

    def problem(self, body: Any) -> str | None:
        if not isinstance(body, dict) or not isinstance(body.get("contents"), list):
            return "expected a JSON object with a 'contents' list (Gemini's generateContent)"
        return None

    def messages(self, body: dict[str, Any]) -> list[BaseMessage]:
        """The conversation as LangChain messages: system instruction, turns, function
        calls and their responses."""
        messages: list[BaseMessage] = []
        system = body.get("systemInstruction") or body.get("system_instruction")
        if isinstance(system, dict):
            messages.append(SystemMessage(_text(system.get("parts"))))
        for content in body["contents"]:
            content = content if isinstance(content, dict) else {}
            parts = [p for p in content.get("parts") or [] if isinstance(p, dict)]
            for part in parts:
                result = part.get("functionResponse") or part.get("function_response")
                if isinstance(result, dict):
                    call_id = result.get("id") or result.get("name") or ""
                    messages.append(
                        ToolMessage(_result_text(result.get("response")), tool_call_id=call_id)
                    )
            text = _text(parts)
            if content.get("role") == "model":
                calls = [
                    {"name": c.get("name", ""), "args": c.get("args") or {}, "id": c.get("id")}
                    for c in (p.get("functionCall") or p.get("function_call") for p in parts)
                    if isinstance(c, dict)
                ]
                messages.append(AIMessage(text, tool_calls=calls))
            elif text or not any("functionResponse" in p for p in parts):
                messages.append(HumanMessage(text))
        return messages

    def options(self, body: dict[str, Any]) -> dict[str, Any]:
        options: dict[str, Any] = {"model": body.get("model", "")}
        tools = [
            {"type": "function", "function": dict(declaration)}
            for tool in body.get("tools") or []
            if isinstance(tool, dict)
            for declaration in tool.get("functionDeclarations") or []
            if isinstance(declaration, dict)
        ]
        if tools:  # in OpenAI's format, as calls record them (and `bound_tool` reads them)
            options["tools"] = tools
        if "toolConfig" in body:
            options["tool_choice"] = body["toolConfig"]
        config = body.get("generationConfig") or {}
        stop = config.get("stopSequences") if isinstance(config, dict) else None
        if stop:
            options["stop"] = list(stop)
        return options

    def _response(
        self, reply: Reply, parts: list[dict[str, Any]], *, final: bool
    ) -> dict[str, Any]:
        candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
        response: dict[str, Any] = {"candidates": [candidate]}
        if final:
            candidate["finishReason"] = self._finish_reason(reply)
            response["usageMetadata"] = {
                "promptTokenCount": reply.input_tokens,
                "candidatesTokenCount": reply.output_tokens,
                "totalTokenCount": reply.input_tokens + reply.output_tokens,
            }
        response["modelVersion"] = reply.model
        response["responseId"] = reply.response.id or f"fake-{reply.call_index:04d}"
        return response

    def _finish_reason(self, reply: Reply) -> str:
        reason = finish_reason(reply.response)
        return FINISH_REASONS.get(reason, reason.upper())

    def _calls(self, reply: Reply) -> list[dict[str, Any]]:
        return [
            {"functionCall": {"name": call.name, "args": arguments(call), "id": reply.call_id(n)}}
            for n, call in enumerate(reply.response.tool_calls)
        ]

    def frames(self, reply: Reply, body: dict[str, Any]) -> Iterator[Frame]:
        for piece in reply.pieces.reasoning:
            thought = [{"text": piece, "thought": True}]
            yield data_frame(self._response(reply, thought, final=False), chunk=True)
        for piece in reply.pieces.text:
            yield data_frame(self._response(reply, [{"text": piece}], final=False), chunk=True)
        # Each call whole, in a chunk of its own (Gemini does not stream arguments).
        for call in self._calls(reply):
            yield data_frame(self._response(reply, [call], final=False), chunk=True)
        yield data_frame(self._response(reply, [], final=True))

    def whole(self, reply: Reply) -> dict[str, Any]:
        parts: list[dict[str, Any]] = []
        if reply.pieces.reasoning:
            parts.append({"text": "".join(reply.pieces.reasoning), "thought": True})
        if reply.text:
            parts.append({"text": reply.text})
        return self._response(reply, parts + self._calls(reply), final=True)

    def error_body(self, message: str, kind: str, status: int) -> dict[str, Any]:
        if kind == "content_filter":
            # A safety block: a candidate with no content, finished for SAFETY.
            return {"candidates": [dict(SAFETY_BLOCK, finishMessage=message)]}
        name = STATUS_NAMES.get(status, "INTERNAL" if status >= 500 else "FAILED_PRECONDITION")
        # "error" must come first: the SDK spots a streamed error by '{"error":'.
        return {"error": {"code": status, "message": message, "status": name}}

    def error_frame(self, message: str, kind: str, status: int) -> bytes:
        return data_frame(self.error_body(message, kind, status)).data


def _text(parts: Any) -> str:
    """The text of a list of parts (thoughts left out)."""
    if not isinstance(parts, list):
        return ""
    return "".join(
        str(p.get("text") or "") for p in parts if isinstance(p, dict) and not p.get("thought")
    )


def _result_text(response: Any) -> str:
    """A function response as the tool's text: its one `output` (or `result`), else JSON."""
    if isinstance(response, dict) and len(response) == 1:
        (value,) = response.values()
        if isinstance(value, str):
            return value
    return response if isinstance(response, str) else json.dumps(response, ensure_ascii=False)
