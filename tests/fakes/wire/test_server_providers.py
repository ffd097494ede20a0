"""The Responses API, the OpenAI-compatible dialects and Ollama's generate API, with the
real client packages: the same scripts, faults as each client's own exception, the
journal and strict mode, and rules that see each format's conversation."""

from __future__ import annotations

import json
import typing
from collections.abc import Callable, Iterator
from typing import Any

import fireworks
import groq
import httpx
import ollama
import openai
import perplexity
import pytest
from fireworks import AsyncFireworks
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_deepseek import ChatDeepSeek
from langchain_fireworks import ChatFireworks
from langchain_groq import ChatGroq
from langchain_mistralai import ChatMistralAI
from langchain_ollama import OllamaLLM
from langchain_openai import ChatOpenAI
from langchain_perplexity import ChatPerplexity
from langchain_together import ChatTogether
from langchain_xai import ChatXAI

from fakes import (
    DIALECTS,
    ChatCompletions,
    Dialect,
    FakeChatModel,
    FakeProviderServer,
    FakesError,
    Fault,
    RateLimitError,
    Response,
    Rule,
    ServerError,
    ToolCall,
    WireFormat,
)
from tests.conftest import total

KEY = "sk-secret-key"
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the weather.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def _responses(server: FakeProviderServer) -> BaseChatModel:
    return ChatOpenAI(
        base_url=server.openai_base_url,
        api_key=KEY,
        model="gpt-fake",
        use_responses_api=True,
        max_retries=0,
    )


def _fireworks(server: FakeProviderServer) -> BaseChatModel:
    own = AsyncFireworks(
        base_url=server.url, api_key=KEY, max_retries=0, http_client=httpx.AsyncClient()
    )
    return ChatFireworks(
        base_url=server.url,
        api_key=KEY,
        model="fw-fake",
        stream_usage=True,
        max_retries=0,
        async_client=own.chat.completions,
    )


def _perplexity(server: FakeProviderServer) -> BaseChatModel:
    return ChatPerplexity(
        client=perplexity.Perplexity(base_url=server.url, api_key=KEY, max_retries=0),
        async_client=perplexity.AsyncPerplexity(base_url=server.url, api_key=KEY, max_retries=0),
        api_key=KEY,
        model="sonar-fake",
    )


# name -> (how to build the client, the format to mount, its own error classes for a
# failed request and for an error frame mid-stream)
Client = tuple[
    Callable[[FakeProviderServer], BaseChatModel],
    WireFormat | None,
    type[BaseException],
    type[BaseException] | None,
]
CLIENTS: dict[str, Client] = {
    "responses": (_responses, None, openai.InternalServerError, ValueError),
    "mistral": (
        lambda s: ChatMistralAI(
            endpoint=s.openai_base_url, api_key=KEY, model="mistral-fake", max_retries=0
        ),
        ChatCompletions(DIALECTS["mistral"]),
        httpx.HTTPStatusError,
        None,  # drops the frame (a finding)
    ),
    "deepseek": (
        lambda s: ChatDeepSeek(
            base_url=s.openai_base_url,
            api_key=KEY,
            model="ds-fake",
            stream_usage=True,
            max_retries=0,
        ),
        ChatCompletions(DIALECTS["deepseek"]),
        openai.InternalServerError,
        openai.APIError,
    ),
    "xai": (
        lambda s: ChatXAI(
            base_url=s.openai_base_url, api_key=KEY, model="grok-fake", max_retries=0
        ),
        ChatCompletions(DIALECTS["xai"]),
        openai.InternalServerError,
        openai.APIError,
    ),
    "groq": (
        lambda s: ChatGroq(base_url=s.url, api_key=KEY, model="groq-fake", max_retries=0),
        ChatCompletions(DIALECTS["groq"]),
        groq.InternalServerError,
        groq.APIError,
    ),
    "fireworks": (_fireworks, ChatCompletions(DIALECTS["fireworks"]), fireworks.APIError, None),
    "together": (
        lambda s: ChatTogether(
            base_url=s.openai_base_url,
            api_key=KEY,
            model="together-fake",
            stream_usage=True,
            max_retries=0,
        ),
        ChatCompletions(DIALECTS["together"]),
        openai.InternalServerError,
        openai.APIError,
    ),
    "perplexity": (
        _perplexity,
        ChatCompletions(DIALECTS["perplexity"]),
        perplexity.InternalServerError,
        perplexity.APIStatusError,
    ),
}
TOOL_CLIENTS = [name for name in CLIENTS if name != "perplexity"]


