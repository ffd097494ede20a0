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
