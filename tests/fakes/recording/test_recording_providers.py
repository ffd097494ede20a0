"""The recording proxy between each new client and the fake provider: the Responses API,
each OpenAI-compatible dialect and Ollama's generate API record, and replay the same."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_ollama import OllamaLLM

from assertions import normalize_chunks, render_chunks
from fakes import FakeChatModel, FakeProviderServer, RecordingProxy, Response, ToolCall
from tests.fakes.wire.test_server_providers import CLIENTS, TOOL_CLIENTS, WEATHER

KEY = "sk-secret-key"


@pytest.mark.parametrize("name", list(CLIENTS))
def test_a_proxied_stream_replays_the_same(name: str, tmp_path: Path) -> None:
    build, wire = CLIENTS[name][0], CLIENTS[name][1]
    calls = [ToolCall("get_weather", {"city": "Köln"}, id="call1ab2c")]
    answer = Response(
        reasoning="Hmm, let me see.",
        text="Let me check ✓",
        tool_calls=calls if name in TOOL_CLIENTS else [],
        usage={"input_tokens": 9, "output_tokens": 6},
    )
    formats = [wire] if wire else []

    def streamed(server: FakeProviderServer | RecordingProxy) -> str:
        model = build(server)  # type: ignore[arg-type]
        bound = model.bind_tools([WEATHER]) if name in TOOL_CLIENTS else model
        return render_chunks(normalize_chunks(list(bound.stream("weather?"))))

    with (
        FakeProviderServer(FakeChatModel(responses=[answer]), formats=formats) as provider,
        RecordingProxy(provider.url) as proxy,
    ):
        original = streamed(proxy)
        assert proxy.wait_for(1, timeout=5)
    path = proxy.save(tmp_path / "proxied.yaml")
    assert KEY not in path.read_text()
    with FakeProviderServer(FakeChatModel.from_script(path), formats=formats) as replay:
        assert streamed(replay) == original


def test_ollama_llm_through_the_proxy_replays_the_same(tmp_path: Path) -> None:
    answer = Response(text="generated ✓ text", usage={"input_tokens": 2, "output_tokens": 3})
    with (
        FakeProviderServer(FakeChatModel(responses=[answer])) as provider,
        RecordingProxy(provider.url) as proxy,
    ):
        original = list(OllamaLLM(base_url=proxy.ollama_base_url, model="m").stream("hi"))
        assert proxy.wait_for(1, timeout=5)
    path = proxy.save(tmp_path / "generated.yaml")
    with FakeProviderServer(FakeChatModel.from_script(path)) as replay:
        assert list(OllamaLLM(base_url=replay.ollama_base_url, model="m").stream("hi")) == original
    assert original[:3] == ["generated", " ✓", " text"]
