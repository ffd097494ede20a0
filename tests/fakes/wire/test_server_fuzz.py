"""Byte-level fuzzing over the wire: the fake server cuts bodies where hypothesis says."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import find, given, settings
from langchain_anthropic import ChatAnthropic
from langchain_ollama import ChatOllama
from langchain_openai import ChatOpenAI

from fakes import FakeChatModel, FakeProviderServer, FakesError, Response, ToolCall
from fakes.strategies import byte_cuts
from tests.conftest import total

TEXT = 'Grüße aus Köln ✓ 🎉 — "quoted"\nand more'
CALL = ToolCall("get_weather", {"city": "Zürich"}, id="call_1")
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the weather.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


@pytest.fixture(scope="module")
def server() -> Iterator[FakeProviderServer]:
    model = FakeChatModel(responses=[Response(text=TEXT, tool_calls=[CALL])], cycle=True)
    with FakeProviderServer(model) as running:
        yield running


def _clients(server: FakeProviderServer) -> dict[str, Any]:
    return {
        "openai": ChatOpenAI(
            base_url=server.openai_base_url, api_key="sk-test", model="gpt-fake", max_retries=0
        ),
        "anthropic": ChatAnthropic(
            base_url=server.anthropic_base_url,
            api_key="sk-test",
            model="claude-fake",
            max_retries=0,
        ),
        "ollama": ChatOllama(base_url=server.ollama_base_url, model="llama-fake"),
    }


def _gemini(server: FakeProviderServer) -> Any:
    from langchain_google_genai import ChatGoogleGenerativeAI

    return ChatGoogleGenerativeAI(
        model="gemini-fake", base_url=server.gemini_base_url, api_key="k-test", max_retries=1
    )


def _bedrock(server: FakeProviderServer) -> Any:
    from langchain_aws import ChatBedrockConverse

    return ChatBedrockConverse(
        model="anthropic.claude-3-haiku-20240307-v1:0",
        endpoint_url=server.bedrock_endpoint_url,
        region_name="us-east-1",
        max_retries=0,
    )


FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "AKIAFAKEFAKEFAKEFAKE",
    "AWS_SECRET_ACCESS_KEY": "fake-secret-access-key",
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
    "AWS_EC2_METADATA_DISABLED": "true",
}


@pytest.mark.parametrize("client", ["openai", "anthropic", "ollama", "gemini", "bedrock"])
def test_clients_read_the_same_message_wherever_the_bytes_are_cut(
    server: FakeProviderServer, client: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in FAKE_AWS.items():
        monkeypatch.setenv(name, value)
    built = {"gemini": _gemini, "bedrock": _bedrock}
    chat = built[client](server) if client in built else _clients(server)[client]
    model = chat.bind_tools([WEATHER])

    @settings(max_examples=25)
    @given(byte_cuts(max_offset=1500))
    def same_message(cuts: list[int]) -> None:
        server.cut_at(cuts)
        message = total(list(model.stream("weather?")))
        assert message.text == TEXT
        assert [(c["name"], c["args"]) for c in message.tool_calls] == [
            ("get_weather", {"city": "Zürich"})
        ]

    try:
        same_message()
    finally:
        server.cut_at([])


def _stream_body(server: FakeProviderServer, cuts: list[int]) -> list[bytes]:
    server.cut_at(cuts)
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    with httpx.stream("POST", f"{server.openai_base_url}/chat/completions", json=body) as reply:
        return list(reply.iter_raw())


def _naive_text(reads: list[bytes]) -> str:
    """Decodes each read on its own: the bug that drops a character split across reads."""
    buffer, text = "", ""
    for read in reads:
        buffer += read.decode("utf-8")
        *events, buffer = buffer.split("\n\n")
        for event in events:
            data = event.removeprefix("data: ")
            if data != "[DONE]":
                text += json.loads(data)["choices"][0]["delta"].get("content") or ""
    return text


def test_the_cuts_reach_the_client_as_separate_reads(server: FakeProviderServer) -> None:
    whole = b"".join(_stream_body(server, []))
    reads = _stream_body(server, [3, 40, 41])
    assert len(b"".join(reads)) == len(whole)  # the same body (but for its call's id)
    assert [len(r) for r in reads[:3]] == [3, 37, 1]
    server.cut_at([])


def test_fuzzing_finds_a_parser_that_decodes_each_read_alone(server: FakeProviderServer) -> None:
    whole = b"".join(_stream_body(server, []))

    def breaks(cuts: list[int]) -> bool:
        try:
            return _naive_text(_stream_body(server, cuts)) != TEXT
        except UnicodeDecodeError:
            return True

    try:
        cuts = find(byte_cuts(max_offset=len(whole)), breaks, settings=settings(max_examples=200))
    finally:
        server.cut_at([])
    # Shrunk to one cut, inside a multi-byte character.
    assert len(cuts) == 1
    [cut] = cuts
    assert whole[cut] & 0b1100_0000 == 0b1000_0000  # a continuation byte starts the 2nd read


def test_bad_cuts_are_refused(server: FakeProviderServer) -> None:
    with pytest.raises(FakesError, match=r"cuts are byte offsets >= 1, got \[0, 5\]"):
        server.cut_at([0, 5])
