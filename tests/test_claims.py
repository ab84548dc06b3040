"""Every claim follows from evidence (issue 12): fixture repositories, each asserted whole.

Each fixture is a small tree of real-looking files that today's detectors read; the expectations
are about the assessment only -- who processes the data (the serving path and how near its evidence
is), who supplies the weights (lineage, with its status), which terms apply per access path, what
each layer counts, and what the shipped policies find -- so they hold whatever detector finds
the same references.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sovaudit import api
from sovaudit.assess.policy import load_policy
from sovaudit.detect.scan import scan
from sovaudit.model import ScanConfig
from sovaudit.resolve.hub import HubClient

REPO = Path(__file__).resolve().parents[1]
EU_STACK = REPO / "examples" / "eu-stack"


def build(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def run(root: Path, kb, home: str = "", scope: tuple[str, ...] = ("code", "config")):
    result = scan(ScanConfig(root=str(root), cache_dir="-", jobs=1), kb)
    client = HubClient(offline=True)
    try:
        return api.after_scan(result, kb, client, load_policy(home=home), home=home, home_source="--home" if home else "",
                            scope=scope)
    finally:
        client.close()


def claims(result) -> list[str]:
    """The assessment in a few lines: per layer its jurisdictions ((legal orders) kinds own-refs),
    per model who supplies it, how it is served (processor @ evidence scope), the terms per access
    path, its lineage with its status; what was set apart; the findings of the shipped policies."""
    a = result.assessment
    out = []
    for la in a.layers:
        js = "; ".join(f"{j.jurisdiction}{'(' + ','.join(j.orders) + ')' if j.orders else ''} {'+'.join(j.kinds)} {j.references}"
                       for j in la.jurisdictions)
        out.append(f"{la.layer.value}: {js or '-'}")
    for m in a.models:
        served = ", ".join(sorted({f"{s.route}{' ' + s.processor if s.processor else ''} @{s.scope}" for s in m.serving}))
        lic = ", ".join(f"{x.access}={x.license_id}[{x.license_class}]" + (f" from {x.inherited_from}" if x.inherited_from else "")
                        for x in m.licenses)
        lineage = ", ".join(f"{x.child} -{x.relation}-> {x.parent}" for x in m.lineage) or "-"
        out.append(f"model {m.model_id}: supplier {','.join(m.origin) or 'unknown'} ({','.join(m.countries) or 'unknown'}); "
                   f"served {served}; terms {lic}; lineage {m.lineage_status}: {lineage}")
    for x in a.set_apart:
        out.append(f"set apart {x.reason}: {x.references} refs in {x.files} files")
    for f in result.findings:
        out.append(f"finding {f.severity.value} {f.rule_id}{' (undecided)' if f.undecided else ''}: {f.entity} "
                   f"{'+'.join(f.jurisdictions)}")
    return out


def expect(text: str) -> list[str]:
    return textwrap.dedent(text).strip("\n").splitlines()


FIXTURES: dict[str, dict[str, str]] = {
    # a Chinese open-weight model served by the stack's own vLLM on AWS in us-east-1
    "vllm-aws": {
        "deploy/Dockerfile": """
            FROM vllm/vllm-openai:v0.6.3
            CMD ["--model", "MiniMaxAI/MiniMax-M1-80k", "--served-model-name", "minimax-m1", "--port", "8000"]
            """,
        "deploy/vllm.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: vllm
            spec:
              template:
                spec:
                  nodeSelector:
                    topology.kubernetes.io/region: us-east-1
                    eks.amazonaws.com/nodegroup: gpu
                  containers:
                    - name: vllm
                      image: vllm/vllm-openai:v0.6.3
                      args: ["--model", "MiniMaxAI/MiniMax-M1-80k", "--served-model-name", "minimax-m1"]
                      resources:
                        limits:
                          nvidia.com/gpu: 8
            """,
        "app/client.py": """
            from openai import OpenAI

            client = OpenAI(base_url="http://vllm.default.svc.cluster.local:8000/v1", api_key="EMPTY")


            def ask(prompt: str) -> str:
                r = client.chat.completions.create(model="minimax-m1", messages=[{"role": "user", "content": prompt}])
                return r.choices[0].message.content
            """,
        "infra/main.tf": """
            provider "aws" {
              region = "us-east-1"
            }

            resource "aws_eks_cluster" "main" {
              name = "inference"
            }
            """,
    },
    # a local Ollama serving a DeepSeek-R1 distill, configured in one object
    "ollama-local": {
        "src/config.ts": """
            export const models = [
              { title: "DeepSeek R1 32B", provider: "ollama", apiBase: "http://localhost:11434", model: "deepseek-r1:32b" },
            ];
            """,
    },
    # DeepSeek-R1 called through OpenRouter: OpenRouter processes, DeepSeek supplies
    "openrouter": {
        "app/chat.py": """
            from openai import OpenAI

            client = OpenAI(base_url="https://openrouter.ai/api/v1", api_key="sk-or-placeholder")


            def answer(q: str) -> str:
                r = client.chat.completions.create(model="deepseek/deepseek-r1", messages=[{"role": "user", "content": q}])
                return r.choices[0].message.content
            """,
    },
    # DeepSeek-R1 hosted on Volcano Engine Ark: Ark processes, DeepSeek supplies
    "ark": {
        "app/chat.py": """
            from volcenginesdkarkruntime import Ark

            client = Ark(base_url="https://ark.cn-beijing.volces.com/api/v3")


            def answer(q: str) -> str:
                r = client.chat.completions.create(model="deepseek-r1-250120", messages=[{"role": "user", "content": q}])
                return r.choices[0].message.content
            """,
    },
    # Command R+ on Bedrock: used under AWS's terms, not the weights' CC-BY-NC license
    "bedrock": {
        "app/summarise.py": """
            import json

            import boto3

            bedrock = boto3.client("bedrock-runtime", region_name="eu-central-1")


            def summarise(text: str) -> str:
                r = bedrock.invoke_model(modelId="cohere.command-r-plus-v1:0", body=json.dumps({"message": text}))
                return json.loads(r["body"].read())["text"]
            """,
    },
    # NVIDIA's FP4 re-quantisation of a Qwen model, loaded in-process
    "fp4": {
        "app/serve.py": """
            from vllm import LLM

            llm = LLM(model="nvidia/Qwen3-8B-FP4")
            """,
    },
    # DeepSeek's R1 distill on Llama 3.3 70B, loaded with transformers
    "distill": {
        "app/serve.py": """
            from transformers import AutoModelForCausalLM

            model = AutoModelForCausalLM.from_pretrained("deepseek-ai/DeepSeek-R1-Distill-Llama-70B")
            """,
    },
    # a versioned documentation tree: two identical copies of a page, tests on a test domain
    "versioned-docs": {
        **{f"docs/{v}/quickstart.md": """
            # Quickstart

            ```python
            from sentence_transformers import SentenceTransformer
            model = SentenceTransformer("BAAI/bge-m3")
            ```
            """ for v in ("v1.0", "v2.0")},
        "src/app.py": """
            from sentence_transformers import SentenceTransformer

            model = SentenceTransformer("BAAI/bge-m3")
            """,
        "tests/test_app.py": """
            from openai import OpenAI

            client = OpenAI(base_url="https://llm.internal.example/v1")
            client.chat.completions.create(model="gpt-4o", messages=[])
            """,
    },
}

