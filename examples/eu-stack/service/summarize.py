"""Summaries of contracts and reports with Qwen2.5, served by our own vLLM deployment."""

from __future__ import annotations

import logging
import os

from openai import OpenAI

from service.config import MAX_INPUT_CHARS, REQUEST_TIMEOUT_S

log = logging.getLogger(__name__)

QWEN_MODEL = os.getenv("QWEN_MODEL", "Qwen/Qwen2.5-7B-Instruct")

# vLLM speaks the OpenAI protocol; it does not check the key.
client = OpenAI(
    base_url=os.getenv("VLLM_BASE_URL", "http://vllm.inference.svc.cluster.local:8000/v1"),
    api_key="EMPTY",
    timeout=REQUEST_TIMEOUT_S,
)

SYSTEM_PROMPT = (
    "Du bist ein sorgfältiger Analyst. Fasse das Dokument in höchstens acht Stichpunkten zusammen. "
    "Antworte in der Sprache des Dokuments."
)


def summarize(text: str, max_tokens: int = 512) -> str:
    if len(text) > MAX_INPUT_CHARS:
        log.info("truncating input from %d to %d chars", len(text), MAX_INPUT_CHARS)
        text = text[:MAX_INPUT_CHARS]
    resp = client.chat.completions.create(
        model=QWEN_MODEL,
        messages=[
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": text},
        ],
        temperature=0.2,
        max_tokens=max_tokens,
    )
    log.debug("summary served by %s", resp.model)
    return resp.choices[0].message.content or ""
