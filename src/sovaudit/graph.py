"""Stage 4: the dependency graph of the stack (networkx ``MultiDiGraph``).

Typed nodes with deterministic ids::

    loc:service/app.py:12              a source location (file:line) holding references
    model:Qwen/Qwen2.5-7B-Instruct     a model, and every lineage ancestor
    lab:alibaba-qwen                   a publisher or origin lab
    provider:deepseek                  an inference provider (API endpoint owner, managed service)
    cloud:aws                          a cloud provider
    region:aws/eu-central-1            a cloud region (``region:unknown/NAME`` when no cloud says)
    hardware:nvidia                    a hardware (accelerator) vendor
    package:vllm                       a software package (``package:npm/NAME`` outside Python)
    endpoint:http://vllm.svc:8000/v1   an endpoint URL no rule attributes to a provider
    jurisdiction:CN                    a jurisdiction (ISO 3166-1 alpha-2, EU, or unknown)

Typed edges (the multigraph key is the type): ``references`` (location -> what it names),
``derived-from`` (model -> parent, with the hop ``relation``), ``published-by`` (model -> lab),
``served-by`` (model -> provider), ``hosted-in`` (model, provider or endpoint -> region or cloud),
``runs-on`` (-> hardware), ``operated-by`` (region -> cloud), ``subject-to`` (-> jurisdiction) and
``member-of`` (jurisdiction -> legal order, e.g. DE -> EU, from ``rules/`` jurisdictions).

Attribution rules (data first, never a guess across clouds):

* a model reference that names its provider (API client call, LiteLLM prefix, Bedrock id) is
  served by that provider; so is one whose provenance names the provider of an API-only family,
  and a bare name (no Hub id, no serving flag) of a model the scan otherwise only calls on APIs;
* a model a stack file declares ``via: self-hosted`` is self-hosted, and so is any other model
  reference: hosted in the regions (or, without a region, the
  clouds) the scan found and running on the hardware it found; a self-hosted runtime (Ollama)
  is itself hosted there;
* a region reference carries its cloud in ``provider``; with none, the region's country is unknown;
* providers, clouds, regions, hardware, packages and labs are subject to the jurisdiction of their
  ``country`` in the knowledge base; a jurisdiction that is ``member_of`` another is linked to it.

Comment-context references are not dependencies and stay out of the graph.
"""

from __future__ import annotations

import contextlib
import fnmatch
import gc
import ipaddress
import json
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Iterator
from urllib.parse import urlsplit


from sovaudit.model import UNKNOWN, Context, Kind, Provenance, Reference, ScanResult
from sovaudit.rules import Entry, KnowledgeBase

if TYPE_CHECKING:  # networkx is imported where a graph is built or exported, not at start-up (65 ms)
    import networkx as nx

NODE_TYPES = ("location", "model", "lab", "provider", "cloud", "region", "hardware", "package", "endpoint", "jurisdiction")
EDGE_TYPES = ("references", "derived-from", "published-by", "served-by", "hosted-in", "runs-on", "operated-by",
              "subject-to", "member-of")
FORMATS = ("json", "graphml", "dot")

#: Model forms that name downloadable weights (a Hub id, a Hub URI, a GGUF file).
WEIGHT_FORMS = frozenset({"hf", "hf-uri", "gguf"})
#: Forms that are a weights download even when a provider is named (``hf://`` -> huggingface).
_DOWNLOAD_FORMS = frozenset({"hf-uri", "gguf"})
UNKNOWN_JURISDICTION = f"jurisdiction:{UNKNOWN}"
_PRIVATE_SUFFIXES = (".svc", ".cluster.local", ".internal", ".local", ".lan", ".home.arpa", ".localdomain")


# ------------------------------------------------------------------------------------------
# Node ids
# ------------------------------------------------------------------------------------------


def loc_node(path: str, line: int, cell: int = 0) -> str:
    return f"loc:{path}:cell{cell}:{line}" if cell else f"loc:{path}:{line}"


def model_node(mid: str) -> str:
    return f"model:{mid}"


def lab_node(lid: str) -> str:
    return f"lab:{lid}"


def provider_node(pid: str) -> str:
    return f"provider:{pid}"


def cloud_node(cid: str) -> str:
    return f"cloud:{cid}"


def region_node(cloud: str, name: str) -> str:
    return f"region:{cloud or UNKNOWN}/{name}"


