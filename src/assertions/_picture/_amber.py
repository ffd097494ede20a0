"""Find stream snapshots: read a syrupy amber file, or the file and names of a test's."""

from __future__ import annotations

from pathlib import Path

from .._errors import AssertionsError


def read_amber(path: Path) -> dict[str, str]:
    """The snapshots of an amber file, by name, as the text they store."""
    from syrupy.extensions.amber.serializer import AmberDataSerializer

    if not path.is_file():
        raise AssertionsError(
            f"no snapshot file {path}; run the tests with --snapshot-update to write it, "
            "or give the path of an existing .ambr file"
        )
    found = {}
    for snapshot in AmberDataSerializer.read_file(str(path)):
        found[str(snapshot.name)] = unquoted(str(snapshot.data))
    return found


def unquoted(serialized: str) -> str:
    """A stored snapshot's text without the amber file's triple quotes, as rendered."""
    if serialized.startswith("'''\n") and serialized.endswith("\n'''"):
        serialized = serialized[4:-4]
    return serialized + "\n"


def snapshots_of(target: str, *, root: Path, snapshot_dir: str = "snapshots") -> dict[str, str]:
    """The snapshots `target` names: `file.ambr`, `file.ambr::name`, `tests/test_x.py`, or
    `tests/test_x.py::test_name` (its snapshots under `<root>/<snapshot_dir>/`)."""
    path, _, name = target.partition("::")
    file = Path(path)
    if file.suffix == ".py":
        relative = (root / file).resolve().relative_to(root.resolve())
        file = root / snapshot_dir / relative.parent / f"{relative.stem}.ambr"
    elif not file.is_absolute():
        file = root / file
    snapshots = read_amber(file)
    if not name:
        return snapshots
    chosen = {
        key: text
        for key, text in snapshots.items()
        if key == name or key.startswith((f"{name}[", f"{name}."))
    }
    if not chosen:
        raise AssertionsError(
            f"{file} has no snapshot of {name!r}; it has: {', '.join(sorted(snapshots)) or 'none'}"
        )
    return chosen
