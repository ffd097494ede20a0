"""Clocks the fakes wait on: virtual (instant, the default) or real (paced for demos)."""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Protocol

from .._errors import ScriptError
from .._script._validation import short


class Clock(Protocol):
    """Where a fake spends its simulated delays."""

    def sleep(self, seconds: float) -> None: ...

    async def asleep(self, seconds: float) -> None: ...


class VirtualClock:
    """Advances a counter instead of waiting: a 30-second script runs in microseconds.

    >>> clock = VirtualClock()
    >>> clock.sleep(1.5); clock.now
    1.5
    """

    def __init__(self, start: float = 0.0) -> None:
        self.now = start
        """Virtual seconds elapsed since the clock was made."""

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.now += seconds
        # Yield to the event loop (a bare yield, never a timer, so frozen time cannot
        # hang it) so that concurrent streams interleave as they would in real time.
        await asyncio.sleep(0)


def _time_is_frozen() -> bool:
    freezegun = sys.modules.get("freezegun.api")
    return bool(freezegun and getattr(freezegun, "freeze_factories", None))


class RealClock:
    """Really waits, to pace a stream as a provider would (demos, UI tests)."""

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    async def asleep(self, seconds: float) -> None:
        if seconds <= 0:
            return
        if _time_is_frozen():
            # Under freezegun the event loop's clock may stand still, and a timer
            # would never fire; time.sleep in a worker thread always returns.
            await asyncio.get_running_loop().run_in_executor(None, time.sleep, seconds)
        else:
            await asyncio.sleep(seconds)


def check_clock(clock: object, source: str) -> None:
    """A clock needs `sleep(seconds)` and `async asleep(seconds)`."""
    for method in ("sleep", "asleep"):
        if not callable(getattr(clock, method, None)):
            raise ScriptError(
                f"a clock needs sleep(seconds) and async asleep(seconds); {short(clock)} has no "
                f"{method}(); use VirtualClock(), RealClock() or real_time=True",
                source=source,
                path="clock",
            )
