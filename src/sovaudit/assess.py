"""Stage 5: exposure per layer, read off the dependency graph.

For every reference placed in the graph (a ``Use``), the routes from the node it names to the
jurisdiction nodes are followed -- only along edges that mean a dependency for that use:

* a model's lineage (``derived-from``) and its labs (``published-by``): **model** layer, supply;
* the provider that serves it (``served-by``), for API calls only: **inference-provider** layer,
  data (prompts go there) -- and supply as well when the model is API-only (the provider then
  controls its availability and terms); a self-hosted runtime (Ollama) is **software**, supply;
* the regions and clouds that host it (``hosted-in``), for self-hosted use and for a managed
  service's stated region: **cloud** layer; a region is a data exposure (where prompts are
  processed), its operating cloud both data (its law reaches the data) and supply;
* the hardware it runs on (``runs-on``): **hardware** layer, supply;
* packages: **software** layer, supply; endpoints no rule attributes: inference-provider, data,
  jurisdiction unknown (or, in-cluster, the clouds that host them).

A route ends at a ``jurisdiction:`` node and continues along ``member-of`` (DE -> EU), so each
exposure holds, per reference, the full path back to the file and line that caused it. Regimes
come from ``rules/`` jurisdictions, filtered by ``applies_to`` against the exposure's kind.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterable

from sovaudit.graph import WEIGHT_FORMS, StackGraph, build_graph, gc_paused, node_type
from sovaudit.model import (
    LAYERS,
    UNKNOWN,
    Assessment,
    Exposure,
    ExposureKind,
    ExposurePath,
    ExposureRoute,
    Kind,
    Layer,
    LayerAssessment,
    LayerJurisdiction,
    LineageLink,
    ModelControl,
    Regime,
    ScanResult,
)
from sovaudit.rules import KnowledgeBase

_DATA, _SUPPLY = ExposureKind.DATA, ExposureKind.SUPPLY
_SELF_HOSTABLE = ("downloadable", "gated")


@dataclass(frozen=True, slots=True)
class _Route:
    """A route from an entity node to a jurisdiction node (the entity is ``nodes[0]``)."""

    nodes: tuple[str, ...]
    edges: tuple[str, ...]
    layer: Layer
    kinds: tuple[ExposureKind, ...]
    subject: str  # the node that is subject to the jurisdiction
    lab_model: str  # the model whose lab the route reaches ("" when none)


class _Walker:
    def __init__(self, sg: StackGraph, kb: KnowledgeBase):
        self.sg = sg
        self.kb = kb
        self.adj = sg.adjacency
        self.attrs = sg.nodes
        self._jur: dict[str, tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]] = {}
        self._lineage: dict[str, tuple[_Route, ...]] = {}
        self._memo: dict[tuple, tuple[_Route, ...]] = {}
        self._class: dict[str, tuple[Layer, tuple[ExposureKind, ...]]] = {}

    def out(self, n: str, etype: str) -> tuple[str, ...]:
        return self.adj.get(n, {}).get(etype, ())

    # -- jurisdictions and what each subject means --------------------------------------------------
    def jur_tails(self, j: str, seen: tuple[str, ...] = ()) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
        """(nodes, edges) from a jurisdiction node along member-of, the node itself first."""
        if not seen and j in self._jur:
            return self._jur[j]
        out = [((j,), ())]
        for parent in self.out(j, "member-of"):
            if parent in seen or parent == j:
                continue
            for nodes, edges in self.jur_tails(parent, seen + (j,)):
                out.append(((j,) + nodes, ("member-of",) + edges))
        res = tuple(out)
        if not seen:
            self._jur[j] = res
        return res

    def classify(self, subject: str) -> tuple[Layer, tuple[ExposureKind, ...]]:
        hit = self._class.get(subject)
        if hit is not None:
            return hit
        t = node_type(subject)
        if t in ("lab", "model"):
            res = Layer.MODEL, (_SUPPLY,)
        elif t == "provider":
            res = (Layer.SOFTWARE, (_SUPPLY,)) if self.attrs[subject].get("kind") == "self-hosted" else (Layer.INFERENCE, (_DATA,))
        elif t == "region":
            res = Layer.CLOUD, (_DATA,)
        elif t == "cloud":
            res = Layer.CLOUD, (_DATA, _SUPPLY)
        elif t == "hardware":
            res = Layer.HARDWARE, (_SUPPLY,)
        elif t == "package":
            res = Layer.SOFTWARE, (_SUPPLY,)
        else:  # endpoint
            res = Layer.INFERENCE, (_DATA,)
        self._class[subject] = res
        return res
    def ends(self, prefix_nodes: tuple[str, ...], prefix_edges: tuple[str, ...], lab_model: str = "") -> list[_Route]:
        """Routes that end the prefix at the jurisdictions its last node is subject to."""
        subject = prefix_nodes[-1]
        layer, kinds = self.classify(subject)
        out = []
        for j in self.out(subject, "subject-to"):
            for nodes, edges in self.jur_tails(j):
                out.append(_Route(prefix_nodes + nodes, prefix_edges + ("subject-to",) + edges, layer, kinds, subject, lab_model))
        return out

    # -- routes per entity ----------------------------------------------------------------------------
    def host(self, h: str, pn: tuple[str, ...], pe: tuple[str, ...]) -> list[_Route]:
        out = self.ends(pn, pe)
        for c in self.out(h, "operated-by"):
            out += self.ends(pn + (c,), pe + ("operated-by",))
        return out

    def hosting(self, n: str) -> list[_Route]:
        out: list[_Route] = []
        for h in self.out(n, "hosted-in"):
            out += self.host(h, (n, h), ("hosted-in",))
        for hw in self.out(n, "runs-on"):
            out += self.ends((n, hw), ("runs-on",))
        return out

    def lineage(self, m: str) -> tuple[_Route, ...]:
        """Model-layer routes: breadth-first over derived-from (shortest chain to each model)."""
        if m in self._lineage:
            return self._lineage[m]
        chains: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {m: ((m,), ())}
        order = [m]
        i = 0
        while i < len(order):
            x = order[i]
            i += 1
            xn, xe = chains[x]
            for key, targets in sorted(self.adj.get(x, {}).items()):
                if key != "derived-from":
                    continue
                for p in targets:
                    if p not in chains:
                        chains[p] = (xn + (p,), xe + ("derived-from",))
                        order.append(p)
        out: list[_Route] = []
        for x in order:
            xn, xe = chains[x]
            for lab in self.out(x, "published-by"):
                out += self.ends(xn + (lab,), xe + ("published-by",), lab_model=x)
            out += self.ends(xn, xe)  # unknown origin: the model itself is subject to jurisdiction:unknown
        res = tuple(out)
        self._lineage[m] = res
        return res

    def routes(self, entity: str, served_by: tuple[str, ...], self_hosted: bool, region: str) -> tuple[_Route, ...]:
        key = (entity, served_by, self_hosted, region)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        t = node_type(entity)
        out: list[_Route] = []
        if t == "model":
            out += self.lineage(entity)
            if self_hosted:
                out += self.hosting(entity)
            for p in served_by:
                out += self.ends((entity, p), ("served-by",))
                if self.attrs[p].get("kind") == "self-hosted":
                    out += [_prefix(r, entity, "served-by") for r in self.hosting(p)]
                elif region:
                    out += self.host(region, (entity, p, region), ("served-by", "hosted-in"))
        elif t == "provider":
            out += self.ends((entity,), ())
            if self.attrs[entity].get("kind") == "self-hosted":
                out += self.hosting(entity)
        elif t == "region":
            out += self.host(entity, (entity,), ())
        elif t == "endpoint":
            out += self.ends((entity,), ())
            if self_hosted:
                out += self.hosting(entity)
        elif t == "package":
            out += self.ends((entity,), ())
            for hw in self.out(entity, "runs-on"):
                out += self.ends((entity, hw), ("runs-on",))
        else:  # cloud, hardware
            out += self.ends((entity,), ())
        res = tuple(out)
        self._memo[key] = res
        return res


def _prefix(r: _Route, node: str, edge: str) -> _Route:
    return _Route((node,) + r.nodes, (edge,) + r.edges, r.layer, r.kinds, r.subject, r.lab_model)


# ------------------------------------------------------------------------------------------
# Regimes
# ------------------------------------------------------------------------------------------


def regimes_for(kb: KnowledgeBase, jurisdiction: str, kind: str | None = None) -> tuple[Regime, ...]:
    """The regimes of a jurisdiction (from ``rules/``) that apply to an exposure kind (or any)."""
    e = kb.get("jurisdictions", jurisdiction) if jurisdiction != UNKNOWN else None
    if e is None:
        return ()
    out = []
    for r in e.get("regimes", []) or []:
        applies = tuple(r.get("applies_to") or ("data", "supply"))
        if kind is None or kind in applies:
            srcs = r.get("sources") or ()
            out.append(Regime(e.id, r["id"], r["name"], int(r["year"]), r["kind"], r["effect"], tuple(sorted(applies)),
                              srcs[0] if srcs else ""))
    return tuple(sorted(out))


def memberships(kb: KnowledgeBase) -> dict[str, tuple[str, ...]]:
    """Every jurisdiction's legal orders, transitively (``DE -> (EU,)``)."""
    direct = {e.id: tuple(e.get("member_of", []) or ()) for e in kb.section("jurisdictions")}
    out: dict[str, tuple[str, ...]] = {}
    for j in direct:
        seen: list[str] = []
        todo = list(direct[j])
        while todo:
            x = todo.pop(0)
            if x not in seen and x != j:
                seen.append(x)
                todo.extend(direct.get(x, ()))
        out[j] = tuple(sorted(seen))
    return out


