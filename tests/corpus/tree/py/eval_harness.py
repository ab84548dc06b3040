"""Offline evaluation: run every candidate over the same question set, score with a judge."""

from __future__ import annotations

import json
import time
from pathlib import Path

from openai import OpenAI

MODELS = [
    "Qwen/Qwen2.5-7B-Instruct",
    "meta-llama/Llama-3.1-8B-Instruct",
    "mistralai/Mistral-7B-Instruct-v0.3",
    "google/gemma-2-9b-it",
    "microsoft/Phi-3.5-mini-instruct",
    "01-ai/Yi-1.5-9B-Chat",
    "THUDM/glm-4-9b-chat",
    "internlm/internlm2_5-7b-chat",
    "tiiuae/falcon-7b-instruct",
    "utter-project/EuroLLM-9B-Instruct",
]
JUDGE_MODEL = "gpt-4o-2024-11-20"

# every candidate is served by the same local vLLM instance, one at a time
local = OpenAI(base_url="http://localhost:8000/v1", api_key="EMPTY")
judge = OpenAI()


def run(questions: list[dict], out_dir: Path = Path("results")) -> None:
    out_dir.mkdir(exist_ok=True)
    for name in MODELS:
        answers = []
        for q in questions:
            t0 = time.time()
            r = local.chat.completions.create(model=name, messages=[{"role": "user", "content": q["question"]}])
            answers.append({"id": q["id"], "answer": r.choices[0].message.content, "s": time.time() - t0})
        scores = [score(q, a) for q, a in zip(questions, answers)]
        (out_dir / f"{name.replace('/', '__')}.json").write_text(json.dumps({"answers": answers, "scores": scores}))


def score(question: dict, answer: dict) -> int:
    r = judge.chat.completions.create(
        model=JUDGE_MODEL,
        messages=[{"role": "user", "content": f"Score 1-10.\nQ: {question['question']}\nA: {answer['answer']}"}],
    )
    return int(r.choices[0].message.content.strip().split()[0])
