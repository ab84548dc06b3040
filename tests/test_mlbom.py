"""The CycloneDX ML-BOM as its consumers use it: a modelCard on every model (added to the library's
JSON, then validated again), pkg:huggingface purls with the revision, pinned package versions, and
Dependency-Track-style identity (purl + version) that recognises one model in two BOMs."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from sovaudit.report import cyclonedx
from sovaudit.report.common import ReportError

from report_support import EU_STACK, report_result

SHA = "a09a35458c702b33eeacc393d103063234e8bc28"


def components(doc: dict) -> dict[str, dict]:
    return {c["bom-ref"]: c for c in doc["components"]}


def identity(c: dict) -> tuple[str, str]:
    """What Dependency-Track matches components on: the purl (else the name) and the version."""
    return (c.get("purl", "").split("@")[0] or c["name"], c.get("version", ""))


@pytest.fixture(scope="module")
def eu(kb):
    return report_result(EU_STACK, kb)


def test_models_have_a_model_card_purl_and_packages_their_pinned_version(eu):
    doc = json.loads(cyclonedx.dumps_json(eu))
    comps = components(doc)
    qwen = comps["model:Qwen/Qwen2.5-7B-Instruct"]
    assert qwen["purl"] == "pkg:huggingface/Qwen/Qwen2.5-7B-Instruct"
    card = {p["name"]: p["value"] for p in qwen["modelCard"]["properties"]}
    assert card["sovaudit:control"] == "self-hostable" and card["sovaudit:origin:countries"] == "CN"
    api = comps["model:deepseek-chat"]
    assert "purl" not in api  # an API model name is no Hub repository
    assert api["modelCard"]["modelParameters"] == {"task": "chat"}
    assert all("modelCard" in c for c in doc["components"] if c["type"] == "machine-learning-model")
    torch = comps["package:torch"]
    assert (torch["purl"], torch["version"]) == ("pkg:pypi/torch@2.5.1", "2.5.1")  # requirements.txt: torch==2.5.1
    assert "version" not in comps["package:vllm"]  # no manifest pins it


def test_the_xml_carries_the_model_cards_too(eu):
    from lxml import etree

    root = etree.fromstring(cyclonedx.dumps_xml(eu).encode("utf-8"))
    ns = {"c": "http://cyclonedx.org/schema/bom/1.6"}
    models = root.findall("c:components/c:component[@type='machine-learning-model']", ns)
    assert models and all(m.find("c:modelCard", ns) is not None for m in models)
    chat = next(m for m in models if m.get("bom-ref") == "model:deepseek-chat")
    assert chat.findtext("c:modelCard/c:modelParameters/c:task", namespaces=ns) == "chat"


def test_hub_revision_is_the_purl_version(eu):
    prov = tuple(replace(p, details=tuple(sorted(set(p.details) | {("sha", SHA)})))
                 if p.model_id == "Qwen/Qwen2.5-7B-Instruct" else p for p in eu.provenance)
    doc = json.loads(cyclonedx.dumps_json(replace(eu, provenance=prov)))
    qwen = components(doc)["model:Qwen/Qwen2.5-7B-Instruct"]
    assert qwen["purl"] == f"pkg:huggingface/Qwen/Qwen2.5-7B-Instruct@{SHA}" and qwen["version"] == SHA


def test_one_model_in_two_boms_is_one_identity(eu, kb, tmp_path):
    other = tmp_path / "other-service"
    other.mkdir()
    (other / "serve.sh").write_text("vllm serve Qwen/Qwen2.5-7B-Instruct --port 8000\n")
    (other / "requirements.txt").write_text("torch==2.5.1\nopenai==1.40.0\n")
    (other / "chat.py").write_text('from openai import OpenAI\nOpenAI().chat.completions.create(model="gpt-4o")\n')
    a = json.loads(cyclonedx.dumps_json(eu))
    b = json.loads(cyclonedx.dumps_json(report_result(other, kb)))
    ids_a = {identity(c) for c in a["components"]}
    ids_b = {identity(c) for c in b["components"]}
    assert ("pkg:huggingface/Qwen/Qwen2.5-7B-Instruct", "") in ids_a & ids_b
    assert ("pkg:pypi/torch", "2.5.1") in ids_a & ids_b
    assert ("pkg:pypi/openai", "1.54.3") in ids_a and ("pkg:pypi/openai", "1.40.0") in ids_b  # versions differ
    assert ("pkg:pypi/openai", "1.40.0") not in ids_a
    gpt = components(b)["model:gpt-4o"]
    assert gpt["modelCard"]["considerations"]["technicalLimitations"][0].startswith("API-only: the weights are not published")


def test_a_model_card_the_schema_rejects_is_not_written(eu, monkeypatch):
    monkeypatch.setattr(cyclonedx, "_LAST", [])
    monkeypatch.setattr(cyclonedx, "model_cards", lambda r: {"model:BAAI/bge-m3": {"modelParameters": {"task": 7}}})
    with pytest.raises(ReportError, match="failed schema validation"):
        cyclonedx.dumps_json(eu)


def test_purl_and_pin_helpers():
    assert str(cyclonedx._hub_purl("org/name", "ABC")) == "pkg:huggingface/org/name@abc"
    assert cyclonedx._hub_purl("gpt-4o") is None and cyclonedx._hub_purl("hf://a/b") is None
    assert cyclonedx._pinned({"==1.2.3"}, "pypi") == "1.2.3" and cyclonedx._pinned({"1.2.3"}, "pypi") == "1.2.3"
    assert cyclonedx._pinned({">=1.2"}, "pypi") == "" and cyclonedx._pinned({"==1.2", "==1.3"}, "pypi") == ""
    assert cyclonedx._pinned({"^1.2.3"}, "npm") == "" and cyclonedx._pinned({"1.2.3"}, "npm") == "1.2.3"


def test_an_endpoint_the_xml_schema_would_reject_is_kept_as_unparsed_text(kb, tmp_path):
    # lemonade-sdk/lemonade writes http://::1:13305/live (an IPv6 host without brackets): the
    # library accepted it, the XML schema did not, and the whole report failed
    root = tmp_path / "app"
    root.mkdir()
    (root / "health.py").write_text('HEALTH = "http://::1:13305/v1/chat/completions"\n'
                                    'OK = "http://[::1]:13305/v1/chat/completions"\n')
    result = report_result(root, kb)
    assert "http://::1:13305/v1/chat/completions" in {r.id for r in result.references}
    xml = cyclonedx.dumps_xml(result)  # validated by the library's schema validator, or ReportError
    assert "<endpoint>http://::1" not in xml
    doc = json.loads(cyclonedx.dumps_json(result))
    props = {p["name"]: p["value"] for s in doc["services"] for p in s.get("properties", [])}
    assert "http://::1:13305/v1/chat/completions" in props["sovaudit:endpoint:unparsed"]
    assert cyclonedx._uri_ok("https://api.deepseek.com/v1") and not cyclonedx._uri_ok("http://host:99999/x")
