"""The ASGI app (Starlette) that plays a script over the providers' HTTP APIs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Sequence
from contextlib import aclosing
from typing import Any

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from .._errors import (
    ConnectionDroppedError,
    ContentFilterError,
    FakesError,
    MalformedFrameError,
    ProviderError,
    RateLimitError,
)
from .._models._calls import Call
from .._models._chat_model import FakeChatModel
from .._models._replay import as_response
from .._script._vocabulary import Response as ScriptResponse
from ._anthropic import Messages
from ._bedrock import Converse
from ._dialects import DIALECTS
from ._format import Frame, Reply, WireFormat, dumps, encode, in_band, resolved_model_name, routed
from ._gemini import GenerateContent
from ._journal import Journal
from ._ollama import Chat, Generate
from ._openai import ChatCompletions, Completions
from ._responses import Responses

FORMATS: tuple[WireFormat, ...] = (
    ChatCompletions(),
    Completions(),
    Responses(),
    Messages(),
    Chat(),
    Generate(),
    *GenerateContent.both(),
    *Converse.both(),
)
# The ASGI scope extension under which the loopback server hands over the connection's
# transport: the stream then sees a client that left at the next write, without waiting
# for a turn of the event loop.
TRANSPORT = "streamfakes.transport"
# Frames written between turns of the event loop (which let other streams run, and tell a
# stream that its client left) when the transport is known; else one.
_FRAMES_PER_TURN = 16
# Each response closes its connection: clients that cache a connection pool across event
# loops (ChatOpenAI does, per base URL) then never reuse a socket of a closed loop.
CLOSE = {"connection": "close"}


def mounted(built_in: Sequence[WireFormat], own: Sequence[WireFormat]) -> tuple[WireFormat, ...]:
    """The formats served, one per path: your own replace a built-in one on its path."""
    by_path = {f.path: f for f in built_in}
    by_path.update((f.path, f) for f in own)
    return tuple(by_path.values())


class JSON(JSONResponse):
    """A JSON response that can carry a lone surrogate (escaped), as the frames do."""

    def render(self, content: Any) -> bytes:
        return encode(dumps(content), content)


class DroppedConnection(Exception):
    """Raised inside a response body: the server aborts the connection, as a crash would."""


def status_of(error: BaseException) -> tuple[int, str, dict[str, str]]:
    """The HTTP status, error type and headers a provider answers an error with."""
    if isinstance(error, RateLimitError):
        headers = {"retry-after": str(error.retry_after)} if error.retry_after is not None else {}
        return 429, "rate_limit_error", headers
    if isinstance(error, ContentFilterError):
        return 400, "content_filter", {}
    if isinstance(error, ProviderError):
        return error.status_code, "server_error" if error.status_code >= 500 else "api_error", {}
    return 500, "server_error", {}


class ProviderApp:
    """Serves one fake model's script in every format; records each request in `journal`."""

    def __init__(
        self,
        model: FakeChatModel,
        *,
        frame_bytes: int | None = None,
        formats: Sequence[WireFormat] = (),
        client_timeout: float = 10.0,
    ) -> None:
        self.model = model
        self.client_timeout = client_timeout
        self.frame_bytes = frame_bytes
        self.cuts: tuple[int, ...] = ()
        self.journal = Journal()
        self.formats = mounted(FORMATS, formats)
        # Each path with a trailing slash too, answered as the same path (not redirected).
        routes = [
            Route(path, self._endpoint(f), methods=["POST"])
            for f in self.formats
            for path in (f.path, f.path.rstrip("/") + "/")
        ]
        self.app = Starlette(routes=routes)
        self.app.router.redirect_slashes = False
        self.app.add_exception_handler(404, self.not_found)
        self.app.add_exception_handler(405, self.not_allowed)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)

    async def not_found(self, request: Request, exc: Exception) -> Response:
        hint = _dialect_hint(request.url.path)
        self.journal.record(
            request.method,
            request.url.path,
            dict(request.headers),
            None,
            404,
            reason="unknown path" + hint,
        )
        paths = ", ".join(f"POST {f.path}" for f in self.formats)
        message = f"no such endpoint: {request.method} {request.url.path}; the fake serves {paths}"
        message += hint
        return JSON({"error": {"message": message, "type": "not_found"}}, 404, headers=CLOSE)

    async def not_allowed(self, request: Request, exc: Exception) -> Response:
        reason = f"{request.url.path} takes POST, not {request.method}"
        self.journal.record(
            request.method, request.url.path, dict(request.headers), None, 405, reason=reason
        )
        return JSONResponse(
            {"error": {"message": reason, "type": "method_not_allowed"}}, 405, headers=CLOSE
        )

    def _endpoint(self, wire: WireFormat) -> Any:
        async def endpoint(request: Request) -> Response:
            return await self.handle(wire, request)

        return endpoint

    def _error(
        self, wire: WireFormat, message: str, kind: str, status: int, **headers: str
    ) -> Response:
        return JSON(wire.error_body(message, kind, status), status, headers={**CLOSE, **headers})

    async def handle(self, wire: WireFormat, request: Request) -> Response:
        headers, path = dict(request.headers), request.url.path
        try:
            raw = await asyncio.wait_for(request.body(), self.client_timeout)
        except (TimeoutError, ClientDisconnect):
            reason = f"the client sent no whole body within {self.client_timeout} s"
            self.journal.record(request.method, path, headers, None, 408, reason=reason)
            return self._error(wire, reason, "invalid_request_error", 408)
        body, problem = parse_body(raw)
        try:
            if problem is None:
                problem = wire.problem(body)
            if problem is not None:
                # Checked whole before an answer is picked: a bad request uses up nothing.
                self.journal.record(request.method, path, headers, body, 400, reason=problem)
                return self._error(wire, problem, "invalid_request_error", 400)
            received, body = body, routed(wire, body, request.path_params)
            extension = request.scope.get("extensions", {}).get(TRANSPORT, {})
            transport = extension.get("transport")
            return await self._answer(
                wire, request.method, path, headers, received, body, transport
            )
        except Exception as error:
            # Our own failure: said so, journalled (strict mode fails) and not retried.
            reason = internal_error(error)
            self.journal.record(request.method, path, headers, body, 500, reason=reason)
            return self._error(wire, reason, "server_error", 500, **{"x-should-retry": "false"})

    async def _answer(
        self,
        wire: WireFormat,
        method: str,
        path: str,
        headers: dict[str, str],
        received: Any,
        body: Any,
        transport: Any = None,
    ) -> Response:
        """Pick and send the answer; `received` is the body as it came (the journal keeps
        it), `body` the same with what the format read from the path; `transport` the
        connection's, when the server tells it."""
        streaming = wire.streaming(body)
        engine = self.model._engine
        messages = wire.messages(body)
        options = wire.options(body)
        try:
            call, response = engine.begin("stream" if streaming else "invoke", messages, options)
        except FakesError as error:
            # 400 with x-should-retry: false, so an SDK does not retry a script error.
            reason = f"streamfakes: {error}"
            self.journal.record(method, path, headers, received, 400, reason=reason)
            return self._error(wire, reason, "script_error", 400, **{"x-should-retry": "false"})
        stop = options.get("stop")
        response = as_response(response)  # recorded chunks, in the script's own terms
        pieces = engine.pieces(response, stop)
        # Output tokens are counted from the pieces once they have been sent, unless scripted.
        usage = engine.usage(response, (m.text for m in messages), output_tokens=0)
        scripted_output = (response.usage or {}).get("output_tokens")
        reply = Reply(
            response,
            pieces,
            # A recorded answer names the model that gave it; else the release of the one asked.
            model=str(
                response.response_metadata.get("model_name")
                or resolved_model_name(str(body.get("model") or self.model.model_name))
            ),
            call_index=call.index,
            input_tokens=int(usage["input_tokens"]),
            stated_output_tokens=None if scripted_output is None else int(scripted_output),
        )
        fault = response.fault
        if fault is not None and (fault.after_chunks == 0 or not streaming):
            call.error = fault.exception()
            status, kind, extra = status_of(call.error)
            if in_band(wire, kind):
                status = 200  # a safety block, say: an answer, not an HTTP error
            self.journal.record(method, path, headers, received, status)
            if isinstance(call.error, (ConnectionDroppedError, MalformedFrameError)):
                # The connection breaks before (or within) the first bytes of the answer.
                first = next(iter(wire.frames(reply, body)))
                return StreamingResponse(_fail(wire, first, call, call.error), headers=CLOSE)
            if streaming and in_band(wire, kind):
                failing = _fail(wire, Frame(b""), call, call.error)  # the error frame alone
                return StreamingResponse(failing, media_type=wire.media_type, headers=CLOSE)
            return self._error(wire, str(call.error), kind, status, **extra)
        if not streaming:
            whole = JSON(wire.whole(reply), headers=CLOSE)  # fails before journalling
            self.journal.record(method, path, headers, received, 200)
            delays = engine.delays(response, pieces.count, call.index)
            if delays:
                await asyncio.sleep(sum(delays))  # the whole answer takes its time too
            call.finished = True
            return whole
        entry = self.journal.record(method, path, headers, received, 200)
        upcoming = engine.each_delay(response, call.index) or iter(())
        frames = iter(wire.frames(reply, body))
        body_parts = self._stream(wire, frames, call, response, upcoming, entry, transport)
        left = None if transport is None else transport.is_closing
        if self.frame_bytes:
            body_parts = split_bytes(body_parts, self.frame_bytes, left)
        if self.cuts:
            body_parts = cut_at(body_parts, self.cuts, left)
        return StreamingResponse(body_parts, media_type=wire.media_type, headers=CLOSE)

    async def _stream(
        self,
        wire: WireFormat,
        frames: Iterator[Frame],
        call: Call[Any],
        response: ScriptResponse,
        delays: Iterator[float],
        entry: int,
        transport: Any,
    ) -> AsyncGenerator[bytes, None]:
        fault = response.fault
        sent = 0
        per_turn = 1 if transport is None else _FRAMES_PER_TURN
        try:
            for written, frame in enumerate(frames):
                # A fault after N chunks fires before what follows the Nth chunk: the next
                # chunk, or the closing frames when a format sends fewer than scripted.
                if fault is not None and sent >= fault.after_chunks and (frame.chunk or sent):
                    async for part in _fail(wire, frame, call, fault.exception()):
                        yield part
                    return
                delay = next(delays, 0.0) if frame.chunk else 0.0
                sent += frame.chunk
                # Even without a delay, let the loop run: after each of the first frames
                # (a client in this process, sharing the GIL, then reads the first chunk
                # at once), then every few (a turn per frame costs an eighth of the
                # throughput). Other streams get their turns, and without the transport,
                # a client that left is noticed (the write fails, the stream is cancelled)
                # instead of after every remaining frame went into a closed socket.
                if delay or written < per_turn or written % per_turn == 0:
                    await asyncio.sleep(delay)
                if transport is not None and transport.is_closing():
                    call.closed_early = True  # a write failed: the client left
                    return
                yield frame.data
            call.finished = True
        except (GeneratorExit, asyncio.CancelledError):
            # The client went away (a `break` out of its stream): the call records it.
            call.closed_early = not call.finished
            raise
        except DroppedConnection:
            raise
        except Exception as error:
            # Our own failure while rendering a frame: the journal says so.
            call.error = error
            self.journal.failed(entry, 500, internal_error(error))
            raise DroppedConnection(internal_error(error)) from error


