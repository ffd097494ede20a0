"""Recorded chunks (`Response.raw_chunks`): replayed verbatim, or read back as a response."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import AIMessageChunk
from langchain_core.messages.ai import UsageMetadata, add_usage
from langchain_core.outputs import ChatGenerationChunk, GenerationChunk

from ._chunks import FINISH_REASONS
from ._script import Response, ToolCall

CHAT_FIELDS = frozenset(
    {
        "content",
        "additional_kwargs",
        "response_metadata",
        "tool_call_chunks",
        "usage_metadata",
        "id",
        "name",
        "chunk_position",
    }
)
LLM_FIELDS = frozenset({"text", "generation_info"})


def chat_chunks(raw: Sequence[Mapping[str, Any]]) -> list[ChatGenerationChunk]:
    """Fresh message chunks (LangChain sets ids and metadata on them in place)."""
    return [ChatGenerationChunk(message=AIMessageChunk(**copy.deepcopy(dict(r)))) for r in raw]


def llm_chunks(raw: Sequence[Mapping[str, Any]]) -> list[GenerationChunk]:
    return [GenerationChunk(**copy.deepcopy(dict(r))) for r in raw]


def raw_text(raw: Sequence[Mapping[str, Any]]) -> str:
    """The text the chunks carry (message content or LLM text), reasoning left out."""
    return "".join(_texts(chunk)[1] for chunk in raw)


def _texts(chunk: Mapping[str, Any]) -> tuple[str, str]:
    """A chunk's (reasoning, text)."""
    if "text" in chunk:
        return "", str(chunk["text"])
    content = chunk.get("content", "")
    reasoning = str((chunk.get("additional_kwargs") or {}).get("reasoning_content") or "")
    if isinstance(content, str):
        return reasoning, content
    text = ""
    for block in content:
        if isinstance(block, str):
            text += block
        elif block.get("type") == "text":
            text += block.get("text", "")
        elif block.get("type") in ("reasoning", "thinking"):
            reasoning += block.get("reasoning") or block.get("thinking") or ""
    return reasoning, text


def as_response(response: Response) -> Response:
    """The same answer in the script's own terms (text, reasoning and argument chunks,
    usage, finish reason), for the fake servers to render in any wire format."""
    raw = response.raw_chunks
    if raw is None:
        return response
    reasoning, text = [], []
    calls: dict[Any, dict[str, Any]] = {}
    usage: UsageMetadata | None = None
    metadata: dict[str, Any] = {}
    message_id = None
    for chunk in raw:
        thought, words = _texts(chunk)
        reasoning += [thought] if thought else []
        text += [words] if words else []
        for part in chunk.get("tool_call_chunks") or ():
            call = calls.setdefault(part.get("index"), {"chunks": []})
            call["name"] = call.get("name") or part.get("name")
            call["id"] = call.get("id") or part.get("id")
            call["chunks"].append(part.get("args") or "")
        if chunk.get("usage_metadata"):
            usage = add_usage(usage, chunk["usage_metadata"])
        metadata.update(chunk.get("response_metadata") or chunk.get("generation_info") or {})
        chunk_id = chunk.get("id")
        if message_id is None and isinstance(chunk_id, str) and not generated_id(chunk_id):
            message_id = chunk_id
    finish = (
        metadata.get("finish_reason") or metadata.get("stop_reason") or metadata.get("done_reason")
    )
    return Response(
        chunks=text,
        reasoning_chunks=reasoning,
        tool_calls=[
            ToolCall(call.get("name") or "tool", id=call.get("id"), chunks=call["chunks"])
            for call in calls.values()
        ],
        usage=dict(usage) if usage else None,
        finish_reason=FINISH_REASONS.get(finish, finish) if isinstance(finish, str) else None,
        id=message_id,
        fault=response.fault,
        latency=response.latency,
    )


def generated_id(message_id: str) -> bool:
    """Ids LangChain makes up from the run id: never the provider's own."""
    return message_id.startswith(("lc_run-", "run-"))
