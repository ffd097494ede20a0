"""`streamfakes show`: a test's stream snapshots drawn as one HTML page."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamfakes._cli import main

AMBR = """# serializer version: 1
# name: test_chunks
  '''
  # stream: 2 chunks
  0 'Hi'
  1 ' there'
  '''
# ---
# name: test_events[first]
  '''
  # astream_events v2: 3 events, 1 run
  run0 on_chat_model_start FakeChatModel: input='hi'
  run0 on_chat_model_stream FakeChatModel: chunk=AIChunk('Hi', id='msg-0000')
  run0 on_chat_model_end FakeChatModel: output=AIChunk('Hi', id='msg-0000')
  '''
# ---
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "snapshots" / "tests").mkdir(parents=True)
    (tmp_path / "snapshots" / "tests" / "test_app.ambr").write_text(AMBR)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_show_a_test(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "tests/test_app.py::test_events", "--out", "events.html"]) == 0
    assert capsys.readouterr().out == "wrote events.html (1 timeline)\n"
    page = (project / "events.html").read_text()
    assert 'data-name="test_events[first]"' in page
    assert page.count('class="mark start"') == 1 and page.count('class="mark end"') == 1


def test_show_a_whole_snapshot_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "snapshots/tests/test_app.ambr"]) == 0
    assert capsys.readouterr().out == "wrote stream-timeline.html (2 timelines)\n"
    assert (project / "stream-timeline.html").read_text().count('class="mark tick"') == 3


def test_an_unknown_test_lists_what_there_is(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["show", "tests/test_app.py::test_nothing"]) == 2
    assert capsys.readouterr().err == (
        f"error: {project}/snapshots/tests/test_app.ambr has no snapshot of 'test_nothing'; "
        "it has: test_chunks, test_events[first]\n"
    )


def test_a_missing_file_says_how_to_write_it(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["show", "tests/test_other.py"]) == 2
    assert "run the tests with --snapshot-update to write it" in capsys.readouterr().err