def parse_body(raw: bytes) -> tuple[Any, str | None]:
    """The JSON body, or why it is not one (bad UTF-8, bad JSON, too deep, too big)."""
    try:
        return json.loads(raw or b"null", parse_constant=_no_constant), None
    except RecursionError:
        return None, "the request body is nested too deeply to read; send flatter JSON"
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError, huge integers
        return None, f"the request body is not JSON: {error}"


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (JSON has no NaN or Infinity)")


def internal_error(error: BaseException) -> str:
    return (
        f"streamfakes failed inside the fake server ({type(error).__name__}: {error}); "
        "this is a bug in streamfakes, not in your client: please report it"
    )


async def _fail(
    wire: WireFormat, frame: Frame, call: Call[Any], error: BaseException
) -> AsyncIterator[bytes]:
    """The failure as the wire shows it: an error frame, half a frame, or a dropped line."""
    call.error = error
    if isinstance(error, MalformedFrameError):
        yield frame.data[: len(frame.data) // 2]
    if isinstance(error, (ConnectionDroppedError, MalformedFrameError)):
        raise DroppedConnection(str(error))
    status, kind, _ = status_of(error)
    yield wire.error_frame(str(error), kind, status)


async def split_bytes(
    parts: AsyncGenerator[bytes, None], size: int, left: Callable[[], bool] | None
) -> AsyncGenerator[bytes, None]:
    """The same bytes in writes of at most `size`, cutting frames (and UTF-8 characters)
    anywhere, to test clients' stream parsers. Between writes, a client that `left` (or,
    without a way to ask, one the event loop has seen leave) ends the stream."""
    async with aclosing(parts):  # and the stream behind records how it ended
        async for part in parts:
            for start in range(0, len(part), size):
                if left is None:
                    await asyncio.sleep(0)
                elif left():
                    return
                yield part[start : start + size]


async def cut_at(
    parts: AsyncGenerator[bytes, None], cuts: Sequence[int], left: Callable[[], bool] | None
) -> AsyncGenerator[bytes, None]:
    """The same bytes, with a write ending at each offset in `cuts` (counted from the
    start of the body), so that the client reads the body in those pieces; a client that
    `left` ends the stream at the next cut."""
    ahead = sorted(set(cuts))
    position = 0
    async with aclosing(parts):
        async for part in parts:
            start, end = position, position + len(part)
            while ahead and ahead[0] <= start:
                ahead.pop(0)
            offset = start
            while ahead and ahead[0] < end:
                yield part[offset - start : ahead[0] - start]
                offset = ahead.pop(0)
                # Let the write reach the client before the rest follows, or the two
                # may arrive in one read and the cut would be lost.
                await asyncio.sleep(0.001)
                if left is not None and left():
                    return
            yield part[offset - start :]
            position = end


def _dialect_hint(path: str) -> str:
    """How to serve an OpenAI-compatible provider whose path the fake does not serve."""
    for name, dialect in DIALECTS.items():
        if dialect.path == path:
            return f"; serve it with formats=[ChatCompletions(DIALECTS[{name!r}])]"
    return ""
