"""The dependency graph: typed nodes with deterministic ids, typed edges, attribution rules, exports.

The fixture stack (``mixed_stack``) is a hand-built, resolved ScanResult -- Provenance objects are
written by hand, nothing reaches the network -- with lineage that crosses borders (a US fine-tune
of a Chinese base), an API-only model, a Chinese model on a US cloud's managed service in an EU
region, a self-hosted runtime, in-cluster and unknown endpoints, a region without its cloud, a
hardware package, a comment-only mention and a model nobody could resolve.
"""

from __future__ import annotations

import io
import json
import random
from dataclasses import replace
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from sovaudit.cli import main
from sovaudit.graph import build_graph, export, is_private_host, to_dot
from sovaudit.model import (
    Context,
    Evidence,
    Fact,
    Kind,
    LineageHop,
    Provenance,
    Reference,
    ScanResult,
    Status,
    fingerprint_references,
)

EV = (Evidence("rules", "test"),)
EU_STACK = Path(__file__).resolve().parents[1] / "examples" / "eu-stack"


def ref(kind: Kind, id_: str, path: str, line: int, form: str = "", provider: str = "", context: Context = Context.CODE,
        confidence: float = 0.9, **attrs: str) -> Reference:
    default_form = {Kind.MODEL: "hf", Kind.ENDPOINT: "url", Kind.CLOUD: "provider", Kind.HARDWARE: "resource",
                    Kind.PACKAGE: "requirement"}[kind]
    return Reference(kind, id_, id_, path, line, 1, "test", form or default_form, context, confidence, provider=provider,
                     attributes=tuple(sorted(attrs.items())))


def prov(mid: str, publisher: str = "", origin: str = "", country: str = "", parents: tuple[tuple[str, str], ...] = (),
         weights: str = "", provider: str = "", license_class: str = "", status: Status = Status.RESOLVED,
         confidence: float = 0.95) -> Provenance:
    f = lambda v: Fact(v, EV) if v else Fact()  # noqa: E731
    return Provenance(mid, status, publisher=f(publisher), origin_lab=f(origin), country=f(country),
                      weights=f(weights), provider=f(provider), license_id=f(license_class and "lic"),
                      license_class=f(license_class),
                      parents=tuple(LineageHop(p, rel, EV) for p, rel in parents), confidence=confidence)


def scan_result(refs: list[Reference], provenance: list[Provenance]) -> ScanResult:
    return ScanResult("fixture", "0", "test", tuple(fingerprint_references(refs)), (),
                      provenance=tuple(sorted(provenance, key=lambda p: p.model_id)), offline=True)


def mixed_stack() -> ScanResult:
    refs = [
        ref(Kind.MODEL, "nvidia/Qwen-FT-7B", "svc/app.py", 10),
        ref(Kind.ENDPOINT, "http://llm.internal:8080/v1", "svc/app.py", 11),
        ref(Kind.MODEL, "gpt-4o", "svc/chat.py", 5, form="api", provider="openai"),
        ref(Kind.MODEL, "deepseek.r1-v1:0", "svc/bedrock.py", 4, form="bedrock", provider="bedrock", region="eu-central-1"),
        ref(Kind.MODEL, "llama3.2", "svc/local.py", 3, form="ollama", provider="ollama"),
        ref(Kind.MODEL, "unknown-org/mystery", "svc/misc.py", 2),
        ref(Kind.ENDPOINT, "https://api.example-llm.io/v1", "svc/misc.py", 8),
        ref(Kind.MODEL, "mistralai/Mistral-7B-v0.1", "svc/misc.py", 1, context=Context.COMMENT),
        ref(Kind.CLOUD, "aws", "infra/main.tf", 1, provider="aws"),
        ref(Kind.CLOUD, "eu-west-1", "infra/main.tf", 3, form="region", provider="aws"),
        ref(Kind.CLOUD, "westeurope", "infra/other.tf", 2, form="region"),  # no cloud says: unknown
        ref(Kind.HARDWARE, "nvidia", "k8s/gpu.yaml", 7, provider="nvidia"),
        ref(Kind.PACKAGE, "vllm", "requirements.txt", 1, provider="vllm"),
        ref(Kind.PACKAGE, "nvidia-cuda-runtime-cu12", "requirements.txt", 2, provider="nvidia"),
    ]
    provenance = [
        prov("nvidia/Qwen-FT-7B", publisher="nvidia", origin="alibaba-qwen", country="CN",
             parents=(("Qwen/Qwen2.5-7B-Instruct", "finetune"),), weights="downloadable", license_class="permissive"),
        prov("Qwen/Qwen2.5-7B-Instruct", publisher="alibaba-qwen", origin="alibaba-qwen", country="CN",
             parents=(("Qwen/Qwen2.5-7B", "finetune"),), weights="downloadable", license_class="permissive"),
        prov("Qwen/Qwen2.5-7B", publisher="alibaba-qwen", origin="alibaba-qwen", country="CN", weights="downloadable",
             license_class="permissive"),
        prov("gpt-4o", publisher="openai", origin="openai", country="US", weights="api-only", provider="openai",
             license_class="proprietary"),
        prov("deepseek.r1-v1:0", publisher="deepseek", origin="deepseek", country="CN", weights="downloadable",
             provider="bedrock", license_class="permissive"),
        prov("llama3.2", origin="meta", country="US", status=Status.INFERRED, confidence=0.3),
    ]
    return scan_result(refs, provenance)


