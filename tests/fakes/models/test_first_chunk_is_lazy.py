"""The first chunk does not wait for the whole answer to be built, in process and over
the wire: chunks and frames are made as they are sent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from fakes import (
    DIALECTS,
    ChatCompletions,
    FakeChatModel,
    FakeLLM,
    FakeProviderServer,
    Fault,
    Latency,
    Response,
    ServerError,
    ToolCall,
)
from fakes._models import _chunks
from fakes._script import _splitting
from fakes._script._cutting import cut
from fakes._wire import _openai
from fakes._wire._app import FORMATS
from fakes._wire._format import Reply, WireFormat

LONG = " tok" * 5_000


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


@pytest.fixture
def split_so_far(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many pieces the words splitter has produced (for models built after it)."""
    words, read = _splitting._NAMED["words"], [0]

    def counting(text: str) -> Iterator[str]:
        for piece in words(text):
            read[0] += 1
            yield piece

    monkeypatch.setitem(_splitting._NAMED, "words", counting)
    return read


@pytest.mark.parametrize(
    "response",
    [
        Response(text=LONG),
        Response(text=LONG, reasoning=LONG),
        Response(text=LONG, tool_calls=[ToolCall("f", {"q": "x"})]),
        Response(text=LONG, latency=Latency(ttft=0.1, per_chunk=0.01, jitter=0.2)),
    ],
    ids=["text", "reasoning", "tools", "latency"],
)
def test_the_first_chunk_waits_for_no_more_than_its_own_text(
    split_so_far: list[int], response: Response
) -> None:
    model = FakeChatModel(responses=[response, response])
    stream = model.stream("x", stop=["NEVER"])
    assert next(stream).text in ("", " tok")
    assert split_so_far[0] <= 3
    stream.close()
    # Read to the end, the counts that need every piece are right.
    last = list(model.stream("x"))[-1]
    assert last.usage_metadata is not None
    pieces = 5_000 * (2 if response.reasoning else 1) + len(response.tool_calls) * 5
    assert last.usage_metadata["output_tokens"] == pieces


def test_an_llm_splits_lazily_too(split_so_far: list[int]) -> None:
    stream = FakeLLM(responses=[LONG]).stream("x", stop=["NEVER"])
    assert next(stream) == " tok"
    assert split_so_far[0] <= 3


SERVED: list[WireFormat] = [*FORMATS, *(ChatCompletions(d) for d in DIALECTS.values())]


@pytest.mark.parametrize("wire", SERVED, ids=[f"{n}:{wire.path}" for n, wire in enumerate(SERVED)])
def test_each_wire_format_sends_its_first_token_before_the_answer_is_split(
    split_so_far: list[int], wire: WireFormat
) -> None:
    response = Response(text=LONG, reasoning=LONG)
    pieces = cut(response, _splitting.splitter("words"), ["NEVER"])
    reply = Reply(response, pieces, model="m", call_index=0, input_tokens=1)
    body = {"stream": True, "stream_options": {"include_usage": True}, "model": "m"}
    frames = iter(wire.frames(reply, body))
    while not next(frames).chunk:
        pass
    assert split_so_far[0] <= 4
    rest = list(frames)  # and the closing frames count every piece
    assert b"10000" in b"".join(frame.data for frame in rest[-3:])


def test_a_late_fault_reads_no_further_before_the_first_chunk(split_so_far: list[int]) -> None:
    model = FakeChatModel(responses=[Response(text=LONG, fault=Fault(after_chunks=4_999))])
    built = split_so_far[0]  # checking the fault at construction reads to it, once
    stream = model.stream("x")
    next(stream)
    assert split_so_far[0] - built <= 3
    with pytest.raises(ServerError):
        list(stream)
    assert len(model.calls[0].delivered) == 4_999
