"""Cassettes: every request a client made, beside the answer it streamed, in one YAML
file; and the tape that matches a new run's requests to the recorded ones."""

from __future__ import annotations

import difflib
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .._errors import CassetteMismatchError, FakesError
from .._script._loading import script_fields
from .._script._vocabulary import Response
from .._script._writing import plain, response_data, write_script
from .._secrets import scrub

RECORD_MODES = ("none", "once", "new_episodes", "all")
"""pytest-recording's record modes: `none` replays only; `once` records a missing
cassette and replays an existing one; `new_episodes` replays what matches and records
the rest; `all` records every request again."""
MATCH_MODES = ("order", "content")
"""`order`: the n-th request must match the n-th recorded one; `content`: any recorded
request equal to it that has not been played yet."""
VERSION = 1

# Fields that say how the answer travels, not what it says.
TRANSPORT_FIELDS = frozenset(
    {"stream", "stream_options", "user", "metadata", "store", "keep_alive", "extra_headers"}
)
# The fields a normalised request shows first, in this order; the rest are `parameters`.
_ORDER = ("endpoint", "model", "system", "messages", "prompt", "tools", "tool_choice", "stop")


def wire_request(path: str, body: Any) -> dict[str, Any]:
    """A provider request (its endpoint path and JSON body) as a cassette stores and
    compares it: what the prompt says (system, messages or prompt, tools, tool choice,
    stop sequences, model) and, under `parameters`, every other field that can change
    the answer (temperature, max tokens, ...); streaming options and user ids left out."""
    request: dict[str, Any] = {"endpoint": path.split("?", 1)[0]}
    if not isinstance(body, dict):
        request["body"] = plain(body)
        return request
    fields = {k: v for k, v in body.items() if v is not None and k not in TRANSPORT_FIELDS}
    if "stop_sequences" in fields:  # Anthropic's name for it
        fields["stop"] = fields.pop("stop_sequences")
    if isinstance(fields.get("stop"), str):  # OpenAI takes one string or a list
        fields["stop"] = [fields["stop"]]
    for name in _ORDER[1:]:
        if name in fields:
            request[name] = plain(fields.pop(name))
    if fields:
        request["parameters"] = plain(dict(sorted(fields.items())))
    return request


def chat_request(messages: Sequence[Any], options: dict[str, Any]) -> dict[str, Any]:
    """A chat model call in process (its LangChain messages and call options: `stop`,
    bound `tools`, ...) as a cassette stores and compares it."""
    shown = []
    for message in messages:
        item: dict[str, Any] = {"role": getattr(message, "type", "human")}
        item["content"] = plain(getattr(message, "content", str(message)))
        for name in ("tool_calls", "tool_call_id", "name"):
            value = getattr(message, name, None)
            if value:
                item[name] = plain(value)
        shown.append(item)
    body = {"messages": shown, **{k: v for k, v in options.items() if v is not None}}
    request = wire_request("(in process)", body)
    del request["endpoint"]
    if "tools" in request:
        request["tools"] = [_tool(tool) for tool in request["tools"]]
    return request


def _tool(tool: Any) -> Any:
    """A bound tool in one shape, whichever provider's format bind_tools gave it."""
    if not isinstance(tool, dict):
        return tool
    function = tool.get("function", tool)
    if not isinstance(function, dict) or "name" not in function:
        return tool
    schema = function.get("parameters", function.get("input_schema"))
    return {
        "name": function["name"],
        "description": function.get("description", ""),
        "parameters": schema,
    }


def without(request: dict[str, Any], ignore: Iterable[str]) -> dict[str, Any]:
    """The request without the fields named in `ignore` (dotted: `parameters.seed`)."""
    kept = dict(request)
    for dotted in ignore:
        _drop(kept, dotted.split("."))
    return kept


def _drop(mapping: dict[str, Any], names: list[str]) -> None:
    first, *rest = names
    if not rest:
        mapping.pop(first, None)
        return
    inner = mapping.get(first)
    if isinstance(inner, dict):
        mapping[first] = inner = dict(inner)  # a copy: the recording itself stays whole
        _drop(inner, rest)


@dataclass
class Interaction:
    """One request and the answer it got."""

    request: dict[str, Any]
    response: Response
    """The answer read back into a script response (what a fake model replays)."""
    http: dict[str, Any] | None = None
    """The answer exactly as it came over HTTP, when it did: `status`, `content_type`
    and either `frames` (each server-sent event or JSON line, as text) with the
    `frame_times` they arrived at, or the whole `body` (text). Replayed over HTTP as it
    is, so that what the script vocabulary has no words for still reaches the client."""
    recorded_model: dict[str, Any] | None = None
    """In process: the recorded model's name, `model_name` and `ls_params`, which the
    replaying fake reports in its runs."""


