"""The conformance suite on the Responses API, the OpenAI-compatible family (each with its
provider's dialect) and OllamaLLM: real client packages against the fake provider."""

from __future__ import annotations

import gc
import warnings
from typing import ClassVar

import httpx
import pytest
from fireworks import AsyncFireworks
from langchain_core.language_models import BaseChatModel, BaseLLM
from langchain_deepseek import ChatDeepSeek
from langchain_fireworks import ChatFireworks
from langchain_groq import ChatGroq
from langchain_mistralai import ChatMistralAI
from langchain_ollama import OllamaLLM
from langchain_openai import ChatOpenAI
from langchain_perplexity import ChatPerplexity
from langchain_together import ChatTogether
from langchain_xai import ChatXAI
from perplexity import AsyncPerplexity, Perplexity

from assertions.conformance import ChatModelStreamingSuite, LLMStreamingSuite
from fakes import DIALECTS, ChatCompletions, FakeProviderServer, WireFormat

KEY = "sk-test"


def finding(
    reason: str, raises: type[BaseException] = pytest.fail.Exception
) -> pytest.MarkDecorator:
    """A check the client fails on its own (docs/conformance.md, "findings"): strict, so
    the day the client is fixed the test says so."""
    return pytest.mark.xfail(strict=True, reason=reason, raises=raises)


KEEPS_STREAM_OPEN = finding(
    "the client iterates the SDK stream without closing it: a break leaves the HTTP "
    "stream open until the garbage collector runs"
)


def break_then_collect(suite: ChatModelStreamingSuite) -> None:
    """The break check, then the garbage collector: it closes the socket the client left
    open (quietly: the ResourceWarning is the finding itself)."""
    try:
        ChatModelStreamingSuite.test_breaking_out_closes_the_http_stream(suite)
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()


REPORTS_CONFIGURED_MODEL = finding(
    "the client reports its configured model name, not the one the provider answered with "
    "(langchain_groq chat_models.py:673, 727, 801; langchain_fireworks chat_models.py:1382)"
)
DROPS_ERROR_FRAMES = finding("the client skips a data: {'error': ...} frame without raising")


class TestChatOpenAIResponsesConformance(ChatModelStreamingSuite):
    has_reasoning = True

    def build(self, server: FakeProviderServer) -> BaseChatModel:
        return ChatOpenAI(
            base_url=server.openai_base_url,
            api_key=KEY,
            model="gpt-fake",
            use_responses_api=True,
            max_retries=0,
        )


class TestChatOpenAIResponsesV1OutputConformance(TestChatOpenAIResponsesConformance):
    def build(self, server: FakeProviderServer) -> BaseChatModel:
        return ChatOpenAI(
            base_url=server.openai_base_url,
            api_key=KEY,
            model="gpt-fake",
            output_version="responses/v1",
            max_retries=0,
        )


class TestChatMistralAIConformance(ChatModelStreamingSuite):
    wire_formats: ClassVar[tuple[WireFormat, ...]] = (ChatCompletions(DIALECTS["mistral"]),)
    has_reasoning = True

    def build(self, server: FakeProviderServer) -> BaseChatModel:
        return ChatMistralAI(
            endpoint=server.openai_base_url, api_key=KEY, model="mistral-fake", max_retries=0
        )

    @DROPS_ERROR_FRAMES
    def test_a_mid_stream_error_comes_after_the_chunks_received(self) -> None:
        super().test_a_mid_stream_error_comes_after_the_chunks_received()


class TestChatDeepSeekConformance(ChatModelStreamingSuite):
    wire_formats: ClassVar[tuple[WireFormat, ...]] = (ChatCompletions(DIALECTS["deepseek"]),)
    has_reasoning = True

    def build(self, server: FakeProviderServer) -> BaseChatModel:
        return ChatDeepSeek(
            base_url=server.openai_base_url,
            api_key=KEY,
            model="deepseek-fake",
            stream_usage=True,
            max_retries=0,
        )


