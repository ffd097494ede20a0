"""The log of calls a fake receives, and the loops that deliver (and record) its chunks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from ._clock import Clock
from ._script import Response

Method = Literal["stream", "astream", "invoke", "ainvoke"]
Chunk = TypeVar("Chunk")


@dataclass
class Call(Generic[Chunk]):
    """One call to a fake: what it was asked, what it answered, and how it ended."""

    index: int
    """Position in `model.calls`, from 0."""
    method: Method
    """`stream`/`astream` when the model streamed, `invoke`/`ainvoke` when it did not."""
    input: Any
    """The input messages (chat models) or prompt string (LLMs)."""
    kwargs: dict[str, Any]
    """Call options: `stop`, and whatever was bound (`tools`, `tool_choice`, ...)."""
    source: str
    """Which part of the script answered: `responses[2]` or `rules[0]`."""
    response: Response
    """The scripted response that was played."""
    delivered: list[Chunk] = field(default_factory=list, repr=False)
    """The generation chunks delivered, in order (see `chunks` for their messages)."""
    error: BaseException | None = None
    """The exception the call raised, scripted or not."""
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


def play(
    call: Call[Chunk],
    chunks: Sequence[Chunk],
    *,
    delays: Sequence[float] | None,
    fault: BaseException | None,
    clock: Clock,
) -> Iterator[Chunk]:
    """Deliver `chunks` (then raise `fault`), recording everything on `call`."""
    record = call.delivered.append
    try:
        if delays is None:
            if chunks:
                call.ttft = 0.0
            for chunk in chunks:
                record(chunk)
                yield chunk
        else:
            for chunk, delay in zip(chunks, delays, strict=False):
                clock.sleep(delay)
                _advance(call, delay)
                record(chunk)
                yield chunk
            if fault is not None and len(delays) > len(chunks):
                clock.sleep(delays[len(chunks)])
                call.duration += delays[len(chunks)]
        if fault is not None:
            raise fault
        call.finished = True
    except GeneratorExit:
        call.closed_early = True
        raise
    except BaseException as error:
        call.error = error
        raise


async def aplay(
    call: Call[Chunk],
    chunks: Sequence[Chunk],
    *,
    delays: Sequence[float] | None,
    fault: BaseException | None,
    clock: Clock,
) -> AsyncIterator[Chunk]:
    """The async twin of `play`: no thread pool, awaiting the clock between chunks."""
    record = call.delivered.append
    try:
        if delays is None:
            if chunks:
                call.ttft = 0.0
            for chunk in chunks:
                record(chunk)
                yield chunk
        else:
            for chunk, delay in zip(chunks, delays, strict=False):
                await clock.asleep(delay)
                _advance(call, delay)
                record(chunk)
                yield chunk
            if fault is not None and len(delays) > len(chunks):
                await clock.asleep(delays[len(chunks)])
                call.duration += delays[len(chunks)]
        if fault is not None:
            raise fault
        call.finished = True
    except (GeneratorExit, asyncio.CancelledError):
        call.closed_early = True
        raise
    except BaseException as error:
        call.error = error
        raise


def _advance(call: Call[Any], delay: float) -> None:
    call.duration += delay
    if call.ttft is None:
        call.ttft = call.duration
