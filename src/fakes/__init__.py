"""Scriptable fake chat models and LLMs that stream the whole message, deterministically.

Like `langchain_core.language_models`, the package loads each name on first use (PEP 562):
`import fakes` costs next to nothing, `from fakes import FakeChatModel` costs about what
LangChain's `BaseChatModel` does, and the servers (starlette, uvicorn) and the recording
proxy (httpx) load only when asked for. `fakes.strategies` needs hypothesis.
"""

import importlib as _importlib
import typing as _typing

from ._errors import (
    CassetteMismatchError,
    ConnectionDroppedError,
    ContentFilterError,
    FakesError,
    MalformedFrameError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
    ScriptError,
    ScriptExhaustedError,
    ServerError,
)

if _typing.TYPE_CHECKING:
    from ._models._calls import Call
    from ._models._chat_model import FakeChatModel, NonStreamingFakeChatModel
    from ._models._clock import Clock, RealClock, VirtualClock
    from ._models._llm import FakeLLM
    from ._recording._proxy import RecordingProxy
    from ._recording._recorder import StreamRecorder
    from ._script._splitting import split_text
    from ._script._vocabulary import Fault, Latency, Response, Rule, ToolCall, echo
    from ._wire._dialects import DIALECTS
    from ._wire._format import (
        ChatRequests,
        Frame,
        Reply,
        WireFormat,
        data_frame,
        event_frame,
        json_line,
    )
    from ._wire._journal import Journal, Request
    from ._wire._openai import ChatCompletions, Dialect
    from ._wire._server import FakeProviderServer

__all__ = [
    "DIALECTS",
    "Call",
    "CassetteMismatchError",
    "ChatCompletions",
    "ChatRequests",
    "Clock",
    "ConnectionDroppedError",
    "ContentFilterError",
    "Dialect",
    "FakeChatModel",
    "FakeLLM",
    "FakeProviderServer",
    "FakesError",
    "Fault",
    "Frame",
    "Journal",
    "Latency",
    "MalformedFrameError",
    "NonStreamingFakeChatModel",
    "ProviderError",
    "ProviderTimeoutError",
    "RateLimitError",
    "RealClock",
    "RecordingProxy",
    "Reply",
    "Request",
    "Response",
    "Rule",
    "ScriptError",
    "ScriptExhaustedError",
    "ServerError",
    "StreamRecorder",
    "ToolCall",
    "VirtualClock",
    "WireFormat",
    "data_frame",
    "echo",
    "event_frame",
    "json_line",
    "split_text",
]

_LAZY_MODULES = {
    "DIALECTS": "._wire._dialects",
    "Call": "._models._calls",
    "ChatCompletions": "._wire._openai",
    "ChatRequests": "._wire._format",
    "Clock": "._models._clock",
    "Dialect": "._wire._openai",
    "FakeChatModel": "._models._chat_model",
    "FakeLLM": "._models._llm",
    "FakeProviderServer": "._wire._server",
    "Fault": "._script._vocabulary",
    "Frame": "._wire._format",
    "Journal": "._wire._journal",
    "Latency": "._script._vocabulary",
    "NonStreamingFakeChatModel": "._models._chat_model",
    "RealClock": "._models._clock",
    "RecordingProxy": "._recording._proxy",
    "Reply": "._wire._format",
    "Request": "._wire._journal",
    "Response": "._script._vocabulary",
    "Rule": "._script._vocabulary",
    "StreamRecorder": "._recording._recorder",
    "ToolCall": "._script._vocabulary",
    "VirtualClock": "._models._clock",
    "WireFormat": "._wire._format",
    "data_frame": "._wire._format",
    "event_frame": "._wire._format",
    "json_line": "._wire._format",
    "echo": "._script._vocabulary",
    "split_text": "._script._splitting",
}
_LAZY = frozenset(_LAZY_MODULES)


def __getattr__(name: str) -> _typing.Any:
    if name in _LAZY_MODULES:
        value = getattr(_importlib.import_module(_LAZY_MODULES[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'fakes' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
