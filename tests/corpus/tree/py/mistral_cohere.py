"""European and Canadian APIs for the multilingual search pilot."""

from __future__ import annotations

import os

import cohere
from mistralai import Mistral

mistral = Mistral(api_key=os.environ["MISTRAL_API_KEY"])
co = cohere.ClientV2(api_key=os.environ["CO_API_KEY"])


def answer(question: str, context: str) -> str:
    resp = mistral.chat.complete(
        model="mistral-large-latest",
        messages=[
            {"role": "system", "content": f"Answer only from this context:\n{context}"},
            {"role": "user", "content": question},
        ],
    )
    return resp.choices[0].message.content


def mistral_embed(texts: list[str]):
    return mistral.embeddings.create(model="mistral-embed", inputs=texts)


def ocr(document_url: str):
    return mistral.ocr.process(model="mistral-ocr-latest", document={"type": "document_url", "document_url": document_url})


def cohere_embed(texts: list[str]):
    return co.embed(
        texts=texts,
        model="embed-multilingual-v3.0",
        input_type="search_document",
        embedding_types=["float"],
    )


def cohere_rerank(query: str, docs: list[str]):
    return co.rerank(model="rerank-v3.5", query=query, documents=docs, top_n=5)


def cohere_chat(message: str) -> str:
    resp = co.chat(model="command-r-plus-08-2024", messages=[{"role": "user", "content": message}])
    return resp.message.content[0].text
