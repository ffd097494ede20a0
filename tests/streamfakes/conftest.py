"""Tests of the glue run pytest inside pytest (pytester): keep the outer run's
environment out of the inner one."""

from __future__ import annotations

import pytest

OUTER_RUN = (
    # Under pytest-xdist the inner run would think it is a worker too (and syrupy would
    # then print no report).
    "PYTEST_XDIST_WORKER",
    "PYTEST_XDIST_WORKER_COUNT",
    "PYTEST_XDIST_TESTRUNUID",
    # On CI the inner run would print its short summary untruncated: a second copy of
    # each message, which tests that count them would see.
    "CI",
    "BUILD_NUMBER",
)


@pytest.fixture(autouse=True)
def _inner_runs_see_a_plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in OUTER_RUN:
        monkeypatch.delenv(name, raising=False)
