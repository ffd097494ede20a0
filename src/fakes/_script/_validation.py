"""Check a script up front, so a bad one fails at construction, never mid-test."""

from __future__ import annotations

import json
import math
import re
import reprlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal, TypeVar

from langchain_core.messages import AIMessage, BaseMessage
from pydantic import ValidationError

from .._errors import ScriptError
from . import _recorded as raw
from ._cutting import chunk_count, streams_at_least
from ._splitting import BACKTRACKS, Split, nested_repeat, splitter
from ._vocabulary import Fault, Latency, Response, Rule, ScriptItem, ToolCall

Kind = Literal["chat", "llm"]
T = TypeVar("T")

USAGE_KEYS = frozenset(
    {"input_tokens", "output_tokens", "total_tokens", "input_token_details", "output_token_details"}
)


class _Checker:
    """Validates one script; every error names `source` and the field's path."""

    def __init__(self, *, split: Split, source: str, kind: Kind) -> None:
        self.source = source
        self.kind = kind
        self.split = splitter(split, source=source)

    def fail(self, path: str, message: str) -> ScriptError:
        return ScriptError(message, source=self.source, path=path)

    def expect(self, value: object, kinds: type | tuple[type, ...], path: str, what: str) -> None:
        """Fail unless `value` is one of `kinds` (bool never passes for int)."""
        if isinstance(value, kinds) and not (isinstance(value, bool) and bool not in _tuple(kinds)):
            return
        raise self.fail(path, f"expected {what}, got {type(value).__name__}: {short(value)}")

    def sequence(self, value: object, path: str, what: str) -> Sequence[Any]:
        """A list or tuple (a lone string or object is a common slip, e.g. chunks="abc")."""
        if isinstance(value, (list, tuple)):
            return value
        raise self.fail(
            path, f"expected a list of {what}, got {type(value).__name__}: {short(value)}"
        )

    def item(self, item: object, path: str) -> Response:
        if isinstance(item, str):
            return Response(text=item)
        if isinstance(item, Fault):
            self.fault(item, path)
            if item.after_chunks:
                raise self.fail(
                    f"{path}.after_chunks",
                    f"a Fault on its own fails before any chunk, so after_chunks must be 0 "
                    f"(got {item.after_chunks}); to fail mid-stream use "
                    "Response(text=..., fault=Fault(after_chunks=N))",
                )
            return Response(fault=item)
        if isinstance(item, Response):
            self.response(item, path)
            return item
        if isinstance(item, BaseMessage):
            return self.message(item, path)
        if callable(item) and not isinstance(item, type):
            return Response(function=item)
        raise self.fail(
            path,
            "expected a string, Response, Fault, AIMessage or a function of (input, "
            f"options), got {type(item).__name__}: {short(item)}",
        )

    def message(self, message: BaseMessage, path: str) -> Response:
        """An `AIMessage` / `AIMessageChunk`, as the `Response` that streams it."""
        if not isinstance(message, AIMessage):
            raise self.fail(
                path,
                f"expected the model's answer as an AIMessage or AIMessageChunk, got "
                f"{type(message).__name__}",
            )
        if self.kind == "llm":
            raise self.fail(path, "an LLM streams plain strings; give the text, not a message")
        text, reasoning = [], []
        blocks = message.content if isinstance(message.content, list) else [message.content]
        for i, block in enumerate(blocks):
            where = f"{path}.content[{i}]" if isinstance(message.content, list) else path
            kind = block.get("type") if isinstance(block, dict) else "text"
            if isinstance(block, str):
                text.append(block)
            elif kind == "text":
                text.append(str(block.get("text", "")))
            elif kind in ("reasoning", "thinking"):
                reasoning.append(str(block.get(kind, "")))
            else:
                raise self.fail(
                    where,
                    f"a {kind!r} content block cannot be streamed from a message; script "
                    "the chunks field by field with Response(raw_chunks=[...]) instead",
                )
        calls = [ToolCall(c["name"], c["args"], id=c.get("id")) for c in message.tool_calls]
        for i, bad in enumerate(message.invalid_tool_calls):
            if not bad.get("name"):
                raise self.fail(f"{path}.invalid_tool_calls[{i}]", "a tool call needs a name")
            calls.append(
                ToolCall(str(bad["name"]), raw_args=bad.get("args") or "", id=bad.get("id"))
            )
        metadata = dict(message.response_metadata)
        response = Response(
            text="".join(text),
            reasoning="".join(reasoning),
            tool_calls=calls,
            usage=dict(message.usage_metadata) if message.usage_metadata else None,
            finish_reason=metadata.get("finish_reason"),
            id=message.id,
            content_format="blocks" if isinstance(message.content, list) else "text",
            response_metadata=metadata,
            additional_kwargs=dict(message.additional_kwargs),
        )
        self.response(response, path)
        return response

    def response(self, response: Response, path: str) -> None:
        self.expect(response.text, str, f"{path}.text", "a string")
        self.expect(response.reasoning, str, f"{path}.reasoning", "a string")
        self.strings(response.chunks, f"{path}.chunks", path, other=("text", response.text))
        self.strings(
            response.reasoning_chunks,
            f"{path}.reasoning_chunks",
            path,
            other=("reasoning", response.reasoning),
        )
        if response.raw_chunks is not None:
            self.raw_chunks(response, path)
        for name in ("finish_reason", "id"):
            self.expect(getattr(response, name), (str, type(None)), f"{path}.{name}", "a string")
        self.expect(response.response_metadata, Mapping, f"{path}.response_metadata", "a mapping")
        self.additional_kwargs(response, path)
        if response.function is not None:
            self.function(response, path)
        split = self.split
        if response.split is not None:
            split = splitter(response.split, source=self.source, path=f"{path}.split")
        if response.content_format not in ("auto", "text", "blocks"):
            raise self.fail(
                f"{path}.content_format",
                f"expected 'auto', 'text' or 'blocks', got {short(response.content_format)}",
            )
        if self.kind == "llm":
            self.llm_response(response, path)
        tool_calls = self.sequence(response.tool_calls, f"{path}.tool_calls", "ToolCall(...)")
        for i, call in enumerate(tool_calls):
            self.tool_call(call, f"{path}.tool_calls[{i}]")
        if response.usage is not None:
            self.usage(response.usage, f"{path}.usage")
        if response.latency is not None:
            self.latency(response.latency, f"{path}.latency")
        if response.fault is not None:
            self.fault(response.fault, f"{path}.fault")
            # after_chunks == count: every chunk arrived, the end of the stream did not.
            # Counted only that far: building a model does not split a long answer whole.
            if not streams_at_least(response, split, response.fault.after_chunks):
                count = chunk_count(response, split)
                raise self.fail(
                    f"{path}.fault.after_chunks",
                    f"this response streams {count} chunk(s), so a fault must come after "
                    f"0 to {count} of them (got {response.fault.after_chunks}); "
                    "lower after_chunks or lengthen the response",
                )

    def additional_kwargs(self, response: Response, path: str) -> None:
        where = f"{path}.additional_kwargs"
        self.expect(response.additional_kwargs, Mapping, where, "a mapping")
        if response.additional_kwargs and self.kind == "llm":
            raise self.fail(where, "an LLM streams plain strings and has no additional_kwargs")
        call = response.additional_kwargs.get("function_call")
        if call is not None and not (
            isinstance(call, Mapping)
            and isinstance(call.get("name"), str)
            and isinstance(call.get("arguments", ""), str)
        ):
            raise self.fail(
                f"{where}.function_call",
                f"expected {{'name': str, 'arguments': str}}, got {call!r}",
            )

    def function(self, response: Response, path: str) -> None:
        """A response function computes the whole answer: nothing else shapes it."""
        if not callable(response.function):
            raise self.fail(f"{path}.function", f"expected a callable, got {response.function!r}")
        blank = Response(function=response.function)
        for name in ("text", "chunks", "reasoning", "reasoning_chunks", "tool_calls", "usage"):
            if getattr(response, name) != getattr(blank, name):
                raise self.fail(
                    f"{path}.{name}",
                    "a response function computes the answer, so give the "
                    f"{name} in what it returns, not beside it",
                )

    def computed(self, result: object, path: str) -> Response:
        """What a response function returned, checked like a scripted item."""
        if (
            isinstance(result, Fault)
            or (isinstance(result, Response) and result.function is not None)
            or (callable(result) and not isinstance(result, (Response, BaseMessage)))
        ):
            raise self.fail(
                path,
                f"a response function must return text, a Response or an AIMessage, got {result!r}",
            )
        return self.item(result, path)

    def strings(self, chunks: object, path: str, parent: str, *, other: tuple[str, str]) -> None:
        """Exact chunks: a list of strings, given instead of the whole text."""
        if chunks is None:
            return
        name, text = other
        if text:
            raise self.fail(parent, f"give either {name} or {path.rsplit('.', 1)[-1]}, not both")
        for i, chunk in enumerate(self.sequence(chunks, path, "strings")):
            self.expect(chunk, str, f"{path}[{i}]", "a string")

    def raw_chunks(self, response: Response, path: str) -> None:
        """Recorded chunks replace every field that shapes the chunks."""
        shaping = {
            "text": response.text,
            "chunks": response.chunks is not None,
            "reasoning": response.reasoning,
            "reasoning_chunks": response.reasoning_chunks is not None,
            "tool_calls": bool(response.tool_calls),
            "usage": response.usage is not None,
            "finish_reason": response.finish_reason is not None,
            "id": response.id is not None,
            "response_metadata": bool(response.response_metadata),
            "additional_kwargs": bool(response.additional_kwargs),
            "function": response.function is not None,
            "split": response.split is not None,
        }
        for name, given in shaping.items():
            if given:
                raise self.fail(
                    f"{path}.{name}",
                    f"raw_chunks replay the chunks field by field, so {name} has no effect "
                    "beside them; put it in the chunks, or drop raw_chunks",
                )
        chunks = self.sequence(response.raw_chunks, f"{path}.raw_chunks", "chunk mappings")
        allowed = raw.LLM_FIELDS if self.kind == "llm" else raw.CHAT_FIELDS
        build = raw.llm_chunks if self.kind == "llm" else raw.chat_chunks
        for i, chunk in enumerate(chunks):
            where = f"{path}.raw_chunks[{i}]"
            if not isinstance(chunk, Mapping):
                raise self.fail(where, f"expected a mapping of chunk fields, got {short(chunk)}")
            for key in chunk:
                if key not in allowed:
                    raise self.fail(
                        f"{where}.{key}",
                        f"not a {self.kind} chunk field; allowed: {', '.join(sorted(allowed))}",
                    )
            try:
                build([chunk])
            except ValidationError as error:
                first = error.errors()[0]
                loc = "".join(
                    f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"]
                )
                # pydantic names the union branch it tried last ("content.str"): not a key.
                loc = re.sub(r"\.(str|list\[.*?\]|dict\[.*?\])$", "", loc)
                raise self.fail(
                    where + loc,
                    f"{first['msg'].lower()}, got {short(first.get('input'))}; fix the value "
                    f"(see the {self.kind} chunk fields in docs/fakes.md) or record it again",
                ) from None
            except (ValueError, TypeError) as error:
                problem = str(error).splitlines()
                raise self.fail(where, f"not a valid chunk: {' '.join(problem[:3])}") from None

    def llm_response(self, response: Response, path: str) -> None:
        """An LLM's output is one plain string: no message-only fields."""
        message_only = {
            "tool_calls": bool(response.tool_calls),
            "reasoning": bool(response.reasoning),
            "id": response.id is not None,
            "content_format": response.content_format != "auto",
        }
        for name, given in message_only.items():
            if given:
                raise self.fail(
                    f"{path}.{name}",
                    f"an LLM streams plain strings and has no {name}; "
                    "use FakeChatModel for messages",
                )

    def tool_call(self, call: ToolCall, path: str) -> None:
        if not isinstance(call, ToolCall):
            raise self.fail(path, f"expected ToolCall(name, args), got {short(call)}")
        if not isinstance(call.name, str) or not call.name:
            raise self.fail(f"{path}.name", "a tool call needs a non-empty name")
        self.expect(call.id, (str, type(None)), f"{path}.id", "a string")
        self.expect(call.raw_args, (str, type(None)), f"{path}.raw_args", "a string")
        given = [name for name in ("args", "raw_args", "chunks") if getattr(call, name) is not None]
        if len(given) > 1:
            raise self.fail(
                path,
                f"give one of args (a mapping), raw_args (exact text) or chunks (exact "
                f"fragments), not {' and '.join(given)}",
            )
        if call.chunks is not None:
            for i, chunk in enumerate(self.sequence(call.chunks, f"{path}.chunks", "strings")):
                self.expect(chunk, str, f"{path}.chunks[{i}]", "a string")
        if call.args is not None:
            if not isinstance(call.args, Mapping):
                raise self.fail(f"{path}.args", f"expected a mapping, got {short(call.args)}")
            try:
                json.dumps(dict(call.args))
            except (TypeError, ValueError) as error:
                raise self.fail(f"{path}.args", f"must be JSON-serialisable: {error}") from None
        if call.fragments is not None and (
            isinstance(call.fragments, bool)
            or not isinstance(call.fragments, int)
            or call.fragments < 1
        ):
            raise self.fail(
                f"{path}.fragments", f"must be an int >= 1, got {short(call.fragments)}"
            )

    def usage(self, usage: Mapping[str, Any], path: str) -> None:
        if not isinstance(usage, Mapping):
            raise self.fail(path, f"expected a mapping of token counts, got {short(usage)}")
        for key, value in usage.items():
            if key not in USAGE_KEYS:
                allowed = ", ".join(sorted(USAGE_KEYS))
                raise self.fail(f"{path}.{key}", f"unknown usage key; allowed: {allowed}")
            if not key.endswith("_details"):
                self.token_count(value, f"{path}.{key}")
                continue
            if not isinstance(value, Mapping):
                raise self.fail(
                    f"{path}.{key}", f"expected a mapping of token counts, got {short(value)}"
                )
            for name, count in value.items():
                self.token_count(count, f"{path}.{key}.{name}")

    def token_count(self, value: object, path: str) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(path, f"must be a whole number >= 0, got {short(value)}")

    def seconds(self, value: object, path: str) -> None:
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or value < 0
        ):
            raise self.fail(path, f"must be a finite number >= 0, got {short(value)}")

    def latency(self, latency: Latency, path: str) -> None:
        if not isinstance(latency, Latency):
            raise self.fail(path, f"expected Latency(...), got {short(latency)}")
        for name in ("ttft", "per_chunk", "jitter"):
            self.seconds(getattr(latency, name), f"{path}.{name}")
        self.expect(latency.seed, int, f"{path}.seed", "a whole number")
        delays = self.sequence(latency.chunk_delays, f"{path}.chunk_delays", "numbers")
        for i, delay in enumerate(delays):
            self.seconds(delay, f"{path}.chunk_delays[{i}]")
        if latency.jitter > 1:
            raise self.fail(f"{path}.jitter", f"must be between 0 and 1, got {latency.jitter}")

    def fault(self, fault: Fault, path: str) -> None:
        if not isinstance(fault, Fault):
            raise self.fail(path, f"expected Fault(error=..., after_chunks=N), got {short(fault)}")
        if isinstance(fault.after_chunks, bool) or not isinstance(fault.after_chunks, int):
            raise self.fail(f"{path}.after_chunks", "must be a whole number")
        if fault.after_chunks < 0:
            raise self.fail(f"{path}.after_chunks", f"must be >= 0, got {fault.after_chunks}")
        error = fault.error
        is_exception_class = isinstance(error, type) and issubclass(error, BaseException)
        if error is not None and not is_exception_class and not isinstance(error, BaseException):
            raise self.fail(f"{path}.error", f"expected an exception, got {short(error)}")
        if is_exception_class:
            try:
                error()  # type: ignore[operator,misc]
            except Exception as problem:
                name = error.__name__  # type: ignore[union-attr]
                raise self.fail(
                    f"{path}.error",
                    f"{name} cannot be raised without arguments ({problem}); pass an "
                    f"instance instead, e.g. Fault(error={name}(...))",
                ) from None

    def rule(self, rule: object, path: str) -> Rule:
        if not isinstance(rule, Rule):
            raise self.fail(path, f"expected Rule(contains=..., response=...), got {short(rule)}")
        conditions = ("contains", "matches", "when", "bound_tool")
        if all(getattr(rule, name) is None for name in conditions):
            raise self.fail(path, "give a condition: contains, matches, when or bound_tool")
        for name in ("contains", "bound_tool"):
            self.expect(getattr(rule, name), (str, type(None)), f"{path}.{name}", "a string")
        self.expect(rule.matches, (str, re.Pattern, type(None)), f"{path}.matches", "a regex")
        if rule.matches is not None:
            try:
                compiled = re.compile(rule.matches)
            except re.error as error:
                raise self.fail(f"{path}.matches", f"invalid regex: {error}") from None
            if nested_repeat(compiled):
                raise self.fail(f"{path}.matches", BACKTRACKS.format(compiled.pattern))
        if rule.when is not None and not callable(rule.when):
            raise self.fail(f"{path}.when", "must be a callable taking the input")
        response = self.item(rule.response, f"{path}.response")
        return replace(rule, response=response)