FIXTURES.update({
    # test domains and hosts that serve no model: not data flows
    "hosts": {
        ".env": """
            OPENAI_BASE_URL=https://api.example.com/v1
            LLM_API_BASE=https://github.com/org/repo
            """,
        "models.yaml": """
            - name: apollo
              urls: ["https://ollama.com/vanta-research/apollo-astralis-v1-4b"]
            """,
        "app/client.py": """
            from openai import OpenAI

            client = OpenAI(base_url="https://github.com/org/models/v1")
            test_client = OpenAI(base_url="https://llm.test/v1")
            """,
    },
    # client libraries: published by their maintainers, not by the providers they call
    "packages": {
        "package.json": """
            {"name": "app", "dependencies": {"@ai-sdk/deepseek": "^1.0.0", "@ai-sdk/openai": "^1.0.0"}}
            """,
        "requirements.txt": """
            dashscope==1.20.0
            langchain-gigachat==0.3.0
            """,
    },
})

EXPECTED = {
    "vllm-aws": """
        hardware: US supply 1
        cloud: US data+supply 5
        inference-provider: -
        model: CN supply 3
        software: US supply 3
        model MiniMaxAI/MiniMax-M1-80k: supplier minimax (CN); served self-hosted @call; terms weights=apache-2.0[permissive]; lineage established: -
        model minimax-m1: supplier minimax (CN); served self-hosted @call; terms weights=unknown[unknown]; lineage established: -
        """,
    "ollama-local": """
        hardware: -
        cloud: -
        inference-provider: -
        model: CN supply 1
        software: US supply 2
        model deepseek-r1:32b: supplier alibaba-qwen,deepseek (CN); served provider provider:ollama @object; terms weights=mit[permissive] from deepseek-ai/DeepSeek-R1-Distill-Qwen-32B; lineage established: deepseek-r1:32b -quantized-> deepseek-ai/DeepSeek-R1-Distill-Qwen-32B, deepseek-ai/DeepSeek-R1-Distill-Qwen-32B -distillation-> deepseek-ai/DeepSeek-R1, deepseek-ai/DeepSeek-R1-Distill-Qwen-32B -finetune-> Qwen/Qwen2.5-32B
        finding low SOV-LINEAGE-ORIGIN: model:deepseek-r1:32b CN
        """,
    "openrouter": """
        hardware: -
        cloud: -
        inference-provider: US data 2
        model: CN supply 1
        software: US supply 1
        model deepseek/deepseek-r1: supplier deepseek (CN); served provider provider:openrouter @call; terms provider:openrouter=terms:openrouter[service-terms]; lineage established: -
        """,
    "ark": """
        hardware: -
        cloud: CN data+supply 1
        inference-provider: CN data 2
        model: CN supply 1
        software: -
        model deepseek-r1-250120: supplier deepseek (CN); served provider provider:volcengine-ark @call; terms provider:volcengine-ark=terms:volcengine-ark[service-terms]; lineage established: -
        """,
    "bedrock": """
        hardware: -
        cloud: US data+supply 2; DE(EU) data 1
        inference-provider: US data 1
        model: CA supply 1
        software: -
        model cohere.command-r-plus-v1:0: supplier cohere (CA); served provider provider:bedrock @string; terms provider:bedrock=terms:bedrock[service-terms]; lineage established: -
        """,
    "fp4": """
        hardware: -
        cloud: -
        inference-provider: -
        model: CN supply 1; US supply 1
        software: US supply 1
        model nvidia/Qwen3-8B-FP4: supplier alibaba-qwen (CN,US); served self-hosted @file; terms weights=apache-2.0[permissive] from Qwen/Qwen3-8B; lineage inferred: nvidia/Qwen3-8B-FP4 -quantized-> Qwen/Qwen3-8B
        finding low SOV-LINEAGE-ORIGIN: model:nvidia/Qwen3-8B-FP4 CN
        """,
    "distill": """
        hardware: -
        cloud: -
        inference-provider: -
        model: CN supply 1; US supply 1
        software: US supply 1
        model deepseek-ai/DeepSeek-R1-Distill-Llama-70B: supplier deepseek,meta (CN,US); served self-hosted @file; terms weights=llama3.3[custom-restrictive]; lineage established: deepseek-ai/DeepSeek-R1-Distill-Llama-70B -distillation-> deepseek-ai/DeepSeek-R1, deepseek-ai/DeepSeek-R1-Distill-Llama-70B -finetune-> meta-llama/Llama-3.3-70B-Instruct
        finding medium SOV-LICENSE-RESTRICTIVE: model:deepseek-ai/DeepSeek-R1-Distill-Llama-70B CN
        finding low SOV-LINEAGE-ORIGIN: model:deepseek-ai/DeepSeek-R1-Distill-Llama-70B CN+US
        """,
    "versioned-docs": """
        hardware: -
        cloud: -
        inference-provider: -
        model: CN supply 1
        software: US supply 1
        model BAAI/bge-m3: supplier baai (CN); served self-hosted @file; terms weights=mit[permissive]; lineage established: -
        set apart docs: 2 refs in 1 files
        set apart tests: 2 refs in 1 files
        set apart docs-copy: 2 refs in 1 files
        """,
}


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_fixture_repository(name, kb, tmp_path):
    """The whole assessment of each fixture. What each one shows:

    * vllm-aws: a CN model served by the stack's own vLLM in us-east-1 -- CN supply on the model
      layer, no CN data exposure; its served name is self-hosted through the in-cluster URL; the
      cloud counts its 5 own references, not the models hosted there.
    * ollama-local: Ollama on localhost serves deepseek-r1:32b -- a self-hosted runtime (software),
      no inference provider; the tag's lineage (a Qwen2.5-32B fine-tune distilled from R1) comes
      from rules/lineage.yaml.
    * openrouter / ark: a re-host is the processor (OpenRouter US, Volcano Engine Ark CN), the lab
      the supplier; never the DeepSeek API. Ark's host is also a Volcengine cloud host (cn-beijing),
      counted on the cloud layer, as Bedrock's client is an AWS one.
    * bedrock: Command R+ on Bedrock is used under AWS's terms -- no CC-BY-NC finding.
    * fp4: NVIDIA's FP4 re-quantisation is inferred to derive from Qwen3-8B, with its license.
    * distill: the R1 distill on Llama 3.3 is under the Llama license (custom-restrictive; its card
      says so, whatever its repository tag) and carries both lineages (CN, US) in one finding.
    * versioned-docs: two identical documentation pages count once, set apart with the tests; the
      model in the code is counted once.
    * hosts: test domains (not even read as endpoints), repository hosts and a link to an Ollama
      library page (a host Ollama's cloud API shares) are not data flows: set apart, no finding.
    * packages: @ai-sdk/deepseek is Vercel's (US), dashscope Alibaba's (CN); a client nobody names
      the publisher of is unknown -- never its provider's country.
    """
    root = build(tmp_path / name, FIXTURES[name])
    assert claims(run(root, kb)) == expect(EXPECTED[name])


