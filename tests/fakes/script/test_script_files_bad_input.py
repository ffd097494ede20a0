"""Hostile and broken script files fail fast, as a `ScriptError` naming the file, the
place and the fix; what a parser would drop or bend silently is refused or read right."""

from __future__ import annotations

import os
import re
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from fakes import FakeChatModel, Fault, Rule, ScriptError

BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join(['*' + chr(97 + n)] * 10)}]\n" for n in range(8)
)

# (file name, contents, a piece of the message); {p} is the file's path.
BAD_FILES: list[tuple[str, str | bytes, str]] = [
    (
        "bomb.yaml",
        BOMB + "responses: [{text: a, response_metadata: {m: *i}}]\n",
        "expands to more than",
    ),
    ("bomb2.yaml", BOMB + "responses: *i\n", "expands to more than"),
    (
        "args.yaml",
        BOMB + "responses: [{tool_calls: [{name: f, args: {x: *i}}]}]\n",
        "expands to more than",
    ),
    ("loop.yaml", "responses: &r [a, *r]\n", "a value contains itself"),
    (
        "deep.json",
        '{"responses": [{"text": "a", "response_metadata": ' + "[" * 2000 + "]" * 2000 + "}]}",
        "nested more than 100 levels deep",
    ),
    (
        "deep.yaml",
        "responses: [{text: a, response_metadata: {m: " + "[" * 2000 + "]" * 2000 + "}}]\n",
        "nested more than 100 levels deep",
    ),
    (
        "int.json",
        '{"responses": ["a"], "max_tokens": ' + "9" * 5000 + "}",
        "write a shorter number",
    ),
    ("int.yaml", "responses: [a]\nmax_tokens: " + "9" * 5000 + "\n", "write a shorter number"),
    (
        "dup.yaml",
        "responses: [a]\nresponses: [b]\n",
        "the key 'responses' appears twice in one mapping (line 1 and line 2",
    ),
    ("dup.json", '{"responses": ["a"], "responses": ["b"]}', "the key 'responses' appears twice"),
    (
        "dupargs.yaml",
        "responses: [{tool_calls: [{name: f, args: {x: 1, x: 2}}]}]\n",
        "the key 'x' appears twice",
    ),
    (
        "inf.yaml",
        "responses: [{fault: {error: rate_limit, retry_after: .inf}}]\n",
        "responses[0].fault.retry_after: must be a finite number, got inf",
    ),
    (
        "nan.json",
        '{"responses": [{"tool_calls": [{"name": "f", "args": {"x": NaN}}]}]}',
        "NaN is not a number a script can use",
    ),
    (
        "nan.yaml",
        "responses: [{tool_calls: [{name: f, args: {x: .nan}}]}]\n",
        "responses[0].tool_calls[0].args.x: must be a finite number, got nan",
    ),
    ("key.yaml", "responses: [{1: a}]\n", "responses[0]: the key 1 is not a string; quote it"),
    (
        "utf8.yaml",
        b"responses: [\xff]\n",
        "not UTF-8 text: byte 0xff at offset 12; save the file as UTF-8",
    ),
    ("none.txt", "responses: [a]\n", "unknown script format '.txt'"),
]


