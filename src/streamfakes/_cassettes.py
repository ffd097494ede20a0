"""What the `cassette` fixture does: find the test's cassette under snapshots/, serve it
(or record through it) on 127.0.0.1, and at teardown save what was recorded and fail
over requests the cassette did not match. Imported on the fixture's first use."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel

from fakes import FakesError, StreamRecorder
from fakes._recording._cassette import Cassette, Tape
from fakes._recording._cassette_model import CassetteChatModel, put_on_tape
from fakes._recording._cassette_server import CassetteServer

from ._fixtures import stop_all
from ._marker import MARKER, MarkerSettings

DEFAULT_UPSTREAMS = {
    "openai": "https://api.openai.com",
    "anthropic": "https://api.anthropic.com",
    "ollama": "http://127.0.0.1:11434",
}
"""Where each provider's requests go when a cassette records (`--streamfakes-upstream`
sends them all to one place instead)."""

HINT = (
    "Re-record the cassette with --streamfakes-record=all (or keep it and add the new "
    "requests with --streamfakes-record=new_episodes); or leave fields out of the match "
    f'with @pytest.mark.{MARKER}(cassette_ignore=["parameters.temperature"]), or match '
    'by content with cassette_match="content".'
)


def cassette_path(item: pytest.Item, settings: MarkerSettings, snapshot_dir: str) -> Path:
    """`<snapshots>/<test file's path without .py>/<name>.yaml`; the name is the
    marker's `cassette=`, or the test's name (parameters included)."""
    root = Path(item.config.rootpath)
    test_file = Path(item.path)
    try:
        relative = test_file.relative_to(root)
    except ValueError:  # a test outside the root
        relative = Path(test_file.name)
    name = settings.cassette or item.name
    name = re.sub(r"[^\w.\[\]=,+-]", "_", name)
    if not name.endswith((".yaml", ".yml")):
        name += ".yaml"
    return root / snapshot_dir / relative.with_suffix("") / name


class CassetteFixture:
    """The `cassette` fixture: base URLs that play the test's cassette (or, when
    recording, pass the requests on to the provider and record the answers), and
    `chat_model()` for a model recorded or replayed in process."""

    def __init__(
        self,
        item: pytest.Item,
        settings: MarkerSettings,
        *,
        record_mode: str,
        upstream: str | None,
        snapshot_dir: str,
    ) -> None:
        self.item = item
        self.settings = settings
        self.record_mode = record_mode
        """`none`, `once`, `new_episodes` or `all` (`--streamfakes-record`)."""
        self.upstream = upstream
        self.path = cassette_path(item, settings, snapshot_dir)
        """The cassette file."""
        self.replay_timing = False
        """Set True (before the first request) to replay the recorded delay before each
        chunk; by default a replayed answer streams at once."""
        self.servers: dict[str, CassetteServer] = {}
        self.recorders: list[StreamRecorder] = []
        try:
            cassette = Cassette.load(self.path)
        except FakesError as error:
            problem = str(error)
        else:
            problem = ""
        if problem:
            pytest.fail(problem, pytrace=False)
        if record_mode == "none" and not cassette.exists:
            pytest.fail(
                f"{item.nodeid}: no cassette at {self._shown(self.path)}, and "
                "--streamfakes-record=none (the default) never reaches the network. Record it "
                f"once, with the provider's credentials set: pytest --streamfakes-record=once "
                f"{item.nodeid}",
                pytrace=False,
            )
        self.tape = Tape(
            cassette,
            record_mode,
            match=settings.cassette_match,
            ignore=settings.cassette_ignore,
            hint=HINT,
            name=self._shown(self.path),
        )

    def _shown(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.item.config.rootpath))
        except ValueError:
            return str(path)

    @property
    def recording(self) -> bool:
        """Whether requests the cassette does not hold go to the real provider."""
        return self.tape.recording

    def server(self, upstream: str) -> CassetteServer:
        """The cassette's server for requests bound to `upstream` (started on first use;
        one per upstream, all playing the same cassette)."""
        if upstream not in self.servers:
            server = CassetteServer(self.tape, upstream, timing=self.replay_timing)
            self.servers[upstream] = server.start()
        return self.servers[upstream]

    def _for(self, provider: str) -> CassetteServer:
        return self.server(self.upstream or DEFAULT_UPSTREAMS[provider])

    @property
    def openai_base_url(self) -> str:
        """`base_url` for the openai SDK and ChatOpenAI (records from api.openai.com)."""
        return self._for("openai").openai_base_url

    @property
    def anthropic_base_url(self) -> str:
        """`base_url` for the anthropic SDK and ChatAnthropic (records from api.anthropic.com)."""
        return self._for("anthropic").anthropic_base_url

    @property
    def ollama_base_url(self) -> str:
        """`base_url` for the ollama client and ChatOllama (records from 127.0.0.1:11434)."""
        return self._for("ollama").ollama_base_url

    def chat_model(self, real: Callable[[], BaseChatModel]) -> BaseChatModel:
        """In process: when recording, `real()` with a recorder among its callbacks;
        when replaying, a fake that plays the cassette (and `real` is never called, so
        it needs no credentials). Every call's messages and options must match."""
        if self.tape.recording and self.tape.replaying:
            pytest.fail(
                f"{self.item.nodeid}: --streamfakes-record=new_episodes adds requests "
                "through the cassette's base URLs only; cassette.chat_model() records or "
                "replays a whole test: use --streamfakes-record=all to record it again",
                pytrace=False,
            )
        if self.tape.replaying:
            return CassetteChatModel(self.tape)
        recorder = StreamRecorder()
        self.recorders.append(recorder)
        model = real()
        callbacks: Any = model.callbacks
        if callbacks is None or isinstance(callbacks, list):
            model.callbacks = [*(callbacks or []), recorder]
        else:  # a callback manager
            callbacks.add_handler(recorder, inherit=True)
        return model

    def finish(self, *, test_failed: bool, unused_allowed: bool) -> None:
        stop_all(self.servers.values())
        for recorder in self.recorders:
            put_on_tape(recorder, self.tape)
        if self.tape.mismatches:
            pytest.fail("\n\n".join(self.tape.mismatches), pytrace=False)
        # A recording run that made no request still leaves its (empty) cassette, so
        # that the replaying runs after it find one.
        written_anew = self.record_mode == "all" or not self.tape.cassette.exists
        if self.tape.recorded_new or (self.tape.recording and written_anew and not test_failed):
            self.tape.result().save()
        if self.tape.recording or test_failed or unused_allowed:
            return
        unused = self.tape.unused()
        if unused:
            pytest.fail(
                f"cassette {self._shown(self.path)}: these recorded requests were never "
                "made:\n" + "\n".join(unused) + "\nRe-record the cassette without them "
                "(--streamfakes-record=all), or allow it with "
                f"@pytest.mark.{MARKER}(allow_unused=True) (or --streamfakes-allow-unused).",
                pytrace=False,
            )
