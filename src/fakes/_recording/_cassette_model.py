"""In process: a chat model that plays a cassette (matching each call's messages and
options to the recorded ones), and a recorder's calls put on a tape."""

from __future__ import annotations

from typing import Any

from pydantic import PrivateAttr

from .._models._calls import Method, Playback
from .._models._chat_model import FakeChatModel
from ._cassette import Tape, chat_request
from ._recorder import StreamRecorder


class CassetteChatModel(FakeChatModel):
    """A `FakeChatModel` that plays a tape's recorded answers: each call's messages and
    options (`stop`, bound `tools`, ...) must match the recorded request the tape picks
    (the next one, or an equal one), or the call raises `CassetteMismatchError` with
    the difference."""

    _tape: Tape = PrivateAttr()

    def __init__(self, tape: Tape, **settings: Any) -> None:
        interactions = tape.cassette.interactions
        # Named, and reporting the run metadata, as the recorded model did.
        recorded = next((i.recorded_model for i in interactions if i.recorded_model), {})
        responses = [interaction.response for interaction in interactions]
        super().__init__(responses=responses, **{**recorded, **settings})
        self._tape = tape

    def _playback(
        self, method: Method, input: Any, stop: list[str] | str | None, kwargs: dict[str, Any]
    ) -> Playback[Any]:
        stops = [stop] if isinstance(stop, str) else stop  # a string is one stop sequence
        position, _ = self._tape.take(chat_request(input, {"stop": stops, **kwargs}))
        recorded = self._tape.played[position].recorded
        engine = self._engine
        with engine._lock:  # the engine plays the recorded answer the tape picked
            engine._next = recorded if recorded is not None else len(engine.responses)
        return super()._playback(method, input, stop, kwargs)


def put_on_tape(recorder: StreamRecorder, tape: Tape) -> None:
    """Every chat model call the recorder saw, with its answer, recorded on the tape."""
    for messages, options, response, settings in recorder.chat_calls():
        position, _ = tape.take(chat_request(messages, options))
        tape.fill(position, response, recorded_model=settings)
