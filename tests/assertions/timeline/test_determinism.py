"""The same scenario renders to the same bytes: twice in a row, and sync versus async."""

from __future__ import annotations

import re
from typing import Any

import pytest

from assertions import (
    acollect_chunks,
    acollect_events,
    collect_chunks,
    collect_events,
    normalize_chunks,
    normalize_events,
    render_chunks,
    render_events,
    render_json,
)
from tests.assertions import scenarios as s

SCENARIOS = {
    "chat model": (lambda: s.chat_model(s.SONG), s.SONG_PROMPT),
    "llm": (s.llm, "Write me a song."),
    "prompt | model | parser": (s.joke_chain, {"topic": "parrot"}),
    "json parser": (s.json_chain, s.COUNTRIES_PROMPT),
    "function on finalized input": (s.json_chain_with_function, s.COUNTRIES_PROMPT),
    "retrieval chain": (s.retrieval_chain, "What is the powerhouse of the cell?"),
    "custom events": (s.custom_events_chain, "hello"),
}


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# An async function cannot run under sync `stream`/`invoke` (LangChain says so).
SYNC_SCENARIOS = [name for name in SCENARIOS if name != "custom events"]


def rendered_events(events: Any) -> str:
    normalized = normalize_events(events)
    return render_events(normalized) + render_json(normalized)


@pytest.mark.parametrize("name", SCENARIOS)
async def test_events_render_to_the_same_bytes_every_time(name: str) -> None:
    make, given = SCENARIOS[name]
    first = rendered_events(await acollect_events(make(), given))
    second = rendered_events(await acollect_events(make(), given))
    assert first == second
    assert not UUID.search(first), "no raw uuid reaches the rendering"


@pytest.mark.parametrize("name", SCENARIOS)
def test_events_collected_from_a_sync_test_match_an_async_one(name: str) -> None:
    # The sync entry point runs its own loop: the same events, whichever kind of test.
    make, given = SCENARIOS[name]
    import asyncio

    from_async = rendered_events(asyncio.run(acollect_events(make(), given)))
    assert rendered_events(collect_events(make(), given)) == from_async


@pytest.mark.parametrize("name", SYNC_SCENARIOS)
async def test_stream_and_astream_chunks_render_alike(name: str) -> None:
    make, given = SCENARIOS[name]
    sync = render_chunks(normalize_chunks(collect_chunks(make(), given)))
    async_ = render_chunks(normalize_chunks(await acollect_chunks(make(), given)))
    assert sync == async_


async def test_astream_log_renders_to_the_same_bytes_every_time() -> None:
    import warnings

    from langchain_core._api import LangChainDeprecationWarning

    from assertions import acollect_log, normalize_log, render_log

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LangChainDeprecationWarning)
        first = render_log(normalize_log(await acollect_log(s.joke_chain(), {"topic": "parrot"})))
        second = render_log(normalize_log(await acollect_log(s.joke_chain(), {"topic": "parrot"})))
    assert first == second
    assert not UUID.search(first)
    assert "'start_time': '<time>'" in first


async def test_sync_collectors_refuse_a_running_loop_with_the_fix() -> None:
    from assertions import AssertionsError, collect_log

    with pytest.raises(AssertionsError, match=r"use `await acollect_events\(\.\.\.\)` instead"):
        collect_events(s.joke_chain(), {"topic": "parrot"})
    with pytest.raises(AssertionsError, match=r"use `await acollect_log\(\.\.\.\)` instead"):
        collect_log(s.joke_chain(), {"topic": "parrot"})
