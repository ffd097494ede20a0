"""Every credential the client sent is scrubbed from everything written or printed,
whatever its shape and whichever way it was sent."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from fakes import (
    FakeChatModel,
    FakeProviderServer,
    FakesError,
    Fault,
    RecordingProxy,
    Response,
    ServerError,
)
from fakes._secrets import known_secrets, scrub, shown_url

# One key of each shape the issue found leaking (none of them real).
KEYS = {
    "google": "AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW",
    "groq": "gsk_4f9Qb7LmZx2Rt8Wv6Yk3Np1Hs5Jd0Fc",
    "huggingface": "hf_AbCdEfGhIjKlMnOpQrStUvWxYz012345",
    "github": "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "azure": "0123456789abcdef0123456789abcdef",
    "mistral": "Zx8Kp2Lm9Qr4Tv6Wy1Bn3Cd5Fg7Hj0As",
    "short sk": "sk-test1",
}

Send = Callable[[str, str], tuple[str, dict[str, str], dict[str, Any]]]


def _header(name: str, prefix: str = "") -> Send:
    def send(base: str, key: str) -> tuple[str, dict[str, str], dict[str, Any]]:
        return base, {name: prefix + key}, {}

    return send


def _query(base: str, key: str) -> tuple[str, dict[str, str], dict[str, Any]]:
    return base, {}, {"params": {"key": key}}


def _body(base: str, key: str) -> tuple[str, dict[str, str], dict[str, Any]]:
    return base, {}, {"api_key": key}


CHANNELS: dict[str, Send] = {
    "authorization": _header("authorization", "Bearer "),
    "x-api-key": _header("x-api-key"),
    "api-key": _header("api-key"),
    "ocp-apim-subscription-key": _header("ocp-apim-subscription-key"),
    "x-secret-key": _header("x-secret-key"),
    "x-custom-auth": _header("x-custom-auth"),
    "x-access-key": _header("x-access-key"),
    "query": _query,
    "body api_key": _body,
}


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("shape", KEYS)
def test_a_credential_the_client_sent_reaches_no_file_journal_or_repr(
    shape: str, channel: str
) -> None:
    key = KEYS[shape]
    # The provider echoes the key: in the answer text, and in a 401's error body.
    model = FakeChatModel(
        responses=[
            Response(text=f"echo {key} done"),
            Fault(ServerError(f"invalid key {key}", status_code=401)),
        ]
    )
    with FakeProviderServer(model) as provider, RecordingProxy(provider.url) as proxy:
        for stream in (True, False):
            base, headers, extra = CHANNELS[channel](proxy.openai_base_url, key)
            params = extra.pop("params", None)
            body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], **extra}
            httpx.post(
                base + "/chat/completions",
                json={**body, "stream": stream},
                headers=headers,
                params=params,
            )
        assert proxy.wait_for(2, timeout=10)
        written = json.dumps(proxy.script())
        shown = repr(proxy)
    journal = json.dumps([(r.headers, r.body) for r in provider.journal.requests])
    assert '" <redacted>"' in written  # the answer was recorded, the key scrubbed
    assert "invalid key <redacted>" in written
    for place in (written, shown, journal):
        assert key not in place


@pytest.mark.parametrize("shape", [s for s in KEYS if s not in ("mistral", "short sk")])
def test_keys_are_caught_by_shape_even_when_nobody_said_they_were_keys(shape: str) -> None:
    assert scrub({"text": f"key={KEYS[shape]}."}) == {"text": "key=<redacted>."}


def test_the_upstream_urls_credentials_are_scrubbed_from_the_recording_and_repr() -> None:
    key = "hunter2-upstream-key"
    model = FakeChatModel(responses=[f"echo {key}"])
    with FakeProviderServer(model) as provider:
        upstream = provider.url.replace("http://", f"http://user:{key}@") + f"/?key={key}"
        with RecordingProxy(upstream) as proxy:
            httpx.post(proxy.openai_base_url + "/chat/completions", json={"messages": []})
            assert proxy.wait_for(1, timeout=10)
            assert key not in json.dumps(proxy.script())
            assert key not in repr(proxy)
    assert shown_url(upstream) == provider.url.replace("http://", "http://<redacted>@") + (
        "/?key=<redacted>"
    )


@pytest.mark.parametrize("name", ["AZURE_OPENAI_KEY", "MY_PROVIDER_APIKEY", "GH_PAT"])
def test_credential_environment_variables_are_scrubbed(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(name, "plain-looking-value-42")
    assert "plain-looking-value-42" in known_secrets()
    assert scrub("x plain-looking-value-42 y") == "x <redacted> y"


def test_the_journal_keeps_safe_headers_and_hides_every_other_one() -> None:
    with FakeProviderServer(FakeChatModel(responses=["ok"])) as server:
        httpx.post(
            server.openai_base_url + "/chat/completions",
            json={"messages": [{"role": "user", "content": "hi"}], "api_key": "in-the-body-1"},
            headers={"x-custom-auth": "custom-secret-1", "anthropic-version": "2023-06-01"},
        )
    request = server.journal.requests[0]
    assert request.headers["x-custom-auth"] == "<redacted>"
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert request.headers["content-type"] == "application/json"
    assert request.body["api_key"] == "<redacted>"


def test_a_key_split_across_chunks_is_found_and_each_chunk_keeps_its_place() -> None:
    chunks = ["my sk", "-test", "1 ok"]
    assert scrub({"chunks": chunks}, ["sk-test1"]) == {"chunks": ["my <redacted>", "", " ok"]}


def test_an_upstream_that_is_not_a_url_is_refused_without_showing_its_key() -> None:
    with pytest.raises(FakesError, match="upstream must be the provider's base URL") as raised:
        RecordingProxy("ftp://me:hunter2-secret@host/?key=hunter2-secret")
    assert "hunter2-secret" not in str(raised.value)


def test_only_an_authorization_schemes_token_counts_on_its_own() -> None:
    from fakes._secrets import sent_credentials

    found = sent_credentials({"authorization": "Bearer abc123xyz", "x-client": "LangChain Python"})
    assert found == {"Bearer abc123xyz", "abc123xyz", "LangChain Python"}  # not "Python"
