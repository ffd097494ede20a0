"""Import `fakes` and `assertions` on first use, and say clearly when a project's own
module of the same name stands in their way."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

HOME = Path(__file__).resolve().parent.parent
"""Where streamfakes is installed: `fakes` and `assertions` are installed beside it."""


class ShadowedLibraryError(Exception):
    """A module of the project hides one of streamfakes' libraries."""


def load(name: str) -> ModuleType:
    """streamfakes' own `name` library, imported; `ShadowedLibraryError` if `import name`
    would give the project's module of that name instead."""
    expected = HOME / name / "__init__.py"
    module = sys.modules.get(name)
    found = _file_of(module) if module is not None else _origin(name)
    if found is None or Path(found).resolve() != expected:
        raise ShadowedLibraryError(_shadowed(name, found, expected))
    return module if module is not None else importlib.import_module(name)


def _file_of(module: ModuleType) -> str | None:
    file = getattr(module, "__file__", None)
    if file is None:  # a namespace package: a folder without __init__.py
        paths = list(getattr(module, "__path__", []))
        return paths[0] if paths else None
    return str(file)


def _origin(name: str) -> str | None:
    spec = importlib.util.find_spec(name)
    if spec is None:
        return None
    if spec.origin not in (None, "namespace"):
        return spec.origin
    locations = list(spec.submodule_search_locations or [])
    return locations[0] if locations else None


def _shadowed(name: str, found: str | None, expected: Path) -> str:
    if found is None:
        return (
            f"streamfakes cannot import its library {name!r} (expected at {expected.parent}); "
            "reinstall streamfakes in this environment (pip install streamfakes)"
        )
    return (
        f"streamfakes needs its library {name!r} ({expected.parent}), but `import {name}` "
        f"finds this project's {found} first, which shadows it (pytest and `python -m pytest` "
        "put the project's folders first on sys.path). Rename the local module (e.g. "
        f"{name}.py -> test_{name}.py), or keep it inside a package with an __init__.py and "
        f"import it package-relative (`from .{name} import ...`)."
    )
