"""Serve an ASGI app on loopback in a background thread, and stop it cleanly."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import threading
import time
import warnings
from types import TracebackType
from typing import Any

import h11
import uvicorn
from typing_extensions import Self
from uvicorn.protocols.http.h11_impl import H11Protocol

from .._errors import FakesError
from ._app import DroppedConnection

LOOPBACK = "127.0.0.1"


class _QuietDrops(logging.Filter):
    """Scripted dropped connections are the point, not news: keep their tracebacks out."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, DroppedConnection)


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
        # A short graceful shutdown: stop() must not wait on a client still reading.
        config = uvicorn.Config(
            self.app,
            log_config=None,
            log_level="warning",
            lifespan="off",
            interface="asgi3",
            access_log=False,
            timeout_graceful_shutdown=1,
            http=_TimelyH11,
            timeout_keep_alive=self.client_timeout,  # type: ignore[arg-type]
        )
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(
            target=server.run,
            kwargs={"sockets": [listener]},
            name="streamfakes-server",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise FakesError(f"{self.described} did not start on {self.url}")
            time.sleep(0.005)
        self._listener = listener
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and wait for the thread; its sockets close with it."""
        if self._thread is None or self._server is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout)
        if self._thread.is_alive():  # still inside a response: cut it short
            self._server.force_exit = True
            self._thread.join(timeout)
        if self._thread.is_alive():
            raise FakesError(f"{self.described} did not stop in time")
        if self._listener is not None:
            self._listener.close()
        self._thread = None
        self._server = None

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
