"""One gateway for every team: LiteLLM with per-feature routing and fallbacks."""

from __future__ import annotations

import os

import litellm
from litellm import Router, completion, embedding

litellm.drop_params = True

ROUTER = Router(
    model_list=[
        {
            "model_name": "chat-default",
            "litellm_params": {"model": "deepseek/deepseek-chat", "api_key": os.environ.get("DEEPSEEK_API_KEY")},
        },
        {
            "model_name": "chat-default",
            "litellm_params": {
                "model": "openrouter/qwen/qwen-2.5-72b-instruct",
                "api_key": os.environ.get("OPENROUTER_API_KEY"),
            },
        },
        {
            "model_name": "chat-local",
            "litellm_params": {"model": "ollama/llama3", "api_base": "http://localhost:11434"},
        },
    ],
    fallbacks=[{"chat-default": ["chat-local"]}],
)


def ask(prompt: str, tier: str = "chat-default") -> str:
    resp = ROUTER.completion(model=tier, messages=[{"role": "user", "content": prompt}])
    return resp.choices[0].message.content


def ask_claude(prompt: str) -> str:
    resp = completion(model="anthropic/claude-3-5-haiku-20241022", messages=[{"role": "user", "content": prompt}])
    return resp.choices[0].message.content


def ask_bedrock(prompt: str) -> str:
    resp = completion(
        model="bedrock/anthropic.claude-3-haiku-20240307-v1:0",
        aws_region_name="eu-central-1",
        messages=[{"role": "user", "content": prompt}],
    )
    return resp.choices[0].message.content


def ask_gemini(prompt: str) -> str:
    resp = completion(model="gemini/gemini-1.5-pro", messages=[{"role": "user", "content": prompt}])
    return resp.choices[0].message.content


def ask_groq(prompt: str) -> str:
    resp = completion(model="groq/llama-3.1-8b-instant", messages=[{"role": "user", "content": prompt}])
    return resp.choices[0].message.content


def ask_hf(prompt: str) -> str:
    resp = completion(
        model="huggingface/meta-llama/Llama-3.3-70B-Instruct",
        messages=[{"role": "user", "content": prompt}],
    )
    return resp.choices[0].message.content


def embed(texts: list[str]):
    return embedding(model="mistral/mistral-embed", input=texts)


def plain(prompt: str) -> str:
    # no prefix: LiteLLM routes bare OpenAI names to OpenAI
    resp = completion(model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}])
    return resp.choices[0].message.content
