"""Read a script file into plain data, failing fast and clearly on hostile or broken files.

Bounded before anything else looks at the data: the file's kind and size, its nesting
depth and its size once YAML aliases are expanded (an alias bomb is a few hundred bytes).
Rejected where a parser would silently drop or bend data: duplicate keys, NaN and
infinities, keys that are not strings. Accepted: a UTF-8 byte order mark, and `1e308`
as a number (YAML 1.1 reads it as a string).
"""

from __future__ import annotations

import json
import math
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from .._errors import ScriptError

MAX_BYTES = 32 * 1024 * 1024
"""The largest script file read (recordings of long answers stay far below it)."""
MAX_DEPTH = 100
"""The deepest nesting of mappings and lists accepted."""
MAX_VALUES = 1_000_000
"""The most values a file may hold once aliases are expanded."""


def read_data(path: Path, source: str) -> Any:
    """The parsed contents of a .json, .yaml or .yml script file, checked as above."""
    suffix = path.suffix.lower()
    if suffix not in (".json", ".yaml", ".yml"):
        raise ScriptError(
            f"unknown script format {suffix or '(no extension)'!r}; "
            "name the file .yaml, .yml or .json",
            source=source,
        )
    text = _text(path, source)
    try:
        data = _json(text) if suffix == ".json" else _yaml(text)
    except _Unreadable as error:
        raise ScriptError(str(error), source=source) from None
    except RecursionError:
        raise ScriptError(_too_deep(""), source=source) from None
    _check_values(data, source)
    return data


def _text(path: Path, source: str) -> str:
    try:
        info = path.stat()  # before opening: opening a FIFO would wait for a writer
    except FileNotFoundError:
        raise ScriptError("no such file; check the path", source=source) from None
    except OSError as error:
        raise ScriptError(f"cannot read the file: {error.strerror}", source=source) from None
    if not stat.S_ISREG(info.st_mode):
        raise ScriptError(
            "not a regular file (a directory, pipe or device); give the path of a script file",
            source=source,
        )
    if info.st_size > MAX_BYTES:
        raise ScriptError(
            f"the file is {info.st_size} bytes, more than the {MAX_BYTES} a script may have; "
            "split it into several scripts",
            source=source,
        )
    try:
        raw = path.read_bytes()[: MAX_BYTES + 1]
        return raw.decode("utf-8-sig")  # a byte order mark is fine
    except UnicodeDecodeError as error:
        raise ScriptError(
            f"not UTF-8 text: byte {error.object[error.start]:#04x} at offset {error.start}; "
            "save the file as UTF-8",
            source=source,
        ) from None
    except OSError as error:
        raise ScriptError(f"cannot read the file: {error.strerror}", source=source) from None


class _Unreadable(Exception):
    """Raised inside a parser; `read_data` adds the file's name."""


# -- JSON ------------------------------------------------------------------------------


def _json(text: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_unique_pairs, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise _Unreadable(
            f"not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None
    except ValueError as error:  # a number too long to convert
        raise _Unreadable(f"not valid JSON: {_short(str(error))}; write a shorter number") from None


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise _Unreadable(
                f"the key {key!r} appears twice in one object (the first would be lost); keep one"
            )
        data[key] = value
    return data


def _no_constant(name: str) -> Any:
    raise _Unreadable(f"{name} is not a number a script can use; write a finite number")


# -- YAML ------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """The safe loader, rejecting duplicate keys and reading `1e308` as a number."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, (str, int, float, bool)) and key in seen:
                mark = key_node.start_mark
                raise _Unreadable(
                    f"the key {_short(repr(key))} appears twice in one mapping (line "
                    f"{seen[key].line + 1} and line {mark.line + 1}; the first would be lost); "
                    "keep one"
                )
            if isinstance(key, (str, int, float, bool)):
                seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


# YAML 1.1 wants a dot in a float ("1.0e+308"); JSON and people write 1e308.
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def _yaml(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise _Unreadable(f"not valid YAML{where}: {problem}") from None
    except ValueError as error:  # an integer too long to convert
        raise _Unreadable(f"not valid YAML: {_short(str(error))}; write a shorter number") from None


# -- the values ------------------------------------------------------------------------


def _check_values(data: Any, source: str) -> None:
    """Bound depth and expanded size; reject NaN, infinities and keys that are not
    strings, naming the place. Shared (aliased) values are counted each time they are
    used, as the model would see them, but walked once."""
    sizes: dict[int, int] = {}

    def walk(value: Any, path: str, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise ScriptError(_too_deep(path), source=source)
        if isinstance(value, float) and not math.isfinite(value):
            raise ScriptError(
                f"must be a finite number, got {value}",
                source=source,
                path=path,
            )
        if not isinstance(value, (dict, list)):
            return 1
        if id(value) in sizes:
            if sizes[id(value)] < 0:
                raise ScriptError(
                    "a value contains itself (a YAML alias of its own anchor); remove the loop",
                    source=source,
                    path=path,
                )
            return sizes[id(value)]
        sizes[id(value)] = -1
        total = 1
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    raise ScriptError(
                        f"the key {_short(repr(key))} is not a string; quote it "
                        f"(e.g. '{key}': ...)",
                        source=source,
                        path=path,
                    )
                total += walk(item, f"{path}.{key}" if path else key, depth + 1)
        else:
            for position, item in enumerate(value):
                total += walk(item, f"{path}[{position}]", depth + 1)
        if total > MAX_VALUES:
            raise ScriptError(
                f"expands to more than {MAX_VALUES} values (YAML aliases repeat what they "
                "name); write the data out, or use fewer aliases",
                source=source,
                path=path,
            )
        sizes[id(value)] = total
        return total

    walk(data, "", 0)


def _too_deep(path: str) -> str:
    where = f" at {path}" if path else ""
    return f"nested more than {MAX_DEPTH} levels deep{where}; a script needs far fewer"


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
