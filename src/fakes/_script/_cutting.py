"""A response cut into the strings each chunk carries, before any LangChain object exists.

The cut is lazy: each list of pieces is split as far as it is read, so a stream sends the
first chunk of a long answer before the rest is split, and counts (usage, the last chunk)
are known once the pieces have been read.
"""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import TypeVar, overload

from ._splitting import Splitter
from ._vocabulary import Response, ToolCall

T = TypeVar("T")


class LazySequence(Sequence[T]):
    """The items of an iterator, read from it only as far as they are used and kept.

    Iterating or indexing reads what it needs; `len()` and negative indexes read the rest.
    Several readers may interleave, but not from several threads (a call's pieces are
    read by the one stream that plays them).
    """

    def __init__(self, items: Iterable[T]) -> None:
        self._read: list[T] = []
        self._source: Iterator[T] | None = iter(items)

    def _reach(self, count: int) -> bool:
        """Read until `count` items are kept (or the source ends); whether they are."""
        read, source = self._read, self._source
        if source is not None and len(read) < count:
            read.extend(islice(source, count - len(read)))
            if len(read) < count:
                self._source = None
        return len(read) >= count

    def __iter__(self) -> Iterator[T]:
        read, position = self._read, 0
        while True:
            if position < len(read):
                yield read[position]
                position += 1
                continue
            source = self._source
            if source is None:
                return
            for item in source:  # straight from the source while no other reader is ahead
                read.append(item)
                position += 1
                yield item
                if position != len(read):
                    break
            else:
                self._source = None
                return

    def __len__(self) -> int:
        if self._source is not None:
            self._read.extend(self._source)
            self._source = None
        return len(self._read)

    def __bool__(self) -> bool:
        return self._reach(1)

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice) or index < 0:
            len(self)
        else:
            self._reach(index + 1)
        return self._read[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # a list, not a value

    def __repr__(self) -> str:
        return repr(list(self))

    def __reduce__(self) -> tuple[type[LazySequence[T]], tuple[list[T]]]:
        """Copied and pickled as what it holds, read to the end."""
        return type(self), (list(self),)


@dataclass(frozen=True)
class Pieces:
    """The strings of a response's chunks, in streaming order: reasoning, text, tool calls."""

    reasoning: Sequence[str]
    text: Sequence[str]
    tool_args: Sequence[Sequence[str]]
    """Per tool call, its argument fragments; the first chunk also carries name and id."""
    function_args: Sequence[str] = ()
    """A legacy `function_call`'s argument fragments (from `additional_kwargs`)."""
    stops: list[str] = field(default_factory=list, repr=False, compare=False)
    """Once the text has been read: the stop sequence it ended at, if one did."""

    @property
    def tokens(self) -> int:
        """How many chunks carry content: the output tokens, as far as usage is counted."""
        calls = sum(map(len, self.tool_args)) + len(self.function_args)
        return len(self.reasoning) + len(self.text) + calls

    @property
    def count(self) -> int:
        """How many chunks the response streams in all.

        After tool calls comes a chunk of its own with the finish reason and usage (as
        providers send it), so that the last argument fragment is not read on its own
        as a whole tool call. An empty response still sends one chunk.
        """
        if self.tool_args or self.function_args:
            return self.tokens + 1
        return max(self.tokens, 1)

    def streams_more_than(self, count: int) -> bool:
        """Whether the response streams more than `count` chunks, reading no further."""
        count = min(count, sys.maxsize - 1)  # islice's bound; no answer streams more
        seen = 0
        for part in (self.reasoning, self.text, *self.tool_args, self.function_args):
            seen += sum(1 for _ in islice(part, count + 1 - seen))
            if seen > count:
                return True
        closing = 1 if self.tool_args or self.function_args or not seen else 0
        return seen + closing > count

    @property
    def stop_sequence(self) -> str | None:
        """The stop sequence the text ended at (the earliest), if one did."""
        len(self.text)  # read to the end, or to the stop
        return self.stops[0] if self.stops else None


def argument_fragments(call: ToolCall, split: Splitter) -> Iterator[str]:
    """The exact `call.chunks`, the argument text in `call.fragments` near-equal pieces,
    or tokenizer-like pieces."""
    if call.chunks is not None:
        return iter(list(call.chunks) or [""])
    text = call.arguments_json()
    if call.fragments is None:
        return _at_least_one(split(text))
    count = min(call.fragments, max(len(text), 1))
    size, extra = divmod(len(text), count)
    fragments, start = [], 0
    for i in range(count):
        end = start + size + (1 if i < extra else 0)
        fragments.append(text[start:end])
        start = end
    return iter(fragments)


def _at_least_one(fragments: Iterator[str]) -> Iterator[str]:
    """The fragments, or one empty one: a call always streams its name and id."""
    first = next(fragments, None)
    yield first if first is not None else ""
    yield from fragments


def chunk_count(response: Response, split: Splitter) -> int:
    """How many chunks a response streams: its recorded chunks, or its cut pieces."""
    if response.raw_chunks is not None:
        return len(response.raw_chunks)
    return cut(response, split).count


def streams_at_least(response: Response, split: Splitter, count: int) -> bool:
    """Whether a response streams `count` chunks or more, splitting no further."""
    if response.raw_chunks is not None:
        return len(response.raw_chunks) >= count
    return cut(response, split).streams_more_than(count - 1)


def cut(response: Response, split: Splitter, stop: Sequence[str] | None = None) -> Pieces:
    """Cut a response into chunk strings, lazily; the text ends before the first stop
    sequence."""
    text: Iterable[str] = response.chunks if response.chunks is not None else split(response.text)
    stops: list[str] = []
    if stop and any(stop):
        text = until_stop(text, [s for s in stop if s], stops)
    reasoning = response.reasoning_chunks
    function_call = response.additional_kwargs.get("function_call")
    function_args: Sequence[str] = ()
    if function_call:
        function_args = LazySequence(_at_least_one(split(function_call.get("arguments", ""))))
    return Pieces(
        reasoning=LazySequence(reasoning if reasoning is not None else split(response.reasoning)),
        text=LazySequence(text),
        tool_args=[LazySequence(argument_fragments(call, split)) for call in response.tool_calls],
        function_args=function_args,
        stops=stops,
    )


def until_stop(chunks: Iterable[str], stops: Sequence[str], found: list[str]) -> Iterator[str]:
    """The chunks up to (not including) the earliest of the non-empty `stops`, as providers
    stop; the stop sequence is appended to `found`.

    Chunks are passed on as soon as no stop sequence can begin in them, so the first
    arrives before the rest are read; a stop sequence may span chunks.

    >>> list(until_stop(["Hello", " world", ".", " Bye"], ["."], []))
    ['Hello', ' world']
    >>> found = []
    >>> list(until_stop(["ab", "cd"], ["c", "bc"], found)), found
    (['a'], ['bc'])
    """
    # Any stop sequence beginning in a chunk is seen once `reach` more characters follow it.
    reach = max(map(len, stops)) - 1
    pending: deque[str] = deque()
    window = ""  # the pending chunks' text
    for chunk in chain(chunks, [None]):
        if chunk is not None:
            pending.append(chunk)
            window += chunk
        hits = [(window.find(s), s) for s in stops if s in window]
        if hits:
            end, sequence = min(hits)
            # Earliest only if no longer sequence can still begin before it.
            if chunk is None or len(window) >= end + reach:
                found.append(sequence)
                yield from _before(pending, end)
                return
        while pending and len(window) - len(pending[0]) >= reach:
            window = window[len(pending[0]) :]
            yield pending.popleft()
    yield from pending


def _before(chunks: Iterable[str], end: int) -> Iterator[str]:
    """The chunks up to character `end` of their text, the one across it cut short."""
    used = 0
    for chunk in chunks:
        if used + len(chunk) > end:
            if end > used:
                yield chunk[: end - used]
            return
        yield chunk
        used += len(chunk)
