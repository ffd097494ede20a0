"""Check that output reaches the consumer while the model is still talking."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.runnables import Runnable, RunnableConfig

from .._errors import StreamAssertionError
from .._timeline._collect import collect_events, no_running_loop

_MODEL_STREAMS = ("on_chat_model_stream", "on_llm_stream")


def assert_streams_live(
    runnable: Runnable[Any, Any], input: Any, config: RunnableConfig | None = None
) -> None:
    """The first output chunk reaches the consumer before the model's last token.

    When it does not, the message names the step that buffers: the first step whose
    output starts only after the model has finished (a function on finalised input,
    a non-streaming model, ...).

    >>> from fakes import FakeChatModel
    >>> from langchain_core.output_parsers import StrOutputParser
    >>> assert_streams_live(FakeChatModel(responses=["Hi there"]) | StrOutputParser(), "hi")
    """
    __tracebackhide__ = True
    no_running_loop(
        "assert_streams_live", "use `check_streams_live(await acollect_events(...))` instead"
    )
    check_streams_live(collect_events(runnable, input, config))


def check_streams_live(events: Sequence[Mapping[str, Any]]) -> None:
    """`assert_streams_live` on events already collected."""
    __tracebackhide__ = True
    tokens = [i for i, e in enumerate(events) if e["event"] in _MODEL_STREAMS]
    if not tokens:
        models = [
            e["name"] for e in events if e["event"] in ("on_chat_model_start", "on_llm_start")
        ]
        if models:
            raise StreamAssertionError(
                f"the model {models[0]!r} streamed no tokens: it does not stream token by "
                "token (only _generate), so nothing after it can stream"
            )
        raise StreamAssertionError("no model ran: there is nothing to stream live")
    last_token = tokens[-1]
    model = events[last_token]
    model_tokens = [i for i in tokens if events[i]["run_id"] == model["run_id"]]
    if len(model_tokens) < 2:
        raise StreamAssertionError(
            f"the model {model['name']!r} streamed its answer as one chunk (event "
            f"{model_tokens[0]}): either it does not stream token by token, or its answer is "
            "one token long (script a longer response)"
        )
    root = events[0]["run_id"]
    outputs = [
        i
        for i, e in enumerate(events)
        if e["run_id"] == root
        and e["event"].endswith("_stream")
        and e["event"] != "on_custom_event"
    ]
    if outputs and outputs[0] < last_token:
        return
    culprit = _buffering_step(events, root, last_token, model_tokens[0])
    first = f"at event {outputs[0]}" if outputs else "never"
    raise StreamAssertionError(
        f"the output does not stream: the first chunk reaches the consumer {first}, after "
        f"the model {model['name']!r} emitted its last token (event {last_token}).\n"
        f"{culprit}"
    )


def _buffering_step(
    events: Sequence[Mapping[str, Any]], parent: str, last_token: int, first_token: int
) -> str:
    """The innermost step under `parent` whose output starts only after the last token.

    Steps that ended before the model's first token (a prompt, a retriever) are upstream
    of it and cannot be the ones that buffer its output.
    """
    runs: dict[str, dict[str, Any]] = {}
    for index, event in enumerate(events):
        parents = event.get("parent_ids") or []
        if not parents or parents[-1] != parent:
            continue
        run = runs.setdefault(
            event["run_id"],
            {"name": event.get("name"), "tags": event.get("tags", []), "start": index},
        )
        if event["event"].endswith("_stream") and "first_stream" not in run:
            run["first_stream"] = index
        if event["event"].endswith(("_end", "_error")):
            run["end"] = index
    for run_id, run in sorted(runs.items(), key=lambda item: item[1]["start"]):
        first = run.get("first_stream")
        if first is not None and first < last_token:
            continue
        if run.get("end", last_token) < first_token:
            continue  # upstream of the model
        if run["start"] > last_token or first is None or first > last_token:
            inner = _buffering_step(events, run_id, last_token, first_token)
            if inner:
                return inner
            where = f"first output at event {first}" if first is not None else "no output streamed"
            step = next((t for t in run["tags"] if t.startswith("seq:step:")), "")
            return (
                f"The step that buffers: {run['name']!r} ({step or 'a step'}, {where}): it "
                "works on its finalised input. Make it a generator over its input stream, "
                "or move it after the streaming steps."
            )
    return ""
