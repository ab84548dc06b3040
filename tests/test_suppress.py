"""Inline suppressions end to end through ``sovaudit scan``: Python ``#``, YAML ``#`` and JS ``//``
comments, on the same line or just above; reason required; the rule id must match; every reference
behind a finding must be covered. Suppressed findings stay in the JSON and the summary, marked with
their reason, and never count for ``--fail-on``."""

from __future__ import annotations

from dataclasses import replace

import pytest
from click.testing import CliRunner

from sovaudit.assess.policy import fails
from sovaudit.assess.suppress import apply_suppressions, invalid, why_invalid
from sovaudit.cli import main
from sovaudit.model import Context, ExposureKind, ExposurePath, Finding, Kind, Layer, Location, Reference, Severity, Suppression

from ci_support import EU_POLICY, findings, scan, tree

R = "EU-DATA-OUTSIDE"


def check(tmp_path, files: dict[str, str]) -> tuple[int, list[tuple], list[dict]]:
    root = tree(tmp_path / "repo", files)
    code, doc, _ = scan(root, *EU_POLICY, "--fail-on", "high")
    return code, findings(doc), doc["suppressions"]


# ------------------------------------------------------------------------------------------
# Python '#'
# ------------------------------------------------------------------------------------------


def test_python_same_line_with_reason_suppresses(tmp_path):
    code, got, sups = check(tmp_path, {"app.py": f"""
        from openai import OpenAI

        client = OpenAI(base_url="https://api.deepseek.com")  # sovaudit: ignore[{R}] approved by the DPO, ticket 12
        """})
    assert got == [(R, "provider:deepseek", ("app.py:3",), True, "approved by the DPO, ticket 12", False)]
    assert sups == [{"path": "app.py", "line": 3, "rules": [R], "reason": "approved by the DPO, ticket 12", "valid": True}]
    assert code == 0


def test_python_comment_above_suppresses(tmp_path):
    code, got, _ = check(tmp_path, {"app.py": f"""
        from openai import OpenAI

        # sovaudit: ignore[{R}] vendor contract with EU data residency
        client = OpenAI(base_url="https://api.deepseek.com")
        """})
    assert got == [(R, "provider:deepseek", ("app.py:4",), True, "vendor contract with EU data residency", False)]
    assert code == 0


def test_python_comment_two_lines_above_does_not_suppress(tmp_path):
    code, got, _ = check(tmp_path, {"app.py": f"""
        from openai import OpenAI
        # sovaudit: ignore[{R}] too far away

        client = OpenAI(base_url="https://api.deepseek.com")
        """})
    assert got == [(R, "provider:deepseek", ("app.py:4",), False, "", False)]
    assert code == 1


def test_comment_below_does_not_suppress(tmp_path):
    code, got, _ = check(tmp_path, {"app.py": f"""
        from openai import OpenAI
        client = OpenAI(base_url="https://api.deepseek.com")
        # sovaudit: ignore[{R}] below the reference
        """})
    assert got == [(R, "provider:deepseek", ("app.py:2",), False, "", False)]
    assert code == 1


def test_without_reason_suppresses_nothing_and_is_listed(tmp_path):
    code, got, sups = check(tmp_path, {"app.py": f"""
        from openai import OpenAI

        client = OpenAI(base_url="https://api.deepseek.com")  # sovaudit: ignore[{R}]
        """})
    assert got == [(R, "provider:deepseek", ("app.py:3",), False, "", False)]
    assert sups == [{"path": "app.py", "line": 3, "rules": [R], "reason": "", "valid": False}]
    assert code == 1


def test_without_rule_suppresses_nothing(tmp_path):
    code, got, sups = check(tmp_path, {"app.py": """
        from openai import OpenAI

        client = OpenAI(base_url="https://api.deepseek.com")  # sovaudit: ignore[] approved
        """})
    assert got == [(R, "provider:deepseek", ("app.py:3",), False, "", False)]
    assert sups == [{"path": "app.py", "line": 3, "rules": [], "reason": "approved", "valid": False}]
    assert code == 1


def test_rule_mismatch_does_not_suppress(tmp_path):
    code, got, _ = check(tmp_path, {"app.py": """
        from openai import OpenAI

        client = OpenAI(base_url="https://api.deepseek.com")  # sovaudit: ignore[SOV-API-ONLY] wrong rule
        """})
    assert got == [(R, "provider:deepseek", ("app.py:3",), False, "", False)]
    assert code == 1


