"""The rows the database keeps of one scan document (``sovaudit.report.jsondoc``, schema 2.x).

Read from the document only -- its published shape, not sovaudit's internals -- so that a scan
stored today and one stored by a later sovaudit are read the same way. Runs in the audit process,
next to the audit, so that the coordinator only inserts.
"""

from __future__ import annotations

from typing import Any

from sovaudit.org.model import UNKNOWN, Rows

#: the relations a layer's home summary lists, in the document's order
HOME_RELATIONS = ("domestic", "foreign", "unknown", "data_leaves", "foreign_control", "supply_abroad")


def _fact(d: Any) -> str:
    if isinstance(d, dict):
        v = d.get("value")
        return str(v) if v not in (None, "") else UNKNOWN
    return UNKNOWN if d in (None, "") else str(d)


def _csv(v: Any) -> str:
    return ",".join(str(x) for x in (v or ()))


def rows(doc: dict[str, Any]) -> Rows:
    refs = tuple(
        (r.get("kind", UNKNOWN), r.get("id", ""), r.get("path", ""), int(r.get("line") or 0), r.get("context", UNKNOWN),
         r.get("detector", ""), float(r.get("confidence") or 0.0), r.get("fingerprint", ""))
        for r in doc.get("references", ()))
    prov = tuple(
        (p.get("model_id", ""), p.get("status", UNKNOWN), _fact(p.get("publisher")), _fact(p.get("country")),
         _fact(p.get("effective_license", p.get("license_id"))), _fact(p.get("effective_license_class", p.get("license_class"))),
         _fact(p.get("weights")), float(p.get("confidence") or 0.0))
        for p in doc.get("provenance", ()))
    assessment = doc.get("assessment") or {}
    jur, exp = [], []
    for la in assessment.get("layers", ()):
        layer = la.get("layer", UNKNOWN)
        for j in la.get("jurisdictions", ()):
            jur.append((layer, j.get("jurisdiction", UNKNOWN), _csv(j.get("kinds")), _csv(j.get("orders")),
                        int(j.get("references") or 0), int(j.get("files") or 0)))
        for e in la.get("exposures", ()):
            exp.append((layer, e.get("kind", UNKNOWN), e.get("jurisdiction", UNKNOWN), _csv(e.get("orders")),
                        e.get("entity", ""), _csv(e.get("via")), float(e.get("confidence") or 0.0),
                        int(e.get("references") or 0)))
    home = assessment.get("home") or {}
    items = []
    for hl in home.get("layers", ()) if home else ():
        for rel in HOME_RELATIONS:
            for it in hl.get(rel, ()):
                for party in it.get("parties", ()) or (UNKNOWN,):
                    items.append((hl.get("layer", UNKNOWN), rel, it.get("jurisdiction", UNKNOWN), party,
                                  int(it.get("references") or 0)))
    findings = tuple(
        (f.get("rule_id", ""), f.get("severity", UNKNOWN), f.get("layer", UNKNOWN), f.get("kind", UNKNOWN),
         f.get("jurisdiction", UNKNOWN), f.get("entity", ""), f.get("message", ""), f.get("fingerprint", ""),
         bool(f.get("suppressed")), bool(f.get("baselined")))
        for f in doc.get("findings", ()))
    skipped = tuple((s.get("path", ""), s.get("reason", ""), s.get("detail", "")) for s in doc.get("skipped", ()))
    header = (str(doc.get("schema_version", "")), str((doc.get("tool") or {}).get("version", "")),
              str(doc.get("rules_version", "")), str(home.get("jurisdiction", "")) if home else "",
              int((doc.get("summary") or {}).get("files_seen") or 0))
    return Rows(references=refs, provenance=prov, jurisdictions=tuple(jur), exposures=tuple(exp),
                home_items=tuple(items), findings=findings, skipped=skipped, header=header)
