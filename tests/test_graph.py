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
from sovaudit.graph.build import build_graph, export, is_private_host, to_dot
from sovaudit.model import Context, Kind

from graph_support import mixed_stack, prov, ref, scan_result

EU_STACK = Path(__file__).resolve().parents[1] / "examples" / "eu-stack"
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
        "loc:svc/app.py:10", "loc:svc/app.py:11", "loc:svc/bedrock.py:4", "loc:svc/chat.py:4", "loc:svc/chat.py:5",
        "loc:svc/local.py:3",
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
        # self-hosted (its file calls an in-cluster URL): the stack's regions (with and without a
        # known cloud) and hardware
        ("model:nvidia/Qwen-FT-7B", "hosted-in", "region:aws/eu-west-1"),
        ("model:nvidia/Qwen-FT-7B", "hosted-in", "region:unknown/westeurope"),
        ("model:nvidia/Qwen-FT-7B", "runs-on", "hardware:nvidia"),
        # its file calls an endpoint nobody names: that endpoint processes its data
        ("model:unknown-org/mystery", "served-by", "endpoint:https://api.example-llm.io/v1"),
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
        ("loc:svc/chat.py:4", "provider:openai"),
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
    """Each model reference's serving path and how near its evidence is: a private URL in the same
    file (file), a client constructed in the same file whose provider the name belongs to (file), a
    Bedrock id (string), an Ollama client call (call), an unnamed endpoint in the same file."""
    sg = build_graph(mixed_stack(), kb)
    got = {(u.loc, u.entity): (u.served_by, u.self_hosted, u.region, u.scope, u.evidence) for u in sg.uses}
    assert got == {
        ("loc:svc/app.py:10", "model:nvidia/Qwen-FT-7B"): ((), True, "", "file", "svc/app.py:11"),
        ("loc:svc/app.py:11", "endpoint:http://llm.internal:8080/v1"): ((), True, "", "", ""),
        ("loc:svc/chat.py:4", "provider:openai"): ((), False, "", "", ""),
        ("loc:svc/chat.py:5", "model:gpt-4o"): (("provider:openai",), False, "", "file", "svc/chat.py:4"),
        ("loc:svc/bedrock.py:4", "model:deepseek.r1-v1:0"): (("provider:bedrock",), False, "region:aws/eu-central-1", "string", ""),
        ("loc:svc/local.py:3", "model:llama3.2"): (("provider:ollama",), False, "", "call", ""),
        ("loc:svc/misc.py:2", "model:unknown-org/mystery"): (("endpoint:https://api.example-llm.io/v1",), False, "", "file",
                                                             "svc/misc.py:8"),
        ("loc:svc/misc.py:8", "endpoint:https://api.example-llm.io/v1"): ((), False, "", "", ""),
        ("loc:infra/main.tf:1", "cloud:aws"): ((), False, "", "", ""),
        ("loc:infra/main.tf:3", "region:aws/eu-west-1"): ((), False, "", "", ""),
        ("loc:infra/other.tf:2", "region:unknown/westeurope"): ((), False, "", "", ""),
        ("loc:k8s/gpu.yaml:7", "hardware:nvidia"): ((), False, "", "", ""),
        ("loc:requirements.txt:1", "package:vllm"): ((), False, "", "", ""),
        ("loc:requirements.txt:2", "package:nvidia-cuda-runtime-cu12"): ((), False, "", "", ""),
    }
    assert sg.hosts == ("region:aws/eu-west-1", "region:unknown/westeurope")
    assert sg.hardware == ("hardware:nvidia",)


