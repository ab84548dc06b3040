"""The capability catalogue (rules/models.yaml) and ``sovaudit alternatives``: filters, ranking,
provenance offline (knowledge base alone) and with a Hub (the fake one on 127.0.0.1)."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest
from click.testing import CliRunner

from sovaudit.cli import main
from sovaudit.commands.alternatives import (
    PARAMETER_CLASSES,
    AlternativesError,
    Filters,
    alternatives,
    parameter_class,
    parse_params,
)
from sovaudit.resolve.hub import HubClient
from sovaudit.rules import load_knowledge_base


def offline(kb, model, **kw):
    limit = kw.pop("limit", 0)
    c = HubClient(offline=True)
    try:
        return alternatives(model, kb, c, Filters(**kw), limit)
    finally:
        c.close()


# ------------------------------------------------------------------------------------------
# The catalogue
# ------------------------------------------------------------------------------------------


def test_catalogue_entries_are_sourced_and_cross_checked(kb):
    models = kb.catalog_models()
    assert len(models) >= 70
    assert len({m.id.lower() for m in models}) == len(models)
    for m in models:
        assert m.sources and all(s.startswith("https://") for s in m.sources), m.id
        assert kb.get("labs", m.get("lab")) is not None, m.id
        assert m.get("license") is None or kb.license(m.get("license")) is not None, m.id
        if m.get("weights") == "api-only":
            assert m.get("providers") and "parameters" not in m.data, m.id
        else:
            assert m.sources[0] == f"https://huggingface.co/{m.id}", m.id  # its model card
    assert kb.cross_check() == []


def test_every_task_has_candidates_from_several_jurisdictions(kb):
    countries = defaultdict(set)
    for m in kb.catalog_models():
        countries[m.get("task")].add(kb.get("labs", m.get("lab")).get("country") or "unknown")
    for task in ("chat", "code", "embedding", "image-generation"):  # speech: US only so far (no other lab in labs.yaml)
        assert len(countries[task]) >= 2, (task, countries[task])
    assert {"CN", "US", "FR", "DE"} <= countries["chat"] | countries["embedding"]


def test_catalog_lookup_is_case_insensitive(kb):
    assert kb.catalog_model("qwen/qwen2.5-7b-instruct").id == "Qwen/Qwen2.5-7B-Instruct"
    assert kb.catalog_model("GPT-4o").get("weights") == "api-only"
    assert kb.catalog_model("nobody/nothing") is None


BAD_ENTRY = {
    "unknown task": ("task: translation", "task"),
    "negative parameters": ("parameters: -3", "parameters"),
    "api-only without providers": ("weights: api-only", "providers"),
    "unknown lab": ("lab: nolab", "unknown lab 'nolab'"),
    "unknown license": ("license: wtfpl-9", "unknown license 'wtfpl-9'"),
}


@pytest.mark.parametrize("case", sorted(BAD_ENTRY))
def test_bad_catalogue_entries_are_rejected_with_file_and_line(case, tmp_path):
    from sovaudit.rules import RulesError

    change, want = BAD_ENTRY[case]
    key = change.split(":", 1)[0]
    fields = {"id": "acme/model-1", "name": "Model 1", "lab": "mistral", "weights": "downloadable", "license": "apache-2.0",
              "task": "chat", "modalities": "[text]", "parameters": "7", "context_length": "8192", "released": "2025-01"}
    fields[key] = change.split(":", 1)[1].strip()
    entry = "\n".join(f"    {k}: {v}" for k, v in fields.items())
    (tmp_path / "mine.yaml").write_text("section: models\nentries:\n\n  - " + entry.lstrip() +
                                        "\n    sources: [https://example.org/card]\n", encoding="utf-8")
    with pytest.raises(RulesError) as exc:
        load_knowledge_base([tmp_path])
    text = "\n".join(str(p) for p in exc.value.problems)
    # a wrong value: its own line; a missing field or a cross-check: the entry's line
    line = 4 + list(fields).index(key) if case in ("unknown task", "negative parameters") else 4
    assert f"mine.yaml:{line}: " in text and want in text, text


# ------------------------------------------------------------------------------------------
# Ranking and filters
# ------------------------------------------------------------------------------------------


def test_parameter_classes_and_sizes():
    assert [parameter_class(b) for b in (0.5, 4.0, 7.6, 24, 70, 671)] == ["≤4B", "≤4B", "4–15B", "15–40B", "40–120B", ">120B"]
    assert parameter_class(0) == "undisclosed" and len(PARAMETER_CLASSES) == 5
    assert (parse_params("30B"), parse_params("7.5b"), parse_params("500M"), parse_params("1T")) == (30.0, 7.5, 0.5, 1000.0)
    with pytest.raises(ValueError):
        parse_params("lots")


def test_qwen_7b_without_china_offline(kb):
    a = offline(kb, "Qwen/Qwen2.5-7B-Instruct", avoid=("CN",), require="open-weights")
    assert a.offline and a.task == "chat" and a.target.parameter_class == "4–15B"
    assert a.target_provenance.license_id.value == "apache-2.0"  # from rules/models.yaml, offline
    ids = [c.model_id for c in a.candidates]
    assert ids and "Qwen/Qwen2.5-7B-Instruct" not in ids
    for c in a.candidates:
        assert "CN" not in c.countries and c.weights in ("downloadable", "gated")
        assert c.capability.task == "chat" and c.provenance.model_id == c.model_id
        assert c.countries or "jurisdiction unknown" in c.reasons  # EuroLLM: a consortium with no country
        assert all(e.source != "hub" for e in c.provenance.license_id.evidence)
    # best first: the same size class with at least as long a context outranks the rest
    top = a.candidates[0]
    assert top.score == 1.0 and top.capability.parameter_class == "4–15B" and top.capability.context_length >= 131072
    assert [c.score for c in a.candidates] == sorted((c.score for c in a.candidates), reverse=True)
    excluded = dict(a.excluded)
    assert excluded["subject to CN (--avoid-jurisdiction)"] >= 10 and excluded["API-only (--require open-weights)"] >= 5


def test_avoiding_eu_removes_its_members_and_api_providers_count(kb):
    a = offline(kb, "gpt-4o-mini", avoid=("EU", "US"))
    assert a.target.modalities == ("image", "text")
    for c in a.candidates:
        assert not set(c.countries) & {"US", "FR", "DE", "EU"}, c
        assert "image" in c.capability.modalities
    assert "mistral-medium-latest" not in [c.model_id for c in a.candidates]
    # an API-only model is subject to its provider's country as well as its lab's
    b = offline(kb, "mistral-medium-latest", avoid=("US",))
    assert all(c.model_id not in ("gpt-4o", "claude-sonnet-4-5") for c in b.candidates)


def test_license_and_size_filters(kb):
    a = offline(kb, "gpt-4o", avoid=("US",), licenses=("permissive",), max_params=30.0)
    assert [c.model_id for c in a.candidates] == ["mistralai/Mistral-Small-3.1-24B-Instruct-2503"]
    assert a.candidates[0].reasons[0] == "size undisclosed"  # gpt-4o's size is not public
    assert dict(a.excluded)["does not take image input"] > 10
    small = offline(kb, "BAAI/bge-m3", max_params=0.2)
    assert [c.model_id for c in small.candidates] == ["nomic-ai/nomic-embed-text-v1.5", "sentence-transformers/all-MiniLM-L6-v2"]
    assert dict(small.excluded)["size not disclosed (--max-params)"] == 3  # the API-only embedding models


def test_limit_and_determinism(kb):
    a = offline(kb, "meta-llama/Llama-3.3-70B-Instruct", limit=3)
    b = offline(kb, "meta-llama/Llama-3.3-70B-Instruct", limit=0)
    assert len(a.candidates) == 3 and a.more == len(b.candidates) - 3
    assert a.candidates == b.candidates[:3]


def test_unknown_task_needs_task_and_bad_filters_are_errors(kb):
    with pytest.raises(AlternativesError, match="give it with --task"):
        offline(kb, "someone/unknown-model")
    a = offline(kb, "someone/unknown-model", task="embedding", avoid=("CN",))
    assert a.candidates and all(c.capability.task == "embedding" for c in a.candidates)
    with pytest.raises(AlternativesError, match="unknown license class"):
        offline(kb, "gpt-4o", licenses=("free",))
    with pytest.raises(AlternativesError, match="not a jurisdiction code"):
        offline(kb, "gpt-4o", avoid=("Europe",))


# ------------------------------------------------------------------------------------------
# With a Hub: candidates are enriched, an uncatalogued model is described from the Hub
# ------------------------------------------------------------------------------------------


def test_the_hub_enriches_candidates(kb, fake_hub, tmp_path):
    c = HubClient(offline=False, cache=None)
    try:
        a = alternatives("Qwen/Qwen2.5-7B-Instruct", kb, c, Filters(avoid=("CN", "US")), 0)
    finally:
        c.close()
    assert not a.offline
    mistral = {x.model_id: x for x in a.candidates}["mistralai/Mistral-7B-Instruct-v0.3"]
    assert [h.parent for h in mistral.provenance.parents] == ["mistralai/Mistral-7B-v0.3"]  # lineage from the Hub
    assert {e.source for e in mistral.provenance.license_id.evidence} == {"hub"}
    assert fake_hub.requests.get("mistralai/Mistral-7B-Instruct-v0.3")
    target = a.target_provenance
    assert [h.parent for h in target.parents] == ["Qwen/Qwen2.5-7B"]


def test_an_uncatalogued_model_is_described_from_the_hub(kb, fake_hub):
    c = HubClient(offline=False, cache=None)
    try:
        a = alternatives("CohereForAI/aya-expanse-8b", kb, c, Filters(), 5)
    finally:
        c.close()
    assert a.task == "chat" and a.target.source == "Hugging Face Hub (pipeline_tag text-generation)"
    with pytest.raises(AlternativesError, match="give it with --task"):
        offline(kb, "CohereForAI/aya-expanse-8b")


# ------------------------------------------------------------------------------------------
# The command
# ------------------------------------------------------------------------------------------


def test_cli_table_json_and_usage_errors():
    r = CliRunner()
    got = r.invoke(main, ["alternatives", "Qwen/Qwen2.5-7B-Instruct", "--avoid-jurisdiction", "cn", "--require", "open-weights",
                          "--offline", "--json"])
    assert got.exit_code == 0, got.output
    doc = json.loads(got.output)
    assert doc["filters"] == {"avoid-jurisdiction": "CN", "require": "open-weights"}
    assert doc["candidates"] and all("CN" not in c["countries"] for c in doc["candidates"])
    assert doc["candidates"][0]["sources"][0].startswith("https://huggingface.co/")
    assert doc["candidates"][0]["provenance"]["model_id"] == doc["candidates"][0]["model"]
    table = r.invoke(main, ["alternatives", "BAAI/bge-m3", "--avoid-jurisdiction", "CN", "--offline", "-n", "3"])
    assert table.exit_code == 0 and "Alternatives (3 of" in table.output and "excluded 2: subject to CN" in table.output
    assert r.invoke(main, ["alternatives", "x/y", "--offline"]).exit_code == 2
    assert r.invoke(main, ["alternatives", "gpt-4o", "--max-params", "huge", "--offline"]).exit_code == 2
    assert r.invoke(main, ["alternatives", "gpt-4o", "--require", "magic", "--offline"]).exit_code == 2
