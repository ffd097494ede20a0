"""Cassettes as a user meets them, with pytester: a fake provider stands in as the real
one (the upstream), so every run stays on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import langchain_anthropic
import langchain_openai
import pytest
import yaml

from fakes import FakeChatModel, FakeProviderServer, Rule

pytest_plugins = ["pytester"]
# Imported here once: each in-process pytester run would otherwise import them again.
CLIENTS = (langchain_openai, langchain_anthropic)

INI = "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
KEY = "sk-live-Zq8XwP3vN2mK7rT5yB1c"

WEATHER_TEST = """
import os

from langchain_openai import ChatOpenAI


def test_weather(cassette):
    model = ChatOpenAI(
        base_url=cassette.openai_base_url,
        api_key=os.environ.get("OPENAI_API_KEY", "sk-fake"),
        model="gpt-4o-mini",
        temperature=0,
        max_retries=0,
    )
    assert model.invoke("Weather in Paris?").content == "Sunny in Paris"
    assert "".join(str(c.content) for c in model.stream("And in Lyon?")) == "Rain in Lyon"
"""
CASSETTE = Path("snapshots/test_weather/test_weather.yaml")


def upstream_model() -> FakeChatModel:
    """The 'real provider': it answers by what is asked, as often as asked."""
    return FakeChatModel(
        rules=[
            Rule(contains="Paris", response="Sunny in Paris"),
            Rule(contains="Lyon", response="Rain in Lyon"),
            Rule(contains="Nice", response="Windy in Nice"),
        ]
    )


@pytest.fixture
def upstream() -> Iterator[FakeProviderServer]:
    with FakeProviderServer(upstream_model()) as server:
        yield server


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    pytester.makeini(INI)
    return pytester


def run(project: pytest.Pytester, *args: str) -> pytest.RunResult:
    return project.runpytest("-p", "no:randomly", *args)


def record(project: pytest.Pytester, upstream: FakeProviderServer, mode: str = "once") -> None:
    result = run(project, f"--streamfakes-record={mode}", f"--streamfakes-upstream={upstream.url}")
    result.assert_outcomes(passed=1)


def test_the_first_run_records_and_the_second_replays_with_the_provider_gone(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(test_weather=WEATHER_TEST)
    with FakeProviderServer(upstream_model()) as upstream:
        record(project, upstream)
        assert [r.body["messages"][0]["content"] for r in upstream.journal.requests] == [
            "Weather in Paris?",
            "And in Lyon?",
        ]
        stopped = upstream.url
    data = yaml.safe_load((project.path / CASSETTE).read_text())
    assert [i["request"] for i in data["interactions"]] == [
        {
            "endpoint": "/v1/chat/completions",
            "model": "gpt-4o-mini",
            "messages": [{"content": "Weather in Paris?", "role": "user"}],
            "parameters": {"temperature": 0.0},
        },
        {
            "endpoint": "/v1/chat/completions",
            "model": "gpt-4o-mini",
            "messages": [{"content": "And in Lyon?", "role": "user"}],
            "parameters": {"temperature": 0.0},
        },
    ]
    answers = [i["response"] for i in data["interactions"]]
    assert answers[0]["text"] == "Sunny in Paris"
    assert answers[1]["chunks"] == ["Rain", " in", " Lyon"]
    assert len(answers[1]["latency"]["chunk_delays"]) == 3
    # The provider is gone (its port refuses): only the cassette can answer.
    run(project, f"--streamfakes-upstream={stopped}").assert_outcomes(passed=1)


def test_a_changed_prompt_fails_with_a_diff_and_the_flag_that_records_it(
    project: pytest.Pytester, upstream: FakeProviderServer
) -> None:
    project.makepyfile(test_weather=WEATHER_TEST)
    record(project, upstream)
    project.makepyfile(test_weather=WEATHER_TEST.replace("And in Lyon?", "And in Lyon now?"))
    result = run(project, f"--streamfakes-upstream={upstream.url}")
    result.assert_outcomes(failed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_weather*",
            (
                "cassette snapshots/test_weather/test_weather.yaml: request 1 of this test does not match "
                "recorded request 1 (matched in order):"
            ),
            "--- recorded request 1",
            "+++ request 1 of this test",
            "@@ -1,7 +1,7 @@",
            " endpoint: /v1/chat/completions",
            " model: gpt-4o-mini",
            " messages:",
            "-- content: And in Lyon?",
            "+- content: And in Lyon now?",
            "   role: user",
            " parameters:",
            "   temperature: 0.0",
            (
                "Re-record the cassette with --streamfakes-record=all (or keep it and add the new "
                "requests with --streamfakes-record=new_episodes)*"
            ),
        ]
    )
    assert len(upstream.journal) == 2  # recorded once; the replay reached no provider


def test_new_episodes_adds_only_the_new_call(
    project: pytest.Pytester, upstream: FakeProviderServer
) -> None:
    project.makepyfile(test_weather=WEATHER_TEST)
    record(project, upstream)
    added = WEATHER_TEST + '    assert model.invoke("And Nice?").content == "Windy in Nice"\n'
    project.makepyfile(test_weather=added)
    with FakeProviderServer(upstream_model()) as second:
        record(project, second, mode="new_episodes")
        assert [r.body["messages"][0]["content"] for r in second.journal.requests] == ["And Nice?"]
    data = yaml.safe_load((project.path / CASSETTE).read_text())
    assert [i["request"]["messages"][0]["content"] for i in data["interactions"]] == [
        "Weather in Paris?",
        "And in Lyon?",
        "And Nice?",
    ]
    run(project, f"--streamfakes-upstream={second.url}").assert_outcomes(passed=1)


def test_no_secret_reaches_the_cassette(
    project: pytest.Pytester, upstream: FakeProviderServer
) -> None:
    leaky = WEATHER_TEST.replace(
        '"Weather in Paris?"', "f\"Weather in Paris? (my key: {os.environ['OPENAI_API_KEY']})\""
    ).replace('== "Sunny in Paris"', '== "Sunny in Paris" or True')
    project.makepyfile(test_weather=leaky)
    record(project, upstream)
    # It was sent, as asked (the upstream's journal redacts it; its call log does not).
    assert KEY in str(upstream.model.calls[0].input)
    written = "".join(p.read_text() for p in (project.path / "snapshots").rglob("*.yaml"))
    assert "Weather in Paris? (my key: <redacted>)" in written
    assert KEY not in written
    assert "sk-" not in written
    # The replay sends the key again: it matches the recording, redacted as it is.
    run(project, f"--streamfakes-upstream={upstream.url}").assert_outcomes(passed=1)


def test_replaying_without_a_cassette_fails_naming_the_flag(project: pytest.Pytester) -> None:
    project.makepyfile(test_weather=WEATHER_TEST)
    result = run(project, "--streamfakes-upstream=http://127.0.0.1:9")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            (
                "*test_weather.py::test_weather: no cassette at "
                "snapshots/test_weather/test_weather.yaml, and --streamfakes-record=none (the "
                "default) never reaches the network. Record it once, with the provider's "
                "credentials set: pytest --streamfakes-record=once test_weather.py::test_weather"
            )
        ]
    )


def test_a_recorded_request_never_made_fails(
    project: pytest.Pytester, upstream: FakeProviderServer
) -> None:
    project.makepyfile(test_weather=WEATHER_TEST)
    record(project, upstream)
    project.makepyfile(
        test_weather=WEATHER_TEST.replace(
            '    assert "".join(str(c.content) for c in model.stream("And in Lyon?")) == '
            '"Rain in Lyon"\n',
            "",
        )
    )
    result = run(project, f"--streamfakes-upstream={upstream.url}")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            (
                "cassette snapshots/test_weather/test_weather.yaml: these recorded requests were "
                "never made:"
            ),
            "  request 1: 'And in Lyon?'",
            (
                "Re-record the cassette without them (--streamfakes-record=all), or allow it with "
                "@pytest.mark.streamfakes(allow_unused=True) (or --streamfakes-allow-unused)."
            ),
        ]
    )
    run(
        project, f"--streamfakes-upstream={upstream.url}", "--streamfakes-allow-unused"
    ).assert_outcomes(passed=1)
    record(project, upstream, mode="all")
    data = yaml.safe_load((project.path / CASSETTE).read_text())
    assert len(data["interactions"]) == 1


TWO_CITIES_TEST = """
import os