def test_a_model_name_never_implies_its_makers_api(kb):
    """``deepseek-chat`` with the provider a detector took from its name alone (no client, URL or
    prefix there) is not served by the DeepSeek API: its serving path is not established, and so is
    a Hub id nothing near says anything about. Nearest evidence wins: a base URL at the call, the
    same model's call elsewhere in the repository, a LiteLLM prefix in the string."""
    def uses(refs):
        sg = build_graph(scan_result(refs, []), kb)
        return {(u.loc, u.entity): (u.route, u.served_by, u.self_hosted, u.scope, u.evidence) for u in sg.uses
                if u.ref.kind == Kind.MODEL}

    alone = [ref(Kind.MODEL, "deepseek-chat", "cfg.py", 3, form="api", provider="deepseek"),
             ref(Kind.MODEL, "Qwen/Qwen2.5-7B-Instruct", ".env", 4, context=Context.CONFIG)]
    assert uses(alone) == {
        ("loc:cfg.py:3", "model:deepseek-chat"): ("not-established", (), False, "unknown", ""),
        ("loc:.env:4", "model:Qwen/Qwen2.5-7B-Instruct"): ("not-established", (), False, "unknown", ""),
    }
    evidence = alone + [
        ref(Kind.MODEL, "deepseek-chat", "app.py", 9, form="api", provider="deepseek", base_url="https://api.deepseek.com"),
        ref(Kind.MODEL, "Qwen/Qwen2.5-7B-Instruct", "app.py", 12, form="litellm", provider="together", litellm_prefix="together_ai"),
        ref(Kind.CLOUD, "gcp", "main.tf", 1, provider="gcp"),
    ]
    assert uses(evidence) == {
        ("loc:cfg.py:3", "model:deepseek-chat"): ("provider", ("provider:deepseek",), False, "repository", "app.py:9"),
        ("loc:app.py:9", "model:deepseek-chat"): ("provider", ("provider:deepseek",), False, "call", ""),
        ("loc:.env:4", "model:Qwen/Qwen2.5-7B-Instruct"): ("provider", ("provider:together",), False, "repository", "app.py:12"),
        ("loc:app.py:12", "model:Qwen/Qwen2.5-7B-Instruct"): ("provider", ("provider:together",), False, "string", ""),
    }


def test_self_hosted_evidence_and_the_cloud_it_runs_in(kb):
    """A serving flag or an in-process runtime imported in the file make a Hub id self-hosted, in
    the clouds the scan found; the name a self-hosted server serves under is self-hosted too."""
    r = scan_result([
        ref(Kind.MODEL, "Qwen/Qwen2.5-7B-Instruct", "Dockerfile", 5, flag="--model", served_name="qwen-chat", context=Context.CONFIG),
        ref(Kind.MODEL, "qwen-chat", "app.yaml", 7, form="name", context=Context.CONFIG),
        ref(Kind.PACKAGE, "sentence-transformers", "search.py", 1, form="import"),
        ref(Kind.MODEL, "BAAI/bge-m3", "search.py", 9),
        ref(Kind.MODEL, "gpt-4o", "search.py", 12, form="api", provider="openai"),  # API-only: never self-hosted
        ref(Kind.CLOUD, "gcp", "main.tf", 1, provider="gcp"),
    ], [prov("gpt-4o", publisher="openai", origin="openai", country="US", weights="api-only")])
    sg = build_graph(r, kb)
    got = {u.loc: (u.route, u.scope, u.evidence) for u in sg.uses if u.ref.kind == Kind.MODEL}
    assert got == {
        "loc:Dockerfile:5": ("self-hosted", "call", ""),
        "loc:app.yaml:7": ("self-hosted", "repository", "Dockerfile:5"),
        "loc:search.py:9": ("self-hosted", "file", "search.py:1"),
        "loc:search.py:12": ("not-established", "unknown", ""),
    }
    # without a region the self-hosted model is hosted in the cloud itself
    assert ("model:Qwen/Qwen2.5-7B-Instruct", "hosted-in", "cloud:gcp") in entity_edges(sg.g)
    assert ("model:gpt-4o", "hosted-in", "cloud:gcp") not in entity_edges(sg.g)


