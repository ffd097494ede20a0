"""Load a script from YAML or JSON, validated up front, errors as `ScriptError`.

Two layers check a file: the pydantic specs here check its *shape* (known keys, JSON
types, what can only be written in a file), then the script's own checks
(`_validation`) check its *meaning* (faults within the response, ...), as for scripts
written in Python.
"""

from __future__ import annotations

import difflib
import re
import reprlib
import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from .._errors import (
    ConnectionDroppedError,
    ContentFilterError,
    MalformedFrameError,
    ProviderTimeoutError,
    RateLimitError,
    ScriptError,
    ServerError,
)
from ._reading import read_data
from ._validation import Kind, each_checked, item_problems
from ._vocabulary import Fault, Latency, Response, Rule, ToolCall

ERRORS: dict[str, Callable[[str, FaultSpec], BaseException]] = {
    "rate_limit": lambda m, f: RateLimitError(m, retry_after=f.retry_after),
    "timeout": lambda m, f: ProviderTimeoutError(m),
    "server_error": lambda m, f: ServerError(m, status_code=f.status_code or 500),
    "overloaded": lambda m, f: ServerError(m or "overloaded", status_code=f.status_code or 529),
    "content_filter": lambda m, f: ContentFilterError(m),
    "connection_dropped": lambda m, f: ConnectionDroppedError(m),
    "malformed_frame": lambda m, f: MalformedFrameError(m),
}
ErrorName = Literal[
    "rate_limit",
    "timeout",
    "server_error",
    "overloaded",
    "content_filter",
    "connection_dropped",
    "malformed_frame",
]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ToolCallSpec(_Spec):
    name: str
    args: dict[str, Any] | None = None
    id: str | None = None
    raw_args: str | None = None
    fragments: int | None = Field(default=None, ge=1)
    chunks: list[str] | None = None


class FaultSpec(_Spec):
    error: ErrorName = "server_error"
    message: str = ""
    after_chunks: int = Field(default=0, ge=0)
    retry_after: float | None = Field(default=None, ge=0)
    status_code: int | None = Field(default=None, ge=400, le=599)

    @model_validator(mode="after")
    def _keys_fit_the_error(self) -> FaultSpec:
        if self.retry_after is not None and self.error != "rate_limit":
            raise ValueError(f"retry_after goes with error: rate_limit, not {self.error}")
        if self.status_code is not None and self.error not in ("server_error", "overloaded"):
            raise ValueError(
                f"status_code goes with error: server_error or overloaded, not {self.error}"
            )
        return self


class LatencySpec(_Spec):
    ttft: float = Field(default=0.0, ge=0)
    per_chunk: float = Field(default=0.0, ge=0)
    jitter: float = Field(default=0.0, ge=0, le=1)
    seed: int = 0
    chunk_delays: list[Annotated[float, Field(ge=0)]] = []


class UsageSpec(_Spec):
    input_tokens: int | None = Field(default=None, ge=0)
    output_tokens: int | None = Field(default=None, ge=0)
    total_tokens: int | None = Field(default=None, ge=0)
    input_token_details: dict[str, int] | None = None
    output_token_details: dict[str, int] | None = None


class ResponseSpec(_Spec):
    text: str = ""
    chunks: list[str] | None = None
    reasoning: str = ""
    reasoning_chunks: list[str] | None = None
    tool_calls: list[ToolCallSpec] = []
    usage: UsageSpec | None = None
    finish_reason: str | None = None
    id: str | None = None
    content_format: Literal["auto", "text", "blocks"] = "auto"
    response_metadata: dict[str, Any] = {}
    additional_kwargs: dict[str, Any] = {}
    fault: FaultSpec | None = None
    latency: LatencySpec | None = None
    split: Any = None
    raw_chunks: list[dict[str, Any]] | None = None


# Tagged so that an error inside a response mapping is reported there, not as "not a string".
_TEXT_TAG, _MAPPING_TAG = "(text)", "(mapping)"
Item = Annotated[
    Annotated[str, Tag(_TEXT_TAG)] | Annotated[ResponseSpec, Tag(_MAPPING_TAG)],
    Discriminator(lambda value: _TEXT_TAG if isinstance(value, str) else _MAPPING_TAG),
]