def serve(name: str, *responses: Any, **settings: Any) -> FakeProviderServer:
    wire = CLIENTS[name][1]
    model = responses[0] if isinstance(responses[0], FakeChatModel) else None
    model = model or FakeChatModel(responses=list(responses))
    return FakeProviderServer(model, formats=[wire] if wire else [], **settings)


@pytest.fixture(params=list(CLIENTS))
def name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_the_same_script_streams_text_and_usage(name: str) -> None:
    scripted = Response(text="one two three", usage={"input_tokens": 4, "output_tokens": 3})
    with serve(name, scripted, scripted) as server:
        model = CLIENTS[name][0](server)
        chunks = list(model.stream("hi"))
        assert [c.text for c in chunks if c.text] == ["one", " two", " three"]
        usage = total(chunks).usage_metadata or {}
        assert (usage.get("input_tokens"), usage.get("output_tokens")) == (4, 3)
        assert model.invoke("hi").text == "one two three"


@pytest.mark.parametrize("client", TOOL_CLIENTS)
def test_parallel_tool_calls_come_through(client: str) -> None:
    calls = [ToolCall("get_weather", {"city": c}, id=f"call_{c}") for c in ("Paris", "Oslo")]
    with serve(client, Response(tool_calls=calls)) as server:
        message = total(list(CLIENTS[client][0](server).bind_tools([WEATHER]).stream("?")))
    assert [(c["name"], c["args"], c["id"]) for c in message.tool_calls] == [
        ("get_weather", {"city": "Paris"}, "call_Paris"),
        ("get_weather", {"city": "Oslo"}, "call_Oslo"),
    ]


def test_a_failed_request_raises_the_clients_own_error(name: str) -> None:
    failed = Fault(error=ServerError(status_code=500))
    with serve(name, failed) as server, pytest.raises(CLIENTS[name][2]):
        CLIENTS[name][0](server).invoke("hi")


def test_an_error_mid_stream_raises_the_clients_own_error(name: str) -> None:
    own = CLIENTS[name][3]
    if own is None:
        pytest.skip("the client drops error frames: docs/conformance.md, findings")
    broken = Response(text="a b c d", fault=Fault(RateLimitError("slow down"), after_chunks=2))
    received: list[str] = []
    with serve(name, broken) as server, pytest.raises(own, match="slow down"):
        for chunk in CLIENTS[name][0](server).stream("hi"):
            received.append(chunk.text)
    assert "".join(received) == "a b"


def test_a_server_error_mid_response_is_response_failed() -> None:
    broken = Response(text="a b c d", fault=Fault(ServerError("boom"), after_chunks=1))
    with serve("responses", broken) as server:
        with pytest.raises(ValueError, match="boom"):
            list(_responses(server).stream("hi"))
        request = server.journal.requests[-1]
    assert request.path == "/v1/responses"


def test_the_journal_keeps_each_request_without_its_key(name: str) -> None:
    with serve(name, "fine") as server:
        CLIENTS[name][0](server).invoke("hello there")
        [request] = server.journal.requests
    assert KEY not in json.dumps([request.headers, request.body])
    assert "hello there" in json.dumps(request.body)
    assert request.status == 200


def test_strict_mode_names_a_dialect_that_is_not_mounted() -> None:
    with FakeProviderServer(FakeChatModel(responses=["unused"])) as server:
        with pytest.raises(groq.NotFoundError):
            CLIENTS["groq"][0](server).invoke("hi")
        with pytest.raises(FakesError) as raised:
            server.check_all_expected()
    message = str(raised.value)
    assert "POST /openai/v1/chat/completions -> 404" in message
    assert "ChatCompletions(DIALECTS['groq'])" in server.journal.requests[0].reason


