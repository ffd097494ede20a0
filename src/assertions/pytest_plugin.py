"""The streamfakes pytest plugin, loaded through the `pytest11` entry point.

Fixtures:
    fake_chat_model: a factory, `fake_chat_model(responses, **settings) -> FakeChatModel`.
    fake_llm: a factory, `fake_llm(responses, **settings) -> FakeLLM`.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from fakes import FakeChatModel, FakeLLM


@pytest.fixture
def fake_chat_model() -> Callable[..., FakeChatModel]:
    """Make scripted chat models: `fake_chat_model(["Hi!"], model_name="gpt-fake")`."""
    return FakeChatModel


@pytest.fixture
def fake_llm() -> Callable[..., FakeLLM]:
    """Make scripted LLMs: `fake_llm(["Hi!"])`."""
    return FakeLLM
