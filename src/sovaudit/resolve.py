"""Stage 3: resolve every model reference to a ``Provenance`` with lineage.

Sources, in order: local artifacts in the scanned tree (references their detectors found, with
file:line), the knowledge base in ``rules/`` (rule id + source URL), then the Hugging Face Hub
through ``huggingface_hub`` (field + retrieval time). Every fact carries its evidence. Conflicts
between sources are kept, never silently resolved. Nothing is invented: a model that cannot be
placed is ``unresolved`` (or ``unverified`` when the Hub could not be asked) with the reason; a
name-based guess is allowed only as ``inferred``, with low confidence and its reason.
"""

from __future__ import annotations

import concurrent.futures as cf
import re
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Iterable

from sovaudit.hub import HubClient, HubRecord, endpoint
from sovaudit.model import (
    UNKNOWN,
    Conflict,
    Evidence,
    Fact,
    Kind,
    LineageHop,
    Provenance,
    Reference,
    ScanResult,
    Status,
    WeightsAvailability,
)
from sovaudit.rules import Entry, KnowledgeBase

#: Hub tag relations (base_model:<relation>:<id>) mapped to our hop types.
_HOP = {"finetune": "finetune", "quantized": "quantized", "adapter": "adapter", "merge": "merge", "distillation": "distillation"}
_HF_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")
_BEDROCK_PROFILE = re.compile(r"^(?:us|eu|apac|us-gov|global|jp|au|ca)\.", re.I)
_REPUBLISHER_KINDS = {"republisher", "community", "individual", "consortium"}
MAX_DEPTH = 10
#: Hub look-ups in flight at once (bounded: polite to the Hub, fast enough at ~100 ms a request).
HUB_CONCURRENCY = 16


def _rule_ev(e: Entry, field_: str = "") -> Evidence:
    return Evidence("rules", e.rule_id + (f".{field_}" if field_ else ""), e.sources[0] if e.sources else "")


def _country(lab: Entry) -> Fact:
    """A lab's country, or the unknown fact when the knowledge base deliberately leaves it out
    (re-publishers and community accounts whose country is not public)."""
    return Fact(lab.get("country"), (_rule_ev(lab, "country"),)) if lab.get("country") else Fact()


def _hub_ev(rec: HubRecord, field_: str) -> Evidence:
    return Evidence("hub", field_, f"{endpoint()}/{rec.repo_id}", rec.fetched_at)