@pytest.mark.parametrize(("name", "contents", "message"), BAD_FILES)
def test_a_bad_file_fails_fast_naming_the_file_place_and_fix(
    tmp_path: Path, name: str, contents: str | bytes, message: str
) -> None:
    path = tmp_path / name
    if isinstance(contents, bytes):
        path.write_bytes(contents)
    else:
        path.write_text(contents)
    expands = "expands" in message
    if expands:  # measured as memory, the same whatever the machine's load
        tracemalloc.start()
    try:
        with pytest.raises(ScriptError) as raised:
            FakeChatModel.from_script(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    if expands:  # refused before it expands: it once took 761 MB (and 4 s)
        assert peak < 20_000_000
    assert str(raised.value).startswith(f"{path}: ")
    assert message in str(raised.value)
    assert len(str(raised.value)) < 500  # never the whole (expanded) value


def test_a_fifo_a_device_a_directory_or_a_huge_file_is_refused_without_reading(
    tmp_path: Path,
) -> None:
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.yaml"
    zero.symlink_to("/dev/zero")
    folder = tmp_path / "dir.yaml"
    folder.mkdir()
    for path in (fifo, zero, folder):
        with pytest.raises(ScriptError, match=r"not a regular file .*give the path of a script"):
            FakeChatModel.from_script(path)
    huge = tmp_path / "huge.yaml"
    with huge.open("wb") as file:
        file.truncate(33 * 1024 * 1024)
    with pytest.raises(ScriptError, match="more than the 33554432 a script may have"):
        FakeChatModel.from_script(huge)


@pytest.mark.parametrize("path", [None, 3, b"a.yaml"])
def test_from_script_needs_a_path(path: Any) -> None:
    with pytest.raises(ScriptError, match=r"from_script\(\) takes the path of a \.yaml"):
        FakeChatModel.from_script(path)


def test_an_exception_class_that_needs_arguments_is_refused_at_construction() -> None:
    with pytest.raises(
        ScriptError,
        match=r"responses\[0\]\.error: UnicodeDecodeError cannot be raised without "
        r"arguments .*; pass an instance instead, e.g. Fault\(error=UnicodeDecodeError\(\.\.\.\)\)",
    ):
        FakeChatModel(responses=[Fault(error=UnicodeDecodeError)])


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_byte_order_mark_is_accepted(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"bom{suffix}"
    text = '{"responses": ["hi"]}' if suffix == ".json" else "responses: [hi]\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert FakeChatModel.from_script(path).invoke("x").content == "hi"


def test_exponent_floats_are_numbers_in_yaml_too(tmp_path: Path) -> None:
    path = tmp_path / "e.yaml"
    path.write_text("responses: [hi]\nlatency: {ttft: 1e-3, per_chunk: 2E+0}\ntemperature: 1e308\n")
    model = FakeChatModel.from_script(path)
    assert model.latency is not None
    assert (model.latency.ttft, model.latency.per_chunk) == (0.001, 2.0)
    assert model.temperature == 1e308


@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(?:\w+\s?)*x", r"(x|y+)*z", r"(a{1,3})+b"])
def test_a_regex_that_backtracks_catastrophically_is_refused(pattern: str) -> None:
    message = r".* repeats a group that repeats itself .* make it possessive"
    with pytest.raises(ScriptError, match=r"script: split: the regex " + message):
        FakeChatModel(responses=["a" * 29 + "!"], split=re.compile(pattern))
    with pytest.raises(ScriptError, match=r"rules\[0\]\.matches: the regex " + message):
        FakeChatModel(rules=[Rule(matches=pattern, response="x")])


@pytest.mark.parametrize("pattern", [r"\w+|\W", r"(ab){2}|.", r"(?>a+)+|.", r"\s*(?:\w+|[^\w\s]+)"])
def test_a_regex_without_nested_repeats_is_fine(pattern: str) -> None:
    model = FakeChatModel(responses=["abab a"], split=re.compile(pattern))
    assert model.invoke("x").content == "abab a"


def test_a_backtracking_split_in_a_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("split: {regex: '(a+)+$'}\nresponses: [aaaa]\n")
    with pytest.raises(ScriptError, match=rf"^{re.escape(str(path))}: split: the regex"):
        FakeChatModel.from_script(path)


def test_an_error_about_a_huge_value_shows_a_preview() -> None:
    with pytest.raises(ScriptError) as raised:
        FakeChatModel(responses=[{"text": "x" * 100_000}])  # type: ignore[list-item]
    assert (
        "expected a string, Response, Fault, AIMessage or a function of (input, options), got dict: {'text': 'xxx"
        in str(raised.value)
    )
    assert len(str(raised.value)) < 300


@pytest.mark.parametrize(
    ("chunk", "message"),
    [
        ("{content: 5}", "raw_chunks[0].content: input should be a valid string, got 5; fix"),
        (
            "{content: a, tool_call_chunks: [{name: 3}]}",
            "raw_chunks[0].tool_call_chunks[0].name: input should be a valid string, got 3; fix",
        ),
    ],
)
def test_a_bad_recorded_chunk_names_its_field_not_pydantics_text(
    tmp_path: Path, chunk: str, message: str
) -> None:
    path = tmp_path / "raw.yaml"
    path.write_text(f"responses:\n  - raw_chunks: [{chunk}]\n")
    with pytest.raises(ScriptError) as raised:
        FakeChatModel.from_script(path)
    assert f"{path}: responses[0].{message}" in str(raised.value)
    assert "validation error" not in str(raised.value)
