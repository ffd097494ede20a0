"""Run a fake provider on loopback in a background thread, and stop it cleanly."""

from __future__ import annotations

import logging
import socket
import threading
import time
import warnings
from collections.abc import Sequence
from types import TracebackType

import uvicorn

from .._chat_model import FakeChatModel
from .._errors import FakesError
from ._app import DroppedConnection, ProviderApp
from ._journal import Journal
from ._wire import WireFormat

LOOPBACK = "127.0.0.1"


class _QuietDrops(logging.Filter):
    """Scripted dropped connections are the point, not news: keep their tracebacks out."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, DroppedConnection)


logging.getLogger("uvicorn.error").addFilter(_QuietDrops())


class FakeProviderServer:
    """An HTTP server on 127.0.0.1 that streams a script in the providers' formats.

    >>> from fakes import FakeChatModel
    >>> with FakeProviderServer(FakeChatModel(responses=["Hi"])) as server:
    ...     server.openai_base_url.startswith("http://127.0.0.1:")
    True
    """

    def __init__(
        self,
        model: FakeChatModel,
        *,
        host: str = LOOPBACK,
        port: int = 0,
        frame_bytes: int | None = None,
        cuts: Sequence[int] = (),
        formats: Sequence[WireFormat] = (),
    ) -> None:
        """`frame_bytes` cuts the streamed bytes into writes of at most that many bytes;
        `cuts` ends writes at those byte offsets of each streamed body (see `cut_at`);
        `formats` adds wire formats of your own (see `WireFormat`)."""
        if host not in (LOOPBACK, "localhost", "::1"):
            warnings.warn(
                f"the fake provider listens on {host}, not only on this machine's loopback",
                stacklevel=2,
            )
        self.model = model
        self.provider = ProviderApp(model, frame_bytes=frame_bytes, formats=formats)
        self.cut_at(cuts)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._listener: socket.socket | None = None
        self.host = host
        self.port = port

    @property
    def journal(self) -> Journal:
        """Every request received, in order, credentials redacted."""
        return self.provider.journal

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

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

    def cut_at(self, cuts: Sequence[int]) -> None:
        """From now on, cut each streamed body into writes ending at these byte offsets
        (inside frames, lines and UTF-8 characters alike), so that the client reads it
        in those pieces; offsets past the end are ignored. Draw them with
        `fakes.strategies.byte_cuts()` to fuzz a client's stream parser."""
        offsets = tuple(cuts)
        if any(isinstance(o, bool) or not isinstance(o, int) or o < 1 for o in offsets):
            raise FakesError(f"cuts are byte offsets >= 1, got {list(offsets)!r}")
        self.provider.cuts = offsets

    def start(self, timeout: float = 10.0) -> FakeProviderServer:
        """Bind the port (0: any free one) and serve in a background thread."""
        if self._thread is not None:
            raise FakesError("the fake provider is already running; stop() it first")
        listener = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind((self.host, self.port))
        except OSError as error:
            listener.close()
            raise FakesError(
                f"the fake provider cannot listen on {self.host}:{self.port} ({error.strerror}); "
                "choose another port, or 0 for any free one"
            ) from None
        self.port = listener.getsockname()[1]
        # log_config=None: uvicorn's records go to the root logger (pytest captures them).
        # A short graceful shutdown: stop() must not wait on a client still reading.
        config = uvicorn.Config(
            self.provider,
            log_config=None,
            log_level="warning",
            lifespan="off",
            access_log=False,
            timeout_graceful_shutdown=1,
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
                raise FakesError(f"the fake provider did not start on {self.url}")
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
            raise FakesError("the fake provider did not stop in time")
        if self._listener is not None:
            self._listener.close()
        self._thread = None
        self._server = None

    def check_all_expected(self) -> None:
        """Raise `FakesError` listing the requests the script had no answer for."""
        unexpected = self.journal.unexpected
        if unexpected:
            lines = "\n".join(
                f"  {r.method} {r.path} -> {r.status}: {r.reason}" for r in unexpected
            )
            raise FakesError(
                f"the fake provider got {len(unexpected)} request(s) its script did not "
                f"expect:\n{lines}\nScript a response for each (or a rule), or check the "
                "client's base_url and path."
            )

    def __enter__(self) -> FakeProviderServer:
        return self if self._thread is not None else self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"FakeProviderServer({self.url!r}, {len(self.journal)} request(s))"
