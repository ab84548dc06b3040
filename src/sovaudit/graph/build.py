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

Attribution rules: a model's serving path comes from evidence, the nearest first, never from its name.

* **At the reference** (``Reference.provider`` with ``provider_scope`` string, call or object; the
  ``served_by=self-hosted`` attribute; a serving command's model flag; a base URL beside it): an API
  client, a LiteLLM or OpenRouter prefix, a Bedrock id, a managed service's region, a local or
  in-cluster URL. A provider the detector derived from the model's name alone (a bare API family
  name, no client, URL or prefix at that place) is not evidence: ``deepseek-chat`` is also served by
  re-hosts.
* **In the same file**: its endpoints (a provider's host or key variable, a private URL), a serving
  command, an in-process runtime imported there (for Hub ids) -- when they all say the same.
* **In the repository**: the serving paths established above for the same model id (and a name a
  self-hosted server serves under ``--served-model-name``).
* Otherwise the serving path is **not established**: the model is on the model layer (its supply)
  and on no inference, cloud or hardware route. A stack file's ``via`` is declared.

A model served by an external provider is ``served-by`` that provider (a re-host -- Ark, Bedrock,
Vertex, OpenRouter, Together -- is the processor; the lab stays the supplier on the model layer); a
managed service's stated region is where it is ``hosted-in``. A self-hosted model (and a private
endpoint, and a self-hosted runtime such as Ollama) is hosted in the regions (or, without a region,
the clouds) the scan found and runs on the hardware it found. API-only weights are never taken as
self-hosted.

* a region reference carries its cloud in ``provider``; with none, the region's country is unknown;
  one of a parameter's allowed values (attribute ``choice``) is a use of its cloud, not of the region;
* providers, clouds, regions, hardware and labs are subject to the jurisdiction of their ``country``
  in the knowledge base; a package to its publisher's (rules/packages.yaml, or the software or
  hardware entry that owns it; a provider's client library with no publisher entry: unknown), with
  a ``connects-to`` edge to the provider it talks to; a jurisdiction that is ``member_of`` another
  is linked to it.

Which references enter the graph (``select_references``): those in the scopes asked for (default
code and config); documentation and tests are set apart, and a documentation file identical to
another one reference for reference is counted once. Endpoints on RFC 2606 test domains or on
hosts that serve no model (rules/hosts.yaml) are not data flows and are set apart.
Comment-context references are not dependencies and stay out of the graph.
"""

from __future__ import annotations

import contextlib
import fnmatch
import gc
import ipaddress
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sovaudit.model import (
    DEFAULT_SCOPE,
    UNKNOWN,
    Context,
    EvidenceScope,
    Kind,
    Provenance,
    Reference,
    ScanResult,
    Scope,
    ServingRoute,
    SetApart,
)
from sovaudit.rules import Entry, KnowledgeBase, normalise_package
from sovaudit.walk.units import ROOT, UnitIndex

if TYPE_CHECKING:  # networkx is imported where a graph is built or exported, not at start-up (65 ms)
    import networkx as nx

NODE_TYPES = ("location", "model", "lab", "provider", "cloud", "region", "hardware", "package", "endpoint", "jurisdiction")
EDGE_TYPES = ("references", "derived-from", "published-by", "served-by", "hosted-in", "runs-on", "operated-by",
              "subject-to", "member-of", "connects-to")
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
    served. ``served_by`` holds the provider (or endpoint) nodes that process its data;
    ``self_hosted`` says the model runs on the stack's own clouds and hardware; ``region`` is the
    region node of a managed service call. ``scope`` (an ``EvidenceScope`` value) says how near the
    evidence of that serving path is and ``evidence`` where it is (``path:line``, "" for the
    reference itself); a model reference with neither ``served_by`` nor ``self_hosted`` has no
    established serving path (``scope`` unknown)."""

    ref: Reference
    loc: str
    entity: str
    served_by: tuple[str, ...] = ()
    self_hosted: bool = False
    region: str = ""
    scope: str = ""
    evidence: str = ""
    unit: str = ""  # the project unit of the reference (``walk.units``): whose clouds and hardware it takes

    @property
    def route(self) -> str:
        """The ``ServingRoute`` of a model reference ("" for other references)."""
        if self.ref.kind != Kind.MODEL:
            return ""
        if self.served_by:
            return ServingRoute.PROVIDER.value
        return ServingRoute.SELF_HOSTED.value if self.self_hosted else ServingRoute.NOT_ESTABLISHED.value


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
    scope: tuple[str, ...] = DEFAULT_SCOPE  # the scopes whose references are in the graph
    set_apart: tuple[SetApart, ...] = ()  # references left out, and why
    #: unit -> (region/cloud nodes, hardware nodes) a self-hosted use in that unit is hosted in and
    #: runs on: its own unit's and the root's (shared) ones. Empty: the tree is one unit.
    unit_hosts: dict[str, tuple[frozenset[str], frozenset[str]]] = field(default_factory=dict)

    def hosting_of(self, unit: str) -> tuple[frozenset[str], frozenset[str]] | None:
        """What a self-hosted use in ``unit`` may be hosted in and run on (None: anything found)."""
        return self.unit_hosts.get(unit) if self.unit_hosts else None

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


