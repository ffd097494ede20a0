"""Turn a cut response into the LangChain chunks a well-built integration would stream."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar, cast, overload

from langchain_core.messages import AIMessageChunk
from langchain_core.messages.ai import UsageMetadata
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGenerationChunk, GenerationChunk

from .._script._cutting import Pieces
from .._script._vocabulary import Response

T = TypeVar("T")


class Built(Sequence[T], Generic[T]):
    """Chunks made one by one as they are read: the first reaches the consumer before the
    last is built, and a long answer's chunks are not all held at once. Reading one twice
    makes it twice (equal, not identical)."""

    def __init__(self, parts: Sequence[Any], make: Callable[[int, Any], T]) -> None:
        self._parts, self._make = parts, make

    def __len__(self) -> int:
        return len(self._parts)

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return [self[i] for i in range(len(self))[index]]
        position = range(len(self))[index]  # IndexError as a list raises it
        return self._make(position, self._parts[position])

    def __iter__(self) -> Iterator[T]:
        make = self._make
        for position, part in enumerate(self._parts):
            yield make(position, part)


def uses_blocks(response: Response) -> bool:
    """Whether content is a list of blocks (asked for, or implied by reasoning)."""
    if response.content_format == "auto":
        return bool(response.reasoning_text)
    return response.content_format == "blocks"


def usage_metadata(scripted: Any, *, input_tokens: int, output_tokens: int) -> UsageMetadata:
    """Scripted token counts, with what is missing counted from the input and chunks."""
    usage: dict[str, Any] = {"input_tokens": input_tokens, "output_tokens": output_tokens}
    usage.update(scripted or {})
    usage.setdefault("total_tokens", usage["input_tokens"] + usage["output_tokens"])
    return cast(UsageMetadata, usage)


def chat_chunks(
    response: Response,
    pieces: Pieces,
    *,
    message_id: str,
    call_index: int,
    last_metadata: dict[str, Any],
    usage: UsageMetadata | None,
    limit: int | None = None,
) -> Sequence[ChatGenerationChunk]:
    """The chunks of one response, or only the first `limit` of them (a fault follows).

    Reasoning streams first, then text, then each tool call's fragments; the last
    chunk (a chunk of its own after tool calls) carries `chunk_position="last"`, the
    usage and the response metadata. Content blocks and tool calls are numbered apart:
    with blocks, tool calls take the indexes after the content blocks.
    """
    blocks = uses_blocks(response)
    plain = not (blocks or pieces.reasoning or pieces.tool_args or response.additional_kwargs)
    if plain and pieces.text:
        return _plain_text_chunks(pieces.text, message_id, last_metadata, usage, limit)
    empty: str | list[Any] = [] if blocks else ""
    fields: list[dict[str, Any]] = []
    for piece in pieces.reasoning:
        if blocks:
            fields.append({"content": [{"type": "reasoning", "reasoning": piece, "index": 0}]})
        else:
            fields.append({"content": "", "additional_kwargs": {"reasoning_content": piece}})
    text_index = 1 if pieces.reasoning else 0
    first_tool_index = (text_index + (1 if pieces.text else 0)) if blocks else 0
    for piece in pieces.text:
        if blocks:
            fields.append({"content": [{"type": "text", "text": piece, "index": text_index}]})
        else:
            fields.append({"content": piece})
    function_call = response.additional_kwargs.get("function_call") or {}
    for n, fragment in enumerate(pieces.function_args):
        part = {"name": function_call.get("name"), "arguments": fragment} if n == 0 else {}
        part.setdefault("arguments", fragment)
        fields.append({"content": empty, "additional_kwargs": {"function_call": part}})
    for position, (call, fragments) in enumerate(
        zip(response.tool_calls, pieces.tool_args, strict=True)
    ):
        call_id = call.id or f"call_{call_index}_{position}"
        for n, fragment in enumerate(fragments):
            head = n == 0
            chunk = tool_call_chunk(
                name=call.name if head else None,
                args=fragment,
                id=call_id if head else None,
                index=first_tool_index + position,
            )
            fields.append({"content": empty, "tool_call_chunks": [chunk]})
    if not fields or pieces.tool_args or pieces.function_args:
        fields.append({"content": empty})
    extra = {k: v for k, v in response.additional_kwargs.items() if k != "function_call"}
    if extra:
        fields[0]["additional_kwargs"] = {**fields[0].get("additional_kwargs", {}), **extra}
    if limit is not None:
        fields = fields[:limit]
    else:
        fields[-1].update(chunk_position="last", response_metadata=last_metadata)
        if usage is not None:
            fields[-1]["usage_metadata"] = usage
    return Built(
        fields, lambda _, kw: ChatGenerationChunk(message=AIMessageChunk(id=message_id, **kw))
    )


def _plain_text_chunks(
    texts: list[str],
    message_id: str,
    last_metadata: dict[str, Any],
    usage: UsageMetadata | None,
    limit: int | None,
) -> Sequence[ChatGenerationChunk]:
    """The common case, kept lean: plain text, one bare chunk per token."""
    body = texts[:limit] if limit is not None else texts
    last = len(body) - 1 if limit is None else -1

    def make(position: int, text: str) -> ChatGenerationChunk:
        if position != last:
            return ChatGenerationChunk(message=AIMessageChunk(content=text, id=message_id))
        final = AIMessageChunk(
            content=text,
            id=message_id,
            chunk_position="last",
            response_metadata=last_metadata,
            usage_metadata=usage,
        )
        return ChatGenerationChunk(message=final)

    return Built(body, make)


def llm_chunks(
    pieces: Pieces, *, last_info: dict[str, Any], limit: int | None = None
) -> Sequence[GenerationChunk]:
    """The string chunks of an LLM response; the last carries `generation_info`."""
    texts = pieces.text or [""]
    if limit is not None:
        return Built(texts[:limit], lambda _, text: GenerationChunk(text=text))
    last = len(texts) - 1

    def make(position: int, text: str) -> GenerationChunk:
        info = last_info if position == last else None
        return GenerationChunk(text=text, generation_info=info)

    return Built(texts, make)