import pytest
from langchain_openai import ChatOpenAI


@pytest.mark.streamfakes({marker})
def test_cities(cassette):
    model = ChatOpenAI(
        base_url=cassette.openai_base_url,
        api_key="sk-fake",
        model="gpt-4o-mini",
        temperature={temperature},
        max_retries=0,
    )
    answers = [model.invoke(city).content for city in {cities}]
    assert answers == [f"{{'Sunny' if 'Paris' in c else 'Rain'}} in {{c.split()[-1]}}" for c in {cities}]
"""


def cities_test(marker: str = "", temperature: float = 0, cities: str = "") -> str:
    cities = cities or '["in Paris", "in Lyon"]'
    return TWO_CITIES_TEST.format(marker=marker, temperature=temperature, cities=cities)


def test_the_marker_names_the_cassette_and_loosens_the_match(
    project: pytest.Pytester, upstream: FakeProviderServer
) -> None:
    marker = 'cassette="shared-cities", cassette_ignore=["parameters.temperature"]'
    project.makepyfile(test_weather=cities_test(marker))
    record(project, upstream)
    assert (project.path / "snapshots/test_weather/shared-cities.yaml").exists()
    project.makepyfile(test_weather=cities_test(marker, temperature=0.7))
    run(project, f"--streamfakes-upstream={upstream.url}").assert_outcomes(passed=1)
    # In order, the swapped calls do not match; by content they do.
    swapped = '["in Lyon", "in Paris"]'
    project.makepyfile(test_weather=cities_test(marker, cities=swapped))
    result = run(project, f"--streamfakes-upstream={upstream.url}")
    result.assert_outcomes(failed=1, errors=1)
    result.stdout.fnmatch_lines(["-- content: in Paris", "+- content: in Lyon"])
    content = marker + ', cassette_match="content"'
    project.makepyfile(test_weather=cities_test(content, cities=swapped))
    run(project, f"--streamfakes-upstream={upstream.url}").assert_outcomes(passed=1)


NAME_TAKES = (
    "(cassette=...) takes a cassette name (a file name under the test file's snapshot "
    'folder), e.g. cassette="weather"; got '
)


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        ("cassette=3", NAME_TAKES + "3"),
        ('cassette="../elsewhere"', NAME_TAKES + "'../elsewhere'"),
        (
            'cassette_match="fuzzy"',
            '(cassette_match=...) takes "order" or "content", got \'fuzzy\'',
        ),
        (
            'cassette_ignore="model"',
            (
                '(cassette_ignore=...) takes a list of request fields, e.g. ["model", '
                "\"parameters.temperature\"]; got 'model'"
            ),
        ),
    ],
)
def test_a_bad_cassette_marker_says_what_it_takes(
    project: pytest.Pytester, marker: str, message: str
) -> None:
    project.makepyfile(test_weather=cities_test(marker))
    result = run(project, "--streamfakes-upstream=http://127.0.0.1:9")
    result.assert_outcomes(errors=1)
    expected = f"test_weather.py::test_cities: @pytest.mark.streamfakes{message}"
    assert expected in result.stdout.lines


IN_PROCESS_TEST = """
from langchain_openai import ChatOpenAI


