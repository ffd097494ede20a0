"""The streaming scenarios of LangChain's streaming docs, built on the fakes (offline)."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForRetrieverRun,
    CallbackManagerForRetrieverRun,
)
from langchain_core.callbacks.manager import adispatch_custom_event
from langchain_core.documents import Document
from langchain_core.output_parsers import JsonOutputParser, StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough

from fakes import FakeChatModel, FakeLLM

SONG_PROMPT = "Write me a 1 verse song about goldfish on the moon"
SONG = (
    "Here is a 1 verse song about goldfish on the moon:\n\n"
    "Floating up in the starry night,\nFins a-glimmer in the pale moonlight."
)
SPARKLING = "Sparkling water, oh so clear\nBubbles dancing, without fear"
JOKE = "Why did the parrot sit on the stick? To be a polly-stick-al observer!"
COUNTRIES_PROMPT = "Output a list of the countries france, spain and japan and their populations"
COUNTRIES = (
    '{"countries": [{"name": "France", "population": 67390000}, '
    '{"name": "Spain", "population": 47350000}, {"name": "Japan", "population": 125800000}]}'
)
CONTEXT = ["mitochondria is the powerhouse of the cell", "buildings are made of brick"]


def chat_model(*responses: Any, **settings: Any) -> FakeChatModel:
    return FakeChatModel(responses=list(responses), model_name="fake-gpt", **settings)


def llm() -> FakeLLM:
    return FakeLLM(responses=[SPARKLING], model_name="fake-instruct")


def joke_chain() -> Runnable[Any, Any]:
    """prompt | model | StrOutputParser."""
    prompt = ChatPromptTemplate.from_template("Tell me a joke about {topic}")
    return prompt | chat_model(JOKE) | StrOutputParser()


def json_chain() -> Runnable[Any, Any]:
    """model | JsonOutputParser: partial objects as the JSON streams."""
    return chat_model(COUNTRIES) | JsonOutputParser()


def _extract_country_names(inputs: dict[str, Any]) -> list[str]:
    """A function on finalised input: it breaks `stream`, not the events."""
    return [country.get("name") for country in inputs.get("countries", [])]


def json_chain_with_function() -> Runnable[Any, Any]:
    return json_chain() | RunnableLambda(_extract_country_names)


class ContextRetriever(BaseRetriever):
    """Returns the docs' two documents; natively async, so no thread changes event order."""

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [Document(page_content=text, id=f"doc-{i}") for i, text in enumerate(CONTEXT, 1)]

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun
    ) -> list[Document]:
        return self._get_relevant_documents(query, run_manager=run_manager.get_sync())


def retriever() -> Runnable[Any, Any]:
    return ContextRetriever()


def _format_docs(docs: list[Document]) -> str:
    return "\n-----\n".join(doc.page_content for doc in docs)


def retrieval_chain() -> Runnable[Any, Any]:
    prompt = ChatPromptTemplate.from_template(
        "Answer the question based only on the following context:\n{context}\nQuestion: {question}"
    )
    return (
        {"context": retriever() | _format_docs, "question": RunnablePassthrough()}
        | prompt
        | chat_model("Mitochondria is the powerhouse of the cell.")
        | StrOutputParser()
    )


def named_json_chain() -> Runnable[Any, Any]:
    """The docs' filtering example: a named model, a named parser, a chain tag."""
    model = chat_model(COUNTRIES).with_config(run_name="model")
    parser = JsonOutputParser().with_config(run_name="my_parser")
    return (model | parser).with_config(tags=["my_chain"])


async def _reflect(text: str) -> str:
    await adispatch_custom_event("progress", {"step": "thinking", "percent": 50})
    await adispatch_custom_event("progress", {"step": "done", "percent": 100})
    return text.upper()


def custom_events_chain() -> Runnable[Any, Any]:
    return RunnableLambda(_reflect).with_config(run_name="reflect")