def entity_edges(g: nx.MultiDiGraph) -> set[tuple[str, str, str]]:
    """Every edge not leaving a location node, as (source, key, target)."""
    return {(u, k, v) for u, v, k in g.edges(keys=True) if not u.startswith("loc:")}


def reference_edges(g: nx.MultiDiGraph) -> set[tuple[str, str]]:
    return {(u, v) for u, v, k in g.edges(keys=True) if k == "references"}


# ------------------------------------------------------------------------------------------


def test_mixed_stack_nodes_and_edges(kb):
    g = build_graph(mixed_stack(), kb).g
    assert sorted(g.nodes) == [
        "cloud:aws",
        "endpoint:http://llm.internal:8080/v1",
        "endpoint:https://api.example-llm.io/v1",
        "hardware:nvidia",
        "jurisdiction:CN", "jurisdiction:DE", "jurisdiction:EU", "jurisdiction:IE", "jurisdiction:US", "jurisdiction:unknown",
        "lab:alibaba-qwen", "lab:deepseek", "lab:meta", "lab:nvidia", "lab:openai",
        "loc:infra/main.tf:1", "loc:infra/main.tf:3", "loc:infra/other.tf:2", "loc:k8s/gpu.yaml:7",
        "loc:requirements.txt:1", "loc:requirements.txt:2",
        "loc:svc/app.py:10", "loc:svc/app.py:11", "loc:svc/bedrock.py:4", "loc:svc/chat.py:5", "loc:svc/local.py:3",
        "loc:svc/misc.py:2", "loc:svc/misc.py:8",
        "model:Qwen/Qwen2.5-7B", "model:Qwen/Qwen2.5-7B-Instruct", "model:deepseek.r1-v1:0", "model:gpt-4o",
        "model:llama3.2", "model:nvidia/Qwen-FT-7B", "model:unknown-org/mystery",
        "package:nvidia-cuda-runtime-cu12", "package:vllm",
        "provider:bedrock", "provider:ollama", "provider:openai",
        "region:aws/eu-central-1", "region:aws/eu-west-1", "region:unknown/westeurope",
    ]
    assert entity_edges(g) == {
        # lineage crossing borders: a US publisher's fine-tune of a Chinese base
        ("model:nvidia/Qwen-FT-7B", "derived-from:finetune", "model:Qwen/Qwen2.5-7B-Instruct"),
        ("model:nvidia/Qwen-FT-7B", "published-by", "lab:nvidia"),
        ("model:Qwen/Qwen2.5-7B-Instruct", "derived-from:finetune", "model:Qwen/Qwen2.5-7B"),
        ("model:Qwen/Qwen2.5-7B-Instruct", "published-by", "lab:alibaba-qwen"),
        ("model:Qwen/Qwen2.5-7B", "published-by", "lab:alibaba-qwen"),
        ("lab:nvidia", "subject-to", "jurisdiction:US"),
        ("lab:alibaba-qwen", "subject-to", "jurisdiction:CN"),
        # self-hosted: the stack's regions (with and without a known cloud) and hardware
        ("model:nvidia/Qwen-FT-7B", "hosted-in", "region:aws/eu-west-1"),
        ("model:nvidia/Qwen-FT-7B", "hosted-in", "region:unknown/westeurope"),
        ("model:nvidia/Qwen-FT-7B", "runs-on", "hardware:nvidia"),
        ("model:unknown-org/mystery", "hosted-in", "region:aws/eu-west-1"),
        ("model:unknown-org/mystery", "hosted-in", "region:unknown/westeurope"),
        ("model:unknown-org/mystery", "runs-on", "hardware:nvidia"),
        ("model:unknown-org/mystery", "subject-to", "jurisdiction:unknown"),
        ("endpoint:http://llm.internal:8080/v1", "hosted-in", "region:aws/eu-west-1"),
        ("endpoint:http://llm.internal:8080/v1", "hosted-in", "region:unknown/westeurope"),
        ("endpoint:http://llm.internal:8080/v1", "runs-on", "hardware:nvidia"),
        ("endpoint:https://api.example-llm.io/v1", "subject-to", "jurisdiction:unknown"),
        # API-only model called on its provider
        ("model:gpt-4o", "served-by", "provider:openai"),
        ("model:gpt-4o", "published-by", "lab:openai"),
        ("provider:openai", "subject-to", "jurisdiction:US"),
        ("lab:openai", "subject-to", "jurisdiction:US"),
        # a Chinese model on a US cloud's managed service, in the region the ARN names
        ("model:deepseek.r1-v1:0", "served-by", "provider:bedrock"),
        ("model:deepseek.r1-v1:0", "published-by", "lab:deepseek"),
        ("provider:bedrock", "hosted-in", "region:aws/eu-central-1"),
        ("provider:bedrock", "subject-to", "jurisdiction:US"),
        ("lab:deepseek", "subject-to", "jurisdiction:CN"),
        # a self-hosted runtime: the runtime is hosted on the stack
        ("model:llama3.2", "served-by", "provider:ollama"),
        ("model:llama3.2", "published-by", "lab:meta"),
        ("provider:ollama", "hosted-in", "region:aws/eu-west-1"),
        ("provider:ollama", "hosted-in", "region:unknown/westeurope"),
        ("provider:ollama", "runs-on", "hardware:nvidia"),
        ("provider:ollama", "subject-to", "jurisdiction:US"),
        ("lab:meta", "subject-to", "jurisdiction:US"),
        # regions, clouds, hardware, packages, legal orders
        ("region:aws/eu-west-1", "operated-by", "cloud:aws"),
        ("region:aws/eu-west-1", "subject-to", "jurisdiction:IE"),
        ("region:aws/eu-central-1", "operated-by", "cloud:aws"),
        ("region:aws/eu-central-1", "subject-to", "jurisdiction:DE"),
        ("region:unknown/westeurope", "subject-to", "jurisdiction:unknown"),
        ("cloud:aws", "subject-to", "jurisdiction:US"),
        ("hardware:nvidia", "subject-to", "jurisdiction:US"),
        ("package:vllm", "subject-to", "jurisdiction:US"),
        ("package:nvidia-cuda-runtime-cu12", "subject-to", "jurisdiction:US"),
        ("package:nvidia-cuda-runtime-cu12", "runs-on", "hardware:nvidia"),
        ("jurisdiction:DE", "member-of", "jurisdiction:EU"),
        ("jurisdiction:IE", "member-of", "jurisdiction:EU"),
    }
    assert reference_edges(g) == {
        ("loc:svc/app.py:10", "model:nvidia/Qwen-FT-7B"),
        ("loc:svc/app.py:11", "endpoint:http://llm.internal:8080/v1"),
        ("loc:svc/chat.py:5", "model:gpt-4o"),
        ("loc:svc/bedrock.py:4", "model:deepseek.r1-v1:0"),
        ("loc:svc/local.py:3", "model:llama3.2"),
        ("loc:svc/misc.py:2", "model:unknown-org/mystery"),
        ("loc:svc/misc.py:8", "endpoint:https://api.example-llm.io/v1"),
        ("loc:infra/main.tf:1", "cloud:aws"),
        ("loc:infra/main.tf:3", "region:aws/eu-west-1"),
        ("loc:infra/other.tf:2", "region:unknown/westeurope"),
        ("loc:k8s/gpu.yaml:7", "hardware:nvidia"),
        ("loc:requirements.txt:1", "package:vllm"),
        ("loc:requirements.txt:2", "package:nvidia-cuda-runtime-cu12"),
    }


