"""OpenAI: chat completions and legacy completions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from langchain_core.messages import BaseMessage, HumanMessage, convert_to_messages

from .._script._vocabulary import finish_reason
from ._format import (
    CREATED,
    ChatRequests,
    Check,
    Frame,
    Reply,
    data_frame,
    event_frame,
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


@dataclass(frozen=True)
class Dialect:
    """How an OpenAI-compatible server varies the chat completions stream.

    The defaults are OpenAI's own, plus `reasoning_content` for scripted reasoning, as
    OpenAI-compatible servers (DeepSeek, vLLM) stream it; OpenAI's clients ignore it.
    `fakes.DIALECTS` holds one per provider.
    """

    name: str = "openai"
    path: str = "/v1/chat/completions"
    """Where the provider's client posts (relative to the server's root)."""
    reasoning: Literal["reasoning_content", "reasoning", "thinking", "none"] = "reasoning_content"
    """`delta.reasoning_content`, `delta.reasoning`, Mistral's `thinking` content blocks,
    or not sent at all."""
    usage: Literal["include_usage", "finish", "x_groq", "running"] = "include_usage"
    """A chunk of its own when the request asks (`stream_options.include_usage`), on the
    finish chunk always, in the finish chunk's `x_groq.usage`, or as running totals on
    every chunk."""
    errors: Literal["data", "event"] = "data"
    """A mid-stream error as `data: {"error": ...}` or as `event: error`."""
    tool_calls: Literal["fragments", "whole"] = "fragments"
    """Tool-call arguments in fragments (id and name on the first), or each call whole in
    one chunk."""


def _extras(reply: Reply) -> dict[str, Any]:
    """`system_fingerprint` and `service_tier` from the response's metadata (a recording
    keeps them there), sent at the top of every chunk as OpenAI does."""
    metadata = reply.response.response_metadata
    return {k: metadata[k] for k in ("system_fingerprint", "service_tier") if k in metadata}


def _head(reply: Reply, kind: str) -> dict[str, Any]:
    """What a chat completion (or each of its chunks) starts with."""
    return {
        "id": reply.response.id or f"chatcmpl-fake-{reply.call_index:04d}",
        "object": kind,
        "created": CREATED,
        "model": reply.model,
        **_extras(reply),
    }


def _logprobs(reply: Reply) -> list[Any]:
    """The token logprobs in the response's metadata (`{"content": [...]}`)."""
    logprobs = reply.response.response_metadata.get("logprobs")
    tokens = logprobs.get("content") if isinstance(logprobs, dict) else None
    return list(tokens) if isinstance(tokens, list) else []


def _usage(reply: Reply, output_tokens: int | None = None) -> dict[str, int]:
    output = reply.output_tokens if output_tokens is None else output_tokens
    return {
        "prompt_tokens": reply.input_tokens,
        "completion_tokens": output,
        "total_tokens": reply.input_tokens + output,
    }


def _with_stop_list(options: dict[str, Any]) -> dict[str, Any]:
    """OpenAI takes `stop` as one string or a list; the script wants a list."""
    if "stop" in options:
        options["stop"] = stop_list(options["stop"])
    return options


def _include_usage(body: dict[str, Any]) -> bool:
    return bool((body.get("stream_options") or {}).get("include_usage"))


def error_body(message: str, kind: str, status: int) -> dict[str, Any]:
    """An error as the OpenAI APIs send it (chat, completions, responses)."""
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


