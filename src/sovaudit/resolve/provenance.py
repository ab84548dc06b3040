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
from collections.abc import Iterable
from dataclasses import dataclass, replace

from sovaudit.model import (
    UNKNOWN,
    Conflict,
    Evidence,
    Fact,
    Kind,
    LineageHop,
    LineageStatus,
    Provenance,
    Reference,
    ScanResult,
    Status,
    WeightsAvailability,
)
from sovaudit.resolve.graphwalk import components, shortest_cycle
from sovaudit.resolve.hub import HubClient, HubRecord, endpoint
from sovaudit.rules import Entry, KnowledgeBase

#: Hub tag relations (base_model:<relation>:<id>) mapped to our hop types.
_HOP = {"finetune": "finetune", "quantized": "quantized", "adapter": "adapter", "merge": "merge", "distillation": "distillation"}
_HF_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")
_REPUBLISHER_KINDS = {"republisher", "community", "individual", "consortium"}
MAX_DEPTH = 10
#: Parents of one model followed (looked up and resolved); the rest stay as stated hops whose own
#: lineage is not established. A Hub answer naming a dozen new parents at every generation would
#: otherwise cost 12^10 look-ups.
MAX_PARENTS_FOLLOWED = 8
#: Ancestors resolved beyond the models asked for, in all.
MAX_ANCESTORS = 256
#: Lineage cycles listed as conflicts on one model; the rest are counted.
MAX_CYCLES_SHOWN = 5
#: Pieces of evidence a model's lineage fact lists (its own hops first); the status still
#: covers the whole lineage. A chain of thousands of models would otherwise list every hop above
#: each of them: quadratic.
MAX_LINEAGE_EVIDENCE = 200
#: Hub look-ups in flight at once (bounded: polite to the Hub, fast enough at ~100 ms a request).
HUB_CONCURRENCY = 16
#: The id of a model family standing in for a parent that a name pattern infers but cannot name
#: (``family:Llama``: "a model of Meta's Llama family"). Never looked up on the Hub.
FAMILY_PREFIX = "family:"
#: License classes from least to most restrictive: a derivative takes the most restrictive class
#: among its own license and the licenses that carry over from its ancestors.
LICENSE_CLASS_RANK = {"permissive": 0, "copyleft": 1, "custom-restrictive": 2, "non-commercial": 3, "proprietary": 4}
_LINEAGE_RANK = {LineageStatus.ESTABLISHED: 2, LineageStatus.INFERRED: 1, LineageStatus.NOT_ESTABLISHED: 0}


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
    #: why the model is a root of its own lineage ("" when that is not established)
    root_basis: str = ""
    #: why its lineage is not established, when something specific says so
    lineage_note: str = ""
    hub_no_base: bool = False  # the Hub record was read and names no base model


