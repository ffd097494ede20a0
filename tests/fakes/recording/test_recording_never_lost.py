"""A recording is never lost: dropped and garbled upstreams are recorded as faults, and the
`record` command checks --out first, never replaces a file by surprise, and saves on
SIGTERM and SIGHUP as on Ctrl-C."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from fakes import (
    ConnectionDroppedError,
    FakeChatModel,
    FakeProviderServer,
    Fault,
    MalformedFrameError,
    RecordingProxy,
    Response,
)
from fakes._recording._readback import stream_reader
from streamfakes._cli import main

CHAT = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}


def test_a_dropped_upstream_is_recorded_as_a_fault_without_tracebacks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    script = [Response(text="one two three", fault=Fault(ConnectionDroppedError, after_chunks=2))]
    with (
        FakeProviderServer(FakeChatModel(responses=script, split="words")) as provider,
        RecordingProxy(provider.url) as proxy,
    ):
        url = proxy.openai_base_url + "/chat/completions"
        with pytest.raises(httpx.RemoteProtocolError), httpx.stream("POST", url, json=CHAT) as r:
            list(r.iter_bytes())  # the client sees the drop too
        assert proxy.wait_for(1, timeout=10)
    recorded = proxy.recorded[0]
    assert recorded.chunks == ["one", " two"]
    assert recorded.fault is not None
    assert isinstance(recorded.fault.exception(), ConnectionDroppedError)
    assert recorded.fault.after_chunks == 2
    noisy = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert noisy == []


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/chat/completions", b'data: {"choices": [{"delta": {"content": "a"}}]}\n\ndata: {gar'),
        ("/v1/messages", b"event: content_block_delta\ndata: {garbled\n\n"),
        ("/api/chat", b'{"message": {"content": "a"}, "done": false}\n{garbled\n'),
    ],
)
def test_a_garbled_or_cut_stream_reads_as_a_fault(path: str, body: bytes) -> None:
    reader = stream_reader(path)
    assert reader is not None
    reader.feed(body + b"\n\n", 0.1)
    reader.dropped("the body ended before its last frame")
    fault = reader.response().fault
    assert fault is not None
    assert isinstance(fault.exception(), (MalformedFrameError, ConnectionDroppedError))
    assert "garbled" in str(fault.exception()) or "gar" in str(fault.exception())


def _record(out: Path | str, *extra: str) -> list[str]:
    return ["record", "--upstream", "http://127.0.0.1:9", "--out", str(out), *extra]


def test_an_out_that_cannot_be_written_is_refused_before_recording(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "dir.yaml").mkdir()
    assert main(_record(tmp_path / "dir.yaml")) == 2
    assert "dir.yaml is a directory; name a file inside it" in capsys.readouterr().err
    assert main(_record(tmp_path / "missing" / "o.yaml")) == 2
    assert "no such directory" in capsys.readouterr().err


def test_an_existing_file_or_symlink_is_not_replaced_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    existing = tmp_path / "old.yaml"
    existing.write_text("responses: [keep me]\n")
    link = tmp_path / "link.yaml"
    link.symlink_to(existing)
    assert main(_record(existing)) == 2
    assert "old.yaml exists; choose another --out, or pass --force" in capsys.readouterr().err
    assert main(_record(link)) == 2
    assert f"the symlink {link} (to {existing}) exists" in capsys.readouterr().err
    assert existing.read_text() == "responses: [keep me]\n"


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_save_the_recording_and_print_no_credentials(
    stop: signal.Signals, tmp_path: Path
) -> None:
    out = tmp_path / "old.yaml"
    out.write_text("responses: [old]\n")
    key = "hunter2-in-the-url"
    with FakeProviderServer(FakeChatModel(responses=["recorded answer"])) as provider:
        upstream = provider.url.replace("http://", f"http://me:{key}@") + f"?key={key}"
        command = [sys.executable, "-m", "streamfakes", *_record(out, "--force")]
        command[command.index("http://127.0.0.1:9")] = upstream
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ
        )
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(2)]
        base_url = lines[1].split("base_url=")[1].strip()
        httpx.post(base_url + "/chat/completions", json={**CHAT, "stream": False})
        process.send_signal(stop)
        stdout, stderr = process.communicate(timeout=20)
    printed = "".join(lines) + stdout + stderr
    assert process.returncode == 0, printed
    assert "recorded answer" in out.read_text()
    assert f"(replaced {out})" in printed
    assert key not in printed
    assert "Traceback" not in printed


def test_a_client_too_slow_with_its_body_gets_a_408_from_the_proxy() -> None:
    import socket

    with RecordingProxy("http://127.0.0.1:9", client_timeout=0.3) as proxy:
        sock = socket.create_connection(("127.0.0.1", proxy.port))
        sock.settimeout(5)
        sock.sendall(
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 99\r\n\r\n{"
        )
        answer = b""
        while chunk := sock.recv(1000):  # the whole answer: the server closes after it
            answer += chunk
        sock.close()
    assert answer.startswith(b"HTTP/1.1 408")
    assert b"no whole body within 0.3 s" in answer
