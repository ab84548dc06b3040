"""Helpers for the report tests and benchmark: scan a tree into a report-ready result, and build a
large synthetic one through the real pipeline (graph, assessment, policy)."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from sovaudit.assess.exposure import assess_scan
from sovaudit.assess.policy import evaluate_scan, load_policy
from sovaudit.commands.compare import compare_inputs
from sovaudit.detect.scan import scan
from sovaudit.model import (
    Context,
    Evidence,
    Fact,
    Kind,
    LineageHop,
    Provenance,
    Reference,
    ScanConfig,
    ScanResult,
    Status,
    fingerprint_references,
)
from sovaudit.report.context import source_date, with_context
from sovaudit.resolve.hub import HubClient
from sovaudit.resolve.provenance import resolve_scan

REPO = Path(__file__).resolve().parents[1]
EU_STACK = REPO / "examples" / "eu-stack"
CORPUS_TREE = REPO / "tests" / "corpus" / "tree"
EU_POLICY = "eu-data-only"
EPOCH = {"SOURCE_DATE_EPOCH": "1767225600"}  # 2026-01-01T00:00:00Z


@contextlib.contextmanager
def chdir(path: Path) -> Iterator[None]:
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def finish(result: ScanResult, kb, policies: tuple[str, ...] = (), fail_on: str = "none",
           env: dict[str, str] | None = None) -> ScanResult:
    """Resolve (offline), assess, evaluate and add the report context. Policy paths are relative
    to the repository, so reports name them the same on every machine."""
    client = HubClient(offline=True)
    try:
        result = resolve_scan(result, kb, client)
    finally:
        client.close()
    with chdir(REPO):
        policy = load_policy(policies)
    result = evaluate_scan(assess_scan(result, kb), kb, policy)
    return with_context(result, kb, policy, fail_on, env=EPOCH if env is None else env)


def report_result(root: Path, kb, policies: tuple[str, ...] = (), fail_on: str = "none",
                  env: dict[str, str] | None = None) -> ScanResult:
    return finish(scan(ScanConfig(root=str(root), cache_dir="-", jobs=1), kb), kb, policies, fail_on, env)


def normalised(result: ScanResult) -> ScanResult:
    """Goldens do not change with the release number or every edit of rules/."""
    return replace(result, tool_version="0.0.0", rules_version="golden", report=replace(result.report, rules_date="2026-01-01"))


# ------------------------------------------------------------------------------------------
# A large stack, built in memory
# ------------------------------------------------------------------------------------------

_ORGS = ("Qwen", "deepseek-ai", "meta-llama", "mistralai", "google", "microsoft", "BAAI", "tiiuae")


def synthetic_scan(models: int = 5000) -> ScanResult:
    """``models`` distinct Hub models, each named in its own file next to an API call for a third
    of them, on AWS eu-central-1 and us-east-1 with NVIDIA GPUs."""
    refs: list[Reference] = []

    def ref(kind, id_, path, line, text, form, provider="", attrs=(), snippet=""):
        refs.append(Reference(kind=kind, id=id_, text=text, path=path, line=line, column=5, detector="synthetic",
                              form=form, context=Context.CODE, confidence=0.9, provider=provider,
                              attributes=tuple(attrs), snippet=snippet or text))

    for i in range(models):
        path = f"svc{i // 50:03d}/app_{i % 50:02d}.py"
        mid = f"{_ORGS[i % len(_ORGS)]}/model-{i}-instruct"
        ref(Kind.MODEL, mid, path, 10, mid, "hf", snippet=f'model = AutoModel.from_pretrained("{mid}")')
        if i % 3 == 0:
            ref(Kind.MODEL, "deepseek-chat", path, 20, "deepseek-chat", "api", "deepseek",
                snippet='client.chat.completions.create(model="deepseek-chat")')
            ref(Kind.ENDPOINT, "https://api.deepseek.com", path, 18, "https://api.deepseek.com", "url", "deepseek",
                snippet='OpenAI(base_url="https://api.deepseek.com")')
    for k, region in enumerate(("eu-central-1", "us-east-1")):
        ref(Kind.CLOUD, region, f"deploy/k8s/app{k}.yaml", 20, region, "region", "aws",
            (("label", "topology.kubernetes.io/region"),), f"topology.kubernetes.io/region: {region}")
        ref(Kind.CLOUD, "aws", f"deploy/k8s/app{k}.yaml", 19, "eks.amazonaws.com/nodegroup", "label", "aws")
        ref(Kind.HARDWARE, "nvidia", f"deploy/k8s/app{k}.yaml", 40, "nvidia.com/gpu", "resource", "nvidia",
            (("resource", "nvidia.com/gpu"),), "nvidia.com/gpu: 1")
    ref(Kind.PACKAGE, "openai", "requirements.txt", 1, "openai", "requirement", "openai")
    ref(Kind.PACKAGE, "vllm", "requirements.txt", 2, "vllm", "requirement")
    refs = fingerprint_references(refs)
    return ScanResult(root="synthetic-stack", tool_version="0.0.0", rules_version="synthetic",
                      references=tuple(sorted(refs, key=Reference.sort_key)), skipped=(), offline=True)


SYNTHETIC_POLICY = """version: 1
rules:
  - id: SYN-MODEL-ORIGIN
    severity: medium
    message: "{model} comes from a lab under {jurisdiction} law ({where})"
    when: {layer: model, exposure: supply, jurisdiction: {not_in: [EU]}}
  - id: SYN-CLOUD-DATA
    severity: high
    message: "{entity}: data processed under {jurisdiction} law via {via} ({where})"
    when: {layer: cloud, exposure: data, jurisdiction: {not_in: [EU]}}
