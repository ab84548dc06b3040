"""Stage 5: exposure per layer, read off the dependency graph.

For every reference placed in the graph (a ``Use``), the routes from the node it names to the
jurisdiction nodes are followed -- only along edges that mean a dependency for that use:

* a model's lineage (``derived-from``) and its labs (``published-by``): **model** layer, supply;
* the provider that serves it (``served-by``), when its serving path is established and goes to an
  external provider: **inference-provider** layer, data (prompts go there) -- and supply as well
  when the model is API-only (the provider then controls its availability and terms); a
  self-hosted runtime (Ollama) is **software**, supply. A model whose serving path is not
  established has no such route: its name never implies its maker's API;
* the regions and clouds that host it (``hosted-in``), for self-hosted use and for a managed
  service's stated region: **cloud** layer; a region is a data exposure (where prompts are
  processed), its operating cloud both data (its law reaches the data) and supply;
* the hardware it runs on (``runs-on``): **hardware** layer, supply;
* packages: **software** layer, supply (their publisher); endpoints no rule attributes:
  inference-provider, data, jurisdiction unknown (or, in-cluster, the clouds that host them).

A route ends at the ``jurisdiction:`` node its subject is subject to; the legal orders that
jurisdiction belongs to (DE -> EU) are the exposure's ``orders``, with their regimes, not an
exposure of their own (one exposure, counted once). Regimes come from ``rules/`` jurisdictions,
filtered by ``applies_to`` against the exposure's kind.

Counts: a layer's ``references`` and ``files`` count that layer's own references (see
``LayerAssessment``); references of other layers that reach a jurisdiction through the layer (a
model hosted in a region) are its ``dependents``. With a home jurisdiction, every path says how it
stands to home (``HomeRelation``) and each layer gets the per-layer answer (``HomeLayer``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sovaudit.graph.build import (
    SCOPE_FACTOR,
    WEIGHT_FORMS,
    StackGraph,
    build_graph,
    gc_paused,
    jurisdiction_node,
    node_type,
)
from sovaudit.model import (
    DEFAULT_SCOPE,
    LAYERS,
    UNKNOWN,
    AccessLicense,
    Assessment,
    Control,
    EvidenceScope,
    Exposure,
    ExposureKind,
    ExposurePath,
    ExposureRoute,
    HomeItem,
    HomeLayer,
    HomeRelation,
    Kind,
    Layer,
    LayerAssessment,
    LayerJurisdiction,
    LineageLink,
    LineageStatus,
    ModelControl,
    Regime,
    ScanResult,
    ServingInfo,
    ServingRoute,
    WeightsAvailability,
)
from sovaudit.rules import KnowledgeBase

_DATA, _SUPPLY = ExposureKind.DATA, ExposureKind.SUPPLY
_SELF_HOSTABLE = ("downloadable", "gated")
_WEIGHTS = frozenset(w.value for w in WeightsAvailability)
#: Generations of lineage that routes and lineage links follow from a model (the resolver's
#: MAX_DEPTH): a chain of thousands of models named by each other stays linear per model.
LINEAGE_DEPTH = 10


@dataclass(frozen=True, slots=True)
class _Route:
    """A route from an entity node to a jurisdiction node (the entity is ``nodes[0]``)."""

    nodes: tuple[str, ...]
    edges: tuple[str, ...]
    layer: Layer
    kinds: tuple[ExposureKind, ...]
    subject: str  # the node that is subject to the jurisdiction
    lab_model: str  # the model whose lab the route reaches ("" when none)
    #: the region, cloud or hardware a self-hosted use runs in because its project unit names it
    #: ("" on every other route): such a route is counted on the host's exposure, not its own
    host: str = ""


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
    def jur_tails(self, j: str) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
        """(nodes, edges) that end a route at a jurisdiction node: the node itself. Its legal
        orders (member-of) are carried as the exposure's ``orders``, not as routes of their own:
        a German region is one exposure (DE, within EU), not two."""
        return (((j,), ()),)

    def classify(self, subject: str) -> tuple[Layer, tuple[ExposureKind, ...]]:
        hit = self._class.get(subject)
        if hit is not None:
            return hit
        t = node_type(subject)
        res: tuple[Layer, tuple[ExposureKind, ...]]
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
    def ends(self, prefix_nodes: tuple[str, ...], prefix_edges: tuple[str, ...], lab_model: str = "",
             host: str = "") -> list[_Route]:
        """Routes that end the prefix at the jurisdictions its last node is subject to."""
        subject = prefix_nodes[-1]
        layer, kinds = self.classify(subject)
        out = []
        for j in self.out(subject, "subject-to"):
            for nodes, edges in self.jur_tails(j):
                out.append(_Route(prefix_nodes + nodes, prefix_edges + ("subject-to",) + edges, layer, kinds, subject, lab_model,
                                  host))
        return out

    # -- routes per entity ----------------------------------------------------------------------------
    def host(self, h: str, pn: tuple[str, ...], pe: tuple[str, ...], hosted: bool = False) -> list[_Route]:
        mark = h if hosted else ""
        out = self.ends(pn, pe, host=mark)
        for c in self.out(h, "operated-by"):
            out += self.ends(pn + (c,), pe + ("operated-by",), host=mark)
        return out

    def hosting(self, n: str, unit: str = "", counted: bool = True) -> list[_Route]:
        """Where a self-hosted use of ``n`` runs: the regions, clouds and hardware of its own
        project unit (``StackGraph.unit_hosts``), never those of another project in the tree. With
        ``counted`` the routes are marked with their host: what the unit names is where each of its
        self-hosted models and runtimes runs, a fact of the unit, so each use is counted once on
        the host's exposure, not given an exposure per use and host (a unit naming m models and h
        hosts made m x h). A private endpoint's hosting is where its data goes, the only answer
        it has, and stays its own (``counted=False``)."""
        allowed = self.sg.hosting_of(unit)
        out: list[_Route] = []
        for h in self.out(n, "hosted-in"):
            if allowed is None or h in allowed[0]:
                out += self.host(h, (n, h), ("hosted-in",), hosted=counted)
        for hw in self.out(n, "runs-on"):
            if allowed is None or hw in allowed[1]:
                out += self.ends((n, hw), ("runs-on",), host=hw if counted else "")
        return out

    def lineage(self, m: str) -> tuple[_Route, ...]:
        """Model-layer routes: breadth-first over derived-from (shortest chain to each model), at
        most LINEAGE_DEPTH generations up; a lineage that goes on beyond ends at jurisdiction
        unknown (it is not followed, so it is not known)."""
        if m in self._lineage:
            return self._lineage[m]
        chains: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {m: ((m,), ())}
        order = [m]
        cut: list[str] = []
        i = 0
        while i < len(order):
            x = order[i]
            i += 1
            xn, xe = chains[x]
            parents = [p for key, targets in sorted(self.adj.get(x, {}).items()) if key == "derived-from" for p in targets]
            if len(xe) >= LINEAGE_DEPTH:
                if any(p not in chains for p in parents):
                    cut.append(x)
                continue
            for p in parents:
                if p not in chains:
                    chains[p] = (xn + (p,), xe + ("derived-from",))
                    order.append(p)
        out: list[_Route] = []
        for x in order:
            xn, xe = chains[x]
            for lab in self.out(x, "published-by"):
                out += self.ends(xn + (lab,), xe + ("published-by",), lab_model=x)
            out += self.ends(xn, xe)  # unknown origin: the model itself is subject to jurisdiction:unknown
        unknown = jurisdiction_node(UNKNOWN)
        if cut and unknown in self.attrs:
            layer, kinds = self.classify(m)
            for x in cut:
                xn, xe = chains[x]
                out.append(_Route(xn + (unknown,), xe + ("subject-to",), layer, kinds, x, ""))
        res = tuple(out)
        self._lineage[m] = res
        return res

    def hosting_key(self, entity: str, served_by: tuple[str, ...], self_hosted: bool, unit: str) -> Any:
        """What of ``unit`` the routes of a use depend on: the hosts of its unit, and only when the
        use can be hosted (a copy of a project is another unit with the same hosts)."""
        if self_hosted or served_by or node_type(entity) == "provider":
            return self.sg.hosting_of(unit)
        return None

    def routes(self, entity: str, served_by: tuple[str, ...], self_hosted: bool, region: str,
               unit: str = "") -> tuple[_Route, ...]:
        key = (entity, served_by, self_hosted, region, self.hosting_key(entity, served_by, self_hosted, unit))
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        t = node_type(entity)
        out: list[_Route] = []
        if t == "model":
            out += self.lineage(entity)
            if self_hosted:
                out += self.hosting(entity, unit)
            for p in served_by:
                out += self.ends((entity, p), ("served-by",))
                if self.attrs[p].get("kind") == "self-hosted":
                    out += [_prefix(r, entity, "served-by") for r in self.hosting(p, unit)]
                elif region:
                    out += self.host(region, (entity, p, region), ("served-by", "hosted-in"))
        elif t == "provider":
            out += self.ends((entity,), ())
            if self.attrs[entity].get("kind") == "self-hosted":
                out += self.hosting(entity, unit)
        elif t == "region":
            out += self.host(entity, (entity,), ())
        elif t == "endpoint":
            out += self.ends((entity,), ())
            if self_hosted:
                out += self.hosting(entity, unit, counted=False)
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
    return _Route((node,) + r.nodes, (edge,) + r.edges, r.layer, r.kinds, r.subject, r.lab_model, r.host)


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


def orders_of(codes: Iterable[str], kb: KnowledgeBase) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(code, its legal orders) for each of ``codes`` that belongs to one (``DE -> (EU,)``), sorted."""
    member = memberships(kb)
    return tuple((c, member[c]) for c in sorted(set(codes)) if member.get(c))