class TestChatXAIConformance(ChatModelStreamingSuite):
    wire_formats: ClassVar[tuple[WireFormat, ...]] = (ChatCompletions(DIALECTS["xai"]),)
    has_reasoning = True

    def build(self, server: FakeProviderServer) -> BaseChatModel:
        return ChatXAI(
            base_url=server.openai_base_url, api_key=KEY, model="grok-fake", max_retries=0
        )


class TestChatGroqConformance(ChatModelStreamingSuite):
    wire_formats: ClassVar[tuple[WireFormat, ...]] = (ChatCompletions(DIALECTS["groq"]),)
    has_reasoning = True

    def build(self, server: FakeProviderServer) -> BaseChatModel:
        return ChatGroq(base_url=server.url, api_key=KEY, model="groq-fake", max_retries=0)

    @REPORTS_CONFIGURED_MODEL
    def test_model_name_and_finish_reason_come_through(self) -> None:
        super().test_model_name_and_finish_reason_come_through()

    @KEEPS_STREAM_OPEN
    def test_breaking_out_closes_the_http_stream(self) -> None:
        break_then_collect(self)


class TestChatFireworksConformance(ChatModelStreamingSuite):
    wire_formats: ClassVar[tuple[WireFormat, ...]] = (ChatCompletions(DIALECTS["fireworks"]),)
    has_reasoning = True

    def build(self, server: FakeProviderServer) -> BaseChatModel:
        # Its own async client: the SDK's default (aiohttp) leaks a session per event
        # loop unless `aclose()` is called (a finding too).
        own = AsyncFireworks(
            base_url=server.url, api_key=KEY, max_retries=0, http_client=httpx.AsyncClient()
        )
        return ChatFireworks(
            base_url=server.url,
            api_key=KEY,
            model="fireworks-fake",
            stream_usage=True,
            max_retries=0,
            async_client=own.chat.completions,
        )

    @REPORTS_CONFIGURED_MODEL
    def test_model_name_and_finish_reason_come_through(self) -> None:
        super().test_model_name_and_finish_reason_come_through()

    @KEEPS_STREAM_OPEN
    def test_breaking_out_closes_the_http_stream(self) -> None:
        break_then_collect(self)

    @DROPS_ERROR_FRAMES
    def test_a_mid_stream_error_comes_after_the_chunks_received(self) -> None:
        super().test_a_mid_stream_error_comes_after_the_chunks_received()


class TestChatTogetherConformance(ChatModelStreamingSuite):
    wire_formats: ClassVar[tuple[WireFormat, ...]] = (ChatCompletions(DIALECTS["together"]),)

    def build(self, server: FakeProviderServer) -> BaseChatModel:
        return ChatTogether(
            base_url=server.openai_base_url,
            api_key=KEY,
            model="together-fake",
            stream_usage=True,
            max_retries=0,
        )


class TestChatPerplexityConformance(ChatModelStreamingSuite):
    wire_formats: ClassVar[tuple[WireFormat, ...]] = (ChatCompletions(DIALECTS["perplexity"]),)
    has_tool_calling = False  # ChatPerplexity's chat completions take no function tools

    def build(self, server: FakeProviderServer) -> BaseChatModel:
        # ChatPerplexity has no base-URL setting: its clients are passed in.
        return ChatPerplexity(
            client=Perplexity(base_url=server.url, api_key=KEY, max_retries=0),
            async_client=AsyncPerplexity(base_url=server.url, api_key=KEY, max_retries=0),
            api_key=KEY,
            model="sonar-fake",
        )

    @KEEPS_STREAM_OPEN
    def test_breaking_out_closes_the_http_stream(self) -> None:
        break_then_collect(self)


class TestOllamaLLMConformance(LLMStreamingSuite):
    def build(self, server: FakeProviderServer) -> BaseLLM:
        return OllamaLLM(base_url=server.ollama_base_url, model="llama-fake")