def test_a_file_with_several_serving_paths_decides_only_for_the_provider_a_name_belongs_to(kb):
    """Two clients in one file: a bare name whose maker's provider is one of them takes it (the
    name picks among the file's own evidence), any other stays not established."""
    r = scan_result([
        ref(Kind.ENDPOINT, "openai", "multi.py", 4, form="client", provider="openai"),
        ref(Kind.ENDPOINT, "anthropic", "multi.py", 6, form="client", provider="anthropic"),
        ref(Kind.MODEL, "gpt-4o", "multi.py", 5, form="api", provider="openai"),
        ref(Kind.MODEL, "glm-4.6", "multi.py", 11, form="api", provider="zhipu"),
    ], [])
    got = {u.loc: (u.route, u.served_by, u.scope) for u in build_graph(r, kb).uses if u.ref.kind == Kind.MODEL}
    assert got == {"loc:multi.py:5": ("provider", ("provider:openai",), "file"),
                   "loc:multi.py:11": ("not-established", (), "unknown")}


def test_region_names_collide_so_a_region_without_its_cloud_is_never_guessed(kb):
    """eu-central-1 is AWS's and Alibaba Cloud's: the cloud is not guessed (no operated-by edge).
    Both put it in Germany, and the detector states that country on the reference (only when every
    cloud with the name agrees): where the data is, that much is established."""
    assert len(kb.clouds_with_region("eu-central-1")) >= 2
    r = scan_result([ref(Kind.CLOUD, "eu-central-1", "k8s/node.yaml", 4, form="region", context=Context.CONFIG, country="DE"),
                     ref(Kind.CLOUD, "me-central-1", "k8s/node.yaml", 5, form="region", context=Context.CONFIG)], [])
    g = build_graph(r, kb).g
    assert entity_edges(g) == {("region:unknown/eu-central-1", "subject-to", "jurisdiction:DE"),
                               ("region:unknown/me-central-1", "subject-to", "jurisdiction:unknown"),
                               ("jurisdiction:DE", "member-of", "jurisdiction:EU")}


def test_region_missing_from_the_kb_takes_the_country_its_reference_states(kb):
    r = scan_result([ref(Kind.CLOUD, "eu-nowhere-9", "main.tf", 2, form="region", provider="aws", context=Context.CONFIG, country="FR")], [])
    g = build_graph(r, kb).g
    assert ("region:aws/eu-nowhere-9", "subject-to", "jurisdiction:FR") in entity_edges(g)
    assert g.edges["region:aws/eu-nowhere-9", "jurisdiction:FR", "subject-to"]["evidence"] == "reference"


def test_a_region_the_deployer_may_choose_is_a_use_of_its_cloud_not_of_the_region(kb):
    """Regions listed as a parameter's allowed values (attribute choice) establish the cloud, not
    where the data goes: no region node, no hosting, and the region's country is not claimed.
    The deployed region beside them is a region as before."""
    r = scan_result([
        ref(Kind.CLOUD, "japaneast", "infra/main.bicep", 4, form="region", provider="azure", context=Context.CONFIG,
            country="JP", choice="allowed-values"),
        ref(Kind.CLOUD, "brazilsouth", "infra/main.bicep", 5, form="region", provider="azure", context=Context.CONFIG,
            country="BR", choice="allowed-values"),
        ref(Kind.CLOUD, "swedencentral", "infra/main.bicep", 20, form="region", provider="azure", context=Context.CONFIG,
            country="SE"),
    ], [])
    sg = build_graph(r, kb)
    assert {u.ref.line: u.entity for u in sg.uses} == {4: "cloud:azure", 5: "cloud:azure", 20: "region:azure/swedencentral"}
    assert not {n for n in sg.g.nodes if n.startswith("region:") and not n.endswith("/swedencentral")}
    assert sorted(h for h in sg.hosts if h.startswith("region:")) == ["region:azure/swedencentral"]


