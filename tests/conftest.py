"""Shared fixtures.

Tests never reach the network. By default HF_ENDPOINT points at a closed port on 127.0.0.1, so an
accidental Hub call fails at once, locally; Hub tests start a fake Hub (``fake_hub``) and point
HF_ENDPOINT at it. HF_HUB_OFFLINE is cleared here because huggingface_hub reads it once at import:
offline behaviour is tested by setting it per test, which sovaudit reads at call time.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.pop("HF_HUB_OFFLINE", None)
os.environ.pop("TRANSFORMERS_OFFLINE", None)
os.environ["HF_ENDPOINT"] = "http://127.0.0.1:9"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ.pop("HF_TOKEN", None)
# Reports carry the audit's real time unless SOURCE_DATE_EPOCH fixes it: tests that compare two
# runs byte for byte rely on it (the tests of the real time remove it).
os.environ.setdefault("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="session")
def kb():
    """The shipped knowledge base."""
    from sovaudit.rules import load_knowledge_base

    return load_knowledge_base()


@pytest.fixture
def fake_hub(monkeypatch):
    """A fake Hugging Face Hub on 127.0.0.1 (ephemeral port); HF_ENDPOINT points at it."""
    from fakehub import FakeHub

    hub = FakeHub().start()
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    yield hub
    hub.stop()


@pytest.fixture(scope="module")
def browser():
    from browser_support import ARGS, CHROMIUM

    sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright Python package (the test extra)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()

