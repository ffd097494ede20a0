"""The noise controls of a stream snapshot: what is left out, and how lines are laid out."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .._errors import AssertionsError

Usage = Literal["all", "none"]


@dataclass(frozen=True)
class SnapshotOptions:
    """How much of a stream a snapshot shows, and how it lays it out.

    >>> SnapshotOptions(drop_metadata=("ls_*",)).drops("ls_model_name")
    True
    """

    drop_metadata: tuple[str, ...] = ()
    """Run metadata keys left out: a name, or a prefix ending in `*` (`"langgraph_*"`)."""
    stable_aliases: bool = False
    """Name runs by their place in the run tree (`RunnableSequence/retriever`), not by the
    order they started in, so reordering siblings does not rename them (runs of one name
    under one parent are still numbered in order)."""
    name_once: bool = False
    """Show a run's name on its start event only (its alias stands for it after), so that
    renaming a step changes its start line, not one line per chunk."""
    usage: Usage = "all"
    """`"none"` leaves `usage_metadata` out (counted usage changes with every prompt edit);
    a fake's `report_usage="scripted"` keeps only the usage its script states."""
    metadata_lines: bool = False
    """Put each metadata key on its own indented line under the line it belongs to, so a
    diff points at the key that changed rather than at a long line."""

    def __post_init__(self) -> None:
        if isinstance(self.drop_metadata, str):
            raise AssertionsError(
                f"drop_metadata takes a list of keys or prefixes, not the string "
                f"{self.drop_metadata!r}; write drop_metadata=[{self.drop_metadata!r}]"
            )
        object.__setattr__(self, "drop_metadata", tuple(self.drop_metadata))
        if self.usage not in ("all", "none"):
            raise AssertionsError(
                f"usage must be 'all' or 'none', not {self.usage!r}; 'none' leaves "
                "usage_metadata out of the snapshot"
            )

    def drops(self, key: str) -> bool:
        """Whether the metadata key `key` is left out."""
        return any(
            key.startswith(rule[:-1]) if rule.endswith("*") else key == rule
            for rule in self.drop_metadata
        )

    def merged(self, changes: Mapping[str, Any]) -> SnapshotOptions:
        """These options with `changes` applied (unknown names are refused with the known)."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise AssertionsError(
                f"unknown snapshot option(s) {', '.join(unknown)}; the options are "
                f"{', '.join(sorted(known))}"
            )
        values = dict(changes)
        if "drop_metadata" in values and not isinstance(values["drop_metadata"], str):
            values["drop_metadata"] = tuple(_flat(values["drop_metadata"]))
        return dataclasses.replace(self, **values)


def _flat(keys: Iterable[str]) -> Iterable[str]:
    # An ini line may hold several keys, separated by spaces or commas.
    for key in keys:
        yield from str(key).replace(",", " ").split()


DEFAULT_OPTIONS = SnapshotOptions()
