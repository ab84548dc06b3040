"""Stack files: the schema, the loader (references at the entry's line, problems as
FILE:LINE: FIELD: message, exit 2), and ``sovaudit stack`` (a scanned tree's stack, which
assesses exactly like the tree)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from sovaudit import api
from sovaudit.assess.policy import load_policy
from sovaudit.cli import main
from sovaudit.commands.stack import StackError, dumps_stack, load_stack, schema
from sovaudit.detect.scan import scan
from sovaudit.model import Kind, ScanConfig
from sovaudit.resolve.hub import HubClient

from report_support import CORPUS_TREE, EU_STACK, REPO, chdir

STACKS = REPO / "examples" / "stacks"


def run(result, kb):
    client = HubClient(offline=True)
    try:
        return api.after_scan(result, kb, client, load_policy())
    finally:
        client.close()


def exposure(result) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    return {la.layer.value: sorted((j.jurisdiction, j.kinds) for j in la.jurisdictions) for la in result.assessment.layers}


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# ------------------------------------------------------------------------------------------
# The schema and the examples
# ------------------------------------------------------------------------------------------


def test_schema_is_valid_and_the_examples_follow_it():
    jsonschema.Draft202012Validator.check_schema(schema())
    v = jsonschema.Draft202012Validator(schema())
    files = sorted(STACKS.glob("*.yaml"))
    assert [f.name for f in files] == ["eu-sovereign.yaml", "eu-stack.yaml", "us-closed.yaml"]
    for f in files:
        assert list(v.iter_errors(yaml.safe_load(f.read_text("utf-8")))) == [], f


def test_every_entry_becomes_a_reference_at_its_line(kb):
    path = STACKS / "eu-sovereign.yaml"
    lines = path.read_text("utf-8").splitlines()
    result = load_stack(path, kb)
    assert result.root == "eu-sovereign"
    got = {(r.kind, r.id, r.form, r.provider): r for r in result.references}
    assert set(got) == {
        (Kind.HARDWARE, "nvidia", "stack", "nvidia"),
        (Kind.CLOUD, "ovh", "provider", "ovh"),
        (Kind.CLOUD, "GRA11", "region", "ovh"),
        (Kind.ENDPOINT, "mistral", "provider", "mistral"),
        (Kind.MODEL, "mistralai/Mistral-Small-3.1-24B-Instruct-2503", "hf", ""),
        (Kind.MODEL, "mistral-small-latest", "api", "mistral"),
        (Kind.MODEL, "mixedbread-ai/mxbai-embed-large-v1", "hf", ""),
        (Kind.PACKAGE, "vllm", "requirement", ""),
        (Kind.PACKAGE, "mistralai", "requirement", ""),
        (Kind.PACKAGE, "sentence-transformers", "requirement", ""),
        (Kind.PACKAGE, "torch", "requirement", ""),
    }
    for r in result.references:
        assert r.path == "eu-sovereign.yaml" and r.detector == "stack" and r.fingerprint
        assert r.text in lines[r.line - 1], (r.text, r.line)  # the line that says it
        assert r.snippet == lines[r.line - 1].strip()
    assert got[(Kind.HARDWARE, "nvidia", "stack", "nvidia")].attribute("accelerator") == "H100"
    assert got[(Kind.CLOUD, "GRA11", "region", "ovh")].attribute("country") == "FR"
    assert got[(Kind.MODEL, "mixedbread-ai/mxbai-embed-large-v1", "hf", "")].attribute("deployment") == "self-hosted"


def test_the_sovereign_stack_assesses_as_described(kb):
    r = run(load_stack(STACKS / "eu-sovereign.yaml", kb), kb)
    e = exposure(r)
    assert e["hardware"] == [("US", ("supply",))]  # the GPUs are still NVIDIA's
    # French parties, within the EU legal order: one row each, not a second EU row
    assert e["cloud"] == [("FR", ("data", "supply"))]
    assert e["inference-provider"] == [("FR", ("data",))]
    assert e["model"] == [("DE", ("supply",)), ("FR", ("supply",))]
    assert {j.orders for la in r.assessment.layers for j in la.jurisdictions if j.jurisdiction in ("DE", "FR")} == {("EU",)}
    models = {m.model_id: m for m in r.assessment.models}
    assert models["mistralai/Mistral-Small-3.1-24B-Instruct-2503"].deployment == ("self-hosted",)
    assert models["mistral-small-latest"].deployment == ("provider:mistral",)


def test_a_managed_model_service_region_is_where_the_model_runs(kb, tmp_path):
    p = write(tmp_path, "stack_version: 1\nname: bedrock\nmodels:\n"
                        "  - {id: anthropic.claude-3-5-sonnet-20240620-v1:0, via: bedrock, region: eu-central-1}\n")
    r = run(load_stack(p, kb), kb)
    cloud = dict(exposure(r)["cloud"])
    assert cloud["DE"] == ("data",) and "US" in cloud  # Frankfurt, operated by a US cloud


def test_an_endpoint_is_attributed_to_its_provider_or_stays_unknown(kb, tmp_path):
    """A provider's URL is that provider; a URL nobody names is data gone somewhere unknown; an
    RFC 2606 test domain (.example) is no data flow at all, and is said to be set apart."""
    p = write(tmp_path, "stack_version: 1\nname: eps\nendpoints:\n  - url: https://api.mistral.ai/v1\n"
                        "  - url: https://llm.partner-corp.eu/v1\n  - url: https://llm.partner.example/v1\n")
    r = run(load_stack(p, kb), kb)
    inference = dict(exposure(r)["inference-provider"])
    assert inference == {"FR": ("data",), "unknown": ("data",)}
    assert [(x.reason, x.references) for x in r.assessment.set_apart] == [("reserved-domain", 1)]


def test_a_model_without_a_serving_path_and_one_on_an_endpoint(kb, tmp_path):
    """A model with neither 'via' nor 'endpoint' is declared with no serving path: its supply
    counts, no provider in the same file is taken for it; 'endpoint' sends its data to that URL."""
    p = write(tmp_path, "stack_version: 1\nname: partial\ninference: [{provider: mistral}]\nmodels:\n"
                        "  - id: Qwen/Qwen2.5-7B-Instruct\n  - id: mistralai/Mistral-7B-Instruct-v0.3\n"
                        "    endpoint: https://llm.partner-corp.eu/v1\n")
    r = run(load_stack(p, kb), kb)
    m = {m.model_id: m for m in r.assessment.models}
    assert [(x.route, x.scope) for x in m["Qwen/Qwen2.5-7B-Instruct"].serving] == [("not-established", "unknown")]
    assert [(x.route, x.processor, x.scope) for x in m["mistralai/Mistral-7B-Instruct-v0.3"].serving] == [
        ("provider", "endpoint:https://llm.partner-corp.eu/v1", "declared")]
    assert ("unknown", ("data",)) in exposure(r)["inference-provider"]


def test_a_model_both_self_hosted_and_on_an_api(kb, tmp_path):
    p = write(tmp_path, "stack_version: 1\nname: both\nclouds: [{provider: scaleway, regions: [fr-par]}]\n"
                        "models:\n  - id: mistralai/Mistral-7B-Instruct-v0.3\n    via: [self-hosted, mistral]\n")
    r = run(load_stack(p, kb), kb)
    m = {m.model_id: m for m in r.assessment.models}["mistralai/Mistral-7B-Instruct-v0.3"]
    assert m.deployment == ("provider:mistral", "self-hosted")


# ------------------------------------------------------------------------------------------
# Bad stack files: FILE:LINE: FIELD: message, exit 2, nothing else lost
# ------------------------------------------------------------------------------------------

BAD = {
    "unknown top-level key": ("stack_version: 1\nname: x\ncolour: blue\n", "s.yaml:3: colour: unknown key 'colour'"),
    "unknown nested key": ("stack_version: 1\nname: x\nmodels:\n  - id: gpt-4o\n    via: openai\n    flavour: x\n",
                           "s.yaml:6: models[0].flavour: unknown key 'flavour'"),
    "unknown provider": ("stack_version: 1\nname: x\ninference:\n  - provider: deepsek\n",
                         "s.yaml:4: inference[0].provider: unknown inference provider 'deepsek' (did you mean deepseek?)"),
    "unknown via provider": ("stack_version: 1\nname: x\nmodels:\n  - id: gpt-4o\n    via: opnai\n",
                             "s.yaml:5: models[0].via: unknown provider 'opnai' (did you mean openai?)"),
    "unknown cloud": ("stack_version: 1\nname: x\nclouds:\n  - provider: amazon\n", "s.yaml:4: clouds[0].provider: unknown cloud 'amazon'"),
    "unknown region": ("stack_version: 1\nname: x\nclouds:\n  - provider: aws\n    regions:\n      - eu-central-9\n",
                       "s.yaml:6: clouds[0].regions[0]: aws has no region 'eu-central-9'"),
    "unknown accelerator": ("stack_version: 1\nname: x\nhardware:\n  - vendor: nvidia\n    accelerators: [H1000]\n",
                            "s.yaml:5: hardware[0].accelerators[0]: 'H1000' is not an accelerator of nvidia"),
    "wrong type": ("stack_version: 1\nname: x\nhardware:\n  - vendor: nvidia\n    accelerators: H100\n",
                   "s.yaml:5: hardware[0].accelerators: 'H100' is not of type 'array'"),
    "wrong type of via": ("stack_version: 1\nname: x\nmodels:\n  - id: a/b\n    via: [self-hosted, 3]\n",
                          "s.yaml:5: models[0].via: ['self-hosted', 3] is not a provider id or 'self-hosted'"),
    "missing field": ("stack_version: 1\nname: x\nmodels:\n  - via: mistral\n", "s.yaml:4: models[0]: 'id' is required"),
    "endpoint not a url": ("stack_version: 1\nname: x\nmodels:\n  - id: a/b\n    endpoint: llm-box\n",
                           "s.yaml:5: models[0].endpoint: 'llm-box' is not a URL (scheme://host/...)"),
    "missing name": ("stack_version: 1\n", "s.yaml:1: 'name' is required"),
    "wrong version": ("stack_version: 2\nname: x\n", "s.yaml:1: stack_version: 1 was expected"),
    "api-only self-hosted": ("stack_version: 1\nname: x\nmodels:\n  - id: gpt-4o\n    via: self-hosted\n",
                             "s.yaml:5: models[0].via: gpt-4o is API-only"),
    "not a model id": ("stack_version: 1\nname: x\nmodels:\n  - id: ./models/x\n    via: self-hosted\n",
                       "s.yaml:4: models[0].id: './models/x' is not a model id"),
    "region without provider": ("stack_version: 1\nname: x\nmodels:\n  - id: a/b\n    via: self-hosted\n    region: eu-west-1\n",
                                "s.yaml:6: models[0].region: a region applies to a managed model service"),
    "endpoint not a URL": ("stack_version: 1\nname: x\nendpoints:\n  - url: llm.internal\n",
                           "s.yaml:4: endpoints[0].url: 'llm.internal' is not a URL"),
    "bad YAML": ("stack_version: 1\nname: [unclosed\n", "s.yaml:3: not valid YAML"),
    "not a mapping": ("- a\n- b\n", "s.yaml:1: a stack file is a YAML mapping"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_stack_files_name_file_line_and_field(case, kb, tmp_path):
    text, want = BAD[case]
    p = write(tmp_path, text)
    with pytest.raises(StackError) as exc:
        load_stack(p, kb)
    assert any(str(problem).startswith(want) for problem in exc.value.problems), [str(x) for x in exc.value.problems]


def test_not_utf8_is_a_clear_error(kb, tmp_path):
    p = tmp_path / "s.yaml"
    p.write_bytes(b"stack_version: 1\nname: caf\xe9\n")
    with pytest.raises(StackError, match=r"s.yaml:2: not UTF-8 text"):
        load_stack(p, kb)


def test_every_problem_is_reported_not_just_the_first(kb, tmp_path):
    p = write(tmp_path, "stack_version: 1\nname: x\ninference: [{provider: deepsek}]\nclouds: [{provider: amazon}]\n"
                        "models: [{id: gpt-4o, via: self-hosted}]\n")
    with pytest.raises(StackError) as exc:
        load_stack(p, kb)
    assert [p.line for p in exc.value.problems] == [3, 4, 5]


@pytest.mark.parametrize("case", ["unknown top-level key", "unknown provider", "wrong type"])
def test_cli_exits_2_with_the_problem_on_stderr(case, tmp_path):
    text, want = BAD[case]
    p = write(tmp_path, text)
    proc = subprocess.run([sys.executable, "-m", "sovaudit", "compare", str(p), str(STACKS / "us-closed.yaml"), "--offline"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert f"error: {tmp_path / want}" in proc.stderr
    assert proc.stdout == ""


# ------------------------------------------------------------------------------------------
# sovaudit stack: the stack of a scanned tree
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("tree", [EU_STACK, CORPUS_TREE], ids=["eu-stack", "corpus-tree"])
def test_a_scanned_trees_stack_assesses_like_the_tree(tree, kb, tmp_path):
    scanned = run(scan(ScanConfig(root=str(tree), cache_dir="-", jobs=1), kb), kb)
    p = write(tmp_path, dumps_stack(scanned, kb), "today.yaml")
    restated = run(load_stack(p, kb), kb)
    assert exposure(restated) == exposure(scanned)
    assert {m.model_id: m.deployment for m in restated.assessment.models} == \
        {m.model_id: m.deployment for m in scanned.assessment.models}


def test_the_example_is_what_sovaudit_stack_writes(kb):
    """examples/stacks/eu-stack.yaml is the command's output for examples/eu-stack, unedited."""
    with chdir(REPO):
        got = CliRunner().invoke(main, ["stack", "examples/eu-stack", "--offline", "--no-cache", "-q"])
    assert got.exit_code == 0, got.output
    assert got.output == (STACKS / "eu-stack.yaml").read_text("utf-8")


def test_stack_says_where_each_entry_was_found(kb):
    text = (STACKS / "eu-stack.yaml").read_text("utf-8")
    assert "# found at .env.example:9, deploy/k8s/app.yaml:32, service/classify.py:11\n  - id: deepseek-chat\n    via: deepseek" in text
    assert "  - vendor: nvidia\n    accelerators:\n    - A10G" in text


def test_stack_of_a_saved_scan_document_and_of_a_stack_file(kb, tmp_path):
    with chdir(REPO):
        runner = CliRunner()
        doc = tmp_path / "scan.json"
        assert runner.invoke(main, ["scan", "examples/eu-stack", "--offline", "--no-cache", "-q", "-o", str(doc)]).exit_code == 0
        from_doc = runner.invoke(main, ["stack", str(doc)])
        assert from_doc.exit_code == 0
        assert yaml.safe_load(from_doc.output) == yaml.safe_load((STACKS / "eu-stack.yaml").read_text("utf-8"))
        again = runner.invoke(main, ["stack", "examples/stacks/eu-stack.yaml"])
        assert again.exit_code == 2 and "already a stack file" in again.output
    assert json.loads(doc.read_text("utf-8"))["root"] == "eu-stack"
