"""Export helpers for the reporting backend. No models are used here.

Everything below is a trap for a naive scanner: paths, MIME types, dates, GitHub repositories,
placeholders and the word "model" used as a key or attribute.
"""

from __future__ import annotations

import csv
import json
import os.path
import subprocess
from datetime import datetime

import torch.nn as nn

CONTENT_TYPES = {"json": "application/json", "csv": "text/csv", "txt": "text/plain"}
TRAIN_FILE = "data/train.csv"
UPSTREAM = "https://github.com/kontor-analytics/report-templates"
VENDORED_FROM = "kontor-analytics/report-templates"
ARCHIVE_PREFIX = "exports/2024/01"

# Placeholders that appear in generated config templates
TEMPLATE = {
    "model": "<MODEL_ID>",
    "fallback_model": "${MODEL}",
    "example_model": "your-model-name",
    "alias": "my-model",
    "name": "model-name",
    "token": "xxx",
}


def install_templates() -> None:
    subprocess.run(["pip", "install", "git+https://github.com/kontor-analytics/report-templates@v2.1.0"], check=True)


def write_rows(rows: list[dict], path: str = "out/report.csv") -> str:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=sorted(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def audit_record(response) -> str:
    """Serialise an LLM response for the audit log: the model field is whatever the API returned."""
    record = {
        "model": response.model,
        "created": datetime.fromtimestamp(response.created).strftime("%Y/%m/%d"),
        "usage": response.usage.total_tokens,
    }
    return json.dumps(record)


def count_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def content_type(kind: str) -> str:
    return CONTENT_TYPES.get(kind, "application/octet-stream")
