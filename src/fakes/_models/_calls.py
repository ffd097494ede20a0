"""The log of calls a fake receives, and the playback that delivers (and records) chunks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from .._script._vocabulary import Response
from ._clock import Clock

Method = Literal["stream", "astream", "invoke", "ainvoke"]
Chunk = TypeVar("Chunk")
T = TypeVar("T")
Marked = tuple[Chunk, bool]
"""A chunk, and whether it is the answer's last."""


@dataclass(eq=False)
class Call(Generic[Chunk]):
    """One call to a fake: what it was asked, what it answered, and how it ended."""

    index: int
    """Position in `model.calls`, from 0."""
    method: Method | None
    """`stream`/`astream` when the model streamed, `invoke`/`ainvoke` when it did not;
    None while a call `batch()` reserved has not started."""
    input: Any
    """The input messages (chat models) or prompt string (LLMs)."""
    kwargs: dict[str, Any]
    """Call options: `stop`, and whatever was bound (`tools`, `tool_choice`, ...)."""
    source: str = ""
    """Which part of the script answered: `responses[2]` or `rules[0]`; empty if none."""
    response: Response | None = None
    """The scripted response that was played; None if the script had none left."""
    delivered: list[Chunk] = field(default_factory=list, repr=False)
    """The generation chunks delivered, in order (see `chunks` for their messages)."""
    error: BaseException | None = None
    """The exception the call raised: scripted, or `ScriptExhaustedError`."""
    closed_early: bool = False
    """The consumer stopped reading (`break`, `aclose`, cancellation) before the end."""
    finished: bool = False
    """Every scripted chunk was delivered."""
    ttft: float | None = None
    """Seconds (on the model's clock) until the first chunk; None if none came."""
    duration: float = 0.0
    """Seconds (on the model's clock) the call took until its last chunk or error."""

    @property
    def chunks(self) -> list[Any]:
        """What the consumer received: message chunks (chat models) or strings (LLMs)."""
        delivered: list[Any] = self.delivered
        return [c.message if hasattr(c, "message") else c.text for c in delivered]

    @property
    def stop(self) -> list[str] | None:
        return self.kwargs.get("stop")

    @property
    def tools(self) -> list[dict[str, Any]]:
        """The tools bound for this call, in OpenAI tool format."""
        return list(self.kwargs.get("tools") or [])

    @property
    def tool_choice(self) -> Any:
        return self.kwargs.get("tool_choice")


@dataclass
class Playback(Generic[Chunk]):
    """One call's chunks, ready to deliver, and what to record while delivering them.

    The chunks are built as they are delivered, so the first leaves before the rest of
    a long answer is built.
    """

    call: Call[Chunk]
    chunks: Iterable[Marked[Chunk]]
    """The chunks to deliver (only those before the fault, if there is one), each with
    whether it is the answer's last."""
    delays: Iterator[float] | None
    """The delay before each chunk, as they are read; None when there is no latency."""
    fault: BaseException | None
    """Raised after the chunks."""
    clock: Clock
    cut_short: Callable[[], bool] = lambda: False
    """Whether the fault comes where another chunk would have (its delay passes first);
    asked after the chunks before the fault."""

    def play(self) -> Generator[Chunk, None, None]:
        """Deliver the chunks (then raise the fault), recording everything on the call."""
        call, delays = self.call, self.delays
        record, ends = call.delivered.append, self.fault is None
        try:
            for chunk, last in self.chunks:
                if delays is not None:
                    delay = next(delays)
                    self.clock.sleep(delay)
                    _advance(call, delay)
                elif call.ttft is None:
                    call.ttft = 0.0
                record(chunk)
                # Finished as the last chunk leaves, so a consumer that stops there
                # has not closed the stream early.
                call.finished = last and ends
                yield chunk
            if self.fault is not None:
                stall = self._stall()
                self.clock.sleep(stall)
                call.duration += stall
                raise self.fault
        except GeneratorExit:
            call.closed_early = not call.finished
            raise
        except BaseException as error:
            call.error = error
            raise

    async def aplay(self) -> AsyncGenerator[Chunk, None]:
        """The async twin of `play`: no thread pool, awaiting the clock between chunks."""
        call, delays = self.call, self.delays
        record, ends = call.delivered.append, self.fault is None
        try:
            for chunk, last in self.chunks:
                if delays is not None:
                    delay = next(delays)
                    await self.clock.asleep(delay)
                    _advance(call, delay)
                elif call.ttft is None:
                    call.ttft = 0.0
                record(chunk)
                call.finished = last and ends
                yield chunk
            if self.fault is not None:
                stall = self._stall()
                await self.clock.asleep(stall)
                call.duration += stall
                raise self.fault
        except (GeneratorExit, asyncio.CancelledError):
            call.closed_early = not call.finished
            raise
        except BaseException as error:
            call.error = error
            raise

    def _stall(self) -> float:
        """The wait before the fault: the delay of the chunk that never comes."""
        if self.delays is None or not self.cut_short():
            return 0.0
        return next(self.delays)


def marking_last(items: Iterable[T]) -> Iterator[tuple[T, bool]]:
    """Each item, and whether it is the last (the next is read before an item is handed
    on: read strings or fields ahead, not LangChain chunks)."""
    ahead = iter(items)
    for current in ahead:
        for following in ahead:
            yield current, False
            current = following
        yield current, True


def _advance(call: Call[Any], delay: float) -> None:
    call.duration += delay
    if call.ttft is None:
        call.ttft = call.duration