# ------------------------------------------------------------------------------------------
# The assessment
# ------------------------------------------------------------------------------------------


def _ref_key(ref) -> str:
    return ref.fingerprint or f"{ref.path}:{ref.line}:{ref.column}:{ref.kind.value}:{ref.id}"


class _Group:
    """Accumulates one exposure: (layer, kind, jurisdiction, entity)."""

    __slots__ = ("paths", "via", "refs", "files", "conf", "routes")

    def __init__(self) -> None:
        self.paths: list[ExposurePath] = []
        #: (route id, confidence, model) -> (a path that takes it, the keys of its references)
        self.routes: dict[tuple, tuple[ExposurePath, dict[str, None]]] = {}
        self.via: set[str] = set()
        self.refs: set[str] = set()
        self.files: set[str] = set()
        self.conf = 0.0


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A route with everything per-route precomputed, shared by every reference that takes it."""

    groups: tuple[_Group, ...]  # the exposures (layer, kind, jurisdiction, entity) it feeds
    api_groups: tuple[_Group, ...]  # plus these when the model is API-only (supply via its provider)
    nodes: tuple[str, ...]
    edges: tuple[str, ...]  # starting with "references"
    subject: str
    depth: int
    lab_model: str
    jurisdiction: str
    model_layer: bool
    rid: int  # the same number for every prepared route with the same nodes, edges and depth


def assess(result: ScanResult, kb: KnowledgeBase, graph: StackGraph | None = None) -> Assessment:
    """Exposure per layer and control per model, for a resolved scan."""
    sg = graph if graph is not None else build_graph(result, kb)
    with gc_paused():
        return _assess(sg, kb)


def _assess(sg: StackGraph, kb: KnowledgeBase) -> Assessment:
    w = _Walker(sg, kb)
    prov = sg.provenance
    nodes = sg.nodes
    groups: dict[tuple, _Group] = defaultdict(_Group)
    model_info: dict[str, dict[str, Any]] = {}
    model_countries: dict[str, set[str]] = defaultdict(set)
    prepared: dict[tuple, tuple[_Prepared, ...]] = {}
    model_facts: dict[str, tuple[str, str]] = {}
    lab_conf: dict[str, float] = {}
    kind_of_sp: dict[str, str] = {}
    route_ids: dict[tuple, int] = {}

    def prepare(use) -> tuple[_Prepared, ...]:
        key = (use.entity, use.served_by, use.self_hosted, use.region)
        hit = prepared.get(key)
        if hit is None:
            out = []
            for r in w.routes(*key):
                j = r.nodes[-1].split(":", 1)[1]
                gs = tuple(groups[(r.layer, k, j, use.entity)] for k in r.kinds)
                for g in gs:
                    g.via.add(r.subject)
                api = ()
                if r.layer == Layer.INFERENCE and _SUPPLY not in r.kinds:
                    api = gs + (groups[(r.layer, _SUPPLY, j, use.entity)],)
                    api[-1].via.add(r.subject)
                depth = r.edges.count("derived-from")
                rid = route_ids.setdefault((r.nodes, r.edges, depth), len(route_ids))
                out.append(_Prepared(gs, api, r.nodes, ("references",) + r.edges, r.subject, depth,
                                     r.lab_model, j, r.layer == Layer.MODEL, rid))
            hit = prepared[key] = tuple(out)
        return hit

    for use in sg.uses:
        ref = use.ref
        rk = _ref_key(ref)
        is_model = ref.kind == Kind.MODEL
        weights, lclass, mid = "", "", ""
        if is_model:
            mid = ref.id
            facts = model_facts.get(mid)
            if facts is None:
                p = prov.get(mid)
                facts = model_facts[mid] = (p.weights.value, p.license_class.value) if p else (UNKNOWN, UNKNOWN)
            weights, lclass = facts
            mi = model_info.get(mid)
            if mi is None:
                mi = model_info[mid] = {"refs": set(), "deploy": set(), "local_weights": False}
            mi["refs"].add(rk)
            if use.self_hosted:
                mi["deploy"].add("self-hosted")
            for sp in use.served_by:
                k = kind_of_sp.get(sp)
                if k is None:
                    k = kind_of_sp[sp] = nodes[sp].get("kind", UNKNOWN)
                mi["deploy"].add("self-hosted" if k == "self-hosted" else sp)
                if k == "self-hosted":
                    mi["local_weights"] = True
            if use.self_hosted and ref.form in WEIGHT_FORMS:
                mi["local_weights"] = True
        api_only = weights == "api-only"
        base_conf = ref.confidence
        ctx = ref.context.value
        path_, line, fp = ref.path, ref.line, ref.fingerprint
        rkey = fp or f"{path_}:{line}"
        loc = (use.loc,)
        for pr in prepare(use):
            conf = base_conf
            if pr.lab_model:
                f = lab_conf.get(pr.lab_model)
                if f is None:
                    f = lab_conf[pr.lab_model] = float(nodes[pr.lab_model].get("confidence", 0.0) or 0.0)
                conf = round(conf * f, 2)
            ep = ExposurePath(path_, line, loc + pr.nodes, pr.edges, fp, ctx, conf, mid, weights, lclass, pr.depth)
            if pr.model_layer and is_model:
                model_countries[mid].add(pr.jurisdiction)
            route = (pr.rid, conf, mid)
            for g in (pr.api_groups if api_only and pr.api_groups else pr.groups):
                g.paths.append(ep)
                g.refs.add(rk)
                g.files.add(path_)
                if conf > g.conf:
                    g.conf = conf
                seen = g.routes.get(route)
                if seen is None:
                    g.routes[route] = (ep, {rkey: None})
                else:
                    seen[1][rkey] = None
    layers = _layers(kb, groups)
    models = tuple(_control(kb, mid, info, prov, model_countries.get(mid, set())) for mid, info in sorted(model_info.items()))
    return Assessment(layers, models)


def _layers(kb, groups: dict[tuple, _Group]) -> tuple[LayerAssessment, ...]:
    reg_cache: dict[tuple[str, str | None], tuple[Regime, ...]] = {}

    def regs(j: str, kind: str | None) -> tuple[Regime, ...]:
        if (j, kind) not in reg_cache:
            reg_cache[(j, kind)] = regimes_for(kb, j, kind)
        return reg_cache[(j, kind)]

    by_layer: dict[Layer, list[tuple[tuple, _Group]]] = defaultdict(list)
    for key, g in groups.items():
        if g.paths:  # a route's API-only supply group stays empty unless a model is API-only
            by_layer[key[0]].append((key, g))
    out = []
    for layer in LAYERS:
        items = sorted(by_layer.get(layer, ()), key=lambda kg: (kg[0][1].value, kg[0][2], kg[0][3]))
        exps = []
        per_j: dict[str, dict[str, Any]] = {}
        all_refs: set[str] = set()
        all_files: set[str] = set()
        for (lay, kind, j, entity), g in items:
            # paths are in reference order (file, line, column) and, per reference, in route order
            exps.append(Exposure(layer=lay, kind=kind, jurisdiction=j, entity=entity, via=tuple(sorted(g.via)),
                                 paths=tuple(g.paths), confidence=g.conf, references=len(g.refs),
                                 regimes=tuple(r.id for r in regs(j, kind.value)),
                                 routes=tuple(_route(ep, tuple(keys)) for ep, keys in g.routes.values())))
            d = per_j.get(j)
            if d is None:
                d = per_j[j] = {"kinds": set(), "entities": set(), "refs": set(), "files": set()}
            d["kinds"].add(kind.value)
            d["entities"].add(entity)
            d["refs"] |= g.refs
            d["files"] |= g.files
            all_refs |= g.refs
            all_files |= g.files
        jurs = tuple(
            LayerJurisdiction(
                jurisdiction=j, kinds=tuple(sorted(d["kinds"])), entities=tuple(sorted(d["entities"])),
                references=len(d["refs"]), files=len(d["files"]),
                regimes=tuple(sorted({r for k in d["kinds"] for r in regs(j, k)})),
            )
            for j, d in sorted(per_j.items(), key=lambda kv: (-len(kv[1]["refs"]), kv[0]))
        )
        out.append(LayerAssessment(layer, jurs, tuple(exps), len(all_refs), len(all_files)))
    return tuple(out)


def _control(kb: KnowledgeBase, mid: str, info: dict[str, Any], prov: dict, countries: set[str]) -> ModelControl:
    p = prov.get(mid)
    lic = kb.license(p.license_id.value) if p is not None and p.license_id.known else None
    terms = tuple(sorted({c["kind"] for c in (lic.get("clauses") or [])})) if lic is not None else ()
    weights = p.weights.value if p else UNKNOWN
    if weights in _SELF_HOSTABLE:
        control, why = "self-hostable", f"weights are {weights}"
    elif weights == "api-only":
        control, why = "api-only", "weights are not published: only the provider can serve it"
    elif info["local_weights"]:
        control, why = "self-hostable", "the stack loads or serves its weights itself"
    else:
        control, why = UNKNOWN, "weights availability not established"
    return ModelControl(
        model_id=mid,
        control=control,
        weights=weights,
        deployment=tuple(sorted(info["deploy"])),
        origin=tuple(sorted(p.origin_lab.value.split(","))) if p and p.origin_lab.known else (),
        countries=tuple(sorted(countries)),
        license_id=p.license_id.value if p else UNKNOWN,
        license_class=p.license_class.value if p else UNKNOWN,
        lineage=_lineage(mid, prov),
        references=len(info["refs"]),
        status=p.status.value if p else UNKNOWN,
        reason=why,
        license_terms=terms,
    )


def _lineage(mid: str, prov: dict) -> tuple[LineageLink, ...]:
    out: list[LineageLink] = []
    seen = {mid}
    level = [mid]
    depth = 0
    while level:
        depth += 1
        nxt = []
        for child in level:
            p = prov.get(child)
            for h in p.parents if p else ():
                pp = prov.get(h.parent)
                out.append(LineageLink(depth, child, h.relation, h.parent, pp.country.value if pp else UNKNOWN))
                if h.parent not in seen:
                    seen.add(h.parent)
                    nxt.append(h.parent)
        level = sorted(nxt)
    return tuple(sorted(out))


# ------------------------------------------------------------------------------------------
# Plain-dict (JSON) form
# ------------------------------------------------------------------------------------------


def _route(p: ExposurePath, references: tuple[str, ...]) -> ExposureRoute:
    return ExposureRoute(p.nodes[1:], p.edges[1:], p.confidence, references, p.model, p.weights, p.license_class, p.depth)


def routes_of(paths: Iterable[ExposurePath]) -> tuple[ExposureRoute, ...]:
    """Paths grouped by the way they go from the referenced entity to the jurisdiction (and their
    confidence and model facts), in the order of their first reference; each route lists the
    references that take it. (The assessment builds an exposure's ``routes`` as it goes; this
    groups any other set of paths, e.g. a finding's.)"""
    out: dict[tuple, tuple[ExposurePath, dict[str, None]]] = {}
    for p in paths:
        key = (p.nodes[1:], p.edges[1:], p.confidence, p.model, p.weights, p.license_class, p.depth)
        seen = out.get(key)
        if seen is None:
            out[key] = (p, {p.fingerprint or f"{p.path}:{p.line}": None})
        else:
            seen[1][p.fingerprint or f"{p.path}:{p.line}"] = None
    return tuple(_route(p, tuple(keys)) for p, keys in out.values())


def route_to_dict(r: ExposureRoute) -> dict[str, Any]:
    d: dict[str, Any] = {"route": " ".join([r.nodes[0]] + [f"-{e}-> {n}" for e, n in zip(r.edges, r.nodes[1:])]),
                         "nodes": list(r.nodes), "edges": list(r.edges), "confidence": r.confidence}
    if r.model:
        d.update({"model": r.model, "weights": r.weights, "license_class": r.license_class, "lineage_depth": r.depth})
    d["references"] = list(r.references)
    return d


def routes_to_dicts(paths: Iterable[ExposurePath]) -> list[dict[str, Any]]:
    """JSON schema 2 ``routes`` of a set of paths: one record per route, listing the references
    that take it. Every reference's file and line are in the document's ``references``; writing
    them (and the shared rest of the route) once per reference made large scans' documents five
    times the size for nothing."""
    return [route_to_dict(r) for r in routes_of(paths)]


def regime_to_dict(r: Regime) -> dict[str, Any]:
    return {"jurisdiction": r.jurisdiction, "id": r.id, "name": r.name, "year": r.year, "kind": r.kind,
            "effect": r.effect, "applies_to": list(r.applies_to), "url": r.url}


def exposure_to_dict(e: Exposure) -> dict[str, Any]:
    return {"layer": e.layer.value, "kind": e.kind.value, "jurisdiction": e.jurisdiction, "entity": e.entity,
            "via": list(e.via), "confidence": e.confidence, "references": e.references, "regimes": list(e.regimes),
            "routes": [route_to_dict(r) for r in (e.routes or routes_of(e.paths))]}


def assessment_to_dict(a: Assessment, exposures: bool = True) -> dict[str, Any]:
    """``exposures=False`` leaves each layer's ``exposures`` empty (the JSON writer streams them)."""
    return {
        "layers": [
            {
                "layer": la.layer.value,
                "references": la.references,
                "files": la.files,
                "jurisdictions": [
                    {"jurisdiction": j.jurisdiction, "kinds": list(j.kinds), "entities": list(j.entities),
                     "references": j.references, "files": j.files, "regimes": [regime_to_dict(r) for r in j.regimes]}
                    for j in la.jurisdictions
                ],
                "exposures": [exposure_to_dict(e) for e in la.exposures] if exposures else [],
            }
            for la in a.layers
        ],
        "models": [
            {"model_id": m.model_id, "control": m.control, "weights": m.weights, "deployment": list(m.deployment),
             "origin": list(m.origin), "countries": list(m.countries), "license_id": m.license_id,
             "license_class": m.license_class, "license_terms": list(m.license_terms), "status": m.status,
             "references": m.references, "reason": m.reason,
             "lineage": [{"depth": x.depth, "child": x.child, "relation": x.relation, "parent": x.parent, "country": x.country}
                         for x in m.lineage]}
            for m in a.models
        ],
    }


__all__ = ["assess", "assess_scan", "regimes_for", "memberships", "assessment_to_dict", "exposure_to_dict", "routes_to_dicts"]


def assess_scan(result: ScanResult, kb: KnowledgeBase, graph: StackGraph | None = None) -> ScanResult:
    """The assess stage: the scan result with its ``assessment``."""
    from dataclasses import replace

    return replace(result, assessment=assess(result, kb, graph))
