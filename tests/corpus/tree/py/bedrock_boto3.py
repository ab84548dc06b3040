"""Amazon Bedrock in eu-central-1: Converse API for chat, InvokeModel for embeddings."""

from __future__ import annotations

import json

import boto3

bedrock = boto3.client("bedrock-runtime", region_name="eu-central-1")

CHAT_MODEL_ID = "eu.anthropic.claude-3-7-sonnet-20250219-v1:0"
EMBED_MODEL_ID = "amazon.titan-embed-text-v2:0"
FALLBACK_MODELS = [
    "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "mistral.mistral-large-2407-v1:0",
    "meta.llama3-1-70b-instruct-v1:0",
]


def chat(prompt: str, model_id: str = CHAT_MODEL_ID) -> str:
    resp = bedrock.converse(
        modelId=model_id,
        messages=[{"role": "user", "content": [{"text": prompt}]}],
        inferenceConfig={"maxTokens": 1024, "temperature": 0.2},
    )
    return resp["output"]["message"]["content"][0]["text"]


def chat_with_fallback(prompt: str) -> str:
    last = None
    for model_id in FALLBACK_MODELS:
        try:
            return chat(prompt, model_id)
        except bedrock.exceptions.ThrottlingException as exc:
            last = exc
    raise RuntimeError("all Bedrock models throttled") from last


def embed(text: str) -> list[float]:
    resp = bedrock.invoke_model(
        modelId=EMBED_MODEL_ID,
        contentType="application/json",
        accept="application/json",
        body=json.dumps({"inputText": text, "dimensions": 512}),
    )
    return json.loads(resp["body"].read())["embedding"]


def summarize_nova(text: str) -> str:
    resp = bedrock.converse(
        modelId="arn:aws:bedrock:eu-central-1:123456789012:inference-profile/eu.amazon.nova-pro-v1:0",
        messages=[{"role": "user", "content": [{"text": f"Summarise:\n{text}"}]}],
    )
    return resp["output"]["message"]["content"][0]["text"]


def rerank_cohere(query: str, docs: list[str]) -> list[int]:
    resp = bedrock.invoke_model(
        modelId="arn:aws:bedrock:eu-central-1::foundation-model/cohere.rerank-v3-5:0",
        body=json.dumps({"query": query, "documents": docs, "top_n": 5, "api_version": 2}),
    )
    return [r["index"] for r in json.loads(resp["body"].read())["results"]]