def test_rule_ids_are_case_sensitive(tmp_path):
    code, got, _ = check(tmp_path, {"app.py": """
        from openai import OpenAI

        client = OpenAI(base_url="https://api.deepseek.com")  # sovaudit: ignore[eu-data-outside] lower case
        """})
    assert got[0][3] is False and code == 1


def test_one_comment_may_name_several_rules(tmp_path):
    code, got, _ = check(tmp_path, {"app.py": f"""
        from openai import OpenAI

        client = OpenAI(base_url="https://api.deepseek.com")  # sovaudit: ignore[SOV-API-ONLY, {R}] both approved
        """})
    assert got == [(R, "provider:deepseek", ("app.py:3",), True, "both approved", False)]
    assert code == 0


# ------------------------------------------------------------------------------------------
# YAML '#', JS '//', and findings with references in several files
# ------------------------------------------------------------------------------------------


def test_yaml_comment_above_and_same_line(tmp_path):
    code, got, _ = check(tmp_path, {"compose.yaml": f"""
        services:
          chat:
            environment:
              # sovaudit: ignore[{R}] staging only, no personal data
              LLM_BASE_URL: https://api.deepseek.com/v1
        """})
    assert got == [(R, "provider:deepseek", ("compose.yaml:5",), True, "staging only, no personal data", False)]
    assert code == 0
    code, got, _ = check(tmp_path, {"compose.yaml": f"""
        services:
          chat:
            environment:
              LLM_BASE_URL: https://api.deepseek.com/v1  # sovaudit: ignore[{R}] same line
        """})
    assert got == [(R, "provider:deepseek", ("compose.yaml:4",), True, "same line", False)]
    assert code == 0


def test_yaml_without_reason(tmp_path):
    code, got, sups = check(tmp_path, {"compose.yaml": f"""
        services:
          chat:
            environment:
              LLM_BASE_URL: https://api.deepseek.com/v1  # sovaudit: ignore[{R}]
        """})
    assert got == [(R, "provider:deepseek", ("compose.yaml:4",), False, "", False)]
    assert sups[0]["valid"] is False and code == 1


def test_js_line_comment_same_line_and_above(tmp_path):
    code, got, _ = check(tmp_path, {"app.js": f"""
        import OpenAI from "openai";

        const client = new OpenAI({{ baseURL: "https://api.moonshot.cn/v1" }}); // sovaudit: ignore[{R}] pilot, ends in Q3
        """})
    assert got == [(R, "provider:moonshot", ("app.js:3",), True, "pilot, ends in Q3", False)]
    assert code == 0
    code, got, _ = check(tmp_path, {"app.js": f"""
        import OpenAI from "openai";
        // sovaudit: ignore[{R}] pilot, ends in Q3
        const client = new OpenAI({{ baseURL: "https://api.moonshot.cn/v1" }});
        """})
    assert got == [(R, "provider:moonshot", ("app.js:3",), True, "pilot, ends in Q3", False)]
    assert code == 0


def test_js_rule_mismatch(tmp_path):
    code, got, _ = check(tmp_path, {"app.js": """
        import OpenAI from "openai";
        // sovaudit: ignore[OTHER-RULE] not this one
        const client = new OpenAI({ baseURL: "https://api.moonshot.cn/v1" });
        """})
    assert got == [(R, "provider:moonshot", ("app.js:3",), False, "", False)]
    assert code == 1


def test_every_reference_behind_a_finding_must_be_covered(tmp_path):
    py = f"""
        from openai import OpenAI
        client = OpenAI(base_url="https://api.deepseek.com")  # sovaudit: ignore[{R}] python side approved
        """
    yml = """
        services:
          chat:
            environment:
              LLM_BASE_URL: https://api.deepseek.com/v1
        """
    code, got, _ = check(tmp_path, {"app.py": py, "compose.yaml": yml})
    assert got == [(R, "provider:deepseek", ("app.py:2", "compose.yaml:4"), False, "", False)]
    assert code == 1
    yml_ok = yml.replace("LLM_BASE_URL: https://api.deepseek.com/v1",
                         f"LLM_BASE_URL: https://api.deepseek.com/v1  # sovaudit: ignore[{R}] compose approved")
    code, got, _ = check(tmp_path, {"app.py": py, "compose.yaml": yml_ok})
    assert got == [(R, "provider:deepseek", ("app.py:2", "compose.yaml:4"), True,
                    "python side approved; compose approved", False)]
    assert code == 0


