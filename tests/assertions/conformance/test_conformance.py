"""The conformance suite, run on real integrations against the fake provider."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.config import Config
from langchain_anthropic import ChatAnthropic
from langchain_core.language_models import BaseChatModel, BaseLLM
from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk
from langchain_ollama import ChatOllama
from langchain_openai import ChatOpenAI, OpenAI

from assertions.conformance import ChatModelStreamingSuite, LLMStreamingSuite
from fakes import FakeProviderServer


class TestChatOpenAIConformance(ChatModelStreamingSuite):
    def build(self, server: FakeProviderServer) -> BaseChatModel:
        return ChatOpenAI(
            base_url=server.openai_base_url,
            api_key="k",
            model="gpt-fake",
            stream_usage=True,
            max_retries=0,
        )


class TestChatAnthropicConformance(ChatModelStreamingSuite):
    has_reasoning = True

    def build(self, server: FakeProviderServer) -> BaseChatModel:
        return ChatAnthropic(
            base_url=server.anthropic_base_url, api_key="k", model="claude-fake", max_retries=0
        )


class TestChatOllamaConformance(ChatModelStreamingSuite):
    has_raw_tool_arguments = False  # Ollama sends tool arguments as parsed JSON
    has_reasoning = True

    def build(self, server: FakeProviderServer) -> BaseChatModel:
        return ChatOllama(base_url=server.ollama_base_url, model="llama-fake", reasoning=True)


# -- the mutation check: broken integrations fail, naming the problem -----------------


class OneChunkChatOpenAI(ChatOpenAI):
    """Buffers the whole answer into one chunk (streaming switched off)."""

    disable_streaming: bool = True


class UsageTwiceChatOpenAI(ChatOpenAI):
    """Puts usage on every chunk, so it adds up to too much."""

    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        for chunk in super()._stream(*args, **kwargs):
            assert isinstance(chunk.message, AIMessageChunk)
            chunk.message.usage_metadata = {
                "input_tokens": 11,
                "output_tokens": 7,
                "total_tokens": 18,
            }
            yield chunk


class DropsFragmentsChatOpenAI(ChatOpenAI):
    """Keeps only the first fragment of each tool call's arguments."""

    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        for chunk in super()._stream(*args, **kwargs):
            assert isinstance(chunk.message, AIMessageChunk)
            if any(c.get("name") is None for c in chunk.message.tool_call_chunks):
                continue
            yield chunk


class NoLastChunkChatOpenAI(ChatOpenAI):
    """Overrides stream() and so never sends a chunk marked chunk_position='last'."""

    def stream(self, *args: Any, **kwargs: Any) -> Iterator[AIMessageChunk]:  # type: ignore[override]
        for chunk in super().stream(*args, **kwargs):
            if chunk.chunk_position != "last":
                yield chunk


def suite_for(model_class: type[ChatOpenAI]) -> ChatModelStreamingSuite:
    class Suite(ChatModelStreamingSuite):
        def build(self, server: FakeProviderServer) -> BaseChatModel:
            return model_class(
                base_url=server.openai_base_url,
                api_key="k",
                model="gpt-fake",
                stream_usage=True,
                max_retries=0,
            )

    Suite.__test__ = False
    return Suite()


@pytest.mark.parametrize(
    ("broken", "check", "message"),
    [
        (
            OneChunkChatOpenAI,
            "test_text_streams_as_several_chunks_in_order",
            "stream() must yield several text chunks",
        ),
        (
            UsageTwiceChatOpenAI,
            "test_usage_is_reported_once_and_matches",
            "usage_metadata must be on exactly one chunk",
        ),
        (
            DropsFragmentsChatOpenAI,
            "test_tool_call_fragments_parse",
            "the tool call's argument fragments must add up",
        ),
        (
            NoLastChunkChatOpenAI,
            "test_exactly_one_last_chunk",
            "exactly one chunk, the final one, must have chunk_position='last'",
        ),
    ],
    ids=["buffers into one chunk", "usage twice", "drops fragments", "no last chunk"],
)
def test_a_broken_integration_fails_naming_the_problem(
    broken: type[ChatOpenAI], check: str, message: str
) -> None:
    with pytest.raises(pytest.fail.Exception) as raised:
        getattr(suite_for(broken), check)()
    assert message in str(raised.value), str(raised.value)


