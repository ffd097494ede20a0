"""LangGraph streams: collect a graph's `stream` / `astream` parts, normalise and render them.

Any list of stream modes, with or without subgraphs. Nothing here imports LangGraph: a
graph is anything with LangGraph's `stream` / `astream` signature.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ._collect import Captured
from ._normalize import PINNED_TIME, Normalizer, error_entry
from ._options import DEFAULT_OPTIONS, SnapshotOptions
from ._render import _count, compact, metadata_text, split_error
from ._streams import GraphPart, GraphStream

# Where a `messages` part was made: shown in the line's head (node, step) or left out as
# routing detail that repeats on every chunk (triggers, path, checkpoint namespaces).
_ROUTING_METADATA = frozenset(
    {
        "langgraph_node",
        "langgraph_step",
        "langgraph_triggers",
        "langgraph_path",
        "langgraph_checkpoint_ns",
        "checkpoint_ns",
    }
)
_TIME_KEYS = frozenset({"timestamp", "ts", "created_at", "updated_at"})
# Interrupt ids: a hash of the task's checkpoint namespace, which holds a task id.
_HASH = re.compile(r"\b[0-9a-f]{32}\b")


def _modes(stream_mode: str | Sequence[str]) -> list[str]:
    return [stream_mode] if isinstance(stream_mode, str) else list(stream_mode)


def _part(raw: Any, subgraphs: bool) -> GraphPart:
    # With a list of modes LangGraph yields (mode, data), with subgraphs (namespace, mode, data).
    if subgraphs:
        namespace, mode, data = raw
        return GraphPart(tuple(namespace), str(mode), data)
    mode, data = raw
    return GraphPart((), str(mode), data)


def collect_graph_stream(
    graph: Any,
    input: Any,
    config: Any = None,
    *,
    stream_mode: str | Sequence[str] = "updates",
    subgraphs: bool = False,
    capture_errors: bool = False,
    **kwargs: Any,
) -> GraphStream:
    """Every part `graph.stream(input, stream_mode=..., subgraphs=...)` yields.

    An interrupt ends the stream like LangGraph ends it (an `updates` part with
    `__interrupt__`); resume with `collect_graph_stream(graph, Command(resume=...), config)`.
    With `capture_errors=True` an exception mid-stream is kept as the stream's `error`.
    """
    modes = _modes(stream_mode)
    parts: list[GraphPart] = []
    with Captured(capture_errors) as caught:
        for raw in graph.stream(input, config, stream_mode=modes, subgraphs=subgraphs, **kwargs):
            parts.append(_part(raw, subgraphs))
    return GraphStream(parts, tuple(modes), subgraphs, "stream", caught.error)


async def acollect_graph_stream(
    graph: Any,
    input: Any,
    config: Any = None,
    *,
    stream_mode: str | Sequence[str] = "updates",
    subgraphs: bool = False,
    capture_errors: bool = False,
    **kwargs: Any,
) -> GraphStream:
    """Every part `graph.astream(...)` yields (the arguments of `collect_graph_stream`)."""
    modes = _modes(stream_mode)
    parts: list[GraphPart] = []
    stream = graph.astream(input, config, stream_mode=modes, subgraphs=subgraphs, **kwargs)
    with Captured(capture_errors) as caught:
        async for raw in stream:
            parts.append(_part(raw, subgraphs))
    return GraphStream(parts, tuple(modes), subgraphs, "astream", caught.error)


class GraphNormalizer(Normalizer):
    """Also aliases checkpoint, interrupt and thread ids, and pins timestamps."""

    def __init__(self, *, options: SnapshotOptions = DEFAULT_OPTIONS) -> None:
        super().__init__(options=options)
        self.hashes: dict[str, str] = {}
        self.threads: dict[str, str] = {}
        self.checkpoints: dict[str, str] = {}

    def _alias_uuid(self, match: re.Match[str]) -> str:
        found = match.group("uuid").lower()
        if found in self.checkpoints and not match.group("prefix"):
            return self.checkpoints[found]
        return super()._alias_uuid(match)

    def text(self, value: str) -> str:
        value = super().text(value)
        if len(value) < 32:
            return value
        return _HASH.sub(
            lambda m: self.hashes.setdefault(m.group(), f"hash{len(self.hashes)}"), value
        )

    def data(self, value: Any) -> Any:
        if isinstance(value, Mapping) and value.get("lc") != 1:
            value = {
                key: self._field(str(key), item) if item is not None else item
                for key, item in value.items()
            }
        return super().data(value)

    def _field(self, key: str, value: Any) -> Any:
        if key in _TIME_KEYS:
            return PINNED_TIME
        if key == "thread_id":
            return self.threads.setdefault(str(value), f"thread{len(self.threads)}")
        if key == "checkpoint_id" and str(value).lower() not in self.others:
            found = str(value).lower()
            self.checkpoints.setdefault(found, f"checkpoint{len(self.checkpoints)}")
        return value


def normalize_graph_stream(
    stream: GraphStream | Sequence[GraphPart], *, options: SnapshotOptions = DEFAULT_OPTIONS
) -> list[dict[str, Any]]:
    """Graph parts as plain data: ids, namespaces' task ids, threads and times aliased.

    A `messages` part becomes its chunk, its `node` and `step`, and its run metadata
    without LangGraph's routing keys (triggers, path, checkpoint namespaces).
    """
    normalizer = GraphNormalizer(options=options)
    normalized = []
    for part in stream:
        entry: dict[str, Any] = {
            "namespace": [normalizer.text(str(name)) for name in part.namespace],
            "mode": part.mode,
        }
        if part.mode == "messages" and isinstance(part.data, (tuple, list)):
            chunk, metadata = part.data
            metadata = dict(metadata or {})
            entry["node"] = metadata.get("langgraph_node")
            entry["step"] = metadata.get("langgraph_step")
            entry["metadata"] = normalizer.metadata(
                {
                    key: value
                    for key, value in metadata.items()
                    if key not in _ROUTING_METADATA  # metadata() drops the version keys
                }
            )
            entry["data"] = normalizer.data(chunk)
        else:
            entry["data"] = normalizer.data(part.data)
        normalized.append(entry)
    error = stream.error if isinstance(stream, GraphStream) else None
    return normalized + error_entry(error, normalizer)


def render_graph_stream(
    parts: list[dict[str, Any]],
    *,
    title: str = "graph stream",
    options: SnapshotOptions = DEFAULT_OPTIONS,
) -> str:
    """Normalised graph parts, one line each, indented by subgraph depth.

    `messages model@1: AIChunk(...)` is a chunk from node `model` in step 1; its run
    metadata is shown when it differs from the previous chunk's in the same namespace
    (each key on its own line with `options.metadata_lines`).
    """
    parts, failed = split_error(parts)
    lines = [f"# {title}: {_count(len(parts), 'part')}"]
    last_metadata: dict[tuple[str, ...], Any] = {}
    for part in parts:
        namespace = tuple(part["namespace"])
        indent = "  " * len(namespace)
        where = f"{indent}[{'/'.join(namespace)}] " if namespace else ""
        data = part["data"]
        if part["mode"] == "messages" and "node" in part:
            head = f"{where}messages {part['node']}@{part['step']}"
            below = ""
            if part["metadata"] != last_metadata.get(namespace):
                last_metadata[namespace] = part["metadata"]
                after_head, below = metadata_text(
                    part["metadata"], indent, own_lines=options.metadata_lines
                )
                head += after_head
            lines.append(f"{head}: {compact(data, streamed=True)}{below}")
        elif part["mode"] == "updates" and isinstance(data, Mapping) and len(data) == 1:
            ((node, update),) = data.items()
            lines.append(f"{where}updates {node}: {compact(update)}")
        else:
            lines.append(f"{where}{part['mode']}: {compact(data)}")
    return "\n".join(lines + failed) + "\n"


def graph_title(stream: GraphStream) -> str:
    """`stream ['messages', 'updates'] subgraphs`: how the parts were collected."""
    return f"{stream.method} {list(stream.modes)}" + (" subgraphs" if stream.subgraphs else "")
