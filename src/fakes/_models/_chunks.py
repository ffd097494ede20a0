"""Turn a cut response into the LangChain chunks a well-built integration would stream."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, cast

from langchain_core.messages import AIMessageChunk
from langchain_core.messages.ai import UsageMetadata
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGenerationChunk, GenerationChunk

from .._script._cutting import Pieces
from .._script._vocabulary import Response
from ._calls import Marked, marking_last


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
    usage: Callable[[], UsageMetadata | None],
    limit: int | None = None,
) -> Iterator[Marked[ChatGenerationChunk]]:
    """The chunks of one response, each built as it is read and paired with whether it
    is the last, or only the first `limit` of them (a fault follows).

    Reasoning streams first, then text, then each tool call's fragments; the last
    chunk (a chunk of its own after tool calls) carries `chunk_position="last"`, the
    usage (asked for once every piece has been read) and the response metadata. Content
    blocks and tool calls are numbered apart: with blocks, tool calls take the indexes
    after the content blocks.
    """
    blocks = uses_blocks(response)
    plain = not (blocks or pieces.reasoning or pieces.tool_args or response.additional_kwargs)
    if plain and pieces.text:
        return _plain_text_chunks(pieces.text, message_id, last_metadata, usage, limit)
    fields = _chunk_fields(response, pieces, call_index, blocks)
    marked = (
        ((kw, False) for kw in islice(fields, limit))
        if limit is not None
        else _last_marked(fields, last_metadata, usage)
    )
    return (
        (ChatGenerationChunk(message=AIMessageChunk(id=message_id, **kw)), last)
        for kw, last in marked
    )


def _chunk_fields(
    response: Response, pieces: Pieces, call_index: int, blocks: bool
) -> Iterator[dict[str, Any]]:
    """Each chunk's message fields, in streaming order."""
    empty: str | list[Any] = [] if blocks else ""
    extra = {k: v for k, v in response.additional_kwargs.items() if k != "function_call"}
    first = True

    def emit(fields: dict[str, Any]) -> dict[str, Any]:
        nonlocal first
        if first and extra:  # the message's own additional_kwargs ride on its first chunk
            fields["additional_kwargs"] = {**fields.get("additional_kwargs", {}), **extra}
        first = False
        return fields

    for piece in pieces.reasoning:
        if blocks:
            yield emit({"content": [{"type": "reasoning", "reasoning": piece, "index": 0}]})
        else:
            yield emit({"content": "", "additional_kwargs": {"reasoning_content": piece}})
    text_index = 1 if pieces.reasoning else 0
    first_tool_index = (text_index + (1 if pieces.text else 0)) if blocks else 0
    for piece in pieces.text:
        if blocks:
            yield emit({"content": [{"type": "text", "text": piece, "index": text_index}]})
        else:
            yield emit({"content": piece})
    function_call = response.additional_kwargs.get("function_call") or {}
    for n, fragment in enumerate(pieces.function_args):
        part = {"name": function_call.get("name"), "arguments": fragment} if n == 0 else {}
        part.setdefault("arguments", fragment)
        yield emit({"content": empty, "additional_kwargs": {"function_call": part}})
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
            yield emit({"content": empty, "tool_call_chunks": [chunk]})
    if first or pieces.tool_args or pieces.function_args:
        yield emit({"content": empty})


def _last_marked(
    fields: Iterator[dict[str, Any]],
    last_metadata: dict[str, Any],
    usage: Callable[[], UsageMetadata | None],
) -> Iterator[tuple[dict[str, Any], bool]]:
    """The fields, the last with its position, metadata and usage (marked as the last)."""
    for current, last in marking_last(fields):
        if last:
            current.update(chunk_position="last", response_metadata=last_metadata)
            counted = usage()
            if counted is not None:
                current["usage_metadata"] = counted
        yield current, last


def _plain_text_chunks(
    texts: Sequence[str],
    message_id: str,
    last_metadata: dict[str, Any],
    usage: Callable[[], UsageMetadata | None],
    limit: int | None,
) -> Iterator[Marked[ChatGenerationChunk]]:
    """The common case, kept lean: plain text, one bare chunk per token."""
    if limit is not None:
        for text in islice(texts, limit):
            yield ChatGenerationChunk(message=AIMessageChunk(content=text, id=message_id)), False
        return
    for text, last in marking_last(texts):
        if not last:
            yield ChatGenerationChunk(message=AIMessageChunk(content=text, id=message_id)), False
            continue
        final = AIMessageChunk(
            content=text,
            id=message_id,
            chunk_position="last",
            response_metadata=last_metadata,
            usage_metadata=usage(),
        )
        yield ChatGenerationChunk(message=final), True


def llm_chunks(
    pieces: Pieces, *, last_info: dict[str, Any], limit: int | None = None
) -> Iterator[Marked[GenerationChunk]]:
    """The string chunks of an LLM response, built as they are read and paired with
    whether each is the last; the last carries `generation_info`."""
    texts: Iterable[str] = pieces.text if pieces.text else [""]
    if limit is not None:
        return ((GenerationChunk(text=text), False) for text in islice(texts, limit))
    return (
        (
            GenerationChunk(text=text, generation_info=last_info)
            if last
            else GenerationChunk(text=text),
            last,
        )
        for text, last in marking_last(texts)
    )
