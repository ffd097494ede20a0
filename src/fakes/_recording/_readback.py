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
from ._read_bedrock import ConverseStream, whole_converse
from ._read_gemini import GenerateContentStream, whole_generate_content
from ._read_ollama import GenerateStream, OllamaStream, whole_generate, whole_ollama
from ._read_openai import ChatCompletionsStream, CompletionsStream, whole_chat, whole_completion
from ._read_responses import ResponsesStream, whole_responses

__all__ = ["StreamReader", "model_in_path", "provider_error", "read_whole", "stream_reader"]


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
        "responses": ResponsesStream,
        "messages": MessagesStream,
        "ollama": OllamaStream,
        "gemini": GenerateContentStream,
        "bedrock": ConverseStream,
        "generate": GenerateStream,
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
        "responses": whole_responses,
        "messages": whole_message,
        "ollama": whole_ollama,
        "gemini": whole_generate_content,
        # Bedrock's error bodies are `{"__type", "message"}`: its reader takes the status.
        "bedrock": lambda answer: whole_converse(answer, status),
        "generate": whole_generate,
    }
    kind = _endpoint(path)
    if not kind or not isinstance(body, dict):
        return None
    error = read_error(body["error"], status) if body.get("error") else None
    if error is not None:
        return Response(fault=Fault(error))
    return readers[kind](body)


def model_in_path(path: str) -> str | None:
    """The model a Gemini or Bedrock path names (their bodies name none), else None."""
    path = path.split("?", 1)[0]
    kind = _endpoint(path)
    if kind == "gemini":
        return path.split("/models/", 1)[1].rsplit(":", 1)[0]
    if kind == "bedrock":
        return path.removeprefix("/model/").rsplit("/", 1)[0]
    return None


def _endpoint(path: str) -> str:
    """Which format a path speaks, by its end: proxied OpenAI-compatible servers put
    their own prefix before `/chat/completions` (`/openai/v1/...`, `/api/v1/...`)."""
    path = path.split("?", 1)[0].rstrip("/")
    if "/models/" in path and path.endswith(("GenerateContent", ":generateContent")):
        return "gemini"  # /{version}/models/{model}:(stream)GenerateContent
    if path.startswith("/model/") and path.endswith(("/converse", "/converse-stream")):
        return "bedrock"  # /model/{modelId}/converse(-stream)
    ends = {
        "/chat/completions": "chat",
        "/completions": "completions",
        "/responses": "responses",
        "/v1/messages": "messages",
        "/api/chat": "ollama",
        "/api/generate": "generate",
    }
    # Dicts keep order: "/chat/completions" is tried before "/completions".
    return next((kind for end, kind in ends.items() if path.endswith(end)), "")
