"""Scripting with messages (`AIMessage` / `AIMessageChunk`, a list of them) and with
functions that compute the answer from the call."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage

from fakes import (
    FakeChatModel,
    FakeLLM,
    Latency,
    Response,
    Rule,
    ScriptError,
    ToolCall,
    echo,
)


def added(chunks: list[Any]) -> Any:
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    return total


FULL = AIMessage(
    content="Moving the file now",
    id="msg-full",
    tool_calls=[{"name": "move_file", "args": {"source": "a"}, "id": "call_1"}],
    additional_kwargs={
        "function_call": {"name": "move_file", "arguments": '{"source": "a"}'},
        "refusal": None,
    },
    response_metadata={"finish_reason": "tool_calls", "system_fingerprint": "fp_1"},
    usage_metadata={"input_tokens": 5, "output_tokens": 9, "total_tokens": 14},
)


@pytest.mark.parametrize("message", [FULL, AIMessageChunk(**FULL.model_dump(exclude={"type"}))])
def test_a_message_streams_with_all_its_fields(message: AIMessage) -> None:
    model = FakeChatModel(responses=[message])
    chunks = list(model.stream("move it"))
    assert len(chunks) > 5  # streamed, not one chunk
    assert [c.text for c in chunks if c.text] == ["Moving", " the", " file", " now"]
    # The legacy function_call's arguments arrive in fragments, the name once.
    calls = [c.additional_kwargs for c in chunks if "function_call" in c.additional_kwargs]
    fragments = [kwargs["function_call"] for kwargs in calls]
    assert fragments[0]["name"] == "move_file" and len(fragments) > 2
    assert all("name" not in f for f in fragments[1:])
    total = added(chunks)
    assert total.content == "Moving the file now"
    assert total.id == "msg-full"
    assert total.tool_calls == FULL.tool_calls
    assert total.additional_kwargs == FULL.additional_kwargs
    assert total.usage_metadata == FULL.usage_metadata
    assert total.response_metadata == {
        "finish_reason": "tool_calls",
        "model_name": "fake-model",
        "system_fingerprint": "fp_1",
    }
    assert chunks[-1].chunk_position == "last"


def test_invoke_returns_what_the_stream_adds_up_to() -> None:
    streamed = added(list(FakeChatModel(responses=[FULL]).stream("x")))
    invoked = FakeChatModel(responses=[FULL]).invoke("x")
    assert invoked.content == streamed.content
    assert invoked.tool_calls == streamed.tool_calls
    assert invoked.additional_kwargs == streamed.additional_kwargs


def test_content_blocks_stream_as_blocks() -> None:
    message = AIMessage(
        content=[
            {"type": "reasoning", "reasoning": "Think first."},
            {"type": "text", "text": "Then answer."},
        ]
    )
    total = added(list(FakeChatModel(responses=[message]).stream("x")))
    assert [b["type"] for b in total.content_blocks] == ["reasoning", "text"]
    assert total.text == "Then answer."


def test_a_script_that_is_a_list_of_messages() -> None:
    # Like FakeMessagesListChatModel(responses=[...]).
    model = FakeChatModel(responses=[AIMessage(content="one"), AIMessage(content="two")])
    assert [model.invoke("x").content, model.invoke("y").content] == ["one", "two"]


def test_a_message_that_cannot_be_streamed_is_named() -> None:
    with pytest.raises(ScriptError, match=r"responses\[0\]: expected the model's answer as an "):
        FakeChatModel(responses=[HumanMessage("hi")])
    image = AIMessage(content=[{"type": "image", "url": "https://example.invalid/x.png"}])
    with pytest.raises(ScriptError, match=r"responses\[0\]\.content\[0\]: a 'image' content"):
        FakeChatModel(responses=[image])
    with pytest.raises(ScriptError, match="an LLM streams plain strings; give the text"):
        FakeLLM(responses=[AIMessage(content="hi")])


# -- functions ----------------------------------------------------------------------


def test_echo_parrots_every_call_in_one_line() -> None:
    model = FakeChatModel(responses=[echo], cycle=True)
    assert model.invoke("Polly wants a cracker").content == "Polly wants a cracker"
    assert [c.content for c in model.stream("say it back")] == ["say", " it", " back"]
    assert FakeLLM(responses=[echo], cycle=True).invoke("hello llm") == "hello llm"


def test_a_function_sees_the_messages_and_the_options() -> None:
    seen: list[tuple[list[BaseMessage], dict[str, Any]]] = []

    def answer(messages: list[BaseMessage], options: dict[str, Any]) -> Response:
        seen.append((messages, options))
        return Response(tool_calls=[ToolCall("get_weather", {"city": messages[-1].text})])

    model = FakeChatModel(responses=[Response(function=answer, latency=Latency(ttft=0.5))])
    tool = {"type": "function", "function": {"name": "get_weather", "parameters": {}}}
    message = model.bind(tools=[tool]).invoke("Paris", stop=["."])
    assert message.tool_calls[0]["args"] == {"city": "Paris"}
    messages, options = seen[0]
    assert messages[-1].text == "Paris" and options["stop"] == ["."] and options["tools"]
    assert model.calls[0].response is not None and model.calls[0].response.tool_calls
    assert model.calls[0].ttft == 0.5  # the function's own Response sets the timing


def test_a_function_as_a_rule_response_and_returning_a_message() -> None:
    shout = Rule(contains="!", response=lambda ms, _: AIMessage(content=ms[-1].text.upper()))
    model = FakeChatModel(rules=[shout], responses=["calm"])
    assert model.invoke("hey!").content == "HEY!"
    assert model.invoke("hello").content == "calm"


def test_a_failing_function_is_a_script_error_naming_the_response() -> None:
    def broken(messages: Any, options: Any) -> str:
        raise KeyError("city")

    model = FakeChatModel(responses=[broken])
    with pytest.raises(
        ScriptError,
        match=r"^script: responses\[0\]: the response function broken raised KeyError\('city'\) "
        "for call 0",
    ):
        model.invoke("x")
    assert model.script_errors == model.calls


def test_a_function_returning_nonsense_is_a_script_error() -> None:
    model = FakeChatModel(responses=[lambda messages, options: 42])
    with pytest.raises(
        ScriptError,
        match=r"responses\[0\] \(returned by <lambda>\): expected a string, Response",
    ):
        model.invoke("x")


def test_a_function_with_other_fields_beside_it_is_refused() -> None:
    with pytest.raises(ScriptError, match=r"responses\[0\]\.text: a response function computes"):
        FakeChatModel(responses=[Response(text="hi", function=echo)])


def test_additional_kwargs_in_a_script_file(tmp_path: Path) -> None:
    script = tmp_path / "legacy.yaml"
    script.write_text(
        "responses:\n"
        "  - additional_kwargs:\n"
        '      function_call: {name: lookup, arguments: \'{"q": "x"}\'}\n'
    )
    total = added(list(FakeChatModel.from_script(script).stream("x")))
    assert total.additional_kwargs == {
        "function_call": {"name": "lookup", "arguments": '{"q": "x"}'}
    }
