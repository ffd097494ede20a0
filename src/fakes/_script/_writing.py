"""Write a script file: responses as the YAML/JSON that `from_script` reads back."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from .._errors import (
    ConnectionDroppedError,
    ContentFilterError,
    FakesError,
    MalformedFrameError,
    ProviderTimeoutError,
    RateLimitError,
)
from ._vocabulary import Fault, Latency, Response, ToolCall


def script_data(responses: Sequence[Response], **settings: Any) -> dict[str, Any]:
    """A script file's contents: the settings given (None left out), then responses."""
    data = {key: value for key, value in settings.items() if value is not None}
    data["responses"] = [response_data(response) for response in responses]
    return data


def response_data(response: Response) -> dict[str, Any]:
    """A response as a file mapping, with only the keys that differ from the defaults."""
    data: dict[str, Any] = {}
    if response.raw_chunks is not None:
        data["raw_chunks"] = [plain(chunk) for chunk in response.raw_chunks]
    elif response.chunks is not None:
        data["chunks"] = list(response.chunks)
    elif response.text:
        data["text"] = response.text
    if response.reasoning_chunks is not None:
        data["reasoning_chunks"] = list(response.reasoning_chunks)
    elif response.reasoning:
        data["reasoning"] = response.reasoning
    if response.tool_calls:
        data["tool_calls"] = [_tool_call(call) for call in response.tool_calls]
    for key in ("usage", "finish_reason", "id"):
        if getattr(response, key) is not None:
            data[key] = plain(getattr(response, key))
    if response.response_metadata:
        data["response_metadata"] = plain(response.response_metadata)
    if response.additional_kwargs:
        data["additional_kwargs"] = plain(response.additional_kwargs)
    if response.latency is not None:
        data["latency"] = _latency(response.latency)
    if response.fault is not None:
        data["fault"] = fault_data(response.fault)
    return data


def _tool_call(call: ToolCall) -> dict[str, Any]:
    data: dict[str, Any] = {"name": call.name}
    if call.id is not None:
        data["id"] = call.id
    if call.chunks is not None:
        data["chunks"] = list(call.chunks)
    elif call.raw_args is not None:
        data["raw_args"] = call.raw_args
    elif call.args is not None:
        data["args"] = plain(call.args)
    if call.fragments is not None:
        data["fragments"] = call.fragments
    return data


def _latency(latency: Latency) -> dict[str, Any]:
    data: dict[str, Any] = {
        name: getattr(latency, name)
        for name in ("ttft", "per_chunk", "jitter", "seed")
        if getattr(latency, name)
    }
    if latency.chunk_delays:
        data["chunk_delays"] = list(latency.chunk_delays)
    return data


def fault_data(fault: Fault) -> dict[str, Any]:
    """A fault as a file mapping: the closest error name the file format knows."""
    error = fault.exception()
    data: dict[str, Any] = {"error": error_name(error), "message": str(error)}
    if isinstance(error, RateLimitError) and error.retry_after is not None:
        data["retry_after"] = error.retry_after
    status = getattr(error, "status_code", None)
    server_side = data["error"] in ("server_error", "overloaded")
    if server_side and isinstance(status, int) and 400 <= status <= 599:
        data["status_code"] = status
    if fault.after_chunks:
        data["after_chunks"] = fault.after_chunks
    return data


def error_name(error: BaseException) -> str:
    """The file format's name for an error, from `fakes`' classes or (an SDK's own
    exception, recorded from a real client) from its class name and status."""
    known = {
        RateLimitError: "rate_limit",
        ProviderTimeoutError: "timeout",
        ContentFilterError: "content_filter",
        ConnectionDroppedError: "connection_dropped",
        MalformedFrameError: "malformed_frame",
    }
    for kind, name in known.items():
        if isinstance(error, kind):
            return name
    status = getattr(error, "status_code", None)
    words = type(error).__name__.lower()
    if status == 429 or "ratelimit" in words:
        return "rate_limit"
    if status == 529 or "overloaded" in words:
        return "overloaded"
    if "timeout" in words:
        return "timeout"
    if "connection" in words:
        return "connection_dropped"
    return "server_error"


def plain(value: Any) -> Any:
    """JSON-safe data (what YAML and JSON files can hold): other objects as strings."""
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return json.loads(json.dumps(value, default=str))


def script_path(path: str | Path) -> Path:
    """A path a script can be written to, or `FakesError` saying what to change (checked
    before recording starts, so a bad path loses no recording)."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".json", ".yaml", ".yml"):
        raise FakesError(
            f"{path}: unknown script format {suffix or '(no extension)'!r}; "
            "name the file .yaml, .yml or .json"
        )
    if not target.parent.is_dir():
        raise FakesError(f"{path}: no such directory {str(target.parent)!r}; create it first")
    if target.is_dir():
        raise FakesError(f"{path} is a directory; name a file inside it, e.g. {path}/script.yaml")
    if not os.access(target.parent, os.W_OK):
        raise FakesError(f"{path}: cannot write in {str(target.parent)!r}; choose another place")
    return target


def unused_path(path: str | Path, *, force: bool) -> str:
    """Check that `path` names no file yet (unless `force`), so that a recording never
    replaces one by surprise; returns what writing it will replace ("" for nothing)."""
    target = script_path(path)
    if not (target.exists() or target.is_symlink()):
        return ""
    replaced = (
        f"the symlink {path} (to {os.readlink(target)})" if target.is_symlink() else str(path)
    )
    if not force:
        raise FakesError(f"{replaced} exists; choose another --out, or pass --force to replace it")
    return replaced


def write_script(path: str | Path, data: Mapping[str, Any]) -> Path:
    """Write a script file (.yaml, .yml or .json) whole or not at all: a crash midway
    leaves the old file (or none), never half a script."""
    target = script_path(path)
    if target.suffix.lower() == ".json":
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    else:
        text = yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True, width=100)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise
    return target
