"""The noise controls as a user sets them: ini keys, the stream_snapshot marker."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

INI = "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"

CHAIN_TEST = """
import pytest
from assertions import acollect_events
from fakes import FakeChatModel

MARK

async def test_events(stream_snapshot):
    assert await acollect_events(FakeChatModel(responses=["Hi there"]), "hi") == stream_snapshot
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini(INI)
    return pytester


def written(project: pytest.Pytester, mark: str = "") -> str:
    project.makepyfile(test_chain=CHAIN_TEST.replace("MARK", mark))
    project.runpytest("-p", "no:randomly", "--snapshot-update").assert_outcomes(passed=1)
    return (project.path / "snapshots" / "test_chain.ambr").read_text()


def test_ini_keys_set_the_options(project: pytest.Pytester) -> None:
    project.makeini(
        INI
        + "stream_snapshot_drop_metadata = ls_model_name ls_model_type\n"
        + "stream_snapshot_usage = none\n"
        + "stream_snapshot_metadata_lines = true\n"
        + "stream_snapshot_name_once = true\n"
    )
    assert written(project) == (
        "# serializer version: 1\n"
        "# name: test_events\n"
        "  '''\n"
        "  # astream_events v2: 4 events, 1 run\n"
        "  run0 on_chat_model_start FakeChatModel: input='hi'\n"
        "      | ls_provider: 'streamfakes'\n"
        "  run0 on_chat_model_stream: chunk=AIChunk('Hi', id='msg-0000')\n"
        "  run0 on_chat_model_stream: chunk=AIChunk(' there', chunk_position='last', "
        "id='msg-0000', response_metadata={'finish_reason': 'stop', 'model_name': 'fake-model'})\n"
        "  run0 on_chat_model_end: output=AIChunk('Hi there', chunk_position='last', "
        "id='msg-0000', response_metadata={'finish_reason': 'stop', 'model_name': 'fake-model'})\n"
        "  '''\n"
        "# ---\n"
    )


def test_the_marker_overrides_the_ini(project: pytest.Pytester) -> None:
    project.makeini(INI + "stream_snapshot_usage = none\n")
    text = written(
        project, '@pytest.mark.stream_snapshot(usage="all", drop_metadata=["ls_provider"])'
    )
    assert "usage_metadata={'input_tokens': 1" in text
    assert "{'ls_model_name': 'fake-model', 'ls_model_type': 'chat'}" in text


def test_an_unknown_marker_keyword_is_a_usage_error(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_chain=CHAIN_TEST.replace("MARK", "@pytest.mark.stream_snapshot(usage_only=True)")
    )
    result = project.runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            (
                "*test_chain.py::test_events: @pytest.mark.stream_snapshot takes only the "
                "keywords drop_metadata, metadata_lines, name_once, stable_aliases, usage "
                "(got usage_only);*"
            )
        ]
    )


def test_a_bad_value_names_the_fix(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_chain=CHAIN_TEST.replace("MARK", '@pytest.mark.stream_snapshot(usage="scripted")')
    )
    result = project.runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*test_chain.py::test_events: usage must be 'all' or 'none', not 'scripted'*"]
    )


def test_a_failed_stream_snapshot_draws_a_picture(project: pytest.Pytester) -> None:
    written(project)
    project.makepyfile(test_chain=CHAIN_TEST.replace("MARK", "").replace("Hi there", "Hi you"))
    result = project.runpytest("-p", "no:randomly")
    result.assert_outcomes(failed=1)
    picture = project.path / ".pytest_cache/d/streamfakes-pictures/test_chain.py_test_events.html"
    result.stdout.fnmatch_lines([f"*A picture of the run, expected beside actual: {picture}"])
    page = picture.read_text()
    assert 'id="first-difference" data-line="2"' in page
    assert "<code>+ run0 on_chat_model_stream FakeChatModel: chunk=AIChunk(&#x27; you&#x27;" in page


def test_no_picture_without_the_cache(project: pytest.Pytester) -> None:
    written(project)
    project.makepyfile(test_chain=CHAIN_TEST.replace("MARK", "").replace("Hi there", "Hi you"))
    result = project.runpytest("-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*A picture of the run, expected beside actual: *streamfakes-pictures*test_chain.py_test_events.html"
        ]
    )