def test_node_and_edge_attributes(kb):
    g = build_graph(mixed_stack(), kb).g
    assert g.nodes["loc:svc/app.py:10"] == {"type": "location", "label": "svc/app.py:10", "path": "svc/app.py", "line": 10}
    assert g.nodes["region:aws/eu-west-1"]["country"] == "IE"
    assert g.nodes["region:unknown/westeurope"]["country"] == "unknown"
    assert g.nodes["region:unknown/westeurope"]["cloud"] == "unknown"
    assert g.nodes["provider:ollama"]["kind"] == "self-hosted"
    assert g.nodes["model:gpt-4o"]["weights"] == "api-only"
    assert g.nodes["endpoint:http://llm.internal:8080/v1"]["private"] is True
    assert g.nodes["jurisdiction:EU"]["type"] == "jurisdiction"
    assert g.edges["model:nvidia/Qwen-FT-7B", "model:Qwen/Qwen2.5-7B-Instruct", "derived-from:finetune"] == {
        "type": "derived-from", "relation": "finetune"}
    assert g.edges["model:llama3.2", "lab:meta", "published-by"]["basis"] == "inferred"
    assert g.edges["model:Qwen/Qwen2.5-7B", "lab:alibaba-qwen", "published-by"]["basis"] == "publisher"
    assert g.edges["region:aws/eu-west-1", "jurisdiction:IE", "subject-to"]["evidence"] == "clouds:aws.regions"
    r = g.edges["loc:svc/app.py:10", "model:nvidia/Qwen-FT-7B", "references"]
    assert r["type"] == "references" and r["refs"] == 1 and r["contexts"] == "code" and len(r["fingerprints"]) == 32