# ------------------------------------------------------------------------------------------
# The assessment
# ------------------------------------------------------------------------------------------


def _ref_key(ref) -> str:
    return ref.fingerprint or f"{ref.path}:{ref.line}:{ref.column}:{ref.kind.value}:{ref.id}"


class _Group:
    """Accumulates one exposure: (layer, kind, jurisdiction, entity)."""

    __slots__ = ("paths", "via", "refs", "own", "files", "own_files", "conf", "routes", "hosted", "hosted_entities")

    def __init__(self) -> None:
        self.paths: list[ExposurePath] = []
        #: (route id, confidence, model, serving, home, access) -> (a path that takes it, its references' keys)
        self.routes: dict[tuple, tuple[ExposurePath, dict[str, None]]] = {}
        self.via: set[str] = set()
        self.refs: set[str] = set()
        self.own: set[str] = set()  # the references of this layer among them
        self.files: set[str] = set()
        self.own_files: set[str] = set()
        self.conf = 0.0
        #: the references (and their entities) of self-hosted uses that run on this exposure's entity
        #: because their project unit names it (``_Route.host``)
        self.hosted: set[str] = set()
        self.hosted_entities: set[str] = set()


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
    layer: Layer
    kinds: tuple[ExposureKind, ...]
    serving: bool  # the route goes through the model's serving path (served-by, hosted-in, runs-on)
    hosted: bool  # a route to a host of the use's project unit: counted on the host's exposure (``groups``)


