from __future__ import annotations

from langchain_core.messages import AIMessageChunk


def total(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    """The sum of message chunks, as LangChain adds them."""
    summed = chunks[0]
    for chunk in chunks[1:]:
        summed = summed + chunk
    return summed
