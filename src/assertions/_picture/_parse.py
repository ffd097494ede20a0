"""Read a rendered timeline (what a stream snapshot stores) back into lanes and marks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["start", "end", "tick", "error"]

_EVENT = re.compile(r"^(?P<indent> *)(?P<where>\S+) (?P<event>on_[a-z_]+)(?P<rest>.*)$")
_GRAPH = re.compile(
    r"^(?P<indent> *)(?:\[(?P<ns>[^\]]+)\] )?"
    r"(?P<mode>messages|updates|values|custom|tasks|checkpoints|debug)"
    r"(?: (?P<node>[^\s:@{]+)(?:@(?P<step>\d+))?)?(?P<rest>.*)$"
)
_CHUNK = re.compile(r"^(?P<index>\d+) (?P<rest>.*)$")
_QUOTED = r"'((?:[^'\\]|\\.)*)'"
_USAGE = re.compile(r"usage_metadata=\{'input_tokens': (\d+), 'output_tokens': (\d+)")
_ARGS = re.compile(r"args=" + _QUOTED)
_TEXT = re.compile(r"(?:chunk=|Chunk\(|data=|^)" + _QUOTED)
_PAYLOAD = re.compile(r": (?=\w+=)")


@dataclass
class Mark:
    """One line of the timeline, placed on its lane."""

    index: int
    lane: str
    kind: Kind
    label: str
    line: str


@dataclass
class Lane:
    """One run (or graph node, or the chunk stream): where it sits and what it shows."""

    key: str
    label: str
    depth: int
    parent: str | None
    marks: list[Mark] = field(default_factory=list)


@dataclass
class Timeline:
    """The lanes of a rendered timeline, in the order they first appear."""

    title: str
    lines: list[str]
    lanes: dict[str, Lane] = field(default_factory=dict)

    @property
    def marks(self) -> list[Mark]:
        return sorted((m for lane in self.lanes.values() for m in lane.marks), key=_index)


def _index(mark: Mark) -> int:
    return mark.index


def label_of(payload: str) -> str:
    """What a tick says: its text, a tool-call fragment, or the usage it carries."""
    parts = []
    text = _TEXT.search(payload)
    if text and text.group(1):
        parts.append(text.group(1))
    args = _ARGS.search(payload)
    if args:
        parts.append(f"⚙ {args.group(1)}")
    usage = _USAGE.search(payload)
    if usage:
        parts.append(f"usage {usage.group(1)}→{usage.group(2)}")
    if not parts:
        return payload.strip(" :")[:24]
    return " ".join(parts)


def parse_timeline(text: str) -> Timeline:
    """The lanes and marks of a rendered events, graph or chunk timeline."""
    lines = [line for line in text.splitlines() if line.strip()]
    title = lines[0].lstrip("# ") if lines and lines[0].startswith("#") else "timeline"
    body = [line for line in lines if not line.startswith("#")]
    timeline = Timeline(title, body)
    open_by_depth: dict[int, str] = {}
    latest_run_of: dict[str, str] = {}  # a graph node's latest `node@step` lane
    index = 0
    for line in body:
        if line.lstrip().startswith("| "):  # a metadata line belongs to the line above
            continue
        key, label, depth, kind, payload = _read(line)
        if "@" in key:
            latest_run_of[key.rsplit("@", 1)[0]] = key
        else:  # an `updates` part belongs to its node's latest run
            key = latest_run_of.get(key, key)
        parent = open_by_depth.get(depth - 1) if depth else None
        lane = timeline.lanes.get(key)
        if lane is None:
            lane = timeline.lanes[key] = Lane(key, label, depth, parent)
        open_by_depth[depth] = key
        lane.marks.append(Mark(index, key, kind, label_of(payload), line))
        index += 1
    return timeline


def _read(line: str) -> tuple[str, str, int, Kind, str]:
    """A line's lane key, lane label, depth, kind of mark and payload."""
    if line.startswith("! error "):
        return "error", "error", 0, "error", line[len("! error ") :]
    event = _EVENT.match(line)
    if event:
        where, name = event.group("where"), event.group("event")
        depth = len(event.group("indent")) // 2
        kind: Kind = (
            "start" if name.endswith("_start") else "end" if name.endswith("_end") else "tick"
        )
        run = where.split("<")[0] if where.count("<") == 1 else where
        rest = event.group("rest")
        found = _PAYLOAD.search(rest)
        head, payload = (rest[: found.start()], rest[found.end() :]) if found else (rest, "")
        named = head.split()[0] if head.split() and kind == "start" else ""
        return where, f"{run} {named}".strip(), depth, kind, payload
    graph = _GRAPH.match(line)
    if graph:
        ns, node = graph.group("ns") or "", graph.group("node") or graph.group("mode")
        depth = len(graph.group("indent")) // 2
        key = f"{ns}/{node}" if ns else node
        if graph.group("step"):  # a `messages` part: its lane is the node's run in that step
            key += f"@{graph.group('step')}"
        rest = graph.group("rest")
        if rest.startswith(" {") and "}: " in rest:  # run metadata before the chunk
            return key, key, depth, "tick", rest.split("}: ", 1)[1]
        return key, key, depth, "tick", rest.split(": ", 1)[-1]
    chunk = _CHUNK.match(line)
    if chunk:
        return "chunks", "chunks", 0, "tick", chunk.group("rest")
    return "other", "other", 0, "tick", line