EXPECTED.update({
    "hosts": """
        hardware: -
        cloud: -
        inference-provider: -
        model: -
        software: US supply 1
        set apart non-inference-host: 2 refs in 2 files
        """,
    "packages": """
        hardware: -
        cloud: -
        inference-provider: -
        model: -
        software: US supply 2; CN supply 1; unknown supply 1
        """,
})


# ------------------------------------------------------------------------------------------
# The seeds' case: examples/eu-stack audited for the EU
# ------------------------------------------------------------------------------------------


def home_lines(a) -> list[str]:
    out = []
    for h in a.home_layers:
        parts = []
        for key in ("domestic", "foreign", "data_leaves", "foreign_control", "supply_abroad", "unknown"):
            items = getattr(h, key)
            if items:
                parts.append(f"{key}=" + ",".join(f"{i.jurisdiction}[{' '.join(i.parties)}]{i.references}" for i in items))
        for key in ("self_hosted", "api_only", "not_established"):
            if getattr(h, key):
                parts.append(f"{key}=" + ",".join(getattr(h, key)))
        out.append(f"{h.layer.value}: " + "; ".join(parts))
    return out


def test_the_seeds_case_against_home_eu(kb):
    """Hardware US; cloud US-controlled with the data in DE; model CN (supply, self-hosted);
    inference provider CN (data leaves the EU: the DeepSeek API). Data leaving home is a high
    finding of the home-sovereignty policy; data at home under a US cloud's law a medium one."""
    r = run(EU_STACK, kb, home="EU")
    a = r.assessment
    assert (a.home, a.home_source) == ("EU", "--home")
    assert home_lines(a) == [
        "hardware: foreign=US[hardware:nvidia]8; supply_abroad=US[hardware:nvidia]8",
        "cloud: domestic=DE[region:aws/eu-central-1]6; foreign=US[cloud:aws]32; foreign_control=US[cloud:aws]32",
        "inference-provider: foreign=CN[provider:deepseek]7; data_leaves=CN[provider:deepseek]7",
        "model: foreign=CN[lab:alibaba-qwen lab:baai lab:deepseek]11; supply_abroad=CN[lab:alibaba-qwen lab:baai lab:deepseek]11; "
        "self_hosted=BAAI/bge-m3,Qwen/Qwen2.5-7B-Instruct,qwen2.5-7b",
        "software: foreign=US[package:openai package:sentence-transformers package:torch package:vllm]8; "
        "supply_abroad=US[package:openai package:sentence-transformers package:torch package:vllm]8",
    ]
    got = [(f.severity.value, f.rule_id, f.entity, "+".join(f.jurisdictions)) for f in r.findings]
    assert got == [
        ("high", "HOME-DATA-LEAVES", "model:deepseek-chat", "CN"),
        ("high", "HOME-DATA-LEAVES", "provider:deepseek", "CN"),
        ("medium", "HOME-DATA-FOREIGN-CONTROL", "cloud:aws", "US"),
        ("medium", "HOME-DATA-FOREIGN-CONTROL", "endpoint:http://vllm.inference.svc.cluster.local:8000/v1", "US"),
        # the self-hosted models run in that region: counted on its finding, not one each
        ("medium", "HOME-DATA-FOREIGN-CONTROL", "region:aws/eu-central-1", "US"),
    ]
    (leaves,) = [f for f in r.findings if f.entity == "model:deepseek-chat"]
    assert leaves.message == "Data leaves EU: model:deepseek-chat -> CN via provider:deepseek (.env.example:9 and 2 more)"
    # the Chinese model is a supply exposure only: no path of it reaches CN as data
    assert not [e for e in a.exposures if e.kind.value == "data" and e.jurisdiction == "CN" and e.entity != "model:deepseek-chat"
                and e.entity != "provider:deepseek"]
    # without a home: no home policy, no home relation on any path, and the verdict says what was checked
    plain = run(EU_STACK, kb)
    assert plain.findings == () and plain.assessment.home_layers == ()
    assert {p.home for e in plain.assessment.exposures for p in e.paths} == {""}