def test_a_dialect_replaces_the_built_in_route_on_its_path() -> None:
    mistral = ChatCompletions(DIALECTS["mistral"])
    with FakeProviderServer(FakeChatModel(responses=["x"]), formats=[mistral]) as server:
        served = [f for f in server.provider.formats if f.path == "/v1/chat/completions"]
    assert served == [mistral]


def test_the_adapter_mounts_anywhere() -> None:
    moved = ChatCompletions(path="/proxy/chat/completions")
    with FakeProviderServer(FakeChatModel(responses=["moved"]), formats=[moved]) as server:
        model = ChatOpenAI(base_url=f"{server.url}/proxy", api_key=KEY, model="m", max_retries=0)
        assert model.invoke("hi").text == "moved"


@pytest.mark.parametrize("client", TOOL_CLIENTS)
def test_a_rule_sees_the_tool_result_in_each_format(client: str) -> None:
    history = [
        HumanMessage("weather in Paris?"),
        AIMessage(
            "", tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}, "id": "call1ab2c"}]
        ),
        ToolMessage("sunny", tool_call_id="call1ab2c"),
    ]
    rule = Rule(contains="sunny", response=f"{client}: it is sunny")
    with serve(client, FakeChatModel(rules=[rule])) as server:
        answer = CLIENTS[client][0](server).bind_tools([WEATHER]).invoke(history)
    assert answer.text == f"{client}: it is sunny"


@pytest.mark.parametrize(
    ("client", "kwargs"),
    [
        ("deepseek", {}),
        ("xai", {}),
        ("fireworks", {}),
        ("groq", {}),
        ("mistral", {}),
        ("responses", {}),
    ],
)
def test_scripted_reasoning_streams_in_each_dialect(client: str, kwargs: dict[str, Any]) -> None:
    with serve(client, Response(reasoning="Let me think.", text="Done.")) as server:
        message = total(list(CLIENTS[client][0](server).stream("hi")))
    blocks = [b for b in message.content_blocks if b.get("type") == "reasoning"]
    reasoning = "".join(str(b.get("reasoning", "")) for b in blocks) or str(
        message.additional_kwargs.get("reasoning_content", "")
    )
    assert (reasoning, message.text) == ("Let me think.", "Done.")


def test_a_refusal_streams_as_the_responses_refusal_block() -> None:
    refused = Response(text="I can't help with that.", finish_reason="content_filter")
    with serve("responses", refused) as server:
        message = total(list(_responses(server).stream("hi")))
    refusals = [b for b in message.content if isinstance(b, dict) and b.get("type") == "refusal"]
    assert refusals == [{"type": "refusal", "refusal": "I can't help with that."}]


def test_the_openai_format_now_sends_scripted_reasoning_as_reasoning_content() -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    script = FakeChatModel(responses=[Response(reasoning="hmm", text="ok")])
    with (
        FakeProviderServer(script) as server,
        httpx.stream("POST", f"{server.openai_base_url}/chat/completions", json=body) as reply,
    ):
        frames = [line for line in reply.iter_lines() if line.startswith("data: {")]
    deltas = [json.loads(f[6:])["choices"][0]["delta"] for f in frames]
    assert {"reasoning_content": "hmm"} in deltas


def test_a_dialect_names_what_it_changes() -> None:
    assert DIALECTS["groq"] == Dialect(
        "groq",
        path="/openai/v1/chat/completions",
        reasoning="reasoning",
        usage="x_groq",
        tool_calls="whole",
    )


# -- Ollama's generate API, for OllamaLLM -------------------------------------------


@pytest.fixture
def generating() -> Iterator[Callable[..., tuple[FakeProviderServer, OllamaLLM]]]:
    servers: list[FakeProviderServer] = []

    def start(*responses: Any) -> tuple[FakeProviderServer, OllamaLLM]:
        server = FakeProviderServer(FakeChatModel(responses=list(responses))).start()
        servers.append(server)
        return server, OllamaLLM(base_url=server.ollama_base_url, model="llama-fake")

    yield start
    for server in servers:
        server.stop()