class ChatCompletions(ChatRequests):
    """`POST /v1/chat/completions` (openai SDK, langchain-openai's ChatOpenAI), in OpenAI's
    dialect or an OpenAI-compatible provider's (`fakes.DIALECTS`); `path` mounts it
    elsewhere.

    >>> from fakes import DIALECTS
    >>> ChatCompletions(DIALECTS["groq"]).path
    '/openai/v1/chat/completions'
    """

    media_type = "text/event-stream"
    fields: ClassVar[dict[str, Check]] = {
        **FIELDS,
        "tools": is_objects,
        "tool_choice": is_choice,
    }

    def __init__(self, dialect: Dialect = Dialect(), *, path: str | None = None) -> None:
        self.dialect = dialect
        self.path = path or dialect.path

    def __repr__(self) -> str:
        return f"ChatCompletions({self.dialect.name!r}, path={self.path!r})"

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
        self,
        head: dict[str, Any],
        delta: dict[str, Any],
        finish: str | None = None,
        logprobs: list[Any] | None = None,
    ) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        if logprobs:
            choice["logprobs"] = {"content": logprobs}
        return {**head, "choices": [choice]}

    def _reasoning(self, piece: str) -> dict[str, Any]:
        if self.dialect.reasoning == "thinking":
            return {
                "content": [{"type": "thinking", "thinking": [{"type": "text", "text": piece}]}]
            }
        return {self.dialect.reasoning: piece}

    def _tool_deltas(self, reply: Reply) -> list[dict[str, Any]]:
        """Each tool-call delta: whole calls, or the fragments of each (id and name first)."""
        deltas: list[dict[str, Any]] = []
        for position, (call, fragments) in enumerate(
            zip(reply.response.tool_calls, reply.pieces.tool_args, strict=True)
        ):
            if self.dialect.tool_calls == "whole":
                fragments = ["".join(fragments)]
            for n, fragment in enumerate(fragments):
                delta: dict[str, Any] = {"index": position, "function": {"arguments": fragment}}
                if n == 0:
                    delta = {
                        "index": position,
                        "id": reply.call_id(position),
                        "type": "function",
                        "function": {"name": call.name, "arguments": fragment},
                    }
                deltas.append(delta)
        return deltas

    def frames(self, reply: Reply, body: dict[str, Any]) -> Iterator[Frame]:
        dialect = self.dialect
        tokens = 0  # sent so far, for running totals

        def frame(chunk: dict[str, Any], is_token: bool) -> Frame:
            nonlocal tokens
            tokens += is_token
            if dialect.usage == "running":  # Perplexity: every chunk carries the totals so far
                chunk["usage"] = _usage(reply, reply.output_tokens_after(tokens))
            return data_frame(chunk, chunk=is_token)

        head = _head(reply, "chat.completion.chunk")  # the same on every chunk
        yield frame(self._chunk(head, {"role": "assistant", "content": ""}), False)
        if dialect.reasoning != "none":
            for piece in reply.pieces.reasoning:
                yield frame(self._chunk(head, self._reasoning(piece)), True)
        texts = reply.pieces.text
        logprobs = _logprobs(reply)
        # One token's logprobs per text chunk, as OpenAI streams them; else all on the first.
        # (Counting the chunks reads them all: only when there are logprobs to share.)
        one_each = len(logprobs) == len(texts) if logprobs else not texts
        shares = [[p] for p in logprobs] if one_each else [logprobs]
        for i, piece in enumerate(texts):
            share = shares[i] if i < len(shares) else None
            yield frame(self._chunk(head, {"content": piece}, logprobs=share), True)
        for delta in self._tool_deltas(reply):
            yield frame(self._chunk(head, {"tool_calls": [delta]}), True)
        finish = self._chunk(head, {}, finish_reason(reply.response))
        if dialect.usage in ("running", "finish"):  # running totals end with the whole
            finish["usage"] = _usage(reply)
        elif dialect.usage == "x_groq":
            finish["x_groq"] = {"id": finish["id"], "usage": _usage(reply)}
        yield data_frame(finish)
        if dialect.usage == "include_usage" and _include_usage(body):
            yield data_frame({**head, "choices": [], "usage": _usage(reply)})
        yield data_frame("[DONE]")

    def whole(self, reply: Reply) -> dict[str, Any]:
        # content is null only beside tool calls, as the API sends it.
        content = reply.text if reply.text or not reply.response.tool_calls else None
        message: dict[str, Any] = {"role": "assistant", "content": content}
        reasoning = "".join(reply.pieces.reasoning)
        if reasoning and self.dialect.reasoning == "thinking":
            thinking = self._reasoning(reasoning)["content"]
            message["content"] = [*thinking, {"type": "text", "text": reply.text}]
        elif reasoning and self.dialect.reasoning != "none":
            message[self.dialect.reasoning] = reasoning
        if reply.response.tool_calls:
            message["tool_calls"] = [
                {
                    "id": reply.call_id(position),
                    "type": "function",
                    "function": {"name": call.name, "arguments": call.arguments_json()},
                }
                for position, call in enumerate(reply.response.tool_calls)
            ]
        choice = {"index": 0, "message": message, "finish_reason": finish_reason(reply.response)}
        logprobs = _logprobs(reply)
        if logprobs:
            choice["logprobs"] = {"content": logprobs}
        return {**_head(reply, "chat.completion"), "choices": [choice], "usage": _usage(reply)}

    def error_body(self, message: str, kind: str, status: int) -> dict[str, Any]:
        return error_body(message, kind, status)

    def error_frame(self, message: str, kind: str, status: int) -> bytes:
        error = {"error": {"message": message, "type": kind}}
        if self.dialect.errors == "event":
            return event_frame("error", error).data
        return data_frame(error).data


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
        return error_body(message, kind, status)

    def error_frame(self, message: str, kind: str, status: int) -> bytes:
        return data_frame({"error": {"message": message, "type": kind}}).data
