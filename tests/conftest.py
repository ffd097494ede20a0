from __future__ import annotations

from hypothesis import settings
from langchain_core.messages import AIMessageChunk

# No per-example deadline: a loaded CI machine must not turn a slow example into a failure.
settings.register_profile("streamfakes", deadline=None)
settings.load_profile("streamfakes")


def total(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    """The sum of message chunks, as LangChain adds them."""
    from assertions._chunks import add_up

    summed: AIMessageChunk = add_up(chunks)
    return summed
