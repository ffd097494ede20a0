from __future__ import annotations

import contextlib
import importlib

from langchain_core.messages import AIMessageChunk

# pytester's in-process runs drop every module first imported inside them. An HTTP stack
# first imported in one and imported again later has new exception classes, which its own
# mapping (filled inside that run) no longer recognises: openai then lets a raw
# httpcore2.ReadTimeout through instead of APITimeoutError, in whatever test comes next.
# So the stacks the inner runs use are imported here, once, before any of them.
for _stack in ("httpcore", "httpx", "httpcore2", "httpx2", "openai", "anthropic"):
    with contextlib.suppress(ImportError):  # an older client without it
        importlib.import_module(_stack)


def total(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    """The sum of message chunks, as LangChain adds them."""
    from assertions._checks._chunks import add_up

    summed: AIMessageChunk = add_up(chunks)
    return summed
