"""A fake provider: a script served over the providers' HTTP APIs on loopback."""

from __future__ import annotations

from collections.abc import Sequence

from .._errors import FakesError
from .._models._chat_model import FakeChatModel
from ._app import ProviderApp
from ._format import WireFormat, resolved_model_name
from ._journal import Journal
from ._loopback import LOOPBACK, LoopbackServer


class FakeProviderServer(LoopbackServer):
    """An HTTP server on 127.0.0.1 that streams a script in the providers' formats.

    >>> from fakes import FakeChatModel
    >>> with FakeProviderServer(FakeChatModel(responses=["Hi"])) as server:
    ...     server.openai_base_url.startswith("http://127.0.0.1:")
    True
    """

    described = "the fake provider"

    def __init__(
        self,
        model: FakeChatModel,
        *,
        host: str = LOOPBACK,
        port: int = 0,
        frame_bytes: int | None = None,
        cuts: Sequence[int] = (),
        formats: Sequence[WireFormat] = (),
        client_timeout: float = 10.0,
    ) -> None:
        """`frame_bytes` cuts the streamed bytes into writes of at most that many bytes;
        `cuts` ends writes at those byte offsets of each streamed body (see `cut_at`);
        `formats` adds wire formats of your own (see `WireFormat`); a client that takes
        longer than `client_timeout` seconds to send a request's headers or body is cut off
        (the body with a 408, journalled)."""
        self.model = model
        self.provider = ProviderApp(
            model, frame_bytes=frame_bytes, formats=formats, client_timeout=client_timeout
        )
        super().__init__(self.provider, host=host, port=port, client_timeout=client_timeout)
        self.cut_at(cuts)

    def serve(self, model: FakeChatModel, *, frame_bytes: int | None = None) -> None:
        """Serve another script from now on, with a fresh journal and no byte cuts: one
        running server shared by tests that each bring their own script."""
        self.model = model
        self.provider.model = model
        self.provider.frame_bytes = frame_bytes
        self.provider.journal = Journal()
        self.cut_at(())

    @staticmethod
    def answered_model(requested: str) -> str:
        """The model name the server answers a request for `requested` with: a pinned
        release of it (`gpt-fake` -> `gpt-fake-2026-01-01`), as real providers resolve
        an alias; names already ending in a date, or with an Ollama tag, are kept."""
        return resolved_model_name(requested)

    @property
    def journal(self) -> Journal:
        """Every request received, in order, credentials redacted."""
        return self.provider.journal

    def cut_at(self, cuts: Sequence[int]) -> None:
        """From now on, cut each streamed body into writes ending at these byte offsets
        (inside frames, lines and UTF-8 characters alike), so that the client reads it
        in those pieces; offsets past the end are ignored. Draw them with
        `fakes.strategies.byte_cuts()` to fuzz a client's stream parser."""
        offsets = tuple(cuts)
        if any(isinstance(o, bool) or not isinstance(o, int) or o < 1 for o in offsets):
            raise FakesError(f"cuts are byte offsets >= 1, got {list(offsets)!r}")
        self.provider.cuts = offsets

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

    def __repr__(self) -> str:
        return f"FakeProviderServer({self.url!r}, {len(self.journal)} request(s))"
