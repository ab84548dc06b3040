"""Exposure per layer: exact assessments of the showcase and of hand-built stacks.

Every expectation names layers, jurisdictions, entities and the full path in the graph back to the
file and line -- never counts alone. ``flatten`` renders an assessment one line per layer,
jurisdiction, exposure, path and model so that a whole assessment compares as text.
"""

from __future__ import annotations

import json
import random
import textwrap
from dataclasses import replace
from pathlib import Path

from sovaudit.assess.exposure import (
    assess,
    assess_scan,
    memberships,
    orders_of,
    regimes_for,
)
from sovaudit.detect.scan import scan
from sovaudit.model import Context, ExposureKind, Fact, Kind, Layer, ScanConfig
from sovaudit.report import jsondoc
from sovaudit.resolve.hub import HubClient
from sovaudit.resolve.provenance import resolve_scan
from sovaudit.rules import load_knowledge_base
from sovaudit.serialize import assessment_to_dict

from graph_support import EV, mixed_stack, prov, ref, scan_result
from report_support import check_golden

EU_STACK = Path(__file__).resolve().parents[1] / "examples" / "eu-stack"


def flatten(a) -> list[str]:
    """One line per layer (its own references), jurisdiction (own references, and references of
    other layers that depend on it), exposure, path (with how near its serving evidence is and how it
    stands to home) and model (serving paths, licenses per access path, lineage status)."""
    out = []
    for la in a.layers:
        out.append(f"{la.layer.value}: {la.references} refs in {la.files} files")
        for j in la.jurisdictions:
            orders = f" (in {', '.join(j.orders)})" if j.orders else ""
            out.append(f"  {j.jurisdiction}{orders} {'+'.join(j.kinds)} refs={j.references} files={j.files} "
                       f"dependents={j.dependents} via {', '.join(j.entities)}")
        for e in la.exposures:
            out.append(f"  [{e.kind.value} {e.jurisdiction}] {e.entity} via {', '.join(e.via)} conf={e.confidence} refs={e.references}"
                       + (f" hosts={e.hosts}: {', '.join(e.hosts_entities)}" if e.hosts else ""))
            for p in e.paths:
                extra = "".join(f" [{k}={v}]" for k, v in (("serving", p.serving), ("home", p.home)) if v)
                out.append(f"    {p.context} {p.confidence} {p}{extra}")
    for m in a.models:
        out.append(f"model {m.model_id}: {m.control} (weights {m.weights}; {m.reason}) deployed {', '.join(m.deployment) or '-'}; "
                   f"origin {', '.join(m.origin) or '-'} {', '.join(m.countries) or '-'}; license {m.license_id}/{m.license_class}; "
                   f"{m.status}; refs={m.references}; lineage {m.lineage_status} "
                   f"{', '.join(f'{x.depth}:{x.child}-{x.relation}->{x.parent}({x.country})' for x in m.lineage) or '-'}")
        for sv in m.serving:
            out.append(f"  serving {sv.route} {sv.processor or '-'} at {sv.scope}{' (' + sv.evidence + ')' if sv.evidence else ''} refs={sv.references}")
        for lic in m.licenses:
            out.append(f"  access {lic.access}: {lic.license_id} [{lic.license_class}] refs={lic.references}"
                       + (f" from {lic.inherited_from}" if lic.inherited_from else ""))
    return out


def golden(text: str) -> list[str]:
    return textwrap.dedent(text).strip("\n").splitlines()


def scan_offline(root, kb, hub: HubClient | None = None):
    result = scan(ScanConfig(root=str(root), cache_dir="-", jobs=1), kb)
    client = hub or HubClient(offline=True)
    try:
        return resolve_scan(result, kb, client)
    finally:
        client.close()


# ------------------------------------------------------------------------------------------
# The canonical case: examples/eu-stack, offline
# ------------------------------------------------------------------------------------------

#: The whole offline assessment of examples/eu-stack, one line per layer, exposure and path.
EU_STACK_OFFLINE = Path(__file__).parent / "golden" / "eu-stack" / "assessment.txt"



def test_eu_stack_canonical_assessment(kb):
    """A European company running a Chinese open-weight model with vLLM on NVIDIA GPUs in a US
    cloud, and calling a Chinese API for another feature: hardware -> US, cloud -> US plus the
    region's DE (within the EU, counted once), model -> CN, inference provider -> CN with data
    exposure. Per-layer counts count each layer's own references: 8 hardware mentions, not the 11
    references of models and endpoints that run on them (its dependents)."""
    a = assess(scan_offline(EU_STACK, kb), kb)
    check_golden(EU_STACK_OFFLINE, "\n".join(flatten(a)) + "\n", "eu-stack assessment")
    summary = {la.layer.value: [(j.jurisdiction, j.kinds, j.orders, j.references, j.dependents) for j in la.jurisdictions]
               for la in a.layers}
    assert summary == {
        "hardware": [("US", ("supply",), (), 8, 11)],
        "cloud": [("US", ("data", "supply"), (), 32, 11), ("DE", ("data",), ("EU",), 6, 11)],
        "inference-provider": [("CN", ("data",), (), 7, 0)],
        "model": [("CN", ("supply",), (), 11, 0)],
        "software": [("US", ("supply",), (), 8, 0)],
    }


