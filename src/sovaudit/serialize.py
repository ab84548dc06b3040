"""Plain-dict (JSON) forms of the model's dataclasses, and back. Used by the JSON writer and caches."""

from __future__ import annotations

from typing import Any

from sovaudit.model import Context, Kind, Location, Reference, Skipped


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
    )


def skipped_to_dict(s: Skipped) -> dict[str, str]:
    return {"path": s.path, "reason": s.reason, "detail": s.detail}


def skipped_from_dict(d: dict[str, Any]) -> Skipped:
    return Skipped(d["path"], d["reason"], d.get("detail", ""))
