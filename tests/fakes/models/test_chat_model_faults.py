"""Faults, latency on the virtual clock, early close, and the non-streaming fallback."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Awaitable, Callable

import pytest
from freezegun import freeze_time
from langchain_core.callbacks import BaseCallbackHandler

from fakes import (
    ContentFilterError,
    FakeChatModel,
    Fault,
    Latency,
    NonStreamingFakeChatModel,
    ProviderTimeoutError,
    RateLimitError,
    Response,
    ServerError,
)


def test_a_fault_after_n_chunks_delivers_and_records_them_first() -> None:
    model = FakeChatModel(
        responses=[
            Response(
                text="Half an answer", fault=Fault(after_chunks=2, error=TimeoutError("upstream"))
            )
        ]
    )
    received = []
    with pytest.raises(TimeoutError, match="upstream"):
        for chunk in model.stream("x"):
            received.append(chunk.content)
    assert received == ["Half", " an"]
    call = model.calls[0]
    assert [c.content for c in call.chunks] == ["Half", " an"]
    assert isinstance(call.error, TimeoutError) and not call.finished


async def test_a_fault_in_astream_too() -> None:
    model = FakeChatModel(responses=[Response(text="a b c", fault=Fault(after_chunks=1))])
    received = []
    with pytest.raises(ServerError):
        async for chunk in model.astream("x"):
            received.append(chunk.content)
    assert received == ["a"]


def test_a_fault_as_a_response_fails_that_call_before_any_chunk() -> None:
    model = FakeChatModel(
        responses=["ok", Fault(error=RateLimitError(retry_after=2.0)), "ok again"]
    )
    assert model.invoke("x").content == "ok"
    with pytest.raises(RateLimitError) as raised:
        list(model.stream("x"))
    assert raised.value.retry_after == 2.0 and raised.value.status_code == 429
    assert model.calls[1].chunks == []
    assert model.invoke("x").content == "ok again"


def test_with_retry_recovers_from_a_scripted_rate_limit() -> None:
    model = FakeChatModel(
        responses=[Fault(error=RateLimitError), Fault(error=RateLimitError), "finally"]
    )
    retrying = model.with_retry(
        retry_if_exception_type=(RateLimitError,),
        stop_after_attempt=3,
        wait_exponential_jitter=False,
    )
    assert retrying.invoke("x").content == "finally"
    assert [c.error.__class__.__name__ if c.error else None for c in model.calls] == [
        "RateLimitError",
        "RateLimitError",
        None,
    ]


@pytest.mark.parametrize(
    ("error", "kind", "status"),
    [
        (RateLimitError(retry_after=1), RateLimitError, 429),
        (ProviderTimeoutError(), TimeoutError, 408),
        (ServerError(status_code=529), ServerError, 529),
        (ContentFilterError(), ContentFilterError, 400),
    ],
)
def test_ready_made_provider_errors(error: Exception, kind: type, status: int) -> None:
    model = FakeChatModel(responses=[Fault(error=error)])
    with pytest.raises(kind) as raised:
        model.invoke("x")
    assert raised.value.status_code == status  # type: ignore[attr-defined]


def test_callbacks_see_the_error_after_the_delivered_tokens() -> None:
    events: list[str] = []

    class Spy(BaseCallbackHandler):
        def on_llm_new_token(self, token, **kwargs):  # type: ignore[no-untyped-def]
            events.append(f"token {token!r}")

        def on_llm_error(self, error, **kwargs):  # type: ignore[no-untyped-def]
            events.append(f"error {error!r}")

    model = FakeChatModel(
        responses=[Response(text="a b c", fault=Fault(after_chunks=2, error=ServerError("boom")))]
    )
    with pytest.raises(ServerError):
        list(model.stream("x", {"callbacks": [Spy()]}))
    assert events == ["token 'a'", "token ' b'", "error ServerError('boom')"]


def test_a_thirty_second_stream_runs_on_the_virtual_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_sleeping(seconds: float) -> None:
        raise AssertionError("the virtual clock must not really sleep")

    monkeypatch.setattr(time, "sleep", no_sleeping)
    model = FakeChatModel(
        responses=[Response(chunks=["x"] * 291)], latency=Latency(ttft=1.0, per_chunk=0.1)
    )
    list(model.stream("q"))
    call = model.calls[0]
    assert call.ttft == 1.0
    assert call.duration == pytest.approx(30.0)
    assert model.clock_now == pytest.approx(30.0)


def test_jitter_is_seeded_per_call() -> None:
    latency = Latency(ttft=1.0, per_chunk=0.5, jitter=0.5, seed=3)
    runs = []
    for _ in range(2):
        model = FakeChatModel(responses=["a b c", "d e f"], latency=latency)
        list(model.stream("x"))
        list(model.stream("x"))
        runs.append([(c.ttft, c.duration) for c in model.calls])
    assert runs[0] == runs[1]
    assert runs[0][0] != runs[0][1], "each call draws its own delays"
    assert 0.5 <= runs[0][0][0] <= 1.5  # type: ignore[operator]


def test_a_response_can_override_the_models_latency() -> None:
    model = FakeChatModel(
        responses=[Response(text="a", latency=Latency(ttft=5.0))], latency=Latency(ttft=1.0)
    )
    model.invoke("x")
    assert model.calls[0].ttft == 5.0


def test_a_fault_waits_out_the_stall_before_it() -> None:
    model = FakeChatModel(responses=[Fault(error=ProviderTimeoutError)], latency=Latency(ttft=30.0))
    with pytest.raises(ProviderTimeoutError):
        model.invoke("x")
    assert model.calls[0].ttft is None and model.calls[0].duration == 30.0


class RecordingClock:
    def __init__(self) -> None:
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def test_an_injected_clock_receives_every_delay() -> None:
    clock = RecordingClock()
    model = FakeChatModel(
        responses=["a b c"], latency=Latency(ttft=0.3, per_chunk=0.1), clock=clock
    )
    list(model.stream("x"))
    assert clock.slept == [0.3, 0.1, 0.1]


def run_frozen(main: Callable[[], Awaitable[list[str]]], seconds: float = 20) -> list[str]:
    """Run `main` under frozen time in a thread, so that a hang fails instead of blocking."""
    result: list[list[str]] = []

    def target() -> None:
        with freeze_time("2026-01-01"):
            result.append(asyncio.run(main()))

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"the stream hung under freezegun (> {seconds}s)"
    return result[0]


def test_virtual_time_does_not_hang_under_freezegun() -> None:
    model = FakeChatModel(responses=["a b c"], latency=Latency(ttft=2.0, per_chunk=1.0))

    async def main() -> list[str]:
        return [c.content async for c in model.astream("x")]  # type: ignore[misc]

    assert run_frozen(main) == ["a", " b", " c"]
    assert model.calls[0].duration == 4.0


def test_real_time_does_not_hang_under_freezegun() -> None:
    model = FakeChatModel(responses=["a b"], latency=Latency(per_chunk=0.01), real_time=True)

    async def main() -> list[str]:
        return [c.content async for c in model.astream("x")]  # type: ignore[misc]

    assert run_frozen(main) == ["a", " b"]


def test_the_real_clock_really_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    waited: list[tuple[str, float]] = []
    real_async_sleep = asyncio.sleep

    async def async_sleep(seconds: float) -> None:
        waited.append(("asyncio.sleep", seconds))
        await real_async_sleep(0)

    monkeypatch.setattr(time, "sleep", lambda seconds: waited.append(("time.sleep", seconds)))
    monkeypatch.setattr(asyncio, "sleep", async_sleep)
    model = FakeChatModel(
        responses=["a b", "c d"], latency=Latency(ttft=0.5, per_chunk=0.25), real_time=True
    )
    list(model.stream("x"))

    async def consume() -> None:
        async for _chunk in model.astream("x"):
            pass

    asyncio.run(consume())
    assert waited == [
        ("time.sleep", 0.5),
        ("time.sleep", 0.25),
        ("asyncio.sleep", 0.5),
        ("asyncio.sleep", 0.25),
    ]


def test_breaking_out_of_a_stream_is_recorded() -> None:
    model = FakeChatModel(responses=["a b c d"])
    for _chunk in model.stream("x"):
        break
    call = model.calls[0]
    assert call.closed_early and not call.finished
    assert [c.content for c in call.chunks] == ["a"]


async def test_closing_an_async_stream_is_recorded() -> None:
    model = FakeChatModel(responses=["a b c d"])
    async with contextlib.aclosing(model.astream("x")) as stream:
        async for _chunk in stream:
            break
    await asyncio.sleep(0)  # let the inner generator's finaliser run
    assert model.calls[0].closed_early and not model.calls[0].finished


def test_a_model_that_does_not_stream_yields_one_final_chunk() -> None:
    model = NonStreamingFakeChatModel(responses=["Hello, world!", "Bye now"])
    chunks = list(model.stream("x"))
    assert [c.content for c in chunks] == ["Hello, world!"]
    assert model.calls[0].method == "invoke"


async def test_a_model_that_does_not_stream_yields_one_final_chunk_async() -> None:
    model = NonStreamingFakeChatModel(responses=["Hello, world!"])
    assert [c.content async for c in model.astream("x")] == ["Hello, world!"]


async def test_cancelling_a_stream_is_recorded_as_closed_early() -> None:
    model = FakeChatModel(responses=["a b c"], latency=Latency(per_chunk=1.0))
    gate = asyncio.Event()

    async def consume() -> None:
        async for _chunk in model.astream("x"):
            gate.set()
            await asyncio.Event().wait()  # a consumer that never finishes

    task = asyncio.create_task(consume())
    await gate.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(3):  # the abandoned generators are closed by asyncio's finaliser tasks
        await asyncio.sleep(0)
    assert [c.content for c in model.calls[0].chunks] == ["a"]
    assert model.calls[0].closed_early and not model.calls[0].finished


def test_provider_error_messages() -> None:
    assert str(RateLimitError()) == "rate limit exceeded"
    assert str(RateLimitError(retry_after=2)) == "rate limit exceeded; retry after 2s"
    assert str(ServerError(status_code=529)) == "server error (529)"
    assert str(ProviderTimeoutError()) == "request timed out"
    assert str(ContentFilterError("blocked: violence")) == "blocked: violence"
