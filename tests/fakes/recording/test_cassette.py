"""Cassettes in the library: requests normalised, files read and written, and the tape
that matches a run's requests to the recorded ones."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from fakes import CassetteMismatchError, FakesError, Response, ScriptError
from fakes._recording._cassette import (
    Cassette,
    Interaction,
    Tape,
    chat_request,
    wire_request,
    without,
)


def test_an_openai_request_keeps_what_changes_the_answer() -> None:
    body = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "Hi"}],
        "stream": True,
        "stream_options": {"include_usage": True},
        "user": "u-123",
        "stop": "END",
        "top_p": None,
        "temperature": 0.2,
        "seed": 7,
        "logprobs": True,
    }
    assert wire_request("/v1/chat/completions?x=1", body) == {
        "endpoint": "/v1/chat/completions",
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "Hi"}],
        "stop": ["END"],
        "parameters": {"logprobs": True, "seed": 7, "temperature": 0.2},
    }


def test_an_anthropic_request_names_its_stop_sequences_stop() -> None:
    body = {
        "model": "claude",
        "system": "Be brief.",
        "messages": [{"role": "user", "content": "Hi"}],
        "stop_sequences": ["###"],
        "max_tokens": 10,
        "metadata": {"user_id": "u-1"},
    }
    assert list(wire_request("/v1/messages", body)) == [
        "endpoint",
        "model",
        "system",
        "messages",
        "stop",
        "parameters",
    ]
    assert wire_request("/v1/messages", body)["parameters"] == {"max_tokens": 10}


def test_a_body_that_is_not_an_object_is_kept_as_it_came() -> None:
    assert wire_request("/api/chat", "oops") == {"endpoint": "/api/chat", "body": "oops"}


def test_tools_bound_in_either_format_read_the_same_in_process() -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}}
    openai = {
        "type": "function",
        "function": {"name": "w", "description": "d", "parameters": schema},
    }
    anthropic = {"name": "w", "description": "d", "input_schema": schema}
    messages = [
        HumanMessage("Hi"),
        AIMessage("", tool_calls=[{"name": "w", "args": {}, "id": "1"}]),
    ]
    one = chat_request(messages, {"tools": [openai], "stop": None})
    assert one == chat_request(messages, {"tools": [anthropic]})
    assert one == {
        "messages": [
            {"role": "human", "content": "Hi"},
            {
                "role": "ai",
                "content": "",
                "tool_calls": [{"name": "w", "args": {}, "id": "1", "type": "tool_call"}],
            },
        ],
        "tools": [{"name": "w", "description": "d", "parameters": schema}],
    }


def test_ignored_fields_leave_the_recording_whole() -> None:
    request = {"model": "m", "parameters": {"seed": 1, "temperature": 0}}
    assert without(request, ["model", "parameters.seed", "nothing.here", "model.x"]) == {
        "parameters": {"temperature": 0}
    }
    assert request == {"model": "m", "parameters": {"seed": 1, "temperature": 0}}


def cassette(*prompts: str, path: str = "c.yaml") -> Cassette:
    interactions = [
        Interaction({"messages": [{"content": p}]}, Response(text=f"re {p}")) for p in prompts
    ]
    return Cassette(Path(path), interactions, exists=True)


def ask(prompt: str) -> dict[str, object]:
    return {"messages": [{"content": prompt}]}


def test_in_order_the_nth_request_must_match_the_nth_recorded() -> None:
    tape = Tape(cassette("a", "b"), hint="re-record it")
    assert tape.take(ask("a")) == (0, Response(text="re a"))
    with pytest.raises(CassetteMismatchError) as error:
        tape.take(ask("c"))
    assert str(error.value) == (
        "cassette c.yaml: request 1 of this test does not match recorded request 1 "
        "(matched in order):\n"
        "--- recorded request 1\n"
        "+++ request 1 of this test\n"
        "@@ -1,2 +1,2 @@\n"
        " messages:\n"
        "-- content: b\n"
        "+- content: c\n"
        "re-record it"
    )
    assert tape.mismatches == [str(error.value)]
    assert tape.unused() == ["  request 1: 'b'"]


def test_by_content_any_unplayed_equal_request_matches_once() -> None:
    tape = Tape(cassette("a", "b", "a"), match="content")
    assert [tape.take(ask(p))[1] for p in ("b", "a", "a")] == [
        Response(text="re b"),
        Response(text="re a"),
        Response(text="re a"),
    ]
    assert [p.recorded for p in tape.played] == [1, 0, 2]
    with pytest.raises(CassetteMismatchError, match="it holds 3 request\\(s\\), all played"):
        tape.take(ask("a"))


def test_by_content_a_mismatch_is_shown_against_the_closest_request() -> None:
    tape = Tape(cassette("weather in Paris", "stock prices"), match="content")
    with pytest.raises(CassetteMismatchError) as error:
        tape.take(ask("weather in Lyon"))
    assert "--- recorded request 0\n" in str(error.value)
    assert "-- content: weather in Paris\n+- content: weather in Lyon" in str(error.value)


def test_new_episodes_replays_matches_records_the_rest_and_keeps_the_unplayed() -> None:
    tape = Tape(cassette("a", "b"), "new_episodes")
    assert tape.take(ask("a"))[1] == Response(text="re a")
    position, answer = tape.take(ask("x"))
    assert (position, answer) == (1, None)
    tape.fill(position, Response(text="new x"))
    assert tape.take(ask("y")) == (2, None)  # never answered: not kept
    assert tape.recorded_new
    kept = tape.result().interactions
    assert [(i.request, i.response.text) for i in kept] == [
        (ask("a"), "re a"),
        (ask("x"), "new x"),
        (ask("b"), "re b"),
    ]


def test_all_records_every_request_and_keeps_only_this_run() -> None:
    tape = Tape(cassette("a", "b"), "all")
    assert not tape.replaying
    assert tape.take(ask("a")) == (0, None)
    tape.fill(0, Response(text="again"))
    assert [i.response.text for i in tape.result().interactions] == ["again"]


@pytest.mark.parametrize(
    ("mode", "exists", "replaying", "recording"),
    [
        ("none", True, True, False),
        ("none", False, True, False),
        ("once", True, True, False),
        ("once", False, False, True),
        ("new_episodes", True, True, True),
        ("all", True, False, True),
    ],
)
def test_the_record_modes(mode: str, exists: bool, replaying: bool, recording: bool) -> None:
    tape = Tape(Cassette(Path("c.yaml"), exists=exists), mode)
    assert (tape.replaying, tape.recording) == (replaying, recording)


def test_a_bad_mode_says_which_there_are() -> None:
    with pytest.raises(FakesError, match="record mode 'sometimes': use one of none, once, "):
        Tape(cassette(), "sometimes")
    with pytest.raises(FakesError, match="match 'fuzzy': use one of order, content"):
        Tape(cassette(), match="fuzzy")


def test_a_saved_cassette_reads_back_with_its_secrets_redacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MY_SERVICE_API_KEY", "very-secret-value-123")
    path = tmp_path / "deep" / "c.yaml"
    written = Cassette(
        path,
        [Interaction({"messages": [{"content": "key very-secret-value-123"}]}, Response("Hi"))],
    )
    written.save()
    text = path.read_text()
    assert "very-secret-value-123" not in text
    assert text.startswith("version: 1\ninteractions:\n- request:\n")
    loaded = Cassette.load(path)
    assert loaded.exists
    assert [(i.request, i.response.text) for i in loaded.interactions] == [
        ({"messages": [{"content": "key <redacted>"}]}, "Hi")
    ]


def test_a_missing_cassette_is_empty(tmp_path: Path) -> None:
    assert Cassette.load(tmp_path / "none.yaml") == Cassette(tmp_path / "none.yaml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: [", "not a YAML file"),
        ("interactions: [1]", "not a streamfakes cassette"),
        ("- a", "not a streamfakes cassette"),
    ],
)
def test_a_file_that_is_not_a_cassette_says_so(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(FakesError, match=f"(?s){path}: {message}.*; delete it to record it again"):
        Cassette.load(path)


def test_a_bad_answer_in_a_cassette_names_its_place(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("interactions:\n- request: {}\n  response: {txt: Hi}\n")
    with pytest.raises(ScriptError, match=r"c.yaml: responses\[0\]\.txt"):
        Cassette.load(path)


def test_a_request_is_matched_with_its_credentials_redacted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MY_SERVICE_API_KEY", "very-secret-value-123")
    tape = Tape(cassette("key <redacted>"))
    assert tape.take(ask("key very-secret-value-123")) == (0, Response(text="re key <redacted>"))
    assert tape.played[0].request == ask("key <redacted>")


def test_a_logprob_keeps_its_token_and_a_credential_named_token_does_not() -> None:
    from fakes._secrets import scrub

    logprobs = {"content": [{"token": "Sunny", "logprob": -0.1, "top_logprobs": []}]}
    assert scrub(logprobs) == logprobs
    assert scrub({"auth": {"token": "abc"}}) == {"auth": {"token": "<redacted>"}}
