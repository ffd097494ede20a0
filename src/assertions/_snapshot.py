"""syrupy extensions that store streams as readable files under the top-level snapshots/."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from ._normalize import normalize_chunks, normalize_events, normalize_log, normalize_protocol_events
from ._render import render_chunks, render_events, render_json, render_log, render_protocol_events
from ._streams import ChunkStream, EventStream, LogStream

if TYPE_CHECKING:
    from syrupy.location import PyTestLocation
    from syrupy.types import PropertyFilter, PropertyMatcher, SerializableData, SerializedData


def _is_event_list(data: Any) -> bool:
    return isinstance(data, list) and all(
        isinstance(item, Mapping) and "event" in item and "run_id" in item for item in data
    )


def normalized(data: Any, *, keep_ls_metadata: bool = True) -> tuple[str, Any]:
    """The kind of stream (`events`, `protocol`, `log` or `chunks`) and its normalised data."""
    if isinstance(data, EventStream) and data.version == "v3":
        return "protocol", normalize_protocol_events(data)
    if isinstance(data, LogStream):
        return "log", normalize_log(data)
    if isinstance(data, EventStream) or _is_event_list(data):
        return "events", normalize_events(data, keep_ls_metadata=keep_ls_metadata)
    if isinstance(data, (ChunkStream, list, tuple)):
        return "chunks", normalize_chunks(data)
    raise TypeError(
        f"a stream snapshot takes what collect_chunks/collect_events return (or a list of "
        f"chunks or events), not {type(data).__name__}; collect the stream first"
    )


def title(data: Any) -> str:
    if isinstance(data, EventStream) and data.version == "v3":
        return "stream_events v3"
    if isinstance(data, LogStream):
        return "astream_log"
    if isinstance(data, EventStream):
        filters = "".join(f" {key}={value}" for key, value in data.options.items())
        return f"astream_events {data.version}{filters}"
    if isinstance(data, ChunkStream):
        return data.method
    return "events" if _is_event_list(data) else "chunks"


class StreamSnapshotExtension(SingleFileSnapshotExtension):
    """One text file per snapshot, one line per chunk or event, under `snapshots/`.

    Files mirror the test paths: `tests/test_chain.py::test_events` is stored as
    `snapshots/tests/test_chain/test_events.txt`.
    """

    _write_mode = WriteMode.TEXT
    file_extension = "txt"
    _file_extension = "txt"  # the same, under the name syrupy 4 reads
    keep_ls_metadata: ClassVar[bool] = True
    """Keep `ls_*` run metadata (model name, provider, ...) in snapshots."""
    rootdir: ClassVar[Path] = Path.cwd()
    """The project root (the plugin's fixtures use pytest's rootdir, see `bound_to`)."""
    snapshot_dir: ClassVar[str] = "snapshots"
    """Where snapshots live, relative to the root (ini option `stream_snapshot_dir`)."""

    @classmethod
    def bound_to(cls, rootdir: Path, snapshot_dir: str) -> type[StreamSnapshotExtension]:
        """This extension for one project root, as a subclass (nothing global changes)."""
        return _bound(cls, rootdir, snapshot_dir)

    def serialize(
        self,
        data: SerializableData,
        *,
        exclude: PropertyFilter | None = None,
        include: PropertyFilter | None = None,
        matcher: PropertyMatcher | None = None,
    ) -> SerializedData:
        kind, items = normalized(data, keep_ls_metadata=self.keep_ls_metadata)
        render = {
            "events": render_events,
            "protocol": render_protocol_events,
            "log": render_log,
            "chunks": render_chunks,
        }[kind]
        return render(items, title=title(data))

    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        test_file = Path(test_location.filepath)
        try:
            relative = test_file.relative_to(cls.rootdir)
        except ValueError:  # a test outside the root: keep its name only
            relative = Path(test_file.name)
        return str(cls.rootdir / cls.snapshot_dir / relative.with_suffix(""))


class StreamJSONSnapshotExtension(StreamSnapshotExtension):
    """The full structured form: every normalised field, as sorted JSON."""

    file_extension = "json"
    _file_extension = "json"

    def serialize(
        self,
        data: SerializableData,
        *,
        exclude: PropertyFilter | None = None,
        include: PropertyFilter | None = None,
        matcher: PropertyMatcher | None = None,
    ) -> SerializedData:
        kind, items = normalized(data, keep_ls_metadata=self.keep_ls_metadata)
        return render_json({"stream": title(data), kind: items})


@functools.cache
def _bound(
    base: type[StreamSnapshotExtension], rootdir: Path, snapshot_dir: str
) -> type[StreamSnapshotExtension]:
    # Cached: syrupy groups snapshots by extension class, so one class per project.
    return type(base.__name__, (base,), {"rootdir": rootdir, "snapshot_dir": snapshot_dir})
