"""The streaming conformance suites for chat model and LLM integrations (needs pytest).

Subclass `ChatModelStreamingSuite` (or `LLMStreamingSuite` for plain-string LLMs), say how
to build your model against a fake provider's base URL and which capabilities it has;
pytest then runs every check on it, offline:

    class TestMyChatModel(ChatModelStreamingSuite):
        def build(self, server):
            return ChatOpenAI(base_url=server.openai_base_url, api_key="k", model="m")

Unsupported capabilities are skipped with the reason, never passed silently.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel, BaseLLM
from langchain_core.messages import AIMessageChunk

from fakes import (
    FakeChatModel,
    FakeProviderServer,
    Fault,
    Latency,
    RateLimitError,
    Response,
    Rule,
    ToolCall,
    WireFormat,
    split_text,
)

from ._checks._chunks import add_up
from ._checks._events import check_event_stream
from ._timeline._collect import acollect_chunks, collect_events

TEXT = "Streaming works token by token, as it should."
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


class _TokenCounter(BaseCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[str] = []

    def on_llm_new_token(self, token: Any, **kwargs: Any) -> None:
        self.tokens.append(str(token))


class _ServedSuite:
    """What both suites share: a fake provider per check, and collection by subclasses."""

    __test__ = False  # the base classes hold no tests of their own
    wire_formats: ClassVar[Sequence[WireFormat]] = ()
    """Your provider's own wire format(s), when it speaks none of the built-in ones."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Your subclasses are collected; the suites defined here are not; and a class
        # that says `__test__ = False` itself (an intermediate base) keeps it.
        if "__test__" not in cls.__dict__:
            cls.__test__ = cls.__module__ != __name__

    def build(self, server: FakeProviderServer) -> Any:
        """Your model, configured to talk to `server` (its *_base_url)."""
        raise NotImplementedError("build(server) must return the model under test")

    def server(self, model: FakeChatModel) -> FakeProviderServer:
        return FakeProviderServer(model, formats=self.wire_formats)

    @contextlib.contextmanager
    def serving(self, *responses: Any) -> Iterator[tuple[FakeProviderServer, Any]]:
        with self.served(FakeChatModel(responses=list(responses), cycle=True)) as server:
            yield server, self.build(server)

    @contextlib.contextmanager
    def served(self, model: FakeChatModel) -> Iterator[FakeProviderServer]:
        """A fake provider for one check; a request it could not answer (a wrong path,
        a body it rejects) fails the check with one message naming it, whatever the
        client raised because of it."""
        __tracebackhide__ = True
        with self.server(model) as server:
            try:
                yield server
            except Exception:
                _fail_on_unexpected(server)
                raise
            _fail_on_unexpected(server)

    def text_of(self, chunk: Any) -> str:
        """The text a streamed chunk carries."""
        return str(chunk)

    def test_a_mid_stream_error_comes_after_the_chunks_received(self) -> None:
        broken = Response(text=TEXT, fault=Fault(after_chunks=3))
        received: list[str] = []
        # Each client names the error its own way: any exception will do.
        with self.serving(broken) as (server, model), pytest.raises(Exception):  # noqa: B017
            for chunk in model.stream("hi"):
                received.append(self.text_of(chunk))
        _expect_fault_delivered(server, Exception, "the mid-stream error")
        expected = "".join(split_text(TEXT)[:3])
        _expect(
            "".join(received) == expected,
            "a provider error mid-stream must raise after the chunks already received, "
            "without repeating them (no silent retry of a half-streamed answer)",
            f"received {''.join(received)!r} before the error, expected {expected!r}",
        )


