"""What the fixtures do once a test uses them: make fakes and servers, and check at
teardown that their scripts were used. Imported on a fixture's first use, after
`_libraries.load` has made sure `fakes` is streamfakes' own."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

import pytest

from fakes import FakeChatModel, FakeLLM, FakeProviderServer, FakesError

from . import _snapshot_options
from ._marker import MARKER, MarkerSettings


class Factory:
    """Makes fakes for one test and checks at teardown that their scripts were used."""

    def __init__(self, model_class: type[Any], item: pytest.Item, settings: MarkerSettings):
        self.model_class = model_class
        self.item = item
        self.settings = settings
        self.made: list[Any] = []

    def __call__(self, responses: Any = None, **settings: Any) -> Any:
        if responses is None and "rules" not in settings:
            model = self.model_class.from_script(self._script_path(), **settings)
        else:
            model = self.model_class(responses, **settings)
        self.made.append(model)
        return model

    def _script_path(self) -> Path:
        if self.settings.script is None:
            raise pytest.UsageError(
                f"{self.item.nodeid}: {self.model_class.__name__} was asked for no "
                "responses and the test has no script; pass responses, or mark the test "
                f'@pytest.mark.{MARKER}(script="path/to/script.yaml")'
            )
        return Path(self.item.path).parent / self.settings.script


def fail_on_script_errors(models: Iterable[FakeChatModel | FakeLLM]) -> None:
    """Fail the test when a call had no scripted answer, even if the app caught the error."""
    errors = [
        model._engine.describe_script_error(call)
        for model in models
        for call in model.script_errors
    ]
    if errors:
        pytest.fail(
            "the script could not answer these calls (the app caught the error, so the "
            "test went on):\n" + "\n".join(errors) + "\nScript a response for each call "
            "(or a Rule), or pass cycle=True.",
            pytrace=False,
        )


def fail_on_unused(models: Iterable[FakeChatModel | FakeLLM], verb: str) -> None:
    """Fail the test, listing the scripted responses no call played."""
    unused = [
        f"  {model._engine.owner}: responses[{i}]: {model._engine.describe_response(i)}"
        for model in models
        for i in model._engine.unused_positions
    ]
    if unused:
        pytest.fail(
            f"these scripted responses were never {verb}:\n"
            + "\n".join(unused)
            + f"\nRemove them, or allow it with @pytest.mark.{MARKER}(allow_unused=True) "
            "(or --streamfakes-allow-unused).",
            pytrace=False,
        )


class ServerPool:
    """Fake provider servers kept running across tests (`streamfakes_server_scope =
    session`): each test gets its own script and journal on a server already started."""

    def __init__(self) -> None:
        self.idle: list[FakeProviderServer] = []
        self.busy: list[FakeProviderServer] = []

    def acquire(self, model: FakeChatModel, frame_bytes: int | None) -> FakeProviderServer:
        if self.idle:
            server = self.idle.pop()
            server.serve(model, frame_bytes=frame_bytes)
        else:
            server = FakeProviderServer(model, frame_bytes=frame_bytes).start()
        self.busy.append(server)
        return server

    def release(self) -> None:
        self.idle.extend(self.busy)
        self.busy.clear()

    def stop(self) -> None:
        """Stop every server; fail the test for those that would not stop."""
        stop_all([*self.idle, *self.busy])


class _Server(Protocol):
    def stop(self) -> Any: ...


def stop_all(servers: Iterable[_Server]) -> None:
    """Stop every server, even if another will not stop; fail the test naming those that
    would not."""
    stuck = []
    for server in servers:
        try:
            server.stop()
        except FakesError as error:
            stuck.append(str(error))
    if stuck:
        pytest.fail("\n".join(stuck), pytrace=False)


class Provider:
    """`fake_provider(...)` for one test: makes the model, gets it a server, and checks
    at teardown what the servers received."""

    def __init__(self, item: pytest.Item, settings: MarkerSettings, pool: ServerPool | None):
        self.item = item
        self.settings = settings
        self.pool = pool
        self.servers: list[FakeProviderServer] = []

    def __call__(
        self, responses: Any = None, *, frame_bytes: int | None = None, **settings: Any
    ) -> FakeProviderServer:
        if isinstance(responses, FakeChatModel):
            model = responses
        elif responses is None and "rules" not in settings:  # the marker's script
            model = Factory(FakeChatModel, self.item, self.settings)(**settings)
        else:
            model = FakeChatModel(responses=responses, **settings)
        if self.pool is not None:
            server = self.pool.acquire(model, frame_bytes)
        else:
            server = FakeProviderServer(model, frame_bytes=frame_bytes).start()
        self.servers.append(server)
        return server

    def finish(self, *, test_failed: bool, unused_allowed: bool) -> None:
        if self.pool is not None:
            self.pool.release()
        else:
            stop_all(self.servers)
        if test_failed:
            return
        if not self.settings.allow_unexpected:
            for server in self.servers:
                try:
                    server.check_all_expected()
                except FakesError as error:
                    pytest.fail(
                        f"{error}\nAllow it with @pytest.mark.{MARKER}(allow_unexpected=True).",
                        pytrace=False,
                    )
        if not unused_allowed:
            fail_on_unused([server.model for server in self.servers], "requested")


def configured_extension(request: pytest.FixtureRequest, *, json: bool) -> type[Any]:
    """The stream snapshot extension with the test's noise controls (ini keys, then its
    marker); the text one also draws a picture of a failing timeline."""
    from assertions import AssertionsError, StreamJSONSnapshotExtension, StreamSnapshotExtension

    extension = StreamJSONSnapshotExtension if json else StreamSnapshotExtension
    try:
        configured = extension.with_options(**_snapshot_options.snapshot_options(request))
    except AssertionsError as error:
        raise pytest.UsageError(f"{request.node.nodeid}: {error}") from None
    if json:
        return configured  # JSON is no timeline to draw
    return configured.drawing_failures_to(_snapshot_options.picture_path(request))
