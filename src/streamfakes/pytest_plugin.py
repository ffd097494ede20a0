"""The streamfakes pytest plugin, loaded through the `pytest11` entry point.

Loading it imports neither `fakes` nor `assertions` (nor langchain-core, hypothesis or
the server stack): a project that never uses these fixtures runs as if streamfakes were
not installed, its own `fakes` or `assertions` modules included. A fixture imports the
libraries on its first use.

Fixtures:
    fake_chat_model / fake_llm: factories, `fake_chat_model(["Hi!"], model_name=...)`; with
        no responses they load the script named by the test's `streamfakes` marker. At
        teardown the test fails if a fake it made left scripted responses unused.
    fake_provider: `fake_provider(["Hi!"])` starts a fake provider server on 127.0.0.1.
    stream_snapshot: syrupy's `snapshot` with the stream extension:
        `assert await acollect_events(chain, {"topic": "parrot"}) == stream_snapshot`.
    stream_json_snapshot: the same in the full structured form (JSON).
    cassette: record a test's real provider calls once, replay them after:
        `ChatOpenAI(base_url=cassette.openai_base_url, ...)` (also anthropic_base_url,
        ollama_base_url) or `cassette.chat_model(lambda: ChatOpenAI(...))` in process.

Marker:
    @pytest.mark.streamfakes(script="scripts/weather.yaml", allow_unused=False,
                             allow_unexpected=False, cassette="weather",
                             cassette_match="order", cassette_ignore=())

Options (one group, "streamfakes"):
    --streamfakes-allow-unused       never fail a test over unused scripted responses
    --streamfakes-server-scope=S     `test` (a server per test) or `session` (shared)
    --streamfakes-record=MODE        cassettes: none (replay only, the default), once,
                                     new_episodes or all (pytest-recording's meanings)
    --streamfakes-upstream=URL       where recording cassettes send every request
    ini `streamfakes_server_scope`   the same, in the ini file
    ini `stream_snapshot_dir`        where stream snapshots live, under the rootdir
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest

from . import _snapshot_options
from ._libraries import ShadowedLibraryError, load
from ._marker import HELP, MarkerError, MarkerSettings, marker_settings

if TYPE_CHECKING:
    from syrupy.assertion import SnapshotAssertion

    from fakes import FakeChatModel, FakeLLM, FakeProviderServer

    from . import _cassettes, _fixtures

_CALL_FAILED = pytest.StashKey[bool]()
SERVER_SCOPES = ("test", "session")
RECORD_MODES = ("none", "once", "new_episodes", "all")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("streamfakes", "streamfakes: fake LLM streams and stream snapshots")
    group.addoption(
        "--streamfakes-allow-unused",
        action="store_true",
        default=False,
        dest="streamfakes_allow_unused",
        help="do not fail tests whose fakes left scripted responses (or whose cassettes "
        "left recorded requests) unused",
    )
    group.addoption(
        "--streamfakes-server-scope",
        choices=SERVER_SCOPES,
        default=None,
        dest="streamfakes_server_scope",
        help="`test`: fake_provider starts a server per test (default); `session`: servers "
        "are started once and each test gets its own script and journal on them",
    )
    group.addoption(
        "--streamfakes-record",
        choices=RECORD_MODES,
        default="none",
        dest="streamfakes_record",
        help="cassettes: `none` replays only and never reaches the network (default); "
        "`once` records a missing cassette; `new_episodes` replays what matches and records "
        "the rest; `all` records every request again",
    )
    group.addoption(
        "--streamfakes-upstream",
        default=None,
        dest="streamfakes_upstream",
        metavar="URL",
        help="where a recording cassette sends requests (default: each provider's API, "
        "e.g. https://api.openai.com)",
    )
    parser.addini(
        "streamfakes_server_scope",
        help="test (default) or session: see --streamfakes-server-scope",
        default="test",
    )
    parser.addini(
        "stream_snapshot_dir",
        help="directory of stream snapshots, relative to the rootdir (default: snapshots)",
        default="snapshots",
    )
    _snapshot_options.add_ini_keys(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", HELP)
    config.addinivalue_line("markers", _snapshot_options.MARKER_LINE)
    scope = _server_scope(config)
    if scope not in SERVER_SCOPES:
        raise pytest.UsageError(
            f"streamfakes_server_scope = {scope!r} in the ini file; use one of "
            f"{', '.join(SERVER_SCOPES)}"
        )


def _server_scope(config: pytest.Config) -> str:
    option = config.getoption("streamfakes_server_scope")
    return str(option if option is not None else config.getini("streamfakes_server_scope"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


@pytest.hookimpl(wrapper=True)
def pytest_assertrepr_compare(
    config: pytest.Config, op: str, left: object, right: object
) -> Generator[None, list[list[str] | None], list[list[str] | None]]:
    """syrupy's report of a missing stream snapshot, with the flag that writes it."""
    explanations = yield
    if _is_stream_snapshot(left) or _is_stream_snapshot(right):
        for lines in filter(None, explanations):
            missing = [i for i, line in enumerate(lines) if "does not exist" in line]
            if missing:  # right after it: pytest may cut the rest of a long report
                lines.insert(missing[0] + 1, "Write it with: pytest --snapshot-update")
    return explanations