def test_ollama_llm_streams_the_script(generating: Any) -> None:
    server, llm = generating("one two three", Response(reasoning="hm", text="ok"))
    # The closing line (done, with the counts) streams as an empty chunk.
    assert list(llm.stream("hi")) == ["one", " two", " three", ""]
    llm.reasoning = True
    result = llm.generate(["hi"])
    assert result.generations[0][0].text == "ok"
    assert (result.generations[0][0].generation_info or {}).get("thinking") == "hm"
    assert server.journal.requests[0].path == "/api/generate"


def test_ollama_llm_errors_are_its_own(generating: Any) -> None:
    _, llm = generating(Fault(error=ServerError(status_code=500)))
    with pytest.raises(ollama.ResponseError):
        llm.invoke("hi")


def test_a_rule_sees_ollama_llms_prompt(generating: Any) -> None:
    server, llm = generating("unused")
    server.serve(FakeChatModel(rules=[Rule(contains="capital", response="Paris")]))
    assert llm.invoke("the capital of France?") == "Paris"


# -- findings in the clients (docs/conformance.md), kept as strict expected failures ------


@pytest.mark.xfail(
    strict=True,
    reason="ChatMistralAI treats tool-call index 0 as missing "
    "(`if not raw_tool_call.get('index')`): the first call's fragments get fresh ids",
)
def test_chat_mistral_ai_reads_the_fragments_of_the_first_tool_call() -> None:
    fragments = ChatCompletions(Dialect("mistral-fragments", usage="finish"))
    call = ToolCall("get_weather", {"city": "Paris"}, id="call1ab2c", fragments=3)
    with FakeProviderServer(
        FakeChatModel(responses=[Response(tool_calls=[call])]), formats=[fragments]
    ) as server:
        model = CLIENTS["mistral"][0](server).bind_tools([WEATHER])
        message = total(list(model.stream("weather?")))
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [
        ("get_weather", {"city": "Paris"})
    ]


def test_an_unknown_dialect_names_the_shipped_ones() -> None:
    with pytest.raises(KeyError, match="no dialect 'openrouter'; the shipped ones are openai, "):
        DIALECTS["openrouter"]


@pytest.mark.parametrize(
    "scripted",
    [
        Response(
            reasoning="Hmm.",
            text="Checking ✓",
            tool_calls=[ToolCall("get_weather", {"city": "Oslo"}, id="call_1")],
        ),
        Response(text="no", finish_reason="content_filter"),
        Response(text="cut short", finish_reason="length"),
    ],
    ids=["reasoning, text and a call", "refusal", "length"],
)
def test_every_responses_event_validates_against_the_sdks_own_types(scripted: Response) -> None:
    """Strictly: langchain-openai falls back to an unvalidated model (with a warning in
    the log) when a response does not validate, which would hide a malformed event."""
    from openai.types.responses import Response as SDKResponse
    from openai.types.responses import ResponseStreamEvent

    from fakes._wire._responses import Responses
    from tests.fakes.recording.test_readback import reply_for

    union = typing.get_args(typing.get_args(ResponseStreamEvent)[0])
    models = {typing.get_args(m.model_fields["type"].annotation)[0]: m for m in union}

    def validated(data: str) -> str:
        kind = json.loads(data)["type"]
        models[kind].model_validate_json(data)
        return str(kind)

    wire, reply = Responses(), reply_for(scripted)
    kinds = []
    for frame in wire.frames(reply, {"input": "hi", "stream": True}):
        event, data = frame.data.decode().split("\n")[:2]
        kinds.append(validated(data.removeprefix("data: ")))
        assert event == f"event: {kinds[-1]}"
    assert kinds[0] == "response.created"
    assert kinds[-1] in ("response.completed", "response.incomplete")
    SDKResponse.model_validate(wire.whole(reply))
    failed = wire.error_frame("boom", "server_error", 500)
    limited = wire.error_frame("slow", "rate_limit_error", 429)
    for error in (failed, limited):
        validated(error.decode().split("\n")[1].removeprefix("data: "))