class _Home:
    """Where jurisdictions stand relative to the home jurisdiction (its members count as home)."""

    def __init__(self, home: str, orders: dict[str, tuple[str, ...]], nodes: dict[str, dict[str, Any]]):
        self.home = home
        self.orders = orders
        self.nodes = nodes

    def inside(self, j: str) -> bool:
        return j == self.home or self.home in self.orders.get(j, ())

    def relation(self, kind: ExposureKind, j: str, subject: str, region: str) -> str:
        if not self.home:
            return ""
        if j == UNKNOWN:
            return HomeRelation.UNKNOWN.value
        if self.inside(j):
            return HomeRelation.DOMESTIC.value
        if kind == _SUPPLY:
            return HomeRelation.FOREIGN.value
        t = node_type(subject)
        if t == "region":
            return HomeRelation.DATA_LEAVES.value
        if t == "cloud":
            return HomeRelation.FOREIGN_CONTROL.value  # its law reaches the data; where it is: the region's exposure
        # a provider or an endpoint processes the data: where it operates, unless a region is stated
        rc = self.nodes.get(region, {}).get("country", UNKNOWN) if region else UNKNOWN
        if rc != UNKNOWN and self.inside(rc):
            return HomeRelation.FOREIGN_CONTROL.value
        return HomeRelation.DATA_LEAVES.value


