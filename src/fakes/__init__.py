"""Scriptable fake chat models and LLMs that stream the whole message, deterministically."""

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
from ._models._calls import Call
from ._models._chat_model import FakeChatModel, NonStreamingFakeChatModel
from ._models._clock import Clock, RealClock, VirtualClock
from ._models._llm import FakeLLM
from ._recording._proxy import RecordingProxy
from ._recording._recorder import StreamRecorder
from ._script._splitting import split_text
from ._script._vocabulary import Fault, Latency, Response, Rule, ToolCall, echo
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
from ._wire._server import FakeProviderServer

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
    "echo",
    "event_frame",
    "json_line",
    "split_text",
]
