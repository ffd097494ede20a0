"""Scriptable fake chat models and LLMs that stream the whole message, deterministically."""

from ._calls import Call
from ._chat_model import FakeChatModel, NonStreamingFakeChatModel
from ._clock import Clock, RealClock, VirtualClock
from ._errors import (
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
from ._llm import FakeLLM
from ._recorder import StreamRecorder
from ._script import Fault, Latency, Response, Rule, ToolCall
from ._server._journal import Journal, Request
from ._server._proxy import RecordingProxy
from ._server._server import FakeProviderServer
from ._server._wire import (
    ChatRequests,
    Frame,
    Reply,
    WireFormat,
    data_frame,
    event_frame,
    json_line,
)
from ._splitting import split_text

__all__ = [
    "Call",
    "ChatRequests",
    "Clock",
    "ConnectionDroppedError",
    "ContentFilterError",
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
    "event_frame",
    "json_line",
    "split_text",
]
