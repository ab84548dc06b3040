"""The knowledge base: every shipped file loads and is sourced; every problem names file and line."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pycountry
import pytest
import yaml

from sovaudit.rules import SECTIONS, RulesError, load_knowledge_base, shipped_rules_dir

LAB = """\
section: labs
entries:
  - id: alpha
    name: Alpha Lab
    country: DE
    kind: lab
    hf_namespaces: [alpha-ai]
    sources: [https://example.org/alpha]
"""


def write(d: Path, name: str, text: str) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    p = d / name
    p.write_text(textwrap.dedent(text))
    return p


def problems(base, *overlays) -> list[str]:
    with pytest.raises(RulesError) as ei:
        load_knowledge_base(overlays, base_dir=base)
    return [str(p) for p in ei.value.problems]


# -- the shipped knowledge base ------------------------------------------------------------------


def test_shipped_rules_load_and_cover_every_section(kb):
    counts = kb.counts()
    assert set(counts) == set(SECTIONS)
    assert all(n > 0 for n in counts.values()), counts
    assert counts["labs"] >= 60 and counts["clouds"] >= 25


def test_every_shipped_entry_is_sourced_and_every_country_is_iso(kb):
    iso = {c.alpha_2 for c in pycountry.countries}
    url = re.compile(r"^https?://\S+$")
    for e in kb.entries:
        assert e.sources and all(url.match(s) for s in e.sources), f"{e.path}:{e.line} {e.id} has no usable source"
        for key in ("country", "foundry_country"):
            if key in e.data and e.section != "jurisdictions":
                assert e.data[key] in iso, f"{e.path}:{e.line} {e.id}: {e.data[key]}"
        for r in e.get("regions", []):
            assert r["country"] in iso, f"{e.path}:{e.line} {e.id} region {r['name']}"
        if e.section == "jurisdictions":
            assert e.id in iso or e.id == "EU"


def test_no_duplicate_ids_or_namespaces_in_shipped_files():
    seen_ids: dict[tuple[str, str], str] = {}
    seen_ns: dict[str, str] = {}
    for f in sorted(shipped_rules_dir().rglob("*.yaml")):
        doc = yaml.safe_load(f.read_text())
        for e in doc["entries"]:
            key = (doc["section"], str(e["id"]).lower())
            assert key not in seen_ids, f"{key} in {f.name} and {seen_ids[key]}"
            seen_ids[key] = f.name
            for ns in e.get("hf_namespaces", []) + e.get("former_namespaces", []):
                assert ns.lower() not in seen_ns, f"namespace {ns} twice"
                seen_ns[ns.lower()] = e["id"]


def test_region_names_are_resolved_per_cloud(kb):
    # the same region name can mean different countries on different clouds
    clash = [c.id for c in kb.clouds_with_region("ap-southeast-1")]
    assert len(clash) >= 2
    countries = {kb.region(c, "ap-southeast-1")["country"] for c in clash}
    assert len(countries) >= 2, "expected ap-southeast-1 to differ across clouds (e.g. SG vs HK)"


# -- errors name the file and the line -----------------------------------------------------------


def test_schema_error_names_file_line_and_field(tmp_path):
    write(tmp_path, "labs.yaml", LAB.replace("    kind: lab\n", "    kind: lab\n    colour: blue\n"))
    assert problems(tmp_path) == ["labs.yaml:3: entries.0: unknown field(s) ('colour' was unexpected)"]


def test_missing_sources_is_an_error(tmp_path):
    write(tmp_path, "labs.yaml", LAB.replace("    sources: [https://example.org/alpha]\n", ""))
    assert problems(tmp_path) == ["labs.yaml:3: entries.0: 'sources' is missing"]


def test_bad_country_code(tmp_path):
    write(tmp_path, "labs.yaml", LAB.replace("country: DE", "country: XX"))
    assert problems(tmp_path) == ["labs.yaml:5: alpha: 'XX' is not an ISO 3166-1 alpha-2 country code"]


def test_malformed_yaml_names_the_line(tmp_path):
    write(tmp_path, "labs.yaml", LAB + "  - id: [unclosed\n")
    (msg,) = problems(tmp_path)
    assert msg.startswith("labs.yaml:10: malformed YAML")


def test_overlay_conflict_and_replace(tmp_path):
    base = tmp_path / "base"
    write(base, "labs.yaml", LAB)
    over = tmp_path / "mine"
    p = write(over, "labs.yaml", LAB.replace("Alpha Lab", "Alpha Lab (mine)").replace("alpha-ai", "alpha-two"))
    (msg,) = problems(base, over)
    assert msg == f"{p.as_posix()}:3: duplicate labs id 'alpha' (first defined at labs.yaml:3); set 'replace: true' to override a shipped entry"
    write(over, "labs.yaml", LAB.replace("Alpha Lab", "Alpha Lab (mine)").replace("    kind: lab\n", "    kind: lab\n    replace: true\n"))
    kb = load_knowledge_base([over], base_dir=base)
    assert kb.get("labs", "alpha").get("name") == "Alpha Lab (mine)"


def test_namespace_claimed_twice(tmp_path):
    write(tmp_path, "labs.yaml", LAB + LAB.split("entries:\n")[1].replace("id: alpha", "id: beta"))
    (msg,) = problems(tmp_path)
    assert "namespace 'alpha-ai' claimed by both 'alpha' and 'beta'" in msg


def test_dangling_reference_between_sections(tmp_path):
    write(tmp_path, "labs.yaml", LAB)
    write(tmp_path, "api.yaml", """\
        section: api_models
        entries:
          - id: fam
            patterns: [fam-*]
            provider: nobody
            lab: alpha
            weights: api-only
            sources: [https://example.org/fam]
        """)
    assert problems(tmp_path) == ["api.yaml:3: fam: unknown provider 'nobody'"]


def test_lookups_on_a_small_base(tmp_path):
    write(tmp_path, "labs.yaml", LAB.replace("hf_namespaces: [alpha-ai]", "hf_namespaces: [alpha-ai]\n    former_namespaces: [AlphaOld]"))
    kb = load_knowledge_base(base_dir=tmp_path)
    assert kb.lab_for_namespace("Alpha-AI").id == "alpha"
    assert kb.lab_for_namespace("alphaold").id == "alpha"
    assert kb.lab_for_namespace("nobody") is None
    assert kb.version and len(kb.version) == 12


# -- lineage, package publishers, hosts that are not data flows ------------------------------------


def test_lineage_entries_are_checked_at_load(tmp_path):
    write(tmp_path, "labs.yaml", LAB)
    write(tmp_path, "lineage.yaml", """\
        section: lineage
        entries:
          - id: alpha-ai/one
            kind: derivative
            parents: [{id: other/base, relation: finetune, license: no-such-license}]
            aliases: [one:7b]
            sources: [https://example.org/one]
          - id: alpha-ai/two
            kind: derivative
            parents: [{id: other/base, relation: merge}]
            aliases: [one:7b]
            sources: [https://example.org/two]
          - id: broken
            kind: name-pattern
            pattern: "-(GGUF"
            relation: quantized
            description: d
            sources: [https://example.org/p]
          - id: no-group
            kind: name-pattern
            pattern: "-Distill-"
            relation: finetune
            role: base-family
            description: d
            sources: [https://example.org/p]
        """)
    got = problems(tmp_path)
    assert "lineage.yaml:3: alpha-ai/one: unknown license 'no-such-license'" in got
    assert "lineage.yaml:8: alpha-ai/two: name 'one:7b' is already the lineage entry 'alpha-ai/one'" in got
    assert any(m.startswith("lineage.yaml:13: broken: pattern is not a regular expression") for m in got)
    assert "lineage.yaml:19: no-group: role base-family needs a named group 'family' in the pattern" in got
    assert len(got) == 4
    write(tmp_path / "b", "labs.yaml", LAB)
    write(tmp_path / "b", "lineage.yaml", "section: lineage\nentries:\n  - {id: x, kind: derivative, sources: [https://example.org/p]}\n")
    assert problems(tmp_path / "b") == ["lineage.yaml:3: entries.0: 'parents' is missing"]


def test_package_publishers_and_hosts_lookups(kb):
    assert kb.package_publisher("@ai-sdk/deepseek", "npm").get("publisher") == "Vercel Inc. (AI SDK)"
    assert kb.package_publisher("llama-index-llms-openai").id == "llamaindex"
    assert kb.package_publisher("openai", "npm").get("country") == "US"
    assert kb.package_publisher("langchain-gigachat") is None  # not in the langchain monorepo: not established
    assert kb.host_entry("https://api.example.com/v1").get("kind") == "reserved"
    assert kb.host_entry("http://llm.test:8000").get("kind") == "reserved"
    assert kb.host_entry("https://github.com/org/repo").get("kind") == "non-inference"
    assert kb.host_entry("https://router.huggingface.co/v1") is None  # an inference host (provider huggingface)
    assert kb.host_entry("https://models.github.ai/inference") is None
    assert kb.host_entry("https://ollama.com/library/qwen3").id == "ollama-library"  # a model page
    assert kb.host_entry("https://ollama.com/api/chat") is None  # Ollama's cloud API
    # an OpenTelemetry collector (OTLP's registered ports) is not a model, on whatever host; other ports are
    assert kb.host_entry("http://0.0.0.0:4317").id == kb.host_entry("otel-collector:4318").id == "telemetry-collectors"
    assert kb.host_entry("http://0.0.0.0:8000/v1") is None and kb.host_entry("http://vllm:99999/v1") is None
    relations, entries = kb.license_carry_over
    assert relations == {"finetune", "quantized", "adapter", "merge", "base"} and entries


def test_the_command_line_knows_every_section():
    from sovaudit import cli

    assert cli.SECTIONS == SECTIONS


def test_a_word_family_must_be_one_of_the_labs_families(tmp_path):
    write(tmp_path, "labs.yaml", LAB.replace("    kind: lab\n", "    kind: lab\n    families: [Alpha]\n    word_families: [Beta]\n"))
    (msg,) = problems(tmp_path)
    assert "word family 'Beta' is not one of the lab's families" in msg