@dataclass
class Cassette:
    """The interactions recorded in one file (none yet if it does not exist)."""

    path: Path
    interactions: list[Interaction] = field(default_factory=list)
    exists: bool = False

    @classmethod
    def load(cls, path: str | Path) -> Cassette:
        """Read a cassette; an empty one if the file does not exist. A file that is not
        a cassette raises `FakesError` naming the file and the bad field."""
        target = Path(path)
        if not target.exists():
            return cls(target)
        source = str(target)
        try:
            data = yaml.safe_load(target.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise FakesError(
                f"{source}: not a YAML file ({error}); delete it to record it again"
            ) from None
        items = data.get("interactions") if isinstance(data, dict) else None
        if not isinstance(items, list) or not all(
            isinstance(item, dict) and isinstance(item.get("request"), dict) for item in items
        ):
            raise FakesError(
                f"{source}: not a streamfakes cassette (expected a mapping with 'interactions',"
                " a list of {request: ..., response: ...}); delete it to record it again"
            )
        fields = script_fields({"responses": [item.get("response") for item in items]}, source)
        responses = [
            r if isinstance(r, Response) else Response(text=r) for r in fields["responses"]
        ]
        interactions = [
            Interaction(
                item["request"],
                response,
                _http(item.get("http"), source, n),
                _mapping(item.get("recorded_model")),
            )
            for n, (item, response) in enumerate(zip(items, responses, strict=True))
        ]
        return cls(target, interactions, exists=True)

    def data(self, secrets: Iterable[str] = ()) -> dict[str, Any]:
        """The file's contents, credentials redacted."""
        items = [
            {
                "request": i.request,
                "response": response_data(i.response),
                **({"http": i.http} if i.http is not None else {}),
                **({"recorded_model": i.recorded_model} if i.recorded_model else {}),
            }
            for i in self.interactions
        ]
        return dict(scrub({"version": VERSION, "interactions": items}, secrets))

    def save(self, secrets: Iterable[str] = ()) -> Path:
        """Write the file whole or not at all (its folders made as needed)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return write_script(self.path, self.data(secrets))


@dataclass
class _Played:
    """One request of this run: the recorded interaction it replayed, or a new one."""

    request: dict[str, Any]
    recorded: int | None = None
    response: Response | None = None
    http: dict[str, Any] | None = None
    recorded_model: dict[str, Any] | None = None


class Tape:
    """One run against a cassette: which requests replay which recorded answers, which
    go to the provider to be recorded, and which fail. Thread-safe."""

    def __init__(
        self,
        cassette: Cassette,
        record_mode: str = "none",
        *,
        match: str = "order",
        ignore: Sequence[str] = (),
        hint: str = "",
        name: str = "",
    ) -> None:
        if record_mode not in RECORD_MODES:
            raise FakesError(f"record mode {record_mode!r}: use one of {', '.join(RECORD_MODES)}")
        if match not in MATCH_MODES:
            raise FakesError(f"match {match!r}: use one of {', '.join(MATCH_MODES)}")
        self.cassette = cassette
        self.record_mode = record_mode
        self.match = match
        self.ignore = tuple(ignore)
        self.hint = hint
        """What a mismatch message ends with: how to re-record (the caller's words)."""
        self.name = name or str(cassette.path)
        """How messages name the cassette (its path, unless given)."""
        self.replaying = record_mode != "all" and (record_mode != "once" or cassette.exists)
        """Whether recorded answers are played (False: every request is recorded)."""
        self.recording = record_mode in ("all", "new_episodes") or (
            record_mode == "once" and not cassette.exists
        )
        """Whether a request without a recorded answer goes to the provider."""
        self.played: list[_Played] = []
        self.mismatches: list[str] = []
        self._used: set[int] = set()
        self._cursor = 0
        self._lock = threading.Lock()

    def take(self, request: dict[str, Any]) -> tuple[int, Response | None]:
        """This run's next request: its position in the run and the recorded answer to
        play, or None when it is to be recorded (`fill` it when the answer is in).
        Raises `CassetteMismatchError` when it may do neither.

        The request is compared (and kept) with its credentials redacted, as the
        cassette holds it: a prompt that quotes a key still matches its recording."""
        request = scrub(request)
        with self._lock:
            position = len(self.played)
            found = self._find(request) if self.replaying else None
            if found is not None:
                self._used.add(found)
                self.played.append(_Played(request, recorded=found))
                return position, self.cassette.interactions[found].response
            if not self.recording:
                message = self._mismatch(position, request)
                self.mismatches.append(message)
                self.played.append(_Played(request))
                raise CassetteMismatchError(message)
            self.played.append(_Played(request))
            return position, None

    def fill(
        self,
        position: int,
        response: Response,
        http: dict[str, Any] | None = None,
        *,
        recorded_model: dict[str, Any] | None = None,
    ) -> None:
        """The answer that a recorded request got (and, over HTTP, exactly as it came;
        in process, the model that gave it)."""
        with self._lock:
            played = self.played[position]
            played.response, played.http, played.recorded_model = response, http, recorded_model

    def _same(self, recorded: dict[str, Any], request: dict[str, Any]) -> bool:
        return without(recorded, self.ignore) == without(request, self.ignore)

    def _find(self, request: dict[str, Any]) -> int | None:
        interactions = self.cassette.interactions
        if self.match == "order":
            if self._cursor < len(interactions) and self._same(
                interactions[self._cursor].request, request
            ):
                self._cursor += 1
                return self._cursor - 1
            return None
        return next(
            (
                i
                for i, recorded in enumerate(interactions)
                if i not in self._used and self._same(recorded.request, request)
            ),
            None,
        )

    def _mismatch(self, position: int, request: dict[str, Any]) -> str:
        interactions = self.cassette.interactions
        where = f"cassette {self.name}"
        if self.match == "order":
            closest = self._cursor if self._cursor < len(interactions) else None
        else:
            left = [i for i in range(len(interactions)) if i not in self._used]
            closest = max(
                left, key=lambda i: _likeness(interactions[i].request, request), default=None
            )
        if closest is None:
            head = (
                f"{where}: request {position} of this test is not in the cassette "
                f"(it holds {len(interactions)} request(s), all played):\n"
                + _indented(without(request, self.ignore))
            )
        else:
            recorded = without(interactions[closest].request, self.ignore)
            lines = difflib.unified_diff(
                _yaml(recorded).splitlines(),
                _yaml(without(request, self.ignore)).splitlines(),
                f"recorded request {closest}",
                f"request {position} of this test",
                lineterm="",
            )
            head = (
                f"{where}: request {position} of this test does not match recorded request "
                f"{closest}"
                + (" (matched in order)" if self.match == "order" else "")
                + ":\n"
                + "\n".join(lines)
            )
        return head + (f"\n{self.hint}" if self.hint else "")

    def unused(self) -> list[str]:
        """The recorded requests no request of this run played, described."""
        return [
            f"  request {i}: {_summary(interaction.request)}"
            for i, interaction in enumerate(self.cassette.interactions)
            if i not in self._used
        ]

    @property
    def recorded_new(self) -> bool:
        """Whether this run recorded an answer the cassette did not hold."""
        return any(p.recorded is None and p.response is not None for p in self.played)

    def result(self) -> Cassette:
        """The cassette as this run leaves it: the requests of this run in order
        (replayed ones as recorded), then (new_episodes) the recorded ones it did not
        play. Requests whose answer never came (a mismatch, a dropped call) are left out."""
        kept: list[Interaction] = []
        old = self.cassette.interactions
        for played in self.played:
            if played.recorded is not None:
                kept.append(old[played.recorded])
            elif played.response is not None:
                kept.append(
                    Interaction(played.request, played.response, played.http, played.recorded_model)
                )
        if self.record_mode == "new_episodes":
            kept += [old[i] for i in range(len(old)) if i not in self._used]
        return Cassette(self.cassette.path, kept, exists=True)


def _http(value: Any, source: str, position: int) -> dict[str, Any] | None:
    """An interaction's `http` answer, checked enough to replay it."""
    if value is None:
        return None
    frames = value.get("frames") if isinstance(value, dict) else None
    ok = (
        isinstance(value, dict)
        and isinstance(value.get("status"), int)
        and isinstance(value.get("content_type"), str)
        and (
            isinstance(value.get("body"), str)
            or (isinstance(frames, list) and all(isinstance(f, str) for f in frames))
        )
    )
    if not ok:
        raise FakesError(
            f"{source}: interactions[{position}].http: expected status (a number), "
            "content_type, and frames (a list of strings) or body (a string); fix it, or "
            "delete the "
            "interaction's http to replay its response instead"
        )
    return dict(value)


def _mapping(value: Any) -> dict[str, Any] | None:
    return dict(value) if isinstance(value, dict) else None


def _yaml(value: Any) -> str:
    return yaml.safe_dump(value, sort_keys=False, allow_unicode=True, width=100)


def _indented(value: Any) -> str:
    return "\n".join("  " + line for line in _yaml(value).splitlines())


def _likeness(a: dict[str, Any], b: dict[str, Any]) -> float:
    return difflib.SequenceMatcher(None, _yaml(a), _yaml(b)).ratio()


def _summary(request: dict[str, Any]) -> str:
    """The last message of a request, shortened, to name it in a list."""
    messages = request.get("messages") or [{"content": request.get("prompt", "")}]
    last = messages[-1] if isinstance(messages, list) and messages else {}
    content = last.get("content", "") if isinstance(last, dict) else last
    text = " ".join(str(content).split())
    return repr(text if len(text) <= 60 else text[:59] + "…")
