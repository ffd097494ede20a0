import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fakes import ScriptError, split_text

STRATEGIES = ["words", "whitespace", "chars", 1, 3, 7, re.compile(r"\w+"), re.compile(r"[aeiou]")]


@pytest.mark.parametrize("strategy", STRATEGIES, ids=repr)
@given(text=st.text())
def test_joining_the_chunks_gives_the_text_back(strategy: object, text: str) -> None:
    chunks = split_text(text, strategy)  # type: ignore[arg-type]
    assert "".join(chunks) == text
    assert all(chunks), "no chunk is empty"


def test_words_keep_their_leading_whitespace_like_a_tokenizer() -> None:
    assert split_text("Swimming in a world, of beams!") == [
        "Swimming",
        " in",
        " a",
        " world",
        ",",
        " of",
        " beams",
        "!",
    ]
    assert split_text('{"city":"Paris"}') == ['{"', "city", '":"', "Paris", '"}']


def test_whitespace_splits_like_langchains_own_fake() -> None:
    assert split_text("a b\nc", "whitespace") == ["a", " ", "b", "\n", "c"]


def test_regex_keeps_the_text_between_matches() -> None:
    assert split_text("ab, cd", re.compile(r"\w+")) == ["ab", ", ", "cd"]


@pytest.mark.parametrize(
    ("strategy", "message"),
    [
        (0, "chunk size must be at least 1, got 0"),
        ("sentences", "unknown split strategy 'sentences'"),
        (True, "unknown split strategy True"),
    ],
)
def test_a_bad_strategy_says_what_to_use(strategy: object, message: str) -> None:
    with pytest.raises(ScriptError, match=re.escape(message)):
        split_text("x", strategy)  # type: ignore[arg-type]