def _own_layers(use, nodes: dict[str, dict[str, Any]], w: _Walker) -> frozenset[Layer]:
    """The layers a reference itself belongs to (what per-layer counts count)."""
    t = node_type(use.entity)
    if t == "model":
        out = {Layer.MODEL}
        for sp in use.served_by:
            out.add(Layer.SOFTWARE if nodes[sp].get("kind") == "self-hosted" else Layer.INFERENCE)
        if use.region:
            out.add(Layer.CLOUD)
        return frozenset(out)
    if t == "package":
        return frozenset({Layer.SOFTWARE} | ({Layer.HARDWARE} if w.out(use.entity, "runs-on") else set()))
    return frozenset({w.classify(use.entity)[0]})


def assess(result: ScanResult, kb: KnowledgeBase, graph: StackGraph | None = None, home: str = "",
           home_source: str = "", scope: tuple[str, ...] = DEFAULT_SCOPE) -> Assessment:
    """Exposure per layer and control per model, for a resolved scan: of the references in
    ``scope`` (when ``graph`` is not given), judged against ``home`` when one is set."""
    sg = graph if graph is not None else build_graph(result, kb, scope)
    with gc_paused():
        return _assess(sg, kb, home, home_source)


def _assess(sg: StackGraph, kb: KnowledgeBase, home: str = "", home_source: str = "") -> Assessment:
    w = _Walker(sg, kb)
    prov = sg.provenance
    nodes = sg.nodes
    orders = memberships(kb)
    hm = _Home(home, orders, nodes)
    groups: dict[tuple, _Group] = defaultdict(_Group)
    model_info: dict[str, dict[str, Any]] = {}
    model_countries: dict[str, set[str]] = defaultdict(set)
    prepared: dict[tuple, tuple[_Prepared, ...]] = {}
    model_facts: dict[str, tuple[str, str, str, str, str]] = {}
    lab_conf: dict[str, float] = {}
    kind_of_sp: dict[str, str] = {}
    route_ids: dict[tuple, int] = {}
    home_items: dict[tuple, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))

    def prepare(use) -> tuple[_Prepared, ...]:
        key = (use.entity, use.served_by, use.self_hosted, use.region,
               w.hosting_key(use.entity, use.served_by, use.self_hosted, use.unit))
        hit = prepared.get(key)
        if hit is None:
            out = []
            for r in w.routes(use.entity, use.served_by, use.self_hosted, use.region, use.unit):
                j = r.nodes[-1].split(":", 1)[1]
                gs = tuple(groups[(r.layer, k, j, r.host or use.entity)] for k in r.kinds)
                for g in gs:
                    g.via.add(r.subject)
                api: tuple[_Group, ...] = ()
                if r.layer == Layer.INFERENCE and _SUPPLY not in r.kinds and not r.host:
                    api = gs + (groups[(r.layer, _SUPPLY, j, use.entity)],)
                    api[-1].via.add(r.subject)
                depth = r.edges.count("derived-from")
                rid = route_ids.setdefault((r.nodes, r.edges, depth), len(route_ids))
                serving = node_type(use.entity) == "model" and bool(r.edges) and r.edges[0] in ("served-by", "hosted-in", "runs-on")
                out.append(_Prepared(gs, api, r.nodes, ("references",) + r.edges, r.subject, depth,
                                     r.lab_model, j, r.layer == Layer.MODEL, rid, r.layer, r.kinds, serving, bool(r.host)))
            hit = prepared[key] = tuple(out)
        return hit

    def note_home(pr: _Prepared, kinds: Iterable[ExposureKind], is_own: bool, region: str, rk: str) -> None:
        """How a route stands to home, per exposure kind: its party, and the reference if its own."""
        for k in dict.fromkeys(kinds):
            rel = hm.relation(k, pr.jurisdiction, pr.subject, region)
            parties, refs_ = home_items[(pr.layer, rel, k.value, pr.jurisdiction)]
            parties.add(pr.subject)
            if is_own:
                refs_.add(rk)

    own_cache: dict[tuple, frozenset[Layer]] = {}
    for use in sg.uses:
        ref = use.ref
        rk = _ref_key(ref)
        is_model = ref.kind == Kind.MODEL
        weights, lclass, mid, lineage, access = "", "", "", "", ""
        scope_factor = 1.0
        if is_model:
            mid = ref.id
            facts = model_facts.get(mid)
            if facts is None:
                p = prov.get(mid)
                if p is None:
                    facts = (UNKNOWN, UNKNOWN, LineageStatus_NOT, UNKNOWN, UNKNOWN)
                else:
                    eff = p.effective_license_class.value if p.effective_license_class.known else p.license_class.value
                    facts = (p.weights.value, eff, p.lineage.value if p.lineage.known else LineageStatus_NOT,
                             p.effective_license.value if p.effective_license.known else p.license_id.value, UNKNOWN)
                model_facts[mid] = facts
            weights, lclass, lineage = facts[0], facts[1], facts[2]
            mi = model_info.get(mid)
            if mi is None:
                mi = model_info[mid] = {"refs": set(), "deploy": set(), "local_weights": False, "serving": defaultdict(set),
                                        "access": defaultdict(set)}
            mi["refs"].add(rk)
            external = []
            if use.self_hosted:
                mi["deploy"].add("self-hosted")
            for sp in use.served_by:
                k = kind_of_sp.get(sp)
                if k is None:
                    k = kind_of_sp[sp] = nodes[sp].get("kind", UNKNOWN)
                mi["deploy"].add("self-hosted" if k == "self-hosted" else sp)
                if k == "self-hosted":
                    mi["local_weights"] = True
                else:
                    external.append(sp)
                mi["serving"][(ServingRoute.PROVIDER.value, sp, use.scope, use.evidence)].add(rk)
            if use.self_hosted:
                mi["serving"][(ServingRoute.SELF_HOSTED.value, "", use.scope, use.evidence)].add(rk)
                if ref.form in WEIGHT_FORMS:
                    mi["local_weights"] = True
            if not use.served_by and not use.self_hosted:
                mi["serving"][(ServingRoute.NOT_ESTABLISHED.value, "", EvidenceScope.UNKNOWN.value, "")].add(rk)
            # the terms this reference's use is under: a provider's, or the weights' license
            if external and not use.self_hosted:
                access = ",".join(external)
                lclass = "service-terms" if any(x.startswith("provider:") for x in external) else UNKNOWN
                for sp in external:
                    mi["access"][sp].add(rk)
            elif ref.form == API_FORM and not use.served_by and not use.self_hosted:
                # a provider's API model id whose provider is not established here: the use is an API
                # call under that provider's terms, not the published weights' license
                access, lclass = API_ACCESS, UNKNOWN
                mi["access"][API_ACCESS].add(rk)
            else:
                access = "weights"
                mi["access"]["weights"].add(rk)
            scope_factor = SCOPE_FACTOR.get(use.scope, 1.0)
        api_only = weights == "api-only"
        base_conf = ref.confidence
        ctx = ref.context.value
        path_, line, fp = ref.path, ref.line, ref.fingerprint
        rkey = fp or f"{path_}:{line}"
        loc = (use.loc,)
        okey = (use.entity, use.served_by, use.region)
        own = own_cache.get(okey)
        if own is None:
            own = own_cache[okey] = _own_layers(use, nodes, w)
        for pr in prepare(use):
            if pr.hosted:
                for g in pr.groups:
                    g.hosted.add(rk)
                    g.hosted_entities.add(use.entity)
                if hm.home:
                    note_home(pr, (pr.kinds[0],), pr.layer in own, use.region, rk)
                continue
            conf = base_conf
            if pr.lab_model:
                f = lab_conf.get(pr.lab_model)
                if f is None:
                    f = lab_conf[pr.lab_model] = float(nodes[pr.lab_model].get("confidence", 0.0) or 0.0)
                conf = round(conf * f, 2)
            serving = ""
            if pr.serving:
                serving = use.scope
                conf = round(conf * scope_factor, 2)
            home_rel = hm.relation(pr.kinds[0], pr.jurisdiction, pr.subject, use.region) if hm.home else ""
            ep = ExposurePath(path_, line, loc + pr.nodes, pr.edges, fp, ctx, conf, mid, weights, lclass, pr.depth,
                              serving, lineage, home_rel, access)
            if pr.model_layer and is_model:
                model_countries[mid].add(pr.jurisdiction)
            route = (pr.rid, conf, mid, serving, home_rel, access, lclass)
            is_own = pr.layer in own
            targets = pr.api_groups if api_only and pr.api_groups else pr.groups
            for _gi, g in enumerate(targets):
                g.paths.append(ep)
                g.refs.add(rk)
                g.files.add(path_)
                if is_own:
                    g.own.add(rk)
                    g.own_files.add(path_)
                if conf > g.conf:
                    g.conf = conf
                seen = g.routes.get(route)
                if seen is None:
                    g.routes[route] = (ep, {rkey: None})
                else:
                    seen[1][rkey] = None
            if hm.home:
                note_home(pr, [pr.kinds[0]] if not (api_only and pr.api_groups) else list(pr.kinds) + [_SUPPLY], is_own,
                          use.region, rk)
    layers = _layers(kb, groups, orders)
    models = tuple(_control(kb, mid, info, prov, model_countries.get(mid, set()), nodes)
                   for mid, info in sorted(model_info.items()))
    home_layers = _home_layers(home_items, models) if hm.home else ()
    return Assessment(layers, models, tuple(sg.scope), tuple(sg.set_apart), home, home_source if home else "", home_layers,
                      assessed=True)


