from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from streamfakes._cli import main


def test_demo_walks_through_every_section(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "Here| is| a| 1| verse| song| about| goldfish| on| the| moon|:|" in out
    assert "Sparkling| water|,| oh| so| clear|" in out
    assert "Why| did| the| parrot| sit|" in out
    assert "{'countries': [{'name': 'France', 'population': 67390000}]}" in out
    assert (
        "args fragment 'Paris'          -> tool calls so far: get_weather({'city': 'Paris'})" in out
    )
    assert "finish (usage, finish_reason)" in out and "finish_reason: tool_calls" in out
    assert "  run2<run0 on_chat_model_stream FakeChatModel: chunk=AIChunk(' parrot'" in out
    assert out.count("\n== ") == 6


def test_demo_is_a_console_script() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from streamfakes._cli import main; raise SystemExit(main(['demo']))",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_check_summarises_a_script(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("responses:\n  - a b c\n  - text: x y\n    fault: {after_chunks: 1}\n")
    assert main(["check", str(path)]) == 0
    assert capsys.readouterr().out == (
        f"{path}: ok, 2 response(s), 0 rule(s)\n"
        "  responses[0]: 3 chunk(s)\n"
        "  responses[1]: 2 chunk(s), fault after 1\n"
    )


def test_check_reports_a_bad_script(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("responses: []\n")
    assert main(["check", str(path)]) == 2
    assert capsys.readouterr().err == (
        f"error: {path}: responses: the script is empty; give at least one response or rule\n"
    )


def test_real_time_demo_waits_on_the_real_clock(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from fakes import RealClock

    waits: list[float] = []

    async def record_async(self: RealClock, seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(RealClock, "sleep", lambda self, seconds: waits.append(seconds))
    monkeypatch.setattr(RealClock, "asleep", record_async)
    assert main(["demo", "--real-time"]) == 0
    assert len(waits) > 100 and all(w > 0 for w in waits)
    assert "Here| is| a|" in capsys.readouterr().out


def test_without_real_time_the_demo_never_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    from fakes import RealClock

    def refuse(*args: object) -> None:
        raise AssertionError("the default demo must not wait on the real clock")

    monkeypatch.setattr(RealClock, "sleep", refuse)
    monkeypatch.setattr(RealClock, "asleep", refuse)
    assert main(["demo"]) == 0


def test_demo_stops_quietly_when_the_reader_goes_away() -> None:
    script = "from streamfakes._cli import main; raise SystemExit(main(['demo']))"
    result = subprocess.run(
        f'{sys.executable} -c "{script}" | head -n 2',
        shell=True,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.stdout.splitlines() == ["", "== 1. Chat model: stream token by token =="]
    assert result.stderr == ""


def test_serve_prints_the_base_url_and_answers_until_interrupted(tmp_path: Path) -> None:
    import re
    import signal

    import httpx

    script = tmp_path / "s.yaml"
    script.write_text("responses: [Hello from the script]\n")
    command = [sys.executable, "-c", "from streamfakes._cli import main; raise SystemExit(main())"]
    with subprocess.Popen(
        [*command, "serve", "--script", str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            assert process.stdout.readline().startswith(f"serving {script}")
            line = process.stdout.readline()
            found = re.search(r"base_url=(http://127\.0\.0\.1:\d+/v1)", line)
            assert found, line
            reply = httpx.post(
                f"{found.group(1)}/chat/completions",
                json={"model": "m", "messages": [{"role": "user", "content": "hi"}]},
                timeout=10,
            )
            assert reply.json()["choices"][0]["message"]["content"] == "Hello from the script"
        finally:
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=20) == 0


def test_serve_cycle_starts_the_script_over(tmp_path: Path) -> None:
    import re
    import signal

    import httpx

    script = tmp_path / "s.yaml"
    script.write_text("responses: [one, two]\n")
    command = [sys.executable, "-m", "streamfakes", "serve", "--cycle", "--script", str(script)]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            assert process.stdout is not None
            process.stdout.readline()
            found = re.search(r"base_url=(http://127\.0\.0\.1:\d+/v1)", process.stdout.readline())
            assert found
            body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
            answers = [
                httpx.post(f"{found.group(1)}/chat/completions", json=body, timeout=10).json()
                for _ in range(3)
            ]
            contents = [a["choices"][0]["message"]["content"] for a in answers]
            assert contents == ["one", "two", "one"]
        finally:
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=20) == 0


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exit:
        main(["--version"])
    assert exit.value.code == 0
    assert capsys.readouterr().out == f"streamfakes {version('streamfakes')}\n"


def test_check_reports_every_problem_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "s.yaml"
    script.write_text(
        "responses:\n"
        "  - text: hi\n"
        "    latncy: {ttft: 1}\n"
        "  - fine\n"
        "  - tool_calls: [{name: x, args: 5}]\n"
    )
    assert main(["check", str(script)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: {script}: 2 problems:",
        (
            "  responses[0].latncy: unknown key 'latncy'; did you mean 'latency'? (allowed: "
            "text, chunks, reasoning, reasoning_chunks, tool_calls, usage, finish_reason, id, "
            "content_format, response_metadata, additional_kwargs, fault, latency, split, raw_chunks)"
        ),
        "  responses[2].tool_calls[0].args: expected a mapping, e.g. {city: Paris}, got int: 5",
    ]


def test_check_reports_each_responses_problem_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "s.yaml"
    script.write_text(
        "responses:\n"
        "  - {text: hi, fault: {after_chunks: 9}}\n"
        "  - fine\n"
        "  - {text: x, chunks: [y]}\n"
    )
    assert main(["check", str(script)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"error: {script}: 2 problems:"
    assert err[1].startswith("  responses[0].fault.after_chunks: this response streams 1 chunk")
    assert err[2] == "  responses[2]: give either text or chunks, not both"


def test_the_base_urls_printed_name_every_client(capsys: pytest.CaptureFixture[str]) -> None:
    from fakes import FakeChatModel, FakeProviderServer
    from streamfakes._cli import _print_base_urls

    server = FakeProviderServer(FakeChatModel(responses=["x"]), port=8765)
    _print_base_urls(server)
    assert capsys.readouterr().out.splitlines()[-2:] == [
        "  Gemini (google-genai, ChatGoogleGenerativeAI): base_url=http://127.0.0.1:8765",
        "  Bedrock Converse (boto3, ChatBedrockConverse): endpoint_url=http://127.0.0.1:8765",
    ]


def test_check_reports_structural_and_meaning_problems_in_one_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "s.yaml"
    script.write_text(
        "responses:\n"
        "  - {text: hi, latncy: {ttft: 1}}\n"
        "  - fine\n"
        "  - {text: x, chunks: [y]}\n"
        "  - {text: hi, fault: {after_chunks: 9}}\n"
    )
    assert main(["check", str(script)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"error: {script}: 3 problems:"
    assert err[1].startswith("  responses[0].latncy: unknown key 'latncy'; did you mean")
    assert err[2] == "  responses[2]: give either text or chunks, not both"
    assert err[3].startswith("  responses[3].fault.after_chunks: this response streams 1 chunk")
