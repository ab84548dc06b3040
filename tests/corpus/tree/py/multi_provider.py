"""Two clients in one module: DeepSeek for drafting, OpenAI for the final review.

Both use the OpenAI SDK, so the provider is decided by the client each call is made on.
"""

from __future__ import annotations

import os

from openai import OpenAI

deepseek = OpenAI(api_key=os.environ["DEEPSEEK_API_KEY"], base_url="https://api.deepseek.com/v1")
openai_client = OpenAI()  # OPENAI_API_KEY from the environment

REVIEW_MODEL = "gpt-4o"


def draft(topic: str) -> str:
    resp = deepseek.chat.completions.create(
        model="deepseek-chat",
        messages=[{"role": "user", "content": f"Write a first draft about: {topic}"}],
    )
    return resp.choices[0].message.content


def reason(question: str) -> str:
    resp = deepseek.chat.completions.create(
        model="deepseek-reasoner",
        messages=[{"role": "user", "content": question}],
    )
    return resp.choices[0].message.content


def review(text: str) -> str:
    resp = openai_client.chat.completions.create(
        model=REVIEW_MODEL,
        messages=[
            {"role": "system", "content": "You are a strict copy editor."},
            {"role": "user", "content": text},
        ],
    )
    # log which snapshot answered, e.g. for the audit trail
    print("reviewed by", resp.model)
    return resp.choices[0].message.content


def moderate(text: str) -> bool:
    result = openai_client.moderations.create(model="omni-moderation-latest", input=text)
    return result.results[0].flagged


def embed(texts: list[str]) -> list[list[float]]:
    resp = openai_client.embeddings.create(model="text-embedding-3-small", input=texts)
    return [d.embedding for d in resp.data]