LineageStatus_NOT = "not-established"
#: the form of an API model id, and the access of a use of one whose provider is not established
API_FORM = "api"
API_ACCESS = "api"


def _layers(kb, groups: dict[tuple, _Group], orders: dict[str, tuple[str, ...]]) -> tuple[LayerAssessment, ...]:
    reg_cache: dict[tuple[str, str | None], tuple[Regime, ...]] = {}

    def regs(j: str, kind: str | None) -> tuple[Regime, ...]:
        if (j, kind) not in reg_cache:
            out = list(regimes_for(kb, j, kind))
            for o in orders.get(j, ()):
                out.extend(regimes_for(kb, o, kind))
            reg_cache[(j, kind)] = tuple(sorted(set(out)))
        return reg_cache[(j, kind)]

    by_layer: dict[Layer, list[tuple[tuple, _Group]]] = defaultdict(list)
    for key, g in groups.items():
        if g.paths or g.hosted:  # a route's API-only supply group stays empty unless a model is API-only
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
                                 routes=tuple(_route(ep, tuple(keys)) for ep, keys in g.routes.values()),
                                 orders=orders.get(j, ()), hosts=len(g.hosted),
                                 hosts_entities=tuple(sorted(g.hosted_entities))))
            d = per_j.get(j)
            if d is None:
                d = per_j[j] = {"kinds": set(), "entities": set(), "refs": set(), "own": set(), "files": set()}
            d["kinds"].add(kind.value)
            d["entities"].add(entity)
            d["refs"] |= g.refs
            d["refs"] |= g.hosted
            d["own"] |= g.own
            d["files"] |= g.own_files
            all_refs |= g.own
            all_files |= g.own_files
        jurs = tuple(
            LayerJurisdiction(
                jurisdiction=j, kinds=tuple(sorted(d["kinds"])), entities=tuple(sorted(d["entities"])),
                references=len(d["own"]), files=len(d["files"]),
                regimes=tuple(sorted({r for k in d["kinds"] for r in regs(j, k)})),
                orders=orders.get(j, ()), dependents=len(d["refs"] - d["own"]),
            )
            for j, d in sorted(per_j.items(), key=lambda kv: (-len(kv[1]["own"]), -len(kv[1]["refs"]), kv[0]))
        )
        out.append(LayerAssessment(layer, jurs, tuple(exps), len(all_refs), len(all_files)))
    return tuple(out)


