"""Adapters for the APIs the Shanghai office uses (DashScope, Zhipu, Volcengine Ark, Moonshot)."""

from __future__ import annotations

import os
from http import HTTPStatus

import dashscope
from dashscope import Generation, TextEmbedding
from openai import OpenAI
from volcenginesdkarkruntime import Ark
from zhipuai import ZhipuAI

dashscope.api_key = os.environ["DASHSCOPE_API_KEY"]


def qwen_chat(prompt: str) -> str:
    resp = Generation.call(
        model="qwen-plus",
        messages=[{"role": "user", "content": prompt}],
        result_format="message",
    )
    if resp.status_code != HTTPStatus.OK:
        raise RuntimeError(f"DashScope error {resp.code}: {resp.message}")
    return resp.output.choices[0].message.content


def qwen_embed(texts: list[str]):
    return TextEmbedding.call(model="text-embedding-v3", input=texts, dimension=1024)


def qwen_compatible(prompt: str) -> str:
    """Same service through its OpenAI-compatible endpoint (international region)."""
    client = OpenAI(
        api_key=os.environ["DASHSCOPE_API_KEY"],
        base_url="https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
    )
    resp = client.chat.completions.create(model="qwen-max", messages=[{"role": "user", "content": prompt}])
    return resp.choices[0].message.content


def glm_chat(prompt: str) -> str:
    client = ZhipuAI(api_key=os.environ["ZHIPUAI_API_KEY"])
    resp = client.chat.completions.create(model="glm-4-plus", messages=[{"role": "user", "content": prompt}])
    return resp.choices[0].message.content


def glm_vision(image_url: str) -> str:
    client = ZhipuAI(api_key=os.environ["ZHIPUAI_API_KEY"])
    resp = client.chat.completions.create(
        model="glm-4v-plus",
        messages=[{"role": "user", "content": [{"type": "image_url", "image_url": {"url": image_url}}]}],
    )
    return resp.choices[0].message.content


def doubao_chat(prompt: str) -> str:
    client = Ark(base_url="https://ark.cn-beijing.volces.com/api/v3", api_key=os.environ["ARK_API_KEY"])
    resp = client.chat.completions.create(
        model="doubao-1-5-pro-32k-250115",
        messages=[{"role": "user", "content": prompt}],
    )
    return resp.choices[0].message.content


def kimi_chat(prompt: str) -> str:
    client = OpenAI(api_key=os.environ["MOONSHOT_API_KEY"], base_url="https://api.moonshot.cn/v1")
    resp = client.chat.completions.create(model="moonshot-v1-32k", messages=[{"role": "user", "content": prompt}])
    return resp.choices[0].message.content
