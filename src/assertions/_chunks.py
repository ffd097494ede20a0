"""Adding up stream chunks the way LangChain does."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def add_up(chunks: Sequence[Any]) -> Any:
    """The sum of chunks that support `+` (message chunks, strings, `AddableDict`s)."""
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    return total