def _home_layers(items: dict[tuple, tuple[set[str], set[str]]], models: tuple[ModelControl, ...]) -> tuple[HomeLayer, ...]:
    """The per-layer answer against home, from the relations of every path."""
    by: dict[tuple[Layer, str], dict[str, tuple[set[str], set[str]]]] = defaultdict(dict)
    for (layer, rel, _kind, j), (parties, refs) in items.items():
        bucket = {HomeRelation.DOMESTIC.value: "domestic", HomeRelation.UNKNOWN.value: "unknown",
                  HomeRelation.DATA_LEAVES.value: "data_leaves", HomeRelation.FOREIGN_CONTROL.value: "foreign_control",
                  HomeRelation.FOREIGN.value: "supply_abroad"}[rel]
        for name in {bucket, "foreign"} if rel not in (HomeRelation.DOMESTIC.value, HomeRelation.UNKNOWN.value) else {bucket}:
            cur = by[(layer, name)].setdefault(j, (set(), set()))
            cur[0].update(parties)
            cur[1].update(refs)

    def hitems(layer: Layer, name: str) -> tuple[HomeItem, ...]:
        d = by.get((layer, name), {})
        return tuple(HomeItem(j, tuple(sorted(ps)), len(rs)) for j, (ps, rs) in sorted(d.items()))

    api_only = tuple(m.model_id for m in models if m.control == "api-only")
    out = []
    for layer in LAYERS:
        self_hosted: tuple[str, ...] = ()
        not_est: tuple[str, ...] = ()
        api: tuple[str, ...] = ()
        if layer == Layer.MODEL:
            self_hosted = tuple(m.model_id for m in models if "self-hosted" in m.deployment)
            not_est = tuple(m.model_id for m in models if m.lineage_status == LineageStatus_NOT)
            api = api_only
        elif layer == Layer.INFERENCE:
            not_est = tuple(m.model_id for m in models
                            if any(s.route == ServingRoute.NOT_ESTABLISHED.value for s in m.serving))
            api = tuple(m.model_id for m in models if m.control == "api-only" and any(d.startswith("provider:") for d in m.deployment))
        out.append(HomeLayer(layer, hitems(layer, "domestic"), hitems(layer, "foreign"), hitems(layer, "unknown"),
                             hitems(layer, "data_leaves"), hitems(layer, "foreign_control"), hitems(layer, "supply_abroad"),
                             api, self_hosted, not_est))
    return tuple(out)


