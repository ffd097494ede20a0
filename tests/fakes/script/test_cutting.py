"""The lazy cut: pieces are split, stop sequences found and chunks counted only as far as
they are read, with the same results as cutting the whole answer at once."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fakes import Fault, Latency, Response
from fakes._script._cutting import LazySequence, cut, until_stop
from fakes._script._splitting import splitter
from fakes.strategies import responses

WORDS = splitter("words")


class Counted:
    """An iterable that counts how many of its items have been read."""

    def __init__(self, items: Sequence[str]) -> None:
        self.items, self.read = items, 0

    def __iter__(self) -> Iterator[str]:
        for item in self.items:
            self.read += 1
            yield item


def eager_truncate(chunks: list[str], stop: Sequence[str]) -> tuple[list[str], str | None]:
    """The cut before it was lazy (kept as the oracle): the whole text searched at once."""
    text = "".join(chunks)
    found = [(text.find(s), s) for s in stop if s and s in text]
    if not found:
        return chunks, None
    end, sequence = min(found)
    kept, used = [], 0
    for chunk in chunks:
        if used + len(chunk) > end:
            if end > used:
                kept.append(chunk[: end - used])
            break
        kept.append(chunk)
        used += len(chunk)
    return kept, sequence


@given(
    chunks=st.lists(st.text("abc ", max_size=4), max_size=12),
    stop=st.lists(st.text("abc", min_size=1, max_size=4), min_size=1, max_size=3),
)
def test_stopping_lazily_cuts_where_the_whole_text_would(
    chunks: list[str], stop: list[str]
) -> None:
    found: list[str] = []
    assert (list(until_stop(chunks, stop, found)), found[0] if found else None) == (
        eager_truncate(chunks, stop)
    )


def test_a_stop_sequence_may_span_chunks() -> None:
    found: list[str] = []
    assert list(until_stop(["Hel", "lo wo", "rld"], ["o w", "xyz"], found)) == ["Hel", "l"]
    assert found == ["o w"]


def test_the_earliest_stop_wins_even_if_a_shorter_one_is_complete_first() -> None:
    # "c" is complete after "abc", but "abcd" begins earlier: wait for the next chunk.
    found: list[str] = []
    assert list(until_stop(["ab", "c", "d"], ["c", "abcd"], found)) == []
    assert found == ["abcd"]


def test_stopping_reads_only_as_far_as_the_stop_sequences_reach() -> None:
    text = Counted(["to", "ken"] * 10_000)
    chunks = until_stop(text, ["STOP"], [])
    assert next(chunks) == "to"
    assert text.read <= 3  # "to" is passed on once 3 more characters follow it


def test_a_lazy_sequence_reads_only_what_is_used() -> None:
    source = Counted(["a", "b", "c", "d"])
    items = LazySequence(source)
    assert items and source.read == 1
    assert items[1] == "b" and source.read == 2
    assert next(iter(items)) == "a" and source.read == 2
    assert items[-1] == "d" and source.read == 4
    assert len(items) == 4 and items == ["a", "b", "c", "d"] and items[1:3] == ["b", "c"]
    assert list(items) == ["a", "b", "c", "d"]
    assert repr(items) == "['a', 'b', 'c', 'd']"
    assert not LazySequence([])
    with pytest.raises(IndexError):
        items[4]


def test_cutting_splits_as_the_text_is_read() -> None:
    split_pieces = Counted([])

    def counting(text: str) -> Iterator[str]:
        for piece in WORDS(text):
            split_pieces.read += 1
            yield piece

    pieces = cut(Response(text=" tok" * 10_000, reasoning=" hm" * 10_000), counting)
    assert pieces.reasoning[0] == " hm" and pieces.text[0] == " tok"
    assert split_pieces.read == 2
    assert pieces.tokens == 20_000 and split_pieces.read == 20_000


@given(response=responses(reasoning=True, max_tool_calls=2), count=st.integers(0, 30))
def test_counting_only_so_far_agrees_with_the_full_count(response: Response, count: int) -> None:
    assert cut(response, WORDS).streams_more_than(count) == (cut(response, WORDS).count > count)


def test_a_fault_is_checked_without_splitting_the_whole_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from fakes import FakeChatModel
    from fakes._script import _splitting

    read = [0]

    def counting(text: str) -> Iterator[str]:
        for piece in WORDS(text):
            read[0] += 1
            yield piece

    monkeypatch.setitem(_splitting._NAMED, "words", counting)
    FakeChatModel(responses=[Response(text="tok " * 50_000, fault=Fault(after_chunks=3))])
    assert read[0] <= 4


def eager_delays(latency: Latency, count: int, call_index: int) -> list[float]:
    """The delays before they were lazy (kept as the oracle)."""
    exact = list(latency.chunk_delays[:count])
    if exact:
        delays = exact + [latency.per_chunk] * (count - len(exact))
    else:
        delays = [latency.ttft] + [latency.per_chunk] * max(count - 1, 0)
    if latency.jitter:
        rng = random.Random(f"{latency.seed}:{call_index}")
        delays = [d * rng.uniform(1 - latency.jitter, 1 + latency.jitter) for d in delays]
    return delays[:count]


@given(
    latency=st.builds(
        Latency,
        ttft=st.floats(0, 2),
        per_chunk=st.floats(0, 1),
        jitter=st.sampled_from([0.0, 0.3]),
        seed=st.integers(0, 5),
        chunk_delays=st.lists(st.floats(0, 1), max_size=4),
    ),
    count=st.integers(0, 10),
    call_index=st.integers(0, 3),
)
def test_delays_read_one_by_one_are_the_delays_of_the_whole_answer(
    latency: Latency, count: int, call_index: int
) -> None:
    assert latency.delays(count, call_index=call_index) == eager_delays(latency, count, call_index)


def test_a_fault_after_more_chunks_than_any_answer_has_is_a_script_error() -> None:
    from fakes import FakeChatModel, ScriptError

    with pytest.raises(ScriptError, match=r"streams 3 chunk\(s\)"):
        FakeChatModel(responses=[Response(text="a b c", fault=Fault(after_chunks=10**30))])


def test_pieces_copy_and_pickle_as_what_they_hold() -> None:
    import copy
    import pickle

    pieces = cut(Response(text="a b. c", reasoning="hm"), WORDS, ["."])
    for copied in (copy.deepcopy(pieces), pickle.loads(pickle.dumps(pieces))):
        assert copied == pieces
        assert list(copied.text) == ["a", " b"]
