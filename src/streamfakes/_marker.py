"""The `streamfakes` marker: its keywords, and reading them off a test once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest

MARKER = "streamfakes"
BOOLEAN_KEYWORDS = ("allow_unused", "allow_unexpected")
CASSETTE_KEYWORDS = ("cassette", "cassette_match", "cassette_ignore")
KEYWORDS = ("script", *BOOLEAN_KEYWORDS, *CASSETTE_KEYWORDS)
MATCH_MODES = ("order", "content")
HELP = (
    f"{MARKER}(script=None, allow_unused=False, allow_unexpected=False, cassette=None, "
    'cassette_match="order", cassette_ignore=()): '
    "script: the script file that fake_chat_model(), fake_llm() and fake_provider() load "
    "when given no responses (relative to the test file); "
    "allow_unused: do not fail the test over scripted responses (or recorded requests) no "
    "call used; "
    "allow_unexpected: do not fail it over requests a fake provider had no answer for; "
    "cassette: the name of the cassette the `cassette` fixture plays and records (default: "
    "the test's name), a YAML file in the test file's folder under snapshots/; "
    'cassette_match: "order" (the n-th request must match the n-th recorded one) or '
    '"content" (any recorded request not yet played); '
    'cassette_ignore: request fields left out of the match, e.g. ["parameters.temperature"]'
)


@dataclass(frozen=True)
class MarkerSettings:
    """What a test's `streamfakes` marker asks for (the defaults when it has none)."""

    script: str | None = None
    allow_unused: bool = False
    allow_unexpected: bool = False
    cassette: str | None = None
    cassette_match: str = "order"
    cassette_ignore: tuple[str, ...] = ()


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
        **_cassette_settings(nodeid, marker.kwargs),
    )


def _cassette_settings(nodeid: str, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    name = kwargs.get("cassette")
    if name is not None and not (
        isinstance(name, str) and name.strip() and ".." not in name.replace("\\", "/").split("/")
    ):
        raise MarkerError(
            f"{nodeid}: @pytest.mark.{MARKER}(cassette=...) takes a cassette name (a file "
            f'name under the test file\'s snapshot folder), e.g. cassette="weather"; got {name!r}'
        )
    match = kwargs.get("cassette_match", "order")
    if match not in MATCH_MODES:
        raise MarkerError(
            f"{nodeid}: @pytest.mark.{MARKER}(cassette_match=...) takes "
            f'"order" or "content", got {match!r}'
        )
    ignore = kwargs.get("cassette_ignore", ())
    if isinstance(ignore, str) or not (
        isinstance(ignore, (list, tuple)) and all(isinstance(f, str) and f for f in ignore)
    ):
        raise MarkerError(
            f"{nodeid}: @pytest.mark.{MARKER}(cassette_ignore=...) takes a list of request "
            f'fields, e.g. ["model", "parameters.temperature"]; got {ignore!r}'
        )
    return {"cassette": name, "cassette_match": match, "cassette_ignore": tuple(ignore)}
