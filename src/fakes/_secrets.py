"""Keep credentials out of recordings: by key name, by known value, and by shape."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

REDACTED = "<redacted>"

# Keys whose values are credentials wherever they appear (headers, metadata, kwargs).
_SECRET_KEY = re.compile(
    r"(^|[-_])(authorization|api[-_]?key|apikey|cookie|set-cookie|password|secret|"
    r"(access|refresh|id|session|bearer|auth)[-_]?token|token)$",
    re.IGNORECASE,
)
# Values shaped like credentials, even under an innocent key: bearer tokens and the
# providers' key formats.
_SECRET_VALUE = re.compile(
    r"Bearer\s+[\w.~+/=-]+|\bsk-[\w-]{16,}|\bsk-ant-[\w-]{16,}|\bxox[abp]-[\w-]{10,}"
)
# Environment variables that hold credentials, by name.
_SECRET_ENV = re.compile(r"(API_KEY|_TOKEN|_SECRET|PASSWORD)$")


def secret_key(key: str) -> bool:
    """Whether a mapping key names a credential (usage counts like `input_tokens` do not)."""
    return bool(_SECRET_KEY.search(key))


def known_secrets(extra: Iterable[str] = ()) -> list[str]:
    """Credential values to look for: those given, and this process's credential
    environment variables (long enough not to match ordinary text)."""
    values = [value for name, value in os.environ.items() if _SECRET_ENV.search(name)]
    return sorted({v for v in [*values, *extra] if v and len(v) >= 8}, key=len, reverse=True)


def scrub(value: Any, secrets: Iterable[str] = ()) -> Any:
    """`value` with every credential replaced by `<redacted>`."""
    return _scrub(value, known_secrets(secrets))


def _scrub(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, Mapping):
        # A logprobs entry's `token` is a token the model generated, not a credential.
        generated = "logprob" in value
        return {
            key: REDACTED
            if secret_key(str(key)) and item and not (generated and key == "token")
            else _scrub(item, secrets)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_scrub(item, secrets) for item in value]
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, REDACTED)
        return _SECRET_VALUE.sub(REDACTED, value)
    return value
