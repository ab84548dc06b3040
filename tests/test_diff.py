"""``sovaudit diff OLD NEW``: exposure added and removed per layer with the file:line that caused
it, findings added and removed; text, json and md; exit codes (0, 1 with --fail-on-added, 2 for a
document it cannot read). References match by line-independent fingerprints: moved code is no change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sovaudit.cli import main
from sovaudit.commands.diff import diff_documents

from ci_support import EU_POLICY, run_process, scan, tree
from report_support import as_schema_1

APP = """
from openai import OpenAI

client = OpenAI(base_url="https://api.deepseek.com")
"""
APP_MOVED = """
\"\"\"Chat.\"\"\"
import logging

from openai import OpenAI

client = OpenAI(base_url="https://api.deepseek.com")
"""
JS = """
import OpenAI from "openai";
const client = new OpenAI({ baseURL: "https://api.moonshot.cn/v1" });
"""
COMPOSE = """
services:
  chat:
    environment:
      LLM_BASE_URL: https://api.deepseek.com/v1
"""


@pytest.fixture
def docs(tmp_path) -> tuple[Path, Path]:
    """OLD: app.py (openai + deepseek) and requirements.txt (vllm). NEW: app.py with its lines moved,
    vllm gone, app.js (npm openai + moonshot) and compose.yaml (deepseek again) added."""
    root = tree(tmp_path / "repo", {"app.py": APP, "requirements.txt": "vllm==0.6.0\n"})
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    scan(root, *EU_POLICY, out=old)
    tree(root, {"app.py": APP_MOVED, "requirements.txt": None, "app.js": JS, "compose.yaml": COMPOSE})
    scan(root, *EU_POLICY, out=new)
    return old, new


def invoke(*args: str):
    return CliRunner().invoke(main, ["diff", *args])


def test_text(docs):
    old, new = docs
    res = invoke(str(old), str(new))
    assert res.exit_code == 0, res.output
    assert res.stdout == f"""\
sovaudit diff {old} -> {new}
Exposure added (3):
  inference-provider
    + CN data provider:deepseek (more references): compose.yaml:4
    + CN data provider:moonshot (new): app.js:2
  software
    + US supply package:npm/openai (new): app.js:1
Exposure removed (1):
  software
    - US supply package:vllm (gone): requirements.txt:1
Findings added (2):
  + [high] EU-DATA-OUTSIDE: Data exposure outside the EU: provider:deepseek -> CN via provider:deepseek (app.py:6 and 1 more) (new references): compose.yaml:4
  + [high] EU-DATA-OUTSIDE: Data exposure outside the EU: provider:moonshot -> CN via provider:moonshot (app.js:2) (new): app.js:2
Findings removed: none
"""


def test_reverse_lists_removed(docs):
    old, new = docs
    res = invoke(str(new), str(old), "--fail-on-added")
    assert res.exit_code == 1  # vllm came back
    assert res.stdout == f"""\
sovaudit diff {new} -> {old}
Exposure added (1):
  software
    + US supply package:vllm (new): requirements.txt:1
Exposure removed (3):
  inference-provider
    - CN data provider:deepseek (fewer references): compose.yaml:4
    - CN data provider:moonshot (gone): app.js:2
  software
    - US supply package:npm/openai (gone): app.js:1
Findings added: none
Findings removed (1):
  - [high] EU-DATA-OUTSIDE: Data exposure outside the EU: provider:moonshot -> CN via provider:moonshot (app.js:2) (gone): app.js:2
