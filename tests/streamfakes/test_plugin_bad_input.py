"""The plugin under bad input: broken snapshot files and marker keywords of the wrong type."""

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


def test_a_snapshot_file_that_is_not_utf8_is_reported_against_the_file(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(test_chain=CHAIN_TEST)
    project.runpytest("-p", "no:randomly", "--snapshot-update").assert_outcomes(passed=1)
    written = project.path / "snapshots" / "test_chain.ambr"
    written.write_bytes(written.read_bytes().replace(b"Hi there", b"Hi \xff\xfe there"))
    result = project.runpytest("-p", "no:randomly")
    result.assert_outcomes(failed=1)
    expected = (
        f"*{written}: not UTF-8 (byte 0xff at offset *); fix the file, or delete it and run "
        "pytest --snapshot-update*"
    )
    result.stdout.fnmatch_lines([expected])
    result.stdout.fnmatch_lines(["*1 failed*"])  # the session ends with its summary


@pytest.mark.parametrize("keyword", ["allow_unused", "allow_unexpected"])
def test_a_marker_boolean_keyword_takes_only_a_bool(project: pytest.Pytester, keyword: str) -> None:
    project.makepyfile(
        test_marker=f"""
import pytest

@pytest.mark.streamfakes({keyword}="no")
def test_x(fake_chat_model):
    fake_chat_model(["a"]).invoke("x")
"""
    )
    result = project.runpytest("-p", "no:randomly")
    assert result.ret != 0
    result.stdout.fnmatch_lines(
        [f"*@pytest.mark.streamfakes({keyword}=...) takes True or False, got 'no'*"]
    )
