"""The command line as users and CI run it: help, version, outputs, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sovaudit.cli import main

REPO = Path(__file__).resolve().parents[1]
EU_STACK = REPO / "examples" / "eu-stack"


@pytest.fixture
def runner():
    return CliRunner()


@pytest.mark.parametrize("args", [[], ["scan"], ["resolve"], ["rules"], ["rules", "validate"], ["rules", "list"]])
def test_every_command_has_help(runner, args):
    res = runner.invoke(main, args + ["--help"])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("Usage: ")
    assert len(res.output.splitlines()) > 5


def test_version_through_python_dash_m():
    out = subprocess.run([sys.executable, "-m", "sovaudit", "--version"], capture_output=True, text=True, check=True)
    from sovaudit import __version__

    assert out.stdout.strip() == f"sovaudit, version {__version__}"


def test_scan_writes_versioned_json_with_skips_and_provenance(runner, tmp_path):
    tree = tmp_path / "repo"
    tree.mkdir()
    (tree / "app.py").write_text('from transformers import AutoModel\nm = AutoModel.from_pretrained("Qwen/Qwen2.5-7B-Instruct")\n')
    (tree / "blob.py").write_bytes(b"\x00\x01\x02binary")
    out = tmp_path / "scan.json"
    res = runner.invoke(main, ["scan", str(tree), "--offline", "--no-cache", "-q", "-o", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())
    assert doc["schema_version"] == "2.3" and doc["root"] == "repo"
    assert [(r["path"], r["line"], r["id"]) for r in doc["references"] if r["kind"] == "model"] == [("app.py", 2, "Qwen/Qwen2.5-7B-Instruct")]
    assert doc["skipped"] == [{"path": "blob.py", "reason": "binary", "detail": "contains NUL bytes; not a text file"}]
    (prov,) = doc["provenance"]
    assert prov["model_id"] == "Qwen/Qwen2.5-7B-Instruct" and prov["country"]["value"] == "CN"
    assert doc["offline"] is True


def test_json_output_is_deterministic(runner, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    for out in (a, b):
        res = runner.invoke(main, ["scan", str(EU_STACK), "--offline", "--no-cache", "-q", "-o", str(out)])
        assert res.exit_code == 0, res.output
    assert a.read_bytes() == b.read_bytes()


def test_reports_are_moved_into_place_whole(runner, tmp_path):
    """-o into a folder that does not exist yet, -o - and --output-dir give the same bytes; an
    existing report is replaced, and no staging folder is left behind."""
    nested = tmp_path / "new" / "deeper" / "scan.json"
    res = runner.invoke(main, ["scan", str(EU_STACK), "--offline", "--no-cache", "-q", "-o", str(nested)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(main, ["scan", str(EU_STACK), "--offline", "--no-cache", "-q", "-f", "json", "-o", "-"])
    assert res.exit_code == 0 and res.stdout_bytes == nested.read_bytes()
    nested.write_text("stale")
    res = runner.invoke(main, ["scan", str(EU_STACK), "--offline", "--no-cache", "-q", "--output-dir", str(nested.parent),
                               "-f", "json,md"])
    assert res.exit_code == 0 and (nested.parent / "sovaudit.md").is_file()
    assert res.stdout == ""  # with -q and --output-dir, nothing on standard output
    res = runner.invoke(main, ["scan", str(EU_STACK), "--offline", "--no-cache", "-q", "-o", str(nested)])
    assert res.exit_code == 0 and nested.read_bytes() == (nested.parent / "sovaudit.json").read_bytes()
    assert sorted(p.name for p in nested.parent.iterdir()) == ["scan.json", "sovaudit.json", "sovaudit.md"]


def test_secret_values_never_reach_the_output(runner, tmp_path):
    secret = "sk-live-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c"
    (tmp_path / ".env").write_text(f"DEEPSEEK_API_KEY={secret}\nDEEPSEEK_MODEL=deepseek-chat\n")
    res = runner.invoke(main, ["scan", str(tmp_path), "--offline", "--no-cache", "-o", "-"])
    assert res.exit_code == 0
    assert "deepseek-chat" in res.output and "DEEPSEEK_API_KEY" in res.output
    assert secret not in res.output


def test_summary_names_layers_and_provenance(runner):
    res = runner.invoke(main, ["scan", str(EU_STACK), "--offline", "--no-cache"], env={"COLUMNS": "160"})
    assert res.exit_code == 0, res.output
    for heading in ("Models", "Inference endpoints", "Clouds and regions", "Hardware", "Packages", "Model provenance"):
        assert heading in res.output
    assert "not checked against the Hub (offline)" in res.output


@pytest.mark.parametrize("args, message", [
    (["scan", "/no/such/path"], "does not exist"),
    (["scan", ".", "--format", "pdf"], "unknown format(s): pdf"),
    (["scan", ".", "--max-file-size", "lots"], "is not a size"),
])
def test_usage_errors_exit_2(runner, args, message):
    res = runner.invoke(main, args)
    assert res.exit_code == 2
    assert message in res.output


def test_bad_rules_overlay_exits_2_naming_file_and_line(runner, tmp_path):
    bad = tmp_path / "mine"
    bad.mkdir()
    (bad / "labs.yaml").write_text("section: labs\nentries:\n  - id: x\n    name: X\n    country: ZZ\n    kind: lab\n    sources: [https://example.org]\n")
    res = runner.invoke(main, ["rules", "validate", str(bad)])
    assert res.exit_code == 2
    assert f"{(bad / 'labs.yaml').as_posix()}:5: x: 'ZZ' is not an ISO 3166-1 alpha-2 country code" in res.output
    res = runner.invoke(main, ["scan", str(EU_STACK), "--rules", str(bad), "--offline"])
    assert res.exit_code == 2


def test_rules_validate_and_list(runner, kb):
    res = runner.invoke(main, ["rules", "validate"])
    assert res.exit_code == 0 and res.output.startswith("ok: ")
    assert f"rules version {kb.version}" in res.output
    res = runner.invoke(main, ["rules", "list", "--section", "clouds"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    assert "aws" in res.output and "clouds.yaml:" in res.output and "labs" not in res.output


def test_resolve_json_offline(runner):
    res = runner.invoke(main, ["resolve", "--offline", "--no-cache", "--json", "deepseek-chat", "Qwen/Qwen2.5-7B-Instruct"])
    assert res.exit_code == 0, res.output
    doc = {p["model_id"]: p for p in json.loads(res.output)["provenance"]}
    assert doc["deepseek-chat"]["country"]["value"] == "CN"
    assert doc["deepseek-chat"]["provider"]["value"] == "deepseek"
    assert doc["Qwen/Qwen2.5-7B-Instruct"]["reason"] == "offline mode: Hub not consulted"


def test_resolve_tree(runner):
    res = runner.invoke(main, ["resolve", "--offline", "--no-cache", "gpt-4o"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    assert "gpt-4o" in res.output and "(US)" in res.output and "weights api-only" in res.output


def test_hf_hub_offline_env_is_honoured(runner, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    res = runner.invoke(main, ["resolve", "--no-cache", "--json", "Qwen/Qwen2.5-7B-Instruct"])
    assert json.loads(res.output)["provenance"][0]["reason"] == "offline mode: Hub not consulted"
