"""Byte-level fuzzing of the Responses API, each OpenAI-compatible dialect and Ollama's
generate API: each real client reads the same message wherever the bytes are cut."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from langchain_ollama import OllamaLLM

from fakes import FakeChatModel, FakeProviderServer, Response, ToolCall
from fakes.strategies import byte_cuts
from tests.conftest import total
from tests.fakes.wire.test_server_providers import CLIENTS, TOOL_CLIENTS, WEATHER

TEXT = 'Grüße aus Köln ✓ 🎉 — "quoted"\nand more'
CALL = ToolCall("get_weather", {"city": "Zürich"}, id="call1ab2c")


@pytest.mark.parametrize("name", list(CLIENTS))
def test_each_client_reads_the_same_message_wherever_the_bytes_are_cut(name: str) -> None:
    build, wire = CLIENTS[name][0], CLIENTS[name][1]
    calls = [CALL] if name in TOOL_CLIENTS else []
    script = FakeChatModel(responses=[Response(text=TEXT, tool_calls=calls)], cycle=True)
    with FakeProviderServer(script, formats=[wire] if wire else []) as server:
        model = build(server)
        bound = model.bind_tools([WEATHER]) if calls else model

        @settings(max_examples=15, deadline=None)
        @given(byte_cuts(max_offset=6000))
        def same_message(cuts: list[int]) -> None:
            server.cut_at(cuts)
            message = total(list(bound.stream("weather?")))
            assert message.text == TEXT
            assert [(c["name"], c["args"]) for c in message.tool_calls] == [
                (c.name, dict(c.args or {})) for c in calls
            ]

        same_message()


def test_ollama_llm_reads_the_same_text_wherever_the_bytes_are_cut() -> None:
    script = FakeChatModel(responses=[TEXT], cycle=True)
    with FakeProviderServer(script) as server:
        llm = OllamaLLM(base_url=server.ollama_base_url, model="llama-fake")

        @settings(max_examples=15, deadline=None)
        @given(byte_cuts(max_offset=1500))
        def same_text(cuts: list[int]) -> None:
            server.cut_at(cuts)
            assert "".join(llm.stream("hi")) == TEXT

        same_text()
