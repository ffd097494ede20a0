"""The chunking invariant: where a stream splits must not change what comes out of it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, Literal

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from langchain_core.language_models import BaseLanguageModel
from langchain_core.runnables import Runnable

from fakes import FakeChatModel, FakeLLM, Response, ToolCall
from fakes.strategies import argument_fragmentations, chunkings

from .._errors import AssertionsError, StreamAssertionError
from .._timeline._collect import collect_events, no_running_loop
from .._timeline._normalize import Normalizer
from ._chunks import check_partials_grow, combine, comparable
from ._events import check_event_stream

Consumer = Runnable[Any, Any] | Callable[[BaseLanguageModel[Any]], Runnable[Any, Any]]


def assert_chunking_invariant(
    runnable: Consumer,
    text: str = "",
    *,
    tool_calls: Sequence[ToolCall] = (),
    input: Any = "hi",
    model: Literal["chat", "llm"] = "chat",
    max_examples: int = 40,
    empty_chunks: bool = True,
) -> None:
    """Every way the model may split `text` (and the calls' arguments) gives the same
    final output, through a well-formed stream.

    `runnable` consumes the model's stream: a runnable piped after a fake model (a
    parser), or a function building the chain around the model it is given
    (`lambda model: prompt | model | parser`). Each chunking hypothesis draws is
    streamed, and its combined output compared with `invoke` on the unsplit text; the
    events must pass `check_event_stream`. Runs are derandomised and write no example
    database, so a CI run is repeatable. A failure shows the smallest split found as a
    `Response(chunks=[...])` to paste into a regression test.

    >>> from langchain_core.output_parsers import JsonOutputParser
    >>> assert_chunking_invariant(JsonOutputParser(), '{"city": "Paris", "days": [1, 2]}')
    """
    __tracebackhide__ = True
    no_running_loop("assert_chunking_invariant", "call it from a synchronous test")
    if model not in ("chat", "llm"):
        raise AssertionsError(f"model must be 'chat' or 'llm', got {model!r}")
    if model == "llm" and tool_calls:
        raise AssertionsError("an LLM streams plain text: tool_calls need model='chat'")
    if not text and not tool_calls:
        raise AssertionsError("give the text to split, or tool_calls whose arguments to split")
    build = _builder(runnable)
    fake = FakeLLM if model == "llm" else FakeChatModel
    whole = Response(text=text, tool_calls=[replace(call, fragments=1) for call in tool_calls])
    expected, usage = _reference(build, fake, whole, input)
    normalizer = Normalizer()
    want = comparable(expected, normalizer)
    name = _describe(runnable)

    @settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=False,
        report_multiple_bugs=False,  # one failure, the smallest, is what a user can act on
        # No explain phase: its notes point into this module, not at the user's code.
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
    )
    @given(response=_splits(text, tool_calls, empty_chunks))
    def every_split_agrees(response: Response) -> None:
        __tracebackhide__ = True
        scripted = replace(response, usage=usage) if usage is not None else response
        # cycle: the chain streams twice, for its chunks and for its events.
        chain = build(fake(responses=[scripted], cycle=True))
        _check_split(chain, input, response, (want, normalizer), name)

    every_split_agrees()


def _builder(runnable: Consumer) -> Callable[[BaseLanguageModel[Any]], Runnable[Any, Any]]:
    if isinstance(runnable, Runnable):
        return lambda model: model | runnable
    if callable(runnable):
        return runnable
    raise AssertionsError(
        f"expected a runnable (e.g. a parser) or a function taking the model and returning "
        f"the chain, got {type(runnable).__name__}"
    )


def _describe(runnable: Consumer) -> str:
    if isinstance(runnable, Runnable):
        return runnable.get_name()
    return "the chain"


def _splits(
    text: str, tool_calls: Sequence[ToolCall], empty_chunks: bool
) -> st.SearchStrategy[Response]:
    texts = chunkings(text, empty_chunks=empty_chunks)
    if not tool_calls:
        return texts
    calls = argument_fragmentations(*tool_calls, empty_chunks=empty_chunks)
    if not text:
        return calls
    return st.tuples(texts, calls).map(lambda drawn: replace(drawn[1], chunks=drawn[0].chunks))


def _reference(
    build: Callable[[BaseLanguageModel[Any]], Runnable[Any, Any]],
    fake: type[FakeChatModel] | type[FakeLLM],
    whole: Response,
    input: Any,
) -> tuple[Any, dict[str, Any] | None]:
    """The output of `invoke` on the unsplit response, and the usage it reported (kept
    for every split, so that counting chunks as tokens does not tell them apart)."""
    __tracebackhide__ = True
    model = fake(responses=[whole])
    try:
        expected = build(model).invoke(input)
    except Exception as error:
        raise StreamAssertionError(
            f"the chain failed on the unsplit text, before any chunking: {error!r}"
        ) from error
    delivered = model.calls[0].chunks if model.calls else []
    usage = getattr(delivered[-1], "usage_metadata", None) if delivered else None
    return expected, dict(usage) if usage else None


def _check_split(
    chain: Runnable[Any, Any],
    input: Any,
    response: Response,
    expected: tuple[Any, Normalizer],
    name: str,
) -> None:
    """One split: it streams, its events are well formed, and its output is `expected`
    (the unsplit output made comparable, and the normaliser that made it so)."""
    __tracebackhide__ = True
    shown = f"\n  streamed as: {response!r}"
    try:
        chunks = list(chain.stream(input))
        events = collect_events(chain, input).events
    except Exception as error:
        raise StreamAssertionError(f"{name} raised {error!r}{shown}") from error
    try:
        check_partials_grow("stream", chunks)
        check_event_stream(events)
    except StreamAssertionError as error:
        raise StreamAssertionError(f"{name}: {error}{shown}") from None
    want, normalizer = expected
    got = comparable(combine(chunks) if chunks else None, normalizer)
    if got != want:
        raise StreamAssertionError(
            f"{name}'s output depends on where the stream splits{shown}"
            f"\n  output:      {got!r}"
            f"\n  unsplit:     {want!r}"
        )