def test_eu_stack_regimes_are_those_of_the_knowledge_base_for_each_kind(kb):
    a = assess(scan_offline(EU_STACK, kb), kb)
    """An exposure's regimes are its jurisdiction's and its legal orders' (DE: German law and the
    EU's), filtered by the exposure's kind."""
    a = assess(scan_offline(EU_STACK, kb), kb)
    for e in a.exposures:
        want = sorted({r for j in (e.jurisdiction,) + e.orders for r in regimes_for(kb, j, e.kind.value)})
        assert e.regimes == tuple(r.id for r in want), (e.layer, e.kind, e.jurisdiction)
        assert all(e.kind.value in r.applies_to for j in (e.jurisdiction,) + e.orders for r in regimes_for(kb, j, e.kind.value))
    for la in a.layers:
        for j in la.jurisdictions:
            assert j.regimes == tuple(sorted({r for k in j.kinds for x in (j.jurisdiction,) + j.orders
                                              for r in regimes_for(kb, x, k)}))
    cloud = {(e.kind, e.jurisdiction, e.entity): e.regimes for e in a.layer("cloud").exposures}
    assert "us-cloud-act" in cloud[(ExposureKind.DATA, "US", "cloud:aws")]
    assert "eu-gdpr" in cloud[(ExposureKind.DATA, "DE", "region:aws/eu-central-1")]
    inference = {(e.kind, e.jurisdiction, e.entity): e.regimes for e in a.layer("inference-provider").exposures}
    assert "cn-national-intelligence-law" in inference[(ExposureKind.DATA, "CN", "provider:deepseek")]


def test_eu_stack_with_lineage_resolved_against_the_hub(kb, fake_hub):
    """Resolved against a (fake, local) Hub the Qwen model shows its lineage to the base model,
    both made by a Chinese lab, and its weights are known to be downloadable."""
    client = HubClient(timeout=2.0, backoff=0.01, sleep=lambda s: None)
    a = assess(scan_offline(EU_STACK, kb, client), kb)
    qwen = [line for line in flatten(a) if "-references-> model:Qwen/Qwen2.5-7B-Instruct" in line and "published-by" in line]
    assert qwen == [
        "    config 0.77 loc:.env.example:5 -references-> model:Qwen/Qwen2.5-7B-Instruct -published-by-> lab:alibaba-qwen -subject-to-> jurisdiction:CN",
        "    config 0.77 loc:.env.example:5 -references-> model:Qwen/Qwen2.5-7B-Instruct -derived-from-> model:Qwen/Qwen2.5-7B -published-by-> lab:alibaba-qwen -subject-to-> jurisdiction:CN",
        "    config 0.81 loc:deploy/Dockerfile:14 -references-> model:Qwen/Qwen2.5-7B-Instruct -published-by-> lab:alibaba-qwen -subject-to-> jurisdiction:CN",
        "    config 0.81 loc:deploy/Dockerfile:14 -references-> model:Qwen/Qwen2.5-7B-Instruct -derived-from-> model:Qwen/Qwen2.5-7B -published-by-> lab:alibaba-qwen -subject-to-> jurisdiction:CN",
        "    config 0.81 loc:deploy/k8s/vllm.yaml:37 -references-> model:Qwen/Qwen2.5-7B-Instruct -published-by-> lab:alibaba-qwen -subject-to-> jurisdiction:CN",
        "    config 0.81 loc:deploy/k8s/vllm.yaml:37 -references-> model:Qwen/Qwen2.5-7B-Instruct -derived-from-> model:Qwen/Qwen2.5-7B -published-by-> lab:alibaba-qwen -subject-to-> jurisdiction:CN",
        "    code 0.77 loc:service/summarize.py:14 -references-> model:Qwen/Qwen2.5-7B-Instruct -published-by-> lab:alibaba-qwen -subject-to-> jurisdiction:CN",
        "    code 0.77 loc:service/summarize.py:14 -references-> model:Qwen/Qwen2.5-7B-Instruct -derived-from-> model:Qwen/Qwen2.5-7B -published-by-> lab:alibaba-qwen -subject-to-> jurisdiction:CN",
    ]
    models = {m.model_id: m for m in a.models}
    q = models["Qwen/Qwen2.5-7B-Instruct"]
    assert (q.control, q.weights, q.license_id, q.license_class, q.license_terms, q.countries) == (
        "self-hostable", "downloadable", "apache-2.0", "permissive", ("attribution",), ("CN",))
    assert [(x.depth, x.child, x.relation, x.parent, x.country) for x in q.lineage] == [
        (1, "Qwen/Qwen2.5-7B-Instruct", "finetune", "Qwen/Qwen2.5-7B", "CN")]
    depths = {p.depth for e in a.layer("model").exposures if e.entity == "model:Qwen/Qwen2.5-7B-Instruct" for p in e.paths}
    assert depths == {0, 1}


# ------------------------------------------------------------------------------------------
# Hand-built stack: lineage across borders, host/model mismatch, API-only, unknowns
# ------------------------------------------------------------------------------------------

