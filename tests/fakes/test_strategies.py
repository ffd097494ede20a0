"""The hypothesis strategies: what they draw, how they shrink, and that fakes play it."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from typing import Any

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from fakes import FakeChatModel, Fault, Latency, Response, Rule, ScriptError, ToolCall
from fakes._script._vocabulary import brief_repr
from fakes.strategies import (
    argument_fragmentations,
    awkward_texts,
    byte_cuts,
    chunkings,
    cut_points,
    json_arguments,
    responses,
    scripts,
    tool_calls,
)
from tests.conftest import total

FAMILY = "👩\u200d👩\u200d👧"


@given(st.data())
def test_chunkings_join_back_to_the_text(data: st.DataObject) -> None:
    text = data.draw(awkward_texts())
    response = data.draw(chunkings(text))
    assert "".join(response.chunks or []) == text


def test_chunkings_slip_in_empty_chunks_unless_told_not_to() -> None:
    with_empty = find(chunkings("abc"), lambda r: "" in (r.chunks or []))
    assert with_empty.chunks is not None and "" in with_empty.chunks

    @given(chunkings("abc", empty_chunks=False))
    def never_empty(response: Response) -> None:
        assert "" not in (response.chunks or [])

    never_empty()


def test_chunkings_cut_inside_graphemes() -> None:
    """An accent apart from its letter, and a joined emoji family apart."""
    accent = find(
        chunkings("cafe\u0301!"), lambda r: any(c.startswith("\u0301") for c in r.chunks or [])
    )
    assert any(unicodedata.combining(c[0]) for c in accent.chunks or [] if c)
    family = find(
        chunkings(f"hi {FAMILY}"), lambda r: any(c.startswith("\u200d") for c in r.chunks or [])
    )
    assert "".join(family.chunks or []) == f"hi {FAMILY}"


def test_chunkings_shrink_to_the_fewest_cuts_that_fail() -> None:
    """A bug that needs the word split shrinks to one cut and no empty chunks."""
    found = find(
        chunkings("the secret is out"), lambda r: not any("secret" in c for c in r.chunks or [])
    )
    assert found.chunks is not None and len(found.chunks) == 2
    assert "".join(found.chunks) == "the secret is out"


@given(chunkings("abcdefgh", max_chunks=3))
def test_chunkings_respect_max_chunks(response: Response) -> None:
    assert len(response.chunks or []) <= 3


@given(cut_points(10))
def test_cut_points_are_sorted_and_inside(cuts: list[int]) -> None:
    assert cuts == sorted(set(cuts))
    assert all(0 < cut < 10 for cut in cuts)


def test_strategies_name_bad_arguments() -> None:
    with pytest.raises(ScriptError, match="chunkings\\(\\) takes the text to split, got int"):
        chunkings(5)  # type: ignore[arg-type]
    with pytest.raises(ScriptError, match="max_chunks must be at least 1, got 0"):
        chunkings("abc", max_chunks=0)
    with pytest.raises(ScriptError, match="needs at least one ToolCall"):
        argument_fragmentations()
    with pytest.raises(ScriptError, match="takes ToolCall"):
        argument_fragmentations({"name": "f"})  # type: ignore[arg-type]
    with pytest.raises(ScriptError, match="max_offset must be at least 1"):
        byte_cuts(max_offset=0)


@given(argument_fragmentations(ToolCall("get_weather", {"city": "Zürich"}, id="call_7")))
def test_argument_fragmentations_stream_as_tool_call_chunks(response: Response) -> None:
    [call] = response.tool_calls
    assert (call.name, call.id, call.args) == ("get_weather", "call_7", None)
    model = FakeChatModel(responses=[response])
    chunks = list(model.stream("weather?"))
    fragments = [part["args"] for c in chunks for part in c.tool_call_chunks]
    assert fragments == list(call.chunks or [])
    assert total(chunks).tool_calls[0]["args"] == {"city": "Zürich"}


@given(tool_calls(), tool_calls())
def test_parallel_calls_add_up_to_their_arguments(first: ToolCall, second: ToolCall) -> None:
    first, second = (
        ToolCall(first.name, chunks=first.chunks, id="a"),
        ToolCall(second.name, chunks=second.chunks, id="b"),
    )
    message = total(
        list(FakeChatModel(responses=[Response(tool_calls=[first, second])]).stream("x"))
    )
    import json

    assert [c["args"] for c in message.tool_calls] == [
        json.loads(first.arguments_json()),
        json.loads(second.arguments_json()),
    ]


@settings(max_examples=40)
@given(scripts(reasoning=True, max_tool_calls=2, usage=True))
def test_drawn_scripts_play_and_stream_what_invoke_returns(script: list[Response]) -> None:
    streamed = FakeChatModel(responses=script)
    invoked = FakeChatModel(responses=script)
    for response in script:
        message = total(list(streamed.stream("x")))
        assert message.text == "".join(response.chunks or [])
        whole = invoked.invoke("x")
        assert (whole.content, whole.tool_calls, whole.usage_metadata) == (
            message.content,
            message.tool_calls,
            message.usage_metadata,
        )


@given(responses(reasoning=True, max_tool_calls=2, usage=True))
def test_a_drawn_response_prints_as_python_that_rebuilds_it(response: Response) -> None:
    """What a failure prints can be pasted into a test as it is."""
    rebuilt = eval(repr(response), {"Response": Response, "ToolCall": ToolCall})
    assert rebuilt == Response(
        chunks=list(response.chunks or []),
        reasoning_chunks=None
        if response.reasoning_chunks is None
        else list(response.reasoning_chunks),
        tool_calls=list(response.tool_calls),
        usage=response.usage,
    )


def test_reprs_show_only_what_differs_from_the_defaults() -> None:
    assert repr(Response(chunks=["a", "b"])) == "Response(chunks=['a', 'b'])"
    assert repr(ToolCall("f", {"x": 1})) == "ToolCall('f', args={'x': 1})"
    assert repr(Fault(after_chunks=2)) == "Fault(after_chunks=2)"
    assert repr(Latency(chunk_delays=(0.5, 0.1))) == "Latency(chunk_delays=[0.5, 0.1])"


@given(json_arguments())
def test_json_arguments_are_json_objects(args: dict[str, object]) -> None:
    import json

    assert json.loads(json.dumps(args)) == args


@given(byte_cuts(max_offset=50, max_cuts=5))
def test_byte_cuts_are_sorted_offsets_in_range(cuts: list[int]) -> None:
    assert cuts == sorted(set(cuts)) and len(cuts) <= 5
    assert all(1 <= cut <= 50 for cut in cuts)


def test_importing_fakes_does_not_import_hypothesis() -> None:
    code = "import sys, fakes; print('hypothesis' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_a_long_script_shows_cut_short_in_the_models_repr() -> None:
    """LangChain puts a model's repr in every run's serialized form: a long script must
    not make it long. A response's own repr stays whole, to paste into a test."""
    response = Response(chunks=[" tok"] * 300, usage={"input_tokens": 1})
    assert eval(repr(response), {"Response": Response}) == response
    long = Response(chunks=[" tok"] * 200_000)
    shown = repr(FakeChatModel(responses=[long] * 300, latency=Latency(chunk_delays=[0.1] * 10**5)))
    assert len(shown) < 10_000
    assert "responses=[Response(chunks=[' tok', ' tok', " in shown
    assert " ' tok', ...]), Response(chunks=[' tok', " in shown
    assert "...]), ...]" in shown
    nested = ToolCall("f", {"a": "x" * 100_000, "b": [Response(text="y" * 100_000)]})
    assert len(brief_repr([Rule(response=Response(tool_calls=[nested]), contains="c")])) < 1_000


def test_a_run_serializes_a_long_script_briefly() -> None:
    from langchain_core.callbacks import BaseCallbackHandler

    class Serialized(BaseCallbackHandler):
        def __init__(self) -> None:
            self.shown: dict[str, Any] = {}

        def on_chat_model_start(self, serialized: dict[str, Any], *args: Any, **kw: Any) -> None:
            self.shown = serialized

    handler = Serialized()
    FakeChatModel(responses=[Response(chunks=[" tok"] * 200_000)]).invoke(
        "x", config={"callbacks": [handler]}
    )
    assert "Response(chunks=[' tok'" in handler.shown["repr"]
    assert len(handler.shown["repr"]) < 5_000
