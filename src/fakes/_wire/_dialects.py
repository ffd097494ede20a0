"""The OpenAI-compatible providers' dialects of the chat completions stream.

Each was read from the provider's LangChain integration and SDK (site-packages, December
2026): what the client posts, and what it parses. Serve one by giving the adapter to the
server, which then answers on the dialect's path instead of OpenAI's:

>>> from fakes import ChatCompletions, DIALECTS, FakeChatModel, FakeProviderServer
>>> groq = ChatCompletions(DIALECTS["groq"])
>>> with FakeProviderServer(FakeChatModel(responses=["Hi"]), formats=[groq]) as server:
...     [f.path for f in server.provider.formats][:1]
['/openai/v1/chat/completions']
"""

from __future__ import annotations

from types import MappingProxyType

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

DIALECTS = MappingProxyType(
    {d.name: d for d in (OPENAI, MISTRAL, DEEPSEEK, XAI, GROQ, FIREWORKS, TOGETHER, PERPLEXITY)}
)
"""Every shipped dialect, by provider name."""
