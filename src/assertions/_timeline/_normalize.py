"""Make streams comparable: stable run aliases, plain data, volatile metadata removed."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from ._options import DEFAULT_OPTIONS, SnapshotOptions
from ._streams import ChunkStream, EventStream

# A uuid, and the prefix that marks it as a run's (message ids LangChain derives from runs).
_UUID = re.compile(
    r"(?P<prefix>lc_run--|run-)?"
    r"(?P<uuid>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})",
    re.I,
)
# Keys whose values are wall-clock times (astream_log run state).
_TIME_KEYS = frozenset({"start_time", "end_time"})
PINNED_TIME = "<time>"
# Metadata that says which LangChain wrote it, not what the run did: it changes with the
# installed version (`lc_versions` with every release; `ls_integration` arrived in 1.x).
VERSION_METADATA = frozenset({"lc_versions", "ls_integration"})


class Normalizer:
    """Rewrites one stream's values; aliases are numbered in first-seen order.

    Run ids become `run0`, `run1`, ... (message ids derived from them follow:
    `lc_run--<run id>` becomes `lc_run--run2`), other uuids `uuid0`, `uuid1`, ...
    """

    def __init__(
        self, *, keep_ls_metadata: bool = True, options: SnapshotOptions = DEFAULT_OPTIONS
    ) -> None:
        self.keep_ls_metadata = keep_ls_metadata
        self.options = options
        self.runs: dict[str, str] = {}
        self.others: dict[str, str] = {}

    def learn_runs(self, run_ids: Iterable[str]) -> None:
        """Number run ids first, so any later mention of one gets the run's alias."""
        for run_id in run_ids:
            self.runs.setdefault(str(run_id).lower(), f"run{len(self.runs)}")

    def run(self, run_id: Any) -> str:
        self.learn_runs([str(run_id)])
        return self.runs[str(run_id).lower()]

    def text(self, value: str) -> str:
        return _UUID.sub(self._alias_uuid, value) if "-" in value else value

    def _alias_uuid(self, match: re.Match[str]) -> str:
        prefix, found = match.group("prefix") or "", match.group("uuid").lower()
        if prefix:
            self.learn_runs([found])
        if found in self.runs:
            return prefix + self.runs[found]
        return self.others.setdefault(found, f"uuid{len(self.others)}")

    def metadata(self, metadata: Mapping[str, Any]) -> dict[str, Any]:
        kept = {
            key: value
            for key, value in metadata.items()
            if key not in VERSION_METADATA
            and (self.keep_ls_metadata or not key.startswith("ls_"))
            and not self.options.drops(key)
        }
        return self.data(kept)  # type: ignore[no-any-return]

    def data(self, value: Any) -> Any:
        """Plain, sorted, JSON-like data with every volatile value replaced."""
        if isinstance(value, str):
            return self.text(value)
        if value is None or isinstance(value, (bool, int, float)):
            return value
        if (
            isinstance(value, Mapping)
            and value.get("lc") == 1
            and value.get("type") == "constructor"
        ):
            # An object in LangChain's serialised form (as events over HTTP carry them):
            # rendered like the live object.
            return self._serialized(value)
        if isinstance(value, Mapping):
            # Keys are aliased in their own order first (a uuid key gets the same alias
            # every run), then sorted.
            items = [(self.text(str(key)), item) for key, item in value.items()]
            return {key: self.data(item) for key, item in sorted(items, key=lambda kv: kv[0])}
        if isinstance(value, (list, tuple)):
            return [self.data(item) for item in value]
        if isinstance(value, BaseModel):
            # Field by field (not model_dump), so nested messages keep their types.
            return self._object(
                value, {name: getattr(value, name) for name in type(value).model_fields}
            )
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
            return self._object(value, fields)
        if isinstance(value, BaseException):
            return {"__type__": type(value).__name__, "message": self.text(str(value))}
        return self.text(repr(value))

    def _serialized(self, value: Mapping[str, Any]) -> dict[str, Any]:
        return self._typed(str(value["id"][-1]), dict(value.get("kwargs") or {}))

    def _object(self, value: Any, fields: dict[str, Any]) -> dict[str, Any]:
        return self._typed(type(value).__name__, fields)

    def _typed(self, name: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """An object as `{"__type__": name, **fields}`, leaving out empty and None fields."""
        shown = {
            key: item
            for key, item in fields.items()
            if key == "content" or item not in (None, "", [], {})
        }
        shown.pop("type", None)  # the __type__ says it
        if self.options.usage == "none":
            shown.pop("usage_metadata", None)
        return {"__type__": name, **self.data(shown)}


def error_entry(error: BaseException | None, normalizer: Normalizer) -> list[dict[str, Any]]:
    """The last entry of a timeline that ended in an exception (none if it did not)."""
    if error is None:
        return []
    return [{"__error__": type(error).__name__, "message": normalizer.text(str(error))}]


def normalize_events(
    events: EventStream | Iterable[Mapping[str, Any]],
    *,
    keep_ls_metadata: bool = True,
    options: SnapshotOptions = DEFAULT_OPTIONS,
) -> list[dict[str, Any]]:
    """Events as plain data: run ids and their parents aliased, volatile metadata removed.

    >>> from fakes import FakeChatModel
    >>> from assertions import collect_events
    >>> events = normalize_events(collect_events(FakeChatModel(responses=["Hi"]), "hi"))
    >>> [(e["event"], e["run"]) for e in events]  # doctest: +NORMALIZE_WHITESPACE
    [('on_chat_model_start', 'run0'), ('on_chat_model_stream', 'run0'),
     ('on_chat_model_end', 'run0')]
    """
    error = events.error if isinstance(events, EventStream) else None
    events = list(events)
    normalizer = Normalizer(keep_ls_metadata=keep_ls_metadata, options=options)
    if options.stable_aliases:
        normalizer.runs.update(tree_aliases(events))
    for event in events:
        normalizer.learn_runs([*event.get("parent_ids", []), event["run_id"]])
    return [
        {
            "event": event["event"],
            "name": normalizer.text(
                stable_name(str(event.get("name", "")))
                if options.stable_aliases
                else str(event.get("name", ""))
            ),
            "run": normalizer.run(event["run_id"]),
            "parent_ids": [normalizer.run(parent) for parent in event.get("parent_ids", [])],
            "tags": [normalizer.text(str(tag)) for tag in event.get("tags") or []],
            "metadata": normalizer.metadata(event.get("metadata") or {}),
            "data": normalizer.data(event.get("data") or {}),
        }
        for event in events
    ] + error_entry(error, normalizer)


_PARALLEL = re.compile(r"^RunnableParallel<(?P<keys>[^>]*)>$")


def stable_name(name: str) -> str:
    """A run name that does not depend on sibling order (a parallel map's keys sorted)."""
    match = _PARALLEL.match(name)
    if match is None:
        return name
    return f"RunnableParallel<{','.join(sorted(match.group('keys').split(',')))}>"


def tree_aliases(events: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Run aliases from the run tree, not from start order: a run's label (its parallel
    map key, else its name) where that is unique, else its parent's alias and its label,
    numbered (in start order) only among siblings of the same label."""
    labels: dict[str, str] = {}
    parents: dict[str, str | None] = {}
    for event in events:
        run = str(event["run_id"]).lower()
        if run not in labels:
            keys = [t[8:] for t in event.get("tags") or [] if str(t).startswith("map:key:")]
            labels[run] = keys[0] if keys else stable_name(str(event.get("name", ""))) or "run"
            ids = event.get("parent_ids") or []
            parents[run] = str(ids[-1]).lower() if ids else None
    counts: dict[str, int] = {}
    for label in labels.values():
        counts[label] = counts.get(label, 0) + 1
    aliases: dict[str, str] = {}

    def alias(run: str) -> str:
        if run not in aliases:
            label, parent = labels[run], parents.get(run)
            if counts[label] == 1:
                aliases[run] = label
            else:
                base = f"{alias(parent)}/{label}" if parent in labels else label
                same = [r for r in labels if parents.get(r) == parent and labels[r] == label]
                aliases[run] = base if len(same) == 1 else f"{base}#{same.index(run)}"
        return aliases[run]

    for run in labels:
        alias(run)
    return aliases


def normalize_protocol_events(events: Iterable[Mapping[str, Any]]) -> list[Any]:
    """v3 content-block events as plain data (they carry no run ids, only message ids)."""
    normalizer = Normalizer()
    return [normalizer.data(event) for event in events]


def normalize_log(ops: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """`astream_log` operations as plain data: run ids aliased, wall-clock times pinned."""
    ops = list(ops)
    normalizer = Normalizer()
    # Run states and log entries carry their run id as "id": alias them as runs.
    normalizer.learn_runs(
        str(op["value"]["id"])
        for op in ops
        if isinstance(op.get("value"), Mapping) and "id" in op["value"]
    )
    normalized = []
    for op in ops:
        path = str(op.get("path", ""))
        value = op.get("value")
        leaf = path.rsplit("/", 1)[-1]
        if leaf in _TIME_KEYS and value is not None:
            value = PINNED_TIME
        elif leaf == "metadata" and isinstance(value, Mapping):
            value = normalizer.metadata(value)
        elif isinstance(value, Mapping) and "id" in value:  # a run state or log entry
            value = _pin_run_times(value, normalizer)
        normalized.append(
            {"op": op.get("op"), "path": normalizer.text(path), "value": normalizer.data(value)}
        )
    return normalized


def _pin_run_times(entry: Mapping[str, Any], normalizer: Normalizer) -> dict[str, Any]:
    """A run state or log entry: its wall-clock times pinned, its metadata normalised."""
    pinned = {
        key: PINNED_TIME if key in _TIME_KEYS and value is not None else value
        for key, value in entry.items()
    }
    if isinstance(entry.get("metadata"), Mapping):
        pinned["metadata"] = normalizer.metadata(entry["metadata"])
    if isinstance(entry.get("logs"), Mapping):
        pinned["logs"] = {
            name: _pin_run_times(log, normalizer) if isinstance(log, Mapping) else log
            for name, log in entry["logs"].items()
        }
    return pinned


def normalize_chunks(
    chunks: ChunkStream | Iterable[Any], *, options: SnapshotOptions = DEFAULT_OPTIONS
) -> list[Any]:
    """Chunks as plain data, with run-derived ids and other uuids aliased."""
    normalizer = Normalizer(options=options)
    error = chunks.error if isinstance(chunks, ChunkStream) else None
    return [normalizer.data(chunk) for chunk in chunks] + error_entry(error, normalizer)
