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


def test_hit_lines_every_line_with_a_word_even_overlapping_or_after_case_folding(kb):
    pf = Prefilter(kb)
    text = "x = 1\nMODEL = 'a'\n\ny = region_name + region\nnothing here\nİİİİ İ\nrepo_id = 2\n"
    assert pf.hit_lines("code", text) == {2, 4, 7}
    # "İ".lower() is two characters: line numbers are counted in the lowered text, where they still hold
    assert "İ".lower() != "i" and len("İ".lower()) == 2
    assert pf.hit_lines("config", "image: a\nfoo\n  env:\n") == {1, 3}
    assert pf.hit_lines("code", "") == set() and pf.hit_lines("code", "a\nb\n") == set()


@pytest.fixture(scope="module")
def mini_kb(tmp_path_factory):
    from sovaudit.rules import load_knowledge_base

    d = tmp_path_factory.mktemp("rules")
    (d / "labs.yaml").write_text(
        "section: labs\nentries:\n  - id: examplelab\n    name: Example Lab\n    country: FR\n    kind: lab\n"
        "    hf_namespaces: [examplelab]\n    sources: [https://example.org/about]\n")
    return load_knowledge_base(base_dir=d)


def test_shared_lowered_text_and_matches_never_answer_for_another_text_or_vocabulary(kb, mini_kb):
    """The last text's lower-cased copy and matches are kept for the next check on the very same
    text object; an equal text, another text or another knowledge base's vocabulary gets its own."""
    big, small = Prefilter(kb), Prefilter(mini_kb)
    text = "x = 1\nimport dashscope\n"
    assert big.worth_parsing("code", text) and big.hit_lines("code", text) == {2}
    # same text, a vocabulary without that package: its own pass
    assert small.hit_lines("code", text) == set() and not small.worth_parsing("code", text)
    assert big.hit_lines("code", text) == {2}  # and back
    other = "".join(["y = 2\n", "import dashscope\n"])  # an equal-looking but different text
    assert big.hit_lines("code", other) == {2}
    assert not big.worth_parsing("code", "def add(a, b):\n    return a + b\n")
    assert big.hit_lines("code", text) == {2}
    assert Prefilter.lower("ÀB") == "àb" and Prefilter.lower(text) == text.lower()
