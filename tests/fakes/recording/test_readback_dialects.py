"""The OpenAI-compatible dialects read back as rendered: Mistral's thinking blocks,
Groq's `x_groq.usage`, Perplexity's running totals, whole tool calls, any path prefix."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakes import DIALECTS, ChatCompletions
from fakes._recording._readback import read_whole, stream_reader
from tests.fakes.recording.test_readback import (
    MESSAGES,
    RESPONSES,
    expected,
    reply_for,
    summary,
)


def _expected(name: str, index: int, *, whole: bool = False) -> dict[str, object]:
    dialect = DIALECTS[name]
    result = expected("/v1/chat/completions", RESPONSES[index], whole=whole)
    if dialect.reasoning == "none":
        result["reasoning"] = []
    if dialect.tool_calls == "whole" and not whole:
        result["calls"] = [(n, i, ["".join(f)]) for n, i, f in result["calls"]]  # type: ignore[attr-defined]
    return result


@pytest.mark.parametrize("index", [0, 1], ids=["tools", "length"])
@pytest.mark.parametrize("name", list(DIALECTS))
@settings(max_examples=20)
@given(cuts=st.lists(st.integers(min_value=0, max_value=8_000), max_size=30))
def test_each_dialect_reads_back_as_rendered(name: str, index: int, cuts: list[int]) -> None:
    wire = ChatCompletions(DIALECTS[name])
    body = {"messages": MESSAGES, "stream": True, "stream_options": {"include_usage": True}}
    data = b"".join(f.data for f in wire.frames(reply_for(RESPONSES[index]), body))
    reader = stream_reader(wire.path)
    assert reader is not None
    bounds = sorted({0, *(c % (len(data) + 1) for c in cuts), len(data)})
    for start, end in itertools.pairwise(bounds):
        reader.feed(data[start:end], 0.0)
    read = summary(reader.response())
    assert read == _expected(name, index)
    assert reader.complete


@pytest.mark.parametrize("name", list(DIALECTS))
def test_each_dialects_whole_answer_reads_back(name: str) -> None:
    wire = ChatCompletions(DIALECTS[name])
    read = read_whole(wire.path, wire.whole(reply_for(RESPONSES[0])))
    assert read is not None
    assert summary(read, whole=True) == _expected(name, 0, whole=True)
