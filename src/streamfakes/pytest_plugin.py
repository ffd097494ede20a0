"""The streamfakes pytest plugin, loaded through the `pytest11` entry point.

Fixtures:
    fake_chat_model / fake_llm: factories, `fake_chat_model(["Hi!"], model_name=...)`; with
        no responses they load the script named by the test's `streamfakes` marker. At
        teardown the test fails if a fake it made left scripted responses unused.
    stream_snapshot: syrupy's `snapshot` with the stream extension:
        `assert await acollect_events(chain, {"topic": "parrot"}) == stream_snapshot`.
    stream_json_snapshot: the same in the full structured form (JSON).

Marker:
    @pytest.mark.streamfakes(script="scripts/weather.yaml", allow_unused=False,
                             allow_unexpected=False)

Options (one group, "streamfakes"):
    --streamfakes-allow-unused   never fail a test over unused scripted responses
    ini `stream_snapshot_dir`    where stream snapshots live, under the rootdir (snapshots)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion

from assertions._snapshot import StreamJSONSnapshotExtension, StreamSnapshotExtension
from fakes import FakeChatModel, FakeLLM, FakeProviderServer, FakesError

MARKER = "streamfakes"
MARKER_KEYWORDS = frozenset({"script", "allow_unused", "allow_unexpected"})
_CALL_FAILED = pytest.StashKey[bool]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("streamfakes", "streamfakes: fake LLM streams and stream snapshots")
    group.addoption(
        "--streamfakes-allow-unused",
        action="store_true",
        default=False,
        dest="streamfakes_allow_unused",
        help="do not fail tests whose fakes left scripted responses unused",
    )
    parser.addini(
        "stream_snapshot_dir",
        help="directory of stream snapshots, relative to the rootdir (default: snapshots)",
        default="snapshots",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(script=None, allow_unused=False): the script file that fake_chat_model() "
        "and fake_llm() load when given no responses (relative to the test file), and "
        "whether unused scripted responses are allowed",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


def _marker(node: pytest.Item) -> pytest.Mark | None:
    marker = node.get_closest_marker(MARKER)
    if marker is None:
        return None
    unknown = sorted(set(marker.kwargs) - MARKER_KEYWORDS)
    if marker.args or unknown:
        raise pytest.UsageError(
            f"{node.nodeid}: @pytest.mark.{MARKER} takes only the keywords "
            f"{', '.join(sorted(MARKER_KEYWORDS))} "
            f"(got {', '.join([*map(repr, marker.args), *unknown])}); "
            f'e.g. @pytest.mark.{MARKER}(script="weather.yaml")'
        )
    for keyword in ("allow_unused", "allow_unexpected"):  # "no" must not count as true
        value = marker.kwargs.get(keyword, False)
        if not isinstance(value, bool):
            raise pytest.UsageError(
                f"{node.nodeid}: @pytest.mark.{MARKER}({keyword}=...) takes True or False, "
                f"got {value!r}"
            )
    return marker


class _Factory:
    """Makes fakes for one test and checks at teardown that their scripts were used."""

    def __init__(self, model_class: type[Any], request: pytest.FixtureRequest) -> None:
        self.model_class = model_class
        self.request = request
        self.made: list[Any] = []

    def __call__(self, responses: Any = None, **settings: Any) -> Any:
        if responses is None and "rules" not in settings:
            model = self.model_class.from_script(self._script_path(), **settings)
        else:
            model = self.model_class(responses, **settings)
        self.made.append(model)
        return model

    def _script_path(self) -> Path:
        marker = _marker(self.request.node)
        script = marker.kwargs.get("script") if marker else None
        if script is None:
            raise pytest.UsageError(
                f"{self.request.node.nodeid}: {self.model_class.__name__} was asked for no "
                "responses and the test has no script; pass responses, or mark the test "
                f'@pytest.mark.{MARKER}(script="path/to/script.yaml")'
            )
        return Path(self.request.node.path).parent / str(script)

    def check_all_used(self) -> None:
        # A test that already failed needs no second complaint about its script.
        if _unused_allowed(self.request) or self.request.node.stash.get(_CALL_FAILED, False):
            return
        _fail_on_unused(self.made, "used")


def _fail_on_unused(models: Iterable[FakeChatModel | FakeLLM], verb: str) -> None:
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


def _unused_allowed(request: pytest.FixtureRequest) -> bool:
    if request.config.getoption("streamfakes_allow_unused"):
        return True
    marker = _marker(request.node)
    return bool(marker and marker.kwargs.get("allow_unused"))


@pytest.fixture
def fake_chat_model(request: pytest.FixtureRequest) -> Iterator[Callable[..., FakeChatModel]]:
    """Make scripted chat models: `fake_chat_model(["Hi!"], model_name="gpt-fake")`."""
    factory = _Factory(FakeChatModel, request)
    yield factory
    factory.check_all_used()


@pytest.fixture
def fake_llm(request: pytest.FixtureRequest) -> Iterator[Callable[..., FakeLLM]]:
    """Make scripted LLMs: `fake_llm(["Hi!"])`."""
    factory = _Factory(FakeLLM, request)
    yield factory
    factory.check_all_used()


@pytest.fixture
def fake_provider(request: pytest.FixtureRequest) -> Iterator[Callable[..., FakeProviderServer]]:
    """Start fake provider servers on 127.0.0.1: `fake_provider(["Hi!"])` (or a model).

    Each one is stopped at teardown, with its thread and sockets; then the test fails if a
    server got a request its script did not expect, or left responses unrequested.
    """
    servers: list[FakeProviderServer] = []

    def start(
        responses: Any = None, *, frame_bytes: int | None = None, **settings: Any
    ) -> FakeProviderServer:
        if isinstance(responses, FakeChatModel):
            model = responses
        elif responses is None and "rules" not in settings:  # the marker's script
            model = _Factory(FakeChatModel, request)(**settings)
        else:
            model = FakeChatModel(responses=responses, **settings)
        servers.append(FakeProviderServer(model, frame_bytes=frame_bytes).start())
        return servers[-1]

    yield start
    stuck = []
    for server in servers:  # every one, even if another will not stop
        try:
            server.stop()
        except FakesError as error:
            stuck.append(str(error))
    if stuck:
        pytest.fail("\n".join(stuck), pytrace=False)
    if request.node.stash.get(_CALL_FAILED, False):
        return
    marker = _marker(request.node)
    if not (marker and marker.kwargs.get("allow_unexpected")):
        for server in servers:
            try:
                server.check_all_expected()
            except FakesError as error:
                pytest.fail(
                    f"{error}\nAllow it with @pytest.mark.{MARKER}(allow_unexpected=True).",
                    pytrace=False,
                )
    if not _unused_allowed(request):
        _fail_on_unused([server.model for server in servers], "requested")


@pytest.fixture
def stream_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """syrupy's snapshot, storing chunk and event streams as text under `snapshots/`."""
    return snapshot.use_extension(StreamSnapshotExtension)


@pytest.fixture
def stream_json_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Like `stream_snapshot`, in the full structured form (sorted JSON, every field)."""
    return snapshot.use_extension(StreamJSONSnapshotExtension)
