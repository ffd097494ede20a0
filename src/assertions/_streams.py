"""What the collectors return: the chunks or events of one run, ready to check and snapshot."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

EventVersion = Literal["v1", "v2", "v3"]


@dataclass(frozen=True)
class ChunkStream(Sequence[Any]):
    """The chunks `stream` / `astream` yielded, in order (a sequence of them)."""

    chunks: list[Any]
    method: Literal["stream", "astream"] = "stream"

    def __getitem__(self, index: Any) -> Any:
        return self.chunks[index]

    def __len__(self) -> int:
        return len(self.chunks)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.chunks)


@dataclass(frozen=True)
class EventStream(Sequence[dict[str, Any]]):
    """The events `astream_events` yielded, in order (a sequence of event dicts)."""

    events: list[dict[str, Any]]
    version: EventVersion = "v2"
    options: dict[str, Any] = field(default_factory=dict)
    """The filters the events were collected with (include_names, ...), for the record."""

    def __getitem__(self, index: Any) -> Any:
        return self.events[index]

    def __len__(self) -> int:
        return len(self.events)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.events)


@dataclass(frozen=True)
class LogStream(Sequence[dict[str, Any]]):
    """The JSON-patch operations `astream_log` yielded, in order (one dict per operation)."""

    ops: list[dict[str, Any]]

    def __getitem__(self, index: Any) -> Any:
        return self.ops[index]

    def __len__(self) -> int:
        return len(self.ops)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.ops)