MIXED = """
    hardware: 2 refs in 2 files
      US supply refs=2 files=2 dependents=3 via endpoint:http://llm.internal:8080/v1, hardware:nvidia, package:nvidia-cuda-runtime-cu12
      [supply US] endpoint:http://llm.internal:8080/v1 via hardware:nvidia conf=0.9 refs=1
        code 0.9 loc:svc/app.py:11 -references-> endpoint:http://llm.internal:8080/v1 -runs-on-> hardware:nvidia -subject-to-> jurisdiction:US
      [supply US] hardware:nvidia via hardware:nvidia conf=0.9 refs=1 hosts=2: model:llama3.2, model:nvidia/Qwen-FT-7B
        code 0.9 loc:k8s/gpu.yaml:7 -references-> hardware:nvidia -subject-to-> jurisdiction:US
      [supply US] package:nvidia-cuda-runtime-cu12 via hardware:nvidia conf=0.9 refs=1
        code 0.9 loc:requirements.txt:2 -references-> package:nvidia-cuda-runtime-cu12 -runs-on-> hardware:nvidia -subject-to-> jurisdiction:US
    cloud: 4 refs in 3 files
      US data+supply refs=3 files=2 dependents=3 via cloud:aws, endpoint:http://llm.internal:8080/v1, model:deepseek.r1-v1:0, region:aws/eu-west-1
      IE (in EU) data refs=1 files=1 dependents=3 via endpoint:http://llm.internal:8080/v1, region:aws/eu-west-1
      unknown data refs=1 files=1 dependents=3 via endpoint:http://llm.internal:8080/v1, region:unknown/westeurope
      DE (in EU) data refs=1 files=1 dependents=0 via model:deepseek.r1-v1:0
      [data DE] model:deepseek.r1-v1:0 via region:aws/eu-central-1 conf=0.9 refs=1
        code 0.9 loc:svc/bedrock.py:4 -references-> model:deepseek.r1-v1:0 -served-by-> provider:bedrock -hosted-in-> region:aws/eu-central-1 -subject-to-> jurisdiction:DE [serving=string]
      [data IE] endpoint:http://llm.internal:8080/v1 via region:aws/eu-west-1 conf=0.9 refs=1
        code 0.9 loc:svc/app.py:11 -references-> endpoint:http://llm.internal:8080/v1 -hosted-in-> region:aws/eu-west-1 -subject-to-> jurisdiction:IE
      [data IE] region:aws/eu-west-1 via region:aws/eu-west-1 conf=0.9 refs=1 hosts=2: model:llama3.2, model:nvidia/Qwen-FT-7B
        config 0.9 loc:infra/main.tf:3 -references-> region:aws/eu-west-1 -subject-to-> jurisdiction:IE
      [data US] cloud:aws via cloud:aws conf=0.9 refs=1
        code 0.9 loc:infra/main.tf:1 -references-> cloud:aws -subject-to-> jurisdiction:US
      [data US] endpoint:http://llm.internal:8080/v1 via cloud:aws conf=0.9 refs=1
        code 0.9 loc:svc/app.py:11 -references-> endpoint:http://llm.internal:8080/v1 -hosted-in-> region:aws/eu-west-1 -operated-by-> cloud:aws -subject-to-> jurisdiction:US
      [data US] model:deepseek.r1-v1:0 via cloud:aws conf=0.9 refs=1
        code 0.9 loc:svc/bedrock.py:4 -references-> model:deepseek.r1-v1:0 -served-by-> provider:bedrock -hosted-in-> region:aws/eu-central-1 -operated-by-> cloud:aws -subject-to-> jurisdiction:US [serving=string]
      [data US] region:aws/eu-west-1 via cloud:aws conf=0.9 refs=1 hosts=2: model:llama3.2, model:nvidia/Qwen-FT-7B
        config 0.9 loc:infra/main.tf:3 -references-> region:aws/eu-west-1 -operated-by-> cloud:aws -subject-to-> jurisdiction:US
      [data unknown] endpoint:http://llm.internal:8080/v1 via region:unknown/westeurope conf=0.9 refs=1
        code 0.9 loc:svc/app.py:11 -references-> endpoint:http://llm.internal:8080/v1 -hosted-in-> region:unknown/westeurope -subject-to-> jurisdiction:unknown
      [data unknown] region:unknown/westeurope via region:unknown/westeurope conf=0.9 refs=1 hosts=2: model:llama3.2, model:nvidia/Qwen-FT-7B
        config 0.9 loc:infra/other.tf:2 -references-> region:unknown/westeurope -subject-to-> jurisdiction:unknown
      [supply US] cloud:aws via cloud:aws conf=0.9 refs=1
        code 0.9 loc:infra/main.tf:1 -references-> cloud:aws -subject-to-> jurisdiction:US
      [supply US] endpoint:http://llm.internal:8080/v1 via cloud:aws conf=0.9 refs=1
        code 0.9 loc:svc/app.py:11 -references-> endpoint:http://llm.internal:8080/v1 -hosted-in-> region:aws/eu-west-1 -operated-by-> cloud:aws -subject-to-> jurisdiction:US
      [supply US] model:deepseek.r1-v1:0 via cloud:aws conf=0.9 refs=1
        code 0.9 loc:svc/bedrock.py:4 -references-> model:deepseek.r1-v1:0 -served-by-> provider:bedrock -hosted-in-> region:aws/eu-central-1 -operated-by-> cloud:aws -subject-to-> jurisdiction:US [serving=string]
      [supply US] region:aws/eu-west-1 via cloud:aws conf=0.9 refs=1 hosts=2: model:llama3.2, model:nvidia/Qwen-FT-7B
        config 0.9 loc:infra/main.tf:3 -references-> region:aws/eu-west-1 -operated-by-> cloud:aws -subject-to-> jurisdiction:US
    inference-provider: 5 refs in 3 files
      US data+supply refs=3 files=2 dependents=0 via model:deepseek.r1-v1:0, model:gpt-4o, provider:openai
      unknown data refs=2 files=1 dependents=0 via endpoint:https://api.example-llm.io/v1, model:unknown-org/mystery
      [data US] model:deepseek.r1-v1:0 via provider:bedrock conf=0.9 refs=1
        code 0.9 loc:svc/bedrock.py:4 -references-> model:deepseek.r1-v1:0 -served-by-> provider:bedrock -subject-to-> jurisdiction:US [serving=string]
      [data US] model:gpt-4o via provider:openai conf=0.77 refs=1
        code 0.77 loc:svc/chat.py:5 -references-> model:gpt-4o -served-by-> provider:openai -subject-to-> jurisdiction:US [serving=file]
      [data US] provider:openai via provider:openai conf=0.9 refs=1
        code 0.9 loc:svc/chat.py:4 -references-> provider:openai -subject-to-> jurisdiction:US
      [data unknown] endpoint:https://api.example-llm.io/v1 via endpoint:https://api.example-llm.io/v1 conf=0.9 refs=1
        code 0.9 loc:svc/misc.py:8 -references-> endpoint:https://api.example-llm.io/v1 -subject-to-> jurisdiction:unknown
      [data unknown] model:unknown-org/mystery via endpoint:https://api.example-llm.io/v1 conf=0.77 refs=1
        code 0.77 loc:svc/misc.py:2 -references-> model:unknown-org/mystery -served-by-> endpoint:https://api.example-llm.io/v1 -subject-to-> jurisdiction:unknown [serving=file]
      [supply US] model:gpt-4o via provider:openai conf=0.77 refs=1
        code 0.77 loc:svc/chat.py:5 -references-> model:gpt-4o -served-by-> provider:openai -subject-to-> jurisdiction:US [serving=file]
    model: 5 refs in 5 files
      US supply refs=3 files=3 dependents=0 via model:gpt-4o, model:llama3.2, model:nvidia/Qwen-FT-7B
      CN supply refs=2 files=2 dependents=0 via model:deepseek.r1-v1:0, model:nvidia/Qwen-FT-7B
      unknown supply refs=1 files=1 dependents=0 via model:unknown-org/mystery
      [supply CN] model:deepseek.r1-v1:0 via lab:deepseek conf=0.85 refs=1
        code 0.85 loc:svc/bedrock.py:4 -references-> model:deepseek.r1-v1:0 -published-by-> lab:deepseek -subject-to-> jurisdiction:CN
      [supply CN] model:nvidia/Qwen-FT-7B via lab:alibaba-qwen conf=0.85 refs=1
        code 0.85 loc:svc/app.py:10 -references-> model:nvidia/Qwen-FT-7B -derived-from-> model:Qwen/Qwen2.5-7B-Instruct -published-by-> lab:alibaba-qwen -subject-to-> jurisdiction:CN
        code 0.85 loc:svc/app.py:10 -references-> model:nvidia/Qwen-FT-7B -derived-from-> model:Qwen/Qwen2.5-7B-Instruct -derived-from-> model:Qwen/Qwen2.5-7B -published-by-> lab:alibaba-qwen -subject-to-> jurisdiction:CN
      [supply US] model:gpt-4o via lab:openai conf=0.85 refs=1
        code 0.85 loc:svc/chat.py:5 -references-> model:gpt-4o -published-by-> lab:openai -subject-to-> jurisdiction:US
      [supply US] model:llama3.2 via lab:meta conf=0.27 refs=1
        code 0.27 loc:svc/local.py:3 -references-> model:llama3.2 -published-by-> lab:meta -subject-to-> jurisdiction:US
      [supply US] model:nvidia/Qwen-FT-7B via lab:nvidia conf=0.85 refs=1
        code 0.85 loc:svc/app.py:10 -references-> model:nvidia/Qwen-FT-7B -published-by-> lab:nvidia -subject-to-> jurisdiction:US
      [supply unknown] model:unknown-org/mystery via model:unknown-org/mystery conf=0.9 refs=1
        code 0.9 loc:svc/misc.py:2 -references-> model:unknown-org/mystery -subject-to-> jurisdiction:unknown
    software: 3 refs in 2 files
      US supply refs=3 files=2 dependents=0 via model:llama3.2, package:nvidia-cuda-runtime-cu12, package:vllm
      [supply US] model:llama3.2 via provider:ollama conf=0.9 refs=1
        code 0.9 loc:svc/local.py:3 -references-> model:llama3.2 -served-by-> provider:ollama -subject-to-> jurisdiction:US [serving=call]
      [supply US] package:nvidia-cuda-runtime-cu12 via package:nvidia-cuda-runtime-cu12 conf=0.9 refs=1
        code 0.9 loc:requirements.txt:2 -references-> package:nvidia-cuda-runtime-cu12 -subject-to-> jurisdiction:US
      [supply US] package:vllm via package:vllm conf=0.9 refs=1
        code 0.9 loc:requirements.txt:1 -references-> package:vllm -subject-to-> jurisdiction:US
    model deepseek.r1-v1:0: self-hostable (weights downloadable; weights are downloadable) deployed provider:bedrock; origin deepseek CN; license lic/permissive; resolved; refs=1; lineage established -
      serving provider provider:bedrock at string refs=1
      access provider:bedrock: terms:bedrock [service-terms] refs=1
    model gpt-4o: api-only (weights api-only; weights are not published: only the provider can serve it) deployed provider:openai; origin openai US; license lic/proprietary; resolved; refs=1; lineage established -
      serving provider provider:openai at file (svc/chat.py:4) refs=1
      access provider:openai: terms:openai [service-terms] refs=1
    model llama3.2: self-hostable (weights unknown; the stack loads or serves its weights itself) deployed self-hosted; origin meta US; license unknown/unknown; inferred; refs=1; lineage inferred -
      serving provider provider:ollama at call refs=1
      access weights: unknown [unknown] refs=1
    model nvidia/Qwen-FT-7B: self-hostable (weights downloadable; weights are downloadable) deployed self-hosted; origin alibaba-qwen CN, US; license lic/permissive; resolved; refs=1; lineage established 1:nvidia/Qwen-FT-7B-finetune->Qwen/Qwen2.5-7B-Instruct(CN), 2:Qwen/Qwen2.5-7B-Instruct-finetune->Qwen/Qwen2.5-7B(CN)
      serving self-hosted - at file (svc/app.py:11) refs=1
      access weights: lic [permissive] refs=1
    model unknown-org/mystery: unknown (weights unknown; weights availability not established) deployed endpoint:https://api.example-llm.io/v1; origin - unknown; license unknown/unknown; unknown; refs=1; lineage not-established -
      serving provider endpoint:https://api.example-llm.io/v1 at file (svc/misc.py:8) refs=1
      access endpoint:https://api.example-llm.io/v1: terms:unknown [unknown] refs=1
"""


