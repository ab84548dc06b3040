"""The library entry point: ``sovaudit.audit`` is the pipeline the CLI runs, with errors a caller
can fix raised as ``AuditError``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import sovaudit
from sovaudit.cli import main
from sovaudit.report.jsondoc import to_document

REPO = Path(__file__).resolve().parents[1]
EU_STACK = REPO / "examples" / "eu-stack"


def test_audit_is_what_the_command_line_writes(monkeypatch, tmp_path):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    monkeypatch.chdir(REPO)
    out = tmp_path / "scan.json"
    res = CliRunner().invoke(main, ["scan", "examples/eu-stack", "--offline", "--no-cache", "-q", "--home", "EU",
                                    "-f", "json", "-o", str(out)])
    assert res.exit_code == 0, res.output
    result = sovaudit.audit(sovaudit.AuditConfig(root="examples/eu-stack", offline=True, cache_dir="-", home="EU"))
    assert to_document(result) == json.loads(out.read_text("utf-8"))
    assert result.assessment.home == "EU" and len(result.findings) == 5


@pytest.mark.parametrize("config, says", [
    (dict(policies=("no-such-policy.yaml",)), "no-such-policy.yaml"),
    (dict(policy_replace=True), "--policy-replace needs at least one --policy FILE"),
    (dict(home="Atlantis"), "Atlantis"),
    (dict(baseline="missing.json"), "missing.json"),
])
def test_inputs_to_fix_are_audit_errors(config, says, tmp_path):
    with pytest.raises(sovaudit.AuditError) as exc:
        sovaudit.audit(sovaudit.AuditConfig(root=str(EU_STACK), offline=True, cache_dir="-", **config))
    assert any(says in p for p in exc.value.problems), exc.value.problems


def test_a_bad_rules_overlay_is_an_audit_error(tmp_path):
    (tmp_path / "labs.yaml").write_text("section: labs\nentries:\n  - id: x\n", "utf-8")
    with pytest.raises(sovaudit.AuditError) as exc:
        sovaudit.audit(sovaudit.AuditConfig(root=str(EU_STACK), offline=True, cache_dir="-", rules_dirs=(str(tmp_path),)))
    assert exc.value.problems[0] == "the knowledge base has problems:" and len(exc.value.problems) > 1
