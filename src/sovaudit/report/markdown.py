"""``--format md``: a short Markdown summary for a pull-request comment.

The verdict, the layer x jurisdiction matrix, the most severe findings, the models and the skipped
files. GitHub stops a comment at 65,536 characters: the longest lists are cut (with a count of
what was left out) until the text fits. Every value is HTML-escaped (Jinja autoescape) and its
Markdown syntax backslash-escaped, so a scanned string cannot become a link, a table cell or HTML.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import jinja2
from markupsafe import Markup

from sovaudit.model import ScanResult
from sovaudit.report.common import SEVERITIES, View, view
from sovaudit.report.console import home_rows, licenses_text, serving_text, set_apart_lines

MAX_CHARS = 65_536
# < > & " ' are HTML-escaped by autoescape; these are Markdown's own (emphasis, code, links, tables, headings, strike)
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")
_ICONS = {"fail": "❌", "pass": "✅", "findings": "⚠️", "clean": "✅"}


def md_escape(value: Any) -> Any:
    """Escape Markdown syntax (and flatten newlines) in a value; Markup passes unchanged."""
    if isinstance(value, Markup) or value is None:
        return value
    text = " ".join(str(value).split())
    return _MD_SPECIAL.sub(r"\\\1", text)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    from sovaudit.rules import shipped_templates_dir

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(shipped_templates_dir())),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=md_escape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _data(v: View, caps: dict[str, int]) -> dict[str, Any]:
    r = v.result
    findings = []
    for f in r.findings[: caps["findings"]]:
        refs = v.finding_refs(f)
        first = refs[0][0]
        aside = " (suppressed)" if getattr(f, "suppressed", False) else " (baseline)" if getattr(f, "baselined", False) else ""
        findings.append({"severity": f.severity.value + aside, "rule": f.rule_id + (" (undecided)" if f.undecided else ""),
                         "message": f.message[: caps["message"]],
                         "where": f"{first.path}:{first.line}", "more": len(refs) - 1})
    models = []
    for m in r.assessment.models[: caps["models"]]:
        models.append({"id": m.model_id, "control": m.control, "weights": m.weights, "served": serving_text(m),
                       "license": licenses_text(m), "lineage": m.lineage_status.replace("-", " "),
                       "origin": ", ".join(list(m.origin) + [f"[{c}]" for c in m.countries]) or "unknown"})
    matrix = []
    for row in v.matrix:
        cells = {}
        for j, c in row["cells"].items():
            kinds = "+".join(k for k in ("data", "supply") if c[k])
            cells[j] = {"label": f"{kinds} ({c['references']})"}
        matrix.append({"title": row["title"], "cells": cells})
    skipped = r.skipped[: caps["skipped"]]
    return {
        "root": r.root, "verdict": v.verdict,
        "jurisdictions": [{"code": j} for j in v.jurisdictions], "matrix": matrix,
        "findings": findings, "findings_total": len(r.findings), "findings_more": max(0, len(r.findings) - len(findings)),
        "set_aside": v.set_aside,
        "severity_counts": [{"name": s, "count": v.severity_counts[s]} for s in SEVERITIES if v.severity_counts[s]],
        "models": models, "models_total": len(r.assessment.models), "models_more": max(0, len(r.assessment.models) - len(models)),
        "skipped": [{"path": s.path, "reason": s.reason} for s in skipped], "skipped_total": len(r.skipped),
        "skipped_more": max(0, len(r.skipped) - len(skipped)),
        "tool_version": r.tool_version, "rules_version": r.rules_version,
        "network": r.report.network or ("offline (Hub not consulted)" if r.offline else "Hub consulted"),
        "revision": (r.report.vcs.commit[:12] + (f" ({r.report.vcs.branch})" if r.report.vcs.branch else "")) if r.report.vcs.commit else "",
        "rules_date": r.report.rules_date,
        "generated": r.report.generated, "policies": ", ".join(r.report.policy_sources),
        "checked": v.checked,
        "home": {"code": r.assessment.home, "source": r.assessment.home_source,
                 "rows": [{"layer": t, "text": x} for t, x in home_rows(r.assessment)]} if r.assessment.home else None,
        "set_apart": set_apart_lines(r.assessment),
    }


def render(result: ScanResult, limit: int = MAX_CHARS) -> str:
    v = view(result)
    caps = {"findings": 50, "models": 40, "skipped": 20, "message": 300}
    tmpl = environment().get_template("summary.md.j2")
    for _ in range(12):
        text = tmpl.render(data=_data(v, caps), icon=Markup(_ICONS[v.verdict["status"]]))
        text = re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in text.splitlines())).strip() + "\n"
        if len(text) < limit:
            return text
        caps = {k: max(1 if k != "message" else 80, c // 2) for k, c in caps.items()}
    note = "\n\n…(cut at GitHub's comment limit; see the HTML or JSON report)\n"
    return text[: limit - len(note) - 1] + note


dumps = render