def _is_stream_snapshot(value: object) -> bool:
    extension = getattr(value, "extension_class", None)
    # By module name: the check must not import assertions (configured extensions are
    # subclasses made on the fly, so look along the class's bases).
    bases = extension.__mro__ if isinstance(extension, type) else ()
    return any(base.__module__ == "assertions._snapshot" for base in bases)


def _implementation() -> ModuleType:
    """The fixtures' implementation, imported (with both libraries) on first use."""
    try:
        load("fakes")
        load("assertions")
    except ShadowedLibraryError as error:
        problem = str(error)
    else:
        from . import _fixtures

        return _fixtures
    pytest.fail(problem, pytrace=False)  # outside `except`: one message, not a chain


def _settings(request: pytest.FixtureRequest) -> MarkerSettings:
    try:
        return marker_settings(request.node)
    except MarkerError as error:
        problem = str(error)
    pytest.fail(problem, pytrace=False)  # outside `except`: one message, not a chain


def _test_failed(request: pytest.FixtureRequest) -> bool:
    return bool(request.node.stash.get(_CALL_FAILED, False))


def _unused_allowed(request: pytest.FixtureRequest, settings: MarkerSettings) -> bool:
    return settings.allow_unused or bool(request.config.getoption("streamfakes_allow_unused"))


def _factory_fixture(request: pytest.FixtureRequest, kind: str) -> Iterator[Any]:
    settings = _settings(request)
    fixtures = _implementation()
    model_class = load("fakes").FakeChatModel if kind == "chat" else load("fakes").FakeLLM
    factory: _fixtures.Factory = fixtures.Factory(model_class, request.node, settings)
    yield factory
    if _test_failed(request):
        return  # a test that already failed needs no second complaint about its script
    fixtures.fail_on_script_errors(factory.made)
    if not _unused_allowed(request, settings):
        fixtures.fail_on_unused(factory.made, "used")


@pytest.fixture
def fake_chat_model(request: pytest.FixtureRequest) -> Iterator[Callable[..., FakeChatModel]]:
    """Make scripted chat models: `fake_chat_model(["Hi!"], model_name="gpt-fake")`."""
    yield from _factory_fixture(request, "chat")


@pytest.fixture
def fake_llm(request: pytest.FixtureRequest) -> Iterator[Callable[..., FakeLLM]]:
    """Make scripted LLMs: `fake_llm(["Hi!"])`."""
    yield from _factory_fixture(request, "llm")


@pytest.fixture(scope="session")
def _streamfakes_server_pool() -> Iterator[_fixtures.ServerPool]:
    pool: _fixtures.ServerPool = _implementation().ServerPool()
    yield pool
    pool.stop()


@pytest.fixture
def fake_provider(request: pytest.FixtureRequest) -> Iterator[Callable[..., FakeProviderServer]]:
    """Start fake provider servers on 127.0.0.1: `fake_provider(["Hi!"])` (or a model).

    At teardown each one is stopped (or, with `streamfakes_server_scope = session`, kept
    for the next test); then the test fails if a server got a request its script did not
    expect, or left responses unrequested.
    """
    settings = _settings(request)
    fixtures = _implementation()
    shared = _server_scope(request.config) == "session"
    pool = request.getfixturevalue("_streamfakes_server_pool") if shared else None
    provider: _fixtures.Provider = fixtures.Provider(request.node, settings, pool)
    yield provider
    provider.finish(
        test_failed=_test_failed(request), unused_allowed=_unused_allowed(request, settings)
    )


@pytest.fixture
def stream_snapshot(
    snapshot: SnapshotAssertion, request: pytest.FixtureRequest
) -> SnapshotAssertion:
    """syrupy's snapshot, storing chunk and event streams as text under `snapshots/`."""
    return snapshot.use_extension(_implementation().configured_extension(request, json=False))


@pytest.fixture
def stream_json_snapshot(
    snapshot: SnapshotAssertion, request: pytest.FixtureRequest
) -> SnapshotAssertion:
    """Like `stream_snapshot`, in the full structured form (sorted JSON, every field)."""
    return snapshot.use_extension(_implementation().configured_extension(request, json=True))


@pytest.fixture
def cassette(request: pytest.FixtureRequest) -> Iterator[_cassettes.CassetteFixture]:
    """The test's cassette: `ChatOpenAI(base_url=cassette.openai_base_url, ...)`.

    With `--streamfakes-record=none` (the default) it replays `snapshots/<test path>/
    <test name>.yaml` and each request must match the recorded one; with `once`,
    `new_episodes` or `all` it passes requests on to the provider and records them.
    """
    settings = _settings(request)
    _implementation()
    from . import _cassettes

    fixture = _cassettes.CassetteFixture(
        request.node,
        settings,
        record_mode=str(request.config.getoption("streamfakes_record")),
        upstream=request.config.getoption("streamfakes_upstream"),
        snapshot_dir=str(request.config.getini("stream_snapshot_dir")),
    )
    yield fixture
    fixture.finish(
        test_failed=_test_failed(request), unused_allowed=_unused_allowed(request, settings)
    )