class TestOpenAILLMConformance(LLMStreamingSuite):
    def build(self, server: FakeProviderServer) -> BaseLLM:
        return OpenAI(
            base_url=server.openai_base_url, api_key="k", model="gpt-fake-instruct", max_retries=0
        )


class TestFakeChatModelConformance(ChatModelStreamingSuite):
    """Our own fake, in process: it plays the very script the server was given."""

    has_reasoning = True

    def build(self, server: FakeProviderServer) -> BaseChatModel:
        return server.model


class BufferingOpenAI(OpenAI):
    """An LLM without _stream: LangChain's default yields the whole answer at once."""

    _stream = BaseLLM._stream  # type: ignore[assignment]


def test_a_buffering_llm_fails_naming_the_problem() -> None:
    class Suite(LLMStreamingSuite):
        def build(self, server: FakeProviderServer) -> BaseLLM:
            return BufferingOpenAI(
                base_url=server.openai_base_url, api_key="k", model="m", max_retries=0
            )

    Suite.__test__ = False
    with pytest.raises(pytest.fail.Exception) as raised:
        Suite().test_text_streams_as_several_string_chunks()
    assert "an LLM's stream() must yield several string chunks (is _stream implemented?)" in str(
        raised.value
    )


# -- the formats that name the model in the path: Gemini and Bedrock Converse --------


class TestChatGoogleGenerativeAIConformance(ChatModelStreamingSuite):
    has_raw_tool_arguments = False  # Gemini sends function-call arguments parsed
    has_reasoning = True

    def build(self, server: FakeProviderServer) -> BaseChatModel:
        from langchain_google_genai import ChatGoogleGenerativeAI

        # max_retries=1 is one attempt: the google-genai SDK reads 0 as "its default".
        return ChatGoogleGenerativeAI(
            model="gemini-fake",
            base_url=server.gemini_base_url,
            api_key="fake-google-key",
            max_retries=1,
            include_thoughts=True,
        )


class TestChatBedrockConverseConformance(ChatModelStreamingSuite):
    has_reasoning = True

    @pytest.fixture(autouse=True)
    def _fake_aws_credentials(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for name, value in FAKE_AWS_ENV.items():
            monkeypatch.setenv(name, value)

    def build(self, server: FakeProviderServer) -> BaseChatModel:
        from langchain_aws import ChatBedrockConverse

        # ChatBedrockConverse(endpoint_url=...) builds two boto3 clients, each loading
        # botocore's service models anew (0.1-0.4 s); the suite builds a model per check,
        # so the clients come from one boto3 session, pointed at the same endpoint_url.
        clients = {
            name: _aws_session().client(
                service,
                endpoint_url=server.bedrock_endpoint_url,
                region_name="us-east-1",
                config=Config(retries={"max_attempts": 0}),
            )
            for name, service in (("client", "bedrock-runtime"), ("bedrock_client", "bedrock"))
        }
        return ChatBedrockConverse(model="anthropic.claude-3-haiku-20240307-v1:0", **clients)


@functools.cache
def _aws_session() -> Any:
    import boto3

    return boto3.Session()


FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIAFAKEFAKEFAKEFAKE",
    "AWS_SECRET_ACCESS_KEY": "fake-secret-access-key",
    "AWS_DEFAULT_REGION": "us-east-1",
    # No profile, config file or instance metadata: nothing but these fakes is read.
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
    "AWS_EC2_METADATA_DISABLED": "true",
}
