"""Azure OpenAI (Sweden Central) for the HR assistant: data must stay in the EU."""

from __future__ import annotations

import os

from openai import AzureOpenAI

client = AzureOpenAI(
    azure_endpoint="https://kontor-hr-oai.openai.azure.com",
    api_key=os.environ["AZURE_OPENAI_API_KEY"],
    api_version="2024-10-21",
)


def answer(question: str) -> str:
    # on Azure, "model" is the deployment name; ours are named after the model they serve
    resp = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": question}],
    )
    return resp.choices[0].message.content


def embed(texts: list[str]) -> list[list[float]]:
    resp = client.embeddings.create(model="text-embedding-3-large", input=texts)
    return [d.embedding for d in resp.data]