def test_mixed_stack_assessment(kb):
    assert flatten(assess(mixed_stack(), kb)) == golden(MIXED)


def test_lineage_crossing_borders(kb):
    """A US publisher's fine-tune of a Chinese base: the model layer depends on both, the
    Chinese exposure at lineage depth 1 and 2, the US one at depth 0."""
    a = assess(mixed_stack(), kb)
    got = sorted((e.jurisdiction, p.depth, p.nodes[-2]) for e in a.layer("model").exposures
                 if e.entity == "model:nvidia/Qwen-FT-7B" for p in e.paths)
    assert got == [("CN", 1, "lab:alibaba-qwen"), ("CN", 2, "lab:alibaba-qwen"), ("US", 0, "lab:nvidia")]
    (m,) = [m for m in a.models if m.model_id == "nvidia/Qwen-FT-7B"]
    assert m.countries == ("CN", "US")
    assert [(x.depth, x.child, x.parent, x.country) for x in m.lineage] == [
        (1, "nvidia/Qwen-FT-7B", "Qwen/Qwen2.5-7B-Instruct", "CN"), (2, "Qwen/Qwen2.5-7B-Instruct", "Qwen/Qwen2.5-7B", "CN")]


def test_chinese_model_on_a_us_managed_service(kb):
    """Bedrock serving deepseek.r1-v1:0 in eu-central-1: the model is CN (supply: the lab is the
    supplier), the re-host US (data: the processor), the region DE within the EU legal order
    (data), the cloud operator US. Under home EU its data stays home, under a US operator."""
    a = assess(mixed_stack(), kb)
    got = sorted((e.layer.value, e.kind.value, e.jurisdiction, e.orders) for e in a.exposures if e.entity == "model:deepseek.r1-v1:0")
    assert got == [
        ("cloud", "data", "DE", ("EU",)), ("cloud", "data", "US", ()), ("cloud", "supply", "US", ()),
        ("inference-provider", "data", "US", ()),
        ("model", "supply", "CN", ()),
    ]
    home = assess(mixed_stack(), kb, home="EU", home_source="--home")
    rel = sorted({(e.layer.value, e.jurisdiction, p.home) for e in home.exposures if e.entity == "model:deepseek.r1-v1:0"
                  for p in e.paths if e.kind.value == "data"})
    assert rel == [("cloud", "DE", "domestic"), ("cloud", "US", "foreign-control"), ("inference-provider", "US", "foreign-control")]


