"""Hypothesis strategies for the chunk boundaries streaming code must survive.

Each draws script items (`Response`, `ToolCall`), so a shrunk failure prints as a
`Response(chunks=[...])` to paste into a regression test. Imported only when used:
`import fakes` does not import hypothesis.

>>> from hypothesis import given
>>> @given(chunkings("Hello, wörld"))
... def test_join(response):
...     assert "".join(response.chunks) == "Hello, wörld"
>>> test_join()
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from hypothesis import strategies as st

from ._errors import ScriptError
from ._script._vocabulary import Response, ToolCall

__all__ = [
    "argument_fragmentations",
    "awkward_texts",
    "byte_cuts",
    "chunkings",
    "cut_points",
    "json_arguments",
    "responses",
    "scripts",
    "tool_calls",
]

# Characters that break naive streaming code: multi-byte UTF-8, a combining accent, an
# emoji family joined by zero-width joiners, a flag (two regional indicators), CRLF, JSON
# escapes, and plain ASCII so that words still form.
_AWKWARD = (
    "é",
    "e\u0301",
    "ß",
    "✓",
    "中文",
    "🎉",
    "👩\u200d👩\u200d👧",
    "🇫🇷",
    "\r\n",
    "\n",
    '"',
    "\\",
    "\t",
    " ",
)


def awkward_texts(*, min_pieces: int = 0, max_pieces: int = 12) -> st.SearchStrategy[str]:
    """Text of up to `max_pieces` pieces, each a short ASCII run or something naive
    stream handling gets wrong: multi-byte characters, combining accents, joined emoji,
    flags, CRLF and JSON escapes. Shrinks towards short ASCII."""
    pieces = st.one_of(
        st.text(alphabet="abcxyz ,.", min_size=1, max_size=4), st.sampled_from(_AWKWARD)
    )
    return st.lists(pieces, min_size=min_pieces, max_size=max_pieces).map("".join)


def _awkward_positions(text: str) -> list[int]:
    """Cut positions inside what a reader sees as one character (a grapheme), inside
    CRLF, and right after a backslash: the cuts naive code gets wrong."""
    positions = []
    for i in range(1, len(text)):
        before, after = text[i - 1], text[i]
        if (
            unicodedata.combining(after)
            or "\u200d" in (before, after)
            or after == "\ufe0f"
            or (_is_regional(before) and _is_regional(after))
            or (before, after) == ("\r", "\n")
            or before == "\\"
            or ord(before) > 127
            or ord(after) > 127
        ):
            positions.append(i)
    return positions


def _is_regional(char: str) -> bool:
    return "\U0001f1e6" <= char <= "\U0001f1ff"


def cut_points(
    length: int, *, awkward: list[int] | None = None, max_cuts: int | None = None
) -> st.SearchStrategy[list[int]]:
    """Sorted, distinct positions strictly inside `range(length)` where a text is cut.

    Shrinks towards fewer cuts nearer the start; `awkward` positions are drawn often.
    """
    if length < 2:
        return st.just([])
    position = st.integers(1, length - 1)
    if awkward:
        position = st.one_of(position, st.sampled_from(awkward))
    limit = length - 1 if max_cuts is None else min(max_cuts, length - 1)
    return st.lists(position, unique=True, max_size=limit).map(sorted)


def _split_at(text: str, cuts: list[int], empties: list[int]) -> list[str]:
    bounds = [0, *cuts, len(text)]
    chunks = [text[a:b] for a, b in itertools.pairwise(bounds)]
    for at in sorted(empties, reverse=True):
        chunks.insert(min(at, len(chunks)), "")
    return chunks


def _chunk_lists(
    text: str, *, empty_chunks: bool, max_chunks: int | None
) -> st.SearchStrategy[list[str]]:
    if max_chunks is not None and max_chunks < 1:
        raise ScriptError(f"max_chunks must be at least 1, got {max_chunks}")
    max_cuts = None if max_chunks is None else max_chunks - 1
    cuts = cut_points(len(text), awkward=_awkward_positions(text), max_cuts=max_cuts)
    if not empty_chunks:
        return cuts.map(lambda c: _split_at(text, c, []))

    def with_empties(c: list[int]) -> st.SearchStrategy[list[str]]:
        room = 3 if max_chunks is None else max(0, max_chunks - len(c) - 1)
        empties = st.lists(st.integers(0, len(c) + 1), max_size=min(room, 3))
        return empties.map(lambda e: _split_at(text, c, e))

    return cuts.flatmap(with_empties)


def chunkings(
    text: str, *, empty_chunks: bool = True, max_chunks: int | None = None
) -> st.SearchStrategy[Response]:
    """Every way to stream `text`: `Response(chunks=[...])` whose chunks join to `text`.

    Cuts fall anywhere between characters, often inside graphemes (an accent apart from
    its letter, an emoji family apart), inside CRLF and after backslashes. With
    `empty_chunks`, a few empty chunks are slipped in, as providers send them. Shrinks
    towards one chunk: the failure shows the fewest cuts that still fail.
    """
    if not isinstance(text, str):
        raise ScriptError(f"chunkings() takes the text to split, got {type(text).__name__}")
    lists = _chunk_lists(text, empty_chunks=empty_chunks, max_chunks=max_chunks)
    return lists.map(lambda chunks: Response(chunks=chunks))


def argument_fragmentations(
    *calls: ToolCall, empty_chunks: bool = True, text: str = ""
) -> st.SearchStrategy[Response]:
    """Every way a provider may fragment the calls' argument JSON: a `Response` whose
    tool calls carry exact `chunks` (after `text`, whole, if given).

    >>> from hypothesis import given
    >>> call = ToolCall("get_weather", {"city": "Paris"}, id="call_1")
    >>> @given(argument_fragmentations(call))
    ... def test_fragments_join(response):
    ...     assert "".join(response.tool_calls[0].chunks) == '{"city":"Paris"}'
    >>> test_fragments_join()
    """
    if not calls:
        raise ScriptError("argument_fragmentations() needs at least one ToolCall")
    for call in calls:
        if not isinstance(call, ToolCall):
            raise ScriptError(f"argument_fragmentations() takes ToolCall(...)s, got {call!r}")
    fragmented = [
        _chunk_lists(call.arguments_json(), empty_chunks=empty_chunks, max_chunks=None).map(
            lambda chunks, call=call: _fragmented(call, chunks)  # type: ignore[misc]
        )
        for call in calls
    ]
    return st.tuples(*fragmented).map(
        lambda drawn: Response(chunks=[text] if text else None, tool_calls=list(drawn))
    )


def _fragmented(call: ToolCall, chunks: list[str]) -> ToolCall:
    return replace(call, args=None, raw_args=None, fragments=None, chunks=chunks)


_JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    awkward_texts(max_pieces=3),
)
_NAMES = st.from_regex(r"[a-z][a-z_]{0,11}", fullmatch=True)


def json_arguments(*, max_leaves: int = 6) -> st.SearchStrategy[dict[str, Any]]:
    """Tool-call arguments: JSON objects with nested lists and objects, awkward strings."""
    values = st.recursive(
        _JSON_SCALARS,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_NAMES, inner, max_size=3),
        max_leaves=max_leaves,
    )
    return st.dictionaries(_NAMES, values, max_size=4)


def tool_calls(
    *,
    names: st.SearchStrategy[str] = _NAMES,
    args: st.SearchStrategy[Mapping[str, Any]] | None = None,
) -> st.SearchStrategy[ToolCall]:
    """A tool call with drawn name and arguments, its argument JSON fragmented."""
    arguments = json_arguments() if args is None else args
    calls = st.builds(lambda name, a: ToolCall(name, dict(a)), names, arguments)
    return calls.flatmap(lambda call: argument_fragmentations(call).map(lambda r: r.tool_calls[0]))


@st.composite
def responses(
    draw: st.DrawFn,
    *,
    text: st.SearchStrategy[str] | None = None,
    reasoning: bool = False,
    max_tool_calls: int = 0,
    usage: bool = False,
) -> Response:
    """A whole scripted response: chunked text, optionally reasoning, fragmented tool
    calls and usage. Shrinks towards plain one-chunk text."""
    body = draw(awkward_texts() if text is None else text)
    chunks = draw(_chunk_lists(body, empty_chunks=True, max_chunks=None))
    thinking = None
    if reasoning and draw(st.booleans()):
        thinking = draw(
            _chunk_lists(draw(awkward_texts(min_pieces=1)), empty_chunks=False, max_chunks=None)
        )
    calls = draw(st.lists(tool_calls(), max_size=max_tool_calls)) if max_tool_calls else []
    # Distinct ids: providers never repeat one within a message.
    calls = [replace(call, id=f"call_{i}") for i, call in enumerate(calls)]
    counts = None
    if usage and draw(st.booleans()):
        tokens = st.integers(0, 10_000)
        counts = {"input_tokens": draw(tokens), "output_tokens": draw(tokens)}
    return Response(chunks=chunks, reasoning_chunks=thinking, tool_calls=calls, usage=counts)


def scripts(
    *, min_size: int = 1, max_size: int = 3, **response_options: Any
) -> st.SearchStrategy[list[Response]]:
    """A list of responses for `FakeChatModel(responses=...)`; options as `responses()`."""
    return st.lists(responses(**response_options), min_size=min_size, max_size=max_size)


def byte_cuts(*, max_offset: int = 2048, max_cuts: int = 12) -> st.SearchStrategy[list[int]]:
    """Byte offsets at which a fake server cuts each streamed body into separate writes
    (`FakeProviderServer.cut_at`): inside frames, lines and UTF-8 characters alike.

    Offsets past the end of a body are ignored, so keep `max_offset` near the size of
    the bodies under test.
    """
    if max_offset < 1:
        raise ScriptError(f"max_offset must be at least 1, got {max_offset}")
    return st.lists(st.integers(1, max_offset), unique=True, max_size=max_cuts).map(sorted)