def test_the_seeds_case_in_the_summary_and_the_html(tmp_path):
    """The terminal summary and the HTML report answer the seeds' question per layer; a home stated
    in the repository's .sovaudit.yaml is used, and --home wins over it."""
    import shutil

    from click.testing import CliRunner

    from sovaudit.cli import main

    tree = tmp_path / "eu-stack"
    shutil.copytree(EU_STACK, tree)
    (tree / ".sovaudit.yaml").write_text("home: EU\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["scan", str(tree), "--offline", "--no-cache", "-o", str(tmp_path / "r.html")],
                             env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    out = res.output
    assert "Against home: EU (.sovaudit.yaml)" in out
    assert "Hardware           │ supply controlled from abroad: US (nvidia)" in out
    assert "data at home under foreign law: US (aws); domestic: DE (aws/eu-central-1)" in out
    assert "Inference provider │ data leaves EU: CN (deepseek)" in out
    assert "supply controlled from abroad: CN (alibaba-qwen, baai, deepseek); self-hosted: BAAI/bge-m3" in out
    assert "under the default policy and the home-sovereignty policy (home EU; scope code, config)" in out
    page = (tmp_path / "r.html").read_text("utf-8")
    assert 'id="home-summary"' in page and "data leaves home" in page
    assert '<tr class="home-data_leaves"><th scope="row">Inference provider</th><td>data leaves home</td>' in page
    over = CliRunner().invoke(main, ["scan", str(tree), "--offline", "--no-cache", "-q", "--home", "none", "-f", "md", "-o", "-"])
    assert over.exit_code == 0 and "Against home" not in over.output
    assert "**No policy findings under the default policy \\(scope code, config\\).**" in over.output
    bad = CliRunner().invoke(main, ["scan", str(tree), "--offline", "--no-cache", "-q", "--home", "XX"])
    assert bad.exit_code == 2 and "--home: 'XX' is not a jurisdiction" in bad.output


def test_a_config_file_with_an_unknown_key_or_bad_scope_is_a_usage_error(tmp_path):
    from click.testing import CliRunner

    from sovaudit.cli import main

    (tmp_path / "sovaudit.toml").write_text('home = "EU"\nscopes = ["code"]\n', encoding="utf-8")
    res = CliRunner().invoke(main, ["scan", str(tmp_path), "--offline", "--no-cache", "-q"])
    assert res.exit_code == 2 and "sovaudit.toml: unknown key(s) scopes (allowed: home, scope, " in res.output
    (tmp_path / "sovaudit.toml").write_text('[tool.sovaudit]\nhome = "DE"\nscope = ["code", "examples"]\n', encoding="utf-8")
    res = CliRunner().invoke(main, ["scan", str(tmp_path), "--offline", "--no-cache", "-q"])
    assert res.exit_code == 2 and "sovaudit.toml: scope: 'examples' is not a scope" in res.output
    # a broken file is an error even when the option would win over it: it says something wrong
    res = CliRunner().invoke(main, ["scan", str(tmp_path), "--offline", "--no-cache", "-q", "--scope", "code,docs"])
    assert res.exit_code == 2
    (tmp_path / "sovaudit.toml").write_text('[tool.sovaudit]\nhome = "DE"\nscope = ["code", "docs"]\n', encoding="utf-8")
    res = CliRunner().invoke(main, ["scan", str(tmp_path), "--offline", "--no-cache", "-f", "json", "-o", str(tmp_path / "r.json")])
    assert res.exit_code == 0, res.output
    import json

    doc = json.loads((tmp_path / "r.json").read_text())
    assert doc["assessment"]["scope"] == ["code", "docs"] and doc["assessment"]["home"]["jurisdiction"] == "DE"
    assert doc["assessment"]["home"]["source"] == "sovaudit.toml"


def test_scope_brings_documentation_and_tests_back(kb, tmp_path):
    """--scope code,config,docs,tests assesses what the default sets apart; identical
    documentation copies still count once, and test domains are still no data flow."""
    root = build(tmp_path / "docs", FIXTURES["versioned-docs"])
    r = run(root, kb, scope=("code", "config", "docs", "tests"))
    a = r.assessment
    # the test domain (llm.internal.example) is dropped when read: no endpoint, so nothing to set apart
    assert [(x.reason, x.references) for x in a.set_apart] == [("docs-copy", 2)]
    assert a.layer("model").references == 3  # src/app.py, docs/v1.0 and tests/test_app.py
    assert {m.model_id for m in a.models} == {"BAAI/bge-m3", "gpt-4o"}


def test_an_opentelemetry_collector_is_not_where_data_is_processed_by_a_model(kb, tmp_path):
    """From vllm-project/production-stack: ``endpoint: 0.0.0.0:4317`` in a collector config was a
    self-hosted endpoint hosted in every cloud of the repository (53 high findings)."""
    from sovaudit.api import AuditConfig, audit

    (tmp_path / "otel").mkdir()
    (tmp_path / "otel" / "collector.yaml").write_text(
        "receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 0.0.0.0:4317\n"
        "      http:\n        endpoint: 0.0.0.0:4318\n", "utf-8")
    (tmp_path / "main.tf").write_text('provider "aws" {\n  region = "us-east-1"\n}\n', "utf-8")
    (tmp_path / "app.py").write_text('from openai import OpenAI\nclient = OpenAI(base_url="http://0.0.0.0:8000/v1")\n', "utf-8")
    result = audit(AuditConfig(root=str(tmp_path), cache_dir="-", jobs=1, offline=True, home="EU"), kb=kb)
    flows = {e.entity for la in result.assessment.layers for e in la.exposures}
    assert not any(":4317" in x or ":4318" in x for x in flows)
    assert any(x.startswith("endpoint:http://0.0.0.0:8000") for x in flows)  # the model server is still one
    apart = {s.reason: s.references for s in result.assessment.set_apart}
    assert apart.get("non-inference-host") == 2
