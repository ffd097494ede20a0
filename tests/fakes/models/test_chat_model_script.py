"""Picking responses: order, rules, batch, exhaustion, and the call log."""

from __future__ import annotations

import re
import time

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import HumanMessage

from fakes import FakeChatModel, Response, Rule, ScriptError, ScriptExhaustedError


def test_responses_are_consumed_in_order_and_logged() -> None:
    model = FakeChatModel(responses=["one", "two"])
    assert model.invoke("a").content == "one"
    assert [c.content for c in model.stream("b")] == ["two"]
    assert [(c.index, c.method, c.source) for c in model.calls] == [
        (0, "invoke", "responses[0]"),
        (1, "stream", "responses[1]"),
    ]
    assert model.calls[1].input == [HumanMessage("b")]
    assert model.unused_responses == []


def test_rules_answer_matching_inputs_before_the_ordered_responses() -> None:
    model = FakeChatModel(
        responses=["in order"],
        rules=[
            Rule(contains="weather", response="Sunny."),
            Rule(matches=r"^\d+$", response="A number."),
            Rule(when=lambda messages: len(messages) > 1, response="A conversation."),
        ],
    )
    assert model.invoke("what's the weather").content == "Sunny."
    assert model.invoke("42").content == "A number."
    assert model.invoke([("system", "be brief"), ("human", "hi")]).content == "A conversation."
    assert model.invoke("hello").content == "in order"
    assert [c.source for c in model.calls] == ["rules[0]", "rules[1]", "rules[2]", "responses[0]"]


def test_running_out_names_the_model_the_calls_and_the_responses() -> None:
    model = FakeChatModel(responses=["Hello there", "Bye"], model_name="fake-gpt")
    model.invoke("hi")
    list(model.stream("bye"))
    with pytest.raises(ScriptExhaustedError) as raised:
        model.invoke("one more?")
    assert str(raised.value) == (
        "FakeChatModel(model_name='fake-gpt') has no response left for call 2 (input 'one more?').\n"
        "It scripted 2 response(s):\n"
        "  responses[0]: 'Hello there'\n"
        "  responses[1]: 'Bye'\n"
        "and has played them in these calls:\n"
        "  call 0: invoke  responses[0]   input 'hi'\n"
        "  call 1: stream  responses[1]   input 'bye'\n"
        "Add responses, pass cycle=True to replay them, or add a Rule for this input."
    )


def test_cycle_starts_over() -> None:
    model = FakeChatModel(responses=["a", "b"], cycle=True)
    assert [model.invoke("x").content for _ in range(5)] == ["a", "b", "a", "b", "a"]


@pytest.mark.parametrize("max_concurrency", [None, 1, 3])
def test_batch_gives_input_i_the_ith_response(max_concurrency: int | None) -> None:
    model = FakeChatModel(responses=[f"answer {i}" for i in range(8)])
    outputs = model.batch([f"q{i}" for i in range(8)], {"max_concurrency": max_concurrency})
    assert [o.content for o in outputs] == [f"answer {i}" for i in range(8)]
    assert [c.input[0].content for c in model.calls] == [f"q{i}" for i in range(8)]


async def test_abatch_gives_input_i_the_ith_response() -> None:
    model = FakeChatModel(
        responses=[f"answer {i}" for i in range(6)], rules=[Rule(contains="!", response="rule")]
    )
    outputs = await model.abatch(["q0", "q1!", "q2", "q3", "q4!", "q5"])
    assert [o.content for o in outputs] == [
        "answer 0",
        "rule",
        "answer 1",
        "answer 2",
        "rule",
        "answer 3",
    ]
    assert all(c.method == "ainvoke" for c in model.calls)


def test_batch_reservations_do_not_leak_into_the_events_metadata() -> None:
    model = FakeChatModel(responses=["a", "b"])
    seen: list[dict[str, object]] = []

    from langchain_core.callbacks import BaseCallbackHandler

    class Spy(BaseCallbackHandler):
        def on_chat_model_start(self, serialized, messages, *, metadata=None, **kwargs):  # type: ignore[no-untyped-def]
            seen.append(metadata or {})

    model.batch(["x", "y"], {"callbacks": [Spy()]})
    assert all(not any(key.startswith("__") for key in m) for m in seen)
    assert len(seen) == 2


