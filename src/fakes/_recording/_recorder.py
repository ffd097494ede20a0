"""`StreamRecorder`: record what real models stream, as a script the fakes replay."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, BaseMessage, BaseMessageChunk
from langchain_core.outputs import ChatGenerationChunk, GenerationChunk, LLMResult

from .._errors import FakesError
from .._script._recorded import generated_id
from .._script._vocabulary import Fault, Latency, Response
from .._script._writing import plain, script_data, write_script
from .._secrets import scrub


@dataclass
class _Run:
    """One model call being recorded."""

    kind: str
    name: str
    settings: dict[str, Any]
    started: float
    chunks: list[dict[str, Any]] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    response: Response | None = None
    input: Any = None
    """The messages (chat models) or prompts (LLMs) it was called with."""
    options: dict[str, Any] = field(default_factory=dict)
    """Its call options (`stop`, bound `tools`, ...)."""


class StreamRecorder(BaseCallbackHandler):
    """Records every model call it sees, chunk by chunk, as a replayable script.

    Pass it as a callback, to one model or to a whole chain; then `save()` the calls
    as a script file that `FakeChatModel.from_script` (or `FakeLLM.from_script`) and
    the fake servers replay: each chunk field by field (text, tool-call fragments,
    usage, metadata), the delay before it, and an error that ended the call.
    Credentials never reach the file: keys named like one, the `secrets` given, this
    process's `*_API_KEY`/`*_TOKEN` variables and bearer/`sk-` shaped values are
    replaced by `<redacted>`.

    >>> from fakes import FakeChatModel
    >>> recorder = StreamRecorder()
    >>> model = FakeChatModel(responses=["Hi there"]).with_config(callbacks=[recorder])
    >>> _ = list(model.stream("hello"))
    >>> [chunk["content"] for chunk in recorder.responses[0].raw_chunks]
    ['Hi', ' there']
    """

    run_inline = True  # record in order, on the caller's thread, even for async runs

    def __init__(
        self, *, secrets: Iterable[str] = (), clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.secrets = list(secrets)
        self.clock = clock
        self._runs: dict[UUID, _Run] = {}
        self._order: list[_Run] = []
        self._lock = threading.Lock()

    # -- callbacks -------------------------------------------------------------------

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self._start(run_id, "chat", serialized, metadata, kwargs, messages[0] if messages else [])

    def on_llm_start(
        self,
        serialized: dict[str, Any],
        prompts: list[str],
        *,
        run_id: UUID,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self._start(run_id, "llm", serialized, metadata, kwargs, prompts)

    def on_llm_new_token(
        self,
        token: str | list[str | dict[str, Any]],
        *,
        chunk: GenerationChunk | ChatGenerationChunk | None = None,
        run_id: UUID,
        **kwargs: Any,
    ) -> None:
        run = self._runs.get(run_id)
        if run is None:
            return
        run.times.append(self.clock() - run.started)
        if isinstance(chunk, ChatGenerationChunk):
            run.chunks.append(_message_fields(chunk.message))
        elif isinstance(chunk, GenerationChunk):
            run.chunks.append(_generation_fields(chunk.text, chunk.generation_info))
        else:
            run.chunks.append({"text": token} if run.kind == "llm" else {"content": plain(token)})

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        run = self._runs.pop(run_id, None)
        if run is None:
            return
        if not run.chunks:  # not streamed: the whole answer is its one chunk
            run.times.append(self.clock() - run.started)
            run.chunks.append(_whole(run.kind, response))
        elif _appended_by_langchain(run.chunks[-1], response):
            # The replay's run appends its own, exactly as the recorded one did.
            run.chunks.pop()
            run.times.pop()
        run.response = Response(raw_chunks=run.chunks, latency=Latency.from_arrivals(run.times))

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        run = self._runs.pop(run_id, None)
        if run is None:
            return
        fault = Fault(error, after_chunks=len(run.chunks))
        run.response = Response(
            raw_chunks=run.chunks or None, latency=Latency.from_arrivals(run.times), fault=fault
        )

    def _start(
        self,
        run_id: UUID,
        kind: str,
        serialized: dict[str, Any] | None,
        metadata: dict[str, Any] | None,
        kwargs: dict[str, Any],
        input: Any,
    ) -> None:
        metadata = metadata or {}
        # The fake reports the same `ls_*` run metadata, so its events match.
        ls_params = {k: v for k, v in metadata.items() if k.startswith("ls_")}
        settings = {"model_name": ls_params.get("ls_model_name"), "ls_params": ls_params or None}
        name = kwargs.get("name") or _class_name(serialized)
        run = _Run(kind, name, settings, self.clock(), input=input)
        run.options = dict(kwargs.get("options") or {})
        with self._lock:
            self._runs[run_id] = run
            self._order.append(run)

    # -- results -----------------------------------------------------------------------

    @property
    def responses(self) -> list[Response]:
        """The finished calls' responses, in the order the calls started."""
        return [run.response for run in self._order if run.response is not None]

    def chat_calls(
        self,
    ) -> list[tuple[list[BaseMessage], dict[str, Any], Response, dict[str, Any]]]:
        """The finished chat model calls, in the order they started: the messages and
        call options (`stop`, bound `tools`, ...) each was called with, its answer, and
        the fake settings that replay it under the same name and run metadata."""
        return [
            (r.input, r.options, r.response, _settings(r))
            for r in self._order
            if r.kind == "chat" and r.response is not None
        ]

    def script(self, *, model: str | None = None) -> dict[str, Any]:
        """The recording as script-file data (credentials redacted). `model` keeps only
        the calls of models of that name (e.g. `"ChatOpenAI"`), for chains of several."""
        runs = [r for r in self._order if r.response and (model is None or r.name == model)]
        if not runs:
            seen = sorted({r.name for r in self._order}) or ["none"]
            raise FakesError(
                f"nothing recorded{f' for {model!r}' if model else ''} (models seen: "
                f"{', '.join(seen)}); pass the recorder as a callback to the model or "
                "chain, e.g. model.invoke(x, config={'callbacks': [recorder]}), and let "
                "the call finish"
            )
        kinds = {r.kind for r in runs}
        if len(kinds) > 1:
            raise FakesError(
                "the recording mixes chat models and LLMs, which one script cannot play; "
                "pass model= to script() or save() to keep one"
            )
        first = runs[0]
        data = script_data(
            [r.response for r in runs if r.response is not None],
            name=first.name,
            **first.settings,
        )
        return dict(scrub(data, self.secrets))

    def save(self, path: str | Path, *, model: str | None = None) -> Path:
        """Write the recording as a script file (.yaml, .yml or .json), whole or not at
        all; `FakeChatModel.from_script(path)` replays it."""
        return write_script(path, self.script(model=model))


