"""`Reply`: what a format renders. Counts that need every piece are found once asked."""

from __future__ import annotations

import dataclasses

from fakes import Reply, Response
from fakes._script._cutting import cut
from fakes._script._splitting import splitter

ANSWER = Response(text="a b. c")


def reply(**stated: object) -> Reply:
    pieces = cut(ANSWER, splitter("words"), ["."])
    return Reply(ANSWER, pieces, "m", 0, 3, **stated)  # type: ignore[arg-type]


def test_the_output_tokens_and_the_stop_sequence_are_found_in_the_pieces() -> None:
    found = reply()
    assert (found.output_tokens, found.stop_sequence, found.text) == (2, ".", "a b")


def test_stated_values_win() -> None:
    stated = reply(stated_output_tokens=7, stated_stop_sequence="!")
    assert (stated.output_tokens, stated.stop_sequence) == (7, "!")
    assert (stated.output_tokens_after(3), stated.output_tokens_after(9)) == (3, 7)


def test_a_reply_is_a_dataclass_like_any_other() -> None:
    changed = dataclasses.replace(reply(stated_output_tokens=7), model="other")
    assert (changed.model, changed.output_tokens, changed.stop_sequence) == ("other", 7, ".")
    other = Response(text="one two three")
    moved = dataclasses.replace(reply(), response=other, pieces=cut(other, splitter("words")))
    assert (moved.output_tokens, moved.stop_sequence) == (3, None)  # nothing stale
    assert dataclasses.asdict(reply())["stated_output_tokens"] is None