def test_kwargs_stop_and_bound_tools_are_recorded() -> None:
    def get_weather(city: str) -> str:
        """Get the weather."""
        return city

    model = FakeChatModel(responses=["a"])
    model.bind_tools([get_weather], tool_choice="any").invoke("x", stop=["\n"])
    call = model.calls[0]
    assert call.stop == ["\n"]
    assert call.tool_choice == "any"
    assert [t["function"]["name"] for t in call.tools] == ["get_weather"]


def test_the_call_log_holds_the_delivered_messages() -> None:
    model = FakeChatModel(responses=["a b"])
    list(model.stream("x"))
    assert [c.content for c in model.calls[0].chunks] == ["a", " b"]
    assert model.calls[0].finished and not model.calls[0].closed_early


def test_positional_responses() -> None:
    assert FakeChatModel(["hi"]).invoke("x").content == "hi"


def test_unused_responses_are_listed() -> None:
    model = FakeChatModel(responses=["a", "b", "c"])
    model.invoke("x")
    assert model.unused_responses == ["responses[1]", "responses[2]"]


def test_rule_regex_may_be_compiled() -> None:
    model = FakeChatModel(rules=[Rule(matches=re.compile("HI", re.I), response="hey")])
    assert model.invoke("hi").content == "hey"


async def test_a_call_may_ask_for_another_model() -> None:
    model = FakeChatModel(responses=["a", "b"], model_name="fake-big")
    assert model.invoke("x", model="fake-small").response_metadata["model_name"] == "fake-small"
    events = [e async for e in model.astream_events("x", version="v2", model="fake-mini")]
    assert events[0]["metadata"]["ls_model_name"] == "fake-mini"
    assert events[-1]["data"]["output"].response_metadata["model_name"] == "fake-mini"


def test_a_rule_can_require_a_bound_tool() -> None:
    from typing_extensions import TypedDict

    from fakes import ToolCall

    class Joke(TypedDict):
        """A joke."""

        setup: str
        punchline: str

    joke = {"setup": "Why?", "punchline": "Because."}
    model = FakeChatModel(
        rules=[
            Rule(
                contains="joke",
                bound_tool="Joke",
                response=Response(tool_calls=[ToolCall("Joke", joke)]),
            ),
            Rule(contains="joke", response="Why? Because."),
        ]
    )
    assert model.with_structured_output(Joke).invoke("Tell me a joke") == joke
    assert model.invoke("Tell me a joke").content == "Why? Because."
    assert [c.source for c in model.calls] == ["rules[0]", "rules[1]"]


def test_batch_of_a_bound_model_sees_the_bound_tools() -> None:
    def search(q: str) -> str:
        """Search."""
        return q

    model = FakeChatModel(
        rules=[Rule(bound_tool="search", response="tool bound")], responses=["plain"]
    )
    assert [m.content for m in model.bind_tools([search]).batch(["a", "b"])] == ["tool bound"] * 2
    assert model.batch(["c"])[0].content == "plain"


def test_a_model_level_stop_applies_unless_the_call_sets_its_own() -> None:
    model = FakeChatModel(responses=["Hi! How are you doing today?"], stop=["you"], cycle=True)
    assert model.invoke("x").content == "Hi! How are "
    assert model.calls[0].stop == ["you"]
    assert model.invoke("x", stop=["!"]).content == "Hi"
    assert model._get_ls_params()["ls_stop"] == ["you"]


def test_unused_responses_with_cycle_count_every_response_once_played() -> None:
    model = FakeChatModel(responses=["a", "b", "c"], cycle=True)
    model.invoke("x")
    assert model.unused_responses == ["responses[1]", "responses[2]"]
    for _ in range(3):
        model.invoke("x")
    assert model.unused_responses == []