def hardware_node(hid: str) -> str:
    return f"hardware:{hid}"


def package_node(name: str, ecosystem: str = "python") -> str:
    return f"package:{name}" if ecosystem in ("", "python") else f"package:{ecosystem}/{name}"


def endpoint_node(url: str) -> str:
    return f"endpoint:{url}"


def jurisdiction_node(code: str) -> str:
    return f"jurisdiction:{code or UNKNOWN}"


def node_type(node: str) -> str:
    prefix = node.split(":", 1)[0]
    return "location" if prefix == "loc" else prefix


# ------------------------------------------------------------------------------------------
# What each reference is attributed to
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Use:
    """One reference placed in the graph: its location node, the node it names, and how it is
    served. ``served_by`` holds provider node ids; ``self_hosted`` says the model runs on the
    stack's own clouds and hardware; ``region`` is the region node of a managed service call."""

    ref: Reference
    loc: str
    entity: str
    served_by: tuple[str, ...] = ()
    self_hosted: bool = False
    region: str = ""


@dataclass
class StackGraph:
    """The graph and, per reference, its attribution (which the assessment follows).

    ``nodes`` and ``edges`` hold every node and edge but the ``loc:`` nodes and their
    ``references`` edges, which follow from ``uses``. The networkx graph ``g`` (with them) is built
    on first use -- by ``sovaudit graph`` and its exports; the assessment walks ``nodes`` and
    ``adjacency`` and never needs it, which spares a large scan a second copy of the graph (at
    100,000 files: about 120,000 location nodes)."""

    nodes: dict[str, dict[str, Any]]
    edges: dict[tuple[str, str, str], dict[str, Any]]
    uses: tuple[Use, ...]
    provenance: dict[str, Provenance] = field(default_factory=dict)
    hosts: tuple[str, ...] = ()  # region/cloud nodes that host self-hosted inference
    hardware: tuple[str, ...] = ()  # hardware nodes of the stack
    #: node -> edge type -> sorted targets: the graph's out-edges (``references`` aside), for fast walks
    adjacency: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    root: str = ""

    def out(self, node: str, etype: str) -> tuple[str, ...]:
        return self.adjacency.get(node, {}).get(etype, ())

    @cached_property
    def g(self) -> nx.MultiDiGraph:
        """The whole graph as a networkx ``MultiDiGraph`` (the multigraph key is the edge type)."""
        nodes = dict(self.nodes)
        edges = dict(self.edges)
        by_pair: dict[tuple[str, str], list[Reference]] = defaultdict(list)
        for use in self.uses:  # in reference order: a location's attributes are its first reference's
            if use.loc not in nodes:
                nodes[use.loc] = {"type": "location", "label": use.loc.split(":", 1)[1], "path": use.ref.path,
                                  "line": use.ref.line}
            by_pair[(use.loc, use.entity)].append(use.ref)
        for (loc, entity), rs in by_pair.items():
            edges[(loc, entity, "references")] = {
                "type": "references", "refs": len(rs),
                "fingerprints": ",".join(sorted({r.fingerprint for r in rs} - {""})),
                "contexts": ",".join(sorted({r.context.value for r in rs})),
            }
        import networkx as nx

        g = nx.MultiDiGraph(name="sovaudit", root=self.root)
        g.add_nodes_from((nid, nodes[nid]) for nid in sorted(nodes))
        for (u, v, key) in sorted(edges):
            g.add_edge(u, v, key=key, **edges[(u, v, key)])
        return g


def is_private_host(url: str) -> bool:
    """A host inside the deployment: localhost, cluster-internal names, private addresses."""
    try:
        host = (urlsplit(url if "//" in url else "//" + url).hostname or "").lower().rstrip(".")
    except ValueError:
        return False
    if not host:
        return False
    if host == "localhost" or host.endswith(_PRIVATE_SUFFIXES) or "." not in host:
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_private or ip.is_loopback or ip.is_link_local


def _declared_self_hosted(r: Reference) -> bool:
    """A stack file says so (``via: self-hosted``): no attribution rule second-guesses it."""
    return r.attribute("deployment") == "self-hosted"