# ------------------------------------------------------------------------------------------
# Which references are assessed (--scope), and which are not data flows
# ------------------------------------------------------------------------------------------

def scope_of(r: Reference, kb: KnowledgeBase) -> str:
    """The ``Scope`` a reference belongs to: tests (a test folder or test file), docs (prose,
    docstrings, Markdown/reStructuredText files, a docs folder), else code or config by its context.
    The folder and file conventions are data (``KnowledgeBase.path_scope``)."""
    by_path = kb.path_scope(r.path)
    if by_path == Scope.TESTS.value:
        return by_path
    if by_path or r.context == Context.DOCS:
        return Scope.DOCS.value
    return Scope.CONFIG.value if r.context == Context.CONFIG else Scope.CODE.value


def _apart(reason: str, refs: list[Reference]) -> SetApart:
    ids = sorted({r.id for r in refs})
    return SetApart(reason, len(refs), len({r.path for r in refs}), tuple(ids[:20]), max(0, len(ids) - 20))


def select_references(result: ScanResult, kb: KnowledgeBase,
                      scope: tuple[str, ...] = DEFAULT_SCOPE) -> tuple[list[Reference], tuple[SetApart, ...]]:
    """The references the graph is built from, and those set apart with the reason.

    Comments are never dependencies (dropped, not counted). An endpoint on a reserved test domain
    or a host that serves no model (a link to a repository, a model library page) is not a data
    flow, whatever provider its host belongs to. A documentation file whose references are
    those of another documentation file with the same name, at the same places, is a copy (a
    versioned docs tree): counted once. Of the rest, references outside ``scope`` are set apart
    under their scope (docs, tests)."""
    wanted = set(scope)
    keep: list[Reference] = []
    apart: dict[str, list[Reference]] = defaultdict(list)
    docs: dict[str, list[Reference]] = defaultdict(list)
    for r in result.references:
        if r.context == Context.COMMENT:
            continue
        if r.kind == Kind.ENDPOINT and (not r.provider or "://" in r.id):
            host = kb.host_entry(r.id)
            if host is not None:
                apart["reserved-domain" if host.get("kind") == "reserved" else "non-inference-host"].append(r)
                continue
        sc = scope_of(r, kb)
        if sc == Scope.DOCS.value:
            docs[r.path].append(r)
        elif sc in wanted:
            keep.append(r)
        else:
            apart[sc].append(r)
    seen: dict[tuple, str] = {}
    for path in sorted(docs):
        rs = docs[path]
        sig = (path.rsplit("/", 1)[-1], tuple(sorted((r.line, r.column, r.kind.value, r.id, r.text) for r in rs)))
        if sig in seen:
            apart["docs-copy"].extend(rs)
        else:
            seen[sig] = path
            if Scope.DOCS.value in wanted:
                keep.extend(rs)
            else:
                apart[Scope.DOCS.value].extend(rs)
    order = ("docs", "tests", "docs-copy", "reserved-domain", "non-inference-host")
    return keep, tuple(_apart(reason, apart[reason]) for reason in order if apart.get(reason))


