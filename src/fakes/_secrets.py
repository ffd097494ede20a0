"""Keep credentials out of recordings: by key name, by known value, and by shape."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

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
    r"(?:Bearer|Basic)\s+[\w.~+/=-]+"
    r"|\bsk-[\w-]{16,}"  # OpenAI, Anthropic (sk-ant-), DeepSeek, ...
    r"|\bxox[abp]-[\w-]{10,}"  # Slack
    r"|\bAIza[\w-]{30,}"  # Google
    r"|\b(?:gsk|hf|gh[pousr]|github_pat|xai|pplx|nvapi|r8)_[\w-]{16,}"  # Groq, HF, GitHub...
    r"|\b[0-9a-f]{32}\b"  # Azure (32 hex digits)
)
# Environment variables that hold credentials, by name.
_SECRET_ENV = re.compile(r"(API_?KEY|_KEY|_TOKEN|_SECRET|PASSWORD|_CREDENTIALS?|_PAT)$", re.I)
# Request headers known to carry no credential; every other header's value is treated as
# one (providers and gateways invent their own: ocp-apim-subscription-key, x-custom-auth).
_SAFE_HEADER = re.compile(
    r"^(accept(-encoding|-language)?|cache-control|connection|content-(length|type|encoding)|"
    r"host|keep-alive|transfer-encoding|user-agent|te|expect|pragma|origin|referer|"
    r"x-stainless-[\w-]+|anthropic-(version|beta)|openai-beta|x-should-retry|"
    r"x-request-id|traceparent|tracestate|idempotency-key|x-forwarded-[\w-]+)$",
    re.IGNORECASE,
)
# Query parameters known to carry no credential (Azure's api-version); others may.
_SAFE_QUERY = frozenset({"api-version", "api_version", "beta", "stream", "alt"})
# Authorization schemes, whose token is a credential on its own.
_AUTH_SCHEMES = frozenset({"bearer", "basic", "token", "apikey", "key", "digest"})
# A credential the client sent this short is not replaced in text (it would garble it).
_SHORTEST_SENT = 6


def secret_key(key: str) -> bool:
    """Whether a mapping key names a credential (usage counts like `input_tokens` do not)."""
    return bool(_SECRET_KEY.search(key))


def safe_header(name: str) -> bool:
    """Whether a request header is known to carry no credential."""
    return bool(_SAFE_HEADER.match(name))


def shown_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers as they may be stored or shown: every one not known to be safe redacted."""
    return {k: v if safe_header(k) else REDACTED for k, v in headers.items()}


def sent_credentials(
    headers: Mapping[str, str] | None = None, url: str = "", body: Any = None
) -> set[str]:
    """Every credential a client sent: the values of headers not known to be safe (and
    the token after `Bearer`/`Basic`), the URL's user and password and its query
    parameters not known to be safe, and the values under credential keys in the body."""
    found: set[str] = set()
    for name, value in (headers or {}).items():
        if not safe_header(name):
            found.add(value)
            scheme, _, token = value.partition(" ")
            if scheme.lower() in _AUTH_SCHEMES:  # "Bearer sk-..." -> "sk-..." too
                found.add(token.strip())
    if url:
        parts = urlsplit(url)
        found.update(v for v in (parts.username, parts.password) if v)
        found.update(v for k, v in parse_qsl(parts.query) if k.lower() not in _SAFE_QUERY)
    found.update(_keyed_values(body))
    return {v for v in found if len(v) >= _SHORTEST_SENT}


def _keyed_values(value: Any) -> Iterable[str]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if secret_key(str(key)) and isinstance(item, str):
                yield item
            else:
                yield from _keyed_values(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keyed_values(item)


def shown_url(url: str) -> str:
    """A URL as it may be printed: user, password and query values redacted."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return scrub(url)  # type: ignore[no-any-return]
    netloc = ("<redacted>@" if parts.username or parts.password else "") + (
        f"[{host}]" if ":" in host else host
    )
    if port is not None:
        netloc += f":{port}"
    query = "&".join(
        f"{k}={v if k.lower() in _SAFE_QUERY else REDACTED}" for k, v in parse_qsl(parts.query)
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def known_secrets(extra: Iterable[str] = ()) -> list[str]:
    """Credential values to look for: those given, and this process's credential
    environment variables (long enough not to match ordinary text)."""
    values = [value for name, value in os.environ.items() if _SECRET_ENV.search(name)]
    given = [v for v in extra if v and len(v) >= _SHORTEST_SENT]
    return sorted({*(v for v in values if len(v) >= 8), *given}, key=len, reverse=True)


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
        if len(value) > 1 and all(isinstance(item, str) for item in value):
            return _scrub_pieces(value, secrets)
        return [_scrub(item, secrets) for item in value]
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, REDACTED)
        return _SECRET_VALUE.sub(REDACTED, value)
    return value


def _scrub_pieces(pieces: list[str], secrets: list[str]) -> list[str]:
    """Strings that are read joined (streamed chunks), scrubbed as one text: a key split
    across chunks is found, and each chunk keeps its place (the first one it touches
    shows `<redacted>`, the rest of the key is cut from the others)."""
    text = "".join(pieces)
    spans = [m.span() for m in _SECRET_VALUE.finditer(text)]
    for secret in secrets:
        start = text.find(secret)
        while start >= 0:
            spans.append((start, start + len(secret)))
            start = text.find(secret, start + 1)
    if not spans:
        return list(pieces)
    hidden = [False] * len(text)
    for start, end in spans:
        hidden[start:end] = [True] * (end - start)
    scrubbed, position = [], 0
    for piece in pieces:
        out = []
        for offset, char in enumerate(piece, position):
            if not hidden[offset]:
                out.append(char)
            elif offset == 0 or not hidden[offset - 1]:
                out.append(REDACTED)
        scrubbed.append("".join(out))
        position += len(piece)
    return scrubbed
