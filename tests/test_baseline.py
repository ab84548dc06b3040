"""Baselines: a pull request fails only on new exposure. Findings are matched by line-independent
fingerprints, so an edit that moves lines keeps a finding baselined, while a new reference (to the
same exposure or a new one) fails. Through CliRunner and a real ``python -m sovaudit`` process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sovaudit.assess.baseline import Baseline, DocumentError, apply_baseline, from_document, load_document
from sovaudit.assess.policy import fails
from sovaudit.cli import main
from sovaudit.model import SCHEMA_VERSION, ExposureKind, Finding, Layer, Severity

from ci_support import EU_POLICY, findings, run_process, scan, tree

R = "EU-DATA-OUTSIDE"

APP = """
from openai import OpenAI

client = OpenAI(base_url="https://api.deepseek.com")
"""
# the same code after an edit above it: the reference moves from line 3 to line 9
APP_MOVED = """
\"\"\"Chat service.\"\"\"
import logging

from openai import OpenAI

log = logging.getLogger(__name__)


client = OpenAI(base_url="https://api.deepseek.com")
"""
COMPOSE = """
services:
  chat:
    environment:
      LLM_BASE_URL: https://api.deepseek.com/v1
"""
JS_NEW_PROVIDER = """
import OpenAI from "openai";
const client = new OpenAI({ baseURL: "https://api.moonshot.cn/v1" });
"""


@pytest.fixture
def base(tmp_path) -> tuple[Path, Path]:
    """A tree with one data exposure (deepseek, app.py:3) and its baseline document."""
    root = tree(tmp_path / "repo", {"app.py": APP})
    out = tmp_path / "baseline.json"
    code, doc, _ = scan(root, *EU_POLICY, out=out)
    assert code == 0
    assert findings(doc) == [(R, "provider:deepseek", ("app.py:3",), False, "", False)]
    return root, out


def test_without_baseline_the_finding_fails(base):
    root, _ = base
    code, doc, _ = scan(root, *EU_POLICY, "--fail-on", "high")
    assert code == 1


def test_same_tree_is_all_baselined(base):
    root, bl = base
    code, doc, _ = scan(root, *EU_POLICY, "--fail-on", "high", "--baseline", str(bl))
    assert findings(doc) == [(R, "provider:deepseek", ("app.py:3",), False, "", True)]
    assert code == 0


def test_an_edit_that_moves_lines_keeps_the_finding_baselined(base):
    root, bl = base
    tree(root, {"app.py": APP_MOVED})
    code, doc, _ = scan(root, *EU_POLICY, "--fail-on", "high", "--baseline", str(bl))
    assert findings(doc) == [(R, "provider:deepseek", ("app.py:9",), False, "", True)]
    assert code == 0


def test_a_new_reference_to_the_same_exposure_fails(base):
    root, bl = base
    tree(root, {"compose.yaml": COMPOSE})
    code, doc, _ = scan(root, *EU_POLICY, "--fail-on", "high", "--baseline", str(bl))
    assert findings(doc) == [(R, "provider:deepseek", ("app.py:3", "compose.yaml:4"), False, "", False)]
    assert code == 1


def test_a_second_identical_reference_in_the_same_file_fails(base):
    root, bl = base
    tree(root, {"app.py": APP + 'backup = OpenAI(base_url="https://api.deepseek.com")\n'})
    code, doc, _ = scan(root, *EU_POLICY, "--fail-on", "high", "--baseline", str(bl))
    assert findings(doc) == [(R, "provider:deepseek", ("app.py:3", "app.py:4"), False, "", False)]
    assert code == 1


def test_a_new_exposure_fails_and_the_old_stays_baselined(base):
    root, bl = base
    tree(root, {"app.py": APP_MOVED, "app.js": JS_NEW_PROVIDER})
    code, doc, _ = scan(root, *EU_POLICY, "--fail-on", "high", "--baseline", str(bl))
    assert findings(doc) == [(R, "provider:deepseek", ("app.py:9",), False, "", True),
                             (R, "provider:moonshot", ("app.js:2",), False, "", False)]
    assert code == 1


def test_removing_one_of_two_references_stays_baselined(tmp_path):
    root = tree(tmp_path / "repo", {"app.py": APP, "compose.yaml": COMPOSE})
    bl = tmp_path / "baseline.json"
    scan(root, *EU_POLICY, out=bl)
    tree(root, {"compose.yaml": None})
    code, doc, _ = scan(root, *EU_POLICY, "--fail-on", "high", "--baseline", str(bl))
    assert findings(doc) == [(R, "provider:deepseek", ("app.py:3",), False, "", True)]
    assert code == 0


def test_a_baseline_from_another_policy_holds_nothing_for_new_rules(base, tmp_path):
    root, bl = base
    policy = tmp_path / "p.yaml"
    policy.write_text('version: 1\nrules:\n  - id: NO-CN\n    severity: high\n    message: "{entity}"\n'
                      '    when: {jurisdiction: CN, exposure: data}\n')
    code, doc, _ = scan(root, "--policy", str(policy), "--policy-replace", "--fail-on", "high", "--baseline", str(bl))
    assert findings(doc) == [("NO-CN", "provider:deepseek", ("app.py:3",), False, "", False)]
    assert code == 1


def test_suppressed_and_baselined_both_show(base):
    root, bl = base
    tree(root, {"app.py": APP.replace('deepseek.com")', f'deepseek.com")  # sovaudit: ignore[{R}] approved')})
    code, doc, _ = scan(root, *EU_POLICY, "--fail-on", "high", "--baseline", str(bl))
    assert findings(doc) == [(R, "provider:deepseek", ("app.py:3",), True, "approved", True)]
    assert code == 0


def test_summary_marks_baselined(base):
    root, bl = base
    res = CliRunner().invoke(main, ["scan", str(root), "--offline", "--no-cache", *EU_POLICY, "--fail-on", "high",
                                    "--baseline", str(bl)], env={"COLUMNS": "250"})
    assert res.exit_code == 0, res.output
    assert "1 finding(s): 1 high (1 baselined: not counted for --fail-on)" in res.output
    assert "[baselined]" in res.output and "--fail-on high: pass" in res.output


# ------------------------------------------------------------------------------------------
# Bad baseline files: usage errors, exit 2
# ------------------------------------------------------------------------------------------


def _doc(bl: Path) -> dict:
    return json.loads(bl.read_text("utf-8"))


@pytest.mark.parametrize("content, message", [
    ("not json at all", "not JSON (line 1: Expecting value); expected a JSON document written by 'sovaudit scan --format json'"),
    ("[1, 2]", "not a sovaudit scan document; expected a JSON document written by 'sovaudit scan --format json'"),
    ('{"version": "2.1.0", "runs": []}', "not a sovaudit scan document; expected a JSON document written by 'sovaudit scan --format json'"),
])
def test_not_a_scan_document_is_a_usage_error(base, tmp_path, content, message):
    root, _ = base
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    res = CliRunner().invoke(main, ["scan", str(root), "--offline", "--no-cache", "-q", "--baseline", str(bad)])
    assert res.exit_code == 2
    assert res.stderr == f"error: baseline {bad}: {message}\n"


def test_newer_schema_major_is_a_usage_error(base, tmp_path):
    root, bl = base
    doc = _doc(bl)
    doc["schema_version"] = "3.0"
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(doc))
    res = CliRunner().invoke(main, ["scan", str(root), "--offline", "--no-cache", "-q", "--baseline", str(newer)])
    assert res.exit_code == 2
    assert res.stderr == (f"error: baseline {newer}: schema version 3.0 is newer than this sovaudit reads "
                          f"(2.x; written by sovaudit {doc['tool']['version']}): upgrade sovaudit\n")


def test_newer_minor_version_is_read(base, tmp_path):
    root, bl = base
    doc = _doc(bl)
    doc["schema_version"] = SCHEMA_VERSION.split(".")[0] + ".99"
    newer = tmp_path / "minor.json"
    newer.write_text(json.dumps(doc))
    code, out, _ = scan(root, *EU_POLICY, "--fail-on", "high", "--baseline", str(newer))
    assert code == 0 and findings(out)[0][5] is True


def test_schema_1_baseline_is_read(base, tmp_path):
    """A baseline saved before schema 2 (per-reference ``paths`` instead of ``routes``) still
    baselines: findings are matched by fingerprint and references, which did not change."""
    root, bl = base
    doc = _doc(bl)
    doc["schema_version"] = "1.0"
    for f in doc["findings"]:
        f["paths"] = [{"path": "x.py", "line": 1, "fingerprint": r} for r in f.pop("routes")[0]["references"]]
    old = tmp_path / "v1.json"
    old.write_text(json.dumps(doc))
    code, out, _ = scan(root, *EU_POLICY, "--fail-on", "high", "--baseline", str(old))
    assert code == 0 and findings(out) and all(f[5] is True for f in findings(out))


def test_missing_baseline_is_a_usage_error(base, tmp_path):
    root, _ = base
    res = CliRunner().invoke(main, ["scan", str(root), "--offline", "--no-cache", "-q", "--baseline", str(tmp_path / "nope.json")])
    assert res.exit_code == 2
    assert res.stderr == f"error: baseline {tmp_path / 'nope.json'}: file not found\n"


def test_load_document_checks(tmp_path):
    p = tmp_path / "d.json"
    p.write_text(json.dumps({"schema_version": "1.0", "tool": {"name": "sovaudit"}, "findings": [], "assessment": {}}))
    assert load_document(p)["schema_version"] == "1.0"
    for bad, msg in (({"schema_version": "0.9", "tool": {"name": "sovaudit"}, "findings": [], "assessment": {}},
                      "schema version 0.9 is older than this sovaudit reads (1.x to 2.x): scan again to write a new one"),
                     ({"schema_version": "x", "tool": {"name": "sovaudit"}, "findings": [], "assessment": {}},
                      "malformed schema_version 'x'"),
                     ({"schema_version": "1.0", "tool": {"name": "sovaudit"}, "assessment": {}},
                      "'findings' is missing or malformed; expected a JSON document written by 'sovaudit scan --format json'")):
        p.write_text(json.dumps(bad))
        with pytest.raises(DocumentError) as exc:
            load_document(p, "baseline")
        assert str(exc.value) == f"baseline {p}: {msg}"


# ------------------------------------------------------------------------------------------
# The module on its own
# ------------------------------------------------------------------------------------------


def _f(rule: str, entity: str, refs: tuple[str, ...], fp: str) -> Finding:
    return Finding(rule, Severity.HIGH, "m", Layer.INFERENCE, ExposureKind.DATA, "CN", entity, (), refs, (), fp)


def test_holds_by_fingerprint_or_by_reference_subset():
    doc = {"findings": [{"rule_id": "A", "layer": "inference-provider", "kind": "data", "jurisdiction": "CN",
                         "entity": "provider:x", "references": ["r1", "r2"], "fingerprint": "F1"}]}
    b = from_document(doc)
    assert b.holds(_f("A", "provider:y", ("zz",), "F1"))  # same fingerprint
    assert b.holds(_f("A", "provider:x", ("r2",), "F2"))  # fewer references
    assert not b.holds(_f("A", "provider:x", ("r2", "r3"), "F3"))  # a new reference
    assert not b.holds(_f("B", "provider:x", ("r1",), "F4"))  # another rule
    assert not b.holds(_f("A", "provider:x", (), "F5"))
    got = apply_baseline([_f("A", "provider:x", ("r1",), "F6"), _f("A", "provider:x", ("r9",), "F7")], b)
    assert [f.baselined for f in got] == [True, False]
    assert not fails(got[:1], "low") and fails(got, "low")
    assert apply_baseline(got, None) == got
    assert Baseline().holds(_f("A", "provider:x", ("r1",), "F1")) is False


# ------------------------------------------------------------------------------------------
# A real process, as CI runs it
# ------------------------------------------------------------------------------------------


@pytest.mark.e2e
def test_real_process_baseline_exit_codes(tmp_path):
    root = tree(tmp_path / "repo", {"app.py": APP})
    bl = tmp_path / "main.json"
    proc = run_process("scan", str(root), "--offline", "--no-cache", "-q", *EU_POLICY, "-f", "json", "-o", str(bl))
    assert proc.returncode == 0, proc.stderr
    args = ("scan", str(root), "--offline", "--no-cache", "-q", *EU_POLICY, "--fail-on", "high")
    assert run_process(*args).returncode == 1
    assert run_process(*args, "--baseline", str(bl)).returncode == 0
    tree(root, {"app.py": APP_MOVED})  # lines moved: still baselined
    assert run_process(*args, "--baseline", str(bl)).returncode == 0
    tree(root, {"compose.yaml": COMPOSE})  # a new reference: fails
    proc = run_process(*args, "--baseline", str(bl))
    assert proc.returncode == 1, proc.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    proc = run_process(*args, "--baseline", str(bad))
    assert proc.returncode == 2
    assert proc.stderr == (f"error: baseline {bad}: not a sovaudit scan document; "
                           "expected a JSON document written by 'sovaudit scan --format json'\n")


def test_report_verdict_agrees_with_the_exit_code(base):
    """Writers (HTML, Markdown) judge the verdict as --fail-on does: baselined findings do not fail."""
    from sovaudit.report import writer

    root, bl = base
    code, _, _ = scan(root, *EU_POLICY, "--fail-on", "high", "--baseline", str(bl))
    assert code == 0
    res = CliRunner().invoke(main, ["scan", str(root), "--offline", "--no-cache", "-q", *EU_POLICY, "--fail-on", "high",
                                    "--baseline", str(bl), "-f", "md", "-o", "-"])
    assert res.exit_code == 0
    assert "FAIL" not in res.stdout and "PASS" in res.stdout
    assert writer("md")  # the format exists
