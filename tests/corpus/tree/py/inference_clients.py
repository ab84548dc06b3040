"""Hosted open-weight inference: Hugging Face, Together, Groq and OpenRouter."""

from __future__ import annotations

import os

from groq import Groq
from huggingface_hub import InferenceClient
from openai import OpenAI
from together import Together

hf = InferenceClient(model="meta-llama/Llama-3.3-70B-Instruct", token=os.environ["HF_TOKEN"])
tgi = InferenceClient("http://tgi.internal:8080")  # our own TGI, model chosen at deploy time
together = Together(api_key=os.environ["TOGETHER_API_KEY"])
groq = Groq()
openrouter = OpenAI(base_url="https://openrouter.ai/api/v1", api_key=os.environ["OPENROUTER_API_KEY"])


def hf_chat(prompt: str) -> str:
    out = hf.chat_completion(messages=[{"role": "user", "content": prompt}], max_tokens=512)
    return out.choices[0].message.content


def tgi_chat(prompt: str) -> str:
    return tgi.text_generation(prompt, max_new_tokens=256)


def together_chat(prompt: str) -> str:
    resp = together.chat.completions.create(
        model="deepseek-ai/DeepSeek-V3",
        messages=[{"role": "user", "content": prompt}],
    )
    return resp.choices[0].message.content


def groq_chat(prompt: str) -> str:
    resp = groq.chat.completions.create(model="llama-3.3-70b-versatile", messages=[{"role": "user", "content": prompt}])
    return resp.choices[0].message.content


def openrouter_chat(prompt: str) -> str:
    resp = openrouter.chat.completions.create(
        model="qwen/qwen-2.5-72b-instruct",
        messages=[{"role": "user", "content": prompt}],
        extra_headers={"HTTP-Referer": "https://kontor-analytics.example", "X-Title": "Kontor Insights"},
    )
    return resp.choices[0].message.content


def openrouter_claude(prompt: str) -> str:
    resp = openrouter.chat.completions.create(
        model="anthropic/claude-3.5-sonnet",
        messages=[{"role": "user", "content": prompt}],
    )
    return resp.choices[0].message.content
