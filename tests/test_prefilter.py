"""The prefilter only saves time: on every labelled and example tree it changes no result."""

from __future__ import annotations

from pathlib import Path

import pytest

from sovaudit.model import ScanConfig
from sovaudit.prefilter import Prefilter
from sovaudit.scan import scan

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("tree", ["tests/corpus/tree", "examples/eu-stack"])
def test_same_references_with_and_without_prefilter(kb, tree):
    cfg = ScanConfig(root=str(REPO / tree), cache_dir="-", jobs=1)
    fast = scan(cfg, kb)
    full = scan(cfg, kb, prefilter=False)
    assert len(full.references) > 20
    assert fast.references == full.references
    assert fast.skipped == full.skipped


def test_prefilter_skips_code_that_names_nothing(kb):
    pf = Prefilter(kb)
    assert not pf.worth_parsing("code", "def add(a, b):\n    return a + b\n")
    assert not pf.worth_parsing("config", "config:\n  key_1:\n    enabled: true\n")
    assert pf.worth_parsing("code", "import dashscope\n")  # a package the knowledge base knows
    assert pf.worth_parsing("code", 'x = AutoModel.from_pretrained("a/b")')
    assert pf.worth_parsing("config", "spec:\n  containers:\n  - image: vllm/vllm-openai\n")