def test_package_ecosystems_and_unknown_packages(kb):
    """A client library is subject to its publisher's jurisdiction (rules/packages.yaml), not to
    the provider it talks to: that is a separate connects-to edge. A provider's client whose
    publisher no rule names is unknown, not the provider's country."""
    r = scan_result([
        ref(Kind.PACKAGE, "@ai-sdk/deepseek", "package.json", 5, ecosystem="npm"),
        ref(Kind.PACKAGE, "dashscope", "requirements.txt", 3),
        ref(Kind.PACKAGE, "langchain-gigachat", "requirements.txt", 4),
        ref(Kind.PACKAGE, "ollama", "requirements.txt", 5),
        ref(Kind.PACKAGE, "left-pad-ai", "requirements.txt", 9),
    ], [])
    g = build_graph(r, kb).g
    assert entity_edges(g) == {
        ("package:npm/@ai-sdk/deepseek", "subject-to", "jurisdiction:US"),  # Vercel publishes the AI SDK
        ("package:npm/@ai-sdk/deepseek", "connects-to", "provider:deepseek"),
        ("package:dashscope", "subject-to", "jurisdiction:CN"),  # Alibaba Cloud publishes its own SDK
        ("package:dashscope", "connects-to", "provider:dashscope"),
        ("package:langchain-gigachat", "subject-to", "jurisdiction:unknown"),  # no rule says who publishes it
        ("package:langchain-gigachat", "connects-to", "provider:gigachat"),
        ("package:ollama", "subject-to", "jurisdiction:US"),  # Ollama's own client (software entry)
        ("package:ollama", "connects-to", "provider:ollama"),
        ("provider:deepseek", "subject-to", "jurisdiction:CN"),
        ("provider:dashscope", "subject-to", "jurisdiction:CN"),
        ("provider:gigachat", "subject-to", "jurisdiction:RU"),
        ("provider:ollama", "subject-to", "jurisdiction:US"),
        ("package:left-pad-ai", "subject-to", "jurisdiction:unknown"),
    }
    assert g.nodes["package:npm/@ai-sdk/deepseek"]["publisher"] == "Vercel Inc. (AI SDK)"
    assert g.edges["package:npm/@ai-sdk/deepseek", "jurisdiction:US", "subject-to"]["evidence"] == "packages:vercel"


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


def test_where_self_hosted_inference_runs_is_read_from_deployment_descriptions(kb):
    """A region in a manifest, IaC (also IaC in a programming language) or a deployment script
    hosts the stack; a region that configures a client in source code, one in a comment and one
    that is a label of a called host name do not (LocalAI's S3 storage region and a gallery link
    to s3.us-west-2.amazonaws.com made 6,000 gallery models 'hosted in' AWS regions)."""
    refs = [
        ref(Kind.CLOUD, "eu-central-1", "deploy/values.yaml", 3, form="region", provider="aws", context=Context.CONFIG),
        ref(Kind.CLOUD, "eu-west-1", "scripts/deploy.sh", 2, form="region", provider="aws", context=Context.CODE),
        ref(Kind.CLOUD, "aws", "infra/stack.ts", 4, form="resource-type", provider="aws", context=Context.CODE),
        ref(Kind.CLOUD, "eu-north-1", "infra/stack.ts", 5, form="region", provider="aws", context=Context.CODE),
        ref(Kind.CLOUD, "us-east-1", "app/storage.py", 9, form="region", provider="aws", context=Context.CODE),
        ref(Kind.CLOUD, "ap-south-1", "app/main.go", 7, form="region", provider="aws", context=Context.COMMENT),
        ref(Kind.CLOUD, "us-west-2", "gallery/index.yaml", 4, form="region", provider="aws", context=Context.CONFIG,
            host="prod-files.s3.us-west-2.amazonaws.com"),
    ]
    assert set(build_graph(scan_result(refs, []), kb).hosts) == {
        "region:aws/eu-central-1", "region:aws/eu-west-1", "region:aws/eu-north-1"}
