"""The organisation report: ``index.html`` (repositories x layers x jurisdictions, the foreign
dependencies the most repositories share, data leaving home, the trend as a chart), ``org.json``,
``org.csv``, and for each repository ``repos/SLUG.html`` (its latest scan and history) and
``repos/SLUG.json`` (its latest scan document, the bytes ``sovaudit scan --format json`` wrote).

Deterministic: the same database gives the same files (no "generated at" other than the latest
scan's time). Self-contained HTML: no script, no external resource.
"""

from __future__ import annotations

import csv
import io
import json
import zlib
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from sovaudit.org import db
from sovaudit.org.views import LAYERS, OrgView, RepoState, history

FORMATS = ("html", "json", "csv")
SCHEMA = "sovaudit-org/1"
_COLORS = ("#1f4e9c", "#b03a2e", "#b9770e", "#1e7a46", "#6b3fa0", "#0f7c8c", "#7b1020", "#5b6878")


def _t(t: Any) -> str:
    return t.strftime("%Y-%m-%d %H:%M UTC") if t is not None else ""


def _iso(t: Any) -> str:
    return t.isoformat(timespec="seconds") if t is not None else ""


def to_json(view: OrgView) -> dict[str, Any]:
    def repo(st: RepoState) -> dict[str, Any]:
        g = st.good
        return {
            "name": st.name, "key": st.key, "report": f"repos/{st.slug}.html",
            "document": f"repos/{st.slug}.json" if g else None,
            "latest": {"status": st.latest.status, "failure": st.latest.failure, "reason": st.latest.reason,
                       "commit": st.latest.commit, "scanned_at": _iso(st.latest.scanned_at)},
            "scan": None if g is None else {
                "commit": g.commit, "scanned_at": _iso(g.scanned_at), "tool_version": g.tool_version,
                "rules_version": g.rules_version, "home": g.home or None, "references": g.references,
                "findings": dict(st.findings)},
            "layers": {layer: [{"jurisdiction": c.jurisdiction, "kinds": list(c.kinds), "orders": list(c.orders),
                                "references": c.references, "files": c.files, "relation": c.relation or None}
                               for c in st.cells if c.layer == layer]
                       for layer in LAYERS if any(c.layer == layer for c in st.cells)},
            "data_leaving_home": [{"layer": layer, "jurisdiction": j, "parties": list(p)} for layer, j, p in st.data_leaves],
        }

    return {
        "schema": SCHEMA,
        "as_of": _iso(view.as_of),
        "homes": [h or None for h in view.homes],
        "repositories": [repo(st) for st in view.repos],
        "columns": {layer: list(js) for layer, js in view.columns},
        "shared_foreign_dependencies": [{"party": s.party, "jurisdiction": s.jurisdiction, "layers": list(s.layers),
                                         "repositories": list(s.repositories)} for s in view.shared],
        "trend": [{"run": p.run_id, "at": _iso(p.at), "repositories": p.repositories, "data_leaving_home": p.data_leaves,
                   "high_or_critical": p.severe, "by_jurisdiction": dict(p.by_jurisdiction)} for p in view.trend],
    }


def to_csv(view: OrgView) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["repository", "key", "status", "failure", "reason", "commit", "scanned_at", "home", "layer",
                "jurisdiction", "kinds", "relation", "references", "files", "data_leaves_home"])
    for st in view.repos:
        g = st.good
        head = [st.name, st.key, st.latest.status, st.latest.failure, st.latest.reason,
                g.commit if g else st.latest.commit, _iso(g.scanned_at if g else st.latest.scanned_at), g.home if g else ""]
        leaving = {(layer, j) for layer, j, _p in st.data_leaves}
        if not st.cells:
            w.writerow(head + ["", "", "", "", 0, 0, "no"])
        for c in st.cells:
            w.writerow(head + [c.layer, c.jurisdiction, " ".join(c.kinds), c.relation, c.references, c.files,
                               "yes" if (c.layer, c.jurisdiction) in leaving else "no"])
    return buf.getvalue()