def test_host_model_mismatch_from_source_files(kb, tmp_path):
    """The same mismatch found in code: a Bedrock ARN naming its region, a Qwen model on Vertex."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "bedrock.py").write_text(textwrap.dedent("""\
        import boto3

        client = boto3.client("bedrock-runtime", region_name="eu-west-1")
        resp = client.converse(modelId="arn:aws:bedrock:eu-west-1::foundation-model/deepseek.r1-v1:0", messages=[])
        """))
    (tmp_path / "app" / "vertex.py").write_text(textwrap.dedent("""\
        from langchain_google_vertexai import ChatVertexAI

        llm = ChatVertexAI(model="qwen/qwen3-coder-480b-a35b-instruct-maas")
        """))
    a = assess(scan_offline(tmp_path, kb), kb)
    got = sorted((e.layer.value, e.kind.value, e.jurisdiction, e.entity, tuple(e.via)) for e in a.exposures
                 if e.entity.startswith("model:"))
    assert got == [
        ("cloud", "data", "IE", "model:deepseek.r1-v1:0", ("region:aws/eu-west-1",)),
        ("cloud", "data", "US", "model:deepseek.r1-v1:0", ("cloud:aws",)),
        ("cloud", "supply", "US", "model:deepseek.r1-v1:0", ("cloud:aws",)),
        ("inference-provider", "data", "US", "model:deepseek.r1-v1:0", ("provider:bedrock",)),
        ("inference-provider", "data", "US", "model:qwen/qwen3-coder-480b-a35b-instruct-maas", ("provider:vertex-ai",)),
        ("model", "supply", "CN", "model:deepseek.r1-v1:0", ("lab:deepseek",)),
        ("model", "supply", "CN", "model:qwen/qwen3-coder-480b-a35b-instruct-maas", ("lab:alibaba-qwen",)),
    ]
    paths = {str(p) for e in a.exposures for p in e.paths if e.jurisdiction == "IE"}
    assert paths == {"loc:app/bedrock.py:4 -references-> model:deepseek.r1-v1:0 -served-by-> provider:bedrock "
                     "-hosted-in-> region:aws/eu-west-1 -subject-to-> jurisdiction:IE",
                     # the code names the region itself too: the client's region_name and the ARN's
                     "loc:app/bedrock.py:3 -references-> region:aws/eu-west-1 -subject-to-> jurisdiction:IE",
                     "loc:app/bedrock.py:4 -references-> region:aws/eu-west-1 -subject-to-> jurisdiction:IE"}
    controls = {m.model_id: (m.control, m.deployment) for m in a.models}
    assert controls == {"deepseek.r1-v1:0": ("unknown", ("provider:bedrock",)),
                        "qwen/qwen3-coder-480b-a35b-instruct-maas": ("unknown", ("provider:vertex-ai",))}


def test_api_only_model_is_a_supply_exposure_through_its_provider(kb):
    r = scan_result([ref(Kind.MODEL, "gpt-4o", "chat.py", 3, form="api", provider="openai", base_url="https://api.openai.com/v1")],
                    [prov("gpt-4o", publisher="openai", origin="openai", country="US", weights="api-only", provider="openai")])
    a = assess(r, kb)
    assert [(e.layer.value, e.kind.value, e.jurisdiction, e.via) for e in a.exposures] == [
        ("inference-provider", "data", "US", ("provider:openai",)),
        ("inference-provider", "supply", "US", ("provider:openai",)),
        ("model", "supply", "US", ("lab:openai",)),
    ]
    (m,) = a.models
    assert (m.control, m.weights, m.deployment) == ("api-only", "api-only", ("provider:openai",))
    assert [(x.access, x.license_id, x.license_class, x.url) for x in m.licenses] == [
        ("provider:openai", "terms:openai", "service-terms", "https://openai.com/policies/services-agreement/")]


def test_an_api_only_name_without_a_serving_path_is_model_supply_only(kb):
    """``gpt-4o`` named with nothing near it that says which API serves it (OpenAI's, Azure's ...):
    its maker controls it (model layer), where its data goes is not established."""
    r = scan_result([ref(Kind.MODEL, "gpt-4o", "settings.py", 3, form="api", provider="openai")],
                    [prov("gpt-4o", publisher="openai", origin="openai", country="US", weights="api-only", provider="openai")])
    a = assess(r, kb)
    assert [(e.layer.value, e.kind.value, e.jurisdiction, e.via) for e in a.exposures] == [("model", "supply", "US", ("lab:openai",))]
    (m,) = a.models
    assert (m.control, m.deployment) == ("api-only", ())
    assert [(x.route, x.processor, x.scope) for x in m.serving] == [("not-established", "", "unknown")]
    assert a.layer("inference-provider").references == 0


def test_an_api_name_without_its_provider_is_not_under_the_weights_license(kb):
    """rig's Cohere module: `pub const COMMAND_R: &str = "command-r";` names Cohere's API model;
    the CC-BY-NC license is that of the separately published weights. With no serving path
    established, an API-form reference is a use under its provider's terms (not established), so
    its paths carry no weights license class and the model lists that access as API terms; the
    same name loaded as weights (form hf) stays under the weights' license."""
    p = prov("command-r", publisher="cohere", origin="cohere", country="CA", weights="gated", license_class="non-commercial")
    a = assess(scan_result([ref(Kind.MODEL, "command-r", "providers/cohere/mod.rs", 53, form="api")], [p]), kb)
    (m,) = a.models
    assert [(x.access, x.license_id, x.license_class) for x in m.licenses] == [("api", "terms:unknown", "unknown")]
    paths = [pa for e in a.exposures for pa in e.paths]
    assert paths and {(pa.access, pa.license_class) for pa in paths} == {("api", "unknown")}
    a2 = assess(scan_result([ref(Kind.MODEL, "command-r", "load.py", 3, form="hf")], [p]), kb)
    assert {(pa.access, pa.license_class) for e in a2.exposures for pa in e.paths} == {("weights", "non-commercial")}


