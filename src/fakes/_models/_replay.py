"""Recorded chunks read as a script `Response`, so that every wire format can render them."""

from __future__ import annotations

from typing import Any

from langchain_core.messages.ai import UsageMetadata, add_usage

from .._script._recorded import generated_id, texts
from .._script._vocabulary import FINISH_REASONS, Response, ToolCall


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
        thought, words = texts(chunk)
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