class ChatModelStreamingSuite(_ServedSuite):
    """Checks that a chat model streams as LangChain expects, against a fake provider."""

    has_tool_calling: ClassVar[bool] = True
    has_parallel_tool_calls: ClassVar[bool] = True
    returns_usage: ClassVar[bool] = True
    has_raw_tool_arguments: ClassVar[bool] = True
    """False for wire formats that carry tool arguments parsed (Ollama): no JSON to break."""
    has_reasoning: ClassVar[bool] = False
    """True if the model surfaces the provider's reasoning (thinking) stream."""

    def build(self, server: FakeProviderServer) -> BaseChatModel:
        """Your chat model, configured to talk to `server` (its *_base_url)."""
        raise NotImplementedError("build(server) must return the model under test")

    def text_of(self, chunk: Any) -> str:
        return str(chunk.text)

    # -- the checks ------------------------------------------------------------------

    def test_text_streams_as_several_chunks_in_order(self) -> None:
        with self.serving(TEXT) as (_, model):
            chunks = list(model.stream("hi"))
        texts = [c.text for c in chunks if c.text]
        _expect(
            len(texts) > 1,
            "the provider streamed the answer token by token, so stream() must yield several "
            "text chunks (is _stream implemented, and does it yield each delta?)",
            f"got {len(texts)} chunk(s) with text: {texts!r}",
        )
        _expect(
            all(isinstance(c, AIMessageChunk) for c in chunks),
            "stream() must yield AIMessageChunk objects",
            f"got {sorted({type(c).__name__ for c in chunks})}",
        )
        _expect(
            "".join(texts) == TEXT,
            "the chunks, in order, must spell the answer",
            f"got {''.join(texts)!r}",
        )

    def test_chunks_add_up_to_invoke_and_async_agrees(self) -> None:
        with self.serving(TEXT) as (_, model):
            streamed = add_up(list(model.stream("hi")))
            astreamed = add_up(asyncio.run(acollect_chunks(model, "hi")))
            invoked = model.invoke("hi")
        _expect(
            streamed.text == invoked.text,
            "the stream must add up to invoke()'s answer",
            f"stream: {streamed.text!r}, invoke: {invoked.text!r}",
        )
        _expect(
            astreamed.text == streamed.text,
            "astream() must stream what stream() does",
            f"astream: {astreamed.text!r}",
        )

    def test_exactly_one_last_chunk(self) -> None:
        with self.serving(TEXT) as (_, model):
            chunks = list(model.stream("hi"))
        positions = [getattr(c, "chunk_position", None) for c in chunks]
        _expect(
            positions.count("last") == 1 and positions[-1] == "last",
            "exactly one chunk, the final one, must have chunk_position='last'",
            f"got positions {positions}",
        )

    def test_usage_is_reported_once_and_matches(self) -> None:
        if not self.returns_usage:
            pytest.skip("returns_usage = False: the model reports no usage")
        with self.serving(Response(text=TEXT, usage={"input_tokens": 11, "output_tokens": 7})) as (
            _,
            model,
        ):
            chunks = list(model.stream("hi"))
        # As LangChain's standard tests judge it: input tokens on one chunk, and the
        # chunks' usage adding up to the provider's totals (output deltas may be spread).
        inputs = [i for i, c in enumerate(chunks) if (c.usage_metadata or {}).get("input_tokens")]
        _expect(
            len(inputs) == 1,
            "usage_metadata input_tokens must be on exactly one chunk (chunks add up, so "
            "more would count it twice)",
            f"on chunks {inputs}",
        )
        usage: dict[str, Any] = dict(add_up(chunks).usage_metadata or {})
        got = tuple(usage.get(k) for k in ("input_tokens", "output_tokens", "total_tokens"))
        _expect(
            got == (11, 7, 18),
            "the chunks' usage must add up to what the provider reported (input 11, "
            "output 7, total 18)",
            f"they add up to {usage}",
        )

    def test_tool_call_fragments_parse(self) -> None:
        if not self.has_tool_calling:
            pytest.skip("has_tool_calling = False")
        call = ToolCall("get_weather", {"city": "Paris"}, id="call_1", fragments=4)
        with self.serving(Response(tool_calls=[call])) as (_, model):
            total = add_up(list(model.bind_tools([WEATHER_TOOL]).stream("weather?")))
        got = [(c["name"], c["args"]) for c in total.tool_calls]
        _expect(
            got == [("get_weather", {"city": "Paris"})],
            "the tool call's argument fragments must add up to the scripted call",
            f"got tool_calls {total.tool_calls}, invalid {total.invalid_tool_calls}",
        )

    def test_parallel_tool_calls_parse(self) -> None:
        if not (self.has_tool_calling and self.has_parallel_tool_calls):
            pytest.skip("has_parallel_tool_calls = False")
        calls = [ToolCall("get_weather", {"city": c}, id=f"call_{c}") for c in ("Paris", "Oslo")]
        with self.serving(Response(tool_calls=calls)) as (_, model):
            total = add_up(list(model.bind_tools([WEATHER_TOOL]).stream("weather?")))
        got = [c["args"] for c in total.tool_calls]
        _expect(
            got == [{"city": "Paris"}, {"city": "Oslo"}],
            "parallel tool calls must stay apart",
            f"got {total.tool_calls}",
        )

    def test_the_event_stream_is_well_formed(self) -> None:
        with self.serving(TEXT) as (_, model):
            events = collect_events(model, "hi")
        check_event_stream(events)

    def test_on_llm_new_token_fires_once_per_chunk(self) -> None:
        counter = _TokenCounter()
        with self.serving(TEXT) as (_, model):
            chunks = list(model.stream("hi", {"callbacks": [counter]}))
        _expect(
            len(counter.tokens) == len(chunks),
            "on_llm_new_token must fire once per streamed chunk",
            f"{len(counter.tokens)} callbacks for {len(chunks)} chunks",
        )

    def test_reasoning_streams_before_the_answer(self) -> None:
        if not self.has_reasoning:
            pytest.skip("has_reasoning = False")
        with self.serving(Response(reasoning="Let me think it over.", text=TEXT)) as (_, model):
            total = add_up(list(model.stream("hi")))
        blocks = [b for b in total.content_blocks if b.get("type") == "reasoning"]
        reasoning = "".join(str(b.get("reasoning", "")) for b in blocks) or str(
            total.additional_kwargs.get("reasoning_content", "")
        )
        _expect(
            reasoning == "Let me think it over." and total.text == TEXT,
            "the reasoning must come through (as reasoning content blocks or "
            "reasoning_content), apart from the answer",
            f"got reasoning {reasoning!r} and text {total.text!r}",
        )

    def test_invalid_tool_call_json_lands_in_invalid_tool_calls(self) -> None:
        if not (self.has_tool_calling and self.has_raw_tool_arguments):
            pytest.skip("has_raw_tool_arguments = False: the wire carries parsed arguments")
        broken = ToolCall("get_weather", raw_args='{"city": Paris}', id="call_1")
        with self.serving(Response(tool_calls=[broken])) as (_, model):
            total = add_up(list(model.bind_tools([WEATHER_TOOL]).stream("weather?")))
        _expect(
            not total.tool_calls
            and [c["args"] for c in total.invalid_tool_calls] == ['{"city": Paris}'],
            "arguments that are not JSON must land in invalid_tool_calls, untouched",
            f"got tool_calls {total.tool_calls}, invalid {total.invalid_tool_calls}",
        )

    def test_model_name_and_finish_reason_come_through(self) -> None:
        with self.serving(TEXT) as (server, model):
            total = add_up(list(model.stream("hi")))
            # The provider answers as a pinned release (gpt-fake -> gpt-fake-2026-01-01) of
            # the model the request named, in its body or its path (Gemini, Bedrock), as the
            # format read it; in process: the script's own name.
            served = server.journal.requests and server.model.calls
            sent_model = (
                server.model.calls[-1].kwargs.get("model") if served else server.model.model_name
            )
            answered = server.answered_model(str(sent_model)) if served else sent_model
        metadata = total.response_metadata
        _expect(
            metadata.get("model_name") == answered,
            "response_metadata['model_name'] must name the model the provider answered as "
            "(from the response, not the configured name)",
            f"got {metadata.get('model_name')!r}; the request asked for {sent_model!r} and "
            f"the provider answered as {answered!r}",
        )
        # stopReason: ChatBedrockConverse passes Bedrock's own key on, in camelCase; the
        # Responses API says it with `status` (and `incomplete_details`).
        said = ("finish_reason", "stop_reason", "done_reason", "stopReason", "status")
        reasons = {k: metadata[k] for k in said if k in metadata}
        _expect(bool(reasons), "response_metadata must say why the answer ended", f"got {metadata}")

    def test_batch_answers_each_input(self) -> None:
        rules = [Rule(contains=f"question {n}", response=f"answer {n}") for n in range(3)]
        with self.served(FakeChatModel(rules=rules)) as server:
            answers = self.build(server).batch([f"question {n}" for n in range(3)])
        got = [a.text for a in answers]
        _expect(
            got == [f"answer {n}" for n in range(3)],
            "batch() must answer each input, in order",
            f"got {got}",
        )

    def test_stream_events_v3_rebuilds_the_answer(self) -> None:
        if not hasattr(BaseChatModel, "stream_events"):
            pytest.skip("stream_events(version='v3') needs langchain-core 1.4+")
        with self.serving(TEXT) as (_, model):
            output = model.stream_events("hi", version="v3").output
        _expect(
            output.text == TEXT,
            "v3 content-block events must rebuild the answer",
            f"got {output.text!r}",
        )

    def test_breaking_out_closes_the_http_stream(self) -> None:
        long = Response(chunks=[" tok"] * 50, latency=Latency(per_chunk=0.02))
        with self.serving(long) as (server, model):
            for chunk in model.stream("hi"):
                if chunk.text:
                    break
            call = server.model.calls[-1]
            deadline = time.monotonic() + 3
            while not (call.closed_early or call.finished) and time.monotonic() < deadline:
                time.sleep(0.01)
        _expect(
            call.closed_early,
            "breaking out of stream() must close the HTTP stream (close the response when "
            "the generator is closed)",
            "the server kept streaming to the end"
            if call.finished
            else "the server saw no disconnect",
        )

    def test_a_rate_limit_raises_before_any_chunk(self) -> None:
        received: list[str] = []
        limited = Fault(error=RateLimitError(retry_after=0))
        with self.serving(limited) as (server, model), pytest.raises(Exception):  # noqa: B017
            for chunk in model.stream("hi"):
                received.append(chunk.text)
        _expect_fault_delivered(server, RateLimitError, "the 429")
        _expect(not any(received), "a 429 must raise before any chunk", f"received {received}")


