"""Run a fake provider on loopback in a background thread, and stop it cleanly."""

from __future__ import annotations

import threading
import time
import warnings
from types import TracebackType
from typing import Any

import uvicorn

from .._chat_model import FakeChatModel
from .._errors import FakesError
from ._app import ProviderApp
from ._journal import Journal

LOOPBACK = "127.0.0.1"


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
    ) -> None:
        """`frame_bytes` cuts the streamed bytes into writes of at most that many bytes."""
        if host != LOOPBACK:
            warnings.warn(
                f"the fake provider listens on {host}, not only on this machine's loopback",
                stacklevel=2,
            )
        self.model = model
        self.provider = ProviderApp(model, frame_bytes=frame_bytes)
        # log_config=None: uvicorn's records go to the root logger (pytest captures them)
        # instead of printing a traceback for each connection a script drops.
        config = uvicorn.Config(
            self.provider,
            host=host,
            port=port,
            log_config=None,
            log_level="warning",
            lifespan="off",
            access_log=False,
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None
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

    def start(self, timeout: float = 10.0) -> FakeProviderServer:
        self._thread = threading.Thread(
            target=self._server.run, name="streamfakes-server", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise FakesError(f"the fake provider could not start on {self.host}:{self.port}")
            time.sleep(0.005)
        sockets = self._server.servers[0].sockets
        self.port = sockets[0].getsockname()[1]
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and wait for the thread (its sockets close with it)."""
        if self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise FakesError("the fake provider did not stop in time")
        self._thread = None

    def check_all_expected(self) -> None:
        """Raise `FakesError` listing the requests the script had no answer for."""
        unexpected = self.journal.unexpected
        if unexpected:
            lines = "\n".join(f"  {r.method} {r.path} -> {r.status}" for r in unexpected)
            raise FakesError(
                f"the fake provider got {len(unexpected)} request(s) its script did not "
                f"expect:\n{lines}\nScript a response for each (or a rule), or check the "
                "client's base_url and path."
            )

    def __enter__(self) -> FakeProviderServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"FakeProviderServer({self.url!r}, {len(self.journal)} request(s))"


def serve(model: FakeChatModel, **kwargs: Any) -> FakeProviderServer:
    """Start a fake provider for `model` (stop it with `.stop()` or a `with` block)."""
    return FakeProviderServer(model, **kwargs).start()