@dataclass
class _Draft:
    """Mutable working state for one model id; frozen into a Provenance at the end."""

    model_id: str
    publisher: Fact = Fact()
    publisher_country: Fact = Fact()
    publisher_kind: str = ""
    license_id: Fact = Fact()
    license_class: Fact = Fact()
    weights: Fact = Fact()
    provider: Fact = Fact()
    parents: tuple[LineageHop, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    direct_lab: Fact = Fact()  # origin lab stated directly (API family), not via lineage
    inferred_lab: Fact = Fact()
    inferred_reason: str = ""
    hub_status: str = ""
    hub_detail: str = ""
    details: tuple[tuple[str, str], ...] = ()


class Resolver:
    def __init__(self, kb: KnowledgeBase, client: HubClient, max_workers: int = HUB_CONCURRENCY):
        self.kb = kb
        self.client = client
        self.max_workers = max(1, max_workers)

    # -- knowledge-base look-ups -----------------------------------------------------------------
    def find_lab(self, name: str) -> Entry | None:
        if not name:
            return None
        lab = self.kb.get("labs", name) or self.kb.lab_for_namespace(name)
        if lab is not None:
            return lab
        low = name.lower()
        for e in self.kb.section("labs"):
            if any(a.lower() == low for a in e.get("aliases", [])):
                return e
        return None

    def infer_lab(self, model_id: str) -> tuple[Entry, str] | None:
        """A guess from the model's name (its family), for marked ``inferred`` facts only."""
        name = model_id.rsplit("/", 1)[-1].lower()
        tokens = re.split(r"[/_\-.: ]+", name)
        best: tuple[int, Entry, str] | None = None
        for lab in self.kb.section("labs"):
            if lab.get("kind") in _REPUBLISHER_KINDS:
                continue
            for fam in lab.get("families", []):
                f = fam.lower()
                if name.startswith(f) or any(t.startswith(f) for t in tokens if t):
                    if best is None or len(f) > best[0]:
                        best = (len(f), lab, fam)
        if best is None:
            return None
        return best[1], f"name contains the {best[2]!r} family of {best[1].get('name')}"

    def _license(self, d: _Draft, lid: str, ev: Evidence) -> None:
        d.license_id = Fact(lid, (ev,))
        lic = self.kb.license(lid)
        if lic is not None:
            d.license_class = Fact(lic.get("class"), (_rule_ev(lic, "class"),))

    # -- per-id drafting --------------------------------------------------------------------------
    def _api_family(self, d: _Draft, name: str) -> bool:
        am = self.kb.api_model(name)
        bedrock_vendor = ""
        if am is None and "." in name and "/" not in name:
            stripped = _BEDROCK_PROFILE.sub("", name)
            if "." in stripped:
                bedrock_vendor, rest = stripped.split(".", 1)
                am = self.kb.api_model(rest)
        if am is None:
            return False
        lab = self.kb.get("labs", am.get("lab", ""))
        d.direct_lab = Fact(lab.id if lab else am.get("lab"), (_rule_ev(am, "lab"),))
        prov = self.kb.get("providers", "bedrock") if bedrock_vendor else self.kb.get("providers", am.get("provider", ""))
        if prov is not None:
            d.provider = Fact(prov.id, (_rule_ev(am if not bedrock_vendor else prov),))
        if lab is not None:
            d.publisher = Fact(lab.id, (_rule_ev(am, "lab"),))
            d.publisher_country = _country(lab)
            d.publisher_kind = lab.get("kind", "")
        d.weights = Fact(am.get("weights"), (_rule_ev(am, "weights"),))
        if am.get("license"):
            self._license(d, am.get("license"), _rule_ev(am, "license"))
        extra = [("api_family", am.id)]
        if am.get("open_weights"):
            extra.append(("open_weights", ",".join(am.get("open_weights"))))
        if am.get("task"):
            extra.append(("task", am.get("task")))
        d.details = tuple(sorted(set(d.details) | set(extra)))
        return True

    def _from_catalog(self, d: _Draft) -> None:
        """License and weights the Hub, the API family and local artifacts left unknown, from the
        model's capability entry (rules/models.yaml): offline scans still learn them."""
        e = self.kb.catalog_model(d.model_id)
        if e is None:
            return
        if not d.license_id.known and e.get("license"):
            self._license(d, e.get("license"), _rule_ev(e, "license"))
        if not d.weights.known and e.get("weights"):
            d.weights = Fact(e.get("weights"), (_rule_ev(e, "weights"),))

    def _from_namespace(self, d: _Draft) -> None:
        ns = d.model_id.split("/", 1)[0]
        lab = self.kb.lab_for_namespace(ns)
        if lab is not None:
            d.publisher = Fact(lab.id, (_rule_ev(lab, "hf_namespaces"),))
            d.publisher_country = _country(lab)
            d.publisher_kind = lab.get("kind", "")

    def _from_hub(self, d: _Draft, rec: HubRecord) -> None:
        d.hub_status, d.hub_detail = rec.status, rec.detail
        if rec.status == "gated":
            d.weights = Fact(WeightsAvailability.GATED.value, (Evidence("hub", "gated", f"{endpoint()}/{rec.repo_id}", rec.fetched_at),))
            return
        if rec.status != "ok":
            return
        if rec.author and not d.publisher.known:
            lab = self.kb.lab_for_namespace(rec.author)
            if lab is not None:
                d.publisher = Fact(lab.id, (_hub_ev(rec, "author"), _rule_ev(lab, "hf_namespaces")))
                d.publisher_country = _country(lab)
                d.publisher_kind = lab.get("kind", "")
        d.weights = Fact(WeightsAvailability.GATED.value if rec.gated else WeightsAvailability.DOWNLOADABLE.value, (_hub_ev(rec, "gated"),))
        card_lic = rec.license
        tag_lics = [t for t in rec.license_tags if t]
        if card_lic:
            self._license(d, card_lic, _hub_ev(rec, "cardData.license"))
        elif tag_lics:
            self._license(d, tag_lics[0], _hub_ev(rec, "tags:license"))
        if card_lic and tag_lics and card_lic not in tag_lics:
            d.conflicts += (Conflict("license", (Fact(card_lic, (_hub_ev(rec, "cardData.license"),)),
                                                 Fact(",".join(tag_lics), (_hub_ev(rec, "tags:license"),))),
                                     "the model card and the Hub tags name different licenses"),)
        hops: dict[str, LineageHop] = {}
        for rel, parent in rec.base_model_tags:
            if parent == d.model_id:
                continue
            hops[parent] = LineageHop(parent, _HOP.get(rel, rel), (_hub_ev(rec, f"tags:base_model:{rel}"),))
        for parent in rec.card_base_models:
            if parent and parent != d.model_id and parent not in hops:
                hops[parent] = LineageHop(parent, "base", (_hub_ev(rec, "cardData.base_model"),))
        d.parents = tuple(sorted(set(d.parents) | set(hops.values()), key=lambda h: h.parent))
        extra = [("sha", rec.sha)] if rec.sha else []
        if rec.pipeline_tag:
            extra.append(("pipeline_tag", rec.pipeline_tag))
        if rec.parameters:
            extra.append(("parameters", str(rec.parameters)))
        if rec.library:
            extra.append(("library", rec.library))
        d.details = tuple(sorted(set(d.details) | set(extra)))

    def _from_artifacts(self, d: _Draft, refs: list[Reference]) -> None:
        """Facts that local files state about this id: license, base models, served weights."""
        for r in refs:
            ev = Evidence("artifact", f"{r.path}:{r.line}")
            lic = r.attribute("license")
            if lic:
                if d.license_id.known and d.license_id.value.lower() != lic.lower():
                    d.conflicts += (Conflict("license", (d.license_id, Fact(lic, (ev,))),
                                             f"{r.path} states a different license"),)
                elif not d.license_id.known:
                    self._license(d, lic, ev)
            for key in ("base_model", "base_models"):
                for parent in filter(None, (p.strip() for p in r.attribute(key).split(","))):
                    if parent == d.model_id:
                        continue
                    rel = r.attribute("relation") if r.attribute("relation") in _HOP.values() else "base"
                    known = [h for h in d.parents if h.parent == parent]
                    if known:  # the same hop from the Hub: keep its (more specific) relation, add this evidence
                        h = known[0]
                        merged = LineageHop(parent, h.relation if h.relation != "base" else rel, (ev,) + tuple(e for e in h.evidence if e != ev))
                        d.parents = tuple(merged if x is h else x for x in d.parents)
                    else:
                        d.parents += (LineageHop(parent, rel, (ev,)),)

    def _card_conflicts(self, d: _Draft, refs: list[Reference]) -> None:
        """A base model stated in a local card/artifact but absent from Hub metadata is shown."""
        stated = {h.parent for h in d.parents if any(e.source == "hub" for e in h.evidence)}
        for h in d.parents:
            if stated and h.parent not in stated and all(e.source == "artifact" for e in h.evidence):
                d.conflicts += (Conflict("lineage", (Fact(h.parent, h.evidence),), "a local file names a base model the Hub metadata does not"),)

    # -- the chain ---------------------------------------------------------------------------------
    def resolve(self, ids: Iterable[str], artifacts: dict[str, list[Reference]] | None = None) -> tuple[Provenance, ...]:
        artifacts = artifacts or {}
        drafts: dict[str, _Draft] = {}
        level = sorted(set(i for i in ids if i))
        depth = 0
        with cf.ThreadPoolExecutor(max_workers=self.max_workers) as pool:
            while level and depth <= MAX_DEPTH:
                hub_ids = [i for i in level if _HF_ID.match(i) and self.kb.api_model(i) is None]
                records = dict(zip(hub_ids, pool.map(self.client.fetch, hub_ids)))
                nxt: set[str] = set()
                for mid in level:
                    d = _Draft(mid)
                    if not self._api_family(d, mid):
                        if "/" in mid:
                            self._from_namespace(d)
                        if mid in records:
                            self._from_hub(d, records[mid])
                    self._from_artifacts(d, artifacts.get(mid, []))
                    self._card_conflicts(d, artifacts.get(mid, []))
                    self._from_catalog(d)
                    if not d.direct_lab.known:
                        guess = self.infer_lab(mid)
                        if guess is not None:
                            d.inferred_lab = Fact(guess[0].id, (Evidence("name", guess[1], guess[0].sources[0] if guess[0].sources else ""),))
                            d.inferred_reason = guess[1]
                    drafts[mid] = d
                    nxt.update(h.parent for h in d.parents if h.parent not in drafts)
                level = sorted(nxt - set(drafts))
                depth += 1
        return tuple(self._finish(mid, drafts) for mid in sorted(drafts))

    def _roots(self, mid: str, drafts: dict[str, _Draft], path: tuple[str, ...] = ()) -> tuple[set[str], list[str]]:
        """Root ancestors of ``mid`` and any lineage cycles met on the way."""
        if mid in path:
            return set(), [" -> ".join(path + (mid,))]
        d = drafts.get(mid)
        if d is None or not d.parents:
            return {mid}, []
        roots: set[str] = set()
        cycles: list[str] = []
        for h in d.parents:
            r, c = self._roots(h.parent, drafts, path + (mid,))
            roots |= r
            cycles += c
        return (roots or {mid}), cycles

    def _origin_of_root(self, d: _Draft) -> tuple[Fact, bool]:
        """The lab that made a root model's weights; (fact, inferred?)."""
        if d.direct_lab.known:
            return d.direct_lab, False
        if d.publisher.known and d.publisher_kind not in _REPUBLISHER_KINDS:
            return d.publisher, False
        if d.inferred_lab.known:
            return d.inferred_lab, True
        return Fact(), False

    def _finish(self, mid: str, drafts: dict[str, _Draft]) -> Provenance:
        d = drafts[mid]
        roots, cycles = self._roots(mid, drafts)
        conflicts = d.conflicts + tuple(Conflict("lineage", (), f"lineage cycle: {c}") for c in sorted(set(cycles)))
        labs: dict[str, Fact] = {}
        inferred = False
        for root in sorted(roots):
            fact, inf = self._origin_of_root(drafts[root]) if root in drafts else (Fact(), False)
            if fact.known:
                labs[fact.value] = fact
                inferred |= inf
        # origin for an API family or a self-published root is direct
        if d.direct_lab.known and not d.parents:
            labs = {d.direct_lab.value: d.direct_lab}
            inferred = False
        if labs:
            lab_ids = sorted(labs)
            ev = tuple(sorted({e for f in labs.values() for e in f.evidence}))
            origin = Fact(",".join(lab_ids), ev)
            countries = []
            cev: set[Evidence] = set()
            for lid in lab_ids:
                lab = self.kb.get("labs", lid)
                if lab is not None and lab.get("country"):
                    countries.append(lab.get("country"))
                    cev.add(_rule_ev(lab, "country"))
            country = Fact(",".join(sorted(set(countries))), tuple(sorted(cev))) if countries else Fact()
        else:
            origin, country = Fact(), Fact()
        weights = d.weights
        if not weights.known and d.provider.known and not d.direct_lab.known:
            weights = Fact()
        reason_bits = []
        if d.hub_status in ("offline", "unreachable", "error", "malformed", "not-found"):
            reason_bits.append(d.hub_detail or d.hub_status)
        if inferred:
            reason_bits.append("origin inferred: " + "; ".join(sorted({drafts[r].inferred_reason for r in roots if r in drafts and drafts[r].inferred_reason})))
        if country.known and not inferred:
            status = Status.RESOLVED
            confidence = 0.95 if any(e.source in ("hub", "artifact") for e in origin.evidence) or d.direct_lab.known else 0.85
        elif country.known and inferred:
            status, confidence = Status.INFERRED, 0.3
        elif d.hub_status in ("offline", "unreachable", "error"):
            status, confidence = Status.UNVERIFIED, 0.0
            reason_bits.insert(0, "unverified: " + ("offline" if d.hub_status == "offline" else "hub unreachable" if d.hub_status == "unreachable" else "hub error"))
        else:
            status, confidence = Status.UNRESOLVED, 0.0
            if not reason_bits:
                reason_bits.append("no rule, artifact or Hub record names its origin")
        return Provenance(
            model_id=mid,
            status=status,
            reason="; ".join(dict.fromkeys(reason_bits)),
            publisher=d.publisher,
            publisher_country=d.publisher_country,
            origin_lab=origin,
            country=country,
            license_id=d.license_id,
            license_class=d.license_class,
            weights=weights,
            provider=d.provider,
            parents=d.parents,
            conflicts=conflicts,
            confidence=confidence,
            details=d.details,
        )


def model_ids(result: ScanResult) -> list[str]:
    return sorted({r.id for r in result.references if r.kind == Kind.MODEL})


def artifacts_by_id(result: ScanResult) -> dict[str, list[Reference]]:
    """References whose attributes state facts about their model (license, base models)."""
    out: dict[str, list[Reference]] = defaultdict(list)
    for r in result.references:
        if r.kind == Kind.MODEL and (r.attribute("license") or r.attribute("base_model") or r.attribute("base_models")):
            out[r.id].append(r)
    return out


def resolve_scan(result: ScanResult, kb: KnowledgeBase, client: HubClient, max_workers: int = HUB_CONCURRENCY) -> ScanResult:
    """The resolve stage: add provenance for every model the scan found (and their ancestors)."""
    prov = Resolver(kb, client, max_workers).resolve(model_ids(result), artifacts_by_id(result))
    return replace(result, provenance=prov, offline=client.offline)


def lineage_tree(prov: dict[str, Provenance], mid: str, seen: tuple[str, ...] = ()) -> list[tuple[int, str, str]]:
    """(depth, relation, id) rows of the lineage below ``mid``, for display; cycles cut."""
    rows: list[tuple[int, str, str]] = []
    p = prov.get(mid)
    if p is None or mid in seen:
        return rows
    for h in p.parents:
        rows.append((len(seen) + 1, h.relation, h.parent))
        if h.parent not in seen + (mid,):
            rows.extend(lineage_tree(prov, h.parent, seen + (mid,)))
    return rows


__all__ = ["Resolver", "resolve_scan", "model_ids", "lineage_tree", "UNKNOWN"]
