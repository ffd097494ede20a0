"""Read OpenAI's chat completions and legacy completions back into a `Response`."""

from __future__ import annotations

from typing import Any

from .._script._vocabulary import Response, ToolCall
from ._frames import (
    EventStream,
    as_mapping,
    as_optional_text,
    as_text,
    token_counts,
    usage_counts,
    whole,
    with_details,
)


class _OpenAIStream(EventStream):
    """What OpenAI's two streamed formats share: `data:` frames, `[DONE]`, usage, errors."""

    def _event(self, event: str, data: str, at: float) -> None:
        if data == "[DONE]":
            self.complete = True
            return
        payload = self._payload(data)
        if payload is None:
            return
        # Groq puts it in `x_groq`; Perplexity's running totals end with the whole.
        usage = payload.get("usage") or as_mapping(payload.get("x_groq")).get("usage")
        if isinstance(usage, dict):
            self._draft.usage = _openai_usage(usage)
        self._draft.metadata.update(_extras(payload))
        choices = payload.get("choices")
        # Only the first choice: a script answers with one message (n=1; a cassette
        # keeps every choice, replaying the frames as they came).
        choice = as_mapping(choices[0]) if isinstance(choices, list) and choices else {}
        if choice.get("index", 0) != 0:
            return
        if self._choice(choice):
            self._draft.times.append(at)
        _add_logprobs(self._draft.metadata, choice.get("logprobs"))
        if isinstance(choice.get("finish_reason"), str):
            self._draft.finish_reason = choice["finish_reason"]

    def _choice(self, choice: dict[str, Any]) -> bool:
        """Read one choice; whether it carried tokens."""
        raise NotImplementedError


class ChatCompletionsStream(_OpenAIStream):
    """`/v1/chat/completions`: content, tool-call fragments (grouped by `index`), and the
    `reasoning_content` some OpenAI-compatible servers stream."""

    def _choice(self, choice: dict[str, Any]) -> bool:
        delta = as_mapping(choice.get("delta"))
        # The first delta's `content: ""` (beside the role) carries no token.
        content, thinking = _content(delta.get("content"))
        reasoning = as_text(delta.get("reasoning_content") or delta.get("reasoning")) or thinking
        calls = delta.get("tool_calls")
        calls = calls if isinstance(calls, list) else []
        if content:
            self._draft.chunks.append(content)
        if reasoning:
            self._draft.reasoning.append(reasoning)
        for call in calls:
            self._tool_delta(as_mapping(call))
        return bool(content or reasoning or calls)

    def _tool_delta(self, delta: dict[str, Any]) -> None:
        function = as_mapping(delta.get("function"))
        index = delta.get("index")
        if not isinstance(index, int):
            # Servers that leave out `index`: a new id starts a call, else the last goes on.
            last = max(self._draft.calls, default=-1)
            index = last + 1 if delta.get("id") or last < 0 else last
        call = self._draft.call(index, function.get("name"), delta.get("id"))
        # Even an empty fragment is kept: it is a frame, with a time, of its own.
        call.fragments.append(as_text(function.get("arguments")))


class CompletionsStream(_OpenAIStream):
    """`/v1/completions`: the legacy API streams `choices[0].text`."""

    def _choice(self, choice: dict[str, Any]) -> bool:
        text = as_text(choice.get("text"))
        if text:
            self._draft.chunks.append(text)
        return bool(text)


def _content(content: Any) -> tuple[str, str]:
    """The text and the reasoning of a content string, or of Mistral's content blocks
    (`text`, and `thinking` holding text blocks)."""
    if not isinstance(content, list):
        return as_text(content), ""
    text, thinking = [], []
    for block in map(as_mapping, content):
        if block.get("type") == "thinking":
            parts = block.get("thinking")
            parts = parts if isinstance(parts, list) else [{"text": parts}]
            thinking += [as_text(as_mapping(part).get("text")) for part in parts]
        else:
            text.append(as_text(block.get("text")))
    return "".join(text), "".join(thinking)


def whole_chat(body: dict[str, Any]) -> Response:
    choice = _first_choice(body)
    message = as_mapping(choice.get("message"))
    calls = message.get("tool_calls")
    text, thinking = _content(message.get("content"))
    return whole(
        body,
        text=text,
        reasoning=as_text(message.get("reasoning_content") or message.get("reasoning")) or thinking,
        tool_calls=[_openai_call(as_mapping(c)) for c in calls] if isinstance(calls, list) else [],
        usage=_openai_usage(body["usage"]) if isinstance(body.get("usage"), dict) else None,
        finish_reason=choice.get("finish_reason"),
        metadata=_add_logprobs(_extras(body), choice.get("logprobs")),
    )


# What ChatOpenAI reports in `response_metadata` from the top of each chunk or body.
_EXTRAS = ("system_fingerprint", "service_tier")


def _extras(payload: dict[str, Any]) -> dict[str, Any]:
    return {key: payload[key] for key in _EXTRAS if payload.get(key) is not None}


def _add_logprobs(metadata: dict[str, Any], logprobs: Any) -> dict[str, Any]:
    """A choice's token logprobs added to `metadata["logprobs"]["content"]`, in order,
    as ChatOpenAI's merged chunks hold them."""
    tokens = logprobs.get("content") if isinstance(logprobs, dict) else None
    if isinstance(tokens, list) and tokens:
        metadata.setdefault("logprobs", {"content": []})["content"].extend(tokens)
    return metadata


def _openai_call(call: dict[str, Any]) -> ToolCall:
    function = as_mapping(call.get("function"))
    return ToolCall(
        as_text(function.get("name")),
        id=as_optional_text(call.get("id")),
        raw_args=as_text(function.get("arguments")),  # exactly as sent
    )


def whole_completion(body: dict[str, Any]) -> Response:
    choice = _first_choice(body)
    return whole(
        body,
        text=as_text(choice.get("text")),
        usage=_openai_usage(body["usage"]) if isinstance(body.get("usage"), dict) else None,
        finish_reason=choice.get("finish_reason"),
    )


def _first_choice(body: dict[str, Any]) -> dict[str, Any]:
    choices = body.get("choices")
    return as_mapping(choices[0]) if isinstance(choices, list) and choices else {}


def _openai_usage(usage: dict[str, Any]) -> dict[str, Any]:
    """OpenAI's counts, as langchain-openai reports them."""
    counts = token_counts(usage, {"input": "prompt_tokens", "output": "completion_tokens"})
    prompt = as_mapping(usage.get("prompt_tokens_details"))
    completion = as_mapping(usage.get("completion_tokens_details"))
    return with_details(
        usage_counts(counts.get("input", 0), counts.get("output", 0), usage.get("total_tokens")),
        token_counts(prompt, {"cache_read": "cached_tokens", "audio": "audio_tokens"}),
        token_counts(completion, {"reasoning": "reasoning_tokens", "audio": "audio_tokens"}),
    )