def test_running_out_describes_responses_without_text() -> None:
    from fakes import Fault, ToolCall

    model = FakeChatModel(
        responses=[Response(tool_calls=[ToolCall("search", {})]), Fault(error=TimeoutError("slow"))]
    )
    model.invoke("x")
    with pytest.raises(TimeoutError):
        model.invoke("x")
    with pytest.raises(ScriptExhaustedError) as raised:
        model.invoke("x")
    assert "  responses[0]: 'tool calls: search'\n" in str(raised.value)
    assert "  responses[1]: \"fault: TimeoutError('slow')\"\n" in str(raised.value)


class SlowFirstInput(BaseCallbackHandler):
    """Holds up the first input's call, so the others reach the model before it."""

    run_inline = True

    def on_chat_model_start(self, serialized, messages, **kwargs):  # type: ignore[no-untyped-def]
        if messages[0][-1].content == "q0":
            time.sleep(0.05)


def test_batch_order_does_not_depend_on_which_thread_runs_first() -> None:
    model = FakeChatModel(responses=[f"answer {i}" for i in range(4)])
    outputs = model.batch([f"q{i}" for i in range(4)], {"callbacks": [SlowFirstInput()]})
    assert [o.content for o in outputs] == [f"answer {i}" for i in range(4)]


def test_batch_as_completed_keeps_the_input_order_of_responses() -> None:
    model = FakeChatModel(responses=[f"answer {i}" for i in range(4)])
    inputs = [f"q{i}" for i in range(4)]
    done = dict(model.batch_as_completed(inputs, {"callbacks": [SlowFirstInput()]}))
    assert {i: o.content for i, o in done.items()} == {i: f"answer {i}" for i in range(4)}  # type: ignore[union-attr]


async def test_abatch_as_completed_keeps_the_input_order_of_responses() -> None:
    model = FakeChatModel(responses=[f"answer {i}" for i in range(4)])
    done = {i: o async for i, o in model.abatch_as_completed([f"q{i}" for i in range(4)])}
    assert {i: o.content for i, o in done.items()} == {i: f"answer {i}" for i in range(4)}  # type: ignore[union-attr]


def test_batch_returns_running_out_as_that_inputs_error() -> None:
    model = FakeChatModel(responses=["a"])
    first, second = model.batch(["x", "y"], return_exceptions=True)
    assert first.content == "a"  # type: ignore[union-attr]
    assert isinstance(second, ScriptExhaustedError)
    assert [(c.method, c.source, type(c.error).__name__) for c in model.calls] == [
        ("invoke", "responses[0]", "NoneType"),
        ("invoke", "", "ScriptExhaustedError"),
    ]


def test_running_out_is_logged_as_a_call_with_its_error() -> None:
    model = FakeChatModel(responses=["a"])
    model.invoke("x")
    with pytest.raises(ScriptExhaustedError):
        list(model.stream("y"))
    assert len(model.calls) == 2
    assert model.calls[1].method == "stream" and model.calls[1].response is None
    assert isinstance(model.calls[1].error, ScriptExhaustedError)


def test_a_rule_condition_that_raises_names_the_rule() -> None:
    model = FakeChatModel(rules=[Rule(when=lambda messages: 1 / 0, response="x")])
    with pytest.raises(
        ScriptError, match=r"^script: rules\[0\]\.when: the condition raised ZeroDivisionError"
    ):
        model.invoke("x")


def test_a_consumer_that_stops_at_the_last_chunk_has_finished() -> None:
    model = FakeChatModel(responses=["a b"])
    for chunk in model.stream("x"):
        if chunk.chunk_position == "last":
            break
    assert model.calls[0].finished and not model.calls[0].closed_early


def test_a_global_llm_cache_does_not_answer_for_the_script() -> None:
    from langchain_core.caches import InMemoryCache
    from langchain_core.globals import set_llm_cache

    set_llm_cache(InMemoryCache())
    try:
        assert FakeChatModel(responses=["first"]).invoke("x").content == "first"
        second = FakeChatModel(responses=["second"])
        assert second.invoke("x").content == "second"
        assert len(second.calls) == 1
    finally:
        set_llm_cache(None)


