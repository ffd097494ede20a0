"""`CassetteServer`: plays a cassette to a real client over the providers' HTTP APIs, and
passes what the cassette does not hold through to the provider, recording it."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.responses import Response as HTTPResponse
from starlette.routing import compile_path

from .._errors import CassetteMismatchError
from .._models._chat_model import FakeChatModel
from .._script._vocabulary import Response
from .._wire._app import CLOSE, FORMATS, ProviderApp
from .._wire._format import WireFormat
from .._wire._loopback import LOOPBACK
from ._cassette import Tape, wire_request
from ._proxy import RecordingProxy


class CassetteServer(RecordingProxy):
    """Serves a `Tape` on 127.0.0.1: a request the tape has an answer for is answered
    by a fake provider, as recorded; one it may record goes on to `upstream` (the real
    provider) and its answer is recorded on the tape; any other fails with a 400 whose
    message shows how the request differs from the recorded one.

    Several servers may share one tape (one per provider's upstream): the tape counts
    the requests of all of them in the order they arrive.

    `timing=True` replays the recorded delay before each chunk; by default the answer
    streams at once.
    """

    described = "the cassette server"

    def __init__(
        self,
        tape: Tape,
        upstream: str,
        *,
        host: str = LOOPBACK,
        port: int = 0,
        secrets: Iterable[str] = (),
        timing: bool = False,
        timeout: float = 120.0,
    ) -> None:
        super().__init__(upstream, host=host, port=port, secrets=secrets, timeout=timeout)
        self.tape = tape
        self.timing = timing
        self._waiting: dict[bytes, list[int]] = {}
        self._arrivals: dict[int, tuple[int, dict[str, str], list[tuple[bytes, float]]]] = {}

    async def _app(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return  # lifespan is off; nothing else is served
        request = Request(scope, receive)
        body = await request.body()  # kept by the request: _forward reads it again
        wire = _format_for(request.url.path)
        if wire is None or request.method != "POST":
            await self._other(request, scope, receive, send)
            return
        try:
            parsed = json.loads(body or b"null")
        except (ValueError, RecursionError):  # not JSON, or nested too deeply to read
            parsed = body.decode("utf-8", "replace")
        try:
            position, answer = self.tape.take(wire_request(request.url.path, parsed))
        except CassetteMismatchError as error:
            # 400 with x-should-retry: false, so an SDK does not retry it.
            response = JSONResponse(
                wire.error_body(f"streamfakes: {error}", "cassette_mismatch", 400),
                400,
                headers={**CLOSE, "x-should-retry": "false"},
            )
            await response(scope, receive, send)
            return
        if answer is None:
            with self._lock:
                self._waiting.setdefault(body, []).append(position)
            await self._record_through(request, position, scope, receive, send)
            return
        recorded = self.tape.played[position].recorded
        http = self.tape.cassette.interactions[recorded].http if recorded is not None else None
        # `stream` is not matched on: an answer recorded streamed (or whole) is played
        # from its script response to a request that asks the other way.
        streaming = isinstance(parsed, dict) and wire.streaming(parsed)
        if http is not None and ("frames" in http) == streaming:
            await self._send_as_recorded(http, scope, receive, send)
        else:
            await self._replay(answer, wire, body, scope, send)

    async def _record_through(
        self, request: Request, position: int, scope: Any, receive: Any, send: Any
    ) -> None:
        """Forward the request, keeping every piece of the answer as it arrives."""
        started = time.monotonic()
        response = await self._forward(request)
        if isinstance(response, StreamingResponse):
            arrivals: list[tuple[bytes, float]] = []
            headers = dict(response.headers.items())
            self._arrivals[position] = (response.status_code, headers, arrivals)
            response.body_iterator = _kept(response.body_iterator, arrivals, started)
        await response(scope, receive, send)

    async def _send_as_recorded(
        self, http: dict[str, Any], scope: Any, receive: Any, send: Any
    ) -> None:
        """The answer exactly as it came: its status, content type and frames (with
        their recorded timing, when asked)."""
        headers = {**dict(http.get("headers") or {}), **CLOSE}
        if "body" in http:
            response: Any = HTTPResponse(
                http["body"], http["status"], headers=headers, media_type=http["content_type"]
            )
        else:
            frames, times = list(http["frames"]), list(http.get("frame_times") or [])
            end = _SEPARATORS.get(_media(http["content_type"]), "")
            timing = self.timing and len(times) == len(frames)

            async def body() -> AsyncIterator[bytes]:
                previous = 0.0
                for n, frame in enumerate(frames):
                    if timing:
                        await asyncio.sleep(max(0.0, times[n] - previous))
                        previous = times[n]
                    yield (frame + end).encode()

            response = StreamingResponse(
                body(), http["status"], headers=headers, media_type=http["content_type"]
            )
        await response(scope, receive, send)

    async def _replay(
        self, answer: Response, wire: WireFormat, body: bytes, scope: Any, send: Any
    ) -> None:
        if not self.timing:
            answer = dataclasses.replace(answer, latency=None)
        app = ProviderApp(FakeChatModel(responses=[answer]))
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        # To the format's own path (a proxied one may have a prefix); a path with parts
        # (the model) as it came.
        path = scope["path"] if "{" in wire.path else wire.path
        await app({**scope, "path": path, "raw_path": path.encode()}, receive, send)

    async def _other(self, request: Request, scope: Any, receive: Any, send: Any) -> None:
        """Not a model call (a model list, a health check): passed through when the tape
        records, refused when it only replays (no request reaches the network)."""
        if self.tape.recording:
            await (await self._forward(request))(scope, receive, send)
            return
        message = (
            f"streamfakes: {request.method} {request.url.path} is not a model call a "
            "cassette replays (it replays POST " + ", ".join(f.path for f in FORMATS) + ")"
        )
        await JSONResponse({"error": {"message": message}}, 404, headers=CLOSE)(
            scope, receive, send
        )

    def _record(self, response: Response, model: str | None, body: bytes) -> None:
        super()._record(response, model, body)
        with self._lock:
            waiting = self._waiting.get(body)
            position = waiting.pop(0) if waiting else None
            arrived = self._arrivals.pop(position, None) if position is not None else None
        if position is not None:
            self.tape.fill(position, response, http_answer(*arrived) if arrived else None)


_SEPARATORS = {"text/event-stream": "\n\n", "application/x-ndjson": "\n"}


def _media(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


async def _kept(
    parts: AsyncIterable[Any], arrivals: list[tuple[bytes, float]], started: float
) -> AsyncIterator[Any]:
    async for part in parts:
        data = part.encode() if isinstance(part, str) else bytes(part)
        arrivals.append((data, time.monotonic() - started))
        yield part


# The answer's headers a client acts on (when to retry); the rest are not kept.
KEPT_HEADERS = ("retry-after", "retry-after-ms", "x-should-retry")


def http_answer(
    status: int, headers: dict[str, str], arrivals: list[tuple[bytes, float]]
) -> dict[str, Any]:
    """An answer as it came over HTTP, for a cassette: its whole body, or each frame (a
    server-sent event, a JSON line) with the time its last byte arrived, as text; and
    the headers that tell a client when to retry."""
    lower = {name.lower(): value for name, value in headers.items()}
    content_type = lower.get("content-type", "")
    answer: dict[str, Any] = {"status": status, "content_type": content_type}
    kept = {name: lower[name] for name in KEPT_HEADERS if name in lower}
    if kept:
        answer["headers"] = kept
    separator = _SEPARATORS.get(_media(content_type))
    if separator is None:
        # Kept as text, not as YAML: a key that names a credential elsewhere (logprobs'
        # `token`) must not lose its value here; credential-shaped values still go.
        answer["body"] = b"".join(data for data, _ in arrivals).decode("utf-8", "replace")
        return answer
    frames: list[str] = []
    times: list[float] = []
    pending = b""
    end = separator.encode()
    for data, at in arrivals:
        pending += data.replace(b"\r\n", b"\n")
        while end in pending:
            frame, pending = pending.split(end, 1)
            if frame.strip():
                frames.append(frame.decode("utf-8", "replace"))
                times.append(round(at, 4))
    if pending.strip():  # a stream cut short: its last frame, unended
        frames.append(pending.decode("utf-8", "replace"))
        times.append(round(arrivals[-1][1], 4))
    answer.update(frames=frames, frame_times=times)
    return answer


def _format_for(path: str) -> WireFormat | None:
    """The wire format of a model call: by its route where the path names the model
    (Gemini, Bedrock), else by the end of its path (a proxied provider may put a prefix
    before it)."""
    path = path.rstrip("/")
    for wire in FORMATS:
        if _ROUTES[wire.path].match(path) if wire.path in _ROUTES else path.endswith(wire.path):
            return wire
    return None


# The formats whose paths have parts ({model}), as the fake server routes them.
_ROUTES = {wire.path: compile_path(wire.path)[0] for wire in FORMATS if "{" in wire.path}