def test_self_hostable_open_weights_called_on_an_api(kb):
    r = scan_result([ref(Kind.MODEL, "deepseek-chat", "chat.py", 3, form="api", provider="deepseek", base_url="https://api.deepseek.com")],
                    [prov("deepseek-chat", publisher="deepseek", origin="deepseek", country="CN", weights="downloadable",
                          provider="deepseek")])
    a = assess(r, kb)
    assert [(e.layer.value, e.kind.value, e.jurisdiction) for e in a.exposures] == [
        ("inference-provider", "data", "CN"), ("model", "supply", "CN")]
    (m,) = a.models
    assert (m.control, m.reason) == ("self-hostable", "weights are downloadable")


def test_territorially_limited_license_terms_come_from_the_knowledge_base(kb):
    r = scan_result([ref(Kind.MODEL, "meta-llama/Llama-3.2-11B-Vision-Instruct", "app.py", 3)],
                    [replace(prov("meta-llama/Llama-3.2-11B-Vision-Instruct", publisher="meta", origin="meta", country="US",
                                  weights="gated", license_class="custom-restrictive"),
                             license_id=Fact("llama3.2", EV))])
    (m,) = assess(r, kb).models
    assert (m.control, m.license_id, m.license_class) == ("self-hostable", "llama3.2", "custom-restrictive")
    assert m.license_terms == ("attribution", "naming", "territorial", "use-restriction", "user-cap")


