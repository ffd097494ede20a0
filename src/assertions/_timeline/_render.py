"""Render normalised streams as text a reviewer can read in a diff, one line per item."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ._options import DEFAULT_OPTIONS, SnapshotOptions

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


def compact(value: Any, *, streamed: bool = False) -> str:
    """One-line rendering of normalised data.

    `streamed` says the value is a stream chunk: its tool-call fragments are shown rather
    than LangChain's reading of them (a merged message shows its parsed calls).

    >>> compact({"__type__": "AIMessageChunk", "content": "Hi", "id": "msg-1"})
    "AIChunk('Hi', id='msg-1')"
    >>> compact({"a": None, "b": [1, "x"]})
    "{'a': None, 'b': [1, 'x']}"
    """
    if isinstance(value, Mapping):
        if "__type__" in value:
            return _object(value, streamed=streamed)
        if value.get("type") in _TYPED_DICTS:
            fields = {k: v for k, v in value.items() if k != "type" and v is not None}
            return _object({"__type__": _TYPED_DICTS[value["type"]], **fields})
        items = ", ".join(
            f"{key!r}: {compact(item, streamed=streamed)}" for key, item in value.items()
        )
        return "{" + items + "}"
    if isinstance(value, list):
        return "[" + ", ".join(compact(item, streamed=streamed) for item in value) + "]"
    return repr(value)


def _object(value: Mapping[str, Any], *, streamed: bool = False) -> str:
    name = str(value["__type__"])
    fields = {key: item for key, item in value.items() if key != "__type__"}
    if name == "AIMessageChunk":
        # Show a streamed chunk's own fragments, a merged message's parsed calls: the
        # other is LangChain's derivation of the same thing, noise in a diff.
        derived = ("tool_calls", "invalid_tool_calls") if streamed else ("tool_call_chunks",)
        fields = {key: item for key, item in fields.items() if key not in derived}
    parts = []
    if "content" in fields:
        parts.append(compact(fields.pop("content")))
    parts += [f"{key}={compact(item)}" for key, item in fields.items()]
    return f"{_SHORT.get(name, name)}({', '.join(parts)})"


def is_error(item: Any) -> bool:
    """Whether a normalised item is the error entry that ends a failed timeline."""
    return isinstance(item, Mapping) and "__error__" in item


def error_line(item: Mapping[str, Any]) -> str:
    """The last line of a failed timeline: `! error TimeoutError: upstream`."""
    return f"! error {item['__error__']}: {item['message']}"


def split_error(items: list[Any]) -> tuple[list[Any], list[str]]:
    """The items of a timeline, and its error line (if it ended in one)."""
    if items and is_error(items[-1]):
        return items[:-1], [error_line(items[-1])]
    return items, []


def metadata_text(metadata: Mapping[str, Any], indent: str, *, own_lines: bool) -> tuple[str, str]:
    """Metadata as (what follows a line's head, what follows the line): `" {...}"` after
    the head, or one indented `| key: value` line per key below the line."""
    if not metadata:
        return "", ""
    if not own_lines:
        return " " + compact(metadata), ""
    lines = (f"\n{indent}    | {key}: {compact(value)}" for key, value in metadata.items())
    return "", "".join(lines)


def render_events(
    events: list[dict[str, Any]],
    *,
    title: str = "events",
    options: SnapshotOptions = DEFAULT_OPTIONS,
) -> str:
    """Normalised events as text: nesting by indentation, then run, event, name, payload.

    Tags and metadata are shown where a run starts (they are the same on all its events).
    The layout `options`: `metadata_lines` puts each metadata key on its own indented line,
    `name_once` shows a run's name on its start event only, and with `stable_aliases` a
    run's parent is left out (indentation shows it, and an alias names it where needed).
    """
    events, failed = split_error(events)
    runs = {event["run"] for event in events}
    lines = [f"# {title}: {_count(len(events), 'event')}, {_count(len(runs), 'run')}"]
    started_with_input = {
        e["run"]
        for e in events
        if e["event"].endswith("_start") and isinstance(e["data"], Mapping) and "input" in e["data"]
    }
    for event in events:
        parents = event["parent_ids"]
        shows_parent = parents and not options.stable_aliases
        where = event["run"] + (f"<{parents[-1]}" if shows_parent else "")
        indent = "  " * len(parents)
        named = not options.name_once or event["event"].endswith("_start")
        head = f"{indent}{where} {event['event']}" + (f" {event['name']}" if named else "")
        below = ""
        if event["event"].endswith("_start"):
            if event["tags"]:
                head += " #" + " #".join(event["tags"])
            after_head, below = metadata_text(
                event["metadata"], indent, own_lines=options.metadata_lines
            )
            head += after_head
        payload = _payload(event, shows_input=event["run"] not in started_with_input)
        lines.append((f"{head}: {payload}" if payload else head) + below)
    return "\n".join(lines + failed) + "\n"


def _payload(event: Mapping[str, Any], *, shows_input: bool) -> str:
    data = event["data"]
    if event["event"] == "on_custom_event" or not isinstance(data, Mapping):
        return f"data={compact(data)}"  # a custom event's data can be any value
    if set(data) <= {"input", "output"} and "output" in data:
        # The input is on the start event, unless it was only known at the end (a step
        # on finalised input): then it is shown here.
        if shows_input and "input" in data:
            return f"input={compact(data['input'])} output={compact(data['output'])}"
        return f"output={compact(data['output'])}"
    shown = [
        f"{key}={compact(data[key], streamed=key == 'chunk')}"
        for key in _PAYLOAD_KEYS
        if key in data
    ]
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
    """Normalised chunks as text, one numbered line per chunk (then the error, if any)."""
    chunks, failed = split_error(chunks)
    lines = [f"# {title}: {_count(len(chunks), 'chunk')}"]
    lines += [f"{index} {compact(chunk, streamed=True)}" for index, chunk in enumerate(chunks)]
    return "\n".join(lines + failed) + "\n"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def render_json(data: Any) -> str:
    """The full structured form: every field, as sorted, indented JSON."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