def _settings(run: _Run) -> dict[str, Any]:
    return {"name": run.name, **{k: v for k, v in run.settings.items() if v is not None}}


def _appended_by_langchain(last: dict[str, Any], result: LLMResult) -> bool:
    """Whether the last chunk is the empty one LangChain adds when a model does not mark
    its own last chunk: the merged output then lacks the mark the chunk carries."""
    if last != {"content": last.get("content"), "chunk_position": "last"} or last["content"]:
        return False
    message = getattr(result.generations[0][0], "message", None)
    return getattr(message, "chunk_position", None) != "last"


def _class_name(serialized: dict[str, Any] | None) -> str:
    serialized = serialized or {}
    if isinstance(serialized.get("name"), str):
        return str(serialized["name"])
    ids = serialized.get("id")
    return str(ids[-1]) if isinstance(ids, list) and ids else "model"


def _message_fields(message: BaseMessageChunk | BaseMessage) -> dict[str, Any]:
    """The fields that make a chunk what it is; ids LangChain makes up are left out
    (the replay's run makes its own)."""
    fields: dict[str, Any] = {"content": plain(message.content)}
    for name in ("additional_kwargs", "response_metadata"):
        if getattr(message, name):
            fields[name] = plain(getattr(message, name))
    parts = [
        {key: value for key, value in part.items() if key != "type"}
        for part in getattr(message, "tool_call_chunks", [])
    ]
    if parts:
        fields["tool_call_chunks"] = plain(parts)
    usage = getattr(message, "usage_metadata", None)
    if usage:
        fields["usage_metadata"] = plain(usage)
    if message.id and not generated_id(message.id):
        fields["id"] = message.id
    if message.name:
        fields["name"] = message.name
    position = getattr(message, "chunk_position", None)
    if position:
        fields["chunk_position"] = position
    return fields


def _generation_fields(text: str, info: dict[str, Any] | None) -> dict[str, Any]:
    return {"text": text, **({"generation_info": plain(info)} if info else {})}


def _whole(kind: str, result: LLMResult) -> dict[str, Any]:
    """A whole answer (from `invoke`) as one chunk that adds up to it."""
    generation = result.generations[0][0]
    if kind == "llm":
        return _generation_fields(generation.text, generation.generation_info)
    message = getattr(generation, "message", None)
    if not isinstance(message, AIMessage):
        return {"content": generation.text}
    fields = _message_fields(message)
    calls = [
        {"name": c["name"], "args": json.dumps(c["args"]), "id": c["id"], "index": i}
        for i, c in enumerate(message.tool_calls)
    ]
    if calls:
        fields["tool_call_chunks"] = calls
    fields["chunk_position"] = "last"
    return fields