class Resolver:
    def __init__(self, kb: KnowledgeBase, client: HubClient, max_workers: int = HUB_CONCURRENCY):
        self.kb = kb
        self.client = client
        self.max_workers = max(1, max_workers)
        self._cut: dict[str, str] = {}  # parent -> why it was not followed (last resolve)
        self._families_memo: dict[str, tuple[tuple[int, str, Entry], ...]] = {}

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

    def _word_families(self, lab: Entry) -> frozenset[str]:
        """The lab's families that match only a whole word (rules/labs.yaml word_families)."""
        return frozenset(f.lower() for f in lab.get("word_families", ()) or ())

    def families_in(self, name: str) -> list[tuple[int, str, Entry]]:
        """Every model family of the knowledge base the name holds: (token position, family as
        written in rules/labs.yaml, lab), in order of position; at one position the longest family
        only. ``name`` is the part after the namespace."""
        low = name.lower()
        hit = self._families_memo.get(low)
        if hit is not None:
            return list(hit)
        tokens = [t for t in re.split(r"[/_\-.: ]+", low) if t]
        index = self.kb.family_index
        # the families that can match: those keyed by the first one or two letters of the name or
        # of a token (a family starts with its key); read in the knowledge base's order
        cands: dict[int, tuple[str, str, Entry]] = {}
        for t in dict.fromkeys([low] + tokens):
            for key in (t[:2], t[:1]):
                for rank, fam_low, fam, lab in index.get(key, ()):
                    cands[rank] = (fam_low, fam, lab)
        found: dict[int, tuple[str, Entry]] = {}

        def starts(t: str, fam_low: str, lab: Entry) -> bool:
            if not t.startswith(fam_low):
                return False
            if fam_low not in self._word_families(lab):
                return True
            rest = t[len(fam_low):]  # a word family: the whole token, or the token and a version
            return not rest or rest[0].isdigit() or rest[0] in "-_.: "

        for _rank, (fam_low, fam, lab) in sorted(cands.items()):
            pos = 0 if starts(low, fam_low, lab) else next((i for i, t in enumerate(tokens) if starts(t, fam_low, lab)), -1)
            if pos < 0 or pos in found:
                continue  # families come longest first: the first one found at a position stays
            found[pos] = (fam, lab)
        res = tuple((pos, fam, lab) for pos, (fam, lab) in sorted(found.items()))
        self._families_memo[low] = res
        return list(res)

    def infer_lab(self, model_id: str) -> tuple[Entry, str] | None:
        """A guess from the model's name, for marked ``inferred`` facts only: the family the name
        starts with is its maker's (``bge-multilingual-gemma2`` is BAAI's, on a Gemma base)."""
        fams = self.families_in(model_id.rsplit("/", 1)[-1])
        if not fams:
            return None
        _pos, fam, lab = fams[0]
        return lab, f"name contains the {fam!r} family of {lab.get('name')}"

    def _license(self, d: _Draft, lid: str, ev: Evidence) -> None:
        d.license_id = Fact(lid, (ev,))
        lic = self.kb.license(lid)
        if lic is not None:
            d.license_class = Fact(lic.get("class"), (_rule_ev(lic, "class"),))

    # -- per-id drafting --------------------------------------------------------------------------
    def _router_slug(self, name: str) -> Entry | None:
        """The API family a router's ``vendor/model`` slug names (OpenRouter's
        ``anthropic/claude-3.5-sonnet``): the vendor must be the family's lab (its id or an alias;
        one of its Hub namespaces only for an API-only family), so a Hub id of open weights is
        never taken for one."""
        vendor, _, rest = name.partition("/")
        if not rest or "/" in rest:
            return None
        am = self.kb.api_model(rest)
        if am is None:
            return None
        lab = self.kb.get("labs", am.get("lab", ""))
        if lab is None:
            return None
        v = vendor.lower()
        namespaces = {x.lower() for x in lab.get("hf_namespaces", []) + lab.get("former_namespaces", [])}
        if v in namespaces:  # a Hub id of the lab's own (deepseek-ai/DeepSeek-R1) unless only an API serves it
            return am if am.get("weights") == "api-only" else None
        names = {lab.id.lower()} | {x.lower() for x in lab.get("aliases", [])}
        return am if v in names else None

    def _api_family(self, d: _Draft, name: str) -> bool:
        am = self.kb.api_model(name)
        if am is None and "/" in name:
            am = self._router_slug(name)
        bedrock_vendor = ""
        if am is None and "." in name and "/" not in name:
            bedrock = self.kb.get("providers", "bedrock")
            head, _, tail = name.partition(".")
            profiles = {p.lower() for p in ((bedrock.get("model_id_prefixes") or ()) if bedrock else ())}
            stripped = tail if head.lower() in profiles else name
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

    def _from_lineage_rules(self, d: _Draft, hop_licenses: dict[str, tuple[str, Evidence]]) -> None:
        """Parents of a known derivative from rules/lineage.yaml (an alias names the entry's
        weights in another format: a quantized hop to it). A parent the Hub also names keeps the
        rule's relation (curated, with its source) and the disagreement is kept as a conflict."""
        e = self.kb.lineage_entry(d.model_id)
        if e is None:
            return
        ev = _rule_ev(e, "parents")
        if e.id.lower() != d.model_id.lower():
            hops = [(e.id, "quantized", "")]
        else:
            hops = [(p["id"], p["relation"], p.get("license", "")) for p in e.get("parents", [])]
            if e.get("license") and not d.license_id.known:
                self._license(d, e.get("license"), _rule_ev(e, "license"))
        for parent, rel, lic in hops:
            if lic:
                hop_licenses.setdefault(parent, (lic, ev))
            known = [h for h in d.parents if h.parent == parent]
            if known:
                h = known[0]
                if h.relation != rel and h.relation != "base":
                    d.conflicts += (Conflict("lineage", (Fact(f"{parent} ({h.relation})", h.evidence), Fact(f"{parent} ({rel})", (ev,))),
                                             f"the Hub and {e.path} give different relations to {parent}; the rule's is used"),)
                merged = LineageHop(parent, rel, tuple(sorted(set(h.evidence) | {ev})))
                d.parents = tuple(merged if x is h else x for x in d.parents)
            else:
                d.parents += (LineageHop(parent, rel, (ev,)),)
        d.parents = tuple(sorted(d.parents, key=lambda h: h.parent))

    def _family(self, d: _Draft) -> None:
        """A ``family:`` pseudo-model: its maker is the lab whose family it is (rules/labs.yaml)."""
        fam = d.model_id[len(FAMILY_PREFIX):].lower()
        for f, lab in self.kb.families:
            if f.rstrip("-") == fam:
                name = next(x for x in lab.get("families", []) if x.lower() == f)
                d.direct_lab = Fact(lab.id, (Evidence("name", f"the {name} family is {lab.get('name')}'s (rules/labs.yaml families)",
                                                      lab.sources[0] if lab.sources else ""),))
                d.root_basis = f"stands for a model of {lab.get('name')}'s {name} family"
                return

    def _family_parent(self, fam: str, lab: Entry, stripped: str) -> str:
        """The parent a name pattern points at: a model the knowledge base knows under one of the
        family lab's namespaces (``nvidia/Qwen3-8B-FP4`` -> ``Qwen/Qwen3-8B``), else the family."""
        if stripped:
            for ns in lab.get("hf_namespaces", []):
                cand = f"{ns}/{stripped}"
                hit = self.kb.catalog_model(cand) or self.kb.lineage_entry(cand)
                if hit is not None:
                    return hit.id
        return FAMILY_PREFIX + fam.rstrip("-")

    def _infer_parents(self, d: _Draft) -> None:
        """Parents from naming conventions, when no evidence names any (always ``inferred``, each
        with its reason): a quantisation suffix, a distill naming its base family, a namespace
        (or a name's later part) holding another lab's family. Also decides whether a model with
        no parent is a root of its own lineage (``root_basis``)."""
        mid = d.model_id
        if d.parents or d.direct_lab.known or mid.startswith(FAMILY_PREFIX):
            if d.direct_lab.known and not d.parents and not d.root_basis:
                d.root_basis = "an API model family in rules/api_models.yaml"
            return
        ns, _, name = mid.rpartition("/")
        pub = self.kb.get("labs", d.publisher.value) if d.publisher.known else None
        if pub is not None and pub.get("kind") in _REPUBLISHER_KINDS:
            pub = None
        hops: dict[str, tuple[str, str, str]] = {}  # parent -> (relation, reason, url)
        stripped = name
        quant: Entry | None = None
        for e, rx in self.kb.lineage_patterns:
            m = rx.search(name)
            if m is None:
                continue
            if e.get("role") == "base-family":
                for _p, fam, lab in self.families_in(m.group("family")):
                    parent = self._family_parent(fam, lab, "")
                    hops.setdefault(parent, (e.get("relation"), f"{e.get('description')} ({lab.get('name')}'s {fam})",
                                             e.sources[0] if e.sources else ""))
                    break
            elif quant is None:
                quant, stripped = e, name[:m.start()]
        fams = self.families_in(stripped)
        maker = fams[0] if fams else None
        if quant is not None:
            if maker is not None:
                _p, fam, lab = maker
                parent = self._family_parent(fam, lab, stripped)
                hops.setdefault(parent, (quant.get("relation"), f"{quant.get('description')}; the rest of the name "
                                         f"holds {lab.get('name')}'s {fam} family", quant.sources[0] if quant.sources else ""))
            else:
                d.lineage_note = f"{quant.get('description')}, and no model family the knowledge base knows is left in the name"
        elif maker is not None and ns and (pub is None or maker[2].id != pub.id):
            _p, fam, lab = maker
            who = f"the {pub.get('name')} namespace" if pub is not None else f"the namespace {ns!r}"
            hops.setdefault(self._family_parent(fam, lab, name),
                            ("base", f"{who} holds {lab.get('name')}'s {fam} family", lab.sources[0] if lab.sources else ""))
        for _p, fam, lab in fams[1:]:
            if maker is not None and lab.id != maker[2].id and (pub is None or lab.id != pub.id):
                parent = self._family_parent(fam, lab, "")
                hops.setdefault(parent, ("base", f"the name holds {lab.get('name')}'s {fam} family after "
                                                 f"{maker[2].get('name')}'s {maker[1]}", lab.sources[0] if lab.sources else ""))
        if hops:
            d.parents = tuple(sorted((LineageHop(p, rel, (Evidence("name", why, url),)) for p, (rel, why, url) in hops.items()),
                                     key=lambda h: h.parent))
            if not ns and maker is not None and not d.publisher.known:
                _p, fam, lab = maker
                d.publisher = Fact(lab.id, (Evidence("name", f"name starts with the {fam!r} family of {lab.get('name')}",
                                                     lab.sources[0] if lab.sources else ""),))
                d.publisher_country = _country(lab)
                d.publisher_kind = lab.get("kind", "")
            return
        if d.lineage_note:
            return
        if pub is not None and maker is not None and maker[2].id == pub.id:
            d.root_basis = f"a release of {pub.get('name')}'s own {maker[1]} family under its own namespace"
        elif pub is not None and d.hub_no_base:
            d.root_basis = "its Hub record, published by the lab, names no base model"
        elif not ns and maker is not None:
            d.root_basis = ""  # a bare name: its maker is only inferred (lineage inferred)

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
        if rec.status != "offline":  # what the Hub answered, for the reports' network line
            d.details = tuple(sorted(set(d.details) | {("hub", rec.status)}))
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
        elif rec.author and (own := self._kb_publisher(d)) is not None:
            lab = self.kb.lab_for_namespace(rec.author)
            if lab is not None and lab.id != d.publisher.value:
                d.conflicts += (Conflict("publisher", (d.publisher, Fact(lab.id, (_hub_ev(rec, "author"),))),
                                         f"the Hub names {lab.get('name')} as the author; the knowledge base has the "
                                         f"namespace as {own.get('name')}'s: the knowledge base's is used"),)
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
        d.hub_no_base = not hops
        extra = [("sha", rec.sha)] if rec.sha else []
        if rec.pipeline_tag:
            extra.append(("pipeline_tag", rec.pipeline_tag))
        if rec.parameters:
            extra.append(("parameters", str(rec.parameters)))
        if rec.library:
            extra.append(("library", rec.library))
        d.details = tuple(sorted(set(d.details) | set(extra)))

    def _kb_publisher(self, d: _Draft) -> Entry | None:
        """The lab the knowledge base (not the Hub) names as the model's publisher, when it is a lab
        that makes models (not a re-publisher or community account)."""
        if not d.publisher.known or not any(e.source == "rules" for e in d.publisher.evidence) \
                or any(e.source == "hub" for e in d.publisher.evidence):
            return None
        lab = self.kb.get("labs", d.publisher.value)
        return lab if lab is not None and lab.get("kind") not in _REPUBLISHER_KINDS else None

    def _lab_of(self, mid: str) -> Entry | None:
        """The lab the knowledge base places a model id at: its namespace's lab, or (for a
        re-publisher's namespace or none) the lab of the first model family its name holds."""
        ns, _, name = mid.rpartition("/")
        lab = self.kb.lab_for_namespace(ns) if ns else None
        if lab is not None and lab.get("kind") not in _REPUBLISHER_KINDS:
            return lab
        fams = self.families_in(name)
        return fams[0][2] if fams else None

    def _hub_against_kb(self, d: _Draft) -> None:
        """Base models a Hub answer names that the knowledge base contradicts are not used, and the
        disagreement is kept as a conflict: the model is under a lab's own namespace, its name
        starts with that lab's own family (or rules/models.yaml lists it as the lab's), no rule of
        rules/lineage.yaml gives its lineage, and the Hub's parent is placed at another lab whose
        families the name does not hold. A mirror claiming Mistral's or Qwen's own releases for
        another lab so changes no origin."""
        pub = self._kb_publisher(d)
        if pub is None or self.kb.lineage_entry(d.model_id) is not None:
            return
        fams = self.families_in(d.model_id.rpartition("/")[2])
        cat = self.kb.catalog_model(d.model_id)
        own = (fams and fams[0][2].id == pub.id) or (cat is not None and cat.get("lab") == pub.id)
        if not own:
            return
        in_name = {lab.id for _p, _f, lab in fams}
        kept = []
        for h in d.parents:
            plab = self._lab_of(h.parent) if all(e.source == "hub" for e in h.evidence) else None
            if plab is None or plab.id == pub.id or plab.id in in_name:
                kept.append(h)
                continue
            what = f"{pub.get('name')}'s own {fams[0][1]} release" if fams and fams[0][2].id == pub.id else \
                f"{pub.get('name')}'s (rules/models.yaml)"
            kb_ev = (_rule_ev(pub, "hf_namespaces"),) + ((_rule_ev(cat, "lab"),) if cat is not None else ())
            d.conflicts += (Conflict("lineage", (Fact(f"{h.parent} ({h.relation})", h.evidence), Fact(what, kb_ev)),
                                     f"the Hub names a base model of {plab.get('name')}; the knowledge base has "
                                     f"{d.model_id} as {what}: the knowledge base's is used"),)
        if len(kept) != len(d.parents):
            d.parents = tuple(kept)
            d.hub_no_base = not kept

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
    def resolve(self, ids: Iterable[str], artifacts: dict[str, list[Reference]] | None = None,
                other_hub: Iterable[str] = ()) -> tuple[Provenance, ...]:
        """Provenance of ``ids`` and their ancestors. ``other_hub`` holds ids named only on another
        hub (ModelScope's modelscope.cn/models/ORG/NAME): its namespaces are not the Hugging Face
        Hub's, so what the Hub says of the same string is about another repository, and it is not
        asked."""
        artifacts = artifacts or {}
        elsewhere = set(other_hub)
        drafts: dict[str, _Draft] = {}
        hop_licenses: dict[str, tuple[str, Evidence]] = {}  # parent -> the license a child's rule states for it
        level = sorted({i for i in ids if i})
        asked = len(level)
        self._cut = {}
        depth = 0
        with cf.ThreadPoolExecutor(max_workers=self.max_workers) as pool:
            while level and depth <= MAX_DEPTH:
                hub_ids = [i for i in level if _HF_ID.match(i) and self.kb.api_model(i) is None and self._router_slug(i) is None
                           and i not in elsewhere]
                records = dict(zip(hub_ids, pool.map(self.client.fetch, hub_ids)))
                nxt: set[str] = set()
                for mid in level:
                    d = _Draft(mid)
                    if mid.startswith(FAMILY_PREFIX):
                        self._family(d)
                    elif not self._api_family(d, mid):
                        if "/" in mid:
                            self._from_namespace(d)
                        if mid in records:
                            self._from_hub(d, records[mid])
                            self._hub_against_kb(d)
                    self._from_artifacts(d, artifacts.get(mid, []))
                    self._card_conflicts(d, artifacts.get(mid, []))
                    self._from_lineage_rules(d, hop_licenses)
                    self._from_catalog(d)
                    if not d.license_id.known and mid in hop_licenses:
                        lid, ev = hop_licenses[mid]
                        self._license(d, lid, ev)
                    if not d.direct_lab.known:
                        guess = self.infer_lab(mid)
                        if guess is not None:
                            d.inferred_lab = Fact(guess[0].id, (Evidence("name", guess[1], guess[0].sources[0] if guess[0].sources else ""),))
                            d.inferred_reason = guess[1]
                    self._infer_parents(d)
                    drafts[mid] = d
                    fresh = [h.parent for h in d.parents if h.parent not in drafts]
                    for parent in fresh[MAX_PARENTS_FOLLOWED:]:
                        self._cut.setdefault(parent, f"not followed: {mid} names {len(d.parents)} base models, "
                                                     f"the first {MAX_PARENTS_FOLLOWED} are")
                    nxt.update(fresh[:MAX_PARENTS_FOLLOWED])
                level = sorted(nxt - set(drafts))
                room = max(0, MAX_ANCESTORS - (len(drafts) - asked))
                for parent in level[room:]:
                    self._cut.setdefault(parent, f"not followed: more than {MAX_ANCESTORS} ancestors")
                level = level[:room]
                depth += 1
        walk = self._walk(drafts)
        return tuple(self._finish(mid, drafts, walk) for mid in sorted(drafts))

    def _walk(self, drafts: dict[str, _Draft]) -> _LineageWalk:
        """Roots, cycles, lineage status and effective license of every model, computed once per
        strongly connected component, sinks first: linear in the lineage graph, whatever its
        shape (a fan-out, a clique of models naming each other, a long chain)."""
        carry, _entries = self.kb.license_carry_over
        return _LineageWalk(self, drafts, carry)

    def _origin_of_root(self, d: _Draft) -> tuple[Fact, str]:
        """The lab that made a root model's weights and how that is known: ``direct`` (an API
        family, a family, or a lab's own release), ``publisher`` (the publisher is taken as the
        maker although the model is not established as its own release), ``name`` (guessed from
        the name), or ``""`` (nothing)."""
        if d.direct_lab.known:
            return d.direct_lab, "direct"
        if d.publisher.known and d.publisher_kind not in _REPUBLISHER_KINDS and all(e.source != "name" for e in d.publisher.evidence):
            return d.publisher, "direct" if d.root_basis else "publisher"
        if d.inferred_lab.known:
            return d.inferred_lab, "name"
        return Fact(), ""

    def _own_lineage(self, mid: str, d: _Draft | None) -> tuple[LineageStatus, set[Evidence]]:
        """What one model contributes to the lineage status of its descendants: its hops' evidence
        (a name-only hop makes it inferred), or why it is a root, or why that is not known."""
        if d is None:
            why = self._cut.get(mid) or f"beyond {MAX_DEPTH} generations, not resolved"
            return LineageStatus.NOT_ESTABLISHED, {Evidence("lineage", f"{mid}: {why}")}
        status, ev = LineageStatus.ESTABLISHED, set()
        if d.parents:
            for h in d.parents:
                if all(e.source == "name" for e in h.evidence):
                    status = LineageStatus.INFERRED
                    ev.add(Evidence("lineage", f"{mid} -> {h.parent} ({h.relation}): " + "; ".join(e.detail for e in h.evidence)))
                ev.update(h.evidence)
        elif d.root_basis:
            ev.add(Evidence("root", f"{mid}: {d.root_basis}"))
        elif d.lineage_note:
            status = LineageStatus.NOT_ESTABLISHED
            ev.add(Evidence("lineage", f"{mid}: {d.lineage_note}"))
        elif d.inferred_lab.known and not d.publisher.known:
            status = LineageStatus.INFERRED
            ev.add(Evidence("lineage", f"{mid}: its maker is inferred ({d.inferred_reason})"))
        else:
            status = LineageStatus.NOT_ESTABLISHED
            if not d.publisher.known:
                why = "its publisher is not known and no base model is stated"
            elif d.hub_status == "offline":
                why = "no base model is stated offline and the name holds none of its publisher's own families"
            elif d.hub_status in ("unreachable", "error", "malformed"):
                why = "the Hub could not be read and the name holds none of its publisher's own families"
            else:
                why = "no base model is stated and nothing says it is its publisher's own release"
            ev.add(Evidence("lineage", f"{mid}: {why}"))
        return status, ev

    def _finish(self, mid: str, drafts: dict[str, _Draft], walk: _LineageWalk | None = None) -> Provenance:
        d = drafts[mid]
        walk = walk if walk is not None else self._walk(drafts)
        roots = walk.roots_of(mid)
        conflicts = d.conflicts + walk.cycle_conflicts(mid)
        lineage, lineage_ev = walk.lineage_of(mid)
        labs: dict[str, Fact] = {}
        how: set[str] = set()
        for root in sorted(roots):
            fact, kind = self._origin_of_root(drafts[root]) if root in drafts else (Fact(), "")
            if fact.known:
                labs[fact.value] = fact
                how.add(kind)
        # origin for an API family or a self-published root is direct
        if d.direct_lab.known and not d.parents:
            labs = {d.direct_lab.value: d.direct_lab}
            how = {"direct"}
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
        _carry, carry_entries = self.kb.license_carry_over
        eff, eff_class, _src = walk.license_of(mid)
        eff_class_fact = Fact()
        if eff.known and eff_class != UNKNOWN:
            lic = self.kb.license(eff.value)
            eff_class_fact = Fact(eff_class, (_rule_ev(lic, "class"),) + tuple(_rule_ev(e) for e in carry_entries if _src)) if lic else Fact()
        reason_bits = []
        if d.hub_status == "unreachable":
            # which request saw the failure itself (and which ones only the open breaker) depends on
            # thread timing: the reason says the same for each, so that reports are deterministic
            reason_bits.append("hub unreachable")
        elif d.hub_status in ("offline", "error", "malformed", "not-found"):
            reason_bits.append(d.hub_detail or d.hub_status)
        guessed = "name" in how or any(r.startswith(FAMILY_PREFIX) for r in roots)
        if "name" in how:
            reason_bits.append("origin inferred: " + "; ".join(sorted({drafts[r].inferred_reason for r in roots if r in drafts and drafts[r].inferred_reason})))
        if lineage != LineageStatus.ESTABLISHED:
            reason_bits.append(f"lineage {lineage.value.replace('-', ' ')}: " + "; ".join(e.detail for e in lineage_ev if e.source == "lineage"))
        if "publisher" in how:
            reason_bits.append("its publisher is taken as the maker of its weights")
        if country.known and lineage == LineageStatus.ESTABLISHED and not (how - {"direct"}):
            status = Status.RESOLVED
            confidence = 0.95 if any(e.source in ("hub", "artifact") for e in origin.evidence) or d.direct_lab.known else 0.85
        elif country.known:
            status, confidence = Status.INFERRED, (0.3 if guessed else 0.5)
        elif d.hub_status in ("offline", "unreachable", "error"):
            status, confidence = Status.UNVERIFIED, 0.0
            reason_bits = [b for b in reason_bits if b != "hub unreachable"]  # said by the first bit
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
            lineage=Fact(lineage.value, lineage_ev),
            effective_license=eff,
            effective_license_class=eff_class_fact,
        )