def test_uses_record_attribution_per_reference(kb):
    sg = build_graph(mixed_stack(), kb)
    got = {(u.loc, u.entity): (u.served_by, u.self_hosted, u.region) for u in sg.uses}
    assert got == {
        ("loc:svc/app.py:10", "model:nvidia/Qwen-FT-7B"): ((), True, ""),
        ("loc:svc/app.py:11", "endpoint:http://llm.internal:8080/v1"): ((), True, ""),
        ("loc:svc/chat.py:5", "model:gpt-4o"): (("provider:openai",), False, ""),
        ("loc:svc/bedrock.py:4", "model:deepseek.r1-v1:0"): (("provider:bedrock",), False, "region:aws/eu-central-1"),
        ("loc:svc/local.py:3", "model:llama3.2"): (("provider:ollama",), False, ""),
        ("loc:svc/misc.py:2", "model:unknown-org/mystery"): ((), True, ""),
        ("loc:svc/misc.py:8", "endpoint:https://api.example-llm.io/v1"): ((), False, ""),
        ("loc:infra/main.tf:1", "cloud:aws"): ((), False, ""),
        ("loc:infra/main.tf:3", "region:aws/eu-west-1"): ((), False, ""),
        ("loc:infra/other.tf:2", "region:unknown/westeurope"): ((), False, ""),
        ("loc:k8s/gpu.yaml:7", "hardware:nvidia"): ((), False, ""),
        ("loc:requirements.txt:1", "package:vllm"): ((), False, ""),
        ("loc:requirements.txt:2", "package:nvidia-cuda-runtime-cu12"): ((), False, ""),
    }
    assert sg.hosts == ("region:aws/eu-west-1", "region:unknown/westeurope")
    assert sg.hardware == ("hardware:nvidia",)


