"""The knowledge-base section ``models`` (rules/models.yaml): capability facts for ``sovaudit alternatives``.

The shipped catalogue loads, every reference in it resolves, each task has candidates from more than
one country, and a bad entry in an overlay folder is rejected with its file and line.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from sovaudit.cli import main
from sovaudit.rules import SECTIONS, RulesError, load_knowledge_base, shipped_rules_dir

TASKS = ("chat", "code", "embedding", "rerank", "image-generation", "speech-recognition")
TEXT_TASKS = ("chat", "code", "embedding", "rerank")

GOOD = {
    "id": "acme/tiny-chat-1",
    "name": "Tiny Chat 1",
    "lab": "mistral",
    "weights": "downloadable",
    "license": "apache-2.0",
    "task": "chat",
    "modalities": "[text]",
    "parameters": "1.5",
    "context_length": "8192",
    "released": "2025-01",
}


def overlay(tmp_path: Path, fields: dict[str, str], name: str = "mine.yaml") -> tuple[Path, str]:
    """One models entry in an overlay folder; returns the file and its text."""
    body = "\n".join(f"    {k}: {v}" for k, v in fields.items())
    text = "section: models\nentries:\n  - " + body.lstrip() + "\n    sources: [https://example.org/card]\n"
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path, text


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def rejected(tmp_path: Path) -> list[str]:
    with pytest.raises(RulesError) as ei:
        load_knowledge_base([tmp_path])
    return [str(p) for p in ei.value.problems]


# -- the shipped section ---------------------------------------------------------------------------


def test_the_shipped_knowledge_base_has_the_models_section(kb):
    assert "models" in SECTIONS
    models = kb.catalog_models()
    assert kb.counts()["models"] == len(models) >= 70
    assert {m.section for m in models} == {"models"}
    assert all(m.path == "models.yaml" for m in models)
    assert {m.get("task") for m in models} == set(TASKS)
    by_task = defaultdict(int)
    for m in models:
        by_task[m.get("task")] += 1
    assert by_task["chat"] >= 40 and by_task["embedding"] >= 8 and min(by_task.values()) >= 3, dict(by_task)


def test_every_lab_license_and_provider_resolves(kb):
    for m in kb.catalog_models():
        where = f"{m.path}:{m.line} {m.id}"
        assert kb.get("labs", m.get("lab")) is not None, where
        if m.get("license") is not None:
            assert kb.license(m.get("license")) is not None, where
        for pid in m.get("providers", []):
            assert kb.get("providers", pid) is not None, (where, pid)
    assert [p for p in kb.cross_check() if p.path == "models.yaml"] == []


def test_entries_are_consistent(kb):
    for m in kb.catalog_models():
        where = f"{m.path}:{m.line} {m.id}"
        assert m.get("as_of") and m.sources, where
        if m.get("task") in TEXT_TASKS:
            assert isinstance(m.get("context_length"), int) and m.get("context_length") > 0, where
        if m.get("active_parameters") is not None:
            assert 0 < m.get("active_parameters") < m.get("parameters"), where
        if m.get("weights") == "api-only":
            assert m.get("providers") and "/" not in m.id and "parameters" not in m.data, where
            if m.get("license") is not None:
                assert kb.license(m.get("license")).get("class") == "proprietary", where
        else:
            assert "/" in m.id and m.sources[0] == f"https://huggingface.co/{m.id}", where
            assert m.get("parameters", 0) > 0, where


def test_the_shipped_file_has_no_duplicate_ids():
    raw = yaml.safe_load((shipped_rules_dir() / "models.yaml").read_text("utf-8"))
    assert raw["section"] == "models" and raw["description"]
    ids = [e["id"].lower() for e in raw["entries"]]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_every_task_has_candidates_from_at_least_two_countries(kb):
    countries = defaultdict(set)
    for m in kb.catalog_models():
        country = kb.get("labs", m.get("lab")).get("country")
        if country:  # a consortium (EuroLLM) has none
            countries[m.get("task")].add(country)
    for task in TASKS:
        assert len(countries[task]) >= 2, (task, countries[task])
    # open-weight chat models of every size class exist outside the US and China
    sizes = [m.get("parameters") for m in kb.catalog_models()
             if m.get("task") == "chat" and m.get("parameters")
             and kb.get("labs", m.get("lab")).get("country") not in (None, "US", "CN")]
    for low, high in ((0, 4.5), (4.5, 15), (15, 40), (40, 130), (130, 10_000)):
        assert any(low < p <= high for p in sizes), (low, high)


# -- look-ups --------------------------------------------------------------------------------------


def test_catalog_model_is_case_insensitive_and_exact(kb):
    hit = kb.catalog_model("MISTRALAI/mistral-small-3.1-24b-instruct-2503")
    assert hit is not None and hit.id == "mistralai/Mistral-Small-3.1-24B-Instruct-2503"
    assert hit.get("lab") == "mistral" and hit.get("context_length") == 131072
    assert kb.catalog_model("Claude-Sonnet-4-5").id == "claude-sonnet-4-5"
    assert kb.catalog_model("mistralai/Mistral-Small") is None  # a prefix is not a match
    assert kb.catalog_model("nobody/nothing") is None


def test_catalog_models_are_sorted_by_id(kb):
    ids = [m.id for m in kb.catalog_models()]
    assert ids == sorted(ids, key=str.lower)


# -- overlays: good and bad entries ----------------------------------------------------------------


def test_a_good_overlay_entry_loads(tmp_path):
    overlay(tmp_path, GOOD)
    kb = load_knowledge_base([tmp_path])
    e = kb.catalog_model("ACME/Tiny-Chat-1")
    assert e is not None and e.get("parameters") == 1.5 and e.path.endswith("mine.yaml") and e.line == 3


def test_an_overlay_entry_may_omit_the_context_length(tmp_path):
    # an overlay may state only what it knows (license and weights for offline scans); the shipped
    # catalogue gives the context of every text model (test_entries_are_consistent)
    fields = {k: v for k, v in GOOD.items() if k not in ("context_length", "parameters")}
    overlay(tmp_path, fields)
    e = load_knowledge_base([tmp_path]).catalog_model("acme/tiny-chat-1")
    assert e.get("context_length") is None and e.get("license") == "apache-2.0"


# (field to change, new value or None to drop it, text the problem must contain, line: key or entry)
BAD = {
    "unknown task": ("task", "translation", "'translation' is not one of", "task"),
    "missing task": ("task", None, "'task' is missing", "entry"),
    "missing modalities": ("modalities", None, "'modalities' is missing", "entry"),
    "missing lab": ("lab", None, "'lab' is missing", "entry"),
    "float context": ("context_length", "8192.5", "8192.5 is not of type 'integer'", "context_length"),
    "negative parameters": ("parameters", "-3", "-3 is less than or equal to the minimum of 0", "parameters"),
    "zero context": ("context_length", "0", "0 is less than the minimum of 1", "context_length"),
    "unknown modality": ("modalities", "[text, smell]", "'smell' is not one of", "modalities"),
    "bad weights": ("weights", "open", "'open' is not one of", "weights"),
    "bad release month": ("released", "2025-1", "does not match", "released"),
    "unknown field": ("vram", "24", "unknown field(s)", "entry"),
    "api-only without providers": ("weights", "api-only", "'providers' is missing", "entry"),
    "unknown lab": ("lab", "nolab", "acme/tiny-chat-1: unknown lab 'nolab'", "entry"),
    "unknown license": ("license", "wtfpl-9", "acme/tiny-chat-1: unknown license 'wtfpl-9'", "entry"),
    "unknown provider": ("providers", "[mistral, nowhere-ai]", "acme/tiny-chat-1: unknown provider 'nowhere-ai'", "entry"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_overlay_entry_is_rejected_with_file_and_line(case, tmp_path):
    key, value, want, at = BAD[case]
    fields = dict(GOOD)
    if value is None:
        fields.pop(key)
    else:
        fields[key] = value
    path, text = overlay(tmp_path, fields)
    line = line_of(text, "- id:") if at == "entry" else line_of(text, f"    {at}:")
    found = rejected(tmp_path)
    assert any(p.startswith(f"{path.as_posix()}:{line}: ") and want in p for p in found), (line, found)


def test_an_overlay_replaces_a_shipped_model_only_when_it_says_so(tmp_path):
    fields = dict(GOOD) | {"id": "gpt-4o", "lab": "openai", "weights": "api-only", "license": "proprietary-api-terms",
                           "providers": "[openai]", "context_length": "64000"}
    fields.pop("parameters")
    overlay(tmp_path, fields)
    assert any("duplicate models id 'gpt-4o'" in p for p in rejected(tmp_path))
    overlay(tmp_path, fields | {"replace": "true"})
    kb = load_knowledge_base([tmp_path])
    assert kb.catalog_model("gpt-4o").get("context_length") == 64000


# -- the command -----------------------------------------------------------------------------------


def test_rules_validate_and_list_models():
    r = CliRunner()
    got = r.invoke(main, ["rules", "validate"])
    assert got.exit_code == 0 and "models " in got.output, got.output
    listed = r.invoke(main, ["rules", "list", "models"], env={"COLUMNS": "250"})
    assert listed.exit_code == 0, listed.output
    assert "Qwen/Qwen2.5-7B-Instruct" in listed.output and "models.yaml:" in listed.output
    assert "clouds.yaml" not in listed.output
    assert r.invoke(main, ["rules", "list", "--section", "models"], env={"COLUMNS": "250"}).output == listed.output
    assert r.invoke(main, ["rules", "list", "clouds", "--section", "models"]).exit_code == 2
