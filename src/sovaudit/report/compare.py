"""Writers of a ``Comparison`` (``compare.py``): JSON, Markdown and self-contained HTML.

They read only the ``Comparison``; output is deterministic (sorted, no absolute paths, time only
from ``SOURCE_DATE_EPOCH``). The HTML page uses the scan report's stylesheet and filter script and
the same Content Security Policy: nothing is fetched, nothing in scanned text can run.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from markupsafe import Markup

from sovaudit.model import LAYERS, UNKNOWN, Comparison, StackSummary
from sovaudit.report.common import LAYER_TITLES, jurisdiction_sort_key

COMPARE_SCHEMA_VERSION = "1.0"
FORMATS = ("text", "json", "md", "html")
_TOPIC_TITLES = {"models": "Models", "api-only": "API-only dependence", "licenses": "License classes", "verdict": "Policy verdict",
                 **{la.value: LAYER_TITLES[la] for la in LAYERS}}


def summary_to_dict(s: StackSummary) -> dict[str, Any]:
    return {
        "name": s.name,
        "source": s.source,
        "source_kind": s.source_kind,
        "verdict": {"status": s.verdict, "fail_on": s.fail_on, "failing": s.failing, "findings": dict(s.findings)},
        "layers": [
            {"layer": la.layer.value, "entities": list(la.entities),
             "jurisdictions": [{"jurisdiction": j.jurisdiction, "kinds": list(j.kinds), "entities": list(j.entities)}
                               for j in la.jurisdictions]}
            for la in s.layers
        ],
        "models": [
            {"model": m.model_id, "control": m.control, "weights": m.weights, "deployment": list(m.deployment),
             "countries": list(m.countries), "license_class": m.license_class, "status": m.status}
            for m in s.models
        ],
        "api_only": [{"model": mid, "providers": list(ps)} for mid, ps in s.api_only],
        "license_classes": dict(s.license_classes),
        "unverified": list(s.unverified),
        "references": s.references,
    }


def to_dict(c: Comparison) -> dict[str, Any]:
    return {
        "schema_version": COMPARE_SCHEMA_VERSION,
        "tool": {"name": "sovaudit", "version": c.tool_version},
        "rules_version": c.rules_version,
        "generated": c.generated,
        "fail_on": c.fail_on,
        "policy_sources": list(c.policy_sources),
        "offline": c.offline,
        "network": _network(c),
        "stacks": [summary_to_dict(s) for s in c.stacks],
        "changes": [
            {"from": ch.base, "to": ch.other, "topic": ch.topic, "change": ch.change, "subject": ch.subject,
             "detail": ch.detail, "text": str(ch)}
            for ch in c.changes
        ],
    }


def dumps_json(c: Comparison) -> str:
    return json.dumps(to_dict(c), indent=2, ensure_ascii=False) + "\n"


# ------------------------------------------------------------------------------------------
# Rows shared by Markdown, HTML and the terminal
# ------------------------------------------------------------------------------------------


def layer_cell(s: StackSummary, layer: Any) -> list[tuple[str, str]]:
    """(jurisdiction, kinds) of one layer of one stack, EU first and unknown last."""
    la = s.layer(layer)
    return [(j.jurisdiction, "+".join(j.kinds)) for j in sorted(la.jurisdictions, key=lambda j: jurisdiction_sort_key(j.jurisdiction))]


def verdict_text(s: StackSummary) -> str:
    if s.verdict in ("pass", "fail"):
        return f"{s.verdict.upper()} (--fail-on {s.fail_on}: {s.failing} finding{'s' if s.failing != 1 else ''})"
    total = sum(n for _, n in s.findings)
    return f"{total} finding{'s' if total != 1 else ''}, no --fail-on" if total else "no findings"


def findings_text(s: StackSummary) -> str:
    return ", ".join(f"{n} {sev}" for sev, n in s.findings) or "none"


def api_only_text(s: StackSummary) -> str:
    return "; ".join(f"{m} via {', '.join(ps) or 'unknown'}" for m, ps in s.api_only) or "none"


def licenses_text(s: StackSummary) -> str:
    return ", ".join(f"{cls} {n}" for cls, n in s.license_classes) or "none"


def model_text(m: Any) -> str:
    where = ", ".join(m.deployment) or "deployment unknown"
    return f"{m.model_id} ({','.join(m.countries) or UNKNOWN}; {where})"


def pairs(c: Comparison) -> list[tuple[str, str, list[Any]]]:
    """(base, other, changes) per compared pair, in input order."""
    out = []
    base = c.stacks[0].name if c.stacks else ""
    for other in c.stacks[1:]:
        out.append((base, other.name, [ch for ch in c.changes if ch.other == other.name and ch.base == base]))
    return out


# ------------------------------------------------------------------------------------------
# Markdown
# ------------------------------------------------------------------------------------------


def _md(text: Any) -> str:
    from sovaudit.report.markdown import md_escape

    return str(md_escape(str(text)))


def _network(c: Comparison) -> str:
    """What the Hub did for the inputs (``Comparison.network``); a comparison made without it
    (read back from a document of an older version) says only what ``offline`` says."""
    return c.network or ("offline: the Hub was not consulted" if c.offline else "")


def dumps_markdown(c: Comparison) -> str:
    names = [s.name for s in c.stacks]
    lines = ["## sovaudit: stacks compared", ""]
    lines.append(f"sovaudit {c.tool_version} · rules {c.rules_version}"
                 + (f" · {c.generated}" if c.generated else "")
                 + (f" · {_md(_network(c))}" if _network(c) else ""))
    lines.append("")
    lines.append("| | " + " | ".join(f"**{_md(n)}**" for n in names) + " |")
    lines.append("|---|" + "---|" * len(names))
    lines.append("| Source | " + " | ".join(f"{_md(s.source_kind)}: `{_md(s.source)}`" for s in c.stacks) + " |")
    lines.append("| Policy verdict | " + " | ".join(_md(verdict_text(s)) for s in c.stacks) + " |")
    for layer in LAYERS:
        cells = []
        for s in c.stacks:
            cell = layer_cell(s, layer)
            cells.append(", ".join(f"{_md(j)} ({_md(k)})" for j, k in cell) or "—")
        lines.append(f"| {LAYER_TITLES[layer]} | " + " | ".join(cells) + " |")
    lines.append("| API-only dependence | " + " | ".join(_md(api_only_text(s)) for s in c.stacks) + " |")
    lines.append("| License classes | " + " | ".join(_md(licenses_text(s)) for s in c.stacks) + " |")
    lines.append("| Models | " + " | ".join("<br>".join(_md(model_text(m)) for m in s.models) or "—" for s in c.stacks) + " |")
    lines.append("| Findings | " + " | ".join(_md(findings_text(s)) for s in c.stacks) + " |")
    lines.append("")
    lines.append("Each layer lists the jurisdictions it depends on: *data* (where prompts and data go) and/or "
                 "*supply* (who controls availability, updates and terms).")
    for base, other, chs in pairs(c):
        lines.append("")
        lines.append(f"### From {_md(base)} to {_md(other)}")
        lines.append("")
        if not chs:
            lines.append("No change.")
        for ch in chs:
            lines.append(f"- `{ {'added': '+', 'removed': '-', 'changed': '~'}[ch.change] }` **{_md(_TOPIC_TITLES.get(ch.topic, ch.topic))}**: "
                         f"{_md(ch.subject)}" + (f" — {_md(ch.detail)}" if ch.detail else ""))
    unverified = [(s.name, s.unverified) for s in c.stacks if s.unverified]
    if unverified:
        lines.append("")
        lines.append("Not verified against the Hub (license, weights and lineage unknown): "
                     + "; ".join(f"{_md(n)}: {_md(', '.join(u))}" for n, u in unverified))
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------
# HTML
# ------------------------------------------------------------------------------------------


def page_data(c: Comparison) -> dict[str, Any]:
    from sovaudit.report.html import colours, jclass

    juris = sorted({j.jurisdiction for s in c.stacks for la in s.layers for j in la.jurisdictions}, key=jurisdiction_sort_key)
    colour = colours(juris, frozenset(j for j, orders in c.orders if orders))
    rows = []
    for layer in LAYERS:
        rows.append({"layer": layer.value, "title": LAYER_TITLES[layer],
                     "cells": [[{"code": j, "kinds": k.split("+"), "entities": list(next(
                         (x.entities for x in s.layer(layer).jurisdictions if x.jurisdiction == j), ()))}
                                for j, k in layer_cell(s, layer)] for s in c.stacks]})
    stacks = []
    for s in c.stacks:
        stacks.append({
            "name": s.name, "source": s.source, "kind": s.source_kind, "verdict": s.verdict,
            "verdict_text": verdict_text(s), "findings": findings_text(s), "api_only": [
                {"model": m, "providers": ", ".join(ps) or "unknown"} for m, ps in s.api_only],
            "licenses": [{"cls": cls, "n": n} for cls, n in s.license_classes],
            "models": [{"id": m.model_id, "countries": list(m.countries), "deployment": ", ".join(m.deployment) or "unknown",
                        "control": m.control, "license_class": m.license_class} for m in s.models],
            "unverified": list(s.unverified),
        })
    changes = []
    for base, other, chs in pairs(c):
        changes.append({"base": base, "other": other, "entries": [
            {"topic": ch.topic, "title": _TOPIC_TITLES.get(ch.topic, ch.topic), "change": ch.change, "subject": ch.subject,
             "detail": ch.detail, "jur": ch.subject.split(" ", 1)[1] if ch.subject.startswith("jurisdiction ") else ""}
            for ch in chs]})
    topics = [{"value": t, "title": _TOPIC_TITLES[t]} for t in [la.value for la in LAYERS] + ["models", "api-only", "licenses", "verdict"]
              if any(ch.topic == t for ch in c.changes)]
    return {
        "meta": {"tool_version": c.tool_version, "rules_version": c.rules_version, "generated": c.generated,
                 "offline": c.offline, "network": _network(c), "fail_on": c.fail_on,
                 "policy_sources": list(c.policy_sources)},
        "names": [s.name for s in c.stacks],
        "stacks": stacks,
        "rows": rows,
        "changes": changes,
        "topics": topics,
        "jurisdictions": [{"code": j, "colour": colour[j], "cls": jclass(j)} for j in juris],
        "jclass": {j: jclass(j) for j in juris},
    }


def dumps_html(c: Comparison) -> str:
    from sovaudit.report.html import dedent, environment, static_text

    script = dedent(static_text("report.js"))
    style = dedent(static_text("report.css"))
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    csp = (f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; img-src data:; "
           "font-src 'none'; connect-src 'none'; form-action 'none'; base-uri 'none'")
    html = environment().get_template("compare.html.j2").render(
        data=page_data(c), script=Markup(script), style=Markup(style), csp=csp)
    html = dedent(html)
    return html if html.endswith("\n") else html + "\n"


WRITERS = {"json": dumps_json, "md": dumps_markdown, "html": dumps_html}