def test_bare_name_of_a_model_called_on_an_api_is_served_by_that_api(kb):
    """``deepseek-chat`` in an env file (no provider there) is the model the code calls on the
    DeepSeek API; a Hub id or a serving flag would have said self-hosted."""
    r = scan_result([
        ref(Kind.MODEL, "deepseek-chat", ".env", 3, form="name", context=Context.CONFIG),
        ref(Kind.MODEL, "deepseek-chat", "app.py", 9, form="api", provider="deepseek"),
        ref(Kind.MODEL, "Qwen/Qwen2.5-7B-Instruct", ".env", 4, context=Context.CONFIG),
        ref(Kind.MODEL, "Qwen/Qwen2.5-7B-Instruct", "app.py", 12, form="litellm", provider="together"),
        ref(Kind.CLOUD, "gcp", "main.tf", 1, provider="gcp"),
    ], [])
    sg = build_graph(r, kb)
    got = {(u.loc, u.entity): (u.served_by, u.self_hosted) for u in sg.uses}
    assert got == {
        ("loc:.env:3", "model:deepseek-chat"): (("provider:deepseek",), False),
        ("loc:app.py:9", "model:deepseek-chat"): (("provider:deepseek",), False),
        ("loc:.env:4", "model:Qwen/Qwen2.5-7B-Instruct"): ((), True),  # a Hub id: its weights run here
        ("loc:app.py:12", "model:Qwen/Qwen2.5-7B-Instruct"): (("provider:together",), False),  # LiteLLM prefix
        ("loc:main.tf:1", "cloud:gcp"): ((), False),
    }
    # without a region the self-hosted model is hosted in the cloud itself
    assert ("model:Qwen/Qwen2.5-7B-Instruct", "hosted-in", "cloud:gcp") in entity_edges(sg.g)


def test_region_names_collide_so_a_region_without_its_cloud_is_never_guessed(kb):
    assert len(kb.clouds_with_region("eu-central-1")) >= 1
    r = scan_result([ref(Kind.CLOUD, "eu-central-1", "k8s/node.yaml", 4, form="region", country="DE")], [])
    g = build_graph(r, kb).g
    assert entity_edges(g) == {("region:unknown/eu-central-1", "subject-to", "jurisdiction:unknown")}


def test_region_missing_from_the_kb_takes_the_country_its_reference_states(kb):
    r = scan_result([ref(Kind.CLOUD, "eu-nowhere-9", "main.tf", 2, form="region", provider="aws", country="FR")], [])
    g = build_graph(r, kb).g
    assert ("region:aws/eu-nowhere-9", "subject-to", "jurisdiction:FR") in entity_edges(g)
    assert g.edges["region:aws/eu-nowhere-9", "jurisdiction:FR", "subject-to"]["evidence"] == "reference"


def test_package_ecosystems_and_unknown_packages(kb):
    r = scan_result([
        ref(Kind.PACKAGE, "@ai-sdk/deepseek", "package.json", 5, ecosystem="npm"),
        ref(Kind.PACKAGE, "left-pad-ai", "requirements.txt", 9),
    ], [])
    g = build_graph(r, kb).g
    assert entity_edges(g) == {
        ("package:npm/@ai-sdk/deepseek", "subject-to", "jurisdiction:CN"),  # the DeepSeek provider's SDK
        ("package:left-pad-ai", "subject-to", "jurisdiction:unknown"),
    }


def test_deterministic_whatever_the_reference_order(kb):
    base = mixed_stack()
    shuffled = list(base.references)
    random.Random(7).shuffle(shuffled)
    other = replace(base, references=tuple(shuffled))
    for fmt in ("json", "graphml", "dot"):
        assert export(build_graph(base, kb).g, fmt) == export(build_graph(other, kb).g, fmt)


def test_private_hosts():
    assert is_private_host("http://localhost:8000/v1")
    assert is_private_host("http://vllm.inference.svc.cluster.local:8000/v1")
    assert is_private_host("http://vllm:8000")
    assert is_private_host("http://10.0.3.4:8000")
    assert is_private_host("http://[::1]:8000")
    assert not is_private_host("https://api.deepseek.com")
    assert not is_private_host("https://8.8.8.8/v1")


# ------------------------------------------------------------------------------------------
# Exports
# ------------------------------------------------------------------------------------------


def test_json_export_is_node_link_data(kb):
    g = build_graph(mixed_stack(), kb).g
    data = json.loads(export(g, "json"))
    back = nx.node_link_graph(data, edges="links")
    assert back.is_multigraph() and back.is_directed()
    assert sorted(back.nodes) == sorted(g.nodes)
    assert {(u, k, v) for u, v, k in back.edges(keys=True)} == {(u, k, v) for u, v, k in g.edges(keys=True)}
    assert data["graph"] == {"name": "sovaudit", "root": "fixture"}