def test_only_the_suppressed_finding_stops_counting(tmp_path):
    code, got, _ = check(tmp_path, {
        "app.py": f"""
            from openai import OpenAI
            client = OpenAI(base_url="https://api.deepseek.com")  # sovaudit: ignore[{R}] approved
            """,
        "app.js": """
            import OpenAI from "openai";
            const client = new OpenAI({ baseURL: "https://api.moonshot.cn/v1" });
            """})
    assert got == [(R, "provider:deepseek", ("app.py:2",), True, "approved", False),
                   (R, "provider:moonshot", ("app.js:2",), False, "", False)]
    assert code == 1


# ------------------------------------------------------------------------------------------
# The terminal summary
# ------------------------------------------------------------------------------------------


def test_summary_shows_suppressed_findings_and_ignored_suppressions(tmp_path):
    root = tree(tmp_path / "repo", {
        "app.py": f"""
            from openai import OpenAI
            client = OpenAI(base_url="https://api.deepseek.com")  # sovaudit: ignore[{R}] approved by the DPO
            """,
        "other.py": f"X = 1  # sovaudit: ignore[{R}]\n"})
    res = CliRunner().invoke(main, ["scan", str(root), "--offline", "--no-cache", *EU_POLICY, "--fail-on", "high"],
                             env={"COLUMNS": "250"})
    assert res.exit_code == 0, res.output
    assert "1 finding(s): 1 high (1 suppressed: not counted for --fail-on)" in res.output
    assert "[suppressed: approved by the DPO]" in res.output
    assert "ignored suppression at other.py:1: no reason (write: sovaudit: ignore[RULE-ID] reason)" in res.output
    assert "--fail-on high: pass" in res.output


# ------------------------------------------------------------------------------------------
# The module on its own
# ------------------------------------------------------------------------------------------


def _finding(rule: str, *locs: tuple[str, int, str]) -> Finding:
    paths = tuple(ExposurePath(p, line, ("loc:x", "jurisdiction:CN"), ("subject-to",), fingerprint=fp) for p, line, fp in locs)
    return Finding(rule, Severity.HIGH, "m", Layer.INFERENCE, ExposureKind.DATA, "CN", "provider:x", (),
                   tuple(sorted({fp for _, _, fp in locs})), paths, "f" + rule)


def test_apply_suppressions_unit():
    f = _finding("A", ("a.py", 10, "r1"), ("b.py", 5, "r2"))
    s_a = Suppression("a.py", 9, ("A",), "ok a")
    s_b = Suppression("b.py", 5, ("A", "B"), "ok b")
    assert apply_suppressions([f], [s_a]) == (f,)
    (got,) = apply_suppressions([f], [s_a, s_b])
    assert (got.suppressed, got.suppression) == (True, "ok a; ok b")
    assert not fails([got], "low") and fails([f], "low")
    # the same reason twice is given once; an invalid suppression covers nothing
    (got,) = apply_suppressions([f], [s_a, Suppression("b.py", 4, ("A",), "ok a")])
    assert got.suppression == "ok a"
    assert apply_suppressions([f], [s_a, Suppression("b.py", 5, ("A",), "", valid=False)]) == (f,)
    # a finding without paths is never suppressed
    empty = replace(f, paths=(), references=())
    assert apply_suppressions([empty], [s_a, s_b]) == (empty,)


def test_a_related_location_counts_as_the_references_place():
    f = _finding("A", ("a.py", 3, "r1"))
    ref = Reference(kind=Kind.MODEL, id="m", text="m", path="a.py", line=3,
                    column=1, detector="python", form="api", context=Context.CODE,
                    confidence=0.9, related=(Location("a.py", 20),), fingerprint="r1")
    s = Suppression("a.py", 19, ("A",), "at the call site")
    assert apply_suppressions([f], [s]) == (f,)
    (got,) = apply_suppressions([f], [s], [ref])
    assert got.suppressed and got.suppression == "at the call site"


@pytest.mark.parametrize("sup, why", [
    (Suppression("a", 1, (), "", False), "no rule id and no reason"),
    (Suppression("a", 1, (), "r", False), "no rule id"),
    (Suppression("a", 1, ("A",), "", False), "no reason"),
])
def test_invalid_listed_with_why(sup, why):
    assert invalid([sup, Suppression("a", 2, ("A",), "fine")]) == [sup]
    assert why_invalid(sup) == why
