"""Strategies that split text into stream chunks; joining the chunks gives the text back.

A splitter yields its chunks as they are found, so that a stream can send the first chunk
of a long answer before the rest of it is split.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from re import _parser as _regex_parser  # type: ignore[attr-defined]  # the regex parser
from typing import Any, Literal, Union

from .._errors import ScriptError

# A word or a run of punctuation, each with the whitespace before it, the way BPE
# tokenizers attach a leading space to the next token ("Hello", ",", " world").
_WORDS = re.compile(r"\s*(?:\w+|[^\w\s]+)|\s+")
# Whitespace-separated words and the whitespace itself, like LangChain's own fakes.
_WHITESPACE = re.compile(r"\s|\S+")
_CHARS = re.compile(r".", re.DOTALL)

SplitName = Literal["words", "whitespace", "chars"]
Split = Union[SplitName, int, "re.Pattern[str]"]
"""How text becomes chunks: a strategy name, a fixed chunk size, or a regex."""

Splitter = Callable[[str], Iterator[str]]


def _regex_splitter(pattern: re.Pattern[str]) -> Splitter:
    """Chunks are the pattern's matches; text between matches becomes its own chunk."""

    def split(text: str) -> Iterator[str]:
        position = 0
        for match in pattern.finditer(text):
            start, end = match.span()
            if start == end:
                continue
            if start > position:
                yield text[position:start]
            yield text[start:end]
            position = end
        if position < len(text):
            yield text[position:]

    return split


def _fixed_splitter(size: int) -> Splitter:
    def split(text: str) -> Iterator[str]:
        return (text[i : i + size] for i in range(0, len(text), size))

    return split


_NAMED: dict[str, Splitter] = {
    "words": _regex_splitter(_WORDS),
    "whitespace": _regex_splitter(_WHITESPACE),
    "chars": _regex_splitter(_CHARS),
}


def splitter(split: Split, *, path: str = "split", source: str = "script") -> Splitter:
    """Return the function for a split strategy, or raise `ScriptError` naming the fix."""
    if isinstance(split, bool):
        pass  # bool is an int; never a chunk size
    elif isinstance(split, int):
        if split < 1:
            raise ScriptError(
                f"chunk size must be at least 1, got {split}", source=source, path=path
            )
        return _fixed_splitter(split)
    elif isinstance(split, re.Pattern):
        if nested_repeat(split):
            raise ScriptError(BACKTRACKS.format(split.pattern), source=source, path=path)
        return _regex_splitter(split)
    elif isinstance(split, str) and split in _NAMED:
        return _NAMED[split]
    raise ScriptError(
        f"unknown split strategy {split!r}; use 'words', 'whitespace', 'chars', "
        "a chunk size (int >= 1) or a compiled regex (re.compile(...))",
        source=source,
        path=path,
    )


BACKTRACKS = (
    "the regex {!r} repeats a group that repeats itself (as in (a+)+): on some texts it "
    "backtracks for minutes; repeat the inner part only once, or make it possessive (a++) "
    "or atomic ((?>a+)+)"
)


def nested_repeat(pattern: re.Pattern[str]) -> bool:
    """Whether a repetition holds another one and one of them is unbounded: the shape of
    catastrophic backtracking (`(a+)+`, `(\\w+\\s?)*`)."""
    parsed = _regex_parser.parse(pattern.pattern, pattern.flags & ~re.UNICODE)

    def walk(items: Any, outer: int) -> bool:
        for op, arg in items:
            name = str(op)
            if name in ("MAX_REPEAT", "MIN_REPEAT"):
                low, high, body = arg
                varies = high > 1 and low != high  # a fixed count (a{2}) cannot backtrack
                if varies and outer > 1 and _MAXREPEAT in (high, outer):
                    return True
                if walk(body, high if varies else outer):
                    return True
            elif (
                (name == "SUBPATTERN" and walk(arg[-1], outer))
                or (name == "BRANCH" and any(walk(branch, outer) for branch in arg[1]))
                or (name in ("ASSERT", "ASSERT_NOT") and walk(arg[1], outer))
            ):
                return True
        return False  # possessive repeats and atomic groups do not backtrack

    return walk(parsed, 1)


_MAXREPEAT = int(_regex_parser.MAXREPEAT)


def split_text(text: str, split: Split = "words") -> list[str]:
    """Split `text` into chunks by a strategy; `"".join(result) == text`.

    >>> split_text("Hello, world!")
    ['Hello', ',', ' world', '!']
    >>> split_text("a  b", "whitespace")
    ['a', ' ', ' ', 'b']
    >>> split_text("abcde", 2)
    ['ab', 'cd', 'e']
    """
    return list(splitter(split)(text))