def test_graphml_export_reads_back(kb):
    g = build_graph(mixed_stack(), kb).g
    back = nx.read_graphml(io.BytesIO(export(g, "graphml").encode()), force_multigraph=True)
    assert sorted(back.nodes) == sorted(g.nodes)
    assert {(u, k, v) for u, v, k in back.edges(keys=True)} == {(u, k, v) for u, v, k in g.edges(keys=True)}
    assert back.nodes["region:aws/eu-west-1"]["country"] == "IE"
    assert back.nodes["loc:svc/app.py:10"]["line"] == 10


def test_dot_export_quotes_and_escapes_everything(kb):
    hostile = 'we"ird\\dir/app\n.py'
    r = scan_result([ref(Kind.MODEL, "Qwen/Qwen2.5-7B", hostile, 3)], [])
    dot = to_dot(build_graph(r, kb).g)
    assert dot.startswith('digraph "sovaudit" {\n')
    assert dot.endswith("}\n")
    assert '"loc:we\\"ird\\\\dir/app\\n.py:3" -> "model:Qwen/Qwen2.5-7B" [' in dot
    # no raw newline inside any statement: every line is a statement, a brace or the header
    for line in dot.splitlines()[2:-1]:
        assert line.startswith('  "') and line.endswith("];")


def test_dot_export_of_the_fixture(kb):
    dot = export(build_graph(mixed_stack(), kb).g, "dot")
    assert '  "model:gpt-4o" -> "provider:openai" ["label"="served-by", "type"="served-by"];' in dot
    assert ('  "model:nvidia/Qwen-FT-7B" -> "model:Qwen/Qwen2.5-7B-Instruct" '
            '["label"="derived-from:finetune", "relation"="finetune", "type"="derived-from"];') in dot
    assert '  "jurisdiction:DE" -> "jurisdiction:EU" ["evidence"="jurisdictions:DE", "label"="member-of", "type"="member-of"];' in dot


def test_unknown_format(kb):
    with pytest.raises(ValueError, match="unknown graph format 'svg'"):
        export(build_graph(mixed_stack(), kb).g, "svg")


# ------------------------------------------------------------------------------------------
# CLI
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "graphml", "dot"])
def test_cli_graph_formats_on_the_showcase(fmt, tmp_path):
    out = tmp_path / f"g.{fmt}"
    res = CliRunner().invoke(main, ["graph", str(EU_STACK), "--offline", "--no-cache", "-f", fmt, "-o", str(out)])
    assert res.exit_code == 0, res.output
    text = out.read_text("utf-8")
    if fmt == "json":
        g = nx.node_link_graph(json.loads(text), edges="links")
    elif fmt == "graphml":
        g = nx.read_graphml(io.BytesIO(text.encode()), force_multigraph=True)
    else:
        assert '"model:Qwen/Qwen2.5-7B-Instruct" -> "region:aws/eu-central-1"' in text
        assert '"region:aws/eu-central-1" -> "jurisdiction:DE"' in text
        return
    edges = {(u, k, v) for u, v, k in g.edges(keys=True)}
    assert ("model:Qwen/Qwen2.5-7B-Instruct", "published-by", "lab:alibaba-qwen") in edges
    assert ("model:Qwen/Qwen2.5-7B-Instruct", "hosted-in", "region:aws/eu-central-1") in edges
    assert ("model:Qwen/Qwen2.5-7B-Instruct", "runs-on", "hardware:nvidia") in edges
    assert ("model:deepseek-chat", "served-by", "provider:deepseek") in edges
    assert ("provider:deepseek", "subject-to", "jurisdiction:CN") in edges
    assert ("region:aws/eu-central-1", "operated-by", "cloud:aws") in edges
    assert ("jurisdiction:DE", "member-of", "jurisdiction:EU") in edges


def test_cli_graph_to_stdout_and_bad_format():
    res = CliRunner().invoke(main, ["graph", str(EU_STACK), "--offline", "--no-cache"])
    assert res.exit_code == 0
    assert json.loads(res.stdout)["directed"] is True
    res = CliRunner().invoke(main, ["graph", str(EU_STACK), "--offline", "-f", "svg"])
    assert res.exit_code == 2
    assert "'svg' is not one of" in res.output
