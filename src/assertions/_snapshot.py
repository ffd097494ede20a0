"""syrupy extensions that store streams as readable text under the top-level snapshots/."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from syrupy.data import SnapshotCollection
from syrupy.extensions.amber import AmberSnapshotExtension
from syrupy.extensions.amber.serializer import AmberDataSerializer

from ._timeline._graph import graph_title, normalize_graph_stream, render_graph_stream
from ._timeline._normalize import (
    normalize_chunks,
    normalize_events,
    normalize_log,
    normalize_protocol_events,
)
from ._timeline._options import DEFAULT_OPTIONS, SnapshotOptions
from ._timeline._render import (
    render_chunks,
    render_events,
    render_json,
    render_log,
    render_protocol_events,
)
from ._timeline._streams import ChunkStream, EventStream, GraphStream, LogStream

if TYPE_CHECKING:
    from collections.abc import Iterator

    from syrupy.location import PyTestLocation
    from syrupy.types import SerializableData, SerializedData

_RENDER: dict[str, Any] = {
    "events": render_events,
    "protocol": render_protocol_events,
    "log": render_log,
    "chunks": render_chunks,
    "graph": render_graph_stream,
}


def _is_event_list(data: Any) -> bool:
    return isinstance(data, list) and all(
        isinstance(item, Mapping) and "event" in item and "run_id" in item for item in data
    )


def normalized(
    data: Any, *, keep_ls_metadata: bool = True, options: SnapshotOptions = DEFAULT_OPTIONS
) -> tuple[str, Any]:
    """The kind of stream (`events`, `protocol`, `log`, `chunks` or `graph`) and its
    normalised data."""
    if isinstance(data, GraphStream):
        return "graph", normalize_graph_stream(data, options=options)
    if isinstance(data, EventStream) and data.version == "v3":
        return "protocol", normalize_protocol_events(data)
    if isinstance(data, LogStream):
        return "log", normalize_log(data)
    if isinstance(data, EventStream) or _is_event_list(data):
        return "events", normalize_events(data, keep_ls_metadata=keep_ls_metadata, options=options)
    if isinstance(data, (ChunkStream, list, tuple)):
        return "chunks", normalize_chunks(data, options=options)
    raise TypeError(
        f"a stream snapshot takes what the collectors return (or a list of "
        f"chunks or events), not {type(data).__name__}; collect the stream first"
    )


def title(data: Any) -> str:
    if isinstance(data, GraphStream):
        return graph_title(data)
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
    options: ClassVar[SnapshotOptions] = DEFAULT_OPTIONS
    """The noise controls (`SnapshotOptions`); set them with `with_options`."""

    picture_path: ClassVar[str | None] = None
    """Where a failed comparison draws expected beside actual (HTML), if anywhere."""

    @classmethod
    def drawing_failures_to(cls, path: str | Path) -> type[StreamSnapshotExtension]:
        """This extension, writing a picture of a failed comparison to `path`."""
        return type(cls.__name__, (cls,), {"picture_path": str(path)})

    def diff_lines(
        self, serialized_data: SerializedData, snapshot_data: SerializedData
    ) -> Iterator[str]:
        # The picture's path first: pytest cuts long diffs short.
        if self.picture_path and isinstance(serialized_data, str):
            from ._picture._amber import unquoted
            from ._picture._draw import draw_difference

            path = Path(self.picture_path)
            path.parent.mkdir(parents=True, exist_ok=True)
            page = draw_difference(unquoted(str(snapshot_data)), unquoted(serialized_data))
            path.write_text(page, encoding="utf-8")
            yield f"A picture of the run, expected beside actual: {path}"
        yield from super().diff_lines(serialized_data, snapshot_data)

    @classmethod
    def with_options(cls, **changes: Any) -> type[StreamSnapshotExtension]:
        """This extension with some `SnapshotOptions` changed, for `snapshot.use_extension`:
        `stream_snapshot.use_extension(StreamSnapshotExtension.with_options(usage="none"))`.
        """
        return type(cls.__name__, (cls,), {"options": cls.options.merged(changes)})

    serializer_class = _Serializer

    def read_snapshot_collection(self, snapshot_location: str) -> SnapshotCollection:
        # syrupy's end-of-session census: a broken file was already reported by the test
        # that compared against it; the census goes on without it.
        try:
            return super().read_snapshot_collection(snapshot_location)
        except BrokenSnapshotFile:
            return SnapshotCollection(location=snapshot_location)

    def render(self, data: Any) -> str:
        kind, items = normalized(data, keep_ls_metadata=self.keep_ls_metadata, options=self.options)
        if kind in ("events", "graph"):
            return str(_RENDER[kind](items, title=title(data), options=self.options))
        return str(_RENDER[kind](items, title=title(data)))

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
        kind, items = normalized(data, keep_ls_metadata=self.keep_ls_metadata, options=self.options)
        return render_json({"stream": title(data), kind: items})

    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        # Its own folder beside the text files: `snapshots/tests/json/test_chain.ambr`.
        return str(Path(super().dirname(test_location=test_location)) / "json")
