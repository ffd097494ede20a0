"""The noise controls of stream snapshots, as ini keys and a marker (pytest glue only).

Light on purpose: the pytest entry point imports this at load, so it imports neither
library. The option values are checked by `assertions.SnapshotOptions` when a fixture
builds its extension.

    [pytest]
    stream_snapshot_drop_metadata = ls_* langgraph_step
    stream_snapshot_stable_aliases = true
    stream_snapshot_name_once = true
    stream_snapshot_usage = none
    stream_snapshot_metadata_lines = true

    @pytest.mark.stream_snapshot(drop_metadata=["ls_*"], usage="none")
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

MARKER = "stream_snapshot"
# ini key -> (SnapshotOptions field, ini type, default, help)
INI_KEYS: dict[str, tuple[str, str, Any, str]] = {
    "stream_snapshot_drop_metadata": (
        "drop_metadata",
        "linelist",
        [],
        "run metadata keys left out of stream snapshots: names, or prefixes ending in *",
    ),
    "stream_snapshot_stable_aliases": (
        "stable_aliases",
        "bool",
        False,
        "name runs by their place in the run tree, not by the order siblings started",
    ),
    "stream_snapshot_name_once": (
        "name_once",
        "bool",
        False,
        "show a run's name on its start event only in stream snapshots",
    ),
    "stream_snapshot_usage": (
        "usage",
        "string",
        "all",
        "'all' (default) or 'none': whether usage_metadata is shown in stream snapshots",
    ),
    "stream_snapshot_metadata_lines": (
        "metadata_lines",
        "bool",
        False,
        "put each metadata key on its own indented line in stream snapshots",
    ),
}
MARKER_KEYWORDS = frozenset(field for field, *_ in INI_KEYS.values())
MARKER_LINE = (
    f"{MARKER}(drop_metadata=[], stable_aliases=False, name_once=False, usage='all', "
    "metadata_lines=False): "
    "the noise controls of this test's stream snapshots (over the stream_snapshot_* ini keys)"
)


def add_ini_keys(parser: pytest.Parser) -> None:
    """Register the `stream_snapshot_*` ini keys."""
    for name, (_, kind, default, help) in INI_KEYS.items():
        parser.addini(name, help=help, type=kind, default=default)  # type: ignore[arg-type]


def snapshot_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The options a test's stream snapshots use: the ini keys, then its marker's keywords."""
    options = {field: request.config.getini(name) for name, (field, *_) in INI_KEYS.items()}
    marker = request.node.get_closest_marker(MARKER)
    if marker is not None:
        unknown = sorted(set(marker.kwargs) - MARKER_KEYWORDS)
        if marker.args or unknown:
            raise pytest.UsageError(
                f"{request.node.nodeid}: @pytest.mark.{MARKER} takes only the keywords "
                f"{', '.join(sorted(MARKER_KEYWORDS))} "
                f"(got {', '.join([*map(repr, marker.args), *unknown])}); "
                f'e.g. @pytest.mark.{MARKER}(drop_metadata=["ls_*"])'
            )
        options.update(marker.kwargs)
    return options


def picture_path(request: pytest.FixtureRequest) -> Path:
    """Where the picture of a failed stream snapshot goes: pytest's cache directory
    (`.pytest_cache/d/streamfakes-pictures/`), else the session's temporary directory."""
    cache = getattr(request.config, "cache", None)
    if cache is not None:
        folder = Path(cache.mkdir("streamfakes-pictures"))
    else:
        factory: pytest.TempPathFactory = request.getfixturevalue("tmp_path_factory")
        folder = factory.getbasetemp() / "streamfakes-pictures"
    return folder / (re.sub(r"[^\w.-]+", "_", request.node.nodeid).strip("_") + ".html")