"""


def synthetic_result(kb, models: int = 5000, tmp: Path | None = None) -> ScanResult:
    import tempfile

    d = Path(tmp or tempfile.mkdtemp())
    pol = d / "synthetic-policy.yaml"
    pol.write_text(SYNTHETIC_POLICY, encoding="utf-8")
    client = HubClient(offline=True)
    try:
        result = resolve_scan(synthetic_scan(models), kb, client)
    finally:
        client.close()
    policy = load_policy([pol])
    result = evaluate_scan(assess_scan(result, kb), kb, policy)
    return with_context(result, kb, policy, "high", env=EPOCH)


# ------------------------------------------------------------------------------------------
# Goldens
# ------------------------------------------------------------------------------------------

UPDATE_GOLDEN = os.environ.get("SOVAUDIT_UPDATE_GOLDEN") == "1"


def check_golden(path: Path, text: str, what: str) -> None:
    """``text`` must equal the golden file byte for byte; with SOVAUDIT_UPDATE_GOLDEN=1 it is
    written instead (review the diff before committing it)."""
    import difflib

    import pytest

    if UPDATE_GOLDEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        return
    assert path.exists(), f"no golden {path}; create it with SOVAUDIT_UPDATE_GOLDEN=1 and review it"
    want = path.read_text("utf-8")
    if text != want:
        diff = "".join(list(difflib.unified_diff(want.splitlines(True), text.splitlines(True), str(path), "rendered", n=1))[:80])
        pytest.fail(f"{what} differs from its golden (review, then SOVAUDIT_UPDATE_GOLDEN=1 to accept):\n{diff}")


# -- compare -------------------------------------------------------------------------------

STACKS = ("examples/stacks/eu-stack.yaml", "examples/stacks/eu-sovereign.yaml", "examples/stacks/us-closed.yaml")


def no_scan(path):
    raise AssertionError(f"nothing here should be scanned: {path}")


def comparison(kb, inputs=STACKS, policies=(), fail_on="none", scan_dir=no_scan):
    client = HubClient(offline=True)
    with chdir(REPO):
        policy = load_policy(policies)
        try:
            c = compare_inputs(inputs, kb, client, policy, fail_on, scan_dir, source_date(EPOCH))
        finally:
            client.close()
    return replace(c, tool_version="0.0.0", rules_version="golden")



# -- saved documents -----------------------------------------------------------------------

def as_schema_1(doc: dict) -> dict:
    """The same document as sovaudit wrote it before schema 2: one ``paths`` record per reference
    and route (loc node first) instead of ``routes``."""
    where = {r["fingerprint"]: r for r in doc["references"]}

    def paths(holder: dict) -> list[dict]:
        out = []
        for route in holder.pop("routes"):
            for key in route["references"]:
                r = where[key]
                nodes = [f"loc:{r['path']}:{r['line']}"] + route["nodes"]
                edges = ["references"] + route["edges"]
                out.append({"path": r["path"], "line": r["line"], "fingerprint": key, "context": r["context"],
                            "confidence": route["confidence"], "nodes": nodes, "edges": edges,
                            "route": " ".join([nodes[0]] + [f"-{e}-> {n}" for e, n in zip(edges, nodes[1:])])})
        return sorted(out, key=lambda p: (p["path"], p["line"]))

    doc = json.loads(json.dumps(doc))
    doc["schema_version"] = "1.0"
    for la in doc["assessment"]["layers"]:
        for e in la["exposures"]:
            e["paths"] = paths(e)
    for f in doc["findings"]:
        f["paths"] = paths(f)
    return doc



# -- a hostile repository ------------------------------------------------------------------

HOSTILE_DIR = '"><svg onload=alert(1)>'


def hostile_tree(root: Path) -> Path:
    d = root / "xss-repo"
    (d / HOSTILE_DIR).mkdir(parents=True)
    (d / HOSTILE_DIR / "<script>alert(1)<!--.py").write_text(
        "from openai import OpenAI\n"
        'client = OpenAI(base_url="https://evil.example/\\"><script>alert(2)</script>")\n'
        'r = client.chat.completions.create(model="gpt-4o", messages=[])\n')
    (d / "javascript:alert(4).env").write_text("LLM_BASE_URL=javascript:alert(5)\nMODEL=Qwen/Qwen2.5-7B-Instruct\n"
                                               "OPENAI_API_KEY=sk-not-a-key\n")  # a provider key: a data flow from this file
    (d / "deploy.yaml").write_text(
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: "x<script>alert(6)</script>"\nspec:\n  template:\n'
        '    spec:\n      nodeSelector:\n        topology.kubernetes.io/region: "eu-central-1<script>"\n')
    (d / "sup'.py").write_text('x = 1  # sovaudit: ignore[SOV-DATA-UNKNOWN] <script>alert(8)</script> "quoted"\n')
    (d / "<img src=x onerror=alert(9)>.py").write_bytes(b"\x00\x01binary<script>")
    return d


def hostile_result(tmp_path, kb):
    """The fixture repository scanned, plus model names, lab names, licenses and evidence URLs no
    detector would accept -- as a writer could still receive them (a Hub answer, a rules overlay)."""
    tree = hostile_tree(tmp_path)
    raw = scan(ScanConfig(root=str(tree), cache_dir="-", jobs=1), kb)
    path = f"{HOSTILE_DIR}/<script>alert(1)<!--.py"
    evil = ['evil/<script>alert("m")</script>', "javascript:alert('m2')", 'q"onmouseover="alert(3)']
    extra = [Reference(Kind.MODEL, m, m, path, 10 + i, 1, "test", "hf", Context.CODE, 0.9,
                       snippet=f'load("{m}")  <script>alert(12)</script>') for i, m in enumerate(evil)]
    from sovaudit.model import fingerprint_references

    refs = tuple(sorted(fingerprint_references(list(raw.references) + extra), key=Reference.sort_key))
    bad_ev = (Evidence("hub", "<b>card</b>", url="javascript:alert(10)"),)
    prov = Provenance(evil[0], Status.RESOLVED, reason="<script>alert(13)</script>",
                      publisher=Fact("<b>lab</b>", bad_ev), origin_lab=Fact("<b>lab</b>", bad_ev), country=Fact("CN", bad_ev),
                      license_id=Fact('"><img src=x onerror=alert(11)>', bad_ev), weights=Fact("downloadable", bad_ev),
                      parents=(LineageHop(evil[1], "finetune", bad_ev),))
    result = finish(replace(raw, references=refs), kb, (EU_POLICY,), "low")
    others = tuple(p for p in result.provenance if p.model_id != evil[0])
    # the hostile provenance replaces what offline resolution said, and is assessed like any other
    from sovaudit.assess.exposure import assess_scan
    from sovaudit.assess.policy import evaluate_scan, load_policy
    from sovaudit.report.context import with_context

    result = replace(result, provenance=tuple(sorted(others + (prov,), key=lambda p: p.model_id)))
    with __import__("report_support").chdir(REPO):
        policy = load_policy((EU_POLICY,))
    return with_context(evaluate_scan(assess_scan(result, kb), kb, policy), kb, policy, "low", env={})

