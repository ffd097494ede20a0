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


class OutputTwiceChatOpenAI(ChatOpenAI):
    """Input once, but the final output count on every chunk: the totals come out wrong."""

    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        chunks = list(super()._stream(*args, **kwargs))
        for chunk in chunks:
            assert isinstance(chunk.message, AIMessageChunk)
            if chunk.message.usage_metadata is None:
                chunk.message.usage_metadata = {
                    "input_tokens": 0,
                    "output_tokens": 7,
                    "total_tokens": 7,
                }
            yield chunk


class RunningTotalsChatOpenAI(ChatOpenAI):
    """As ChatPerplexity: the provider's running totals turned into correct deltas, so
    output tokens are on many chunks and add up to the provider's count."""

    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        chunks = list(super()._stream(*args, **kwargs))
        final = next(c.message.usage_metadata for c in chunks if c.message.usage_metadata)  # type: ignore[attr-defined]
        running = [min(i + 1, final["output_tokens"]) for i in range(len(chunks))]
        running[-1] = final["output_tokens"]
        before = 0
        for i, (chunk, total) in enumerate(zip(chunks, running, strict=True)):
            assert isinstance(chunk.message, AIMessageChunk)
            delta_in = final["input_tokens"] if i == 0 else 0
            chunk.message.usage_metadata = {
                "input_tokens": delta_in,
                "output_tokens": total - before,
                "total_tokens": delta_in + total - before,
            }
            before = total
            yield chunk


class ConfiguredNameChatOpenAI(ChatOpenAI):
    """Reports the model it was configured with, not the one the provider answered as."""

    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        for chunk in super()._stream(*args, **kwargs):
            for metadata in (chunk.message.response_metadata, chunk.generation_info or {}):
                if metadata.get("model_name"):
                    metadata["model_name"] = self.model_name
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
            "usage_metadata input_tokens must be on exactly one chunk",
        ),
        (
            OutputTwiceChatOpenAI,
            "test_usage_is_reported_once_and_matches",
            (
                "the chunks' usage must add up to what the provider reported (input 11, output 7, "
                "total 18); they add up to {'input_tokens': 11, 'output_tokens': 91"
            ),
        ),
        (
            ConfiguredNameChatOpenAI,
            "test_model_name_and_finish_reason_come_through",
            (
                "got 'gpt-fake'; the request asked for 'gpt-fake' and the provider answered as "
                "'gpt-fake-2026-01-01'"
            ),
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
    ids=[
        "buffers into one chunk",
        "usage twice",
        "output counted twice",
        "reports its configured name",
        "drops fragments",
        "no last chunk",
    ],
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


def test_running_totals_turned_into_correct_deltas_pass() -> None:
    suite = suite_for(RunningTotalsChatOpenAI)
    suite.test_usage_is_reported_once_and_matches()
    suite.test_the_event_stream_is_well_formed()


class WrongPathChatOpenAI(ChatOpenAI):
    """Posts to a path the fake does not serve (as ChatGroq's /openai/v1 did)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["base_url"] = kwargs["base_url"].removesuffix("/v1") + "/openai/v1"
        super().__init__(**kwargs)


@pytest.mark.parametrize(
    "check",
    [
        "test_a_rate_limit_raises_before_any_chunk",
        "test_a_mid_stream_error_comes_after_the_chunks_received",
        "test_text_streams_as_several_chunks_in_order",
        "test_batch_answers_each_input",
    ],
)
def test_a_wrong_path_fails_every_check_with_one_message_naming_it(check: str) -> None:
    with pytest.raises(pytest.fail.Exception) as raised:
        getattr(suite_for(WrongPathChatOpenAI), check)()
    message = str(raised.value)
    assert message.startswith("the client sent requests the fake provider could not answer:\n")
    assert "\n  POST /openai/v1/chat/completions -> 404: unknown path" in message
    assert "\nThe fake serves POST /v1/chat/completions, " in message
    assert "check that build() gives the client one of them" in message


def test_a_fault_check_confirms_the_fault_was_delivered() -> None:
    # The client raises, but on its own: the scripted 429 never reaches it.
    class RaisesAnywayChatOpenAI(ChatOpenAI):
        def _stream(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
            raise ConnectionError("refused before sending")

    with pytest.raises(pytest.fail.Exception) as raised:
        suite_for(RaisesAnywayChatOpenAI).test_a_rate_limit_raises_before_any_chunk()
    assert str(raised.value).startswith(
        "the 429 scripted for this check must reach the client (the client raised, but not "
        "because of it); the fake's calls raised []; requests: []"
    ), str(raised.value)


def test_an_explicit_test_false_on_an_intermediate_base_is_kept() -> None:
    class IntermediateSuite(ChatModelStreamingSuite):
        __test__ = False  # a base of the project's own suites: not collected itself

    class ConcreteSuite(IntermediateSuite):
        pass

    assert IntermediateSuite.__test__ is False
    assert ConcreteSuite.__test__ is True


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