_ITEM: TypeAdapter[str | ResponseSpec] = TypeAdapter(Item)


class RuleSpec(_Spec):
    contains: str | None = None
    matches: str | None = None
    bound_tool: str | None = None
    response: Item

    @model_validator(mode="after")
    def _has_a_condition(self) -> RuleSpec:
        if self.contains is None and self.matches is None and self.bound_tool is None:
            raise ValueError("give a condition: contains, matches or bound_tool")
        return self


class ScriptSpec(_Spec):
    responses: list[Item] = []
    rules: list[RuleSpec] = []
    model_name: str | None = None
    name: str | None = None
    provider: str | None = None
    ls_params: dict[str, Any] | None = None
    split: Any = "words"
    cycle: bool = False
    latency: LatencySpec | None = None
    real_time: bool = False
    report_usage: bool | Literal["scripted"] = True
    temperature: float | None = None
    max_tokens: int | None = None
    stop: list[str] | None = None


def load_script(path: str | Path, *, kind: Kind = "chat") -> dict[str, Any]:
    """Read, parse and check a script file; return keyword arguments for a fake model."""
    source = str(path)
    return script_fields(read_data(Path(path), source), source, kind=kind)


def script_fields(data: Any, source: str, *, kind: Kind = "chat") -> dict[str, Any]:
    """Check a script's parsed data (from a file, or a cassette's answers); return
    keyword arguments for a fake model. `source` names it in errors."""
    if data is None:
        raise ScriptError(
            "the file is empty; write a mapping with a 'responses' list, e.g. responses: [Hi!]",
            source=source,
        )
    if isinstance(data, list):
        data = {"responses": data}
    if not isinstance(data, dict):
        raise ScriptError(
            "expected a mapping with a 'responses' list (or a bare list of responses), "
            f"got {type(data).__name__}",
            source=source,
        )
    try:
        spec = ScriptSpec.model_validate(data)
    except ValidationError as error:
        structural = list(_script_error(error, source).problems)
        semantic = _meaning_problems(data, structural, source, kind)
        raise ScriptError.of([*structural, *semantic]) from None
    fields = spec.model_dump(exclude={"responses", "rules", "split", "latency"}, exclude_none=True)
    if kind == "llm":
        if "report_usage" in spec.model_fields_set:
            raise ScriptError(
                "report_usage is a chat model setting (an LLM reports usage in llm_output); "
                "remove it, or load the script with FakeChatModel",
                source=source,
                path="report_usage",
            )
        fields.pop("report_usage", None)
    problems: list[ScriptError] = []
    responses = each_checked(
        problems, lambda item, at: _response(item, at, source), spec.responses, "responses"
    )
    rules = each_checked(problems, lambda rule, at: _rule(rule, at, source), spec.rules, "rules")
    if problems:
        raise ScriptError.of(problems)
    fields.update(
        responses=responses,
        rules=rules,
        split=_split(spec.split, "split", source),
        latency=_latency(spec.latency),
        _source=source,
    )
    return fields


def _script_error(error: ValidationError, source: str) -> ScriptError:
    """Every validation problem, each with its path and what to do about it."""
    return ScriptError.of([_problem(problem, source) for problem in error.errors()])


def _problem(first: Any, source: str) -> ScriptError:
    loc = tuple(part for part in first["loc"] if not _is_union_tag(part))
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    kind, given = first["type"], first.get("input")
    # Never the whole value: an aliased one may be huge.
    got = f"got {type(given).__name__}: {_preview(given)}"
    if kind == "extra_forbidden":
        message = f"unknown key {loc[-1]!r}; {_did_you_mean(loc)}({_keys(loc[:-1])})"
    elif kind == "missing":
        message = "this field is required; add it"
    elif kind == "model_type":
        text = " or a string of text" if first["loc"][-1] == _MAPPING_TAG else ""
        message = f"expected a mapping{text} ({_keys(loc)}), {got}"
    elif kind == "dict_type":
        example = ", e.g. {city: Paris}" if loc[-1] == "args" else ""
        message = f"expected a mapping{example}, {got}"
    elif kind == "value_error":
        message = str(first["msg"]).removeprefix("Value error, ")
    else:
        message = f"{first['msg']} (got {_preview(given)})"
    return ScriptError(message, source=source, path=path)


