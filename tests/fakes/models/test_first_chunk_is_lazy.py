"""The first chunk does not wait for the whole answer to be built, in process and over
the wire: chunks and frames are made as they are sent."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from fakes import FakeChatModel, FakeLLM, FakeProviderServer, Latency, Response
from fakes._models import _chunks
from fakes._wire import _openai


def _counting(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    made = [0]
    original = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        made[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return made


@pytest.mark.parametrize("reasoning", ["", "think " * 10])
def test_stream_builds_the_first_chunk_without_the_rest(
    monkeypatch: pytest.MonkeyPatch, reasoning: str
) -> None:
    made = _counting(monkeypatch, _chunks, "ChatGenerationChunk")
    model = FakeChatModel(responses=[Response(text="tok " * 5000, reasoning=reasoning)])
    stream = model.stream("x")
    first = next(stream)
    assert made[0] == 1
    assert first.content or first.additional_kwargs or first.content == []
    rest = list(stream)
    assert len(rest) + 1 == made[0]
    assert rest[-1].chunk_position == "last"


def test_an_llm_streams_lazily_too(monkeypatch: pytest.MonkeyPatch) -> None:
    made = _counting(monkeypatch, _chunks, "GenerationChunk")
    stream = FakeLLM(responses=["tok " * 5000]).stream("x")
    assert next(stream) == "tok"
    assert made[0] == 1


def test_the_server_renders_frames_as_it_sends_them(monkeypatch: pytest.MonkeyPatch) -> None:
    made = _counting(monkeypatch, _openai, "data_frame")
    model = FakeChatModel(responses=["tok " * 20_000], latency=Latency(per_chunk=0.02))
    body = {"messages": [{"role": "user", "content": "hi"}], "stream": True}
    with FakeProviderServer(model) as server:
        url = server.openai_base_url + "/chat/completions"
        with httpx.stream("POST", url, json=body) as reply:
            next(reply.iter_raw())
            assert made[0] < 100  # of 20,002 frames
    assert model.calls[0].closed_early