def test_in_process(cassette):
    model = cassette.chat_model(
        lambda: ChatOpenAI(base_url="{base_url}", api_key="sk-fake", model="gpt-4o-mini")
    )
    assert "".join(str(c.content) for c in model.stream("{prompt}")) == "Sunny in Paris"
    # Recorded or replayed, the model's runs look the same.
    assert model.get_name() == "ChatOpenAI"
    assert model._get_ls_params()["ls_model_name"] == "gpt-4o-mini"
"""


def test_a_model_in_process_records_then_replays_without_being_built(
    project: pytest.Pytester, upstream: FakeProviderServer
) -> None:
    source = IN_PROCESS_TEST.replace("{base_url}", upstream.openai_base_url)
    project.makepyfile(test_weather=source.replace("{prompt}", "Weather in Paris?"))
    record(project, upstream)
    assert len(upstream.journal) == 1
    data = yaml.safe_load(
        (project.path / "snapshots/test_weather/test_in_process.yaml").read_text()
    )
    assert data["interactions"][0]["request"] == {
        "messages": [{"role": "human", "content": "Weather in Paris?"}]
    }
    assert data["interactions"][0]["recorded_model"]["name"] == "ChatOpenAI"
    # Replayed: the real model is never built (its URL would refuse now).
    unreachable = IN_PROCESS_TEST.replace("{base_url}", "http://127.0.0.1:9/v1")
    project.makepyfile(test_weather=unreachable.replace("{prompt}", "Weather in Paris?"))
    run(project).assert_outcomes(passed=1)
    project.makepyfile(test_weather=unreachable.replace("{prompt}", "Weather in Paris, France?"))
    result = run(project)
    result.assert_outcomes(failed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_in_process*",
            "cassette snapshots/test_weather/test_in_process.yaml: request 0 of this test*",
            (
                "E * fakes._errors.CassetteMismatchError: cassette "
                "snapshots/test_weather/test_in_process.yaml: request 0 of this test does not "
                "match recorded request 0 (matched in order):"
            ),
            "E * - role: human",
            "E * -  content: Weather in Paris?",
            "E * +  content: Weather in Paris, France?",
        ]
    )


ANTHROPIC_TEST = """
from langchain_anthropic import ChatAnthropic


