"""OpenAI chat completions: a scripted response as `chat.completion(.chunk)` JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from .._chunks import finish_reason
from .._pieces import Pieces
from .._script import Response

CREATED = 1_700_000_000  # a fixed timestamp: the same bytes every run


def _usage(input_tokens: int, output_tokens: int) -> dict[str, int]:
    return {
        "prompt_tokens": input_tokens,
        "completion_tokens": output_tokens,
        "total_tokens": input_tokens + output_tokens,
    }


class ChatCompletion:
    """One response, rendered as OpenAI renders chat completions."""

    def __init__(
        self,
        response: Response,
        pieces: Pieces,
        *,
        model: str,
        call_index: int,
        usage: dict[str, int],
    ) -> None:
        self.response = response
        self.pieces = pieces
        self.model = model
        self.id = response.id or f"chatcmpl-fake-{call_index:04d}"
        self.call_index = call_index
        self.usage = usage

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    def _call_id(self, position: int) -> str:
        return self.response.tool_calls[position].id or f"call_{self.call_index}_{position}"

    def chunks(self, *, include_usage: bool) -> Iterator[dict[str, Any]]:
        """The stream: role, content deltas, tool-call deltas, finish, usage."""
        yield self._chunk({"role": "assistant", "content": ""})
        for piece in self.pieces.text:
            yield self._chunk({"content": piece})
        for position, (call, fragments) in enumerate(
            zip(self.response.tool_calls, self.pieces.tool_args, strict=True)
        ):
            for n, fragment in enumerate(fragments):
                delta: dict[str, Any] = {"index": position, "function": {"arguments": fragment}}
                if n == 0:
                    delta.update(id=self._call_id(position), type="function")
                    delta["function"] = {"name": call.name, "arguments": fragment}
                yield self._chunk({"tool_calls": [delta]})
        yield self._chunk({}, finish_reason(self.response))
        if include_usage:
            yield {**self._chunk({}), "choices": [], "usage": self.usage}

    def message(self) -> dict[str, Any]:
        """The whole completion, for a request that does not stream."""
        message: dict[str, Any] = {
            "role": "assistant",
            "content": "".join(self.pieces.text) or None,
        }
        if self.response.tool_calls:
            message["tool_calls"] = [
                {
                    "id": self._call_id(position),
                    "type": "function",
                    "function": {"name": call.name, "arguments": call.arguments_json()},
                }
                for position, call in enumerate(self.response.tool_calls)
            ]
        return {
            "id": self.id,
            "object": "chat.completion",
            "created": CREATED,
            "model": self.model,
            "choices": [
                {"index": 0, "message": message, "finish_reason": finish_reason(self.response)}
            ],
            "usage": self.usage,
        }


def sse(data: Any) -> bytes:
    """One `data:` frame (OpenAI sends no `event:` lines)."""
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return f"data: {text}\n\n".encode()


def usage_of(response: Response, pieces: Pieces, prompt_tokens: int) -> dict[str, int]:
    scripted = dict(response.usage or {})
    return _usage(
        int(scripted.get("input_tokens", prompt_tokens)),
        int(scripted.get("output_tokens", pieces.tokens)),
    )
