"""How many snapshot lines a small change to a RAG-style chain changes, before and after
the noise controls. `python -m tests.assertions.noise` prints the table."""

from __future__ import annotations

import asyncio
import difflib
from collections.abc import Callable
from typing import Any

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import Runnable, RunnableLambda, RunnableParallel, RunnablePassthrough

from assertions import SnapshotOptions, acollect_events, normalize_events, render_events
from tests.assertions.scenarios import _format_docs, chat_model, retriever

PROMPT = "Answer the question based only on the following context:\n{context}\nQuestion: {question}"
QUESTION = "What is the powerhouse of the cell?"
ANSWER = "Mitochondria is the powerhouse of the cell."
CONTROLS = SnapshotOptions(name_once=True, usage="none", metadata_lines=True)
STABLE = SnapshotOptions(stable_aliases=True, name_once=True, usage="none", metadata_lines=True)
SETTINGS = {"default": SnapshotOptions(), "name_once": CONTROLS, "stable_aliases": STABLE}


def rag_chain(
    *,
    tag: bool = False,
    parser_name: str | None = None,
    question_first: bool = False,
    prompt: str = PROMPT,
) -> Runnable[Any, Any]:
    """The README-style retrieval chain, with one of the four changes switched on."""
    context = retriever() | RunnableLambda(_format_docs)
    if tag:
        context = context.with_config(tags=["context"])
    branches: dict[str, Any] = {"context": context, "question": RunnablePassthrough()}
    if question_first:
        branches = {"question": branches["question"], "context": branches["context"]}
    return (
        RunnableParallel(branches)
        | ChatPromptTemplate.from_template(prompt)
        | chat_model(ANSWER)
        | StrOutputParser().with_config(run_name=parser_name or "StrOutputParser")
    )


CHANGES: dict[str, Callable[[], Runnable[Any, Any]]] = {
    "(a) add a tag": lambda: rag_chain(tag=True),
    "(b) rename a step": lambda: rag_chain(parser_name="answer_text"),
    "(c) reorder the parallel map": lambda: rag_chain(question_first=True),
    "(d) change the prompt": lambda: rag_chain(
        prompt="Use only this context:\n{context}\nQ: {question}"
    ),
}


def snapshot_text(chain: Runnable[Any, Any], options: SnapshotOptions) -> str:
    events = asyncio.run(acollect_events(chain, QUESTION))
    return render_events(normalize_events(events, options=options), options=options)


def changed_lines(before: str, after: str) -> int:
    """Lines of the new snapshot a diff marks as changed (added or rewritten)."""
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return sum(1 for line in diff if line.startswith("+") and not line.startswith("+++"))


def figures() -> dict[str, dict[str, int]]:
    """For each change, the changed lines under each of the `SETTINGS`."""
    return {
        name: {
            setting: changed_lines(
                snapshot_text(rag_chain(), options), snapshot_text(changed(), options)
            )
            for setting, options in SETTINGS.items()
        }
        for name, changed in CHANGES.items()
    }


def table() -> str:
    """The figures as a text table, with each setting's snapshot length."""
    lines = [f"{'':30}" + "".join(f"{setting:>16}" for setting in SETTINGS)]
    sizes = [snapshot_text(rag_chain(), options).count("\n") for options in SETTINGS.values()]
    lines.append(f"{'snapshot lines':30}" + "".join(f"{size:>16}" for size in sizes))
    for name, counts in figures().items():
        lines.append(f"{name:30}" + "".join(f"{count:>16}" for count in counts.values()))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(table(), end="")
