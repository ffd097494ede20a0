"""The OpenAI-compatible providers' dialects of the chat completions stream.

Each was read from the provider's LangChain integration and SDK (site-packages, December
2026): what the client posts, and what it parses. Serve one by giving the adapter to the
server, which then answers on the dialect's path instead of OpenAI's:

>>> from fakes import ChatCompletions, DIALECTS, FakeChatModel, FakeProviderServer
>>> groq = ChatCompletions(DIALECTS["groq"])
>>> with FakeProviderServer(FakeChatModel(responses=["Hi"]), formats=[groq]) as server:
...     groq in server.provider.formats
True
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ._openai import Dialect

OPENAI = Dialect()
"""OpenAI itself (and servers that copy it): usage in its own chunk when asked."""

MISTRAL = Dialect(
    "mistral",
    # ChatMistralAI(endpoint=server.openai_base_url) posts to {endpoint}/chat/completions.
    reasoning="thinking",  # Magistral: content [{"type": "thinking", "thinking": [...]}]
    usage="finish",  # it sends no stream_options and skips chunks without choices
    tool_calls="whole",  # each call in one delta, as Mistral streams them
)
DEEPSEEK = Dialect("deepseek", reasoning="reasoning_content")
XAI = Dialect("xai", reasoning="reasoning_content")
GROQ = Dialect(
    "groq",
    path="/openai/v1/chat/completions",  # the groq SDK adds it to base_url=server.url
    reasoning="reasoning",
    usage="x_groq",
    tool_calls="whole",
)
FIREWORKS = Dialect(
    # The fireworks SDK posts to /v1/chat/completions of base_url=server.url.
    "fireworks",
    reasoning="reasoning_content",
)
TOGETHER = Dialect("together", reasoning="none")  # ChatTogether reads no reasoning
PERPLEXITY = Dialect(
    "perplexity",
    path="/chat/completions",  # the perplexity SDK posts to {base_url}/chat/completions
    reasoning="none",  # sonar-reasoning thinks in <think> tags inside the content
    usage="running",
    errors="event",  # the perplexity SDK raises only on `event: error`
)


class Dialects(Mapping[str, Dialect]):
    """Every shipped dialect, by provider name (read-only).

    >>> sorted(DIALECTS)[:3]
    ['deepseek', 'fireworks', 'groq']
    """

    def __init__(self, *dialects: Dialect) -> None:
        self._by_name = {d.name: d for d in dialects}

    def __getitem__(self, name: str) -> Dialect:
        try:
            return self._by_name[name]
        except KeyError:
            known = ", ".join(self._by_name)
            raise KeyError(f"no dialect {name!r}; the shipped ones are {known}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)

    def __repr__(self) -> str:
        return f"Dialects({', '.join(self._by_name)})"


DIALECTS = Dialects(OPENAI, MISTRAL, DEEPSEEK, XAI, GROQ, FIREWORKS, TOGETHER, PERPLEXITY)
