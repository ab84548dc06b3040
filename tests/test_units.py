"""A self-hosted model takes the clouds and hardware of its own project, not of the whole tree.

A tree of several projects (a folder of clones, a monorepo of services) used to host every
self-hosted model in every cloud and region any project named: on seven unrelated repositories
that was 36,000 cloud exposures, none of them established. These tests hold the rule: a project
unit is the outermost folder with a manifest or version-control metadata; a unit's self-hosted
models are hosted in what the unit and the tree's shared folders deploy to, nothing else.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from sovaudit import api
from sovaudit.assess.policy import load_policy
from sovaudit.detect.scan import scan
from sovaudit.model import Layer, ScanConfig
from sovaudit.resolve.hub import HubClient
from sovaudit.walk.units import UnitIndex, find_units

VLLM = """
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
              args: ["--model", "MiniMaxAI/MiniMax-M1-80k"]
              resources:
                limits:
                  nvidia.com/gpu: 8
    """
GCP = """
    provider "google" {
      region = "europe-west4"
    }

    resource "google_container_cluster" "main" {
      name = "inference"
    }
    """
PYPROJECT = '[project]\nname = "x"\ndependencies = ["requests"]\n'
MODEL = "model:MiniMaxAI/MiniMax-M1-80k"


def build(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def run(root: Path, kb):
    result = scan(ScanConfig(root=str(root), cache_dir="-", jobs=1), kb)
    client = HubClient(offline=True)
    try:
        return api.after_scan(result, kb, client, load_policy())
    finally:
        client.close()


def hosts_of(result, entity: str, layer: Layer = Layer.CLOUD) -> set[str]:
    """The clouds and regions (or hardware) a self-hosted entity runs in: the parties of the
    exposures that count it among the uses they host."""
    return {v for e in result.assessment.layer(layer).exposures if entity in e.hosts_entities for v in e.via}


def test_units_are_the_outermost_project_folders(tmp_path):
    paths = ["a/pyproject.toml", "a/backend/requirements.txt", "a/x.py", "b/go.mod", "b/cmd/main.go",
             "infra/main.tf", "c/lib/package.json", "README.md"]
    (tmp_path / "d" / ".git").mkdir(parents=True)
    units = find_units(paths + ["d/app.py"], str(tmp_path))
    assert units == ("a", "b", "c/lib", "d")
    idx = UnitIndex(units)
    assert [idx.of(p) for p in ("a/backend/x.py", "b/cmd/main.go", "infra/main.tf", "README.md", "c/lib/i.js")] == \
        ["a", "b", "", "", "c/lib"]
    assert find_units(["pyproject.toml", "a/pyproject.toml", "a/x.py"]) == ("",)  # the root is a project: one unit
    assert find_units(["x.py", "deploy/k8s.yaml"]) == ()


def test_a_self_hosted_model_is_hosted_only_in_its_own_projects_clouds(kb, tmp_path):
    root = build(tmp_path / "tree", {"a/pyproject.toml": PYPROJECT, "a/deploy/vllm.yaml": VLLM,
                                     "b/pyproject.toml": PYPROJECT, "b/infra/main.tf": GCP})
    r = run(root, kb)
    assert r.units == ("a", "b")
    assert hosts_of(r, MODEL) == {"region:aws/us-east-1", "cloud:aws"}
    assert hosts_of(r, MODEL, Layer.HARDWARE) == {"hardware:nvidia"}
    # counted once on the host's own exposure, never as an exposure of the model
    assert not [e for la in r.assessment.layers if la.layer != Layer.MODEL for e in la.exposures if e.entity == MODEL]
    # the other project's cloud is still on the cloud layer, with its own references only
    nl = [j for j in r.assessment.layer(Layer.CLOUD).jurisdictions if j.jurisdiction == "NL"]
    assert nl and nl[0].dependents == 0


def test_a_shared_folder_deploys_every_project_and_one_project_is_one_unit(kb, tmp_path):
    # the GCP cluster in a shared infra/ folder (no manifest) hosts project a's model too
    shared = run(build(tmp_path / "shared", {"a/pyproject.toml": PYPROJECT, "a/deploy/vllm.yaml": VLLM,
                                             "infra/main.tf": GCP}), kb)
    assert shared.units == ("a",)
    assert {"region:gcp/europe-west4", "region:aws/us-east-1"} <= hosts_of(shared, MODEL)
    # a root manifest makes the tree one project: everything it deploys hosts its models (as before)
    one = run(build(tmp_path / "one", {"pyproject.toml": PYPROJECT, "a/pyproject.toml": PYPROJECT,
                                       "a/deploy/vllm.yaml": VLLM, "b/pyproject.toml": PYPROJECT, "b/infra/main.tf": GCP}), kb)
    assert one.units == ("",)
    assert {"region:gcp/europe-west4", "region:aws/us-east-1"} <= hosts_of(one, MODEL)


def test_serving_evidence_elsewhere_counts_within_the_same_project(kb, tmp_path):
    # project a serves the model with vLLM; project b only names it: b's reference is not established
    root = build(tmp_path / "tree", {"a/pyproject.toml": PYPROJECT, "a/deploy/vllm.yaml": VLLM,
                                     "b/pyproject.toml": PYPROJECT, "b/infra/main.tf": GCP,
                                     "b/app/config.yaml": "model: MiniMaxAI/MiniMax-M1-80k\n"})
    r = run(root, kb)
    m = next(m for m in r.assessment.models if m.model_id == "MiniMaxAI/MiniMax-M1-80k")
    routes = {(s.route, s.scope) for s in m.serving}
    assert ("self-hosted", "call") in routes and ("not-established", "unknown") in routes
    assert not any(s.scope == "repository" for s in m.serving)
    assert hosts_of(r, MODEL) == {"region:aws/us-east-1", "cloud:aws"}


def test_a_cloud_service_the_code_calls_does_not_host_the_model(kb, tmp_path):
    # the project serves a model with vLLM and downloads from Alibaba Cloud OSS: OSS is a service
    # it calls (on the cloud layer as such), not where the model runs
    vllm = "\n".join(line for line in textwrap.dedent(VLLM).splitlines() if "region" not in line and "eks." not in line)
    root = build(tmp_path / "tree", {"deploy/vllm.yaml": vllm,
                                     "app/fetch.py": 'URL = "https://qianwen-res.oss-cn-beijing.aliyuncs.com/x.wav"\n'})
    r = run(root, kb)
    forms = {x.form for x in r.references if x.kind.value == "cloud"}
    assert forms == {"host"}
    assert hosts_of(r, MODEL) == set()
    assert any(j.jurisdiction == "CN" for j in r.assessment.layer(Layer.CLOUD).jurisdictions)
