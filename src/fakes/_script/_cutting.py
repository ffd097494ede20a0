"""A response cut into the strings each chunk carries, before any LangChain object exists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ._splitting import Splitter
from ._vocabulary import Response, ToolCall


@dataclass(frozen=True)
class Pieces:
    """The strings of a response's chunks, in streaming order: reasoning, text, tool calls."""

    reasoning: list[str]
    text: list[str]
    tool_args: list[list[str]]
    """Per tool call, its argument fragments; the first chunk also carries name and id."""
    function_args: list[str] = field(default_factory=list)
    """A legacy `function_call`'s argument fragments (from `additional_kwargs`)."""

    @property
    def tokens(self) -> int:
        """How many chunks carry content: the output tokens, as far as usage is counted."""
        calls = sum(map(len, self.tool_args)) + len(self.function_args)
        return len(self.reasoning) + len(self.text) + calls

    @property
    def count(self) -> int:
        """How many chunks the response streams in all.

        After tool calls comes a chunk of its own with the finish reason and usage (as
        providers send it), so that the last argument fragment is not read on its own
        as a whole tool call. An empty response still sends one chunk.
        """
        if self.tool_args or self.function_args:
            return self.tokens + 1
        return max(self.tokens, 1)


def argument_fragments(call: ToolCall, split: Splitter) -> list[str]:
    """The exact `call.chunks`, the argument text in `call.fragments` near-equal pieces,
    or tokenizer-like pieces."""
    if call.chunks is not None:
        return list(call.chunks) or [""]
    text = call.arguments_json()
    if call.fragments is None:
        return split(text) or [""]
    count = min(call.fragments, max(len(text), 1))
    size, extra = divmod(len(text), count)
    fragments, start = [], 0
    for i in range(count):
        end = start + size + (1 if i < extra else 0)
        fragments.append(text[start:end])
        start = end
    return fragments


def chunk_count(response: Response, split: Splitter) -> int:
    """How many chunks a response streams: its recorded chunks, or its cut pieces."""
    if response.raw_chunks is not None:
        return len(response.raw_chunks)
    return cut(response, split).count


def cut(response: Response, split: Splitter, stop: Sequence[str] | None = None) -> Pieces:
    """Cut a response into chunk strings; the text ends before the first stop sequence."""
    text = list(response.chunks) if response.chunks is not None else split(response.text)
    if stop:
        text = truncate_at_stop(text, stop)
    reasoning = response.reasoning_chunks
    function_call = response.additional_kwargs.get("function_call")
    return Pieces(
        reasoning=list(reasoning) if reasoning is not None else split(response.reasoning),
        text=text,
        tool_args=[argument_fragments(call, split) for call in response.tool_calls],
        function_args=(split(function_call.get("arguments", "")) or [""]) if function_call else [],
    )


def truncate_at_stop(chunks: list[str], stop: Sequence[str]) -> list[str]:
    """The chunks up to (not including) the first stop sequence, as providers stop.

    >>> truncate_at_stop(["Hello", " world", ".", " Bye"], ["."])
    ['Hello', ' world']
    >>> truncate_at_stop(["ab", "cd"], ["c"])
    ['ab']
    """
    text = "".join(chunks)
    found = [text.find(s) for s in stop if s and s in text]
    if not found:
        return chunks
    end, kept, used = min(found), [], 0
    for chunk in chunks:
        if used + len(chunk) > end:
            if end > used:
                kept.append(chunk[: end - used])
            break
        kept.append(chunk)
        used += len(chunk)
    return kept
