"""What stream chunks stand for: adding them up as LangChain does, and comparing the
result between ways of running."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import jsonpatch
from langchain_core.messages import BaseMessage
from pydantic import BaseModel

from .._errors import StreamAssertionError
from .._timeline._normalize import Normalizer


def add_up(chunks: Sequence[Any]) -> Any:
    """The sum of chunks that support `+` (message chunks, strings, `AddableDict`s)."""
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    return total


def combine(chunks: Sequence[Any]) -> Any:
    """What the chunks stand for, as LangChain combines them.

    Chunks that add up (message chunks, strings, `AddableDict` deltas of a
    RunnableParallel) are added; partial objects (plain dicts and lists, as
    `JsonOutputParser` streams them) each hold the whole so far, so the last one counts;
    JSON patches (`JsonOutputParser(diff=True)`) are applied in order.
    """
    if is_patch_stream(chunks):
        document: Any = None
        for patch in chunks:
            document = jsonpatch.apply_patch(document, patch)
        return document
    if _partial_objects(chunks):
        return chunks[-1]
    try:
        return add_up(chunks)
    except TypeError:
        return chunks[-1] if len(chunks) == 1 else list(chunks)


def _partial_objects(chunks: Sequence[Any]) -> bool:
    return type(chunks[0]) in (dict, list) and not is_patch_stream(chunks)


def is_patch_stream(chunks: Sequence[Any]) -> bool:
    return all(
        isinstance(chunk, list) and all(isinstance(op, Mapping) and "op" in op for op in chunk)
        for chunk in chunks
    ) and any(chunks)


def check_partials_grow(method: str, chunks: Sequence[Any]) -> None:
    """Partial objects (JsonOutputParser and friends) may only grow, chunk after chunk."""
    __tracebackhide__ = True
    if not chunks or not _partial_objects(chunks):
        return
    for index in range(1, len(chunks)):
        if not _extends(chunks[index - 1], chunks[index]):
            raise StreamAssertionError(
                f"{method}: chunk {index} does not extend the one before it (a partial "
                f"object must only grow)\n  chunk {index - 1}: {chunks[index - 1]!r}"
                f"\n  chunk {index}: {chunks[index]!r}"
            )


def comparable(value: Any, normalizer: Normalizer) -> Any:
    """What must agree between calls: a message's content, tool calls and usage.

    Not ids: a provider (and a fake) gives each call its own message and tool call ids.
    """
    if isinstance(value, BaseMessage):
        calls = [
            {"name": call["name"], "args": call["args"]}
            for call in getattr(value, "tool_calls", [])
        ]
        return normalizer.data(
            {
                "content": value.content,
                "tool_calls": calls,
                "usage_metadata": getattr(value, "usage_metadata", None),
            }
        )
    if isinstance(value, Mapping):
        return {str(key): comparable(item, normalizer) for key, item in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [comparable(item, normalizer) for item in value]
    return normalizer.data(value)


def _extends(before: Any, after: Any) -> bool:
    """Whether `after` is `before` with more filled in (as partial JSON grows)."""
    if isinstance(before, BaseModel) and isinstance(after, BaseModel):
        return _extends(before.model_dump(), after.model_dump())  # PydanticToolsParser
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        return all(key in after and _extends(value, after[key]) for key, value in before.items())
    if isinstance(before, list) and isinstance(after, list):
        return len(before) <= len(after) and all(
            _extends(item, after[i]) for i, item in enumerate(before)
        )
    if isinstance(before, str) and isinstance(after, str):
        return after.startswith(before)
    if _is_number(before) and _is_number(after):
        return _number_grows(before, after)
    return bool(before == after)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number_grows(before: float, after: float) -> bool:
    """Whether `after` can be `before`'s literal with more of it received.

    More digits, a fraction or an exponent may arrive (`1` -> `15`, `10` -> `10.5e-12`,
    `1.5` -> `1.5e3` = 1500.0), so the value itself may jump; what cannot change is the
    sign and the significant digits already received, which must begin `after`'s.
    """
    if before == after or before == 0:  # a leading 0 has no significant digit yet
        return True
    if after == 0 or (before < 0) != (after < 0):
        return False
    return _significant_digits(after).startswith(_significant_digits(before))


def _significant_digits(number: float) -> str:
    digits = Decimal(repr(abs(float(number)))).as_tuple().digits
    return "".join(map(str, digits)).lstrip("0").rstrip("0")