def test_comment_references_are_not_dependencies(kb):
    r = scan_result([ref(Kind.MODEL, "Qwen/Qwen2.5-7B", "a.py", 1, context=Context.COMMENT),
                     ref(Kind.CLOUD, "aws", "b.tf", 1, provider="aws", context=Context.COMMENT)],
                    [prov("Qwen/Qwen2.5-7B", publisher="alibaba-qwen", origin="alibaba-qwen", country="CN")])
    a = assess(r, kb)
    assert a.exposures == () and a.models == ()
    assert [la.layer for la in a.layers] == [Layer.HARDWARE, Layer.CLOUD, Layer.INFERENCE, Layer.MODEL, Layer.SOFTWARE]


def test_docs_references_count_and_say_so(kb):
    """Outside the default scope (code, config), documentation is set apart and counted; with
    ``docs`` in scope its references are assessed and say they are documentation."""
    r = scan_result([ref(Kind.MODEL, "Qwen/Qwen2.5-7B", "README.md", 4, context=Context.DOCS)],
                    [prov("Qwen/Qwen2.5-7B", publisher="alibaba-qwen", origin="alibaba-qwen", country="CN")])
    default = assess(r, kb)
    assert default.exposures == () and default.scope == ("code", "config")
    assert [(x.reason, x.references, x.files, x.ids) for x in default.set_apart] == [("docs", 1, 1, ("Qwen/Qwen2.5-7B",))]
    a = assess(r, kb, scope=("code", "config", "docs"))
    assert a.set_apart == ()
    (e,) = a.layer("model").exposures
    assert [(p.context, str(p)) for p in e.paths] == [
        ("docs", "loc:README.md:4 -references-> model:Qwen/Qwen2.5-7B -published-by-> lab:alibaba-qwen -subject-to-> jurisdiction:CN")]


def test_deterministic_whatever_the_reference_order(kb):
    base = mixed_stack()
    shuffled = list(base.references)
    random.Random(3).shuffle(shuffled)
    assert assess(base, kb) == assess(replace(base, references=tuple(shuffled)), kb)


# ------------------------------------------------------------------------------------------
# Regimes: applies_to decides which exposures a regime is cited for
# ------------------------------------------------------------------------------------------


def _overlay(tmp_path: Path) -> Path:
    d = tmp_path / "rules"
    d.mkdir()
    (d / "labs.yaml").write_text(textwrap.dedent("""\
        section: labs
        entries:
          - id: penguin-labs
            name: Penguin Labs
            country: AQ
            kind: lab
            hf_namespaces: [penguin]
            sources: ["https://example.org/penguin"]
        """))
    (d / "providers.yaml").write_text(textwrap.dedent("""\
        section: providers
        entries:
          - id: penguin-api
            name: Penguin API
            owner: Penguin Labs
            country: AQ
            kind: model-api
            base_urls: [{url: "https://api.penguin.example"}]
            sources: ["https://example.org/penguin-api"]
        """))
    (d / "jurisdictions.yaml").write_text(textwrap.dedent("""\
        section: jurisdictions
        entries:
          - id: AQ
            name: Antarctica
            sources: ["https://example.org/aq"]
            regimes:
              - {id: aq-data, name: Ice Data Act, year: 2020, effect: "Data stored on the ice may be read.", kind: data-access,
                 applies_to: [data], sources: ["https://example.org/aq-data"]}
              - {id: aq-supply, name: Ice Export Rule, year: 2021, effect: "Weights may not leave the ice.", kind: export-control,
                 applies_to: [supply], sources: ["https://example.org/aq-supply"]}
              - {id: aq-all, name: Ice Security Law, year: 2019, effect: "Everything on the ice is in scope.", kind: security,
                 applies_to: [data, supply], sources: ["https://example.org/aq-all"]}
        """))
    return d


def test_regimes_follow_applies_to(tmp_path):
    kb = load_knowledge_base([_overlay(tmp_path)])
    r = scan_result([ref(Kind.MODEL, "penguin/ice-1", "app.py", 2, form="api", provider="penguin-api")],
                    [prov("penguin/ice-1", publisher="penguin-labs", origin="penguin-labs", country="AQ")])
    a = assess(r, kb)
    assert [(e.layer.value, e.kind.value, e.jurisdiction, e.regimes) for e in a.exposures] == [
        ("inference-provider", "data", "AQ", ("aq-all", "aq-data")),
        ("model", "supply", "AQ", ("aq-all", "aq-supply")),
    ]
    (j,) = a.layer("model").jurisdictions
    assert [(x.jurisdiction, x.id, x.name, x.year, x.kind, x.applies_to, x.url) for x in j.regimes] == [
        ("AQ", "aq-all", "Ice Security Law", 2019, "security", ("data", "supply"), "https://example.org/aq-all"),
        ("AQ", "aq-supply", "Ice Export Rule", 2021, "export-control", ("supply",), "https://example.org/aq-supply"),
    ]
    assert regimes_for(kb, "unknown") == ()


def test_memberships_are_transitive_and_from_the_knowledge_base(kb):
    m = memberships(kb)
    assert m["DE"] == ("EU",) and m["FR"] == ("EU",)
    assert m["US"] == () and m["CN"] == ()
    # the orders the reports shade members by: only codes that belong to one, sorted, once each
    assert orders_of(["US", "FR", "DE", "FR", "unknown"], kb) == (("DE", ("EU",)), ("FR", ("EU",)))


# ------------------------------------------------------------------------------------------
# Serialisation
# ------------------------------------------------------------------------------------------


