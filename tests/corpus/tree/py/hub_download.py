"""Fetch model files and datasets from the Hugging Face Hub into the local cache."""

from __future__ import annotations

import argparse
from pathlib import Path

from datasets import load_dataset
from huggingface_hub import hf_hub_download, snapshot_download

CACHE = Path("/mnt/models")


def fetch_gguf() -> Path:
    path = hf_hub_download(
        repo_id="bartowski/Meta-Llama-3.1-8B-Instruct-GGUF",
        filename="Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf",
        cache_dir=CACHE,
    )
    return Path(path)


def fetch_full(revision: str = "main") -> Path:
    return Path(
        snapshot_download(
            repo_id="deepseek-ai/DeepSeek-R1-Distill-Qwen-7B",
            revision=revision,
            allow_patterns=["*.json", "*.safetensors", "tokenizer.model"],
            local_dir=CACHE / "deepseek-r1-distill-qwen-7b",
        )
    )


def fetch_vision() -> Path:
    return Path(snapshot_download("microsoft/Florence-2-large", cache_dir=CACHE))


def fetch_eval_data():
    # datasets are Hub repos too, but they are not models
    snapshot_download(repo_id="HuggingFaceFW/fineweb-edu", repo_type="dataset", allow_patterns=["sample/10BT/*"])
    return load_dataset("HuggingFaceH4/ultrachat_200k", split="test_sft")


def fetch_tokenizer_only() -> Path:
    return Path(hf_hub_download("mistralai/Mistral-7B-Instruct-v0.3", "tokenizer.json"))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["gguf", "full", "vision", "eval", "tokenizer"])
    args = ap.parse_args()
    {"gguf": fetch_gguf, "full": fetch_full, "vision": fetch_vision, "eval": fetch_eval_data,
     "tokenizer": fetch_tokenizer_only}[args.what]()
