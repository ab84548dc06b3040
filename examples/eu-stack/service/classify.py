"""Ticket triage through the DeepSeek API (OpenAI-compatible)."""

from __future__ import annotations

import json
import os

from openai import OpenAI
from tenacity import retry, stop_after_attempt, wait_exponential

DEEPSEEK_MODEL = os.getenv("DEEPSEEK_MODEL", "deepseek-chat")
CATEGORIES = ["billing", "bug", "feature_request", "account", "other"]

deepseek = OpenAI(base_url="https://api.deepseek.com", api_key=os.environ["DEEPSEEK_API_KEY"])


@retry(stop=stop_after_attempt(3), wait=wait_exponential(min=1, max=8))
def classify_ticket(subject: str, body: str) -> dict:
    prompt = (
        f"Classify the support ticket into one of {CATEGORIES} and rate urgency 1-5. "
        'Reply as JSON: {"category": ..., "urgency": ...}\n\n'
        f"Subject: {subject}\n\n{body}"
    )
    resp = deepseek.chat.completions.create(
        model=DEEPSEEK_MODEL,
        messages=[{"role": "user", "content": prompt}],
        response_format={"type": "json_object"},
        temperature=0,
    )
    result = json.loads(resp.choices[0].message.content)
    if result.get("category") not in CATEGORIES:
        result["category"] = "other"
    return result
