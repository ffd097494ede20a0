"""Bad scripts fail at construction with the source, the field's path and the fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fakes import FakeChatModel, FakeLLM, Fault, Latency, Response, Rule, ScriptError, ToolCall


@pytest.mark.parametrize(
    ("responses", "message"),
    [
        ([], "script: responses: the script is empty; give at least one response or rule"),
        ("hello", "script: responses: expected a list of responses, e.g. ['Hello!']"),
        (
            [42],
            "script: responses[0]: expected a string, Response, Fault, AIMessage or a function of (input, options), got int: 42",
        ),
        (
            [Response(text="a", chunks=["a"])],
            "script: responses[0]: give either text or chunks, not both",
        ),
        (
            ["ok", Response(text="two words", fault=Fault(after_chunks=3))],
            (
                "script: responses[1].fault.after_chunks: this response streams 2 chunk(s), so a "
                "fault must come after 0 to 2 of them (got 3); lower after_chunks or lengthen the "
                "response"
            ),
        ),
        (
            [Fault(after_chunks=1)],
            "script: responses[0].after_chunks: a Fault on its own fails before any chunk",
        ),
        (
            [Response(tool_calls=[ToolCall("f", {"x": object()})])],
            "script: responses[0].tool_calls[0].args: must be JSON-serialisable",
        ),
        (
            [Response(tool_calls=[ToolCall("")])],
            "script: responses[0].tool_calls[0].name: a tool call needs a non-empty name",
        ),
        (
            [Response(tool_calls=[ToolCall("f", fragments=0)])],
            "script: responses[0].tool_calls[0].fragments: must be an int >= 1, got 0",
        ),
        (
            [Response(usage={"prompt_tokens": 3})],
            "script: responses[0].usage.prompt_tokens: unknown usage key",
        ),
        (
            [Response(usage={"input_tokens": -1})],
            "script: responses[0].usage.input_tokens: must be a whole number >= 0, got -1",
        ),
        (
            [Response(latency=Latency(ttft=-1))],
            "script: responses[0].latency.ttft: must be a finite number >= 0, got -1",
        ),
        ([Response(split="lines")], "script: responses[0].split: unknown split strategy 'lines'"),
        ([Fault(error="boom")], "script: responses[0].error: expected an exception, got 'boom'"),  # type: ignore[arg-type]
        ([Response(text=123)], "script: responses[0].text: expected a string, got int: 123"),  # type: ignore[arg-type]
        (
            [Response(reasoning=None)],
            "script: responses[0].reasoning: expected a string, got NoneType: None",
        ),  # type: ignore[arg-type]
        (
            [Response(chunks="abc")],
            "script: responses[0].chunks: expected a list of strings, got str: 'abc'",
        ),
        (
            [Response(chunks=["a", 1])],
            "script: responses[0].chunks[1]: expected a string, got int: 1",
        ),  # type: ignore[list-item]
        (
            [Response(tool_calls=ToolCall("f"))],
            "script: responses[0].tool_calls: expected a list of ToolCall(...), got ToolCall",
        ),  # type: ignore[arg-type]
        (
            [Response(tool_calls=[ToolCall("f", {}, id=5)])],
            "script: responses[0].tool_calls[0].id: expected a string, got int: 5",
        ),  # type: ignore[arg-type]
        (
            [Response(tool_calls=[ToolCall("f", raw_args=5)])],
            "script: responses[0].tool_calls[0].raw_args: expected a string, got int: 5",
        ),  # type: ignore[arg-type]
        (
            [Response(tool_calls=[ToolCall("f", fragments=True)])],
            "script: responses[0].tool_calls[0].fragments: must be an int >= 1, got True",
        ),
        (
            [Response(response_metadata="x")],
            "script: responses[0].response_metadata: expected a mapping, got str: 'x'",
        ),  # type: ignore[arg-type]
        ([Response(id=7)], "script: responses[0].id: expected a string, got int: 7"),  # type: ignore[arg-type]
        (
            [Response(text="a", fault=TimeoutError())],
            "script: responses[0].fault: expected Fault(error=..., after_chunks=N), got TimeoutError()",
        ),  # type: ignore[arg-type]
        (
            [Response(latency=Latency(ttft=float("inf")))],
            "script: responses[0].latency.ttft: must be a finite number >= 0, got inf",
        ),
        (
            [Response(latency=Latency(seed="x"))],
            "script: responses[0].latency.seed: expected a whole number, got str: 'x'",
        ),  # type: ignore[arg-type]
        (
            [Response(usage={"input_token_details": {"cache_read": -1}})],
            "script: responses[0].usage.input_token_details.cache_read: must be a whole number >= 0, got -1",
        ),
        (
            [Response(usage={"input_token_details": "x"})],
            "script: responses[0].usage.input_token_details: expected a mapping of token counts, got 'x'",
        ),
    ],
)
def test_python_scripts_are_checked_up_front(responses: object, message: str) -> None:
    with pytest.raises(ScriptError) as raised:
        FakeChatModel(responses=responses)
    assert str(raised.value).startswith(message)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"latncy": Latency(ttft=5)},
            "script: latncy: unknown setting for FakeChatModel; did you mean 'latency'?",
        ),
        (
            {"modle_name": "x"},
            "script: modle_name: unknown setting for FakeChatModel; did you mean 'model_name'?",
        ),
        ({"model_name": 5}, "script: model_name: Input should be a valid string (got 5)"),
        (
            {"clock": object()},
            "script: clock: a clock needs sleep(seconds) and async asleep(seconds)",
        ),
        (
            {"rules": [Rule(contains=5, response="x")]},
            "script: rules[0].contains: expected a string, got int: 5",
        ),  # type: ignore[arg-type]
        (
            {"rules": [Rule(matches=5, response="x")]},
            "script: rules[0].matches: expected a regex, got int: 5",
        ),  # type: ignore[arg-type]
        (
            {"rules": [Rule(bound_tool=5, response="x")]},
            "script: rules[0].bound_tool: expected a string, got int: 5",
        ),  # type: ignore[arg-type]
    ],
)
def test_model_settings_are_checked_up_front(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ScriptError) as raised:
        FakeChatModel(**{"responses": ["a"], **settings})
    assert str(raised.value).startswith(message)


@pytest.mark.parametrize(
    ("response", "field"),
    [
        (Response(text="a", id="x"), "id"),
        (Response(text="a", content_format="blocks"), "content_format"),
    ],
)
def test_an_llm_rejects_message_only_fields(response: Response, field: str) -> None:
    with pytest.raises(
        ScriptError, match=rf"^script: responses\[0\]\.{field}: an LLM streams plain strings"
    ):
        FakeLLM(responses=[response])


def test_model_settings_are_checked_too() -> None:
    with pytest.raises(
        ScriptError, match=r"^script: latency\.jitter: must be between 0 and 1, got 2"
    ):
        FakeChatModel(responses=["a"], latency=Latency(jitter=2))
    with pytest.raises(
        ScriptError,
        match=r"^script: rules\[0\]: give a condition: contains, matches, when or bound_tool",
    ):
        FakeChatModel(rules=[Rule(response="x")])
    with pytest.raises(ScriptError, match=r"^script: rules\[0\]\.matches: invalid regex"):
        FakeChatModel(rules=[Rule(matches="(", response="x")])


GOOD_YAML = """\
model_name: fake-gpt
latency: {ttft: 0.4, per_chunk: 0.05}
responses:
  - Swimming in a world of silver beams
  - chunks: [Sw, imming, " in"]
  - text: Let me check.
    tool_calls:
      - {name: get_weather, args: {city: Paris}, id: call_1}
    usage: {input_tokens: 12, output_tokens: 5}
  - text: Half an answer
    fault: {after_chunks: 2, error: timeout, message: upstream}
  - fault: {error: rate_limit, retry_after: 2}