@dataclass(frozen=True, slots=True)
class _Serving:
    """A serving path found for a model reference: the providers (provider ids, or ``endpoint:``
    node ids) that process its data and/or self-hosting, how near the evidence is, where it is."""

    providers: tuple[str, ...] = ()
    self_hosted: bool = False
    scope: str = EvidenceScope.UNKNOWN.value
    evidence: str = ""
    region: str = ""

    def key(self) -> tuple:
        return (self.providers, self.self_hosted)


#: Evidence scopes from nearest to farthest, and how much a serving path found at each is trusted
#: (multiplies the reference's confidence on the routes through it).
SCOPE_ORDER = ("declared", "string", "call", "object", "file", "repository")
SCOPE_FACTOR = {"declared": 1.0, "string": 1.0, "call": 1.0, "object": 0.95, "file": 0.85, "repository": 0.75}
#: Attributes a detector writes when something at the reference (not its name) says where it goes.
_PLACE_EVIDENCE = ("base_url", "base_url_expr", "sdk", "client", "litellm_prefix", "model_provider", "via", "provider_scope",
                   "served_by", "region")


#: Cloud reference forms that name a service the code calls (a service host, a credential
#: variable, an SDK, a storage URI), not a place the stack is deployed: never where a self-hosted
#: model runs. Resource types, node labels, instance types and provider blocks are, and regions
#: where a deployment description names them (``_deployment_region``).
CALL_FORMS = frozenset({"host", "env", "sdk", "storage"})
#: Contexts whose regions configure a client or are commented out, unless the file is IaC code.
_NOT_DEPLOYMENT = frozenset({Context.CODE, Context.COMMENT})
#: Forms of a cloud reference that declare infrastructure (IaC resource types, Terraform blocks).
IAC_FORMS = frozenset({"resource-type", "resource", "provider"})


def _deployment_region(r: Reference, iac_code: set[str], scripts: tuple[str, ...]) -> bool:
    """Whether a region reference says where the stack is deployed: not the region of a service
    the code calls (a label of a called host name, a client's region_name, an S3 bucket's region
    in application code) nor one in a comment; IaC in a programming language (a file with resource
    types: Pulumi, CDK) and deployment scripts (``scripts``: their extensions) do deploy."""
    if r.attribute("host") or r.attribute("choice"):
        return False  # a host name's region, or one a template lets the deployer choose
    return r.context not in _NOT_DEPLOYMENT or r.path in iac_code or r.path.lower().endswith(scripts)


