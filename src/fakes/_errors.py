"""The errors the fakes raise: misuse of a script, and simulated provider failures."""

from __future__ import annotations


class FakesError(Exception):
    """Base class of every error raised by `fakes`."""


class ScriptError(FakesError, ValueError):
    """A script (in Python or in a file) is malformed.

    The message names the source, the path to the field and how to fix it.
    """

    def __init__(self, message: str, *, source: str = "script", path: str = "") -> None:
        self.source = source
        self.path = path
        self.problems: tuple[ScriptError, ...] = (self,)
        """Every problem found (one error can report several, one per line)."""
        where = f"{source}: {path}" if path else source
        super().__init__(f"{where}: {message}")

    @classmethod
    def of(cls, problems: list[ScriptError]) -> ScriptError:
        """One error reporting all of `problems` (the only one, when there is one)."""
        if len(problems) == 1:
            return problems[0]
        first = problems[0]
        lines = "\n".join(
            f"  {str(problem).removeprefix(first.source + ': ')}" for problem in problems
        )
        error = cls(f"{len(problems)} problems:\n{lines}", source=first.source)
        error.path = first.path
        error.problems = tuple(problems)
        return error


class ScriptExhaustedError(FakesError, RuntimeError):
    """A fake was called more times than its script has responses."""


class CassetteMismatchError(FakesError, AssertionError):
    """A request the cassette holds no answer for, in a mode that may not record it; the
    message shows how it differs from the closest recorded request, and how to record it."""


class ProviderError(FakesError):
    """Base class of the ready-made, provider-like errors a `Fault` can raise."""

    status_code: int = 500

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.default_message())

    @classmethod
    def default_message(cls) -> str:
        return f"simulated provider error ({cls.status_code})"


class RateLimitError(ProviderError):
    """HTTP 429: too many requests; `retry_after` says when to try again (seconds)."""

    status_code = 429

    def __init__(self, message: str = "", *, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        hint = f"; retry after {retry_after}s" if retry_after is not None else ""
        super().__init__(message or f"rate limit exceeded{hint}")


class ProviderTimeoutError(ProviderError, TimeoutError):
    """The provider did not answer in time (also a builtin `TimeoutError`)."""

    status_code = 408

    @classmethod
    def default_message(cls) -> str:
        return "request timed out"


class ServerError(ProviderError):
    """HTTP 5xx from the provider (500 by default; 529 is Anthropic's 'overloaded')."""

    def __init__(self, message: str = "", *, status_code: int = 500) -> None:
        self.status_code = status_code
        super().__init__(message or f"server error ({status_code})")


class ContentFilterError(ProviderError):
    """The provider's content filter stopped the response."""

    status_code = 400

    @classmethod
    def default_message(cls) -> str:
        return "response blocked by the content filter"


class ConnectionDroppedError(ProviderError, ConnectionError):
    """The connection broke mid-response; a fake server closes it without a word."""

    status_code = 502

    @classmethod
    def default_message(cls) -> str:
        return "the connection was dropped mid-stream"


class MalformedFrameError(ProviderError):
    """The provider sent a frame cut short; a fake server sends half a frame and closes."""

    status_code = 502

    @classmethod
    def default_message(cls) -> str:
        return "a malformed (truncated) frame arrived"