rules:
  - contains: weather
    response: Sunny.
"""


def test_a_yaml_script_drives_the_same_model(tmp_path: Path) -> None:
    from fakes import ProviderTimeoutError, RateLimitError

    path = tmp_path / "script.yaml"
    path.write_text(GOOD_YAML)
    model = FakeChatModel.from_script(path)
    assert model.model_name == "fake-gpt"
    assert [c.content for c in model.stream("a")][:2] == ["Swimming", " in"]
    assert model.calls[0].ttft == 0.4
    assert [c.content for c in model.stream("b")] == ["Sw", "imming", " in"]
    assert model.invoke("c").tool_calls[0]["args"] == {"city": "Paris"}
    with pytest.raises(ProviderTimeoutError, match="upstream"):
        list(model.stream("d"))
    with pytest.raises(RateLimitError) as raised:
        model.invoke("e")
    assert raised.value.retry_after == 2
    assert model.invoke("what's the weather?").content == "Sunny."


def test_a_json_script_and_overrides(tmp_path: Path) -> None:
    path = tmp_path / "script.json"
    path.write_text(json.dumps({"responses": ["a b"], "split": "chars"}))
    llm = FakeLLM.from_script(path, model_name="override")
    assert list(llm.stream("x")) == ["a", " ", "b"]
    assert llm.model_name == "override"


def test_a_bare_list_is_a_list_of_responses(tmp_path: Path) -> None:
    path = tmp_path / "script.yml"
    path.write_text("- one\n- two\n")
    assert FakeChatModel.from_script(path).invoke("x").content == "one"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "a.yaml",
            "responses:\n  - txt: x\n",
            "{p}: responses[0].txt: unknown key 'txt'; did you mean 'text'? (allowed: text, chunks, reasoning, reasoning_chunks, tool_calls, usage, finish_reason, id, content_format, response_metadata, additional_kwargs, fault, latency, split, raw_chunks)",
        ),
        (
            "a.yaml",
            "responses:\n  - zzz: x\n",
            "{p}: responses[0].zzz: unknown key 'zzz'; remove it or fix its spelling (allowed: text, chunks, reasoning, reasoning_chunks, tool_calls, usage, finish_reason, id, content_format, response_metadata, additional_kwargs, fault, latency, split, raw_chunks)",
        ),
        (
            "a.yaml",
            "responses:\n  - text: x\n    tool_calls:\n      - {name: f, args: Paris}\n",
            "{p}: responses[0].tool_calls[0].args: expected a mapping, e.g. {{city: Paris}}, got str: 'Paris'",
        ),
        (
            "a.yaml",
            "responses:\n  - text: x\n    tool_calls:\n      - {args: {}}\n",
            "{p}: responses[0].tool_calls[0].name: this field is required; add it",
        ),
        (
            "a.yaml",
            "latency: {ttft: -1}\nresponses: [a]\n",
            "{p}: latency.ttft: Input should be greater than or equal to 0 (got -1)",
        ),
        (
            "a.yaml",
            "responses:\n  - text: two words\n    fault: {after_chunks: 5}\n",
            "{p}: responses[0].fault.after_chunks: this response streams 2 chunk(s), so a fault must come after 0 to 2 of them (got 5); lower after_chunks or lengthen the response",
        ),
        (
            "a.yaml",
            "responses: []\n",
            "{p}: responses: the script is empty; give at least one response or rule",
        ),
        (
            "a.yaml",
            "responses:\n  - [unclosed\n",
            "{p}: not valid YAML at line 3, column 1: expected ',' or ']', but got '<stream end>'",
        ),
        (
            "a.yaml",
            "responses:\n  - fault: {error: oops}\n",
            "{p}: responses[0].fault.error: Input should be 'rate_limit', 'timeout', 'server_error', 'overloaded', 'content_filter', 'connection_dropped' or 'malformed_frame' (got 'oops')",
        ),
        (
            "a.yaml",
            "split: {regex: '('}\nresponses: [a]\n",
            "{p}: split: invalid regex: missing ), unterminated subpattern at position 0",
        ),
        (
            "a.yaml",
            "42\n",
            "{p}: expected a mapping with a 'responses' list (or a bare list of responses), got int",
        ),
        ("a.json", '{"responses": [', "{p}: not valid JSON at line 1, column 16: Expecting value"),
        (
            "a.yaml",
            "split: {regex: 3}\nresponses: [a]\n",
            "{p}: split: regex must be a string, got 3",
        ),
        (
            "a.yaml",
            "responses:\n  - {text: a, response_metadata: 3}\n",
            "{p}: responses[0].response_metadata: expected a mapping, got int: 3",
        ),
        (
            "a.yaml",
            "latency: {ttft: .inf}\nresponses: [a]\n",
            "{p}: latency.ttft: must be a finite number, got inf",
        ),
        (
            "a.yaml",
            "",
            "{p}: the file is empty; write a mapping with a 'responses' list, e.g. responses: [Hi!]",
        ),
        (
            "a.yaml",
            "responses:\n  -\n",
            "{p}: responses[0]: expected a mapping or a string of text (allowed: text, chunks, reasoning, reasoning_chunks, tool_calls, usage, finish_reason, id, content_format, response_metadata, additional_kwargs, fault, latency, split, raw_chunks), got NoneType: None",
        ),
        (
            "a.yaml",
            "responses: [a]\nlatency: 3\n",
            "{p}: latency: expected a mapping (allowed: ttft, per_chunk, jitter, seed, chunk_delays), got int: 3",
        ),
        (
            "a.yaml",
            "responses:\n  - fault: {error: timeout, retry_after: 5}\n",
            "{p}: responses[0].fault: retry_after goes with error: rate_limit, not timeout",
        ),
        (
            "a.yaml",
            "responses:\n  - fault: {error: rate_limit, status_code: 503}\n",
            "{p}: responses[0].fault: status_code goes with error: server_error or overloaded, not rate_limit",
        ),
        (
            "a.yaml",
            "rules:\n  - {response: x}\n",
            "{p}: rules[0]: give a condition: contains, matches or bound_tool",
        ),
        (
            "a.yaml",
            "responses:\n  - a\n  - {text: a b, split: {regex: '('}}\n",
            "{p}: responses[1].split: invalid regex: missing ), unterminated subpattern at position 0",
        ),
        (
            "a.yaml",
            "responses: [a]\nrules:\n  - {contains: x, response: {text: a, split: lines}}\n",
            "{p}: rules[0].response.split: unknown split strategy 'lines'; use 'words', 'whitespace', 'chars', a chunk size (int >= 1) or a compiled regex (re.compile(...))",
        ),
        (
            "a.txt",
            "responses: [a]",
            "{p}: unknown script format '.txt'; name the file .yaml, .yml or .json",
        ),
    ],
)
def test_bad_script_files_name_the_file_the_field_and_the_fix(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ScriptError) as raised:
        FakeChatModel.from_script(path)
    assert str(raised.value) == message.format(p=path)


def test_report_usage_in_an_llm_script_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "llm.yaml"
    path.write_text("report_usage: false\nresponses: [a]\n")
    with pytest.raises(ScriptError, match=r": report_usage: report_usage is a chat model setting"):
        FakeLLM.from_script(path)
    assert FakeChatModel.from_script(path).report_usage is False


def test_from_script_keyword_arguments_are_checked_as_such(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("model_name: from-file\nresponses: [a]\n")
    with pytest.raises(
        ScriptError,
        match=r"^from_script\(\) keyword arguments: tagz: unknown setting for FakeChatModel; did you mean 'tags'\?",
    ):
        FakeChatModel.from_script(path, tagz=["x"])
    with pytest.raises(ScriptError, match=r"^from_script\(\) keyword arguments: temperature: "):
        FakeChatModel.from_script(path, temperature="hot")
    assert FakeChatModel.from_script(path, model="override").model_name == "override"


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScriptError, match="no such file; check the path"):
        FakeChatModel.from_script(tmp_path / "nope.yaml")


def test_rules_and_stop_in_a_script_file(tmp_path: Path) -> None:
    path = tmp_path / "script.yaml"
    path.write_text(
        "stop: [you]\n"
        "rules:\n"
        "  - {contains: joke, bound_tool: Joke, response: {tool_calls: [{name: Joke, args: {setup: s}}]}}\n"
        "  - {matches: '^hi', response: 'Hi! How are you?'}\n"
    )
    model = FakeChatModel.from_script(path)
    assert model.invoke("hi there").content == "Hi! How are "
    assert model.bind_tools([{"name": "Joke", "description": "A joke.", "parameters": {}}]).invoke(
        "a joke"
    ).tool_calls[0]["args"] == {"setup": "s"}


def test_usage_details_in_a_script_file(tmp_path: Path) -> None:
    path = tmp_path / "script.yaml"
    path.write_text(
        "responses:\n  - text: hi\n    usage: {input_tokens: 9, input_token_details: {cache_read: 4}}\n"
    )
    usage = FakeChatModel.from_script(path).invoke("x").usage_metadata
    assert usage == {
        "input_tokens": 9,
        "output_tokens": 1,
        "total_tokens": 10,
        "input_token_details": {"cache_read": 4},
    }
