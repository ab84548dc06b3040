"""Application settings. Values come from the environment; the defaults suit local development."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from pydantic_settings import BaseSettings, SettingsConfigDict

LLM_MODEL = os.getenv("LLM_MODEL", "gpt-4o-mini")
EMBED_MODEL = os.environ.get("EMBED_MODEL", "intfloat/multilingual-e5-large-instruct")
MODEL_DIR = os.getenv("MODEL_DIR", "/mnt/models")
RESPONSE_MIME = "application/json"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_prefix="APP_")

    llm_model: str = "claude-3-5-haiku-20241022"
    summary_model: str = "mistral-small-latest"
    embedding_model: str = "BAAI/bge-base-en-v1.5"
    model_cache_dir: str = "/var/cache/models"
    default_content_type: str = "text/plain"
    openai_base_url: str = "https://api.openai.com/v1"


@dataclass
class EvalConfig:
    judge_model: str = "gpt-4o-2024-08-06"
    candidate_models: list[str] = field(default_factory=lambda: ["Qwen/Qwen2.5-7B-Instruct", "google/gemma-2-9b-it"])
    dataset: str = "data/eval/questions.jsonl"
    report_dir: str = "reports/2024/01"


def get_settings() -> Settings:
    return Settings()
