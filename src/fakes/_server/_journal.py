"""What a fake server received: every request, with secrets redacted."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Headers that carry credentials: kept out of the journal (and out of any log).
SECRET_HEADERS = frozenset(
    {"authorization", "x-api-key", "api-key", "cookie", "proxy-authorization"}
)
REDACTED = "<redacted>"


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
    expected: bool = True
    """False when the script had no answer for it (unknown path, bad body, no response left)."""


@dataclass
class Journal:
    """Requests in the order they arrived."""

    requests: list[Request] = field(default_factory=list)

    def record(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        body: Any,
        status: int,
        *,
        expected: bool = True,
    ) -> None:
        shown = {k: REDACTED if k in SECRET_HEADERS else v for k, v in headers.items()}
        self.requests.append(Request(method, path, shown, body, status, expected))

    @property
    def unexpected(self) -> list[Request]:
        """The requests the script had no answer for."""
        return [request for request in self.requests if not request.expected]

    def __len__(self) -> int:
        return len(self.requests)
