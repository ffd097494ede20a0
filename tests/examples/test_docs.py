"""Every Python example in the README and docs runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```(python|yaml)\n(.*?)```", re.DOTALL)


def examples() -> list[tuple[str, int, list[tuple[str, str]]]]:
    found = []
    for doc in DOCS:
        blocks = BLOCK.findall(doc.read_text())
        for i, (lang, _) in enumerate(blocks):
            if lang == "python":
                found.append((doc.name, i, blocks[: i + 1]))
    return found


@pytest.mark.parametrize(
    ("doc", "index", "blocks"), examples(), ids=lambda v: str(v) if not isinstance(v, list) else ""
)
def test_example_runs(
    doc: str,
    index: int,
    blocks: list[tuple[str, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    for lang, text in blocks:  # YAML blocks named by a "# file" comment are written first
        first = text.splitlines()[0]
        if lang == "yaml" and first.startswith("# "):
            (tmp_path / first[2:].strip()).write_text(text)
    namespace: dict[str, object] = {}  # a doc's examples build on each other, like a notebook
    for n, (lang, text) in enumerate(blocks):
        if lang == "python":
            exec(compile(text, f"{doc}[{n}]", "exec"), namespace)
