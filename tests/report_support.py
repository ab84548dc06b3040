"""Helpers for the report tests and benchmark: scan a tree into a report-ready result, and build a
large synthetic one through the real pipeline (graph, assessment, policy)."""

from __future__ import annotations

import contextlib
import os
from dataclasses import replace
from pathlib import Path
from typing import Iterator

from sovaudit.assess.exposure import assess_scan
from sovaudit.resolve.hub import HubClient
from sovaudit.model import Context, Kind, Reference, ScanConfig, ScanResult, fingerprint_references
from sovaudit.assess.policy import evaluate_scan, load_policy
from sovaudit.report.context import with_context
from sovaudit.resolve.provenance import resolve_scan
from sovaudit.detect.scan import scan

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
