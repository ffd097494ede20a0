"""The `streamfakes` marker: its keywords, and reading them off a test once."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

MARKER = "streamfakes"
BOOLEAN_KEYWORDS = ("allow_unused", "allow_unexpected")
KEYWORDS = ("script", *BOOLEAN_KEYWORDS)
HELP = (
    f"{MARKER}(script=None, allow_unused=False, allow_unexpected=False): "
    "script: the script file that fake_chat_model(), fake_llm() and fake_provider() load "
    "when given no responses (relative to the test file); "
    "allow_unused: do not fail the test over scripted responses no call used; "
    "allow_unexpected: do not fail it over requests a fake provider had no answer for"
)


@dataclass(frozen=True)
class MarkerSettings:
    """What a test's `streamfakes` marker asks for (the defaults when it has none)."""

    script: str | None = None
    allow_unused: bool = False
    allow_unexpected: bool = False


_SETTINGS = pytest.StashKey[MarkerSettings]()


class MarkerError(Exception):
    """A `streamfakes` marker with arguments it does not take."""


def marker_settings(item: pytest.Item) -> MarkerSettings:
    """The test's marker settings, read and checked once per test.

    Raises `MarkerError` naming the test and the bad argument.
    """
    if _SETTINGS in item.stash:
        return item.stash[_SETTINGS]
    marker = item.get_closest_marker(MARKER)
    settings = MarkerSettings() if marker is None else _read(item.nodeid, marker)
    item.stash[_SETTINGS] = settings
    return settings


def _read(nodeid: str, marker: pytest.Mark) -> MarkerSettings:
    unknown = sorted(set(marker.kwargs) - set(KEYWORDS))
    if marker.args or unknown:
        raise MarkerError(
            f"{nodeid}: @pytest.mark.{MARKER} takes only the keywords "
            f"{', '.join(sorted(KEYWORDS))} "
            f"(got {', '.join([*map(repr, marker.args), *unknown])}); "
            f'e.g. @pytest.mark.{MARKER}(script="weather.yaml")'
        )
    for name in BOOLEAN_KEYWORDS:
        value = marker.kwargs.get(name, False)
        if not isinstance(value, bool):
            raise MarkerError(
                f"{nodeid}: @pytest.mark.{MARKER}({name}=...) takes True or False, got {value!r}"
            )
    script = marker.kwargs.get("script")
    if script is not None and not isinstance(script, str):
        raise MarkerError(
            f"{nodeid}: @pytest.mark.{MARKER}(script=...) takes a path relative to the test "
            f'file, e.g. script="scripts/weather.yaml"; got {script!r}'
        )
    return MarkerSettings(
        script=script,
        allow_unused=marker.kwargs.get("allow_unused", False),
        allow_unexpected=marker.kwargs.get("allow_unexpected", False),
    )
