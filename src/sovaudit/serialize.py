"""Plain-dict (JSON) forms of the model's dataclasses, and back: the one place that says how a
reference, a provenance, an assessment or a finding looks in the JSON document (schema in
``schemas/scan-result.schema.json``), for the JSON writer, the caches and saved documents."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sovaudit.model import (
    ROUTE_REFERENCES,
    Assessment,
    Context,
    Exposure,
    ExposurePath,
    ExposureRoute,
    Finding,
    HomeItem,
    Kind,
    Location,
    Reference,
    Regime,
    Skipped,
    Suppression,
)


def location_to_dict(loc: Location) -> dict[str, Any]:
    d: dict[str, Any] = {"path": loc.path, "line": loc.line, "column": loc.column}
    if loc.cell:
        d["cell"] = loc.cell
    return d


def reference_to_dict(r: Reference) -> dict[str, Any]:
    d: dict[str, Any] = {
        "kind": r.kind.value,
        "id": r.id,
        "text": r.text,
        "path": r.path,
        "line": r.line,
        "column": r.column,
        "detector": r.detector,
        "form": r.form,
        "context": r.context.value,
        "confidence": r.confidence,
        "provider": r.provider,
        "attributes": dict(r.attributes),
        "related": [location_to_dict(loc) for loc in r.related],
        "fingerprint": r.fingerprint,
        "snippet": r.snippet,
    }
    if r.cell:
        d["cell"] = r.cell
    return d


def reference_from_dict(d: dict[str, Any]) -> Reference:
    return Reference(
        kind=Kind(d["kind"]),
        id=d["id"],
        text=d["text"],
        path=d["path"],
        line=int(d["line"]),
        column=int(d["column"]),
        detector=d["detector"],
        form=d["form"],
        context=Context(d["context"]),
        confidence=float(d["confidence"]),
        provider=d.get("provider", ""),
        cell=int(d.get("cell", 0)),
        attributes=tuple(sorted(d.get("attributes", {}).items())),
        related=tuple(Location(x["path"], int(x["line"]), int(x.get("column", 1)), int(x.get("cell", 0))) for x in d.get("related", [])),
        fingerprint=d.get("fingerprint", ""),
        snippet=d.get("snippet", ""),
    )


def suppression_to_dict(s: Suppression) -> dict[str, Any]:
    d = {"path": s.path, "line": s.line, "rules": list(s.rules), "reason": s.reason, "valid": s.valid}
    if s.expires:
        d["expires"] = s.expires
    return d


def suppression_from_dict(d: dict[str, Any]) -> Suppression:
    return Suppression(d["path"], int(d["line"]), tuple(d["rules"]), d["reason"], bool(d.get("valid", True)),
                       str(d.get("expires", "")))


def skipped_to_dict(s: Skipped) -> dict[str, str]:
    return {"path": s.path, "reason": s.reason, "detail": s.detail}


def skipped_from_dict(d: dict[str, Any]) -> Skipped:
    return Skipped(d["path"], d["reason"], d.get("detail", ""))


def _fact(f) -> dict[str, Any]:
    return {"value": f.value, "evidence": [evidence_to_dict(e) for e in f.evidence]}


def evidence_to_dict(e) -> dict[str, str]:
    d = {"source": e.source, "detail": e.detail}
    if e.url:
        d["url"] = e.url
    if e.retrieved:
        d["retrieved"] = e.retrieved
    return d


def provenance_to_dict(p) -> dict[str, Any]:
    return {
        "model_id": p.model_id,
        "status": p.status.value,
        "reason": p.reason,
        "confidence": p.confidence,
        "publisher": _fact(p.publisher),
        "publisher_country": _fact(p.publisher_country),
        "origin_lab": _fact(p.origin_lab),
        "country": _fact(p.country),
        "license_id": _fact(p.license_id),
        "license_class": _fact(p.license_class),
        "weights": _fact(p.weights),
        "provider": _fact(p.provider),
        "parents": [{"parent": h.parent, "relation": h.relation, "evidence": [evidence_to_dict(e) for e in h.evidence]} for h in p.parents],
        "conflicts": [{"field": c.field, "note": c.note, "values": [_fact(f) for f in c.values]} for c in p.conflicts],
        "details": dict(p.details),
        "lineage": _fact(p.lineage),
        "effective_license": _fact(p.effective_license),
        "effective_license_class": _fact(p.effective_license_class),
    }


def evidence_from_dict(d: dict[str, Any]):
    from sovaudit.model import Evidence

    return Evidence(str(d["source"]), str(d["detail"]), str(d.get("url", "")), str(d.get("retrieved", "")))


def _fact_from(d: dict[str, Any] | None):
    from sovaudit.model import UNKNOWN, Fact

    if not d:
        return Fact()
    return Fact(str(d.get("value", UNKNOWN)), tuple(evidence_from_dict(e) for e in d.get("evidence", [])))


def provenance_from_dict(d: dict[str, Any]):
    """The inverse of ``provenance_to_dict`` (a saved scan document's provenance, read back)."""
    from sovaudit.model import Conflict, LineageHop, Provenance, Status

    return Provenance(
        model_id=d["model_id"],
        status=Status(d["status"]),
        reason=d.get("reason", ""),
        publisher=_fact_from(d.get("publisher")),
        publisher_country=_fact_from(d.get("publisher_country")),
        origin_lab=_fact_from(d.get("origin_lab")),
        country=_fact_from(d.get("country")),
        license_id=_fact_from(d.get("license_id")),
        license_class=_fact_from(d.get("license_class")),
        weights=_fact_from(d.get("weights")),
        provider=_fact_from(d.get("provider")),
        parents=tuple(LineageHop(h["parent"], h["relation"], tuple(evidence_from_dict(e) for e in h.get("evidence", [])))
                      for h in d.get("parents", [])),
        conflicts=tuple(Conflict(c["field"], tuple(_fact_from(f) for f in c.get("values", [])), c.get("note", ""))
                        for c in d.get("conflicts", [])),
        confidence=float(d.get("confidence", 0.0)),
        details=tuple(sorted((str(k), str(v)) for k, v in (d.get("details") or {}).items())),
        lineage=_fact_from(d.get("lineage")),
        effective_license=_fact_from(d.get("effective_license")),
        effective_license_class=_fact_from(d.get("effective_license_class")),
    )


# -- the assessment and the findings -----------------------------------------------------


def _routes_of(paths: Iterable[ExposurePath]) -> tuple[ExposureRoute, ...]:
    from sovaudit.assess.exposure import routes_of

    return routes_of(paths)


def route_to_dict(r: ExposureRoute) -> dict[str, Any]:
    d: dict[str, Any] = {"route": " ".join([r.nodes[0]] + [f"-{e}-> {n}" for e, n in zip(r.edges, r.nodes[1:])]),
                         "nodes": list(r.nodes), "edges": list(r.edges), "confidence": r.confidence}
    if r.model:
        d.update({"model": r.model, "weights": r.weights, "license_class": r.license_class, "lineage_depth": r.depth,
                  "lineage": r.lineage, "access": r.access})
    if r.serving:
        d["serving"] = r.serving
    if r.home:
        d["home"] = r.home
    d["references"] = list(r.references[:ROUTE_REFERENCES])
    if len(r.references) > ROUTE_REFERENCES:
        d["references_total"] = len(r.references)
    return d


def routes_to_dicts(paths: Iterable[ExposurePath]) -> list[dict[str, Any]]:
    """JSON schema 2 ``routes`` of a set of paths: one record per route, listing the references
    that take it. Every reference's file and line are in the document's ``references``; writing
    them (and the shared rest of the route) once per reference made large scans' documents five
    times the size for nothing."""
    return [route_to_dict(r) for r in _routes_of(paths)]


def regime_to_dict(r: Regime) -> dict[str, Any]:
    return {"jurisdiction": r.jurisdiction, "id": r.id, "name": r.name, "year": r.year, "kind": r.kind,
            "effect": r.effect, "applies_to": list(r.applies_to), "url": r.url}


def exposure_to_dict(e: Exposure) -> dict[str, Any]:
    return {"layer": e.layer.value, "kind": e.kind.value, "jurisdiction": e.jurisdiction, "orders": list(e.orders),
            "entity": e.entity, "via": list(e.via), "confidence": e.confidence, "references": e.references,
            "regimes": list(e.regimes), "routes": [route_to_dict(r) for r in (e.routes or _routes_of(e.paths))],
            **({"hosts": hosts_to_dict(e)} if e.hosts else {})}


def hosts_to_dict(e: Exposure) -> dict[str, Any]:
    """The self-hosted uses that run on an exposure's entity (2.3): how many references, how many
    entities, and the first ``ROUTE_REFERENCES`` of those."""
    return {"references": e.hosts, "entities": list(e.hosts_entities[:ROUTE_REFERENCES]),
            "entities_total": len(e.hosts_entities)}


def home_item_to_dict(h: HomeItem) -> dict[str, Any]:
    return {"jurisdiction": h.jurisdiction, "parties": list(h.parties), "references": h.references}


def assessment_to_dict(a: Assessment, exposures: bool = True) -> dict[str, Any]:
    """``exposures=False`` leaves each layer's ``exposures`` empty (the JSON writer streams them)."""
    return {
        "scope": list(a.scope),
        "set_apart": [{"reason": x.reason, "references": x.references, "files": x.files, "ids": list(x.ids), "more": x.more}
                      for x in a.set_apart],
        "home": {"jurisdiction": a.home, "source": a.home_source,
                 "layers": [{"layer": h.layer.value,
                             **{k: [home_item_to_dict(i) for i in getattr(h, k)]
                                for k in ("domestic", "foreign", "unknown", "data_leaves", "foreign_control", "supply_abroad")},
                             "api_only": list(h.api_only), "self_hosted": list(h.self_hosted),
                             "not_established": list(h.not_established)}
                            for h in a.home_layers]} if a.home else None,
        "layers": [
            {
                "layer": la.layer.value,
                "references": la.references,
                "files": la.files,
                "jurisdictions": [
                    {"jurisdiction": j.jurisdiction, "orders": list(j.orders), "kinds": list(j.kinds),
                     "entities": list(j.entities), "references": j.references, "files": j.files,
                     "dependents": j.dependents, "regimes": [regime_to_dict(r) for r in j.regimes]}
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
             "lineage_status": m.lineage_status, "lineage_reason": m.lineage_reason,
             "serving": [{"route": x.route, "processor": x.processor, "scope": x.scope, "references": x.references,
                          "evidence": x.evidence} for x in m.serving],
             "licenses": [{"access": x.access, "license_id": x.license_id, "license_class": x.license_class,
                           "references": x.references, "url": x.url, "inherited_from": x.inherited_from}
                          for x in m.licenses],
             "lineage": [{"depth": x.depth, "child": x.child, "relation": x.relation, "parent": x.parent, "country": x.country}
                         for x in m.lineage]}
            for m in a.models
        ],
    }


def finding_to_dict(f: Finding) -> dict[str, Any]:
    return {
        "rule_id": f.rule_id, "severity": f.severity.value, "message": f.message, "layer": f.layer.value,
        "kind": f.kind.value, "jurisdiction": f.jurisdiction, "entity": f.entity, "via": list(f.via),
        "jurisdictions": list(f.jurisdictions or (f.jurisdiction,)), "undecided": f.undecided,
        "fingerprint": f.fingerprint, "rule_source": f.rule_source, "references": list(f.references),
        "routes": routes_to_dicts(f.paths),
        "suppressed": f.suppressed, "suppression": f.suppression, "baselined": f.baselined,
    }