_MORE_LINEAGE = Evidence("lineage", f"more lineage evidence further up, not listed (over {MAX_LINEAGE_EVIDENCE} pieces)")


class _LineageWalk:
    """Per-model lineage facts from one pass over the strongly connected components of the
    lineage graph (sinks first). Members of one component (a lineage cycle) reach each other, so
    they share their roots and lineage status; the effective license is iterated to a fixed point
    inside a component. On a graph without cycles every value equals the plain recursive one."""

    def __init__(self, resolver: Resolver, drafts: dict[str, _Draft], carry: frozenset[str]):
        self.drafts = drafts
        succ_cache: dict[str, list[str]] = {}

        def succ(m: str) -> list[str]:
            got = succ_cache.get(m)
            if got is None:
                d = drafts.get(m)
                got = succ_cache[m] = [h.parent for h in d.parents] if d is not None else []
            return got

        self.succ = succ
        self.comp_of: dict[str, int] = {}
        self.members: list[list[str]] = []
        self.cyclic: list[bool] = []
        self._roots: list[frozenset[str]] = []
        self._cycles: list[frozenset[int]] = []  # cyclic components reachable, itself included
        self._lineage: list[tuple[LineageStatus, frozenset[Evidence]]] = []
        self._cut: list[bool] = []  # the component's lineage evidence was cut at MAX_LINEAGE_EVIDENCE
        self._license: dict[str, tuple[Fact, str, str]] = {}
        for comp in components(sorted(drafts), succ):
            ci = len(self.members)
            for m in comp:
                self.comp_of[m] = ci
            self.members.append(comp)
            cyclic = len(comp) > 1 or comp[0] in succ(comp[0])
            self.cyclic.append(cyclic)
            nxt = sorted({self.comp_of[p] for m in comp for p in succ(m)} - {ci})
            # roots: a model without parents (or one not resolved) is its own; a cycle that leads
            # nowhere else is the root of its members
            if not cyclic and not succ(comp[0]):
                roots = frozenset(comp)
            else:
                roots = frozenset().union(*(self._roots[c] for c in nxt)) or frozenset(comp)
            self._roots.append(roots)
            self._cycles.append(frozenset({ci} if cyclic else ()).union(*(self._cycles[c] for c in nxt)))
            status, own = LineageStatus.ESTABLISHED, set[Evidence]()
            for m in comp:
                st, e = resolver._own_lineage(m, drafts.get(m))
                status = min(status, st, key=_LINEAGE_RANK.__getitem__)
                own |= e
            ev, cut = set(own), False
            for c in nxt:
                st, inherited = self._lineage[c]
                status = min(status, st, key=_LINEAGE_RANK.__getitem__)
                ev |= inherited
                cut = cut or self._cut[c]
            if len(ev) > MAX_LINEAGE_EVIDENCE:  # its own first, then what says why it is not established
                rest = sorted(ev - own - {_MORE_LINEAGE}, key=lambda e: (e.source != "lineage", e))  # why, before what
                ev = set(sorted(own)[:MAX_LINEAGE_EVIDENCE]) | set(rest[:max(0, MAX_LINEAGE_EVIDENCE - len(own))])
                cut = True
            if cut:
                ev.add(_MORE_LINEAGE)
            self._cut.append(cut)
            self._lineage.append((status, frozenset(ev)))
            self._licenses(comp, carry)

    def _licenses(self, comp: list[str], carry: frozenset[str]) -> None:
        """The effective license of each member: the most restrictive of its own and those its
        ancestors' terms carry over (the first parent, in order, that gives the most restrictive)."""
        inside = set(comp)
        for m in comp:
            d = self.drafts.get(m)
            self._license[m] = (d.license_id, d.license_class.value if d.license_id.known else UNKNOWN, "") if d else (Fact(), UNKNOWN, "")
        changed = True
        while changed:
            changed = False
            for m in comp:
                d = self.drafts.get(m)
                best = self._license[m]
                for h in d.parents if d is not None else ():
                    if h.relation not in carry or h.parent not in self._license:
                        continue
                    lic, cls, src = self._license[h.parent]
                    if cls in LICENSE_CLASS_RANK and LICENSE_CLASS_RANK[cls] > LICENSE_CLASS_RANK.get(best[1], -1):
                        origin = src or h.parent
                        ev = lic.evidence + (Evidence("lineage", f"inherited from {origin} ({h.relation} of {h.parent})"),)
                        best = (Fact(lic.value, tuple(sorted(set(ev)))), cls, origin)
                if best is not self._license[m]:
                    self._license[m] = best
                    changed = changed or len(inside) > 1 or m in self.succ(m)

    def roots_of(self, mid: str) -> frozenset[str]:
        return self._roots[self.comp_of[mid]]

    def lineage_of(self, mid: str) -> tuple[LineageStatus, tuple[Evidence, ...]]:
        status, ev = self._lineage[self.comp_of[mid]]
        return status, tuple(sorted(ev))

    def license_of(self, mid: str) -> tuple[Fact, str, str]:
        return self._license[mid]

    def cycle_conflicts(self, mid: str) -> tuple[Conflict, ...]:
        """One conflict per lineage cycle in the model's lineage (its own first: the shortest way
        back to itself; another's through its first member), at most MAX_CYCLES_SHOWN of them and
        a count of the rest."""
        own = self.comp_of[mid]
        cycles = sorted(self._cycles[own], key=lambda c: (c != own, self.members[c][0]))
        out = []
        for c in cycles[:MAX_CYCLES_SHOWN]:
            start = mid if c == own else self.members[c][0]
            path = shortest_cycle(start, self.succ, set(self.members[c]))
            out.append(Conflict("lineage", (), "lineage cycle: " + " -> ".join(path)))
        if len(cycles) > MAX_CYCLES_SHOWN:
            out.append(Conflict("lineage", (), f"lineage cycle: {len(cycles) - MAX_CYCLES_SHOWN} more in its lineage, not listed"))
        return tuple(out)


