"""Plain-dict (JSON) forms of the model's dataclasses, and back. Used by the JSON writer and caches."""

from __future__ import annotations

from typing import Any

from sovaudit.model import Context, Kind, Location, Reference, Skipped, Suppression


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
        "attributes": {k: v for k, v in r.attributes},
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
        "details": {k: v for k, v in p.details},
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