"""


def test_json(docs):
    old, new = docs
    res = invoke(str(old), str(new), "--format", "json")
    assert res.exit_code == 0
    d = json.loads(res.stdout)
    assert d["summary"] == {"exposure_added": 3, "exposure_removed": 1, "findings_added": 2, "findings_removed": 0}
    assert d["old"]["root"] == d["new"]["root"] == "repo" and d["old"]["file"] == str(old)

    def rows(xs):
        return [(x["layer"], x["jurisdiction"], x["kind"], x["entity"], x["change"],
                 [f"{w['path']}:{w['line']}" for w in x["where"]]) for x in xs]

    assert rows(d["exposure"]["added"]) == [
        ("inference-provider", "CN", "data", "provider:deepseek", "more references", ["compose.yaml:4"]),
        ("inference-provider", "CN", "data", "provider:moonshot", "new", ["app.js:2"]),
        ("software", "US", "supply", "package:npm/openai", "new", ["app.js:1"]),
    ]
    assert rows(d["exposure"]["removed"]) == [("software", "US", "supply", "package:vllm", "gone", ["requirements.txt:1"])]
    assert [(f["rule_id"], f["entity"], f["change"], [f"{w['path']}:{w['line']}" for w in f["where"]], f["suppressed"])
            for f in d["findings"]["added"]] == [
        ("EU-DATA-OUTSIDE", "provider:deepseek", "new references", ["compose.yaml:4"], False),
        ("EU-DATA-OUTSIDE", "provider:moonshot", "new", ["app.js:2"], False),
    ]
    assert d["findings"]["removed"] == []
    assert all(len(w["fingerprint"]) == 32 for x in d["exposure"]["added"] for w in x["where"])


def test_schema_1_documents_still_diff(docs, tmp_path):
    """A scan saved by an older sovaudit (schema 1: per-reference ``paths``) diffs against a new
    one exactly as the new one would; the same scan in both forms is no change."""
    old, new = docs
    v2_old, v2_new = json.loads(old.read_text()), json.loads(new.read_text())
    assert v2_old["schema_version"] == "2.3" and "routes" in v2_old["findings"][0]
    v1_old = tmp_path / "old-v1.json"
    v1_old.write_text(json.dumps(as_schema_1(v2_old)))
    assert invoke(str(v1_old), str(new)).stdout == invoke(str(old), str(new)).stdout.replace(str(old), str(v1_old))
    assert invoke(str(v1_old), str(old)).stdout.endswith("No change in exposure or findings.\n")
    assert diff_documents(as_schema_1(v2_new), v2_new).empty
    from dataclasses import replace

    d1, d2 = diff_documents(as_schema_1(v2_old), v2_new), diff_documents(v2_old, v2_new)
    assert d1.old["schema_version"] == "1.0" and replace(d1, old=d2.old) == d2 and not d2.empty


def test_markdown(docs, tmp_path):
    old, new = docs
    out = tmp_path / "diff.md"
    res = invoke(str(old), str(new), "--format", "md", "-o", str(out), "--fail-on-added")
    assert res.exit_code == 1 and res.stdout == ""
    md = out.read_text("utf-8")
    assert md.startswith(f"## sovaudit diff {old} -> {new}\n\n### Exposure added (3)\n\n"
                         "| layer | jurisdiction | kind | entity | change | where |\n|---|---|---|---|---|---|\n"
                         "| inference-provider | CN | data | `provider:deepseek` | more references | `compose.yaml:4` |\n"
                         "| inference-provider | CN | data | `provider:moonshot` | new | `app.js:2` |\n"
                         "| software | US | supply | `package:npm/openai` | new | `app.js:1` |\n\n"
                         "### Exposure removed (1)\n\n")
    assert "| software | US | supply | `package:vllm` | gone | `requirements.txt:1` |" in md
    assert "### Findings removed (0)\n\nNone.\n" in md
    assert "| high | `EU-DATA-OUTSIDE` | Data exposure outside the EU: provider:moonshot -> CN via provider:moonshot (app.js:2) | new | `app.js:2` |" in md


def test_moved_lines_only_is_no_change(tmp_path):
    root = tree(tmp_path / "repo", {"app.py": APP})
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    scan(root, *EU_POLICY, out=old)
    tree(root, {"app.py": APP_MOVED})
    scan(root, *EU_POLICY, out=new)
    assert json.loads(old.read_text()) != json.loads(new.read_text())  # lines did change
    res = invoke(str(old), str(new), "--fail-on-added")
    assert res.exit_code == 0
    assert res.stdout == f"sovaudit diff {old} -> {new}\nNo change in exposure or findings.\n"
    res = invoke(str(old), str(new), "-f", "md")
    assert res.stdout == f"## sovaudit diff {old} -> {new}\n\nNo change in exposure or findings.\n"


def test_note_on_different_rules_versions(docs, tmp_path):
    old, new = docs
    d = json.loads(old.read_text())
    d["root"], d["rules_version"] = "elsewhere", "0000"
    other = tmp_path / "other.json"
    other.write_text(json.dumps(d))
    res = invoke(str(other), str(new))
    # a different root name (a base branch checked out elsewhere) is no change and no note
    assert res.stdout.splitlines()[1:3] == [
        f"note: rules version differs (0000 -> {json.loads(new.read_text())['rules_version']}): "
        "some changes may come from the knowledge base, not the code",
        "Exposure added (3):",
    ]


def test_bad_documents_exit_2(docs, tmp_path):
    old, _ = docs
    bad = tmp_path / "bad.json"
    bad.write_text('{"tool": {"name": "other"}}')
    res = invoke(str(old), str(bad))
    assert res.exit_code == 2
    assert res.stderr == (f"error: NEW {bad}: not a sovaudit scan document; "
                          "expected a JSON document written by 'sovaudit scan --format json'\n")
    res = invoke(str(tmp_path / "missing.json"), str(old))
    assert res.exit_code == 2 and res.stderr == f"error: OLD {tmp_path / 'missing.json'}: file not found\n"
    d = json.loads(old.read_text())
    d["schema_version"] = "3.0"
    bad.write_text(json.dumps(d))
    res = invoke(str(bad), str(old))
    assert res.exit_code == 2 and "schema version 3.0 is newer than this sovaudit reads" in res.stderr


# ------------------------------------------------------------------------------------------
# Findings only (a policy change between the scans), suppressed findings
# ------------------------------------------------------------------------------------------


def _doc(findings: list[dict]) -> dict:
    return {"schema_version": "1.0", "tool": {"name": "sovaudit", "version": "x"}, "rules_version": "r", "root": "repo",
            "assessment": {"layers": []}, "findings": findings}


def _fd(rule: str, refs: list[str], fp: str, suppressed: bool = False) -> dict:
    return {"rule_id": rule, "severity": "high", "message": "m", "layer": "model", "kind": "supply",
            "jurisdiction": "CN", "entity": "model:x", "references": refs, "fingerprint": fp,
            "paths": [{"path": "a.py", "line": i + 1, "fingerprint": r} for i, r in enumerate(refs)],
            "suppressed": suppressed, "suppression": "ok" if suppressed else ""}


def test_findings_added_and_removed_without_exposure_change():
    old = _doc([_fd("A", ["r1"], "F1"), _fd("GONE", ["r1"], "F2")])
    new = _doc([_fd("A", ["r1"], "F1"), _fd("NEW", ["r1"], "F3", suppressed=True)])
    d = diff_documents(old, new)
    assert [(f.rule_id, f.change, f.suppressed) for f in d.findings_added] == [("NEW", "new", True)]
    assert [(f.rule_id, f.change) for f in d.findings_removed] == [("GONE", "gone")]
    assert not d.exposure_added and not d.anything_added  # only a suppressed finding was added
    new = _doc([_fd("A", ["r1"], "F1"), _fd("NEW", ["r1"], "F3")])
    assert diff_documents(old, new).anything_added


def test_a_finding_whose_references_only_shrank_is_neither_added_nor_removed():
    old = _doc([_fd("A", ["r1", "r2"], "F1")])
    new = _doc([_fd("A", ["r2"], "F9")])
    d = diff_documents(old, new)
    assert d.findings_added == () and d.findings_removed == ()


def test_diff_help_and_a_real_process(docs):
    res = CliRunner().invoke(main, ["diff", "--help"])
    assert res.exit_code == 0 and "--fail-on-added" in res.output and "--format [text|json|md]" in res.output
    old, new = docs
    assert run_process("diff", str(old), str(new)).returncode == 0
    proc = run_process("diff", str(old), str(new), "--fail-on-added")
    assert proc.returncode == 1 and "Exposure added (3):" in proc.stdout


def test_a_route_listed_as_a_sample_is_compared_by_its_count(tmp_path):
    """Past 20 references a route lists the first 20 and its total (schema 2.2): one more
    reference behind it is "more references" (no place named: it may not be among those listed);
    the same count is no change."""
    many = "".join(f'client.chat.completions.create(model="deepseek-chat")  # {i}\n' for i in range(25))
    root = tree(tmp_path / "repo", {"app.py": APP + many})
    old, new, same = tmp_path / "old.json", tmp_path / "new.json", tmp_path / "same.json"
    _, doc, _ = scan(root, out=old)
    routes = [r for la in doc["assessment"]["layers"] for e in la["exposures"] for r in e["routes"]]
    assert any(r.get("references_total") == 25 and len(r["references"]) == 20 for r in routes)
    scan(root, out=same)
    assert diff_documents(json.loads(old.read_text()), json.loads(same.read_text())).exposure_added == ()
    tree(root, {"app.py": APP + many + 'client.chat.completions.create(model="deepseek-chat")  # one more\n'})
    scan(root, out=new)
    d = diff_documents(json.loads(old.read_text()), json.loads(new.read_text()))
    grew = [(x.layer, x.entity, x.change, x.where) for x in d.exposure_added]
    assert ("inference-provider", "model:deepseek-chat", "more references", ()) in grew
    assert d.exposure_removed == ()
