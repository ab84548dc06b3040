"""Runtime settings shared by all features, read once from the environment (see .env.example)."""

from __future__ import annotations

import os

from dotenv import load_dotenv

load_dotenv()

MAX_INPUT_CHARS = int(os.getenv("MAX_INPUT_CHARS", "24000"))
REQUEST_TIMEOUT_S = float(os.getenv("REQUEST_TIMEOUT_S", "60"))
LOG_LEVEL = os.getenv("LOG_LEVEL", "info")
