"""Collect, normalise, render, snapshot and check LLM streams.

Importable without pytest. What needs hypothesis (`assert_chunking_invariant`), httpx
(the server-sent-event helpers) or syrupy (the snapshot extensions) loads on first use, and
the conformance suites live in `assertions.conformance`. The pytest glue is
`streamfakes.pytest_plugin`.
"""

import importlib as _importlib
import typing as _typing

from ._checks._consistency import assert_stream_consistent
from ._checks._events import check_event_stream
from ._checks._liveness import assert_streams_live, check_streams_live
from ._errors import AssertionsError, StreamAssertionError
from ._timeline._collect import (
    acollect_chunks,
    acollect_events,
    acollect_log,
    collect_chunks,
    collect_events,
    collect_log,
)
from ._timeline._graph import (
    acollect_graph_stream,
    collect_graph_stream,
    normalize_graph_stream,
    render_graph_stream,
)
from ._timeline._normalize import (
    normalize_chunks,
    normalize_events,
    normalize_log,
    normalize_protocol_events,
)
from ._timeline._options import SnapshotOptions
from ._timeline._render import (
    compact,
    render_chunks,
    render_events,
    render_json,
    render_log,
    render_protocol_events,
)
from ._timeline._streams import ChunkStream, EventStream, GraphPart, GraphStream, LogStream

if _typing.TYPE_CHECKING:
    from ._checks._chunking import assert_chunking_invariant
    from ._snapshot import StreamJSONSnapshotExtension, StreamSnapshotExtension
    from ._timeline._sse import (
        ServerSentError,
        aencode_sse,
        aparse_sse_response,
        encode_sse,
        encode_sse_event,
        parse_sse,
    )

__all__ = [
    "AssertionsError",
    "ChunkStream",
    "EventStream",
    "GraphPart",
    "GraphStream",
    "LogStream",
    "ServerSentError",
    "SnapshotOptions",
    "StreamAssertionError",
    "StreamJSONSnapshotExtension",
    "StreamSnapshotExtension",
    "acollect_chunks",
    "acollect_events",
    "acollect_graph_stream",
    "acollect_log",
    "aencode_sse",
    "aparse_sse_response",
    "assert_chunking_invariant",
    "assert_stream_consistent",
    "assert_streams_live",
    "check_event_stream",
    "check_streams_live",
    "collect_chunks",
    "collect_events",
    "collect_graph_stream",
    "collect_log",
    "compact",
    "encode_sse",
    "encode_sse_event",
    "normalize_chunks",
    "normalize_events",
    "normalize_graph_stream",
    "normalize_log",
    "normalize_protocol_events",
    "parse_sse",
    "render_chunks",
    "render_events",
    "render_graph_stream",
    "render_json",
    "render_log",
    "render_protocol_events",
]

_LAZY_MODULES = {
    "assert_chunking_invariant": "._checks._chunking",
    "StreamSnapshotExtension": "._snapshot",
    "StreamJSONSnapshotExtension": "._snapshot",
    "aencode_sse": "._timeline._sse",
    "aparse_sse_response": "._timeline._sse",
    "ServerSentError": "._timeline._sse",
    "encode_sse": "._timeline._sse",
    "encode_sse_event": "._timeline._sse",
    "parse_sse": "._timeline._sse",
}
_LAZY = frozenset(_LAZY_MODULES)


def __getattr__(name: str) -> _typing.Any:
    # PEP 562: hypothesis, httpx and syrupy are imported only when first needed.
    if name in _LAZY_MODULES:
        value = getattr(_importlib.import_module(_LAZY_MODULES[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'assertions' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