def model_ids(result: ScanResult) -> list[str]:
    return sorted({r.id for r in result.references if r.kind == Kind.MODEL})


def artifacts_by_id(result: ScanResult) -> dict[str, list[Reference]]:
    """References whose attributes state facts about their model (license, base models)."""
    out: dict[str, list[Reference]] = defaultdict(list)
    for r in result.references:
        if r.kind == Kind.MODEL and (r.attribute("license") or r.attribute("base_model") or r.attribute("base_models")):
            out[r.id].append(r)
    return out


def other_hub_ids(result: ScanResult) -> set[str]:
    """Model ids every reference of which names them on another hub than Hugging Face's."""
    hubs: dict[str, bool] = {}
    for r in result.references:
        if r.kind == Kind.MODEL:
            hubs[r.id] = hubs.get(r.id, True) and bool(r.attribute("hub"))
    return {i for i, elsewhere in hubs.items() if elsewhere}


def resolve_scan(result: ScanResult, kb: KnowledgeBase, client: HubClient, max_workers: int = HUB_CONCURRENCY) -> ScanResult:
    """The resolve stage: add provenance for every model the scan found (and their ancestors)."""
    prov = Resolver(kb, client, max_workers).resolve(model_ids(result), artifacts_by_id(result), other_hub_ids(result))
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
