"""Shared fixtures."""

from __future__ import annotations

import os

import pytest

# Tests never reach the network: the Hub is either a local fake server or offline.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


@pytest.fixture(scope="session")
def kb():
    """The shipped knowledge base."""
    from sovaudit.rules import load_knowledge_base

    return load_knowledge_base()