def _control(kb: KnowledgeBase, mid: str, info: dict[str, Any], prov: dict, countries: set[str],
             nodes: dict[str, dict[str, Any]]) -> ModelControl:
    p = prov.get(mid)
    eff_id = p.effective_license.value if p is not None and p.effective_license.known else (p.license_id.value if p else UNKNOWN)
    eff_class = (p.effective_license_class.value if p is not None and p.effective_license_class.known
                 else (p.license_class.value if p else UNKNOWN))
    lic = kb.license(eff_id) if eff_id != UNKNOWN else None
    terms = tuple(sorted({c["kind"] for c in (lic.get("clauses") or [])})) if lic is not None else ()
    weights = p.weights.value if p else UNKNOWN
    if weights in _SELF_HOSTABLE:
        control, why = Control.SELF_HOSTABLE, f"weights are {weights}"
    elif weights == "api-only":
        control, why = Control.API_ONLY, "weights are not published: only the provider can serve it"
    elif info["local_weights"]:
        control, why = Control.SELF_HOSTABLE, "the stack loads or serves its weights itself"
    else:
        control, why = Control.UNKNOWN, "weights availability not established"
    serving = tuple(sorted(ServingInfo(route, proc, scope, len(refs), ev) for (route, proc, scope, ev), refs in info["serving"].items()))
    inherited = ""
    if p is not None and p.effective_license.known:
        for e in p.effective_license.evidence:
            if e.source == "lineage" and e.detail.startswith("inherited from "):
                inherited = e.detail[len("inherited from "):].split(" ", 1)[0]
    licenses = []
    for access, refs in sorted(info["access"].items()):
        if access == "weights":
            url = lic.sources[0] if lic is not None and lic.sources else ""
            licenses.append(AccessLicense("weights", eff_id, eff_class, len(refs), url, inherited))
        elif access.startswith("provider:"):
            pe = kb.get("providers", access.split(":", 1)[1])
            t = (pe.get("terms") or {}) if pe is not None else {}
            licenses.append(AccessLicense(access, f"terms:{access.split(':', 1)[1]}", "service-terms", len(refs),
                                          t.get("url", ""), ""))
        else:
            licenses.append(AccessLicense(access, "terms:unknown", UNKNOWN, len(refs)))
    lineage = p.lineage.value if p is not None and p.lineage.known else LineageStatus_NOT
    lineage_reason = "; ".join(e.detail for e in p.lineage.evidence if e.source == "lineage") if p is not None else ""
    return ModelControl(
        model_id=mid,
        control=control,
        weights=WeightsAvailability(weights) if weights in _WEIGHTS else WeightsAvailability.UNKNOWN,
        deployment=tuple(sorted(info["deploy"])),
        origin=tuple(sorted(p.origin_lab.value.split(","))) if p and p.origin_lab.known else (),
        countries=tuple(sorted(countries)),
        license_id=p.license_id.value if p else UNKNOWN,
        license_class=eff_class,
        lineage=_lineage(mid, prov),
        references=len(info["refs"]),
        status=p.status if p else UNKNOWN,
        reason=why,
        license_terms=terms,
        serving=serving,
        licenses=tuple(licenses),
        lineage_status=LineageStatus(lineage),
        lineage_reason=lineage_reason if lineage != "established" else "",
    )