class _Builder:
    def __init__(self, result: ScanResult, kb: KnowledgeBase):
        self.result = result
        self.kb = kb
        self.nodes: dict[str, dict[str, Any]] = {}
        self.edges: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.prov = {p.model_id: p for p in result.provenance}
        self._provider_cloud: dict[str, str] = {}

    # -- primitives ----------------------------------------------------------------------------
    def node(self, nid: str, **attrs: Any) -> str:
        cur = self.nodes.get(nid)
        if cur is None:
            cur = self.nodes[nid] = {"type": node_type(nid), "label": nid.split(":", 1)[1]}
        for k, v in attrs.items():
            if v is not None and v != "":
                cur.setdefault(k, v)
        return nid

    def edge(self, u: str, v: str, etype: str, **attrs: Any) -> None:
        key = etype if etype != "derived-from" else f"derived-from:{attrs.get('relation', 'base')}"
        cur = self.edges.setdefault((u, v, key), {"type": etype})
        for k, val in attrs.items():
            if val is not None and val != "":
                cur.setdefault(k, val)

    def subject_to(self, nid: str, country: str, evidence: str = "") -> None:
        self.edge(nid, self.jurisdiction(country), "subject-to", evidence=evidence)

    def jurisdiction(self, code: str, _seen: tuple[str, ...] = ()) -> str:
        code = code or UNKNOWN
        jid = jurisdiction_node(code)
        if jid in self.nodes:
            return jid
        entry = self.kb.get("jurisdictions", code) if code != UNKNOWN else None
        self.node(jid, name=entry.get("name", code) if entry else code)
        if entry is not None:
            for parent in sorted(entry.get("member_of", []) or []):
                if parent != code and parent not in _seen:
                    self.edge(jid, self.jurisdiction(parent, _seen + (code,)), "member-of", evidence=entry.rule_id)
        return jid

    # -- entities ------------------------------------------------------------------------------
    def provider(self, pid: str) -> str:
        nid = provider_node(pid)
        if nid in self.nodes:
            return nid
        e = self.kb.get("providers", pid)
        self.node(nid, name=e.get("name") if e else pid, kind=e.get("kind") if e else UNKNOWN,
                  country=e.get("country") if e else UNKNOWN)
        self.subject_to(nid, e.get("country", "") if e else "", e.rule_id if e else "")
        return nid

    def provider_kind(self, pid: str) -> str:
        e = self.kb.get("providers", pid)
        return e.get("kind", UNKNOWN) if e else UNKNOWN

    def cloud(self, cid: str) -> str:
        nid = cloud_node(cid)
        if nid in self.nodes:
            return nid
        e = self.kb.get("clouds", cid)
        self.node(nid, name=e.get("name") if e else cid, country=e.get("country") if e else UNKNOWN)
        self.subject_to(nid, e.get("country", "") if e else "", e.rule_id if e else "")
        return nid

    def region(self, cloud: str, name: str, stated_country: str = "") -> str:
        nid = region_node(cloud, name)
        if nid in self.nodes:
            return nid
        country, evidence = "", ""
        if cloud:
            r = self.kb.region(cloud, name)
            if r is not None:
                country, evidence = r["country"], f"clouds:{cloud}.regions"
            elif stated_country:
                country, evidence = stated_country, "reference"
        self.node(nid, cloud=cloud or UNKNOWN, name=name, country=country or UNKNOWN)
        self.subject_to(nid, country, evidence)
        if cloud:
            self.edge(nid, self.cloud(cloud), "operated-by")
        return nid

    def hardware(self, hid: str, accelerator: str = "") -> str:
        nid = hardware_node(hid)
        e = self.kb.get("hardware", hid)
        if nid not in self.nodes:
            self.node(nid, name=e.get("name") if e else hid, country=e.get("country") if e else UNKNOWN)
            self.nodes[nid]["accelerators"] = ""
            self.subject_to(nid, e.get("country", "") if e else "", e.rule_id if e else "")
        if accelerator:
            acc = set(filter(None, self.nodes[nid]["accelerators"].split(",")))
            acc.add(accelerator)
            self.nodes[nid]["accelerators"] = ",".join(sorted(acc))
        return nid

    def lab(self, lid: str, fallback_country: str = "") -> str:
        nid = lab_node(lid)
        if nid in self.nodes:
            return nid
        e = self.kb.get("labs", lid)
        country = e.get("country", "") if e else fallback_country
        self.node(nid, name=e.get("name") if e else lid, kind=e.get("kind") if e else UNKNOWN, country=country or UNKNOWN)
        self.subject_to(nid, country, e.rule_id if e else ("provenance" if country else ""))
        return nid

    def cloud_of_provider(self, pid: str) -> str:
        """The cloud that runs a managed model service, matched by host patterns in the kb."""
        if pid in self._provider_cloud:
            return self._provider_cloud[pid]
        found = ""
        p = self.kb.get("providers", pid)
        if p is not None and p.get("kind") == "cloud-ml":
            samples = [pat.replace("*", "x") for pat in p.get("host_patterns", [])]
            for c in self.kb.section("clouds"):
                if any(fnmatch.fnmatchcase(s.lower(), cp.lower()) for s in samples for cp in c.get("host_patterns", [])):
                    found = c.id
                    break
        self._provider_cloud[pid] = found
        return found

    # -- models --------------------------------------------------------------------------------
    def model(self, mid: str, _seen: set[str] | None = None) -> str:
        nid = model_node(mid)
        if nid in self.nodes:
            return nid
        p = self.prov.get(mid)
        self.node(nid, status=p.status.value if p else UNKNOWN, weights=p.weights.value if p else UNKNOWN,
                  license=p.license_id.value if p else UNKNOWN, license_class=p.license_class.value if p else UNKNOWN,
                  origin=p.origin_lab.value if p else UNKNOWN, country=p.country.value if p else UNKNOWN,
                  confidence=p.confidence if p else 0.0)
        if p is None:
            self.subject_to(nid, "", "")
            return nid
        has_lab = False
        if p.publisher.known:
            for lid in p.publisher.value.split(","):
                country = p.publisher_country.value if p.publisher_country.known and "," not in p.publisher.value else ""
                self.edge(nid, self.lab(lid, country), "published-by", basis="publisher")
                has_lab = True
        if not p.parents and p.origin_lab.known:
            inferred = p.status.value == "inferred"
            lids = p.origin_lab.value.split(",")
            for lid in lids:
                country = p.country.value if p.country.known and len(lids) == 1 else ""
                self.edge(nid, self.lab(lid, country), "published-by", basis="inferred" if inferred else "origin")
                has_lab = True
        for h in p.parents:
            self.edge(nid, self.model(h.parent), "derived-from", relation=h.relation)
        if not p.parents and not has_lab:
            self.subject_to(nid, "", "")
        return nid

    # -- the build -----------------------------------------------------------------------------
    def build(self) -> StackGraph:
        refs = [r for r in self.result.references if r.context != Context.COMMENT]
        hosts, hw = self._infrastructure(refs)
        api_only_ids = self._api_called_ids(refs)
        uses: list[Use] = []
        # what a reference is attributed to depends on what it says, not where it is: decide once
        # per distinct (kind, id, provider, form, attributes); the nodes and edges it adds are the same
        decided: dict[tuple, Use] = {}
        for r in sorted(refs, key=Reference.sort_key):
            key = (r.kind, r.id, r.provider, r.form, r.attributes)
            d = decided.get(key)
            if d is None:
                d = decided[key] = self._use(r, "", hosts, hw, api_only_ids)
            uses.append(Use(r, loc_node(r.path, r.line, r.cell), d.entity, d.served_by, d.self_hosted, d.region))
        for mid in sorted(self.prov):
            self.model(mid)
        adjacency: dict[str, dict[str, list[str]]] = {}
        for (u, v, key) in sorted(self.edges):
            targets = adjacency.setdefault(u, {}).setdefault(self.edges[(u, v, key)]["type"], [])
            if not targets or targets[-1] != v:
                targets.append(v)
        adj = {u: {t: tuple(vs) for t, vs in m.items()} for u, m in adjacency.items()}
        return StackGraph(self.nodes, self.edges, tuple(uses), dict(self.prov), tuple(sorted(hosts)), tuple(sorted(hw)),
                          adj, self.result.root)

    def _infrastructure(self, refs: list[Reference]) -> tuple[set[str], set[str]]:
        """Region and cloud nodes that host self-hosted inference, and the stack's hardware."""
        regions: set[str] = set()
        clouds: set[str] = set()
        region_clouds: set[str] = set()
        hardware: set[str] = set()
        for r in refs:
            if r.kind == Kind.CLOUD:
                if r.form == "region":
                    regions.add(self.region(r.provider, r.id, r.attribute("country")))
                    if r.provider:
                        region_clouds.add(r.provider)
                else:
                    clouds.add(self.cloud(r.provider or r.id))
            elif r.kind == Kind.HARDWARE:
                hardware.add(self.hardware(r.id, r.attribute("accelerator")))
            elif r.kind == Kind.PACKAGE:
                e = self._package_entry(r)
                if e is not None and e.section == "hardware":
                    hardware.add(self.hardware(e.id))
        hosts = regions | {c for c in clouds if c.split(":", 1)[1] not in region_clouds}
        return hosts, hardware

    def _api_called_ids(self, refs: list[Reference]) -> dict[str, tuple[str, ...]]:
        """Model ids the scan only ever calls on external APIs (no Hub id, no serving flag), with
        the providers it calls them on."""
        called: dict[str, set[str]] = defaultdict(set)
        local: set[str] = set()
        for r in refs:
            if r.kind != Kind.MODEL:
                continue
            p = self._served_provider(r)
            if p and self.provider_kind(p) != "self-hosted":
                called[r.id].add(p)
            elif p or r.form in WEIGHT_FORMS or r.attribute("flag") or _declared_self_hosted(r):
                local.add(r.id)
        return {mid: tuple(sorted(ps)) for mid, ps in called.items() if mid not in local}

    def _served_provider(self, r: Reference) -> str:
        """The provider a model reference is called on: the one named at that place (an API
        client, a LiteLLM prefix, a Bedrock id -- also for a Hub-shaped id given to an API
        client), never the Hub a ``hf://`` URI downloads from."""
        return r.provider if r.provider and r.form not in _DOWNLOAD_FORMS else ""

    def _package_entry(self, r: Reference) -> Entry | None:
        eco = r.attribute("ecosystem") or "python"
        e = self.kb.package(r.id, eco if eco in ("python", "npm") else "python")
        if e is not None:
            return e
        for section in ("software", "providers", "hardware"):
            for key in (r.provider, r.id):
                if key:
                    e = self.kb.get(section, key)
                    if e is not None:
                        return e
        image = r.attribute("image")
        if image:
            hits = self.kb.images(image)
            if hits:
                return hits[0]
        return None

    def _self_host(self, nid: str, hosts: set[str], hw: set[str]) -> None:
        for h in hosts:
            self.edge(nid, h, "hosted-in")
        for h in hw:
            self.edge(nid, h, "runs-on")

    def _use(self, r: Reference, loc: str, hosts: set[str], hw: set[str], api_only_ids: dict[str, tuple[str, ...]]) -> Use:
        if r.kind == Kind.MODEL:
            m = self.model(r.id)
            if _declared_self_hosted(r):
                self._self_host(m, hosts, hw)
                return Use(r, loc, m, (), True)
            pid = self._served_provider(r)
            p = self.prov.get(r.id)
            if not pid and p is not None and p.provider.known and r.form not in WEIGHT_FORMS:
                pid = p.provider.value
            if not pid and r.id in api_only_ids and r.form not in WEIGHT_FORMS and not r.attribute("flag"):
                pids = api_only_ids[r.id]
                for q in pids:
                    self.edge(m, self.provider(q), "served-by")
                return Use(r, loc, m, tuple(provider_node(q) for q in pids))
            if pid:
                prov_n = self.provider(pid)
                self.edge(m, prov_n, "served-by")
                region = ""
                if self.provider_kind(pid) == "self-hosted":
                    self._self_host(prov_n, hosts, hw)
                elif r.attribute("region"):
                    cloud = self.cloud_of_provider(pid)
                    if cloud:
                        region = self.region(cloud, r.attribute("region"))
                        self.edge(prov_n, region, "hosted-in")
                return Use(r, loc, m, (prov_n,), False, region)
            self._self_host(m, hosts, hw)
            return Use(r, loc, m, (), True)
        if r.kind == Kind.ENDPOINT:
            if r.provider:
                prov_n = self.provider(r.provider)
                if self.provider_kind(r.provider) == "self-hosted":
                    self._self_host(prov_n, hosts, hw)
                return Use(r, loc, prov_n)
            e = self.node(endpoint_node(r.id), url=r.id, private=is_private_host(r.id))
            if is_private_host(r.id):
                self._self_host(e, hosts, hw)
                return Use(r, loc, e, (), True)
            self.subject_to(e, "", "")
            return Use(r, loc, e)
        if r.kind == Kind.CLOUD:
            if r.form == "region":
                return Use(r, loc, self.region(r.provider, r.id, r.attribute("country")))
            return Use(r, loc, self.cloud(r.provider or r.id))
        if r.kind == Kind.HARDWARE:
            return Use(r, loc, self.hardware(r.id, r.attribute("accelerator")))
        # packages
        eco = r.attribute("ecosystem") or "python"
        nid = package_node(r.id, eco)
        e = self._package_entry(r)
        self.node(nid, name=r.id, ecosystem=eco, entry=e.rule_id if e else UNKNOWN,
                  country=e.get("country", UNKNOWN) if e else UNKNOWN)
        self.subject_to(nid, e.get("country", "") if e else "", e.rule_id if e else "")
        if e is not None and e.section == "hardware":
            self.edge(nid, self.hardware(e.id), "runs-on")
        return Use(r, loc, nid)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building large acyclic structures (hundreds of
    thousands of tuples and frozen dataclasses): otherwise every full collection walks them all
    again, which more than doubles the time. Restores the previous state."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def build_graph(result: ScanResult, kb: KnowledgeBase) -> StackGraph:
    """The typed dependency graph of a resolved scan. Deterministic: nodes and edges sorted."""
    with gc_paused():
        return _Builder(result, kb).build()


