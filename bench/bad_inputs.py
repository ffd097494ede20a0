"""Throw every bad input of issue 12 at the fakes and count what happens, as a table.

    python bench/bad_inputs.py

The inputs are the ones the tests use (tests/fakes/wire/test_server_bad_input.py,
tests/fakes/script/test_script_files_bad_input.py, tests/fakes/recording/
test_secrets_everywhere.py). Each outcome is one of: a clear error (the documented error,
naming the place and the fix), a raw traceback (any other exception, or a 500), a hang
(over 5 s), a leak (a server thread left running), a leaked secret (a credential in a
file, the journal, a repr or the output) or lost data (an answer used up by a refused
request). Everything but the first column should be zero.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parents[1]))

from tests.fakes.recording.test_secrets_everywhere import CHANNELS, KEYS
from tests.fakes.script.test_script_files_bad_input import BAD_FILES
from tests.fakes.wire.test_server_bad_input import BAD_REQUESTS, _good, _text

from fakes import (
    ConnectionDroppedError,
    FakeChatModel,
    FakeProviderServer,
    FakesError,
    Fault,
    RecordingProxy,
    Response,
    Rule,
    ScriptError,
    ServerError,
)

COLUMNS = ["clear error", "raw traceback", "hang", "leak", "leaked secret", "lost data"]


def server_requests() -> Counter[str]:
    outcomes: Counter[str] = Counter()
    for path, raw, reason in BAD_REQUESTS:
        with FakeProviderServer(FakeChatModel(responses=["first"])) as server:
            started = time.monotonic()
            try:
                bad = httpx.post(
                    server.url + path,
                    content=raw,
                    headers={"content-type": "application/json"},
                    timeout=5,
                )
            except httpx.TimeoutException:
                outcomes["hang"] += 1
                continue
            good = httpx.post(server.url + path, json=_good(path), timeout=5)
            journalled = [r for r in server.journal.requests if r.status == 400]
            if time.monotonic() - started > 5:
                outcomes["hang"] += 1
            elif bad.status_code >= 500:
                outcomes["raw traceback"] += 1
            elif _text(path, good.json()) != "first":
                outcomes["lost data"] += 1
            elif bad.status_code == 400 and reason in bad.text and journalled:
                outcomes["clear error"] += 1
            else:
                outcomes["raw traceback"] += 1
    return outcomes


def _classify(action: Any, expected: type[BaseException], pattern: str) -> str:
    started = time.monotonic()
    try:
        action()
    except expected as error:
        if time.monotonic() - started > 5:
            return "hang"
        return "clear error" if re.search(pattern, str(error)) else "raw traceback"
    except BaseException:
        return "raw traceback"
    return "raw traceback"  # accepted silently


def script_files(folder: Path) -> Counter[str]:
    outcomes: Counter[str] = Counter()
    for name, contents, message in BAD_FILES:
        path = folder / name
        path.write_bytes(contents if isinstance(contents, bytes) else contents.encode())
        outcome = _classify(
            lambda p=path: FakeChatModel.from_script(p), ScriptError, re.escape(message)
        )
        outcomes[outcome] += 1
    fifo = folder / "fifo.yaml"
    os.mkfifo(fifo)
    zero = folder / "zero.yaml"
    zero.symlink_to("/dev/zero")
    for path in (fifo, zero):
        outcomes[
            _classify(lambda p=path: FakeChatModel.from_script(p), ScriptError, "regular")
        ] += 1
    others: list[tuple[Any, str]] = [
        (lambda: FakeChatModel.from_script(None), "takes the path"),  # type: ignore[arg-type]
        (lambda: FakeChatModel(responses=[Fault(error=UnicodeDecodeError)]), "instance"),
        (lambda: FakeChatModel(responses=["a"], split=re.compile(r"(a+)+$")), "possessive"),
        (lambda: FakeChatModel(rules=[Rule(matches=r"(\w+\s?)*x", response="x")]), "possessive"),
    ]
    for action, pattern in others:
        outcomes[_classify(action, ScriptError, pattern)] += 1
    return outcomes


def secrets() -> Counter[str]:
    outcomes: Counter[str] = Counter()
    for key in KEYS.values():
        for send in CHANNELS.values():
            model = FakeChatModel(
                responses=[f"echo {key} done", Fault(ServerError(f"bad {key}", status_code=401))]
            )
            with FakeProviderServer(model) as provider, RecordingProxy(provider.url) as proxy:
                for stream in (True, False):
                    base, headers, extra = send(proxy.openai_base_url, key)
                    params = extra.pop("params", None)
                    body = {"messages": [{"role": "user", "content": "hi"}], **extra}
                    httpx.post(
                        base + "/chat/completions",
                        json={**body, "stream": stream},
                        headers=headers,
                        params=params,
                    )
                proxy.wait_for(2, timeout=5)
                places = [json.dumps(proxy.script()), repr(proxy)]
            places.append(json.dumps([(r.headers, r.body) for r in provider.journal.requests]))
            if len(proxy.recorded) < 2:
                outcomes["lost data"] += 1
            elif any(key in place for place in places):
                outcomes["leaked secret"] += 1
            else:
                outcomes["clear error"] += 1  # scrubbed (counted as handled)
    return outcomes


def recording(folder: Path) -> Counter[str]:
    """`streamfakes record` with --out it cannot use, and an upstream that drops."""
    from streamfakes._cli import main

    outcomes: Counter[str] = Counter()
    (folder / "d.yaml").mkdir()
    (folder / "old.yaml").write_text("responses: [keep]\n")
    (folder / "link.yaml").symlink_to(folder / "old.yaml")
    for out in ("d.yaml", "missing/o.yaml", "old.yaml", "link.yaml", "o.txt"):
        code = main(["record", "--upstream", "http://127.0.0.1:9", "--out", str(folder / out)])
        kept = (folder / "old.yaml").read_text() == "responses: [keep]\n"
        outcomes["clear error" if code == 2 and kept else "lost data"] += 1
    dropping = Response(text="a b c", fault=Fault(ConnectionDroppedError, after_chunks=2))
    with (
        FakeProviderServer(FakeChatModel(responses=[dropping])) as provider,
        RecordingProxy(provider.url) as proxy,
    ):
        body = {"messages": [{"role": "user", "content": "hi"}], "stream": True}
        with contextlib.suppress(httpx.HTTPError):  # the client sees the drop too
            httpx.post(proxy.openai_base_url + "/chat/completions", json=body)
        proxy.wait_for(1, timeout=5)
    fault = proxy.recorded[0].fault if proxy.recorded else None
    dropped = fault is not None and isinstance(fault.exception(), ConnectionDroppedError)
    outcomes["clear error" if dropped else "lost data"] += 1
    return outcomes


def ports() -> Counter[str]:
    outcomes: Counter[str] = Counter()
    for port in (99999, -1, "80", True):
        action = lambda p=port: FakeProviderServer(FakeChatModel(responses=["x"]), port=p)  # noqa: E731
        outcomes[_classify(action, FakesError, "0 to 65535")] += 1
    return outcomes


def main() -> None:
    before = set(threading.enumerate())
    with tempfile.TemporaryDirectory() as folder:
        rows = {
            "server requests": server_requests(),
            "script files and scripts": script_files(Path(folder)),
            "credentials (7 shapes x 9 channels)": secrets(),
            "recording (--out, dropped upstream)": recording(Path(folder)),
            "server ports": ports(),
        }
    left = [t for t in set(threading.enumerate()) - before if t.name == "streamfakes-server"]
    rows["server ports"]["leak"] += len(left)
    print("| inputs | tried | " + " | ".join(COLUMNS) + " |")
    print("|---|---:|" + "---:|" * len(COLUMNS))
    for name, outcomes in rows.items():
        counts = " | ".join(str(outcomes[c]) for c in COLUMNS)
        print(f"| {name} | {sum(outcomes.values())} | {counts} |")
    total = Counter[str]()
    for outcomes in rows.values():
        total.update(outcomes)
    print(
        f"| **all** | {sum(total.values())} | " + " | ".join(str(total[c]) for c in COLUMNS) + " |"
    )
    bad = sum(total[c] for c in COLUMNS[1:])
    raise SystemExit(1 if bad else 0)


if __name__ == "__main__":
    main()
