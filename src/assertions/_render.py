"""Render normalised streams as text a reviewer can read in a diff, one line per item."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

# Short names for the message types, to keep lines readable.
_SHORT = {
    "AIMessage": "AI",
    "AIMessageChunk": "AIChunk",
    "HumanMessage": "Human",
    "HumanMessageChunk": "HumanChunk",
    "SystemMessage": "System",
    "ToolMessage": "Tool",
    "ToolMessageChunk": "ToolChunk",
}
_PAYLOAD_KEYS = ("chunk", "input", "output")
# LangChain's typed dicts, shown like objects.
_TYPED_DICTS = {
    "tool_call": "ToolCall",
    "tool_call_chunk": "ToolCallChunk",
    "invalid_tool_call": "InvalidToolCall",
}


def compact(value: Any) -> str:
    """One-line rendering of normalised data.

    >>> compact({"__type__": "AIMessageChunk", "content": "Hi", "id": "msg-1"})
    "AIChunk('Hi', id='msg-1')"
    >>> compact({"a": None, "b": [1, "x"]})
    "{'a': None, 'b': [1, 'x']}"
    """
    if isinstance(value, Mapping):
        if "__type__" in value:
            return _object(value)
        if value.get("type") in _TYPED_DICTS:
            fields = {k: v for k, v in value.items() if k != "type" and v is not None}
            return _object({"__type__": _TYPED_DICTS[value["type"]], **fields})
        items = ", ".join(f"{key!r}: {compact(item)}" for key, item in value.items())
        return "{" + items + "}"
    if isinstance(value, list):
        return "[" + ", ".join(compact(item) for item in value) + "]"
    return repr(value)


def _object(value: Mapping[str, Any]) -> str:
    name = str(value["__type__"])
    fields = {key: item for key, item in value.items() if key != "__type__"}
    if name == "AIMessageChunk":
        # A chunk's tool_calls are LangChain's reading of its own fragments: noise in a
        # diff. The last (or merged) chunk shows the parsed calls instead of fragments.
        derived = (
            ("tool_call_chunks",)
            if fields.get("chunk_position") == "last"
            else (
                "tool_calls",
                "invalid_tool_calls",
            )
        )
        fields = {key: item for key, item in fields.items() if key not in derived}
    parts = []
    if "content" in fields:
        parts.append(compact(fields.pop("content")))
    parts += [f"{key}={compact(item)}" for key, item in fields.items()]
    return f"{_SHORT.get(name, name)}({', '.join(parts)})"


def render_events(events: list[dict[str, Any]], *, title: str = "events") -> str:
    """Normalised events as text: nesting by indentation, then run, event, name, payload.

    Tags and metadata are shown where a run starts (they are the same on all its events).
    """
    runs = {event["run"] for event in events}
    lines = [f"# {title}: {_count(len(events), 'event')}, {_count(len(runs), 'run')}"]
    for event in events:
        parents = event["parent_ids"]
        where = event["run"] + (f"<{parents[-1]}" if parents else "")
        head = f"{'  ' * len(parents)}{where} {event['event']} {event['name']}"
        if event["event"].endswith("_start"):
            if event["tags"]:
                head += " #" + " #".join(event["tags"])
            if event["metadata"]:
                head += " " + compact(event["metadata"])
        payload = _payload(event["data"])
        lines.append(f"{head}: {payload}" if payload else head)
    return "\n".join(lines) + "\n"


def _payload(data: Mapping[str, Any]) -> str:
    if set(data) <= {"input", "output"} and "output" in data:
        return f"output={compact(data['output'])}"
    shown = [f"{key}={compact(data[key])}" for key in _PAYLOAD_KEYS if key in data]
    shown += [f"{key}={compact(item)}" for key, item in data.items() if key not in _PAYLOAD_KEYS]
    return " ".join(shown)


def render_protocol_events(events: list[Any], *, title: str = "stream_events v3") -> str:
    """v3 content-block events, one line each: event, block index, payload."""
    lines = [f"# {title}: {_count(len(events), 'event')}"]
    for event in events:
        fields = {k: v for k, v in event.items() if k not in ("event", "index")}
        index = f" [{event['index']}]" if "index" in event else ""
        payload = " ".join(f"{key}={compact(value)}" for key, value in fields.items())
        lines.append(
            f"{event['event']}{index}: {payload}" if payload else f"{event['event']}{index}"
        )
    return "\n".join(lines) + "\n"


def render_log(ops: list[dict[str, Any]], *, title: str = "astream_log") -> str:
    """`astream_log` operations, one line each: op, path, value."""
    lines = [f"# {title}: {_count(len(ops), 'operation')}"]
    lines += [f"{op['op']} {op['path'] or '(root)'} {compact(op['value'])}" for op in ops]
    return "\n".join(lines) + "\n"


def render_chunks(chunks: list[Any], *, title: str = "chunks") -> str:
    """Normalised chunks as text, one numbered line per chunk."""
    lines = [f"# {title}: {_count(len(chunks), 'chunk')}"]
    lines += [f"{index} {compact(chunk)}" for index, chunk in enumerate(chunks)]
    return "\n".join(lines) + "\n"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def render_json(data: Any) -> str:
    """The full structured form: every field, as sorted, indented JSON."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
