"""``sovaudit alternatives MODEL``: substitutes of similar capability from the knowledge base.

The capability facts (task, input modalities, parameters, context length, license, weights) of
every candidate come from ``rules/models.yaml``, each entry with its sources. The model asked about
is described from the same catalogue when it is there, else from what resolving it says (an API
family's task; the Hub's pipeline tag and parameter count when the Hub is reachable). Each
candidate is then resolved like any scanned model (``resolve.Resolver``): offline from the
knowledge base alone, with the Hub reachable enriched by it (license, gating, lineage).

Filters remove candidates and count why; the rest are ranked by similarity:

* the task must match (``--task`` when the model's own is unknown);
* a candidate must accept every input modality the model accepts;
* parameter classes (``PARAMETER_CLASSES``) one apart cost 0.2 each, an undisclosed size 0.2;
* a shorter context window costs up to 0.3 (in proportion), a longer one nothing.

Ties go to the candidate closest in parameter count, then by id: the ranking is deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sovaudit.model import UNKNOWN, Alternatives, Candidate, Capability, Provenance

#: (name, upper bound in billions of parameters): the size classes a ranking compares.
PARAMETER_CLASSES = (("≤4B", 4.0), ("4–15B", 15.0), ("15–40B", 40.0), ("40–120B", 120.0), (">120B", float("inf")))
UNDISCLOSED = "undisclosed"
#: The Hub's pipeline tags, in the task vocabulary of rules/models.yaml.
HUB_TASKS = {
    "text-generation": "chat", "image-text-to-text": "chat", "text2text-generation": "chat",
    "feature-extraction": "embedding", "sentence-similarity": "embedding",
    "text-ranking": "rerank", "text-classification": "rerank",
    "text-to-image": "image-generation", "automatic-speech-recognition": "speech-recognition",
}
REQUIRE = ("open-weights", "api")
OPEN = ("downloadable", "gated")


class AlternativesError(Exception):
    """The question cannot be answered as asked (a usage error)."""


def parameter_class(billions: float) -> str:
    if billions <= 0:
        return UNDISCLOSED
    for name, upper in PARAMETER_CLASSES:
        if billions <= upper:
            return name
    return PARAMETER_CLASSES[-1][0]  # pragma: no cover - inf bounds the last class


def _class_index(name: str) -> int:
    return next((i for i, (n, _) in enumerate(PARAMETER_CLASSES) if n == name), -1)


def parse_params(text: str) -> float:
    """``30B``, ``7.5b``, ``500M``, ``30`` (billions) -> billions. Raises ValueError."""
    s = text.strip().upper().replace(" ", "")
    mult = 1.0
    if s.endswith("B"):
        s = s[:-1]
    elif s.endswith("M"):
        s, mult = s[:-1], 0.001
    elif s.endswith("T"):
        s, mult = s[:-1], 1000.0
    n = float(s) * mult
    if n <= 0:
        raise ValueError(text)
    return n


@dataclass(frozen=True, slots=True)
class Filters:
    avoid: tuple[str, ...] = ()  # jurisdiction codes (EU stands for its members)
    require: str = ""  # open-weights | api
    licenses: tuple[str, ...] = ()  # license classes
    max_params: float = 0.0  # billions; 0 = no limit
    task: str = ""  # overrides the model's own task

    def as_pairs(self) -> tuple[tuple[str, str], ...]:
        out = []
        if self.avoid:
            out.append(("avoid-jurisdiction", ",".join(self.avoid)))
        if self.require:
            out.append(("require", self.require))
        if self.licenses:
            out.append(("license", ",".join(self.licenses)))
        if self.max_params:
            out.append(("max-params", f"{self.max_params:g}B"))
        if self.task:
            out.append(("task", self.task))
        return tuple(out)


def _entry_capability(e: Any, source: str) -> Capability:
    params = float(e.get("parameters") or 0.0)
    return Capability(task=e.get("task", UNKNOWN), modalities=tuple(sorted(e.get("modalities", []))),
                      parameters=params, active_parameters=float(e.get("active_parameters") or 0.0),
                      parameter_class=parameter_class(params), context_length=int(e.get("context_length") or 0),
                      source=source)


def describe(model_id: str, prov: Provenance, kb: Any) -> Capability:
    """What the model asked about can do, and where that was learnt."""
    e = kb.catalog_model(model_id)
    if e is not None:
        return _entry_capability(e, f"rules/{e.path}:{e.line}")
    details = dict(prov.details)
    task = details.get("task", "")
    if task:
        fam = kb.api_model(model_id)
        return Capability(task=task, source=f"rules/{fam.path}:{fam.line}" if fam is not None else "knowledge base")
    tag = details.get("pipeline_tag", "")
    if tag in HUB_TASKS:
        params = int(details.get("parameters", "0") or 0) / 1e9
        mods = ("image", "text") if tag == "image-text-to-text" else ("text",) if HUB_TASKS[tag] != "speech-recognition" else ("audio",)
        return Capability(task=HUB_TASKS[tag], modalities=mods, parameters=params, parameter_class=parameter_class(params),
                          source=f"Hugging Face Hub (pipeline_tag {tag})")
    return Capability(source="")


def _countries(e: Any, prov: Provenance | None, kb: Any) -> tuple[str, ...]:
    """The jurisdictions a candidate puts on the model layer (its lab's, or its resolved origin)
    and, for an API-only one, the first-party providers' (where the data goes)."""
    out: set[str] = set()
    lab = kb.get("labs", e.get("lab", ""))
    if lab is not None and lab.get("country"):
        out.add(lab.get("country"))
    if prov is not None:  # the resolved origin (lineage roots) and publisher
        for f in (prov.country, prov.publisher_country):
            if f.known:
                out.update(f.value.split(","))
    if e.get("weights") == "api-only":
        for pid in e.get("providers", []):
            p = kb.get("providers", pid)
            if p is not None and p.get("country"):
                out.add(p.get("country"))
    return tuple(sorted(out))


def _members(kb: Any) -> dict[str, set[str]]:
    """jurisdiction -> the jurisdictions it is a member of (DE -> {EU})."""
    return {j.id: set(j.get("member_of", []) or []) for j in kb.section("jurisdictions")}


def _avoided(countries: Iterable[str], avoid: tuple[str, ...], members: dict[str, set[str]]) -> str:
    for c in countries:
        if c in avoid:
            return c
        hit = members.get(c, set()) & set(avoid)
        if hit:
            return sorted(hit)[0]
    return ""


def _score(target: Capability, cap: Capability) -> tuple[float, float, tuple[str, ...]]:
    """(score, size distance for ties, reasons)."""
    score, why = 1.0, []
    if target.parameter_class and target.parameter_class != UNDISCLOSED and cap.parameter_class != UNDISCLOSED:
        d = abs(_class_index(target.parameter_class) - _class_index(cap.parameter_class))
        score -= 0.2 * d
        why.append("same size class" if d == 0 else f"{d} size class{'es' if d > 1 else ''} apart")
    elif cap.parameter_class == UNDISCLOSED or target.parameter_class == UNDISCLOSED:
        score -= 0.2
        why.append("size undisclosed")
    if target.context_length and cap.context_length and cap.context_length < target.context_length:
        score -= 0.3 * (1 - cap.context_length / target.context_length)
        why.append("shorter context")
    size = abs(math.log(cap.parameters / target.parameters)) if cap.parameters and target.parameters else 99.0
    return round(max(score, 0.0), 3), round(size, 6), tuple(why)


def alternatives(model_id: str, kb: Any, client: Any, filters: Filters = Filters(), limit: int = 10) -> Alternatives:
    """Rank substitutes for ``model_id``. Raises ``AlternativesError`` when the task is unknown
    and not given, or a filter names something the knowledge base does not know."""
    from sovaudit.resolve.provenance import Resolver

    known_classes = {e.get("class") for e in kb.section("licenses")}
    bad = [c for c in filters.licenses if c not in known_classes]
    if bad:
        raise AlternativesError(f"unknown license class(es) {', '.join(bad)} (known: {', '.join(sorted(known_classes))})")
    known_j = {j.id for j in kb.section("jurisdictions")}
    bad = [j for j in filters.avoid if j not in known_j and len(j) != 2]
    if bad:
        raise AlternativesError(f"not a jurisdiction code: {', '.join(bad)} (ISO 3166-1 alpha-2, or EU)")
    resolver = Resolver(kb, client)
    target_prov = {p.model_id: p for p in resolver.resolve([model_id])}.get(model_id)
    if target_prov is None:  # pragma: no cover - resolve returns every id asked for
        raise AlternativesError(f"{model_id}: could not be resolved")
    target = describe(model_id, target_prov, kb)
    task = filters.task or target.task
    if task == UNKNOWN or not task:
        tasks = sorted({e.get("task") for e in kb.catalog_models()})
        raise AlternativesError(f"the task of {model_id} is not known (not in rules/models.yaml"
                                + ("" if client.offline else ", and the Hub does not say")
                                + f"); give it with --task ({', '.join(tasks)})")
    members = _members(kb)
    excluded: dict[str, int] = {}

    def drop(reason: str) -> None:
        excluded[reason] = excluded.get(reason, 0) + 1

    pool = []
    for e in kb.catalog_models():
        if e.id.lower() == model_id.lower():
            continue
        cap = _entry_capability(e, f"rules/{e.path}:{e.line}")
        if cap.task != task:
            continue
        if not set(target.modalities) <= set(cap.modalities):
            drop(f"does not take {'+'.join(sorted(set(target.modalities) - set(cap.modalities)))} input")
            continue
        weights = e.get("weights")
        if filters.require == "open-weights" and weights not in OPEN:
            drop("API-only (--require open-weights)")
            continue
        if filters.require == "api" and not e.get("providers"):
            drop("no first-party API (--require api)")
            continue
        lic = kb.license(e.get("license", "")) if e.get("license") else None
        lic_class = lic.get("class") if lic is not None else UNKNOWN
        if filters.licenses and lic_class not in filters.licenses:
            drop(f"license class not {'/'.join(filters.licenses)}")
            continue
        if filters.max_params and not (0 < cap.parameters <= filters.max_params):
            drop(f"over {filters.max_params:g}B parameters" if cap.parameters else "size not disclosed (--max-params)")
            continue
        pool.append((e, cap, lic_class))
    provs = {p.model_id: p for p in resolver.resolve([e.id for e, _, _ in pool])} if pool else {}
    out = []
    for e, cap, lic_class in pool:
        prov = provs[e.id]
        countries = _countries(e, prov, kb)
        hit = _avoided(countries, filters.avoid, members) if filters.avoid else ""
        if hit:
            drop(f"subject to {hit} (--avoid-jurisdiction)")
            continue
        score, size, why = _score(target, cap)
        if not countries:
            why += ("jurisdiction unknown",)
        if prov.license_id.known and e.get("license") and prov.license_id.value.lower() != e.get("license").lower():
            why += (f"Hub license {prov.license_id.value}",)
        out.append((size, Candidate(
            model_id=e.id, name=e.get("name", e.id), lab=e.get("lab", UNKNOWN), countries=countries,
            weights=e.get("weights", UNKNOWN), license_id=e.get("license", UNKNOWN), license_class=lic_class,
            capability=cap, providers=tuple(e.get("providers", [])), score=score, reasons=why,
            sources=tuple(e.sources), provenance=prov,
        )))
    out.sort(key=lambda sc: (-sc[1].score, sc[0], sc[1].model_id.lower()))
    ranked = [c for _, c in out]
    shown = tuple(ranked[:limit]) if limit else tuple(ranked)
    return Alternatives(
        model_id=model_id, target=target, target_provenance=target_prov, task=task, filters=filters.as_pairs(),
        candidates=shown, more=len(ranked) - len(shown), excluded=tuple(sorted(excluded.items())),
        offline=bool(getattr(client, "offline", False)), rules_version=kb.version,
    )
