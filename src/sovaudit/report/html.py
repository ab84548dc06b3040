"""``--format html``: one self-contained report for compliance officers.

Everything is inline (CSS, a small script, SVG pictures drawn here), nothing is fetched: a Content
Security Policy with ``default-src 'none'`` and the script's own hash makes that a guarantee rather
than a habit, and any markup that slipped into scanned text could not run. Every scanned string goes
through Jinja's autoescape; links are only made from absolute http(s) URLs of the knowledge base or
the Hub. The page reads only the ``ScanResult`` and is deterministic: same result, same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections import defaultdict
from functools import lru_cache
from typing import Any

import jinja2
from markupsafe import Markup

from sovaudit.model import LAYERS, UNKNOWN, Layer, ScanResult
from sovaudit.report.common import (
    HOME_TEXT,
    LAYER_TITLES,
    SET_APART_TEXT,
    SEVERITIES,
    View,
    jurisdiction_sort_key,
    safe_url,
    view,
)

#: Above this many findings, each finding shows fewer of its references (the rest are counted).
PATHS_PER_FINDING = (20, 1)  # (small report, large report)
LARGE_REPORT = 1000
#: Graph picture: at most this many nodes per layer band.
GRAPH_NODES_PER_BAND = 24
MODELS_DETAILED = 100  # provenance details shown in a large report
LIST_CAP = 500  # references per inventory row, skipped files, exposures ... beyond: "and N more"
#: Rows of a list shown before its "Show all" (a closed <details>, which print leaves closed).
TOP = 25
FINDINGS_TOP = 25
#: At most this many findings and model rows in the page; the JSON and SARIF reports have all.
FINDINGS_CAP = 1000
MODELS_CAP = 2000
#: Above this many models the graph draws labs (each standing for its models), not models.
GRAPH_MODELS = 24
ENDPOINTS_NODE = "endpoint:*"
#: Items named in one table cell (who depends on a party, where it is, how a model is served);
#: the cell counts the rest, the JSON report lists them.
CELL_ITEMS = 6
WHERE_ITEMS = 3  # file:line places in a cell

# A colour per jurisdiction: fixed for the common ones, the rest from a palette in sorted order.
_FIXED_COLOURS = {"EU": "#1f4e9c", "US": "#b03a2e", "CN": "#c97a06", UNKNOWN: "#7f8c8d", "GB": "#6c3483",
                  "RU": "#5d4037", "IN": "#117a65", "JP": "#a93226", "CA": "#922b21"}
_PALETTE = ("#138d90", "#7d3c98", "#2e4053", "#9a7d0a", "#a04000", "#1e8449", "#6e2c00", "#1b4f72", "#b9770e",
            "#4a235a", "#0e6655", "#7b241c")
_MEMBER_SHADES = ("#2e86c1", "#5dade2", "#21618c", "#3498db", "#1a5276", "#2874a6")


def colours(jurisdictions: list[str], members: frozenset[str] = frozenset()) -> dict[str, str]:
    """A colour per jurisdiction; ``members`` (states of the EU, per ``rules/jurisdictions.yaml``)
    take shades of one blue (the EU, the only order with members today)."""
    out: dict[str, str] = {}
    i = e = 0
    for j in sorted(jurisdictions, key=jurisdiction_sort_key):
        if j in _FIXED_COLOURS:
            out[j] = _FIXED_COLOURS[j]
        elif j in members:
            out[j] = _MEMBER_SHADES[e % len(_MEMBER_SHADES)]
            e += 1
        else:
            out[j] = _PALETTE[i % len(_PALETTE)]
            i += 1
    return out


def jclass(code: str) -> str:
    """A CSS class for a jurisdiction code (codes are A-Z or 'unknown'; anything else is hashed)."""
    return f"j-{code}" if code.isascii() and code.isalnum() else anchor("j", code)


def anchor(prefix: str, key: str) -> str:
    """A safe, stable HTML id for any string."""
    return f"{prefix}-" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:12]


# ------------------------------------------------------------------------------------------
# Template environment
# ------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    from sovaudit.rules import shipped_templates_dir

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(shipped_templates_dir())),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["anchor"] = anchor
    env.filters["safe_url"] = safe_url
    return env


def dedent(text: str) -> str:
    """Leading indentation removed from every line (the page has no <pre> that spans lines)."""
    return re.sub(r"\n[ \t]+", "\n", text)


def static_text(name: str) -> str:
    """A file of the shipped templates folder (the report's CSS and script), as text."""
    from sovaudit.rules import shipped_templates_dir

    return (shipped_templates_dir() / name).read_text("utf-8")


# ------------------------------------------------------------------------------------------
# Pictures (inline SVG, drawn deterministically)
# ------------------------------------------------------------------------------------------


def _esc(s: Any) -> str:
    return str(Markup.escape(str(s)))


def _short(s: str, n: int) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def _band_of(node: str, v: View) -> Layer | None:
    t = node.split(":", 1)[0]
    if t == "hardware":
        return Layer.HARDWARE
    if t in ("cloud", "region"):
        return Layer.CLOUD
    if t == "provider":
        e = v.entities.get(node)
        return Layer.SOFTWARE if e is not None and e.note == "self-hosted" else Layer.INFERENCE
    if t == "endpoint":
        return Layer.INFERENCE
    if t in ("model", "lab"):
        return Layer.MODEL
    if t == "package":
        return Layer.SOFTWARE
    return None


def _node_jurisdiction(node: str, v: View) -> str:
    e = v.entities.get(node)
    if e is None or not e.country:
        return UNKNOWN
    return e.country.split(",")[0]


def _sub_row(node: str, v: View, referenced: set[str]) -> int:
    """Rows inside a band, top to bottom, so that edges run between rows: a cloud above its
    regions; referenced models above their ancestors above the labs."""
    t = node.split(":", 1)[0]
    if t == "region":
        return 1
    if t == "model":
        return 0 if node in referenced else 1
    if t == "lab":
        return 2
    return 0


def _lab_groups(v: View, colour: dict[str, str]) -> dict[str, Any]:
    """Many models: the graph draws each model as its origin lab (the first when several, "unknown
    origin" when none is established), and the page lists each lab's models (the drill-down)."""
    origin = {p.model_id: (p.origin_lab.value.split(",")[0] if p.origin_lab.known else UNKNOWN) for p in v.result.provenance}
    hosted: dict[str, set[str]] = defaultdict(set)
    for la in (Layer.CLOUD, Layer.HARDWARE):
        for ex in v.result.assessment.layer(la).exposures:
            if ex.entity.startswith("model:"):
                hosted[ex.entity].update(x for x in ex.via if not x.startswith("region:"))
    groups: dict[str, dict[str, Any]] = {}
    for m in v.result.assessment.models:
        lab = m.origin[0] if m.origin else UNKNOWN
        node = f"lab:{lab}"
        g = groups.setdefault(node, {"node": node, "anchor": anchor("g", node),
                                     "label": v.label(node) if lab != UNKNOWN else "unknown origin",
                                     "jurisdiction": _node_jurisdiction(node, v) if lab != UNKNOWN else UNKNOWN,
                                     "models": [], "references": 0, "hosts": set(), "providers": set()})
        g["models"].append(m.model_id)
        g["references"] += m.references
        g["hosts"].update(h.split(":", 1)[1] for h in hosted.get(f"model:{m.model_id}", ()))
        g["providers"].update(d.split(":", 1)[1] for d in m.deployment if d.startswith("provider:"))
        g["endpoints"] = g.get("endpoints", 0) + sum(1 for d in m.deployment if d.startswith("endpoint:"))
    labs = []
    for g in sorted(groups.values(), key=lambda g: (-len(g["models"]), g["label"])):
        ms = sorted(g["models"])
        labs.append({**g, "count": len(ms), "models": ms[:60], "more": max(0, len(ms) - 60),
                     "hosts": sorted(g["hosts"])[:8], "providers": sorted(g["providers"])[:8]})
    return {"models": len(v.result.assessment.models), "groups": len(labs), "labs": labs, "origin": origin,
            "names": {g["node"]: f'{g["label"]} ({g["count"]})' for g in labs},
            "anchors": {g["node"]: g["anchor"] for g in labs}}


def graph_svg(v: View, colour: dict[str, str], grouped: dict[str, Any] | None = None) -> Markup:
    """Layers as bands (display order, top to bottom), entities as boxes coloured by their
    jurisdiction, dependency edges between them (locations and jurisdictions left out). Within a
    band, nodes are ordered by the mean position of their neighbours (a few deterministic sweeps)
    so that edges cross less. With ``grouped`` (many models) each model is drawn as its origin lab,
    a box that links to the lab's list of models."""
    weight: dict[str, int] = defaultdict(int)
    edges: set[tuple[str, str, str]] = set()
    origin = grouped["origin"] if grouped else {}
    endpoints: set[str] = set()

    def node_of(n: str) -> str:
        if grouped and n.startswith("model:"):
            return f"lab:{origin.get(n[6:], UNKNOWN)}"
        if grouped and n.startswith("endpoint:"):
            endpoints.add(n)
            return ENDPOINTS_NODE  # endpoints no rule attributes: one box, listed in the inference section
        return n

    seen_routes: set[tuple] = set()
    for ex in v.result.assessment.exposures:
        for p in ex.paths:
            rkey = (p.nodes[1:], p.edges[1:])
            if rkey in seen_routes:
                for n in p.nodes[1:]:
                    if not n.startswith("jurisdiction:"):
                        weight[node_of(n)] += 1
                continue
            seen_routes.add(rkey)
            seq = [(node_of(n), e) for n, e in zip(p.nodes[1:], p.edges[1:] + ("",)) if not n.startswith("jurisdiction:")]
            for n, _ in seq:
                weight[n] += 1
            for (a, et), (b, _) in zip(seq, seq[1:]):
                if a != b:
                    edges.add((a, b, et))
        if ex.hosts:  # self-hosted uses that run on it: one edge from each (once per drawn box)
            et = "runs-on" if ex.entity.startswith("hardware:") else "hosted-in"
            weight[ex.entity] += ex.hosts
            for ent in ex.hosts_entities:
                a = node_of(ent)
                if a != ex.entity:
                    weight[a] += 1
                    edges.add((a, ex.entity, et))
    referenced = {f"model:{m.model_id}" for m in v.result.assessment.models}
    rows_of: dict[tuple[int, int], list[str]] = defaultdict(list)
    hidden: dict[Layer, int] = {}
    for la in LAYERS:
        nodes = sorted((n for n in weight if _band_of(n, v) == la), key=lambda n: (-weight[n], n))
        hidden[la] = max(0, len(nodes) - GRAPH_NODES_PER_BAND)
        for n in nodes[:GRAPH_NODES_PER_BAND]:
            rows_of[(LAYERS.index(la), _sub_row(n, v, referenced))].append(n)
    width, left, pad, box_w, box_h, gap_x, gap_y = 1000, 150, 14, 132, 30, 10, 16
    per_row = max(1, (width - left - pad) // (box_w + gap_x))
    # split long rows into lines of per_row
    lines: list[tuple[int, list[str]]] = []  # (band index, nodes)
    for (bi, _ri), nodes in sorted(rows_of.items()):
        nodes.sort(key=lambda n: (jurisdiction_sort_key(_node_jurisdiction(n, v)), n))
        for k in range(0, len(nodes), per_row):
            lines.append((bi, nodes[k:k + per_row]))
    neighbours: dict[str, set[str]] = defaultdict(set)
    for a, b, _ in edges:
        neighbours[a].add(b)
        neighbours[b].add(a)
    xs: dict[str, float] = {}

    def place() -> None:
        for _bi, nodes in lines:
            span = len(nodes) * box_w + (len(nodes) - 1) * gap_x
            x0 = left + (width - left - pad - span) / 2
            for k, n in enumerate(nodes):
                xs[n] = x0 + k * (box_w + gap_x)

    place()
    for sweep in range(4):
        order = lines if sweep % 2 == 0 else list(reversed(lines))
        for _bi, nodes in order:
            cur = {n: xs[n] for n in nodes}

            def bary(n: str, cur: dict[str, float] = cur) -> tuple[float, float, str]:
                ns = [xs[m] for m in neighbours[n] if m in xs and m not in cur]
                return (sum(ns) / len(ns) if ns else cur[n], cur[n], n)

            nodes.sort(key=bary)
        place()
    # vertical layout: bands hold their lines
    pos: dict[str, tuple[float, float]] = {}
    band_geom = []
    y = 8.0
    for bi, la in enumerate(LAYERS):
        mine = [nodes for b, nodes in lines if b == bi]
        h = max(1, len(mine)) * (box_h + gap_y) + gap_y + (14 if hidden[la] else 0)
        for li, nodes in enumerate(mine):
            for n in nodes:
                pos[n] = (xs[n], y + gap_y + li * (box_h + gap_y))
        band_geom.append((la, y, h, bool(mine)))
        y += h + 8
    height = int(y)
    parts = [f'<svg class="graph" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-labelledby="graph-title" xmlns="http://www.w3.org/2000/svg">',
             '<title id="graph-title">Dependency graph: layers as bands, entities coloured by jurisdiction</title>']
    for i, (la, by, h, any_nodes) in enumerate(band_geom):
        fill = "#f4f6f9" if i % 2 == 0 else "#eaeef4"
        parts.append(f'<rect x="0" y="{by:.0f}" width="{width}" height="{h:.0f}" fill="{fill}" rx="4"/>')
        parts.append(f'<text x="12" y="{by + h / 2 + 5:.1f}" class="band">{_esc(LAYER_TITLES[la])}</text>')
        if not any_nodes:
            parts.append(f'<text x="{left + 6}" y="{by + h / 2 + 5:.1f}" class="none">no dependency found</text>')
        if hidden[la]:
            parts.append(f'<text x="{width - pad}" y="{by + h - 5:.0f}" class="more" text-anchor="end">'
                         f'+{hidden[la]} more not drawn</text>')
    for a, b, et in sorted(edges):
        if a not in pos or b not in pos:
            continue
        (ax, ay), (bx, by_) = pos[a], pos[b]
        ax, bx = ax + box_w / 2, bx + box_w / 2
        if abs(ay - by_) < 1:
            d = f"M{ax:.1f},{ay:.1f} C{ax:.1f},{ay - 14:.1f} {bx:.1f},{by_ - 14:.1f} {bx:.1f},{by_:.1f}"
        else:
            if ay < by_:
                y1, y2 = ay + box_h, by_
            else:
                y1, y2 = ay, by_ + box_h
            my = (y1 + y2) / 2
            d = f"M{ax:.1f},{y1:.1f} C{ax:.1f},{my:.1f} {bx:.1f},{my:.1f} {bx:.1f},{y2:.1f}"
        parts.append(f'<path d="{d}" class="edge"><title>{_esc(v.label(a))} {_esc(et)} {_esc(v.label(b))}</title></path>')
    names = grouped["names"] if grouped else {}
    anchors = grouped["anchors"] if grouped else {}
    for n, (x, y0) in sorted(pos.items()):
        j = _node_jurisdiction(n, v)
        c = colour.get(j, _FIXED_COLOURS[UNKNOWN])
        t, _, key = n.partition(":")
        if n == ENDPOINTS_NODE:
            count = len(endpoints)
            label, t, full = f"endpoints ({count})", "endpoints", f"{count} endpoints no rule attributes to a provider"
            j = UNKNOWN
            c = colour.get(j, _FIXED_COLOURS[UNKNOWN])
        elif n in names:
            label, t, full = _short(names[n], 19), "models of lab", names[n] + " models"
        else:
            label, full = _short(key.split("/")[-1] if t in ("model", "region") and len(key) > 16 else key, 16), v.label(n)
        box = (f'<g class="node"><title>{_esc(full)} [{_esc(t)}] - {_esc(v.jurisdiction_name(j))}</title>'
               f'<rect x="{x:.1f}" y="{y0:.1f}" width="{box_w}" height="{box_h}" rx="5" fill="#fff"/>'
               f'<rect x="{x:.1f}" y="{y0:.1f}" width="{box_w}" height="{box_h}" rx="5" fill="{c}" fill-opacity="0.14" '
               f'stroke="{c}" stroke-width="1.6"/>'
               f'<rect x="{x:.1f}" y="{y0:.1f}" width="6" height="{box_h}" rx="2" fill="{c}"/>'
               f'<text x="{x + 12:.1f}" y="{y0 + 13:.1f}" class="nl">{_esc(label)}</text>'
               f'<text x="{x + 12:.1f}" y="{y0 + 25:.1f}" class="nt">{_esc(t)} · {_esc(j)}</text></g>')
        parts.append(f'<a href="#{anchors[n]}">{box}</a>' if n in anchors else box)
    parts.append("</svg>")
    return Markup("".join(parts))


def bars_svg(v: View, colour: dict[str, str]) -> Markup:
    """Per layer, a bar split by the share of references that depend on each jurisdiction."""
    width, left, right, bh, gap = 1000, 150, 70, 24, 12
    rows = [(la, v.result.assessment.layer(la)) for la in LAYERS]
    height = len(rows) * (bh + gap) + gap
    parts = [f'<svg class="bars" viewBox="0 0 {width} {height}" width="100%" role="img" aria-labelledby="bars-title" '
             f'xmlns="http://www.w3.org/2000/svg"><title id="bars-title">Jurisdictions per layer, by share of references</title>']
    span = width - left - right
    for i, (la, a) in enumerate(rows):
        y = gap + i * (bh + gap)
        parts.append(f'<text x="12" y="{y + bh / 2 + 5:.1f}" class="band">{_esc(LAYER_TITLES[la])}</text>')
        total = sum(j.references for j in a.jurisdictions)
        if not total:
            parts.append(f'<rect x="{left}" y="{y}" width="{span}" height="{bh}" rx="3" class="empty"/>'
                         f'<text x="{left + 8}" y="{y + bh / 2 + 5:.1f}" class="none">no dependency found</text>')
            continue
        x = float(left)
        for j in sorted(a.jurisdictions, key=lambda j: jurisdiction_sort_key(j.jurisdiction)):
            w = span * j.references / total
            c = colour.get(j.jurisdiction, _FIXED_COLOURS[UNKNOWN])
            pct = 100 * j.references / total
            parts.append(f'<g><title>{_esc(LAYER_TITLES[la])}: {_esc(v.jurisdiction_name(j.jurisdiction))} '
                         f'({_esc(j.jurisdiction)}) - {j.references} references in {j.files} files, '
                         f'{_esc("+".join(j.kinds))}</title><rect x="{x:.1f}" y="{y}" width="{max(w, 1.5):.1f}" height="{bh}" '
                         f'fill="{c}"/>')
            if w > 46:
                parts.append(f'<text x="{x + 6:.1f}" y="{y + bh / 2 + 5:.1f}" class="seg">{_esc(j.jurisdiction)} {pct:.0f}%</text>')
            parts.append("</g>")
            x += w
        parts.append(f'<text x="{width - right + 8}" y="{y + bh / 2 + 5:.1f}" class="cnt">{a.references} refs</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


# ------------------------------------------------------------------------------------------
# The page's data
# ------------------------------------------------------------------------------------------


def _loc(ref_or_path: Any) -> str:
    return f"{ref_or_path.path}:{ref_or_path.line}"


def _subject_rows(v: View, layer: Layer) -> list[dict[str, Any]]:
    """One row per party a layer depends on (the node subject to a jurisdiction: a provider, a
    cloud or region, a hardware vendor, a package), with its jurisdictions by exposure kind and
    what in the stack depends on it."""
    la = v.result.assessment.layer(layer)
    rows: dict[str, dict[str, Any]] = {}
    for ex in la.exposures:
        for x in ex.via:
            row = rows.setdefault(x, {"kinds": defaultdict(set), "entities": set(), "refs": {}, "regimes": set()})
            row["kinds"][ex.kind.value].add(ex.jurisdiction)
            if ex.entity != x:
                row["entities"].add(ex.entity)
            row["entities"].update(e for e in ex.hosts_entities if e != x)
            row["regimes"].update(ex.regimes)
            for p in ex.paths:
                if x in p.nodes:
                    row["refs"].setdefault(p.fingerprint or _loc(p), p)
    out = []
    for node in sorted(rows, key=lambda n: (-len(rows[n]["refs"]), jurisdiction_sort_key(_node_jurisdiction(n, v)), n)):
        row = rows[node]
        paths = sorted(row["refs"].values(), key=lambda p: (p.path, p.line))
        locs = sorted({_loc(p) for p in paths})
        juris = sorted({j for js in row["kinds"].values() for j in js}, key=jurisdiction_sort_key)
        out.append({
            "node": node, "label": v.label(node), "layer": layer.value,
            "note": v.entities[node].note if node in v.entities else "",
            "kinds": [{"kind": k, "jurisdictions": sorted(row["kinds"][k], key=jurisdiction_sort_key)}
                      for k in ("data", "supply") if k in row["kinds"]],
            "jurisdictions": juris,
            "entities": [v.label(e) for e in sorted(row["entities"])][:CELL_ITEMS],
            "entities_more": max(0, len(row["entities"]) - CELL_ITEMS),
            "regimes": [{"id": r, "name": v.regimes[r].name if r in v.regimes else r, "anchor": anchor("r", r)}
                        for r in sorted(row["regimes"])],
            "where": locs[:WHERE_ITEMS], "more": max(0, len(locs) - WHERE_ITEMS), "references": len(paths),
        })
    return out


def _models(v: View) -> list[dict[str, Any]]:
    prov = {p.model_id: p for p in v.result.provenance}
    out = []
    for m in v.result.assessment.models:
        p = prov.get(m.model_id)
        facts = []
        if p is not None:
            for name, f in (("publisher", p.publisher), ("publisher country", p.publisher_country),
                            ("origin lab", p.origin_lab), ("origin country", p.country), ("license", p.license_id),
                            ("license class", p.license_class), ("weights", p.weights), ("API provider", p.provider)):
                facts.append({"name": name, "value": f.value, "evidence": [
                    {"source": e.source, "detail": e.detail, "url": safe_url(e.url), "raw_url": e.url if not safe_url(e.url) else "",
                     "retrieved": e.retrieved} for e in f.evidence]})
        chains = []
        for link in m.lineage:
            chains.append({"depth": link.depth, "child": link.child, "relation": link.relation, "parent": link.parent,
                           "country": link.country})
        if p is not None:
            for name, f in (("lineage", p.lineage), ("effective license", p.effective_license),
                            ("effective license class", p.effective_license_class)):
                facts.append({"name": name, "value": f.value, "evidence": [
                    {"source": e.source, "detail": e.detail, "url": safe_url(e.url), "raw_url": e.url if not safe_url(e.url) else "",
                     "retrieved": e.retrieved} for e in f.evidence]})
        from sovaudit.report.console import licenses_text, serving_text

        # one line per (route, processor, scope): its references, its first evidence and how many
        # more places say the same (a model named in 300 files is not 300 lines)
        by_way: dict[tuple[str, str, str], dict[str, Any]] = {}
        for x in m.serving:
            w = by_way.setdefault((x.route, x.processor, x.scope), {
                "route": x.route, "processor": v.label(x.processor) if x.processor else "", "scope": x.scope,
                "references": 0, "evidence": x.evidence, "places": 0})
            w["references"] += x.references
            w["places"] += 1
        serving = sorted(by_way.values(), key=lambda w: -w["references"])

        out.append({
            "id": m.model_id, "anchor": anchor("m", m.model_id), "control": m.control, "weights": m.weights,
            "served": serving_text(m), "licenses_text": licenses_text(m),
            "serving": serving[:CELL_ITEMS],
            "serving_more": max(0, len(serving) - CELL_ITEMS),
            "licenses": [{"access": v.label(x.access) if ":" in x.access else x.access, "license_id": x.license_id,
                          "license_class": x.license_class, "references": x.references, "url": safe_url(x.url),
                          "inherited_from": x.inherited_from} for x in m.licenses],
            "lineage_status": m.lineage_status, "lineage_reason": m.lineage_reason,
            "deployment": [v.label(d) if ":" in d else d for d in m.deployment],
            "origin": [v.label(f"lab:{o}") for o in m.origin], "countries": list(m.countries),
            "license_id": m.license_id, "license_class": m.license_class, "license_terms": list(m.license_terms),
            "status": m.status, "reason": m.reason, "status_reason": p.reason if p is not None else "",
            "references": m.references, "lineage": chains, "facts": facts,
            "conflicts": [{"field": c.field, "note": c.note, "values": [x.value for x in c.values]}
                          for c in (p.conflicts if p is not None else ())],
            "confidence": p.confidence if p is not None else 0.0,
        })
    return out


def links(urls: Any) -> list[dict[str, str]]:
    """Safe links with a short text (host and the start of the path)."""
    out = []
    for u in urls:
        href = safe_url(u)
        if href:
            text = href.split("://", 1)[1]
            out.append({"href": href, "text": _short(text, 56)})
    return out


def _ref_row(v: View, p: Any, compact: bool = False) -> dict[str, Any]:
    r = v.refs.get(p.fingerprint)
    if compact:
        return {"where": _loc(p), "line": p.line, "snippet": r.snippet if r is not None else ""}
    return {
        "where": _loc(p), "path": p.path, "line": p.line, "column": r.column if r is not None else 0,
        "snippet": r.snippet if r is not None else "", "text": r.text if r is not None else "",
        "context": p.context, "confidence": p.confidence,
        "route": [{"node": n, "label": v.label(n), "edge": e} for n, e in zip(p.nodes[1:], p.edges)],
        "fingerprint": p.fingerprint,
    }


def _findings(v: View) -> list[dict[str, Any]]:
    large = len(v.result.findings) > LARGE_REPORT
    cap = PATHS_PER_FINDING[1] if large else PATHS_PER_FINDING[0]
    # what runs on a finding's region, cloud or hardware because its project names it
    hosted: dict[tuple, set[str]] = defaultdict(set)
    for ex in v.result.assessment.exposures:
        if ex.hosts_entities:
            hosted[(ex.layer, ex.kind, ex.entity, ex.jurisdiction)].update(ex.hosts_entities)
    out = []
    for i, f in enumerate(v.result.findings):
        refs = v.finding_refs(f)
        runs = sorted({e for j in (f.jurisdictions or (f.jurisdiction,)) for e in hosted.get((f.layer, f.kind, f.entity, j), ())})
        nodes = () if large else sorted({n for p, _ in refs[:cap] for n in p.nodes[1:]} | {f.entity} | set(f.via))
        regimes = []
        for rid in () if large else _finding_regimes(v, f):
            r = v.regimes.get(rid)
            if r is not None:
                regimes.append({"id": rid, "name": r.name, "anchor": anchor("r", rid)})
        out.append({
            "suppressed": getattr(f, "suppressed", False), "suppression": getattr(f, "suppression", ""),
            "baselined": getattr(f, "baselined", False),
            "n": i + 1, "rule": f.rule_id, "severity": f.severity.value, "message": f.message, "layer": f.layer.value,
            "layer_title": LAYER_TITLES[f.layer], "kind": f.kind.value, "jurisdiction": f.jurisdiction,
            "jurisdictions": list(f.jurisdictions or (f.jurisdiction,)), "undecided": f.undecided,
            "jurisdiction_name": ", ".join(v.jurisdiction_name(j) for j in (f.jurisdictions or (f.jurisdiction,))),
            "entity": v.label(f.entity),
            "via": [v.label(x) for x in f.via], "fingerprint": f.fingerprint, "rule_source": f.rule_source,
            "refs": [_ref_row(v, p, large) for p, _ in refs[:cap]], "more": max(0, len(refs) - cap), "total": len(refs),
            "evidence": [{"node": n, "label": v.label(n), "anchor": anchor("e", n)} for n in nodes
                         if not n.startswith("loc:") and n in v.entities],
            "regimes": regimes,
            "hosted": [v.label(e) for e in runs[:CELL_ITEMS]], "hosted_more": max(0, len(runs) - CELL_ITEMS),
        })
    return out


def _finding_rules(findings: Any) -> list[dict[str, Any]]:
    """Many findings: one row per (severity, rule), most severe and most frequent first."""
    rank = {sev: i for i, sev in enumerate(SEVERITIES)}
    by: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for f in findings:
        by[(f.severity.value, f.rule_id)].append(f)
    rows = sorted(by.items(), key=lambda kv: (rank.get(kv[0][0], 99), -len(kv[1]), kv[0][1]))
    return [{"severity": sev, "rule": rule, "count": len(fs), "undecided": sum(1 for f in fs if f.undecided),
             "layers": sorted({LAYER_TITLES[f.layer] for f in fs}),
             "jurisdictions": sorted({j for f in fs for j in (f.jurisdictions or (f.jurisdiction,))}, key=jurisdiction_sort_key)[:8],
             "example": fs[0].message} for (sev, rule), fs in rows]


def _finding_regimes(v: View, f: Any) -> list[str]:
    la = v.result.assessment.layer(f.layer)
    js = set(f.jurisdictions or (f.jurisdiction,))
    out: list[str] = []
    for ex in la.exposures:
        if ex.kind == f.kind and ex.jurisdiction in js and ex.entity == f.entity:
            out.extend(r for r in ex.regimes if r not in out)
    return out


def _regimes(v: View) -> list[dict[str, Any]]:
    where: dict[str, set[str]] = defaultdict(set)
    for la in v.result.assessment.layers:
        for ex in la.exposures:
            for rid in ex.regimes:
                where[rid].add(f"{LAYER_TITLES[la.layer]} ({ex.kind.value})")
    by_j: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rid, r in sorted(v.regimes.items(), key=lambda kv: (kv[1].jurisdiction, kv[1].year, kv[0])):
        rs = v.regime_sources.get(rid)
        by_j[r.jurisdiction].append({
            "id": rid, "anchor": anchor("r", rid), "name": r.name, "official_name": rs.official_name if rs else "",
            "year": r.year, "kind": r.kind, "effect": r.effect, "applies_to": list(r.applies_to),
            "links": links(v.sources_of_regime(rid)),
            "where": sorted(where.get(rid, ())),
        })
    return [{"code": j, "name": v.jurisdiction_name(j), "regimes": by_j[j]} for j in sorted(by_j, key=jurisdiction_sort_key)]


def _entities(v: View, models: bool = True) -> list[dict[str, Any]]:
    out = []
    for e in v.result.report.entities:
        if e.node.startswith("jurisdiction:") or (not models and e.node.startswith("model:")):
            continue
        out.append({"node": e.node, "anchor": anchor("e", e.node), "label": v.label(e.node), "type": e.node.split(":", 1)[0],
                    "country": e.country, "rule": e.rule, "note": e.note,
                    "links": links(e.sources)})
    return out


def _exposures(v: View) -> list[dict[str, Any]]:
    """Every exposure, the most referenced first."""
    out = []
    for ex in sorted(v.result.assessment.exposures, key=lambda e: -e.references):
        files = sorted({p.path for p in ex.paths})
        out.append({"layer": ex.layer.value, "layer_title": LAYER_TITLES[ex.layer], "kind": ex.kind.value,
                    "jurisdiction": ex.jurisdiction, "entity": v.label(ex.entity),
                    "via": [v.label(x) for x in ex.via], "references": ex.references, "files": len(files),
                    "confidence": ex.confidence, "regimes": list(ex.regimes)})
    return out


def _inventory(v: View) -> dict[str, Any]:
    """Endpoints, clouds/regions and hardware as written in the tree."""
    refs = v.result.references
    endpoints: dict[tuple[str, str], list[Any]] = defaultdict(list)
    regions: dict[tuple[str, str], list[Any]] = defaultdict(list)
    hardware: dict[str, dict[str, Any]] = {}
    for r in refs:
        if r.kind.value == "endpoint":
            endpoints[(r.id, r.provider or UNKNOWN)].append(r)
        elif r.kind.value == "cloud" and r.form == "region":
            regions[(r.provider or UNKNOWN, r.id)].append(r)
        elif r.kind.value == "hardware":
            h = hardware.setdefault(r.id, {"texts": set(), "accelerators": set(), "refs": []})
            h["texts"].add(r.text)
            if r.attribute("accelerator"):
                h["accelerators"].add(r.attribute("accelerator"))
            h["refs"].append(r)

    def where(rs: list[Any]) -> tuple[list[str], int]:
        locs = sorted({_loc(r) for r in rs})
        return locs[:WHERE_ITEMS], max(0, len(locs) - WHERE_ITEMS)

    eps = []
    for (eid, prov), rs in sorted(endpoints.items()):
        w, more = where(rs)
        node = f"provider:{prov}" if prov != UNKNOWN else f"endpoint:{eid}"
        e = v.entities.get(node)
        eps.append({"id": eid, "provider": v.label(node) if prov != UNKNOWN else "not attributed",
                    "jurisdiction": (e.country if e is not None else UNKNOWN), "forms": sorted({r.form for r in rs}),
                    "where": w, "more": more, "private": any(s in eid for s in (".svc", "cluster.local", "localhost", "127.0.0.1"))})
    regs = []
    for (cloud, name), rs in sorted(regions.items()):
        w, more = where(rs)
        e = v.entities.get(f"region:{cloud}/{name}")
        regs.append({"cloud": cloud, "cloud_label": v.label(f"cloud:{cloud}") if cloud != UNKNOWN else "unknown cloud",
                     "name": name, "city": e.note if e is not None else "",
                     "country": e.country if e is not None else (rs[0].attribute("country") or UNKNOWN), "where": w, "more": more})
    hws = []
    for hid, h in sorted(hardware.items()):
        w, more = where(h["refs"])
        hws.append({"id": hid, "label": v.label(f"hardware:{hid}"), "country": _node_jurisdiction(f"hardware:{hid}", v),
                    "texts": sorted(h["texts"])[:12], "accelerators": sorted(h["accelerators"]), "where": w, "more": more})
    return {"endpoints": eps, "regions": regs, "hardware": hws}


def _data_flows(v: View) -> list[dict[str, Any]]:
    """Where data goes: per (layer, party that is subject to the law, jurisdiction), the entities
    whose data goes there and the regimes that reach it."""
    groups: dict[tuple, dict[str, Any]] = {}
    for layer in (Layer.INFERENCE, Layer.CLOUD):
        for ex in v.result.assessment.layer(layer).exposures:
            if ex.kind.value != "data":
                continue
            key = (LAYERS.index(layer), ex.via, jurisdiction_sort_key(ex.jurisdiction))
            g = groups.setdefault(key, {"layer": layer.value, "layer_title": LAYER_TITLES[layer],
                                        "via": [v.label(x) for x in ex.via], "jurisdiction": ex.jurisdiction,
                                        "jurisdiction_name": v.jurisdiction_name(ex.jurisdiction), "entities": [],
                                        "refs": set(), "regimes": []})
            g["entities"].append(v.label(ex.entity))
            g["entities"].extend(v.label(e) for e in ex.hosts_entities)
            g["refs"].update(p.fingerprint or _loc(p) for p in ex.paths)
            for r in ex.regimes:
                if all(x["id"] != r for x in g["regimes"]):
                    g["regimes"].append({"id": r, "name": v.regimes[r].name if r in v.regimes else r, "anchor": anchor("r", r)})
    out = []
    for key in sorted(groups):
        g = groups[key]
        g["references"] = len(g.pop("refs"))
        ents = sorted(set(g["entities"]))
        g["entities"], g["entities_more"] = ents[:CELL_ITEMS], max(0, len(ents) - CELL_ITEMS)
        out.append(g)
    return out


def _home(v: View) -> dict[str, Any] | None:
    """The per-layer answer against home: for each layer, the rows that say something."""
    a = v.result.assessment
    if not a.home:
        return None
    layers = []
    for h in a.home_layers:
        rows = []
        for key in ("data_leaves", "foreign_control", "supply_abroad", "domestic", "unknown"):
            for item in getattr(h, key):
                rows.append({"key": key, "what": HOME_TEXT[key], "jurisdiction": item.jurisdiction,
                             "name": v.jurisdiction_name(item.jurisdiction), "parties": [v.label(x) for x in item.parties],
                             "references": item.references})
        notes = []
        if h.self_hosted:
            notes.append(("self-hosted", h.self_hosted))
        if h.api_only:
            notes.append(("API-only", h.api_only))
        if h.not_established:
            notes.append(("serving path not established" if h.layer == Layer.INFERENCE else "lineage not established",
                          h.not_established))
        layers.append({"layer": h.layer.value, "title": LAYER_TITLES[h.layer], "rows": rows,
                       "notes": [{"what": w, "models": list(ms)} for w, ms in notes]})
    return {"jurisdiction": a.home, "name": v.jurisdiction_name(a.home), "source": a.home_source, "layers": layers}


def page_data(result: ScanResult) -> dict[str, Any]:
    v = view(result)
    juris = v.jurisdictions
    home = result.assessment.home
    styled = juris + ([home] if home and home not in juris else [])  # the home is named even with no row of its own
    colour = colours(styled, frozenset(j for j, orders in result.report.orders if orders))
    compact = len(result.findings) > LARGE_REPORT
    stats = result.stats
    models = _models(v)
    by_refs = sorted(models, key=lambda m: (-m["references"], m["id"]))
    detailed = by_refs if not compact else by_refs[:MODELS_DETAILED]
    for m in detailed:
        m["detailed"] = True
    top_ids = {m["id"] for m in by_refs[:TOP]}
    rest = [m for m in models if m["id"] not in top_ids]
    findings = _findings(v)
    def subjects(layer: Layer, *types: str) -> int:
        return len({x for e in result.assessment.layer(layer).exposures for x in e.via if x.split(":", 1)[0] in types})

    grouped = _lab_groups(v, colour) if len(result.assessment.models) > GRAPH_MODELS else None
    counts = {
        "models": len(result.assessment.models),
        "providers": subjects(Layer.INFERENCE, "provider", "endpoint"),
        "clouds": subjects(Layer.CLOUD, "cloud"),
        "regions": len({(r.provider, r.id) for r in result.references if r.kind.value == "cloud" and r.form == "region"}),
        "hardware": subjects(Layer.HARDWARE, "hardware"),
        "packages": len({e.entity for e in result.assessment.layer(Layer.SOFTWARE).exposures}),
        "references": len(result.references),
        "findings": len(result.findings),
    }
    skipped = [{"path": s.path, "reason": s.reason, "detail": s.detail} for s in result.skipped]
    return {
        "root": result.root,
        "meta": {
            "tool_version": result.tool_version, "rules_version": result.rules_version,
            "schema_version": result.schema_version, "generated": result.report.generated, "offline": result.offline,
            "network": result.report.network, "rules_date": result.report.rules_date,
            "vcs": {"commit": result.report.vcs.commit, "branch": result.report.vcs.branch, "remote": result.report.vcs.remote,
                    "root_prefix": result.report.vcs.root_prefix},
            "fail_on": result.report.fail_on, "policy_sources": list(result.report.policy_sources),
            "files_seen": stats.files_seen, "files_scanned": stats.files_scanned,
            "files_skipped": len({s.path for s in result.skipped}),
        },
        "verdict": v.verdict,
        "checked": v.checked,
        "home": _home(v),
        "set_apart": [{"reason": x.reason, "text": SET_APART_TEXT.get(x.reason, x.reason), "references": x.references,
                       "files": x.files, "ids": list(x.ids), "more": x.more} for x in result.assessment.set_apart],
        "scope": list(result.assessment.scope),
        "set_aside": v.set_aside,
        "severity_counts": v.severity_counts,
        "severities": list(SEVERITIES),
        "counts": counts,
        "jurisdictions": [{"code": j, "name": v.jurisdiction_name(j), "colour": colour[j]} for j in juris],
        "colour": colour,
        "layers": [{"value": la.value, "title": LAYER_TITLES[la]} for la in LAYERS],
        "matrix": v.matrix,
        "graph_svg": graph_svg(v, colour, grouped),
        "graph_grouped": grouped,
        "bars_svg": bars_svg(v, colour),
        "models": models,
        "models_top": by_refs[:TOP],
        "models_rest": rest[:MODELS_CAP],
        "models_left": max(0, len(rest) - MODELS_CAP),
        "top": TOP,
        "findings_top": FINDINGS_TOP,
        "findings_left": max(0, len(findings) - FINDINGS_CAP),
        "inference": _subject_rows(v, Layer.INFERENCE),
        "cloud": _subject_rows(v, Layer.CLOUD),
        "hardware": _subject_rows(v, Layer.HARDWARE),
        "software": _subject_rows(v, Layer.SOFTWARE),
        "inventory": _inventory(v),
        "flows": _data_flows(v),
        "findings": findings[:FINDINGS_CAP],
        "finding_rules": _finding_rules(result.findings) if len(result.findings) > FINDINGS_TOP else [],
        "exposures": _exposures(v)[:LIST_CAP * (2 if compact else 4)],
        "exposures_total": len(result.assessment.exposures),
        "regimes": _regimes(v),
        "entities": _entities(v, models=not compact),
        "entities_more": 0 if not compact else sum(1 for e in result.report.entities if e.node.startswith("model:")),
        "compact": compact,
        "models_detailed": detailed,
        "jclass": {j: jclass(j) for j in styled},
        "styles": [{"cls": jclass(j), "colour": colour[j]} for j in styled],
        "suppressions": [{"path": s.path, "line": s.line, "rules": list(s.rules), "reason": s.reason, "valid": s.valid}
                         for s in result.suppressions],
        "skipped": skipped[:LIST_CAP],
        "skipped_more": max(0, len(skipped) - LIST_CAP),
        "policy_rules": [{"id": r.id, "severity": r.severity, "message": r.message, "description": r.description,
                          "source": r.source, "conditions": [f"{k} {c}" for k, c in r.conditions]}
                         for r in result.report.policy_rules],
    }


def render(result: ScanResult) -> str:
    env = environment()
    script = dedent(static_text("report.js"))
    style = dedent(static_text("report.css"))
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    csp = (f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; img-src data:; "
           "font-src 'none'; connect-src 'none'; form-action 'none'; base-uri 'none'")
    html = env.get_template("report.html.j2").render(
        data=page_data(result), script=Markup(script), style=Markup(style), csp=csp,
    )
    html = dedent(html)  # indentation is a fifth of a large report; no <pre> spans lines
    return html if html.endswith("\n") else html + "\n"


dumps = render