# ------------------------------------------------------------------------------------------
# Export
# ------------------------------------------------------------------------------------------


def _plain(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy whose attributes are all str/int/float/bool (what GraphML can carry)."""
    import networkx as nx

    h = nx.MultiDiGraph()
    h.graph.update({k: str(v) for k, v in sorted(g.graph.items())})
    for n in sorted(g.nodes):
        d = g.nodes[n]
        h.add_node(n, **{k: d[k] if isinstance(d[k], (str, int, float, bool)) else str(d[k]) for k in sorted(d)})
    for u, v, k in sorted(g.edges(keys=True)):
        d = g.edges[u, v, k]
        h.add_edge(u, v, key=k, **{a: d[a] if isinstance(d[a], (str, int, float, bool)) else str(d[a]) for a in sorted(d)})
    return h


def to_json(g: nx.MultiDiGraph) -> str:
    import networkx as nx

    data = nx.node_link_data(_plain(g), edges="links")
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def to_graphml(g: nx.MultiDiGraph) -> str:
    import networkx as nx

    return "\n".join(nx.generate_graphml(_plain(g), prettyprint=True)) + "\n"


def _dot_quote(s: Any) -> str:
    text = str(s)
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "\\r").replace("\n", "\\n")
    return f'"{out}"'


def _dot_attrs(d: dict[str, Any]) -> str:
    return ", ".join(f"{_dot_quote(k)}={_dot_quote(v)}" for k, v in sorted(d.items()))


_DOT_SHAPES = {"location": "note", "model": "box", "lab": "house", "provider": "component", "cloud": "box3d",
               "region": "tab", "hardware": "cds", "package": "folder", "endpoint": "cds", "jurisdiction": "doubleoctagon"}


def to_dot(g: nx.MultiDiGraph) -> str:
    """GraphViz DOT, written here (no pydot), every id and value quoted and escaped."""
    lines = [f"digraph {_dot_quote(g.graph.get('name', 'sovaudit'))} {{", '  rankdir="LR";']
    for n in sorted(g.nodes):
        d = dict(g.nodes[n])
        d.setdefault("shape", _DOT_SHAPES.get(d.get("type", ""), "ellipse"))
        lines.append(f"  {_dot_quote(n)} [{_dot_attrs(d)}];")
    for u, v, k in sorted(g.edges(keys=True)):
        d = dict(g.edges[u, v, k])
        d.setdefault("label", k)
        lines.append(f"  {_dot_quote(u)} -> {_dot_quote(v)} [{_dot_attrs(d)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def export(g: nx.MultiDiGraph, fmt: str) -> str:
    if fmt == "json":
        return to_json(g)
    if fmt == "graphml":
        return to_graphml(g)
    if fmt == "dot":
        return to_dot(g)
    raise ValueError(f"unknown graph format {fmt!r} (available: {', '.join(FORMATS)})")


__all__ = ["build_graph", "StackGraph", "Use", "export", "FORMATS", "NODE_TYPES", "EDGE_TYPES", "is_private_host",
           "loc_node", "model_node", "lab_node", "provider_node", "cloud_node", "region_node", "hardware_node",
           "package_node", "endpoint_node", "jurisdiction_node", "node_type"]
