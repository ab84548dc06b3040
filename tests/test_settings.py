"""Settings the way users of trivy, semgrep and checkov expect them: the repository's config file
(every scan option), SOVAUDIT_* environment variables, an ignore file with reasons and expiry
dates, --severity, --verbose, --color/--no-color and NO_COLOR, --output-dir writing every format.
Precedence: command line, then environment, then the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sovaudit.cli import main

from ci_support import tree

DEEPSEEK = 'from openai import OpenAI\n\nclient = OpenAI(base_url="https://api.deepseek.com")\n'


def run(root: Path, *args: str, env: dict | None = None):
    return CliRunner().invoke(main, ["scan", str(root), "--offline", "--no-cache", *args], env=env or {})


@pytest.fixture
def risky(tmp_path) -> Path:
    return tree(tmp_path / "repo", {"svc/chat.py": DEEPSEEK})


def test_config_file_sets_scan_options_and_the_command_line_wins(risky):
    tree(risky, {"sovaudit.toml": 'policy = ["eu-data-only"]\nfail-on = "high"\nquiet = true\n'})
    res = run(risky)
    assert res.exit_code == 1, res.output
    assert "EU-DATA-OUTSIDE" in res.stderr and "svc/chat.py:3" in res.stderr  # quiet, and says why
    assert run(risky, "--fail-on", "none").exit_code == 0  # the command line wins
    assert run(risky, env={"SOVAUDIT_FAIL_ON": "none"}).exit_code == 0  # so does the environment
    res = run(risky, "-v", env={"SOVAUDIT_FAIL_ON": "medium"})
    assert "fail-on from SOVAUDIT_FAIL_ON" in res.stderr and "policy from sovaudit.toml" in res.stderr


def test_config_file_in_pyproject_and_yaml(risky):
    tree(risky, {"pyproject.toml": '[project]\nname = "x"\n[tool.sovaudit]\npolicy = "eu-data-only"\nfail_on = "high"\n'})
    assert run(risky, "-q").exit_code == 1
    tree(risky, {".sovaudit.yaml": "policy: [eu-data-only]\nfail-on: critical\n"})  # found before pyproject.toml
    assert run(risky, "-q").exit_code == 0


@pytest.mark.parametrize("text, says", [
    ('fail-on = "urgent"\n', "sovaudit.toml: fail-on: 'urgent' is not one of"),
    ("surprise = 1\n", "sovaudit.toml: unknown key(s) surprise"),
    ('output-dir = "../../elsewhere"\n', "is outside the repository"),
    ('timings = "/tmp/t.json"\n', "is outside the repository"),
    ("offline = \"yes\"\n", "is not true or false"),
])
def test_config_file_errors_are_usage_errors(risky, text, says):
    tree(risky, {"sovaudit.toml": text})
    res = run(risky, "-q")
    assert res.exit_code == 2 and says in res.stderr, res.stderr


def test_environment_variables_for_every_option(risky):
    scan = main.commands["scan"]
    options = [p for p in scan.params if p.param_type_name == "option" and p.name != "help"]
    assert all(p.envvar and p.envvar.startswith("SOVAUDIT_") for p in options)
    assert {"SOVAUDIT_FAIL_ON", "SOVAUDIT_POLICY", "SOVAUDIT_OFFLINE", "SOVAUDIT_OUTPUT_DIR", "SOVAUDIT_SEVERITY"} <= \
        {p.envvar for p in options}
    res = run(risky, "-q", env={"SOVAUDIT_POLICY": "eu-data-only home-sovereignty", "SOVAUDIT_FAIL_ON": "high"})
    assert res.exit_code == 1
    diff = next(p for p in main.commands["diff"].params if p.name == "fmt")
    assert diff.envvar == "SOVAUDIT_DIFF_FORMAT"
    assert CliRunner().invoke(main, ["rules", "validate"], env={"SOVAUDIT_VERSION": "1"}).output.startswith("ok:")


def test_ignore_file_with_reasons_and_expiry(risky, tmp_path):
    base = ["-q", "--policy", "eu-data-only", "--fail-on", "high", "-f", "json", "-o", "-"]
    tree(risky, {".sovaudit-ignore.yaml": """
        version: 1
        ignore:
          - rule: EU-DATA-OUTSIDE
            reason: approved by the DPO, ticket 1234
            expires: 2099-12-31
            paths: [svc/]
    """})
    res = run(risky, *base)
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    (f,) = [f for f in doc["findings"] if f["rule_id"] == "EU-DATA-OUTSIDE"]
    assert f["suppressed"] and f["suppression"] == "approved by the DPO, ticket 1234"
    assert {"path": ".sovaudit-ignore.yaml", "line": 3, "rules": ["EU-DATA-OUTSIDE"],
            "reason": "approved by the DPO, ticket 1234", "valid": True, "expires": "2099-12-31"} in doc["suppressions"]
    assert not any(r["path"] == ".sovaudit-ignore.yaml" for r in doc["references"])  # not scanned

    tree(risky, {"web/app.js": 'const c = new OpenAI({ baseURL: "https://api.deepseek.com" });\n'})
    assert run(risky, *base).exit_code == 1  # a new place outside the entry's paths counts again
    tree(risky, {"web/app.js": None})

    (risky / ".sovaudit-ignore.yaml").write_text("ignore:\n  - {rule: EU-DATA-OUTSIDE, reason: pilot, expires: 2025-06-30}\n")
    res = run(risky, "--policy", "eu-data-only", "--fail-on", "high")
    assert res.exit_code == 1  # expired: suppresses nothing, and says so
    assert "expired on 2025-06-30" in res.output

    outside = tmp_path / "accepted.yaml"
    outside.write_text("ignore:\n  - {rule: EU-DATA-OUTSIDE, reason: accepted}\n")
    assert run(risky, *base, "--ignore-file", str(outside)).exit_code == 0
    assert run(risky, *base, "--ignore-file", "").exit_code == 1

    (risky / ".sovaudit-ignore.yaml").write_text("ignore:\n  - rule: EU-DATA-OUTSIDE\n    expires: soon\n")
    res = run(risky, *base)
    assert res.exit_code == 2 and ".sovaudit-ignore.yaml:2: 'rule' and 'reason' are required" in res.stderr


def test_severity_reports_only_findings_at_or_above(risky):
    res = run(risky, "-q", "--policy", "eu-data-only", "-f", "json", "-o", "-")
    assert {f["severity"] for f in json.loads(res.stdout)["findings"]} == {"high"}
    res = run(risky, "-q", "--policy", "eu-data-only", "--severity", "critical", "--fail-on", "high", "-f", "json", "-o", "-")
    assert json.loads(res.stdout)["findings"] == [] and res.exit_code == 0


def test_output_dir_without_format_writes_every_format(risky, tmp_path):
    out = tmp_path / "reports"
    assert run(risky, "-q", "--output-dir", str(out)).exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["sovaudit.cdx.json", "sovaudit.cdx.xml", "sovaudit.html",
                                                     "sovaudit.json", "sovaudit.md", "sovaudit.sarif"]


def test_color_and_no_color(risky, monkeypatch):
    # --color/--no-color set these variables in this process: setenv first so that teardown restores
    # them (delenv of an unset variable records nothing, and the next test would see FORCE_COLOR=1)
    for var in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.setenv(var, "")
        monkeypatch.delenv(var)
    assert "\x1b[" in run(risky, "--policy", "eu-data-only", "--color").output
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert "\x1b[" not in run(risky, "--policy", "eu-data-only", "--no-color").output
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert "\x1b[" not in run(risky, "--policy", "eu-data-only", env={"NO_COLOR": "1", "FORCE_COLOR": ""}).output
    monkeypatch.delenv("NO_COLOR", raising=False)