class LLMStreamingSuite(_ServedSuite):
    """Checks that a plain-string LLM streams as LangChain expects, against a fake provider."""

    def build(self, server: FakeProviderServer) -> BaseLLM:
        """Your LLM, configured to talk to `server` (its openai_base_url, or your format's)."""
        raise NotImplementedError("build(server) must return the LLM under test")

    def test_text_streams_as_several_string_chunks(self) -> None:
        with self.serving(TEXT) as (_, llm):
            chunks = list(llm.stream("hi"))
        texts = [c for c in chunks if c]
        _expect(
            len(texts) > 1 and all(isinstance(c, str) for c in chunks),
            "an LLM's stream() must yield several string chunks (is _stream implemented?)",
            f"got {chunks!r}",
        )
        _expect(
            "".join(chunks) == TEXT, "the chunks must spell the answer", f"got {''.join(chunks)!r}"
        )

    def test_chunks_join_to_invoke_and_async_agrees(self) -> None:
        with self.serving(TEXT) as (_, llm):
            streamed = "".join(llm.stream("hi"))
            astreamed = "".join(asyncio.run(acollect_chunks(llm, "hi")))
            invoked = llm.invoke("hi")
        _expect(
            streamed == invoked == astreamed,
            "stream, astream and invoke must agree",
            f"{streamed!r} / {astreamed!r} / {invoked!r}",
        )

    def test_on_llm_new_token_fires_once_per_chunk(self) -> None:
        counter = _TokenCounter()
        with self.serving(TEXT) as (_, llm):
            chunks = list(llm.stream("hi", {"callbacks": [counter]}))
        _expect(
            counter.tokens == [c for c in chunks],
            "on_llm_new_token must fire once per chunk (an LLM's _stream calls it itself)",
            f"{len(counter.tokens)} callbacks for {len(chunks)} chunks",
        )

    def test_batch_answers_each_input(self) -> None:
        rules = [Rule(contains=f"question {n}", response=f"answer {n}") for n in range(3)]
        with self.served(FakeChatModel(rules=rules)) as server:
            # One prompt per request: the fake completions endpoint answers one at a time.
            questions: list[Any] = [f"question {n}" for n in range(3)]
            answers = self.build(server).batch(questions, {"max_concurrency": 1})
        _expect(
            answers == [f"answer {n}" for n in range(3)],
            "batch() must answer each input, in order",
            f"got {answers}",
        )

    def test_the_event_stream_is_well_formed(self) -> None:
        with self.serving(TEXT) as (_, llm):
            events = collect_events(llm, "hi")
        streamed = [e for e in events if e["event"] == "on_llm_stream"]
        _expect(
            len(streamed) > 1,
            "astream_events must show on_llm_stream per token",
            f"got {len(streamed)}",
        )
        check_event_stream(events)


