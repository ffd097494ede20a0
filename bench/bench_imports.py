"""What streamfakes costs at every pytest start, and what `import fakes` costs.

    python bench/bench_imports.py [--repeats 15]

Each figure is the median over fresh interpreters, measured alternately in one run:
- the pytest plugin: importing it after pytest, syrupy and pytest-asyncio (target: adds
  at most 50 ms), and a whole `pytest --collect-only` of an empty project with and without
  it (`-p no:streamfakes`);
- `import fakes` against `import langchain_core.language_models` (target: ratio at most
  1.2). Both packages load their names on first use, so the figure that shows what fakes
  adds is the next one: `from fakes import FakeChatModel, FakeLLM` against the LangChain
  classes they subclass, `from langchain_core.language_models import BaseChatModel,
  BaseLLM` (target: at most 1.2 as well).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TIMED_IMPORT = """
import time
{before}
started = time.perf_counter()
{measured}
print(time.perf_counter() - started)
"""


def import_seconds(measured: str, before: str = "") -> float:
    code = TIMED_IMPORT.format(before=before, measured=measured)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout)


def pytest_seconds(project: Path, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:randomly", *args],
        cwd=project,
        capture_output=True,
        check=False,
    )
    return time.perf_counter() - started


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    repeats = parser.parse_args().repeats
    base = "import pytest, syrupy, pytest_asyncio"
    plugin, fakes, core, with_plugin, without = [], [], [], [], []
    models, bases = [], []
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        (project / "test_nothing.py").write_text("def test_nothing():\n    pass\n")
        for _ in range(repeats):
            plugin.append(import_seconds("import streamfakes.pytest_plugin", before=base))
            fakes.append(import_seconds("import fakes"))
            core.append(import_seconds("import langchain_core.language_models"))
            models.append(import_seconds("from fakes import FakeChatModel, FakeLLM"))
            bases.append(
                import_seconds("from langchain_core.language_models import BaseChatModel, BaseLLM")
            )
            with_plugin.append(pytest_seconds(project))
            without.append(pytest_seconds(project, "-p", "no:streamfakes"))
    added = median_ms(plugin)
    ratio = median_ms(fakes) / median_ms(core)
    classes = median_ms(models) / median_ms(bases)
    run_with, run_without = median_ms(with_plugin), median_ms(without)
    print(f"plugin import after pytest + syrupy + pytest-asyncio: {added:.1f} ms (<= 50)")
    print(
        f"pytest --collect-only, empty project: {run_with:.0f} ms with the plugin, "
        f"{run_without:.0f} ms without ({run_with - run_without:+.0f} ms)"
    )
    print(
        f"import fakes {median_ms(fakes):.1f} ms, import langchain_core.language_models "
        f"{median_ms(core):.0f} ms: ratio {ratio:.2f} (<= 1.2)"
    )
    print(
        f"from fakes import FakeChatModel, FakeLLM {median_ms(models):.0f} ms, the LangChain "
        f"base classes {median_ms(bases):.0f} ms: ratio {classes:.2f} (<= 1.2)"
    )


if __name__ == "__main__":
    main()