def test_claude(cassette):
    model = ChatAnthropic(
        base_url=cassette.anthropic_base_url,
        api_key="sk-ant-fake",
        model="claude-sonnet-4-5",
        max_tokens=64,
        stop_sequences=["###"],
        max_retries=0,
    )
    model = model.bind_tools([{"name": "get_weather", "description": "Weather.",
                               "input_schema": {"type": "object", "properties": {}}}])
    answer = model.invoke([("system", "Be brief."), ("human", "Weather in Paris?")])
    assert answer.content == "Sunny in Paris"
"""


def test_anthropic_requests_are_recorded_and_matched(
    project: pytest.Pytester, upstream: FakeProviderServer
) -> None:
    project.makepyfile(test_weather=ANTHROPIC_TEST)
    record(project, upstream)
    data = yaml.safe_load((project.path / "snapshots/test_weather/test_claude.yaml").read_text())
    assert data["interactions"][0]["request"] == {
        "endpoint": "/v1/messages",
        "model": "claude-sonnet-4-5",
        "system": "Be brief.",
        "messages": [{"role": "user", "content": "Weather in Paris?"}],
        "tools": [
            {
                "name": "get_weather",
                "description": "Weather.",
                "input_schema": {"type": "object", "properties": {}},
            }
        ],
        "stop": ["###"],
        "parameters": {"max_tokens": 64},
    }
    run(project, f"--streamfakes-upstream={upstream.url}").assert_outcomes(passed=1)
    project.makepyfile(test_weather=ANTHROPIC_TEST.replace('"###"', '"---"'))
    result = run(project, f"--streamfakes-upstream={upstream.url}")
    result.assert_outcomes(failed=1, errors=1)
    result.stdout.fnmatch_lines([" stop:", "-- '###'", "+- '---'", " parameters:"])


def test_a_test_that_made_no_request_records_an_empty_cassette(
    project: pytest.Pytester, upstream: FakeProviderServer
) -> None:
    project.makepyfile(
        test_weather="""
import pytest

@pytest.mark.parametrize("ask", [False, True])
def test_maybe(cassette, ask):
    from langchain_openai import ChatOpenAI
    if ask:
        model = ChatOpenAI(base_url=cassette.openai_base_url, api_key="sk-fake", model="m")
        assert model.invoke("Weather in Paris?").content == "Sunny in Paris"
"""
    )
    run(
        project, "--streamfakes-record=once", f"--streamfakes-upstream={upstream.url}"
    ).assert_outcomes(passed=2)
    empty = yaml.safe_load(
        (project.path / "snapshots/test_weather/test_maybe[False].yaml").read_text()
    )
    assert empty == {"version": 1, "interactions": []}
    run(project, f"--streamfakes-upstream={upstream.url}").assert_outcomes(passed=2)