def _fail_on_unexpected(server: FakeProviderServer) -> None:
    """One clear failure for requests the fake could not answer (instead of whatever
    the client raised on the 404 or 400)."""
    __tracebackhide__ = True
    unexpected = server.journal.unexpected
    if not unexpected:
        return
    served = ", ".join(f"POST {f.path}" for f in server.provider.formats)
    seen = Counter(f"  {r.method} {r.path} -> {r.status}: {r.reason}" for r in unexpected)
    lines = "\n".join(line + (f" ({n} requests)" if n > 1 else "") for line, n in seen.items())
    pytest.fail(
        f"the client sent requests the fake provider could not answer:\n{lines}\n"
        f"The fake serves {served} under the base URLs "
        "server.openai_base_url, server.anthropic_base_url and server.ollama_base_url: "
        "check that build() gives the client one of them (or add the provider's format "
        "with wire_formats).",
        pytrace=False,
    )


def _expect_fault_delivered(
    server: FakeProviderServer, kind: type[BaseException], what: str
) -> None:
    """A fault check passes only if the fake really delivered the scripted fault (the
    client may have raised for another reason, e.g. a 404 on a wrong path)."""
    __tracebackhide__ = True
    raised = [call.error for call in server.model.calls if call.error is not None]
    _expect(
        any(isinstance(error, kind) for error in raised),
        f"{what} scripted for this check must reach the client (the client raised, but "
        "not because of it)",
        f"the fake's calls raised {raised!r}; requests: "
        f"{[(r.method, r.path, r.status) for r in server.journal.requests]}",
    )


def _expect(ok: bool, rule: str, got: str) -> None:
    __tracebackhide__ = True
    if not ok:
        pytest.fail(f"{rule}; {got}", pytrace=False)


__all__: Sequence[str] = ["ChatModelStreamingSuite", "LLMStreamingSuite"]
