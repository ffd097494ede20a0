"""The plugin as a user meets it: run in a throwaway project with pytester."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

INI = "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"

CHAIN_TEST = """
from assertions import acollect_events
from fakes import FakeChatModel

async def test_events(stream_snapshot):
    assert await acollect_events(FakeChatModel(responses=["Hi there"]), "hi") == stream_snapshot
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini(INI)
    return pytester


def test_a_missing_snapshot_fails(project: pytest.Pytester) -> None:
    project.makepyfile(test_chain=CHAIN_TEST)
    result = project.runpytest("-p", "no:randomly")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*Snapshot 'test_events' does not exist!*",
            "*Write it with: pytest --snapshot-update",
        ]
    )


def test_update_writes_the_snapshot_under_snapshots(project: pytest.Pytester) -> None:
    project.makepyfile(test_chain=CHAIN_TEST)
    project.runpytest("-p", "no:randomly", "--snapshot-update").assert_outcomes(passed=1)
    written = project.path / "snapshots" / "test_chain.ambr"
    assert written.read_text() == (
        "# serializer version: 1\n"
        "# name: test_events\n"
        "  '''\n"
        "  # astream_events v2: 4 events, 1 run\n"
        "  run0 on_chat_model_start FakeChatModel {'ls_model_name': 'fake-model', "
        "'ls_model_type': 'chat', 'ls_provider': 'streamfakes'}: input='hi'\n"
        "  run0 on_chat_model_stream FakeChatModel: chunk=AIChunk('Hi', id='msg-0000')\n"
        "  run0 on_chat_model_stream FakeChatModel: chunk=AIChunk(' there', chunk_position='last', "
        "id='msg-0000', response_metadata={'finish_reason': 'stop', 'model_name': 'fake-model'}, "
        "usage_metadata={'input_tokens': 1, 'output_tokens': 2, 'total_tokens': 3})\n"
        "  run0 on_chat_model_end FakeChatModel: output=AIChunk('Hi there', chunk_position='last', "
        "id='msg-0000', response_metadata={'finish_reason': 'stop', 'model_name': 'fake-model'}, "
        "usage_metadata={'input_tokens': 1, 'output_tokens': 2, 'total_tokens': 3})\n"
        "  '''\n"
        "# ---\n"
    )
    project.runpytest("-p", "no:randomly").assert_outcomes(passed=1)


def test_a_changed_stream_fails_with_a_line_diff(project: pytest.Pytester) -> None:
    project.makepyfile(test_chain=CHAIN_TEST)
    project.runpytest("-p", "no:randomly", "--snapshot-update").assert_outcomes(passed=1)
    project.makepyfile(test_chain=CHAIN_TEST.replace("Hi there", "Hi you"))
    result = project.runpytest("-p", "no:randomly")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*- run0 on_chat_model_stream FakeChatModel: chunk=AIChunk(' there'*",
            "*+ run0 on_chat_model_stream FakeChatModel: chunk=AIChunk(' you'*",
        ]
    )


def test_the_snapshot_directory_is_configurable(project: pytest.Pytester) -> None:
    project.makeini(INI + "stream_snapshot_dir = golden\n")
    project.makepyfile(test_chain=CHAIN_TEST)
    project.runpytest("-p", "no:randomly", "--snapshot-update").assert_outcomes(passed=1)
    assert (project.path / "golden" / "test_chain.ambr").exists()


def test_an_unused_snapshot_is_reported(project: pytest.Pytester) -> None:
    project.makepyfile(test_chain=CHAIN_TEST)
    project.runpytest("-p", "no:randomly", "--snapshot-update").assert_outcomes(passed=1)
    project.makepyfile(test_chain=CHAIN_TEST.replace("test_events", "test_renamed"))
    result = project.runpytest("-p", "no:randomly", "--snapshot-update")
    result.stdout.fnmatch_lines(["*1 snapshot generated. 1 unused snapshot deleted.*"])


UNUSED_TEST = """
def test_model(fake_chat_model):
    model = fake_chat_model(["Hello there", "Goodbye"], model_name="fake-gpt")
    assert model.invoke("hi").content == "Hello there"
"""


def test_unused_scripted_responses_fail_the_test_at_teardown(project: pytest.Pytester) -> None:
    project.makepyfile(test_model=UNUSED_TEST)
    result = project.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_model*",
            "these scripted responses were never used:",
            "  FakeChatModel(model_name='fake-gpt'): responses[1]: 'Goodbye'",
            (
                "Remove them, or allow it with @pytest.mark.streamfakes(allow_unused=True) "
                "(or --streamfakes-allow-unused)."
            ),
        ]
    )