def _chart(view: OrgView) -> dict[str, Any] | None:
    """The trend as SVG polylines: repositories audited, with data leaving home, with a high or
    critical finding, and exposed to each of the four jurisdictions the most repositories reach
    (outside home when the repositories have one)."""
    pts = view.trend
    if not pts:
        return None
    homes = {h for h in view.homes if h}
    totals: dict[str, int] = {}
    for p in pts:
        for j, n in p.by_jurisdiction:
            if j != "unknown" and j not in homes:
                totals[j] = max(totals.get(j, 0), n)
    top = [j for j, _n in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:4]]
    series: list[tuple[str, list[int]]] = [("repositories audited", [p.repositories for p in pts])]
    if homes:
        series.append(("data leaves home", [p.data_leaves for p in pts]))
    series.append(("high or critical finding", [p.severe for p in pts]))
    series += [(f"exposed to {j}", [dict(p.by_jurisdiction).get(j, 0) for p in pts]) for j in top]
    width, height, left, bottom, top_pad = 760, 240, 40, 28, 10
    ymax = max(1, max(max(v) for _n, v in series))
    n = len(pts)

    def x(i: int) -> float:
        return left + (i * (width - left - 10) / (n - 1) if n > 1 else (width - left - 10) / 2)

    def y(v: int) -> float:
        return top_pad + (height - top_pad - bottom) * (1 - v / ymax)

    lines = []
    for k, (name, vals) in enumerate(series):
        lines.append({"name": name, "color": _COLORS[k % len(_COLORS)],
                      "points": " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(vals)),
                      "dots": [(round(x(i), 1), round(y(v), 1), v) for i, v in enumerate(vals)], "last": vals[-1]})
    ticks = sorted({0, ymax, ymax // 2})
    labels = [(round(x(i), 1), f"run {p.run_id}", p.at.strftime("%m-%d")) for i, p in enumerate(pts)]
    step = max(1, n // 8)
    return {"width": width, "height": height, "left": left, "bottom": height - bottom, "lines": lines,
            "yticks": [(round(y(t), 1), t) for t in ticks], "labels": labels[::step]}


def _env() -> Any:
    import jinja2

    return jinja2.Environment(loader=jinja2.PackageLoader("sovaudit.org", "templates"), autoescape=True,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def write(conn: Connection, view: OrgView, out_dir: Path, formats: tuple[str, ...] = FORMATS) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if "json" in formats:
        p = out_dir / "org.json"
        p.write_text(json.dumps(to_json(view), indent=1, ensure_ascii=False) + "\n", "utf-8")
        written.append(p)
    if "csv" in formats:
        p = out_dir / "org.csv"
        p.write_text(to_csv(view), "utf-8")
        written.append(p)
    if "html" in formats:
        env = _env()
        homes = [h for h in view.homes if h]
        p = out_dir / "index.html"
        p.write_text(env.get_template("org.html.j2").render(
            view=view, layers=LAYERS, chart=_chart(view), as_of=_t(view.as_of), homes=homes,
            no_home=sum(1 for st in view.repos if st.good is not None and not st.good.home),
            failed=[st for st in view.repos if st.latest.status == "failed"],
            leaving=[(st, layer, j, parties) for st in view.repos for layer, j, parties in st.data_leaves],
            fmt=_t), "utf-8")
        written.append(p)
        repos_dir = out_dir / "repos"
        repos_dir.mkdir(exist_ok=True)
        page = env.get_template("repo.html.j2")
        for st in view.repos:
            rp = repos_dir / f"{st.slug}.html"
            rp.write_text(page.render(st=st, layers=LAYERS, history=list(reversed(history(conn, st.id))), fmt=_t),
                          "utf-8")
            written.append(rp)
    if "html" in formats or "json" in formats:
        (out_dir / "repos").mkdir(exist_ok=True)
        for st in view.repos:
            if st.good is None:
                continue
            data = conn.execute(select(db.documents.c.data).where(db.documents.c.scan_id == st.good.scan_id)).scalar()
            if data is not None:
                dp = out_dir / "repos" / f"{st.slug}.json"
                dp.write_bytes(zlib.decompress(data))
                written.append(dp)
    return written
