"""LangChain's own standard test suites, run against FakeChatModel.

`langchain-tests` is what provider integrations (langchain-openai, -anthropic, ...) run to
prove they behave like chat models. Here it runs against `FakeChatModel`, scripted so that
it answers each standard test's prompt the way a real tool-calling model would.
"""

from __future__ import annotations

import re
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_tests.integration_tests import ChatModelIntegrationTests
from langchain_tests.unit_tests import ChatModelUnitTests

from fakes import FakeChatModel, Response, Rule, ToolCall


def _prompt(prompt: str, response: str | Response) -> Rule:
    """Answer exactly this last message (so "Hello" does not also catch "Hello!")."""
    return Rule(matches=rf"\A{re.escape(prompt)}\Z", response=response)


def _tool_call(name: str, args: dict[str, Any]) -> Response:
    return Response(tool_calls=[ToolCall(name, args)])


JOKE = {
    "setup": "Why was the cat sitting on the computer?",
    "punchline": "To keep an eye on the mouse.",
}

# One rule per prompt the standard tests send, answered as a tool-calling model would.
# Anything unscripted raises ScriptExhaustedError: no test gets a canned answer by accident.
STANDARD_TEST_RULES = [
    # Plain chat: test_invoke, test_stream, test_batch, test_usage_metadata, ...
    _prompt("Hello", "Hello! How can I help you today?"),
    _prompt("Hey", "Hey there! What can I do for you?"),
    _prompt("hello", "Hello! Nice to meet you."),
    _prompt("how are you", "I'm doing well, thank you for asking. How are you?"),
    _prompt(
        "Write me 2 haikus. Only include the haikus.",
        "Morning light arrives\nsoft on the quiet rooftops\nthe city still sleeps\n\n"
        "Autumn wind whispers\nred leaves dance across the path\nsummer says goodbye",
    ),
    # test_stop_sequence sends "hi" with stop=["you"]: like a provider, the fake ends the
    # text before the stop sequence, so the call answers "Hi! How are ".
    _prompt("hi", "Hi! How are you doing today?"),
    # Tool calling.
    _prompt(
        "What is the value of magic_function(3)? Use the tool.",
        _tool_call("magic_function", {"input": 3}),
    ),
    _prompt(
        "What is the value of magic_function_no_args()? Use the tool.",
        _tool_call("magic_function_no_args", {}),
    ),
    _prompt(
        "Using the tool, generate a Pirate greeting.",
        _tool_call("greeting_generator", {"answer_style": "pirate"}),
    ),
    # test_tool_choice binds magic_function and get_weather with a forced tool choice.
    _prompt("Hello!", _tool_call("magic_function", {"input": 3})),
    # test_structured_few_shot_examples: after a 1 + 2 example, the forced adder tool.
    _prompt("What is 3 + 4", _tool_call("my_adder_tool", {"a": 3, "b": 4})),
    # test_agent_loop: call the tool, then answer from its result.
    _prompt(
        "What is the weather in San Francisco, CA?",
        _tool_call("get_weather", {"location": "San Francisco, CA"}),
    ),
    _prompt("It's sunny.", "It's sunny in San Francisco, CA right now."),
    # Tool message histories: answer from the tool's result (or its error).
    _prompt('{"result": 3}', "1 + 2 = 3."),
    _prompt(
        "Error: Missing required argument 'b'.",
        "I could not add the numbers: the tool also needs 'b'. What should I add to 1?",
    ),
    # test_unicode_tool_call_integration.
    _prompt(
        "Create a customer named '你好啊集团' (Hello Group) - a Chinese technology company",
        _tool_call(
            "unicode_customer",
            {"customer_name": "你好啊集团", "description": "A Chinese technology company"},
        ),
    ),
    _prompt(
        "Create a customer named 'こんにちは株式会社' (Hello Corporation) - a Japanese company",
        _tool_call(
            "unicode_customer",
            {"customer_name": "こんにちは株式会社", "description": "A Japanese company"},
        ),
    ),
    # Structured output (with_structured_output binds the schema as a tool and forces it).
    # The same prompt comes with a `Joke` (pydantic, JSON schema) or a `JokeDict` (TypedDict)
    # schema bound; like a real model, the fake calls the tool that is bound.
    Rule(
        matches=r"\ATell me a joke about cats\.\Z",
        bound_tool="JokeDict",
        response=_tool_call("JokeDict", JOKE),
    ),
    _prompt("Tell me a joke about cats.", _tool_call("Joke", JOKE)),
    _prompt(
        "Give me the setup to a joke about cats, no punchline.",
        _tool_call("Joke", {"setup": JOKE["setup"]}),
    ),
    _prompt("Give me a joke about cats, include the punchline.", _tool_call("Joke", JOKE)),
    # test_anthropic_inputs: Anthropic-style blocks (cache_control, tool_use, thinking).
    _prompt("That's a great pick!", "Thanks! Purple it is: a fine choice."),
    _prompt("Well, thanks.", "Glad to hear it! How can I help you today?"),
]


class FakeChatModelSettings:
    """What both standard suites are told about the fake (not collected: no Test prefix)."""

    @property
    def chat_model_class(self) -> type[BaseChatModel]:
        return FakeChatModel

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model_name": "fake-model", "rules": STANDARD_TEST_RULES}

    @property
    def has_tool_calling(self) -> bool:
        return True

    @property
    def has_structured_output(self) -> bool:
        # Through BaseChatModel.with_structured_output: the schema bound as a forced tool.
        return True

    @property
    def returns_usage_metadata(self) -> bool:
        return True


class TestFakeChatModelUnit(FakeChatModelSettings, ChatModelUnitTests):
    # test_init_from_env skips (the fake reads no environment variables, no API key) and
    # test_serdes skips (FakeChatModel is not lc-serializable), as for most integrations.
    pass


class TestFakeChatModelIntegration(FakeChatModelSettings, ChatModelIntegrationTests):
    @property
    def supports_json_mode(self) -> bool:
        # No JSON mode: with_structured_output(method="json_mode") still binds a tool.
        return False

    @property
    def supports_anthropic_inputs(self) -> bool:
        # The fake takes any content-block format and answers from the last message's text.
        return True

    # Image, PDF and audio inputs stay off (the defaults): those tests download their files
    # (httpx.get), and these tests must run offline. The same goes for image and PDF tool
    # messages.

    @property
    def enable_vcr_tests(self) -> bool:
        # Nothing to record: the fake makes no HTTP calls.
        return False

    @property
    def model_override_value(self) -> str:
        # invoke(..., model=...) must show up as response_metadata["model_name"].
        return "fake-model-large"