def test_streaming_true_makes_invoke_stream_like_an_integration() -> None:
    tokens: list[str] = []

    class Tokens(BaseCallbackHandler):
        def on_llm_new_token(self, token, **kwargs):  # type: ignore[no-untyped-def]
            tokens.append(token)

    model = FakeChatModel(responses=["a b"], streaming=True)
    assert model.invoke("x", {"callbacks": [Tokens()]}).content == "a b"
    assert tokens == ["a", " b"]
    assert model.calls[0].method == "stream"


async def test_an_async_consumer_that_stops_at_the_last_chunk_has_finished() -> None:
    import contextlib

    model = FakeChatModel(responses=["a b"])
    async with contextlib.aclosing(model.astream("x")) as stream:
        async for chunk in stream:
            if chunk.chunk_position == "last":
                break
    assert model.calls[0].finished and not model.calls[0].closed_early


async def test_a_batch_reservation_is_not_played_by_another_fake() -> None:
    from langchain_core.callbacks import AsyncCallbackHandler

    judge = FakeChatModel(responses=["judge says ok"])
    verdicts: list[str] = []

    class Judge(AsyncCallbackHandler):
        async def on_llm_end(self, response, **kwargs):  # type: ignore[no-untyped-def]
            verdicts.append((await judge.ainvoke("judge this")).content)  # type: ignore[arg-type]

    model = FakeChatModel(responses=["b0", "b1"])
    outputs = await model.abatch(["q"], {"callbacks": [Judge()]})
    assert [o.content for o in outputs] == ["b0"]
    assert verdicts == ["judge says ok"]
    assert [c.source for c in judge.calls] == ["responses[0]"]
    assert len(model.calls) == 1 and len(model.calls[0].chunks) == 1


def test_an_invalid_input_in_a_batch_fails_alone() -> None:
    model = FakeChatModel(responses=["a", "b", "c"])
    results = model.batch(["1", 123, "3"], return_exceptions=True)  # type: ignore[list-item]
    assert results[0].content == "a"  # type: ignore[union-attr]
    assert isinstance(results[1], ValueError)
    assert results[2].content == "b"  # type: ignore[union-attr]
    assert model.invoke("4").content == "c"


def test_model_is_an_alias_of_model_name_as_in_real_integrations() -> None:
    assert FakeChatModel(responses=["a"], model="gpt-fake").model_name == "gpt-fake"


def test_a_copy_has_its_own_script_cursor_and_call_log() -> None:
    import copy

    model = FakeChatModel(responses=["one", "two"])
    model.invoke("x")
    updated = model.model_copy(update={"responses": ["new"], "model_name": "copy"})
    assert updated.invoke("x").content == "new"
    for fresh in (model.model_copy(deep=True), copy.deepcopy(model)):
        assert fresh.invoke("x").content == "one"
        assert len(fresh.calls) == 1
    assert len(model.calls) == 1


def test_script_errors_lists_the_calls_the_script_could_not_answer_even_if_caught() -> None:
    from langchain_core.runnables import RunnableLambda

    model = FakeChatModel(responses=["only one"])
    chain = model.with_fallbacks([RunnableLambda(lambda _: "fallback")])
    assert chain.invoke("first").content == "only one"
    assert chain.invoke("second") == "fallback"  # the exhausted script is swallowed
    assert [call.index for call in model.script_errors] == [1]
    assert type(model.script_errors[0].error).__name__ == "ScriptExhaustedError"
    assert model._engine.describe_script_error(model.script_errors[0]).startswith(
        "  call 1 (invoke, input 'second') of FakeChatModel(model_name='fake-model') raised "
        "ScriptExhaustedError:\n    FakeChatModel(model_name='fake-model') has no response "
        "left for call 1 (input 'second')."
    )