def _meaning_problems(
    data: dict[str, Any], found: Sequence[ScriptError], source: str, kind: Kind
) -> list[ScriptError]:
    """The semantic problems of the responses that are well formed, beside the structural
    problems `found` in the others: every problem of a file in one pass."""
    items = data.get("responses")
    if not isinstance(items, list):
        return []
    broken = {p.path.split("]", 1)[0] + "]" for p in found if p.path.startswith("responses[")}
    readable = []
    for index, item in enumerate(items):
        path = f"responses[{index}]"
        if path in broken:
            continue
        try:
            spec = _ITEM.validate_python(item)
            readable.append((index, _response(spec, path, source)))
        except (ValidationError, ScriptError):
            continue  # reported structurally already, or by the model when it is built
    return item_problems(readable, source=source, kind=kind)


def _did_you_mean(loc: tuple[Any, ...]) -> str:
    model = _model_at(loc[:-1])
    close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields) if model else [], 1)
    return f"did you mean {close[0]!r}? " if close else "remove it or fix its spelling "


def _preview(value: Any, width: int = 80) -> str:
    text = reprlib.repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _keys(loc: tuple[Any, ...]) -> str:
    """The keys allowed at a place in the file, for error messages."""
    model = _model_at(loc)
    if model is None:
        return "see docs/fakes.md, 'Script files'"
    return "allowed: " + ", ".join(model.model_fields)


def _is_union_tag(part: Any) -> bool:
    return part in (_TEXT_TAG, _MAPPING_TAG)


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    model: type[BaseModel] = ScriptSpec
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        found = _find_model(field.annotation) if field else None
        if found is None:
            return None
        model = found
    return model


def _find_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _find_model(arg)
        if found is not None:
            return found
    return None


def _split(value: Any, path: str, source: str) -> Any:
    if isinstance(value, dict):  # {regex: "..."}; other values are checked by splitter()
        if set(value) != {"regex"}:
            raise ScriptError(
                "a split mapping takes exactly one key, regex: {regex: '\\\\w+|\\\\W'}",
                source=source,
                path=path,
            )
        if not isinstance(value["regex"], str):
            raise ScriptError(
                f"regex must be a string, got {value['regex']!r}", source=source, path=path
            )
        try:
            return re.compile(value["regex"])
        except re.error as error:
            raise ScriptError(f"invalid regex: {error}", source=source, path=path) from None
    return value


def _latency(spec: LatencySpec | None) -> Latency | None:
    if spec is None:
        return None
    return Latency(**{**spec.model_dump(), "chunk_delays": tuple(spec.chunk_delays)})


def _response(item: str | ResponseSpec, path: str, source: str) -> str | Response:
    if isinstance(item, str):
        return item
    fault = None
    if item.fault is not None:
        spec = item.fault
        fault = Fault(error=ERRORS[spec.error](spec.message, spec), after_chunks=spec.after_chunks)
    return Response(
        text=item.text,
        chunks=item.chunks,
        reasoning=item.reasoning,
        reasoning_chunks=item.reasoning_chunks,
        tool_calls=[ToolCall(**call.model_dump()) for call in item.tool_calls],
        usage=item.usage.model_dump(exclude_none=True) if item.usage else None,
        finish_reason=item.finish_reason,
        id=item.id,
        content_format=item.content_format,
        response_metadata=item.response_metadata,
        additional_kwargs=item.additional_kwargs,
        fault=fault,
        latency=_latency(item.latency),
        split=_split(item.split, f"{path}.split", source),
        raw_chunks=item.raw_chunks,
    )


def _rule(spec: RuleSpec, path: str, source: str) -> Rule:
    return Rule(
        contains=spec.contains,
        matches=spec.matches,
        bound_tool=spec.bound_tool,
        response=_response(spec.response, f"{path}.response", source),
    )