_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 60


def short(value: object) -> str:
    """A value as messages show it: never whole (an aliased value may be huge)."""
    return _SHORT.repr(value)


def _tuple(kinds: type | tuple[type, ...]) -> tuple[type, ...]:
    return kinds if isinstance(kinds, tuple) else (kinds,)


def computed_response(
    result: object, path: str, *, split: Split, source: str = "script", kind: Kind = "chat"
) -> Response:
    """What a response function returned, as a checked `Response`; `ScriptError` if it
    is not text, a `Response` or an `AIMessage`."""
    return _Checker(split=split, source=source, kind=kind).computed(result, path)


def checked_script(
    responses: Sequence[ScriptItem],
    rules: Sequence[Rule],
    *,
    split: Split,
    latency: Latency | None,
    source: str = "script",
    kind: Kind = "chat",
) -> tuple[tuple[Response, ...], tuple[Rule, ...]]:
    """Normalise and validate a script; raise one `ScriptError` naming every response or
    rule that has a problem (the first problem of each)."""
    checker = _Checker(split=split, source=source, kind=kind)
    if isinstance(responses, (str, bytes)) or not isinstance(responses, Sequence):
        raise checker.fail("responses", "expected a list of responses, e.g. ['Hello!']")
    if isinstance(rules, (str, bytes)) or not isinstance(rules, Sequence):
        raise checker.fail("rules", "expected a list of Rule(...)")
    if not responses and not rules:
        raise checker.fail("responses", "the script is empty; give at least one response or rule")
    if latency is not None:
        checker.latency(latency, "latency")
    problems: list[ScriptError] = []
    items = each_checked(problems, checker.item, responses, "responses")
    checked_rules = each_checked(problems, checker.rule, rules, "rules")
    if problems:
        raise ScriptError.of(problems)
    return tuple(items), tuple(checked_rules)


def item_problems(
    items: Sequence[tuple[int, ScriptItem]], *, source: str, kind: Kind
) -> list[ScriptError]:
    """What each of these responses means wrongly (a fault past its chunks, text and
    chunks both given...), at its own index: checked beside a file's structural problems,
    so that one pass reports them all."""
    checker = _Checker(split="words", source=source, kind=kind)  # the models' default
    problems: list[ScriptError] = []
    for index, item in items:
        try:
            checker.item(item, f"responses[{index}]")
        except ScriptError as problem:
            problems.extend(problem.problems)
    return problems


def each_checked(
    problems: list[ScriptError], check: Callable[[Any, str], T], values: Sequence[Any], name: str
) -> list[T]:
    """Check every value, collecting the problems instead of stopping at the first."""
    checked = []
    for i, value in enumerate(values):
        try:
            checked.append(check(value, f"{name}[{i}]"))
        except ScriptError as problem:
            problems.extend(problem.problems)
    return checked
