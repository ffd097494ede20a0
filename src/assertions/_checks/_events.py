"""Check that an event stream follows the rules of streaming, event by event."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import BaseMessage, BaseMessageChunk

from .._errors import StreamAssertionError
from .._timeline._normalize import Normalizer
from ._chunks import add_up

# Tags LangChain adds for a step's place in its parent; they are not inherited.
_STRUCTURAL_TAG_PREFIXES = (
    "seq:step:",
    "map:key:",
    "branch:",
    "condition:",
    "graph:step:",
    "retry:attempt:",
)
# Runs whose every non-structural tag came from config, and so passes to children. Models,
# tools and retrievers may also carry their own `tags` field, which stays with them.
_CONFIG_TAGGED_KINDS = frozenset({"chain", "prompt", "parser"})
_NOTHING = object()


@dataclass
class _Run:
    run_id: str
    name: str
    parent_ids: list[str]
    tags: list[str]
    kind: str
    start: int | None = None
    end: int | None = None
    chunks: list[Any] = field(default_factory=list)
    output: Any = None


_MAY_LACK_ITS_END = (
    "A run may lack its end only where the stream itself ended in an error (then pass "
    "ended_in_error=True, and the runs open above it must be open too) or where a "
    "fallback or retry replaced it (no later run of the same kind under the same parent "
    "took over)"
)


def _streamed(run: _Run) -> str:
    return f" after streaming {len(run.chunks)} chunk(s)" if run.chunks else ""


def _is_step(run: _Run) -> bool:
    """A step of a sequence: the step after it follows it, it does not replace it."""
    return any(tag.startswith("seq:step:") for tag in run.tags)


def check_event_stream(
    events: Iterable[Mapping[str, Any]], *, ended_in_error: bool = False
) -> None:
    """Raise `StreamAssertionError` at the first event that breaks a streaming rule.

    The rules: each run starts once and ends once, with its stream events between (a
    run may lack its end only where the stream itself ended in an error, or where a
    fallback or retry replaced it with a later run of the same kind); a
    child starts after and ends before its parent; `parent_ids` follow the tree; a run
    keeps its name; children carry their parent's (inherited) tags; a chat model's
    chunks add up to its end output (content, tool calls, usage), with at most one
    `chunk_position="last"` chunk, the final one, and usage reported once; an LLM's
    chunks join to its output text. Pass `ended_in_error=True` for the events of a
    stream that raised: the runs the error left open (all open up to the top) pass.

    >>> from fakes import FakeChatModel
    >>> from assertions import collect_events
    >>> check_event_stream(collect_events(FakeChatModel(responses=["Hi there"]), "hi"))
    """
    __tracebackhide__ = True
    _Checker(list(events), ended_in_error=ended_in_error).run()


class _Checker:
    def __init__(self, events: list[Mapping[str, Any]], *, ended_in_error: bool = False) -> None:
        self.events = events
        self.ended_in_error = ended_in_error
        self.runs: dict[str, _Run] = {}
        self.aliases = Normalizer()
        self.aliases.learn_runs(
            run for event in events for run in [*event.get("parent_ids", []), event["run_id"]]
        )

    def fail(self, index: int, problem: str, expected: Any = _NOTHING, got: Any = _NOTHING) -> None:
        __tracebackhide__ = True
        event = self.events[index]
        run = self.aliases.run(event["run_id"])
        where = f"event {index} ({event['event']} of {event.get('name')!r}, {run})"
        detail = ""
        if expected is not _NOTHING or got is not _NOTHING:
            detail = f"\n  expected: {expected!r}\n  got:      {got!r}"
        raise StreamAssertionError(f"{where}: {problem}{detail}")

    def run(self) -> None:
        __tracebackhide__ = True
        for index, event in enumerate(self.events):
            self.event(index, event)
        for run in self.runs.values():
            if run.end is None:
                if not self.may_lack_its_end(run):
                    assert run.start is not None
                    self.fail(run.start, self.never_ends(run))
                continue
            self.totals(run)

    def may_lack_its_end(self, run: _Run) -> bool:
        """Whether a run may have no end: a fallback or retry took over (a later sibling
        of the same kind, not the next step of a sequence), or the stream itself ended
        in an error and nothing above the run in the stream ended either.

        astream_events sends no end event for a chain or model run that raised.
        """
        if self.replaced(run):
            return True
        ancestors = [self.runs.get(parent) for parent in run.parent_ids]
        return self.ended_in_error and all(a is None or a.end is None for a in ancestors)

    def replaced(self, run: _Run) -> bool:
        if not run.parent_ids or _is_step(run):
            return False
        return any(
            other is not run
            and other.kind == run.kind
            and other.parent_ids[-1:] == run.parent_ids[-1:]
            and not _is_step(other)
            and (other.start or 0) > (run.start or 0)
            for other in self.runs.values()
        )

    def never_ends(self, run: _Run) -> str:
        ended = [self.runs[p] for p in run.parent_ids if p in self.runs and self.runs[p].end]
        above = ""
        if ended:
            above = (
                f", yet {self.aliases.run(ended[-1].run_id)} ({ended[-1].name!r}) above it ended"
            )
        return (
            f"this run never ends (no *_end or *_error event){_streamed(run)}{above}. "
            + _MAY_LACK_ITS_END
        )

    def event(self, index: int, event: Mapping[str, Any]) -> None:
        __tracebackhide__ = True
        kind, _, phase = event["event"].removeprefix("on_").rpartition("_")
        run = self.runs.get(event["run_id"])
        if event["event"] == "on_custom_event":
            # Its run may be filtered out of the stream; if it is there, it must be open.
            if run is not None and run.end is not None:
                self.fail(index, "a custom event after its run ended")
            return
        if run is None:
            if phase != "start":
                self.fail(
                    index, "the run's first event is not its start", "*_start", event["event"]
                )
            run = _Run(
                event["run_id"],
                event.get("name", ""),
                list(event.get("parent_ids", [])),
                list(event.get("tags", [])),
                kind,
            )
            self.runs[event["run_id"]] = run
            self.start(index, run)
            return
        self.same_run(index, run, event)
        if phase == "start":
            self.fail(index, "the run starts twice")
        if run.end is not None:
            self.fail(index, "an event after the run ended", "nothing", event["event"])
        if phase == "stream" or event["event"] == "on_retriever_chunk":
            run.chunks.append(event.get("data", {}).get("chunk"))
        elif phase in ("end", "error"):
            run.end = index
            run.output = event.get("data", {}).get("output")
            self.children_ended(index, run)

    def start(self, index: int, run: _Run) -> None:
        __tracebackhide__ = True
        run.start = index
        early = next((c for c in self.runs.values() if c.parent_ids[-1:] == [run.run_id]), None)
        if early is not None:
            self.fail(index, f"the run starts after its child {self.aliases.run(early.run_id)}")
        if not run.parent_ids:
            return
        parent = self.runs.get(run.parent_ids[-1])
        if parent is None:
            return  # the parent was filtered out of this stream
        if parent.end is not None:
            self.fail(
                index, f"a child starts after its parent {self.aliases.run(parent.run_id)} ended"
            )
        if run.parent_ids[:-1] != parent.parent_ids:
            self.fail(
                index,
                "parent_ids do not follow the tree (they should be the parent's plus the parent)",
                [self.aliases.run(p) for p in [*parent.parent_ids, parent.run_id]],
                [self.aliases.run(p) for p in run.parent_ids],
            )
        inherited = self.inheritable_tags(parent)
        missing = [tag for tag in inherited if tag not in run.tags]
        if missing:
            self.fail(index, f"tags {missing} of the parent are not inherited", inherited, run.tags)

    def inheritable_tags(self, parent: _Run) -> list[str]:
        tags = [t for t in parent.tags if not t.startswith(_STRUCTURAL_TAG_PREFIXES)]
        if parent.kind in _CONFIG_TAGGED_KINDS:
            return tags
        # A model, tool or retriever: only what it inherited itself surely passes down.
        grandparent = self.runs.get(parent.parent_ids[-1]) if parent.parent_ids else None
        return [t for t in tags if grandparent is not None and t in grandparent.tags]

    def same_run(self, index: int, run: _Run, event: Mapping[str, Any]) -> None:
        __tracebackhide__ = True
        if event.get("name", "") != run.name:
            self.fail(index, "the run's name changed", run.name, event.get("name"))
        if list(event.get("parent_ids", [])) != run.parent_ids:
            self.fail(
                index,
                "the run's parent_ids changed",
                [self.aliases.run(p) for p in run.parent_ids],
                [self.aliases.run(p) for p in event.get("parent_ids", [])],
            )

    def children_ended(self, index: int, run: _Run) -> None:
        __tracebackhide__ = True
        for child in self.runs.values():
            if (
                child.parent_ids[-1:] == [run.run_id]
                and child.end is None
                and not self.replaced(child)
            ):
                self.fail(
                    index,
                    f"the run ends before its child {self.aliases.run(child.run_id)} "
                    f"({child.name!r}) ended; the child never ends{_streamed(child)}. "
                    + _MAY_LACK_ITS_END,
                )

    def totals(self, run: _Run) -> None:
        __tracebackhide__ = True
        assert run.end is not None
        # Totals need live message chunks (not v1's dict outputs, nor events parsed from
        # text/event-stream, whose chunks are plain data).
        messages = bool(run.chunks) and all(isinstance(c, BaseMessageChunk) for c in run.chunks)
        if run.kind == "chat_model" and messages and isinstance(run.output, BaseMessage):
            self.chat_model_totals(run)
        elif run.kind == "llm" and run.chunks and isinstance(run.output, Mapping):
            text = run.output["generations"][0][0]["text"]
            # An LLM streams strings on its own, GenerationChunks inside a chain.
            joined = "".join(getattr(chunk, "text", chunk) for chunk in run.chunks)
            if joined != text:
                self.fail(
                    run.end, "the streamed chunks do not join to the output text", text, joined
                )

    def chat_model_totals(self, run: _Run) -> None:
        __tracebackhide__ = True
        assert run.end is not None
        positions = [getattr(chunk, "chunk_position", None) for chunk in run.chunks]
        if positions.count("last") > 1:
            self.fail(
                run.end,
                "more than one chunk is marked chunk_position='last'",
                1,
                positions.count("last"),
            )
        if "last" in positions and positions[-1] != "last":
            self.fail(
                run.end,
                "the chunk marked 'last' is not the final chunk",
                f"chunk {len(positions) - 1}",
                f"chunk {positions.index('last')}",
            )
        # LangChain's standard tests' rule: input tokens on one chunk (they apply to the
        # whole answer); output tokens may come as deltas on many, if the totals add up.
        reported = [
            i
            for i, chunk in enumerate(run.chunks)
            if (getattr(chunk, "usage_metadata", None) or {}).get("input_tokens")
        ]
        if len(reported) > 1:
            self.fail(
                run.end,
                f"usage input_tokens is reported on chunks {reported}: chunks add up, so it "
                "is counted more than once (report it on one chunk, as LangChain's standard "
                "tests require)",
            )
        total = add_up(run.chunks)
        usage = getattr(total, "usage_metadata", None) or {}
        if "total_tokens" in usage and usage["total_tokens"] != usage.get(
            "input_tokens", 0
        ) + usage.get("output_tokens", 0):
            self.fail(
                run.end,
                "the chunks' usage does not add up: summed total_tokens is not summed "
                "input_tokens + output_tokens (running totals not turned into deltas?)",
                usage.get("input_tokens", 0) + usage.get("output_tokens", 0),
                usage["total_tokens"],
            )
        output = run.output
        for name in ("content", "tool_calls", "usage_metadata"):
            summed, ended = getattr(total, name, None), getattr(output, name, None)
            if summed != ended:
                self.fail(
                    run.end,
                    f"the streamed chunks do not add up to the output's {name}",
                    ended,
                    summed,
                )
