"""Record real streams (callbacks, or a proxy) and replay them: same chunks, same events."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from langchain_anthropic import ChatAnthropic
from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableParallel
from langchain_ollama import ChatOllama
from langchain_openai import ChatOpenAI, OpenAI

from assertions import (
    collect_events,
    normalize_chunks,
    normalize_events,
    render_chunks,
    render_events,
)
from fakes import (
    ContentFilterError,
    FakeChatModel,
    FakeLLM,
    FakeProviderServer,
    FakesError,
    Fault,
    Latency,
    RateLimitError,
    RecordingProxy,
    Response,
    ScriptError,
    ServerError,
    StreamRecorder,
    ToolCall,
)

KEY = "sk-live-0123456789abcdefghijklmnop"
CALL = ToolCall("get_weather", {"city": "Zürich"}, id="call_1")
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the weather.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
ANSWER = Response(
    text="Let me check ✓", tool_calls=[CALL], latency=Latency(ttft=0.02, per_chunk=0.005)
)


def _client(kind: str, base: Any) -> BaseChatModel:
    if kind == "openai":
        return ChatOpenAI(
            base_url=base.openai_base_url,
            api_key=KEY,
            model="gpt-fake",
            max_retries=0,
            stream_usage=True,
            temperature=0.2,
        )
    if kind == "anthropic":
        return ChatAnthropic(
            base_url=base.anthropic_base_url, api_key=KEY, model="claude-fake", max_retries=0
        )
    return ChatOllama(base_url=base.ollama_base_url, model="llama-fake")


def _rendered(chunks: list[Any], events: list[Any]) -> tuple[str, str]:
    return render_chunks(normalize_chunks(chunks)), render_events(normalize_events(events))


# -- the callback recorder ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_a_recorded_stream_replays_with_the_same_chunks_and_events(
    kind: str, tmp_path: Path
) -> None:
    recorder = StreamRecorder()
    with FakeProviderServer(FakeChatModel(responses=[ANSWER], cycle=True)) as provider:
        model = _client(kind, provider).bind_tools([WEATHER])
        original = list(model.stream("weather?", config={"callbacks": [recorder]}))
        original_events = list(collect_events(model, "weather?"))
    path = recorder.save(tmp_path / "recorded.yaml")

    replay = FakeChatModel.from_script(path, cycle=True).bind_tools([WEATHER])
    replayed = list(replay.stream("weather?"))
    replayed_events = list(collect_events(replay, "weather?"))
    assert _rendered(replayed, replayed_events) == _rendered(original, original_events)


def test_the_recording_keeps_timings_and_what_the_model_reported(tmp_path: Path) -> None:
    recorder = StreamRecorder()
    with FakeProviderServer(FakeChatModel(responses=[ANSWER])) as provider:
        list(_client("openai", provider).stream("weather?", config={"callbacks": [recorder]}))
    script = recorder.script()
    assert {k: script[k] for k in ("name", "model_name")} == {
        "name": "ChatOpenAI",
        "model_name": "gpt-fake",
    }
    assert script["ls_params"]["ls_provider"] == "openai"
    assert script["ls_params"]["ls_temperature"] == 0.2
    [response] = recorder.responses
    # The first text arrives after the scripted 20 ms (less a millisecond of rounding).
    assert response.latency is not None
    assert sum(response.latency.chunk_delays[:2]) >= 0.019
    replay = FakeChatModel.from_script(recorder.save(tmp_path / "r.json"))
    list(replay.stream("weather?"))
    assert replay.calls[0].ttft == pytest.approx(sum(response.latency.chunk_delays[:1]))
    assert replay.calls[0].duration == pytest.approx(sum(response.latency.chunk_delays))


def test_an_invoked_call_is_recorded_whole(tmp_path: Path) -> None:
    recorder = StreamRecorder()
    with FakeProviderServer(FakeChatModel(responses=[ANSWER])) as provider:
        original = (
            _client("openai", provider)
            .bind_tools([WEATHER])
            .invoke("x", config={"callbacks": [recorder]})
        )
    replayed = FakeChatModel.from_script(recorder.save(tmp_path / "r.yaml")).invoke("x")
    assert (replayed.content, replayed.tool_calls, replayed.usage_metadata) == (
        original.content,
        original.tool_calls,
        original.usage_metadata,
    )


def test_an_error_mid_stream_is_recorded_after_the_chunks_that_came(tmp_path: Path) -> None:
    recorder = StreamRecorder()
    broken = Response(
        text="one two three", fault=Fault(ServerError("upstream down"), after_chunks=2)
    )
    with FakeProviderServer(FakeChatModel(responses=[broken])) as provider:
        received = []
        with pytest.raises(openai.APIError):
            for chunk in _client("openai", provider).stream("x", config={"callbacks": [recorder]}):
                received.append(chunk.content)
    replay = FakeChatModel.from_script(recorder.save(tmp_path / "r.yaml"))
    replayed = []
    with pytest.raises(ServerError, match="upstream down"):
        for chunk in replay.stream("x"):
            replayed.append(chunk.content)
    assert replayed == received


def test_an_llm_recording_replays_through_fake_llm(tmp_path: Path) -> None:
    recorder = StreamRecorder()
    with FakeProviderServer(FakeChatModel(responses=["Bonjour à tous"])) as provider:
        llm = OpenAI(
            base_url=provider.openai_base_url, api_key=KEY, model="gpt-fake", max_retries=0
        )
        original = list(llm.stream("hi", config={"callbacks": [recorder]}))
    replay = FakeLLM.from_script(recorder.save(tmp_path / "r.yaml"))
    assert list(replay.stream("hi")) == original


def test_credentials_never_reach_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACME_API_KEY", "acme-9f8e7d6c5b4a")
    leaky = Response(
        text="key sk-proj-abcdefghijklmnopqrstuv and acme-9f8e7d6c5b4a and hunter2hunter2",
        response_metadata={
            "headers": {"authorization": "Bearer tok123", "x-request-id": "req_1"},
            "api_key": "abc",
        },
    )
    recorder = StreamRecorder(secrets=["hunter2hunter2"])
    with FakeProviderServer(FakeChatModel(responses=[leaky])) as provider:
        model = ChatOpenAI(base_url=provider.openai_base_url, api_key=KEY, model="m", max_retries=0)
        list(model.stream("x", config={"callbacks": [recorder]}))
        fake = FakeChatModel(responses=[leaky], api_key=KEY)
        list(fake.stream("x", config={"callbacks": [recorder]}))
    text = recorder.save(tmp_path / "r.yaml").read_text()
    for secret in (
        KEY,
        "sk-proj-abcdefghijklmnopqrstuv",
        "acme-9f8e7d6c5b4a",
        "hunter2hunter2",
        "tok123",
        "abc\n",
    ):
        assert secret not in text
    assert "<redacted>" in text and "req_1" in text  # the rest is kept


def test_several_models_in_one_chain_are_told_apart(tmp_path: Path) -> None:
    recorder = StreamRecorder()
    first = FakeChatModel(responses=["from first"], name="First")
    second = FakeChatModel(responses=["from second"], name="Second")
    RunnableParallel(a=first, b=second).invoke("x", config={"callbacks": [recorder]})
    assert (
        recorder.script(model="Second")["responses"][0]["raw_chunks"][0]["content"] == "from second"
    )
    with pytest.raises(
        FakesError, match=r"nothing recorded for 'Third' \(models seen: First, Second\)"
    ):
        recorder.script(model="Third")


def test_nothing_recorded_says_how_to_record() -> None:
    with pytest.raises(FakesError, match="pass the recorder as a callback"):
        StreamRecorder().script()


def test_a_failed_save_leaves_the_old_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = StreamRecorder()
    FakeChatModel(responses=["new"]).invoke("x", config={"callbacks": [recorder]})
    target = tmp_path / "r.yaml"
    target.write_text("responses: [old]\n")

    def crash(*args: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", crash)
    with pytest.raises(OSError, match="disk full"):
        recorder.save(target)
    assert target.read_text() == "responses: [old]\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r.yaml"]
    with pytest.raises(FakesError, match=r"unknown script format '\.txt'"):
        recorder.save(tmp_path / "r.txt")


# -- recorded scripts, by hand -------------------------------------------------------------


def test_raw_chunks_replace_the_fields_that_shape_chunks() -> None:
    with pytest.raises(
        ScriptError, match=r"responses\[0\]\.text: raw_chunks replay the chunks field by field"
    ):
        FakeChatModel(responses=[Response(text="x", raw_chunks=[{"content": "x"}])])
    with pytest.raises(ScriptError, match=r"raw_chunks\[0\]\.contnt: not a chat chunk field"):
        FakeChatModel(responses=[Response(raw_chunks=[{"contnt": "x"}])])
    with pytest.raises(ScriptError, match=r"raw_chunks\[0\]\.content: not a llm chunk field"):
        FakeLLM(responses=[Response(raw_chunks=[{"content": "x"}])])
    with pytest.raises(ScriptError, match=r"give one of args .* not args and chunks"):
        FakeChatModel(responses=[Response(tool_calls=[ToolCall("f", {"a": 1}, chunks=["{}"])])])
    with pytest.raises(
        ScriptError, match=r"latency\.chunk_delays\[1\]: must be a finite number >= 0"
    ):
        FakeChatModel(responses=["x"], latency=Latency(chunk_delays=(0.1, -1)))


def test_a_fault_after_every_chunk_fails_before_the_stream_ends() -> None:
    model = FakeChatModel(responses=[Response(text="a b", fault=Fault(after_chunks=2))])
    received = []
    with pytest.raises(ServerError):
        for chunk in model.stream("x"):
            received.append(chunk.content)
    assert received == ["a", " b"]


# -- the recording proxy ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["openai", "anthropic", "ollama"])
def test_a_proxied_stream_replays_through_the_fake_server(kind: str, tmp_path: Path) -> None:
    answer = Response(
        reasoning="Hmm." if kind != "openai" else "", text="Let me check ✓", tool_calls=[CALL]
    )
    with (
        FakeProviderServer(FakeChatModel(responses=[answer])) as provider,
        RecordingProxy(provider.url) as proxy,
    ):
        original = list(_client(kind, proxy).bind_tools([WEATHER]).stream("weather?"))
        assert proxy.wait_for(1, timeout=5)
    path = proxy.save(tmp_path / "proxied.yaml")
    text = path.read_text()
    assert KEY not in text
    with FakeProviderServer(FakeChatModel.from_script(path)) as replay:
        replayed = list(_client(kind, replay).bind_tools([WEATHER]).stream("weather?"))
    assert render_chunks(normalize_chunks(replayed)) == render_chunks(normalize_chunks(original))


def test_a_proxied_recording_also_plays_in_process(tmp_path: Path) -> None:
    with (
        FakeProviderServer(FakeChatModel(responses=[ANSWER])) as provider,
        RecordingProxy(provider.url) as proxy,
    ):
        original = _client("openai", proxy).bind_tools([WEATHER]).invoke("weather?")
        proxy.wait_for(1, timeout=5)
    replayed = FakeChatModel.from_script(proxy.save(tmp_path / "p.yaml")).invoke("weather?")
    assert (replayed.content, replayed.tool_calls) == (original.content, original.tool_calls)


def test_a_proxied_rate_limit_is_recorded_and_replayed(tmp_path: Path) -> None:
    with FakeProviderServer(
        FakeChatModel(responses=[Fault(RateLimitError("slow down"))])
    ) as provider:
        with RecordingProxy(provider.url) as proxy:
            with pytest.raises(openai.RateLimitError):
                _client("openai", proxy).invoke("x")
            proxy.wait_for(1, timeout=5)
        assert "authorization" not in str(proxy.recorded).lower()
        path = proxy.save(tmp_path / "p.yaml")
    assert "error: rate_limit" in path.read_text()
    with (
        FakeProviderServer(FakeChatModel.from_script(path)) as replay,
        pytest.raises(openai.RateLimitError),
    ):
        _client("openai", replay).invoke("x")


def test_a_proxied_refusal_stays_a_content_filter(tmp_path: Path) -> None:
    """The error type the body names wins over its HTTP status (400)."""
    with (
        FakeProviderServer(
            FakeChatModel(responses=[Fault(ContentFilterError("blocked"))])
        ) as provider,
        RecordingProxy(provider.url) as proxy,
    ):
        with pytest.raises(openai.BadRequestError):
            _client("openai", proxy).invoke("x")
        proxy.wait_for(1, timeout=5)
    [response] = proxy.recorded
    assert response.fault is not None and isinstance(response.fault.exception(), ContentFilterError)
    assert "error: content_filter" in proxy.save(tmp_path / "p.yaml").read_text()


def test_recorded_stop_reasons_read_in_the_scripts_terms() -> None:
    from fakes._models._replay import as_response

    def finish(reason: str) -> str | None:
        chunk = {"content": "x", "response_metadata": {"stop_reason": reason}}
        return as_response(Response(raw_chunks=[chunk])).finish_reason

    assert [
        finish(r) for r in ("end_turn", "stop_sequence", "tool_use", "max_tokens", "refusal")
    ] == [
        "stop",
        "stop",
        "tool_calls",
        "length",
        "content_filter",
    ]


def test_the_proxy_names_bad_upstreams() -> None:
    with pytest.raises(FakesError, match="upstream must be the provider's base URL"):
        RecordingProxy("api.openai.com")
    with RecordingProxy("http://127.0.0.1:9") as proxy:  # nothing listens on port 9
        reply = httpx.post(f"{proxy.openai_base_url}/chat/completions", json={}, timeout=10)
        assert reply.status_code == 502
        assert "could not reach http://127.0.0.1:9" in reply.json()["error"]["message"]
        with pytest.raises(FakesError, match="nothing recorded yet; point the client's base URL"):
            proxy.script()


def _record_one_answer(command: list[str], upstream: str, out: str) -> None:
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            assert process.stdout is not None
            assert process.stdout.readline().startswith(f"recording {upstream} to {out}")
            found = re.search(r"base_url=(\S+/v1)", process.stdout.readline())
            assert found
            client = ChatOpenAI(base_url=found.group(1), api_key=KEY, model="m", max_retries=0)
            assert "".join(str(c.content) for c in client.stream("hi")) == "Recorded answer"
            assert process.wait(timeout=20) == 0
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                process.wait(timeout=20)
        assert "recorded 1 answer(s)" in process.stdout.read()


def test_streamfakes_record_proxies_until_enough_answers(tmp_path: Path) -> None:
    out = tmp_path / "recorded.yaml"
    command = [sys.executable, "-c", "from streamfakes._cli import main; raise SystemExit(main())"]
    with FakeProviderServer(FakeChatModel(responses=["Recorded answer"])) as provider:
        arguments = ["record", "--upstream", provider.url, "--out", str(out), "--answers", "1"]
        _record_one_answer([*command, *arguments], provider.url, str(out))
    assert FakeChatModel.from_script(out).invoke("x").content == "Recorded answer"
    assert KEY not in out.read_text()


def test_streamfakes_record_refuses_a_bad_out_path(tmp_path: Path) -> None:
    from streamfakes._cli import main

    assert (
        main(["record", "--upstream", "http://127.0.0.1:9", "--out", str(tmp_path / "x.txt")]) == 2
    )
    assert (
        main(["record", "--upstream", "http://127.0.0.1:9", "--out", str(tmp_path / "no/x.yaml")])
        == 2
    )
