"""What a fake server received: every request, with secrets redacted."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import Any

from .._secrets import REDACTED, secret_key


@dataclass(frozen=True)
class Request:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    """Lower-cased names; credentials replaced by `<redacted>`."""
    body: Any
    """The parsed JSON body (None if there was none)."""
    status: int = 200
    """The status the server answered with."""
    reason: str = ""
    """Why the script had no answer for it (unknown path, bad body, no response left)."""

    @property
    def expected(self) -> bool:
        return not self.reason


@dataclass
class Journal:
    """Requests in the order they arrived."""

    requests: list[Request] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        body: Any,
        status: int,
        *,
        reason: str = "",
    ) -> int:
        """Add a request; returns its position (for `failed`)."""
        shown = {k: REDACTED if secret_key(k) else v for k, v in headers.items()}
        with self._lock:  # requests are handled concurrently
            self.requests.append(Request(method, path, shown, body, status, reason))
            return len(self.requests) - 1

    def failed(self, position: int, status: int, reason: str) -> None:
        """Mark a request whose answer failed after it was journalled (mid-stream)."""
        with self._lock:
            self.requests[position] = replace(self.requests[position], status=status, reason=reason)

    @property
    def unexpected(self) -> list[Request]:
        """The requests the script had no answer for."""
        return [request for request in self.requests if not request.expected]

    def __len__(self) -> int:
        return len(self.requests)