class _Builder:
    def __init__(self, result: ScanResult, kb: KnowledgeBase):
        self.result = result
        self.kb = kb
        self.nodes: dict[str, dict[str, Any]] = {}
        self.edges: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.prov = {p.model_id: p for p in result.provenance}
        self.units = UnitIndex(result.units)
        self._provider_cloud: dict[str, str] = {}
        self._family_provider: dict[str, str] = {}

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
        elif stated_country:
            # the cloud is not established, but every cloud with a region of this name puts it in one
            # country (the detector's reading of rules/clouds.yaml): where the data is, not whose law
            # runs the region
            country, evidence = stated_country, "clouds:*.regions (every cloud with this region name)"
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
    def model(self, mid: str) -> str:
        """The node of a model, its labs and, depth first, its whole lineage. Iterative: a chain of
        thousands of models, or models that name each other (a lineage cycle), cannot exhaust the
        stack; each model is visited once."""
        nid = model_node(mid)
        todo = [mid]
        while todo:
            m = todo.pop()
            if model_node(m) in self.nodes:
                continue
            parents = self._model_node(m)
            todo.extend(reversed(parents))  # the first parent next: the order of a recursive walk
        return nid

    def _model_node(self, mid: str) -> tuple[str, ...]:
        """One model's node, its labs and its edges to its parents; the parents, to visit next."""
        nid = model_node(mid)
        p = self.prov.get(mid)
        self.node(nid, status=p.status.value if p else UNKNOWN, weights=p.weights.value if p else UNKNOWN,
                  license=p.license_id.value if p else UNKNOWN, license_class=p.license_class.value if p else UNKNOWN,
                  origin=p.origin_lab.value if p else UNKNOWN, country=p.country.value if p else UNKNOWN,
                  confidence=p.confidence if p else 0.0)
        if p is None:
            self.subject_to(nid, "", "")
            return ()
        has_lab = False
        if p.publisher.known:
            basis = "inferred" if all(e.source == "name" for e in p.publisher.evidence) else "publisher"
            for lid in p.publisher.value.split(","):
                country = p.publisher_country.value if p.publisher_country.known and "," not in p.publisher.value else ""
                self.edge(nid, self.lab(lid, country), "published-by", basis=basis)
                has_lab = True
        if not p.parents and p.origin_lab.known:
            inferred = p.status.value == "inferred"
            lids = p.origin_lab.value.split(",")
            for lid in lids:
                country = p.country.value if p.country.known and len(lids) == 1 else ""
                self.edge(nid, self.lab(lid, country), "published-by", basis="inferred" if inferred else "origin")
                has_lab = True
        for h in p.parents:
            self.edge(nid, model_node(h.parent), "derived-from", relation=h.relation)
        if not p.parents and not has_lab:
            self.subject_to(nid, "", "")
        return tuple(h.parent for h in p.parents)

    # -- the build -----------------------------------------------------------------------------
    def build(self, scope: tuple[str, ...] = DEFAULT_SCOPE) -> StackGraph:
        refs, set_apart = select_references(self.result, self.kb, scope)
        refs.sort(key=Reference.sort_key)
        per_unit = self._infrastructure(refs)
        hosts = {h for hs, _ in per_unit.values() for h in hs}
        hw = {h for _, hs in per_unit.values() for h in hs}
        shared = per_unit.get(ROOT, (set(), set()))
        unit_hosts: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        if len(self.units):
            for u in sorted(set(self.units.units) | {ROOT}):
                own = per_unit.get(u, (set(), set()))
                unit_hosts[u] = (frozenset(own[0] | shared[0]), frozenset(own[1] | shared[1]))
        servings = self._servings(refs)
        uses: list[Use] = []
        # what a reference is attributed to depends on what it says, how it is served and (for its
        # clouds and hardware) its project unit, not on where it is: decide once per distinct case
        decided: dict[tuple, Use] = {}
        for r in refs:
            sv = servings.get(id(r))
            unit = self.units.of(r.path) if len(self.units) else ROOT
            key = (r.kind, r.id, r.provider, r.form, r.attributes, sv, unit)
            d = decided.get(key)
            if d is None:
                uh, uw = unit_hosts.get(unit, (hosts, hw))
                d = decided[key] = self._use(r, "", set(uh), set(uw), sv)
            uses.append(Use(r, loc_node(r.path, r.line, r.cell), d.entity, d.served_by, d.self_hosted, d.region, d.scope,
                            d.evidence, unit))
        for mid in sorted(self.prov):
            self.model(mid)
        adjacency: dict[str, dict[str, list[str]]] = {}
        for (u, v, etype) in sorted(self.edges):
            targets = adjacency.setdefault(u, {}).setdefault(self.edges[(u, v, etype)]["type"], [])
            if not targets or targets[-1] != v:
                targets.append(v)
        adj = {u: {t: tuple(vs) for t, vs in m.items()} for u, m in adjacency.items()}
        return StackGraph(self.nodes, self.edges, tuple(uses), dict(self.prov), tuple(sorted(hosts)), tuple(sorted(hw)),
                          adj, self.result.root, tuple(scope), set_apart, unit_hosts)

    def _infrastructure(self, refs: list[Reference]) -> dict[str, tuple[set[str], set[str]]]:
        """Per project unit, the region and cloud nodes that host self-hosted inference and the
        hardware it runs on (a cloud whose regions the unit names is hosted in through them)."""
        regions: dict[str, set[str]] = defaultdict(set)
        clouds: dict[str, set[str]] = defaultdict(set)
        region_clouds: dict[str, set[str]] = defaultdict(set)
        hardware: dict[str, set[str]] = defaultdict(set)
        units: set[str] = set()
        # files that describe infrastructure in a programming language (Pulumi, CDK): their regions
        # are where things are deployed; elsewhere in source code a region configures a client
        iac_code = {r.path for r in refs if r.kind == Kind.CLOUD and r.form in IAC_FORMS}
        ck = self.kb.get("detection", "cloud-keys")
        scripts = tuple(x.lower() for x in ((ck.get("deployment_script_extensions") or ()) if ck is not None else ()))
        for r in refs:
            u = self.units.of(r.path) if len(self.units) else ROOT
            if r.kind == Kind.CLOUD:
                if r.form in CALL_FORMS:
                    continue  # the code calls the cloud's service: where the stack runs, it does not say
                if r.form == "region" and not _deployment_region(r, iac_code, scripts):
                    continue
                units.add(u)
                if r.form == "region":
                    regions[u].add(self.region(r.provider, r.id, r.attribute("country")))
                    if r.provider:
                        region_clouds[u].add(r.provider)
                else:
                    clouds[u].add(self.cloud(r.provider or r.id))
            elif r.kind == Kind.HARDWARE:
                units.add(u)
                hardware[u].add(self.hardware(r.id, r.attribute("accelerator")))
            elif r.kind == Kind.PACKAGE:
                for e in self._package_entries(r):
                    if e.section == "hardware":
                        units.add(u)
                        hardware[u].add(self.hardware(e.id))
                        break
        return {u: (regions[u] | {c for c in clouds[u] if c.split(":", 1)[1] not in region_clouds[u]}, hardware[u])
                for u in units}

    # -- serving paths: the nearest evidence wins ------------------------------------------------
    def _served_provider(self, r: Reference) -> str:
        """The provider a model reference is called on: the one named at that place (an API
        client, a LiteLLM prefix, a Bedrock id -- also for a Hub-shaped id given to an API
        client), never the Hub a ``hf://`` URI downloads from."""
        return r.provider if r.provider and r.form not in _DOWNLOAD_FORMS else ""

    def _name_only(self, r: Reference) -> bool:
        """Did the detector take the provider from the model's name alone? A bare API family name
        (``deepseek-chat``, ``glm-4.6``) with its family's first-party provider and nothing at the
        place that names a client, URL, prefix or scope. Such a provider says who *makes* the
        model, not who serves this call: re-hosts serve the same names."""
        if r.form != "api" or any(r.attribute(k) for k in _PLACE_EVIDENCE):
            return False
        fam = self._family_provider.get(r.id)
        if fam is None:
            e = self.kb.api_model(r.id)
            fam = self._family_provider[r.id] = e.get("provider", "") if e is not None else ""
        return bool(fam) and fam == r.provider

    def _serves(self, providers: tuple[str, ...], mid: str) -> bool:
        """Can these providers serve the model under this id? A first-party model API serves its
        own family's names only (the OpenAI API serves no Hub id and no Claude); routers, hosts
        and clouds serve others' models."""
        for pid in providers:
            prov = self.kb.get("providers", pid)
            if prov is not None and prov.get("kind") == "model-api":
                fam = self.kb.api_model(mid)
                if fam is None or fam.get("provider") != pid:
                    return False
        return True

    def _api_only(self, mid: str) -> bool:
        p = self.prov.get(mid)
        return p is not None and p.weights.value == "api-only"

    def _serving_command(self, words: str) -> bool:
        """Does the command start a model server or runtime of the stack's own (``vllm serve``)?"""
        if not words:
            return False
        e = self.kb.software_for_command(words)
        return e is not None and e.get("kind") in ("serving", "runtime")

    def _url_serving(self, url: str, scope: str, evidence: str) -> _Serving | None:
        """Where a URL sends the data: a provider, the stack itself, or an endpoint nobody names;
        None for a test domain or a host that serves no model."""
        if self.kb.host_entry(url) is not None:  # a test domain, a link to code or to a model page
            return None
        prov = self.kb.provider_for_url(url)
        if prov is not None:
            return _Serving((prov.id,), False, scope, evidence)
        if is_private_host(url):
            return _Serving((), True, scope, evidence)
        return _Serving((endpoint_node(url),), False, scope, evidence)

    def _place_serving(self, r: Reference) -> _Serving | None:
        """The serving path the reference's own place states, if any (a declared "not
        established" is a serving with neither providers nor self-hosting: final)."""
        if _declared_self_hosted(r):
            return _Serving((), True, EvidenceScope.DECLARED.value)
        if r.attribute("deployment") == ServingRoute.NOT_ESTABLISHED.value:
            return _Serving((), False, EvidenceScope.DECLARED.value)
        if r.attribute("via") == "endpoint" and r.attribute("base_url"):
            return self._url_serving(r.attribute("base_url"), EvidenceScope.DECLARED.value, "") or \
                _Serving((), False, EvidenceScope.DECLARED.value)
        if r.attribute("via") and r.provider:
            return _Serving((r.provider,), False, EvidenceScope.DECLARED.value, "", r.attribute("region"))
        scope = r.attribute("provider_scope") or EvidenceScope.CALL.value
        if scope not in SCOPE_ORDER[1:4]:
            scope = EvidenceScope.CALL.value
        if r.attribute("served_by") == ServingRoute.SELF_HOSTED.value and not self._api_only(r.id):
            return _Serving((), True, scope)
        pid = self._served_provider(r)
        if pid and not self._name_only(r):
            if not r.attribute("provider_scope") and r.form in ("litellm", "bedrock"):
                scope = EvidenceScope.STRING.value
            return _Serving((pid,), False, scope, "", r.attribute("region"))
        if (r.attribute("flag") or self._serving_command(r.attribute("command"))) and not self._api_only(r.id):
            return _Serving((), True, EvidenceScope.CALL.value)  # a serving command's model argument
        url = r.attribute("base_url")
        if url:
            sv = self._url_serving(url, EvidenceScope.CALL.value, "")
            if sv is not None and not (sv.self_hosted and self._api_only(r.id)):
                return sv
        return None

    def _file_evidence(self, refs: list[Reference]) -> dict[str, list[tuple[_Serving, bool]]]:
        """Per file, the serving paths its own lines state: (serving, applies to Hub ids only)."""
        out: dict[str, list[tuple[_Serving, bool]]] = defaultdict(list)
        for r in refs:
            where = f"{r.path}:{r.line}"
            if r.kind == Kind.ENDPOINT:
                if r.provider:
                    out[r.path].append((_Serving((r.provider,), False, EvidenceScope.FILE.value, where), False))
                else:
                    sv = self._url_serving(r.id, EvidenceScope.FILE.value, where)
                    if sv is not None:
                        out[r.path].append((sv, False))
            elif r.kind == Kind.PACKAGE:
                for e in self._package_entries(r):
                    if e.section != "software":
                        continue
                    if r.form in ("command", "image") and e.get("kind") in ("serving", "runtime"):
                        out[r.path].append((_Serving((), True, EvidenceScope.FILE.value, where), False))
                    elif r.form == "import" and e.get("kind") in ("serving", "runtime", "framework"):
                        out[r.path].append((_Serving((), True, EvidenceScope.FILE.value, where), True))
                    break
        return out

    def _servings(self, refs: list[Reference]) -> dict[int, _Serving]:
        """The serving path of every model reference (by ``id(ref)``) that has one: its place,
        else its file (when everything there agrees, or when the provider its name belongs to is
        one the file calls), else the same model elsewhere in the tree."""
        out: dict[int, _Serving] = {}
        models = [r for r in refs if r.kind == Kind.MODEL]
        files = self._file_evidence(refs)
        pending: list[Reference] = []
        placed: dict[tuple, _Serving | None] = {}  # what a place says depends on the reference, not its line
        for r in models:
            pkey = (r.id, r.provider, r.form, r.attributes)
            if pkey in placed:
                sv = placed[pkey]
            else:
                sv = placed[pkey] = self._place_serving(r)
            if sv is None:
                options: dict[tuple, _Serving] = {}
                for cand, weights_only in files.get(r.path, ()):
                    if weights_only and r.form not in WEIGHT_FORMS:
                        continue
                    if not self._serves(cand.providers, r.id):
                        continue
                    if cand.self_hosted and self._api_only(r.id):
                        continue
                    options.setdefault(cand.key(), cand)
                named = r.attribute("family_provider") or (self._served_provider(r) if self._name_only(r) else "")
                if named and ((named,), False) in options:
                    # the provider the name belongs to is one the file calls: the name picks it
                    # among the file's serving paths (never implies it on its own)
                    sv = options[((named,), False)]
                elif len(options) == 1:
                    sv = next(iter(options.values()))
            if sv is not None:
                if sv.providers or sv.self_hosted:
                    out[id(r)] = sv
            else:
                pending.append(r)
        # the repository (the reference's own project unit, and the tree's shared root): what the
        # same model id (or a name a self-hosted server serves) is served by
        by_id: dict[tuple[str, str], dict[tuple, _Serving]] = defaultdict(dict)
        split = len(self.units) > 0
        for r in models:
            sv = out.get(id(r))
            if sv is None:
                continue
            where = sv.evidence or f"{r.path}:{r.line}"
            rep = _Serving(sv.providers, sv.self_hosted, EvidenceScope.REPOSITORY.value, where, sv.region)
            u = self.units.of(r.path) if split else ROOT
            by_id[(u, r.id)].setdefault(sv.key(), rep)
            served = r.attribute("served_name")
            if served and sv.self_hosted:
                by_id[(u, served)].setdefault(sv.key(), rep)
        for r in pending:
            u = self.units.of(r.path) if split else ROOT
            found = dict(by_id.get((u, r.id), {}))
            if u != ROOT:
                for k, c in by_id.get((ROOT, r.id), {}).items():
                    found.setdefault(k, c)
            if not found:
                continue
            cands = [c for c in found.values() if not (c.self_hosted and self._api_only(r.id))]
            if not cands:
                continue
            providers = tuple(sorted({p for c in cands for p in c.providers}))
            evidence = sorted(c.evidence for c in cands)[0]
            regions = {c.region for c in cands}
            out[id(r)] = _Serving(providers, any(c.self_hosted for c in cands), EvidenceScope.REPOSITORY.value, evidence,
                                  regions.pop() if len(regions) == 1 else "")
        return out

    # -- packages -----------------------------------------------------------------------------
    def _package_entries(self, r: Reference) -> list[Entry]:
        """The software, hardware and provider entries a package reference names (in that order)."""
        eco = r.attribute("ecosystem") or "python"
        eco = eco if eco in ("python", "npm") else "python"
        key = "python_packages" if eco == "python" else "npm_packages"
        norm = normalise_package if eco == "python" else str.lower
        out: list[Entry] = []
        for section in ("software", "hardware", "providers"):
            e = self.kb._index(section, key, norm).get(norm(r.id))
            if e is None:
                for k in (r.provider, r.id):
                    if k and self.kb.get(section, k) is not None:
                        e = self.kb.get(section, k)
                        break
            if e is not None and e not in out:
                out.append(e)
        image = r.attribute("image")
        if image:
            for e in self.kb.images(image):
                if e not in out:
                    out.append(e)
        return out

    def _package_publisher(self, r: Reference, entries: list[Entry]) -> tuple[str, str, str]:
        """(publisher name, country, rule) of a package: rules/packages.yaml, else the owner of the
        software or hardware entry it belongs to; ("", "", "") when not established."""
        eco = r.attribute("ecosystem") or "python"
        pub = self.kb.package_publisher(r.id, eco)
        if pub is not None:
            return pub.get("publisher"), pub.get("country"), pub.rule_id
        for e in entries:
            if e.section in ("software", "hardware"):
                return e.get("owner") or e.get("vendor") or e.get("name"), e.get("country", ""), e.rule_id
        return "", "", ""

    def _self_host(self, nid: str, hosts: set[str], hw: set[str]) -> None:
        for h in hosts:
            self.edge(nid, h, "hosted-in")
        for h in hw:
            self.edge(nid, h, "runs-on")

    def _use(self, r: Reference, loc: str, hosts: set[str], hw: set[str], sv: _Serving | None) -> Use:
        if r.kind == Kind.MODEL:
            m = self.model(r.id)
            if sv is None:
                return Use(r, loc, m, (), False, "", EvidenceScope.UNKNOWN.value, "")
            served: list[str] = []
            region = ""
            for pid in sv.providers:
                if pid.startswith("endpoint:"):
                    e = self.node(pid, url=pid.split(":", 1)[1], private=False)
                    self.subject_to(e, "", "")
                    self.edge(m, e, "served-by")
                    served.append(e)
                    continue
                prov_n = self.provider(pid)
                self.edge(m, prov_n, "served-by")
                served.append(prov_n)
                if self.provider_kind(pid) == "self-hosted":
                    self._self_host(prov_n, hosts, hw)
                elif sv.region:
                    cloud = self.cloud_of_provider(pid)
                    if cloud:
                        region = self.region(cloud, sv.region)
                        self.edge(prov_n, region, "hosted-in")
            if sv.self_hosted:
                self._self_host(m, hosts, hw)
            return Use(r, loc, m, tuple(served), sv.self_hosted, region, sv.scope, sv.evidence)
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
            if r.form == "region" and r.attribute("choice"):
                # one of a parameter's allowed values: the cloud is established, the region (and so
                # the country the data goes to) is the deployer's choice
                return Use(r, loc, self.cloud(r.provider or UNKNOWN))
            if r.form == "region":
                return Use(r, loc, self.region(r.provider, r.id, r.attribute("country")))
            return Use(r, loc, self.cloud(r.provider or r.id))
        if r.kind == Kind.HARDWARE:
            return Use(r, loc, self.hardware(r.id, r.attribute("accelerator")))
        # packages: subject to their publisher; what they connect to is a separate edge
        eco = r.attribute("ecosystem") or "python"
        nid = package_node(r.id, eco)
        entries = self._package_entries(r)
        publisher, country, rule = self._package_publisher(r, entries)
        self.node(nid, name=r.id, ecosystem=eco, entry=rule or UNKNOWN, publisher=publisher or UNKNOWN,
                  country=country or UNKNOWN)
        self.subject_to(nid, country, rule)
        for entry in entries:
            if entry.section == "hardware":
                self.edge(nid, self.hardware(entry.id), "runs-on")
            elif entry.section == "providers":
                self.edge(nid, self.provider(entry.id), "connects-to")
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


def build_graph(result: ScanResult, kb: KnowledgeBase, scope: tuple[str, ...] = DEFAULT_SCOPE) -> StackGraph:
    """The typed dependency graph of a resolved scan, of the references in ``scope``.
    Deterministic: nodes and edges sorted."""
    with gc_paused():
        return _Builder(result, kb).build(tuple(scope))


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


__all__ = ["build_graph", "select_references", "scope_of", "StackGraph", "Use", "export", "FORMATS", "NODE_TYPES", "EDGE_TYPES", "is_private_host",
           "loc_node", "model_node", "lab_node", "provider_node", "cloud_node", "region_node", "hardware_node",
           "package_node", "endpoint_node", "jurisdiction_node", "node_type"]
