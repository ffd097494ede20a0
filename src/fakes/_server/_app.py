"""The ASGI app (Starlette) that plays a script over the providers' HTTP APIs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from langchain_core.messages import BaseMessage, convert_to_messages
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from .._chat_model import FakeChatModel
from .._errors import ContentFilterError, FakesError, ProviderError, RateLimitError
from ._journal import Journal
from ._openai import ChatCompletion, sse, usage_of

# Each response closes its connection: clients that cache a connection pool across event
# loops (ChatOpenAI does, per base URL) then never reuse a socket of a closed loop.
CLOSE = {"connection": "close"}


def error_body(message: str, kind: str, status: int) -> JSONResponse:
    return JSONResponse(
        {"error": {"message": message, "type": kind, "code": status}}, status, headers=CLOSE
    )


def _status_of(error: BaseException) -> tuple[int, str, dict[str, str]]:
    """The HTTP status, error type and headers a provider answers an error with."""
    if isinstance(error, RateLimitError):
        headers = {"retry-after": str(error.retry_after)} if error.retry_after is not None else {}
        return 429, "rate_limit_error", headers
    if isinstance(error, ContentFilterError):
        return 400, "content_filter", {}
    if isinstance(error, ProviderError):
        return error.status_code, "server_error" if error.status_code >= 500 else "api_error", {}
    return 500, "server_error", {}


def _messages(body: dict[str, Any]) -> list[BaseMessage]:
    try:
        return convert_to_messages(body.get("messages") or [])
    except (ValueError, TypeError, KeyError):
        return []  # rules then see no text; the journal keeps the raw body


class ProviderApp:
    """Serves one fake model's script; records every request in `journal`."""

    def __init__(self, model: FakeChatModel) -> None:
        self.model = model
        self.journal = Journal()
        self.app = Starlette(
            routes=[Route("/v1/chat/completions", self.chat_completions, methods=["POST"])]
        )
        self.app.add_exception_handler(404, self.not_found)
        self.app.add_exception_handler(405, self.not_found)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)

    async def not_found(self, request: Request, exc: Exception) -> Response:
        self.journal.record(request.method, request.url.path, dict(request.headers), None, 404)
        return error_body(
            f"no such endpoint: {request.method} {request.url.path}; the fake serves "
            "POST /v1/chat/completions",
            "not_found",
            404,
        )

    async def _body(self, request: Request) -> dict[str, Any] | Response:
        try:
            body = json.loads(await request.body() or b"null")
        except json.JSONDecodeError as error:
            return error_body(
                f"the request body is not JSON: {error}", "invalid_request_error", 400
            )
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            return error_body(
                "expected a JSON object with a 'messages' list", "invalid_request_error", 400
            )
        return body

    async def chat_completions(self, request: Request) -> Response:
        body = await self._body(request)
        headers = dict(request.headers)
        if isinstance(body, Response):
            self.journal.record(request.method, request.url.path, headers, None, body.status_code)
            return body
        streaming = bool(body.get("stream"))
        options: dict[str, Any] = {
            k: body[k] for k in ("stop", "tools", "tool_choice", "model") if k in body
        }
        engine = self.model._engine
        messages = _messages(body)
        try:
            call, response = engine.begin("stream" if streaming else "invoke", messages, options)
        except FakesError as error:
            self.journal.record(request.method, request.url.path, headers, body, 500)
            return error_body(f"streamfakes: {error}", "script_error", 500)
        pieces = engine.pieces(response, body.get("stop"))
        completion = ChatCompletion(
            response,
            pieces,
            model=str(body.get("model") or self.model.model_name),
            call_index=call.index,
            usage=usage_of(response, pieces, sum(engine.count_tokens(m.text) for m in messages)),
        )
        fault = response.fault
        if fault is not None and (fault.after_chunks == 0 or not streaming):
            status, kind, extra = _status_of(fault.exception())
            call.error = fault.exception()
            self.journal.record(request.method, request.url.path, headers, body, status)
            reply = error_body(str(call.error), kind, status)
            reply.headers.update(extra)
            return reply
        self.journal.record(request.method, request.url.path, headers, body, 200)
        if not streaming:
            call.finished = True
            return JSONResponse(completion.message(), headers=CLOSE)
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        return StreamingResponse(
            self._stream(completion, include_usage, call, response),
            media_type="text/event-stream",
            headers=CLOSE,
        )

    async def _stream(
        self, completion: ChatCompletion, include_usage: bool, call: Any, response: Any
    ) -> AsyncIterator[bytes]:
        frames = list(completion.chunks(include_usage=include_usage))
        delays = self.model._engine.delays(response, len(frames), call.index) or []
        fault = response.fault
        # A fault after N chunks: the role frame and N content frames go out, then an
        # error frame, as providers report errors mid-stream.
        cut = fault.after_chunks + 1 if fault is not None else None
        for index, frame in enumerate(frames[:cut]):
            if index < len(delays) and delays[index]:
                await asyncio.sleep(delays[index])
            yield sse(frame)
        if fault is not None:
            error = fault.exception()
            call.error = error
            _, kind, _ = _status_of(error)
            yield sse({"error": {"message": str(error), "type": kind}})
            return
        call.finished = True
        yield sse("[DONE]")
