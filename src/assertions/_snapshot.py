"""syrupy extensions that store streams as readable text under the top-level snapshots/."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from syrupy.data import SnapshotCollection
from syrupy.extensions.amber import AmberSnapshotExtension
from syrupy.extensions.amber.serializer import AmberDataSerializer

from ._timeline._normalize import (
    normalize_chunks,
    normalize_events,
    normalize_log,
    normalize_protocol_events,
)
from ._timeline._render import (
    render_chunks,
    render_events,
    render_json,
    render_log,
    render_protocol_events,
)
from ._timeline._streams import ChunkStream, EventStream, LogStream

if TYPE_CHECKING:
    from syrupy.location import PyTestLocation
    from syrupy.types import SerializableData

_RENDER = {
    "events": render_events,
    "protocol": render_protocol_events,
    "log": render_log,
    "chunks": render_chunks,
}


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


class _Serializer(AmberDataSerializer):
    """syrupy's amber files, where a file that is not UTF-8 (edited by hand) is reported
    against that file, instead of ending the whole session without a summary."""

    @classmethod
    def read_file(cls, filepath: str) -> SnapshotCollection:
        try:
            return super().read_file(filepath)
        except UnicodeDecodeError as error:
            bad = error.object[error.start]
            raise BrokenSnapshotFile(
                f"{filepath}: not UTF-8 (byte {bad:#04x} at offset {error.start}); fix the "
                "file, or delete it and run pytest --snapshot-update"
            ) from None


class BrokenSnapshotFile(AssertionError):
    """A snapshot file that cannot be read (raised where the snapshot is compared)."""


class StreamSnapshotExtension(AmberSnapshotExtension):
    """Streams as text, one line per chunk or event, one file per test module.

    Files mirror the test paths under the rootdir's `snapshots/` (ini option
    `stream_snapshot_dir`): the snapshots of `tests/test_chain.py` live in
    `snapshots/tests/test_chain.ambr`, one section per test.
    """

    keep_ls_metadata: ClassVar[bool] = True
    """Keep `ls_*` run metadata (model name, provider, ...) in snapshots."""
    serializer_class = _Serializer

    def read_snapshot_collection(self, snapshot_location: str) -> SnapshotCollection:
        # syrupy's end-of-session census: a broken file was already reported by the test
        # that compared against it; the census goes on without it.
        try:
            return super().read_snapshot_collection(snapshot_location)
        except BrokenSnapshotFile:
            return SnapshotCollection(location=snapshot_location)

    def render(self, data: Any) -> str:
        kind, items = normalized(data, keep_ls_metadata=self.keep_ls_metadata)
        return _RENDER[kind](items, title=title(data))

    def serialize(self, data: SerializableData, **kwargs: Any) -> str:
        # The rendering's final newline would show as an empty line in the amber file.
        return self.serializer_class.serialize(self.render(data).removesuffix("\n"))

    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        config = test_location.item.config
        root = Path(config.rootpath)
        try:
            snapshot_dir = str(config.getini("stream_snapshot_dir"))
        except ValueError:  # the streamfakes plugin is not loaded
            snapshot_dir = "snapshots"
        test_file = Path(test_location.filepath)
        try:
            relative = test_file.parent.relative_to(root)
        except ValueError:  # a test outside the root
            relative = Path()
        return str(root / snapshot_dir / relative)


class StreamJSONSnapshotExtension(StreamSnapshotExtension):
    """The full structured form: every normalised field, as sorted JSON."""

    def render(self, data: Any) -> str:
        kind, items = normalized(data, keep_ls_metadata=self.keep_ls_metadata)
        return render_json({"stream": title(data), kind: items})

    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        # Its own folder beside the text files: `snapshots/tests/json/test_chain.ambr`.
        return str(Path(super().dirname(test_location=test_location)) / "json")
