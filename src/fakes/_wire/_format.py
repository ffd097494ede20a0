"""What a provider's wire format must say for a scripted response (one module each)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, Self

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
    """A scripted response, ready to render in any format.

    Its pieces are cut as the frames are built; what depends on all of them (the output
    tokens, the stop sequence met) is known once they have been read: the closing frames.
    """

    response: Response
    pieces: Pieces
    model: str
    call_index: int
    input_tokens: int
    stated_output_tokens: int | None = None
    """The output tokens the script states; None: one per piece."""
    stated_stop_sequence: str | None = None
    """The stop sequence that ended the text, if known; None: the one the cut met."""

    @property
    def output_tokens(self) -> int:
        """As stated, or one per piece (which reads them all)."""
        if self.stated_output_tokens is not None:
            return self.stated_output_tokens
        return self.pieces.tokens

    @property
    def stop_sequence(self) -> str | None:
        """The stop sequence that ended the text, if one did (found by reading it all)."""
        if self.stated_stop_sequence is not None:
            return self.stated_stop_sequence
        return self.pieces.stop_sequence

    @property
    def text(self) -> str:
        return "".join(self.pieces.text)

    def call_id(self, position: int) -> str:
        return self.response.tool_calls[position].id or f"call_{self.call_index}_{position}"

    def output_tokens_after(self, sent: int) -> int:
        """The output tokens counted after `sent` token frames: a running total."""
        if self.stated_output_tokens is not None:
            return min(sent, self.stated_output_tokens)
        return sent  # one per piece, and no format sends more token frames than pieces


class WireFormat(Protocol):
    """One provider API: how to read its requests and write its responses."""

    path: str
    media_type: str

    def problem(self, body: Any) -> str | None:
        """What is wrong with a request body, or None."""

    def streaming(self, body: dict[str, Any]) -> bool: ...

    def messages(self, body: dict[str, Any]) -> list[BaseMessage]: ...

    def options(self, body: dict[str, Any]) -> dict[str, Any]: ...

    def frames(self, reply: Reply, body: dict[str, Any]) -> Iterable[Frame]:
        """The whole streamed body, terminator included, each frame built as it is sent
        (so that the first chunk does not wait for the last one to be rendered)."""

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


class ModelInPath:
    """The part of a format whose endpoints name the model in the path and say by their
    path whether they stream (Gemini, Bedrock): one instance per endpoint, content filters
    answered in band, as a 200 that says so."""

    in_band_faults = frozenset({"content_filter"})

    def __init__(self, *, stream: bool) -> None:
        self.stream = stream

    @classmethod
    def both(cls) -> tuple[Self, Self]:
        """The streaming endpoint and the whole-answer one."""
        return cls(stream=True), cls(stream=False)

    def routed(self, body: dict[str, Any], params: Mapping[str, str]) -> dict[str, Any]:
        """The model the path names, as `model` (the body has none)."""
        return {**body, "model": params.get("model", "")}

    def streaming(self, body: dict[str, Any]) -> bool:
        return self.stream


def routed(wire: WireFormat, body: Any, params: Mapping[str, str]) -> Any:
    """The body `wire` reads: the request's, with what its path says (if it reads that)."""
    route = getattr(wire, "routed", None)
    return route(body, params) if route is not None and params else body


def in_band(wire: WireFormat, kind: str) -> bool:
    """Whether `wire` answers a fault of this kind inside a 200 answer."""
    return kind in getattr(wire, "in_band_faults", ())


class ChatRequests:
    """What the chat formats share: a JSON body with a `messages` list of objects; `stream`
    asks to stream. Each format lists the other fields it reads and their types, so that a
    request is checked whole before an answer is picked for it."""

    fields: ClassVar[dict[str, Check]] = {}

    def problem(self, body: Any) -> str | None:
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            return "expected a JSON object with a 'messages' list"
        for position, message in enumerate(body["messages"]):
            if not isinstance(message, dict):
                return (
                    f"messages[{position}] must be an object with a 'role', "
                    f"got {type_name(message)}"
                )
        return fields_problem(body, self.fields)

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


Check = Callable[[Any], bool]
"""Whether a field's value has the type a format accepts (None counts as absent)."""


def is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def is_str(value: Any) -> bool:
    return isinstance(value, str)


def is_object(value: Any) -> bool:
    return isinstance(value, dict)


def is_objects(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def is_stop(value: Any) -> bool:
    """A stop sequence, or a list of them (a string is one sequence, not its letters)."""
    return isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(item, str) for item in value)
    )


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_choice(value: Any) -> bool:
    """A tool choice: a name such as "auto", or an object."""
    return isinstance(value, (str, dict))


def is_text(value: Any) -> bool:
    """Message content: a string or a list of content blocks."""
    return isinstance(value, str) or is_objects(value)


EXPECTED: dict[Check, str] = {
    is_bool: "true or false",
    is_str: "a string",
    is_object: "an object",
    is_objects: "a list of objects",
    is_stop: "a string or a list of strings",
    is_text: "a string or a list of content blocks",
    is_int: "a whole number",
    is_choice: "a string or an object",
}


def type_name(value: Any) -> str:
    """A JSON value's type as a message names it, with a short preview."""
    kinds = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}
    kinds.update({list: "a list", dict: "an object", type(None): "null"})
    preview = json.dumps(value)[:40] if not isinstance(value, (list, dict)) else ""
    return kinds.get(type(value), type(value).__name__) + (f" ({preview})" if preview else "")


def fields_problem(body: dict[str, Any], fields: dict[str, Check]) -> str | None:
    """The first field (dotted path for nested ones) whose value has the wrong type."""
    for name, check in fields.items():
        value: Any = body
        for part in name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is not None and not check(value):
            expected = EXPECTED.get(check, "of another type")
            return f"'{name}' must be {expected}, got {type_name(value)}"
    return None


def stop_list(value: Any) -> list[str] | None:
    """A request's stop sequences as a list: one string is one stop sequence."""
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


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


def encode(text: str, data: Any) -> bytes:
    """`text` as UTF-8; a lone surrogate (which UTF-8 cannot carry) is sent escaped as
    JSON `\\udXXX`, which the client decodes back to the same string."""
    try:
        return text.encode()
    except UnicodeEncodeError:
        escaped = json.dumps(data, separators=(",", ":"))
        return text.replace(dumps(data), escaped).encode()


def data_frame(data: Any, *, chunk: bool = False) -> Frame:
    """A `data:`-only server-sent event (OpenAI)."""
    text = data if isinstance(data, str) else dumps(data)
    return Frame(encode(f"data: {text}\n\n", data), chunk)


def event_frame(event: str, data: Any, *, chunk: bool = False) -> Frame:
    """A server-sent event with an `event:` line (Anthropic needs it on every frame)."""
    return Frame(encode(f"event: {event}\ndata: {dumps(data)}\n\n", data), chunk)


def json_line(data: Any, *, chunk: bool = False) -> Frame:
    """One line of newline-delimited JSON (Ollama)."""
    return Frame(encode(dumps(data) + "\n", data), chunk)