def test_unused_responses_can_be_allowed(project: pytest.Pytester) -> None:
    marked = "import pytest\n\n@pytest.mark.streamfakes(allow_unused=True)" + UNUSED_TEST
    project.makepyfile(test_model=marked)
    project.runpytest("-p", "no:randomly").assert_outcomes(passed=1)
    project.makepyfile(test_model=UNUSED_TEST)
    project.runpytest("-p", "no:randomly", "--streamfakes-allow-unused").assert_outcomes(passed=1)


def test_the_marker_loads_a_script_file(project: pytest.Pytester) -> None:
    project.makefile(".yaml", weather="model_name: fake-gpt\nresponses: [Sunny in Paris.]\n")
    project.makepyfile(
        test_weather="""
import pytest

@pytest.mark.streamfakes(script="weather.yaml")
def test_weather(fake_chat_model):
    model = fake_chat_model()
    assert model.model_name == "fake-gpt"
    assert model.invoke("weather?").content == "Sunny in Paris."
"""
    )
    project.runpytest("-p", "no:randomly").assert_outcomes(passed=1)


def test_no_responses_and_no_script_is_a_usage_error(project: pytest.Pytester) -> None:
    project.makepyfile(test_model="def test_model(fake_chat_model):\n    fake_chat_model()\n")
    result = project.runpytest("-p", "no:randomly")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            (
                "*UsageError: test_model.py::test_model: FakeChatModel was asked for no responses "
                "and the test has no script; pass responses, or mark the test "
                '@pytest.mark.streamfakes(script="path/to/script.yaml")'
            )
        ]
    )


def test_the_options_are_in_one_group(project: pytest.Pytester) -> None:
    result = project.runpytest("--help")
    result.stdout.fnmatch_lines(
        [
            "streamfakes: fake LLM streams and stream snapshots:",
            "*--streamfakes-allow-unused*",
        ]
    )


def test_the_docs_snapshot_example_runs_as_a_test_file(project: pytest.Pytester) -> None:
    import re
    from pathlib import Path

    docs = Path(__file__).resolve().parents[2] / "docs" / "assertions.md"
    example = re.search(r"```python\n# test_chain.py\n(.*?)```", docs.read_text(), re.DOTALL)
    assert example is not None
    project.makepyfile(test_chain=example.group(1))
    project.runpytest("-p", "no:randomly", "--snapshot-update").assert_outcomes(passed=1)
    project.runpytest("-p", "no:randomly").assert_outcomes(passed=1)
    written = project.path / "snapshots" / "test_chain.ambr"
    assert "  # astream_events v2: 26 events, 4 runs\n" in written.read_text()


SKIPPED_TEST = """
import pytest
from assertions import collect_chunks
from fakes import FakeChatModel

SKIP = False

@pytest.mark.skipif("SKIP")
def test_sometimes(stream_snapshot):
    assert collect_chunks(FakeChatModel(responses=["Hi"]), "hi") == stream_snapshot

def test_always(stream_snapshot):
    assert collect_chunks(FakeChatModel(responses=["Yo"]), "hi") == stream_snapshot
"""


def test_a_skipped_tests_snapshot_is_kept(project: pytest.Pytester) -> None:
    project.makepyfile(test_s=SKIPPED_TEST)
    project.runpytest("-p", "no:randomly", "--snapshot-update").assert_outcomes(passed=2)
    project.makepyfile(test_s=SKIPPED_TEST.replace("SKIP = False", "SKIP = True"))
    result = project.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1, skipped=1)
    assert result.ret == 0
    project.runpytest("-p", "no:randomly", "--snapshot-update").assert_outcomes(passed=1, skipped=1)
    assert "# name: test_sometimes" in (project.path / "snapshots" / "test_s.ambr").read_text()


def test_a_deleted_test_modules_snapshots_are_reported(project: pytest.Pytester) -> None:
    project.makepyfile(test_chain=CHAIN_TEST, test_other=CHAIN_TEST)
    project.runpytest("-p", "no:randomly", "--snapshot-update").assert_outcomes(passed=2)
    (project.path / "test_other.py").unlink()
    result = project.runpytest("-p", "no:randomly")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*1 snapshot unused*"])