def _lineage(mid: str, prov: dict) -> tuple[LineageLink, ...]:
    """The links of a model's lineage, breadth first, at most LINEAGE_DEPTH generations up."""
    out: list[LineageLink] = []
    seen = {mid}
    level = [mid]
    depth = 0
    while level and depth < LINEAGE_DEPTH:
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
    return ExposureRoute(p.nodes[1:], p.edges[1:], p.confidence, references, p.model, p.weights, p.license_class, p.depth,
                         p.serving, p.lineage, p.home, p.access)


def routes_of(paths: Iterable[ExposurePath]) -> tuple[ExposureRoute, ...]:
    """Paths grouped by the way they go from the referenced entity to the jurisdiction (and their
    confidence and model facts), in the order of their first reference; each route lists the
    references that take it. (The assessment builds an exposure's ``routes`` as it goes; this
    groups any other set of paths, e.g. a finding's.)"""
    out: dict[tuple, tuple[ExposurePath, dict[str, None]]] = {}
    for p in paths:
        key = (p.nodes[1:], p.edges[1:], p.confidence, p.model, p.weights, p.license_class, p.depth, p.serving, p.lineage,
               p.home, p.access)
        seen = out.get(key)
        if seen is None:
            out[key] = (p, {p.fingerprint or f"{p.path}:{p.line}": None})
        else:
            seen[1][p.fingerprint or f"{p.path}:{p.line}"] = None
    return tuple(_route(p, tuple(keys)) for p, keys in out.values())


__all__ = ["assess", "assess_scan", "regimes_for", "memberships", "orders_of", "routes_of"]


def assess_scan(result: ScanResult, kb: KnowledgeBase, graph: StackGraph | None = None, home: str = "",
                home_source: str = "", scope: tuple[str, ...] = DEFAULT_SCOPE) -> ScanResult:
    """The assess stage: the scan result with its ``assessment``."""
    from dataclasses import replace

    return replace(result, assessment=assess(result, kb, graph, home, home_source, scope))
