"""The errors `assertions` raises."""

from __future__ import annotations


class AssertionsError(Exception):
    """Base class of the errors `assertions` raises about its own use."""


class StreamAssertionError(AssertionsError, AssertionError):
    """A stream broke a streaming rule; the message names the event, the run and why."""
