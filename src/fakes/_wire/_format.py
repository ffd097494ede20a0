"""What a provider's wire format must say for a scripted response (one module each)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from langchain_core.messages import BaseMessage

from .._script._cutting import Pieces
from .._script._vocabulary import Response, ToolCall

CREATED = 1_700_000_000  # a fixed timestamp: the same bytes every run


@dataclass(frozen=True)
class Frame:
    """One piece of a streamed body; `chunk` frames carry tokens (and count for faults)."""

    data: bytes
    chunk: bool = False


@dataclass(frozen=True)
class Reply:
    """A scripted response, ready to render in any format."""

    response: Response
    pieces: Pieces
    model: str
    call_index: int
    input_tokens: int
    output_tokens: int
    stop_sequence: str | None = None
    """The stop sequence that ended the text, if one did."""

    @property
    def text(self) -> str:
        return "".join(self.pieces.text)

    def call_id(self, position: int) -> str:
        return self.response.tool_calls[position].id or f"call_{self.call_index}_{position}"


class WireFormat(Protocol):
    """One provider API: how to read its requests and write its responses."""

    path: str
    media_type: str

    def problem(self, body: Any) -> str | None:
        """What is wrong with a request body, or None."""

    def streaming(self, body: dict[str, Any]) -> bool: ...

    def messages(self, body: dict[str, Any]) -> list[BaseMessage]: ...

    def options(self, body: dict[str, Any]) -> dict[str, Any]: ...

    def frames(self, reply: Reply, body: dict[str, Any]) -> list[Frame]:
        """The whole streamed body, terminator included."""

    def whole(self, reply: Reply) -> dict[str, Any]:
        """The body of a response that does not stream."""

    def error_body(self, message: str, kind: str, status: int) -> dict[str, Any]: ...

    def error_frame(self, message: str, kind: str, status: int) -> bytes:
        """How an error mid-stream looks on the wire."""


# Two optional parts of a format (looked up on the adapter, so formats without them work):
#   routed(body, params) -> body: the body the other methods read, with what the request
#       path says (Gemini and Bedrock name the model there, not in the body); `params`
#       are the path's `{name}` parts. The journal keeps the body as it was received.
#   in_band_faults: the fault kinds ("content_filter") the format answers with a 200 and
#       its own frames (a Gemini safety block), not with an HTTP error.


def routed(wire: WireFormat, body: Any, params: Mapping[str, str]) -> Any:
    """The body `wire` reads: the request's, with what its path says (if it reads that)."""
    route = getattr(wire, "routed", None)
    return route(body, params) if route is not None and params else body


def in_band(wire: WireFormat, kind: str) -> bool:
    """Whether `wire` answers a fault of this kind inside a 200 answer."""
    return kind in getattr(wire, "in_band_faults", ())


class ChatRequests:
    """What the chat formats share: a JSON body with a `messages` list; `stream` asks to
    stream."""

    def problem(self, body: Any) -> str | None:
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            return "expected a JSON object with a 'messages' list"
        return None

    def streaming(self, body: dict[str, Any]) -> bool:
        return bool(body.get("stream"))


MODEL_RELEASE = "2026-01-01"
"""The release date a fake provider resolves a model alias to."""


def resolved_model_name(requested: str) -> str:
    """The model a provider answers as: a pinned release of the alias requested
    (`gpt-fake` -> `gpt-fake-2026-01-01`), as OpenAI and Anthropic answer, so that an
    integration reporting its configured name instead of the answer is caught. A name
    that already ends in a release date, or has an Ollama tag (`name:tag`), is kept."""
    if ":" in requested or re.search(r"(\d{4}-\d{2}-\d{2}|\d{8})$", requested):
        return requested
    return f"{requested}-{MODEL_RELEASE}"


def arguments(call: ToolCall) -> dict[str, Any]:
    """A tool call's arguments as an object, for formats that send them parsed."""
    if call.args is not None:
        return dict(call.args)
    try:
        parsed = json.loads(call.arguments_json())
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def data_frame(data: Any, *, chunk: bool = False) -> Frame:
    """A `data:`-only server-sent event (OpenAI)."""
    text = data if isinstance(data, str) else dumps(data)
    return Frame(f"data: {text}\n\n".encode(), chunk)


def event_frame(event: str, data: Any, *, chunk: bool = False) -> Frame:
    """A server-sent event with an `event:` line (Anthropic needs it on every frame)."""
    return Frame(f"event: {event}\ndata: {dumps(data)}\n\n".encode(), chunk)


def json_line(data: Any, *, chunk: bool = False) -> Frame:
    """One line of newline-delimited JSON (Ollama)."""
    return Frame((dumps(data) + "\n").encode(), chunk)
