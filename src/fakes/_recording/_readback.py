"""Read what a provider sent back into a script `Response`: the inverse of the renderers.

A recording proxy feeds the bytes of a real answer, as they arrive, to a `StreamReader`
(or hands a whole JSON answer to `read_whole`), and saves the `Response` it reads: exact
chunks, tool-call fragments, usage, finish reason, id, per-chunk timing and a mid-stream
error, so that the fake servers and `FakeChatModel` replay the same answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from .._script._vocabulary import Fault, Response
from ._frames import provider_error, read_error
from ._read_anthropic import MessagesStream, whole_message
from ._read_ollama import OllamaStream, whole_ollama
from ._read_openai import ChatCompletionsStream, CompletionsStream, whole_chat, whole_completion

__all__ = ["StreamReader", "provider_error", "read_whole", "stream_reader"]


class StreamReader(Protocol):
    """Reads one streamed answer, fed as it arrives, into a script `Response`."""

    model: str | None
    """The model name the provider reported, if any."""
    complete: bool
    """Whether the stream's closing frame arrived (False: cut short, or still going)."""

    def feed(self, data: bytes, at: float) -> None:
        """Bytes as they arrive (cut anywhere, even inside a UTF-8 character); `at` is
        seconds since the request was sent."""

    def response(self) -> Response:
        """The answer read so far."""

    def dropped(self, why: str) -> None:
        """The connection broke before the closing frame: recorded as a fault."""


def stream_reader(path: str) -> StreamReader | None:
    """A reader for a streamed answer from the endpoint at `path`; None if unknown."""
    readers: dict[str, Callable[[], StreamReader]] = {
        "chat": ChatCompletionsStream,
        "completions": CompletionsStream,
        "messages": MessagesStream,
        "ollama": OllamaStream,
    }
    kind = _endpoint(path)
    return readers[kind]() if kind else None


def read_whole(path: str, body: Any, status: int | None = None) -> Response | None:
    """A non-streamed JSON answer from the endpoint at `path` as a `Response`; None if
    the path is unknown. An error body (sent with HTTP `status`) reads as a `Response`
    that fails at once."""
    readers: dict[str, Callable[[dict[str, Any]], Response]] = {
        "chat": whole_chat,
        "completions": whole_completion,
        "messages": whole_message,
        "ollama": whole_ollama,
    }
    kind = _endpoint(path)
    if not kind or not isinstance(body, dict):
        return None
    error = read_error(body["error"], status) if body.get("error") else None
    if error is not None:
        return Response(fault=Fault(error))
    return readers[kind](body)


def _endpoint(path: str) -> str:
    """Which format a path speaks, by its end: proxied OpenAI-compatible servers put
    their own prefix before `/chat/completions` (`/openai/v1/...`, `/api/v1/...`)."""
    path = path.split("?", 1)[0].rstrip("/")
    ends = {
        "/chat/completions": "chat",
        "/completions": "completions",
        "/v1/messages": "messages",
        "/api/chat": "ollama",
    }
    # Dicts keep order: "/chat/completions" is tried before "/completions".
    return next((kind for end, kind in ends.items() if path.endswith(end)), "")
