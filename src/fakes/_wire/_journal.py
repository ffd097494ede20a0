"""What a fake server received: every request, with secrets redacted."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import Any

from .._secrets import scrub, sent_credentials, shown_headers


@dataclass(frozen=True)
class Request:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    """Lower-cased names; the value of every header not known to be safe (credentials,
    whatever the header is called) replaced by `<redacted>`."""
    body: Any
    """The parsed JSON body (None if there was none), every credential the client sent
    (in headers or in the body) replaced by `<redacted>`."""
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
        shown = shown_headers(headers)
        try:
            body = scrub(body, sent_credentials(headers, body=body))
        except RecursionError:
            body = "<a body nested too deeply to keep>"
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
