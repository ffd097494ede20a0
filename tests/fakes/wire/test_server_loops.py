"""One server shared by two async tests: each test has its own event loop (pytest-asyncio),
and ChatOpenAI caches its async HTTP client per base URL across them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from langchain_openai import ChatOpenAI

from fakes import FakeChatModel, FakeProviderServer


@pytest.fixture(scope="module")
def shared_server() -> Iterator[FakeProviderServer]:
    with FakeProviderServer(FakeChatModel(responses=["same server"], cycle=True)) as server:
        yield server


def client(server: FakeProviderServer) -> ChatOpenAI:
    return ChatOpenAI(base_url=server.openai_base_url, api_key="k", model="m", max_retries=0)


async def test_first_loop(shared_server: FakeProviderServer) -> None:
    assert (await client(shared_server).ainvoke("x")).content == "same server"
    assert [c.content async for c in client(shared_server).astream("x") if c.content] == [
        "same",
        " server",
    ]


async def test_second_loop(shared_server: FakeProviderServer) -> None:
    # Without `Connection: close`, the cached client would reuse a socket of the first
    # test's closed loop: "Event loop is closed".
    assert (await client(shared_server).ainvoke("x")).content == "same server"
