"""Recorded chunks (`Response.raw_chunks`): the fields they may hold, the text they carry,
and the LangChain chunks they are (building them is how a script checks them)."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk, GenerationChunk

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
    return "".join(texts(chunk)[1] for chunk in raw)


def texts(chunk: Mapping[str, Any]) -> tuple[str, str]:
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


def generated_id(message_id: str) -> bool:
    """Ids LangChain makes up from the run id: never the provider's own."""
    return message_id.startswith(("lc_run-", "run-"))
