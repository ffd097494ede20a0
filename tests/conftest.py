from __future__ import annotations

from langchain_core.messages import AIMessageChunk


def total(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    """The sum of message chunks, as LangChain adds them."""
    from assertions._checks._chunks import add_up

    summed: AIMessageChunk = add_up(chunks)
    return summed