def test_a_failed_test_gets_no_second_complaint_about_its_script(project: pytest.Pytester) -> None:
    project.makepyfile(test_model=UNUSED_TEST.replace('== "Hello there"', '== "something else"'))
    result = project.runpytest("-p", "no:randomly")
    result.assert_outcomes(failed=1)
    result.stdout.no_fnmatch_line("*never used*")


def test_marker_arguments_are_checked_and_reported_once(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_model="""
import pytest

@pytest.mark.streamfakes(allow_unsued=True)
def test_model(fake_chat_model):
    fake_chat_model(["a", "b"]).invoke("x")
"""
    )
    result = project.runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=1)
    message = (
        "test_model.py::test_model: @pytest.mark.streamfakes takes only the "
        "keywords allow_unexpected, allow_unused, cassette, cassette_ignore, cassette_match, "
        "script (got allow_unsued); "
        'e.g. @pytest.mark.streamfakes(script="weather.yaml")'
    )
    result.stdout.fnmatch_lines(["*ERROR at setup of test_model*", message])
    assert result.stdout.str().count(message) == 1
    result.stdout.no_fnmatch_line("*During handling*")


@pytest.mark.parametrize("value", ['"no"', "1", "None"])
def test_marker_booleans_must_be_booleans(project: pytest.Pytester, value: str) -> None:
    project.makepyfile(
        test_model=f"""
import pytest

@pytest.mark.streamfakes(allow_unused={value})
def test_model(fake_chat_model):
    fake_chat_model(["a", "b"]).invoke("x")
"""
    )
    result = project.runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            (
                "test_model.py::test_model: @pytest.mark.streamfakes(allow_unused=...) takes "
                f"True or False, got {eval(value)!r}"
            )
        ]
    )


def test_markers_lists_every_keyword(project: pytest.Pytester) -> None:
    result = project.runpytest("--markers")
    result.stdout.fnmatch_lines(
        [
            (
                "@pytest.mark.streamfakes(script=None, allow_unused=False, allow_unexpected=False, "
                'cassette=None, cassette_match="order", cassette_ignore=()):*'
            )
        ]
    )
    text = result.stdout.str()
    keywords = ("script:", "allow_unused:", "allow_unexpected:", "cassette:", "cassette_match:")
    for keyword in (*keywords, "cassette_ignore:"):
        assert keyword in text


CAUGHT_TEST = """
def test_model(fake_chat_model):
    model = fake_chat_model(["Hello there"], model_name="fake-gpt")
    assert model.invoke("hi").content == "Hello there"
    try:
        model.invoke("and again")
    except Exception:  # the app swallows the error
        pass
"""


def test_a_script_error_the_app_caught_fails_the_test_at_teardown(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(test_model=CAUGHT_TEST)
    result = project.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_model*",
            (
                "the script could not answer these calls (the app caught the error, so the test "
                "went on):"
            ),
            (
                "  call 1 (invoke, input 'and again') of FakeChatModel(model_name='fake-gpt') "
                "raised ScriptExhaustedError:"
            ),
            (
                "    FakeChatModel(model_name='fake-gpt') has no response left for call 1 "
                "(input 'and again')."
            ),
            "*",
            "Script a response for each call (or a Rule), or pass cycle=True.",
        ]
    )
    # Once in the report (the summary line shows only its first line).
    assert result.stdout.str().count("raised ScriptExhaustedError") == 1


def test_a_script_error_caught_by_fallbacks_fails_a_marker_made_fake(
    project: pytest.Pytester,
) -> None:
    project.makefile(".yaml", weather="model_name: fake-gpt\nresponses: [Sunny in Paris.]\n")
    project.makepyfile(
        test_weather="""
import pytest
from langchain_core.runnables import RunnableLambda

@pytest.mark.streamfakes(script="weather.yaml")
def test_weather(fake_chat_model):
    model = fake_chat_model()
    chain = model.with_fallbacks([RunnableLambda(lambda _: "fallback")])
    assert chain.invoke("weather?").content == "Sunny in Paris."
    assert chain.invoke("again?") == "fallback"
"""
    )
    result = project.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["  call 1 (invoke, input 'again?') of FakeChatModel(model_name='fake-gpt') raised *"]
    )


def test_a_script_error_of_a_failed_test_is_not_reported_again(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_model="def test_model(fake_llm):\n"
        "    llm = fake_llm(['a'])\n    llm.invoke('x')\n    llm.invoke('y')\n"
    )
    result = project.runpytest("-p", "no:randomly")
    result.assert_outcomes(failed=1)
    result.stdout.no_fnmatch_line("*could not answer*")
