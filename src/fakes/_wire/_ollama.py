"""Ollama: `POST /api/chat` (ChatOllama) and `POST /api/generate` (OllamaLLM), in
newline-delimited JSON."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from ._format import (
    ChatRequests,
    Check,
    Frame,
    Reply,
    arguments,
    is_bool,
    is_object,
    is_objects,
    is_stop,
    is_str,
    json_line,
    stop_list,
)

CREATED_AT = "2023-11-14T22:13:20Z"  # fixed, like CREATED


class Chat(ChatRequests):
    path = "/api/chat"
    media_type = "application/x-ndjson"
    fields: ClassVar[dict[str, Check]] = {
        "model": is_str,
        "stream": is_bool,
        "options": is_object,
        "options.stop": is_stop,
        "tools": is_objects,
    }

    def streaming(self, body: dict[str, Any]) -> bool:
        return body.get("stream", True) is not False  # Ollama streams unless told not to

    def messages(self, body: dict[str, Any]) -> list[BaseMessage]:
        messages: list[BaseMessage] = []
        for message in body["messages"]:
            role, content = message.get("role"), str(message.get("content") or "")
            if role == "tool":
                call_id = message.get("tool_call_id") or message.get("tool_name") or ""
                messages.append(ToolMessage(content, tool_call_id=str(call_id)))
            elif role == "assistant":
                messages.append(AIMessage(content))
            elif role == "system":
                messages.append(SystemMessage(content))
            else:
                messages.append(HumanMessage(content))
        return messages

    def options(self, body: dict[str, Any]) -> dict[str, Any]:
        return _options(body, ("tools", "model"))

    def _line(self, reply: Reply, message: dict[str, Any], *, done: bool) -> dict[str, Any]:
        return {
            "model": reply.model,
            "created_at": CREATED_AT,
            "message": {"role": "assistant", **message},
            **_ending(reply, done),
        }

    def _tool_calls(self, reply: Reply) -> list[dict[str, Any]]:
        # Ollama sends each tool call whole, with parsed arguments.
        return [
            {"function": {"name": call.name, "arguments": arguments(call)}}
            for call in reply.response.tool_calls
        ]

    def frames(self, reply: Reply, body: dict[str, Any]) -> Iterator[Frame]:
        # Reasoning streams first, as Ollama's `thinking`, then the content.
        for p in reply.pieces.reasoning:
            thinking = {"content": "", "thinking": p}
            yield json_line(self._line(reply, thinking, done=False), chunk=True)
        for p in reply.pieces.text:
            yield json_line(self._line(reply, {"content": p}, done=False), chunk=True)
        if reply.response.tool_calls:
            message = {"content": "", "tool_calls": self._tool_calls(reply)}
            yield json_line(self._line(reply, message, done=False), chunk=True)
        yield json_line(self._line(reply, {"content": ""}, done=True))

    def whole(self, reply: Reply) -> dict[str, Any]:
        message: dict[str, Any] = {"content": reply.text}
        if reply.pieces.reasoning:
            message["thinking"] = "".join(reply.pieces.reasoning)
        if reply.response.tool_calls:
            message["tool_calls"] = self._tool_calls(reply)
        return self._line(reply, message, done=True)

    def error_body(self, message: str, kind: str, status: int) -> dict[str, Any]:
        return {"error": message}

    def error_frame(self, message: str, kind: str, status: int) -> bytes:
        return json_line({"error": message}).data


class Generate:
    """`POST /api/generate`: one prompt, the answer streamed as `response` strings
    (langchain-ollama's OllamaLLM); reasoning as `thinking`, before the answer."""

    path = "/api/generate"
    media_type = "application/x-ndjson"

    def problem(self, body: Any) -> str | None:
        if not isinstance(body, dict) or not isinstance(body.get("prompt"), str):
            return "expected a JSON object with a 'prompt' string"
        return None

    def streaming(self, body: dict[str, Any]) -> bool:
        return body.get("stream", True) is not False

    def messages(self, body: dict[str, Any]) -> list[BaseMessage]:
        system = body.get("system")
        prompt: list[BaseMessage] = [HumanMessage(body["prompt"])]
        return [SystemMessage(str(system)), *prompt] if system else prompt

    def options(self, body: dict[str, Any]) -> dict[str, Any]:
        return _options(body, ("model",))

    def _line(self, reply: Reply, text: str, *, done: bool, **extra: Any) -> dict[str, Any]:
        return {
            "model": reply.model,
            "created_at": CREATED_AT,
            **_ending(reply, done),
            "response": text,
            **extra,
        }

    def frames(self, reply: Reply, body: dict[str, Any]) -> Iterator[Frame]:
        for p in reply.pieces.reasoning:
            yield json_line(self._line(reply, "", done=False, thinking=p), chunk=True)
        for p in reply.pieces.text:
            yield json_line(self._line(reply, p, done=False), chunk=True)
        yield json_line(self._line(reply, "", done=True))

    def whole(self, reply: Reply) -> dict[str, Any]:
        thinking = "".join(reply.pieces.reasoning)
        extra = {"thinking": thinking} if thinking else {}
        return self._line(reply, reply.text, done=True, **extra)

    def error_body(self, message: str, kind: str, status: int) -> dict[str, Any]:
        return {"error": message}

    def error_frame(self, message: str, kind: str, status: int) -> bytes:
        return json_line({"error": message}).data


def _options(body: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """The call options a request gives: `keys` as they are, and `options.stop` as a
    list (one string is one stop sequence)."""
    options: dict[str, Any] = {k: body[k] for k in keys if k in body}
    stop = stop_list((body.get("options") or {}).get("stop"))
    if stop:
        options["stop"] = stop
    return options


def _ending(reply: Reply, done: bool) -> dict[str, Any]:
    """A line's `done`, and on the last line why and the token counts."""
    if not done:
        return {"done": False}
    reason = reply.response.finish_reason
    return {
        "done": True,
        "done_reason": "stop" if reason in (None, "tool_calls") else reason,
        "total_duration": 0,
        "load_duration": 0,
        "prompt_eval_count": reply.input_tokens,
        "prompt_eval_duration": 0,
        "eval_count": reply.output_tokens,
        "eval_duration": 0,
    }
