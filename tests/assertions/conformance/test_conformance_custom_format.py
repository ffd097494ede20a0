"""The conformance suite on an integration whose provider speaks its own wire format.

`LineChat` is a made-up provider: `POST /v1/line-chat` with `{"model", "prompt",
"stream"}`, answering one `token:<text>` line per token and a closing
`done:<finish reason>:<input tokens>:<output tokens>:<model answered>` line. `LineChatFormat` is the small
adapter that lets the fake server speak it; `LineChatModel` is the integration under test.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.chat_models import generate_from_stream
from langchain_core.messages import AIMessageChunk, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult

from assertions.conformance import ChatModelStreamingSuite
from fakes import ChatRequests, FakeProviderServer, Frame, Reply, WireFormat

# -- the adapter: a script as the provider's frames ---------------------------------


class LineChatFormat(ChatRequests):
    path = "/v1/line-chat"
    media_type = "text/plain"

    def problem(self, body: Any) -> str | None:
        if not isinstance(body, dict) or not isinstance(body.get("prompt"), str):
            return "expected a JSON object with a 'prompt' string"
        return None

    def messages(self, body: dict[str, Any]) -> list[BaseMessage]:
        return [HumanMessage(body["prompt"])]

    def options(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"model": body.get("model")}

    def _done(self, reply: Reply) -> bytes:
        reason = reply.response.finish_reason or "stop"
        done = f"done:{reason}:{reply.input_tokens}:{reply.output_tokens}:{reply.model}"
        return f"{done}\n".encode()

    def frames(self, reply: Reply, body: dict[str, Any]) -> Iterator[Frame]:
        for piece in reply.pieces.text:  # cut as they are read: send as you go
            yield Frame(f"token:{json.dumps(piece)}\n".encode(), chunk=True)
        yield Frame(self._done(reply))

    def whole(self, reply: Reply) -> dict[str, Any]:
        return {"text": reply.text, "done": self._done(reply).decode().strip()}

    def error_body(self, message: str, kind: str, status: int) -> dict[str, Any]:
        return {"error": message}

    def error_frame(self, message: str, kind: str, status: int) -> bytes:
        return f"error:{json.dumps(message)}\n".encode()


# -- the integration under test ---------------------------------------------------------


class LineChatModel(BaseChatModel):
    base_url: str
    model: str = "line-1"

    @property
    def _llm_type(self) -> str:
        return "line-chat"

    def _body(self, messages: list[BaseMessage]) -> dict[str, Any]:
        return {"model": self.model, "prompt": messages[-1].text, "stream": True}

    def _chunk(self, line: str) -> ChatGenerationChunk | None:
        kind, _, rest = line.partition(":")
        if kind == "token":
            return ChatGenerationChunk(message=AIMessageChunk(content=json.loads(rest)))
        if kind == "done":
            reason, input_tokens, output_tokens, answered = rest.split(":")
            usage = {"input_tokens": int(input_tokens), "output_tokens": int(output_tokens)}
            usage["total_tokens"] = usage["input_tokens"] + usage["output_tokens"]
            return ChatGenerationChunk(
                message=AIMessageChunk(
                    content="",
                    chunk_position="last",
                    usage_metadata=usage,  # type: ignore[arg-type]
                    response_metadata={"finish_reason": reason, "model_name": answered},
                )
            )
        if kind == "error":
            raise RuntimeError(json.loads(rest))
        return None

    def _stream(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> Iterator[ChatGenerationChunk]:
        url = self.base_url + "/v1/line-chat"
        with (
            httpx.Client() as client,
            client.stream("POST", url, json=self._body(messages)) as reply,
        ):
            if reply.status_code != 200:
                raise RuntimeError(f"line-chat answered {reply.status_code}")
            for line in reply.iter_lines():
                chunk = self._chunk(line)
                if chunk is not None:
                    yield chunk

    async def _astream(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> AsyncIterator[ChatGenerationChunk]:
        url = self.base_url + "/v1/line-chat"
        async with (
            httpx.AsyncClient() as client,
            client.stream("POST", url, json=self._body(messages)) as reply,
        ):
            if reply.status_code != 200:
                raise RuntimeError(f"line-chat answered {reply.status_code}")
            async for line in reply.aiter_lines():
                chunk = self._chunk(line)
                if chunk is not None:
                    yield chunk

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        return generate_from_stream(self._stream(messages))


# -- the suite, told about both -----------------------------------------------------------


class TestLineChatConformance(ChatModelStreamingSuite):
    wire_formats: tuple[WireFormat, ...] = (LineChatFormat(),)
    has_tool_calling = False  # LineChat has no tools

    def build(self, server: FakeProviderServer) -> BaseChatModel:
        return LineChatModel(base_url=server.url)
