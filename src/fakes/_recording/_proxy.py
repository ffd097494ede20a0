"""`RecordingProxy`: pass requests through to a real provider and record its answers."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import anyio
import httpx
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from .._errors import ConnectionDroppedError, FakesError
from .._script._vocabulary import Fault
from .._script._vocabulary import Response as ScriptResponse
from .._script._writing import script_data, write_script
from .._secrets import scrub, sent_credentials, shown_url
from .._wire._app import CLOSE, DroppedConnection
from .._wire._loopback import LOOPBACK, LoopbackServer
from ._readback import StreamReader, model_in_path, provider_error, read_whole, stream_reader

# Hop-by-hop headers, and those httpx sets itself; the rest (credentials included) are
# passed on untouched and never stored.
_NOT_FORWARDED = frozenset(
    {"host", "content-length", "connection", "keep-alive", "transfer-encoding", "accept-encoding"}
)


class RecordingProxy(LoopbackServer):
    """Forwards every request to `upstream` and records each answer as a script response.

    Point a client's base URL at the proxy (`openai_base_url`, `anthropic_base_url`,
    `ollama_base_url`, `gemini_base_url`), use it as usual, then `save()` what the
    provider answered: text, reasoning and argument chunks exactly as they arrived,
    usage, finish reason, the delay before each chunk, and errors. The client's
    credentials travel to the provider and nowhere else: headers are never stored, and
    the file is scrubbed.

    >>> from fakes import FakeChatModel, FakeProviderServer
    >>> with FakeProviderServer(FakeChatModel(responses=["Hi"])) as provider:
    ...     with RecordingProxy(provider.url) as proxy:
    ...         proxy.url.startswith("http://127.0.0.1:")
    True
    """

    described = "the recording proxy"

    def __init__(
        self,
        upstream: str,
        *,
        host: str = LOOPBACK,
        port: int = 0,
        secrets: Iterable[str] = (),
        timeout: float = 120.0,
        client_timeout: float = 10.0,
    ) -> None:
        """`timeout`: how long the provider may take; `client_timeout`: how long the
        client may take to send a request's headers and body (then 408)."""
        if not upstream.startswith(("http://", "https://")):
            shown = scrub(upstream, sent_credentials(url=upstream))
            raise FakesError(
                f"upstream must be the provider's base URL, e.g. https://api.openai.com, "
                f"got {shown!r}"
            )
        self.upstream = upstream.rstrip("/")
        self.secrets = list(secrets)
        # Every credential the client sent (and those in the upstream URL): scrubbed from
        # the recording, whatever its shape, as well as `secrets`.
        self._sent: set[str] = sent_credentials(url=upstream)
        self.timeout = timeout
        self.recorded: list[ScriptResponse] = []
        """The answers recorded so far, in the order they finished."""
        self.models: list[str] = []
        """The model each answer reported (or the request named)."""
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        super().__init__(self._app, host=host, port=port, client_timeout=client_timeout)

    # -- serving ---------------------------------------------------------------------

    async def _app(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return  # lifespan is off; nothing else is served
        response = await self._forward(Request(scope, receive))
        await response(scope, receive, send)

    async def _forward(self, request: Request) -> Response:
        try:
            body = await asyncio.wait_for(request.body(), self.client_timeout)
        except (TimeoutError, ClientDisconnect):
            message = f"the client sent no whole body within {self.client_timeout} s"
            error = {"error": {"message": message, "type": "timeout"}}
            return JSONResponse(error, 408, headers=CLOSE)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _NOT_FORWARDED}
        sent = sent_credentials(headers, str(request.url), _json_or_none(body))
        with self._lock:
            self._sent |= sent
        base, _, upstream_query = self.upstream.partition("?")
        query = "&".join(q for q in (upstream_query, request.url.query) if q)
        url = base.rstrip("/") + request.url.path + (f"?{query}" if query else "")
        client = httpx.AsyncClient(timeout=self.timeout)
        started = time.monotonic()
        try:
            upstream = await client.send(
                client.build_request(request.method, url, headers=headers, content=body),
                stream=True,
            )
        except httpx.HTTPError as error:
            await client.aclose()
            message = scrub(
                f"the recording proxy could not reach {shown_url(self.upstream)}: {error!r}",
                self._credentials(),
            )
            error_body = {"error": {"message": message, "type": "proxy_error"}}
            return JSONResponse(error_body, 502, headers=CLOSE)
        passed = {k: v for k, v in upstream.headers.items() if k.lower() not in _NOT_FORWARDED}
        passed.pop("content-encoding", None)  # httpx hands on decoded bytes
        passed.update(CLOSE)  # as the fake server does: no pooled socket to the proxy
        return StreamingResponse(
            self._relay(client, upstream, request.url.path, started, body),
            status_code=upstream.status_code,
            headers=passed,
        )

    async def _relay(
        self,
        client: httpx.AsyncClient,
        upstream: httpx.Response,
        path: str,
        started: float,
        body: bytes,
    ) -> AsyncIterator[bytes]:
        """Hand each piece on as it arrives, reading it into the recording meanwhile."""
        streamed = upstream.headers.get("content-type", "").split(";")[0] in (
            "text/event-stream",
            "application/x-ndjson",
            "application/vnd.amazon.eventstream",  # Bedrock's ConverseStream
        )
        reader = stream_reader(path) if streamed and upstream.status_code < 400 else None
        whole = bytearray()
        broken: str | None = None
        try:
            async for data in upstream.aiter_bytes():
                if reader is not None:
                    reader.feed(data, time.monotonic() - started)
                else:
                    whole.extend(data)
                yield data
        except httpx.HTTPError as error:
            # The provider dropped the connection: recorded as the fault it is, and passed
            # on to the client as a dropped connection too (without a logged traceback).
            broken = scrub(repr(error), self._credentials())
        finally:
            # Recorded even when cancelled: a client that hangs up once it has read the
            # last frame cancels this while the provider has yet to close, and the
            # answer is whole by then. Closed shielded: a cancelled await would leak them.
            try:
                self._record_relayed(reader, broken, path, upstream.status_code, whole, body)
            finally:
                with anyio.CancelScope(shield=True):
                    await upstream.aclose()
                    await client.aclose()
        if broken is not None:
            raise DroppedConnection(broken)

    def _record_relayed(
        self,
        reader: StreamReader | None,
        broken: str | None,
        path: str,
        status: int,
        whole: bytearray,
        body: bytes,
    ) -> None:
        requested = _requested_model(body, path)
        if reader is not None:
            if broken is not None or not reader.complete:
                reader.dropped(broken or "the body ended before its last frame")
            self._record(reader.response(), reader.model or requested, body)
        elif broken is not None:
            dropped = ConnectionDroppedError(f"the provider's answer broke off: {broken}")
            self._record(ScriptResponse(fault=Fault(dropped)), requested, body)
        else:
            self._record_whole(path, status, bytes(whole), body)

    def _record_whole(self, path: str, status: int, answer: bytes, body: bytes) -> None:
        data = _json_or_none(answer)
        failed = status >= 400
        response = read_whole(path, data, status if failed else None)
        if failed and (response is None or response.fault is None):
            message = answer.decode("utf-8", "replace")[:500]
            response = ScriptResponse(fault=Fault(provider_error(message, status=status)))
        if response is None:
            return  # not a model answer (an unknown path): passed through, not recorded
        model = data.get("model") if isinstance(data, dict) else None
        self._record(
            response, model if isinstance(model, str) else _requested_model(body, path), body
        )

    def _record(self, response: ScriptResponse, model: str | None, body: bytes) -> None:
        """Keep an answer (`body`: the request it answered), with the model that gave it:
        a replay answers as that model, not as the fake's release of the one requested."""
        if model and (response.raw_chunks is None):
            metadata = {"model_name": model, **response.response_metadata}
            response = replace(response, response_metadata=metadata)
        with self._changed:
            self.recorded.append(response)
            self.models.append(model or "")
            self._changed.notify_all()

    # -- results -----------------------------------------------------------------------

    def wait_for(self, count: int, timeout: float | None = None) -> bool:
        """Wait until `count` answers are recorded; False if `timeout` passed first."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self.recorded) >= count, timeout)

    def script(self) -> dict[str, Any]:
        """The recording as script-file data, credentials redacted."""
        with self._lock:
            responses, models = list(self.recorded), list(self.models)
        if not responses:
            raise FakesError(
                f"nothing recorded yet; point the client's base URL at {self.url} "
                "(see openai_base_url, anthropic_base_url, ollama_base_url, gemini_base_url) "
                "and make a call"
            )
        model = next((m for m in models if m), None)
        return dict(scrub(script_data(responses, model_name=model), self._credentials()))

    def _credentials(self) -> list[str]:
        with self._lock:
            return [*self.secrets, *self._sent]

    def save(self, path: str | Path) -> Path:
        """Write the recording as a script file (.yaml, .yml or .json), whole or not at
        all; `FakeProviderServer(FakeChatModel.from_script(path))` replays it."""
        return write_script(path, self.script())

    def __repr__(self) -> str:
        upstream = shown_url(self.upstream)
        return f"RecordingProxy({self.url!r} -> {upstream!r}, {len(self.recorded)} recorded)"


def _requested_model(body: bytes, path: str) -> str | None:
    """The model the request named: in its body, or in its path (Gemini, Bedrock)."""
    return _model_in_body(body) or model_in_path(path)


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body or b"null")
    except (ValueError, RecursionError):
        return None


def _model_in_body(body: bytes) -> str | None:
    data = _json_or_none(body)
    model = data.get("model") if isinstance(data, dict) else None
    return model if isinstance(model, str) else None
