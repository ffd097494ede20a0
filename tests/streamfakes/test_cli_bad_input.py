"""The command line under bad input: usage errors, never tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamfakes._cli import main


@pytest.mark.parametrize("command", ["serve", "record"])
@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_a_port_out_of_range_is_a_usage_error(
    command: str, port: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "s.yaml"
    script.write_text("responses: [hi]\n")
    args = {
        "serve": ["serve", "--script", str(script)],
        "record": ["record", "--upstream", "http://127.0.0.1:9", "--out", str(tmp_path / "o.yaml")],
    }[command]
    with pytest.raises(SystemExit) as exited:
        main([*args, "--port", port])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --port: {port!r} is not a port: give 0 to 65535 (0: any free one)" in err
    assert "Traceback" not in err
