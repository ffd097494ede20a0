"""OpenAI: chat completions and legacy completions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from langchain_core.messages import BaseMessage, HumanMessage, convert_to_messages

from .._script._vocabulary import finish_reason
from ._format import (
    CREATED,
    ChatRequests,
    Check,
    Frame,
    Reply,
    data_frame,
    fields_problem,
    is_bool,
    is_choice,
    is_int,
    is_object,
    is_objects,
    is_stop,
    is_str,
    stop_list,
)

# The fields both OpenAI endpoints read, and the types they take.
FIELDS: dict[str, Check] = {
    "model": is_str,
    "stream": is_bool,
    "stream_options": is_object,
    "stream_options.include_usage": is_bool,
    "stop": is_stop,
}


def _usage(reply: Reply) -> dict[str, int]:
    return {
        "prompt_tokens": reply.input_tokens,
        "completion_tokens": reply.output_tokens,
        "total_tokens": reply.input_tokens + reply.output_tokens,
    }


def _with_stop_list(options: dict[str, Any]) -> dict[str, Any]:
    """OpenAI takes `stop` as one string or a list; the script wants a list."""
    if "stop" in options:
        options["stop"] = stop_list(options["stop"])
    return options


def _include_usage(body: dict[str, Any]) -> bool:
    return bool((body.get("stream_options") or {}).get("include_usage"))


def _error_body(message: str, kind: str, status: int) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


class ChatCompletions(ChatRequests):
    """`POST /v1/chat/completions` (openai SDK, langchain-openai's ChatOpenAI)."""

    path = "/v1/chat/completions"
    media_type = "text/event-stream"
    fields: ClassVar[dict[str, Check]] = {
        **FIELDS,
        "tools": is_objects,
        "tool_choice": is_choice,
    }

    def messages(self, body: dict[str, Any]) -> list[BaseMessage]:
        try:
            return convert_to_messages(body["messages"])
        except (ValueError, TypeError, KeyError):
            return []  # rules then see no text; the journal keeps the raw body

    def options(self, body: dict[str, Any]) -> dict[str, Any]:
        return _with_stop_list(
            {k: body[k] for k in ("stop", "tools", "tool_choice", "model") if k in body}
        )

    def _chunk(
        self, reply: Reply, delta: dict[str, Any], finish: str | None = None
    ) -> dict[str, Any]:
        return {
            "id": reply.response.id or f"chatcmpl-fake-{reply.call_index:04d}",
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": reply.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    def frames(self, reply: Reply, body: dict[str, Any]) -> Iterator[Frame]:
        yield data_frame(self._chunk(reply, {"role": "assistant", "content": ""}))
        for p in reply.pieces.text:
            yield data_frame(self._chunk(reply, {"content": p}), chunk=True)
        for position, (call, fragments) in enumerate(
            zip(reply.response.tool_calls, reply.pieces.tool_args, strict=True)
        ):
            for n, fragment in enumerate(fragments):
                delta: dict[str, Any] = {"index": position, "function": {"arguments": fragment}}
                if n == 0:
                    delta = {
                        "index": position,
                        "id": reply.call_id(position),
                        "type": "function",
                        "function": {"name": call.name, "arguments": fragment},
                    }
                yield data_frame(self._chunk(reply, {"tool_calls": [delta]}), chunk=True)
        yield data_frame(self._chunk(reply, {}, finish_reason(reply.response)))
        if _include_usage(body):
            yield data_frame({**self._chunk(reply, {}), "choices": [], "usage": _usage(reply)})
        yield data_frame("[DONE]")

    def whole(self, reply: Reply) -> dict[str, Any]:
        # content is null only beside tool calls, as the API sends it.
        content = reply.text if reply.text or not reply.response.tool_calls else None
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if reply.response.tool_calls:
            message["tool_calls"] = [
                {
                    "id": reply.call_id(position),
                    "type": "function",
                    "function": {"name": call.name, "arguments": call.arguments_json()},
                }
                for position, call in enumerate(reply.response.tool_calls)
            ]
        return {
            "id": reply.response.id or f"chatcmpl-fake-{reply.call_index:04d}",
            "object": "chat.completion",
            "created": CREATED,
            "model": reply.model,
            "choices": [
                {"index": 0, "message": message, "finish_reason": finish_reason(reply.response)}
            ],
            "usage": _usage(reply),
        }

    def error_body(self, message: str, kind: str, status: int) -> dict[str, Any]:
        return _error_body(message, kind, status)

    def error_frame(self, message: str, kind: str, status: int) -> bytes:
        return data_frame({"error": {"message": message, "type": kind}}).data


class Completions:
    """`POST /v1/completions`: the legacy API of langchain-openai's `OpenAI` LLM."""

    path = "/v1/completions"
    media_type = "text/event-stream"

    def problem(self, body: Any) -> str | None:
        if not isinstance(body, dict) or not isinstance(body.get("prompt"), (str, list)):
            return "expected a JSON object with a 'prompt' (a string or a list of one)"
        if isinstance(body["prompt"], list) and (
            len(body["prompt"]) != 1 or not isinstance(body["prompt"][0], str)
        ):
            return "the fake answers one prompt per request; send a list of exactly one string"
        return fields_problem(body, {**FIELDS, "max_tokens": is_int})

    def streaming(self, body: dict[str, Any]) -> bool:
        return bool(body.get("stream"))

    def messages(self, body: dict[str, Any]) -> list[BaseMessage]:
        prompt = body["prompt"]
        return [HumanMessage(prompt[0] if isinstance(prompt, list) else prompt)]

    def options(self, body: dict[str, Any]) -> dict[str, Any]:
        return _with_stop_list({k: body[k] for k in ("stop", "model", "max_tokens") if k in body})

    def _chunk(self, reply: Reply, text: str, finish: str | None = None) -> dict[str, Any]:
        return {
            "id": reply.response.id or f"cmpl-fake-{reply.call_index:04d}",
            "object": "text_completion",
            "created": CREATED,
            "model": reply.model,
            "choices": [{"text": text, "index": 0, "logprobs": None, "finish_reason": finish}],
        }

    def frames(self, reply: Reply, body: dict[str, Any]) -> Iterator[Frame]:
        for p in reply.pieces.text:
            yield data_frame(self._chunk(reply, p), chunk=True)
        yield data_frame(self._chunk(reply, "", finish_reason(reply.response)))
        if _include_usage(body):
            yield data_frame({**self._chunk(reply, ""), "choices": [], "usage": _usage(reply)})
        yield data_frame("[DONE]")

    def whole(self, reply: Reply) -> dict[str, Any]:
        return {
            **self._chunk(reply, reply.text, finish_reason(reply.response)),
            "usage": _usage(reply),
        }

    def error_body(self, message: str, kind: str, status: int) -> dict[str, Any]:
        return _error_body(message, kind, status)

    def error_frame(self, message: str, kind: str, status: int) -> bytes:
        return data_frame({"error": {"message": message, "type": kind}}).data
