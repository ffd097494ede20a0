"""Serve an ASGI app on loopback in a background thread, and stop it cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import threading
import time
import warnings
from types import TracebackType
from typing import Any, Self

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from .._errors import FakesError
from ._app import TRANSPORT, DroppedConnection

LOOPBACK = "127.0.0.1"
_GRACE = 1.0
"""Seconds stop() lets a response under way finish before cutting it off."""
_SETTLING_TURNS = 20
"""Turns of the event loop stop() takes to close connections accepted at the last moment."""


class _QuietDrops(logging.Filter):
    """Scripted dropped connections are the point, not news, and so is a response that
    stop() cancels: keep their tracebacks out."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, (DroppedConnection, asyncio.CancelledError))


logging.getLogger("uvicorn.error").addFilter(_QuietDrops())


class _TimelyH11(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, with a deadline for a request's headers (uvicorn has
    none: a client that sends half a request line holds the connection forever), and a
    shutdown that closes such connections quietly instead of logging a traceback each."""

    _headers_due: asyncio.TimerHandle | None = None

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        # The keep-alive timeout (the server's client_timeout) bounds the wait for headers.
        self._headers_due = self.loop.call_later(self.timeout_keep_alive, self._too_slow)

    def handle_events(self) -> None:
        super().handle_events()
        if self.cycle is not None and self._headers_due is not None:
            self._headers_due.cancel()
            self._headers_due = None
        if self.cycle is not None:  # its app task has not started: the scope can still grow
            extensions = self.cycle.scope.setdefault("extensions", {})
            extensions[TRANSPORT] = {"transport": self.transport}

    def connection_lost(self, exc: Exception | None) -> None:
        if self._headers_due is not None:
            self._headers_due.cancel()
        super().connection_lost(exc)

    def _too_slow(self) -> None:
        if self.cycle is None and not self.transport.is_closing():
            self.transport.close()

    def timeout_keep_alive_handler(self) -> None:
        self._too_slow() if self.cycle is None else super().timeout_keep_alive_handler()

    def shutdown(self) -> None:
        try:
            super().shutdown()
        except h11.LocalProtocolError:  # half a request: nothing to close politely
            self.transport.close()


class LoopbackServer:
    """An ASGI app served from a background thread, on 127.0.0.1 unless told otherwise,
    speaking the providers' APIs (hence their clients' base URLs)."""

    described = "the server"
    """How messages name it."""

    def __init__(
        self, app: Any, *, host: str = LOOPBACK, port: int = 0, client_timeout: float = 10.0
    ) -> None:
        """`client_timeout`: how long a client may take to send a request's headers (and,
        for the fake provider, its body) before its connection is closed."""
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise FakesError(
                f"{self.described} needs a port from 0 to 65535 (0: any free one), got {port!r}"
            )
        host = host.strip("[]")  # "[::1]" as a URL writes it
        if host not in (LOOPBACK, "localhost", "::1"):
            warnings.warn(
                f"{self.described} listens on {host}, not only on this machine's loopback",
                stacklevel=3,
            )
        self.app = app
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._listener: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self.host = host
        self.port = port
        self.client_timeout = client_timeout

    @property
    def url(self) -> str:
        """`http://host:port`, an IPv6 address in brackets (`http://[::1]:8080`)."""
        return f"http://{_url_host(self.host)}:{self.port}"

    @property
    def openai_base_url(self) -> str:
        """`base_url` for the openai SDK and langchain-openai's ChatOpenAI / OpenAI."""
        return f"{self.url}/v1"

    @property
    def anthropic_base_url(self) -> str:
        """`base_url` for the anthropic SDK and ChatAnthropic (which adds `/v1` itself)."""
        return self.url

    @property
    def ollama_base_url(self) -> str:
        """`base_url` for the ollama client and ChatOllama."""
        return self.url

    @property
    def gemini_base_url(self) -> str:
        """`base_url` for ChatGoogleGenerativeAI (and the google-genai SDK's
        `HttpOptions(base_url=...)`), which adds the API version itself."""
        return self.url

    @property
    def bedrock_endpoint_url(self) -> str:
        """`endpoint_url` for ChatBedrockConverse (and boto3's `bedrock-runtime` client)."""
        return self.url

    def start(self, timeout: float = 10.0) -> Self:
        """Bind the port (0: any free one) and serve in a background thread."""
        if self._thread is not None:
            raise FakesError(f"{self.described} is already running; stop() it first")
        host = self.host
        listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind((host, self.port))
        except OSError as error:
            listener.close()
            raise FakesError(
                f"{self.described} cannot listen on {self.host}:{self.port} ({error.strerror}); "
                "choose another port, or 0 for any free one"
            ) from None
        self.port = listener.getsockname()[1]
        # log_config=None: uvicorn's records go to the root logger (pytest captures them).
        config = uvicorn.Config(
            self.app,
            log_config=None,
            log_level="warning",
            lifespan="off",
            ws="none",
            interface="asgi3",
            access_log=False,
            http=_TimelyH11,
            timeout_keep_alive=self.client_timeout,  # type: ignore[arg-type]
        )
        self._server = uvicorn.Server(config)
        self._listener = listener
        self._ready = threading.Event()
        self._thread = threading.Thread(
            target=asyncio.run,
            args=(self._serve(self._server, listener),),
            name="streamfakes-server",
            daemon=True,
        )
        self._thread.start()
        if not self._ready.wait(timeout) or self._loop is None:
            self.stop()
            raise FakesError(f"{self.described} did not start on {self.url}")
        return self

    async def _serve(self, server: uvicorn.Server, listener: socket.socket) -> None:
        """Serve until stop(): uvicorn's protocols, without its 0.1 s polling loop, so
        that starting and stopping cost milliseconds (one server per test is cheap)."""
        stopping = asyncio.Event()
        try:
            server.config.load()
            server.lifespan = server.config.lifespan_class(server.config)
            await server.startup(sockets=[listener])
            self._stopping = stopping
            self._loop = asyncio.get_running_loop()
        finally:
            self._ready.set()
        await stopping.wait()
        await self._shutdown(server)

    async def _shutdown(self, server: uvicorn.Server) -> None:
        # Stop accepting first, and let connections accepted already get their transport:
        # closing the server under an accept still under way fails it, leaving its socket
        # open (CPython 3.11's `Server._attach` assertion), a ResourceWarning later.
        loop = asyncio.get_running_loop()
        for listening in server.servers:
            for sock in listening.sockets:
                loop.remove_reader(sock.fileno())
        for _ in range(_SETTLING_TURNS):
            await asyncio.sleep(0)
        for listening in server.servers:
            listening.close()
        state = server.server_state
        for connection in list(state.connections):
            connection.shutdown()  # idle ones close now, busy ones after their response
        # A response under way gets a moment to finish; a client still reading a slow
        # stream is not waited on.
        deadline = time.monotonic() + _GRACE
        while state.connections and time.monotonic() < deadline:
            await asyncio.sleep(0.001)
        tasks = list(state.tasks)
        for task in tasks:
            task.cancel()
        if tasks:  # let them unwind: a cancelled response may close() its connection
            await asyncio.wait(tasks, timeout=_GRACE)
        # Abort what is still open: close() waits for a write buffer to drain, and a
        # connection accepted at the last moment registers itself only a few turns of the
        # loop later; either would outlive the loop (a ResourceWarning later). A turn of
        # the loop costs microseconds, so give them a few.
        for _ in range(_SETTLING_TURNS):
            for connection in list(state.connections):
                transport = getattr(connection, "transport", None)
                if transport is not None:
                    transport.abort()
            await asyncio.sleep(0)
        for listening in server.servers:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(listening.wait_closed(), _GRACE)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and wait for the thread; its sockets close with it."""
        thread, loop, stopping = self._thread, self._loop, self._stopping
        if thread is None:
            return
        if loop is not None and stopping is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop ended on its own
                loop.call_soon_threadsafe(stopping.set)
        thread.join(timeout)
        if thread.is_alive():
            raise FakesError(f"{self.described} did not stop in time")
        if self._listener is not None:
            self._listener.close()
        self._thread = self._server = self._loop = self._stopping = self._listener = None

    def __enter__(self) -> Self:
        return self if self._thread is not None else self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _url_host(host: str) -> str:
    """The host as a URL names it: IPv6 addresses in brackets."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host  # a name, such as localhost
    return f"[{address}]" if address.version == 6 else host
