"""What the collectors return: the chunks or events of one run, ready to check and snapshot."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

EventVersion = Literal["v1", "v2", "v3"]
Item = TypeVar("Item")


class _Items(Sequence[Item], Generic[Item]):
    """A read-only sequence over the collected `items`."""

    items: list[Item]

    def __getitem__(self, index: Any) -> Any:
        return self.items[index]

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items)


@dataclass(frozen=True)
class ChunkStream(_Items[Any]):
    """The chunks `stream` / `astream` yielded, in order (a sequence of them)."""

    items: list[Any]
    method: Literal["stream", "astream"] = "stream"
    error: BaseException | None = None
    """The exception that ended the stream, if it was collected with `capture_errors=True`."""

    @property
    def chunks(self) -> list[Any]:
        return self.items


@dataclass(frozen=True)
class EventStream(_Items[dict[str, Any]]):
    """The events `astream_events` yielded, in order (a sequence of event dicts)."""

    items: list[dict[str, Any]]
    version: EventVersion = "v2"
    options: dict[str, Any] = field(default_factory=dict)
    """The filters the events were collected with (include_names, ...), for the record."""
    error: BaseException | None = None
    """The exception that ended the stream (`capture_errors=True`, or an `event: error`
    frame read by `parse_sse`)."""

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.items


@dataclass(frozen=True)
class LogStream(_Items[dict[str, Any]]):
    """The JSON-patch operations `astream_log` yielded, in order (one dict per operation)."""

    items: list[dict[str, Any]]

    @property
    def ops(self) -> list[dict[str, Any]]:
        return self.items


@dataclass(frozen=True)
class GraphPart:
    """One item a LangGraph graph streamed: where it came from, its stream mode, its data."""

    namespace: tuple[str, ...]
    """The subgraph path (`("sub:<task id>",)`), empty for the graph itself."""
    mode: str
    """The stream mode: `messages`, `updates`, `values`, `custom`, `tasks`, ..."""
    data: Any
    """What the mode streams (for `messages`, a `(message chunk, metadata)` pair)."""


@dataclass(frozen=True)
class GraphStream(_Items[GraphPart]):
    """The parts a graph's `stream` / `astream` yielded, in order."""

    items: list[GraphPart]
    modes: tuple[str, ...] = ("updates",)
    subgraphs: bool = False
    method: Literal["stream", "astream"] = "stream"
    error: BaseException | None = None
    """The exception that ended the stream, if it was collected with `capture_errors=True`."""

    @property
    def parts(self) -> list[GraphPart]:
        return self.items

    @property
    def interrupts(self) -> list[Any]:
        """The interrupts the run stopped on (from `updates` parts' `__interrupt__`)."""
        return [
            found
            for part in self.items
            if part.mode == "updates" and isinstance(part.data, dict)
            for found in part.data.get("__interrupt__", ())
        ]
