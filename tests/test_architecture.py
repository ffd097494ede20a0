"""The layout's rules, checked on the source: imports run one way and never in a circle.

Every import counts, including those inside functions (a lazy import that dodges a cycle
is still a cycle) and those only for type checkers.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

# Lower layers never import higher ones. Within `fakes`: script <- models <- wire <-
# recording; `_errors` and `_secrets` sit below all of them, `strategies` above the script.
FAKES_LAYERS = {
    "fakes._errors": 0,
    "fakes._secrets": 0,
    "fakes._script": 1,
    "fakes.strategies": 2,
    "fakes._models": 2,
    "fakes._wire": 3,
    "fakes._recording": 4,
}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, root: Path) -> Iterator[str]:
    """Every module `path` imports, as absolute names (`from x import y` yields x and x.y)."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


def import_graph(root: Path) -> dict[str, set[str]]:
    """Our modules and the modules of ours each imports."""
    paths = {module_name(p, root): p for p in root.rglob("*.py")}
    return {
        name: {m for m in imports_of(path, root) if m in paths and m != name}
        for name, path in paths.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles: strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def is_package_of(package: str, module: str) -> bool:
    return module.startswith(package + ".")


def test_no_import_cycles() -> None:
    assert cycles(import_graph(SRC)) == []


def test_the_cycle_finder_sees_a_lazy_cycle(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "a.py").write_text("from .b import B\n")
    (tmp_path / "pkg" / "b.py").write_text("def f():\n    from . import a\n")
    assert cycles(import_graph(tmp_path)) == [["pkg.a", "pkg.b"]]


def layer(module: str) -> int | None:
    for prefix, rank in FAKES_LAYERS.items():
        if module == prefix or is_package_of(prefix, module):
            return rank
    return None


@pytest.mark.parametrize("top", ["fakes", "assertions"])
def test_libraries_never_import_upwards(top: str) -> None:
    above = {"fakes": ("assertions", "streamfakes"), "assertions": ("streamfakes",)}[top]
    wrong = [
        f"{module} imports {target}"
        for module, targets in import_graph(SRC).items()
        if module == top or is_package_of(top, module)
        for target in targets
        if any(target == a or is_package_of(a, target) for a in above)
    ]
    assert wrong == []


def test_fakes_layers_import_downwards_only() -> None:
    wrong = []
    for module, targets in import_graph(SRC).items():
        rank = layer(module)
        if rank is None:
            continue
        for target in targets:
            target_rank = layer(target)
            if target == "fakes" or (target_rank is not None and target_rank > rank):
                wrong.append(f"{module} (layer {rank}) imports {target} (layer {target_rank})")
    assert wrong == []


def test_every_fakes_module_has_a_layer() -> None:
    unplaced = [
        module
        for module in import_graph(SRC)
        if is_package_of("fakes", module) and layer(module) is None
    ]
    assert unplaced == []


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_no_module_is_too_long_to_read(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= 500, f"{path.relative_to(SRC)} has {lines} lines; split it by concern"