def test_exposure_routes_are_its_paths_grouped(kb):
    """The routes the assessment builds as it goes are exactly its paths grouped by route
    (``routes_of``): same routes, same order, same references in the same order."""
    from sovaudit.assess.exposure import routes_of

    corpus = Path(__file__).resolve().parent / "corpus" / "tree"
    for tree in (EU_STACK, corpus):
        a = assess(scan_offline(tree, kb), kb)
        assert a.exposures
        for e in a.exposures:
            # a host no reference of its own names (hardware a package is built for) has only the
            # uses it hosts
            assert (e.routes or e.hosts) and e.routes == routes_of(e.paths)
            assert sum(len(r.references) for r in e.routes) >= e.references
            assert {k for r in e.routes for k in r.references} == {p.fingerprint for p in e.paths}


def test_assessment_in_the_json_document(kb):
    result = assess_scan(mixed_stack(), kb)
    doc = json.loads(jsondoc.dumps(result))
    assert doc["assessment"] == json.loads(json.dumps(assessment_to_dict(result.assessment)))
    assert [la["layer"] for la in doc["assessment"]["layers"]] == ["hardware", "cloud", "inference-provider", "model", "software"]
    model_layer = doc["assessment"]["layers"][3]
    first = model_layer["exposures"][0]
    assert first["kind"] == "supply" and first["jurisdiction"] == "CN" and first["entity"] == "model:deepseek.r1-v1:0"
    route = first["routes"][0]
    assert route["route"] == "model:deepseek.r1-v1:0 -published-by-> lab:deepseek -subject-to-> jurisdiction:CN"
    assert route["nodes"][0] == "model:deepseek.r1-v1:0" and route["lineage_depth"] == 0
    # each reference on the route is named once, by fingerprint; its file and line are in "references"
    where = {r["fingerprint"]: (r["path"], r["line"]) for r in doc["references"]}
    assert [where[k] for k in route["references"]] == [("svc/bedrock.py", 4)]
    gpt = [m for m in doc["assessment"]["models"] if m["model_id"] == "gpt-4o"][0]
    assert gpt["control"] == "api-only" and gpt["deployment"] == ["provider:openai"]
    assert doc["findings"] == []


def test_default_assessment_on_a_scan_result_is_empty_not_none():
    from sovaudit.model import Assessment, ScanResult

    r = ScanResult("x", "0", "0", (), ())
    assert r.assessment == Assessment() and r.findings == ()
    assert r.assessment.layer("model").exposures == ()


def test_a_units_hosts_count_each_self_hosted_use_once_not_per_use_and_host(kb, tmp_path):
    """A project that loads m models and names h regions and a GPU vendor: each model runs in
    every one of them, a fact of the project. Counted once on each host's exposure (``hosts``),
    the assessment stays linear; as an exposure per model and host it was m x h (4,000 models and
    20 regions made 156 MB of JSON from 4,043 references)."""
    m, regions = 120, ["us-east-1", "eu-west-1", "eu-central-1", "ap-south-1", "ca-central-1", "sa-east-1"]
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text("".join(
        f'provider "aws" {{\n  alias  = "r{i}"\n  region = "{r}"\n}}\n' for i, r in enumerate(regions)))
    (tmp_path / "load.py").write_text("import torch\nfrom transformers import AutoModel\ndevice = torch.device('cuda:0')\n"
                                      + "".join(f'm{i} = AutoModel.from_pretrained("acme-lab/model-{i}")\n' for i in range(m)))
    result = scan_offline(tmp_path, kb)
    a = assess(result, kb)
    models = {f"model:acme-lab/model-{i}" for i in range(m)}
    # no cloud or hardware exposure is a model's own
    assert not [e for la in (a.layer(Layer.CLOUD), a.layer(Layer.HARDWARE)) for e in la.exposures if e.entity in models]
    hosting = [e for la in (a.layer(Layer.CLOUD), a.layer(Layer.HARDWARE)) for e in la.exposures if e.hosts]
    assert {e.entity for e in hosting} == {f"region:aws/{r}" for r in regions} | {"hardware:nvidia"}
    for e in hosting:
        assert e.hosts == m and set(e.hosts_entities) == models
        # its paths are its own references: the region named once, the device string
        assert all(p.nodes[1] == e.entity for p in e.paths) and e.references == len({p.fingerprint for p in e.paths})
    total_paths = sum(len(e.paths) for e in a.exposures)
    own_refs = len([r for r in result.references if r.context.value in ("code", "config")])
    assert total_paths < 4 * own_refs  # linear: a model's lineage routes and a region's two subjects
    # the per-layer counts are unchanged by where the uses are counted: they depend on the layer
    for la in (a.layer(Layer.CLOUD), a.layer(Layer.HARDWARE)):
        assert all(j.dependents == m for j in la.jurisdictions)
    # the models' own answer stays on the model layer, with their self-hosted serving
    assert {e.entity for e in a.layer(Layer.MODEL).exposures} == models
    assert all("self-hosted" in c.deployment for c in a.models)


def test_hosts_in_the_json_document_and_its_schema(kb, tmp_path):
    from test_report import errors, result_validator

    result = assess_scan(mixed_stack(), kb)
    doc = json.loads(jsondoc.dumps(result))
    assert not errors(result_validator(), doc)
    hosts = {e["entity"]: e["hosts"] for la in doc["assessment"]["layers"] for e in la["exposures"] if "hosts" in e}
    assert hosts["hardware:nvidia"] == {"references": 2, "entities": ["model:llama3.2", "model:nvidia/Qwen-FT-7B"],
                                        "entities_total": 2}
    assert set(hosts) == {"hardware:nvidia", "region:aws/eu-west-1", "region:unknown/westeurope"}
