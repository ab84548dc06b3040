"""``sovaudit diff OLD NEW``: what exposure and which findings two scan documents differ by.

Exposure is compared cause by cause: one cause is one reference (by its line-independent
fingerprint) behind one exposure (layer, kind, jurisdiction, entity). A cause only NEW has is
*added*, one only OLD has is *removed*; code that merely moved is no change. Each changed exposure
says whether it is ``new`` / ``gone`` altogether or has ``more`` / ``fewer`` references, and lists
the file:line of every added (NEW) or removed (OLD) reference.

Findings are compared as a baseline run would (``baseline.Baseline``): a finding of NEW is added
when OLD holds no finding of the same rule on the same exposure (``new``) or holds one without all
of its references (``new references``); a finding of OLD is removed when NEW has no finding of that
rule on that exposure.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sovaudit.model import LAYERS

_SEV_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3}
_LAYER_RANK = {layer.value: i for i, layer in enumerate(LAYERS)}


def _xkey(d: dict[str, Any]) -> tuple[str, str, str, str]:
    return (str(d.get("layer", "")), str(d.get("kind", "")), str(d.get("jurisdiction", "")), str(d.get("entity", "")))


def _cause(p: dict[str, Any]) -> str:
    return str(p.get("fingerprint") or f"{p.get('path', '')}:{p.get('line', 0)}")


@dataclass(frozen=True, slots=True)
class Where:
    path: str
    line: int
    fingerprint: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class ExposureChange:
    layer: str
    kind: str
    jurisdiction: str
    entity: str
    change: str  # new | more references | gone | fewer references
    where: tuple[Where, ...]

    def sort_key(self) -> tuple:
        return (_LAYER_RANK.get(self.layer, 99), self.layer, self.kind, self.jurisdiction, self.entity)


@dataclass(frozen=True, slots=True)
class FindingChange:
    rule_id: str
    severity: str
    message: str
    layer: str
    kind: str
    jurisdiction: str
    entity: str
    change: str  # new | new references | gone
    where: tuple[Where, ...]
    suppressed: bool = False
    suppression: str = ""

    def sort_key(self) -> tuple:
        return (_SEV_RANK.get(self.severity, 9), self.rule_id, _LAYER_RANK.get(self.layer, 99), self.kind,
                self.jurisdiction, self.entity)


@dataclass(frozen=True, slots=True)
class Diff:
    old: dict[str, Any] = field(default_factory=dict)  # root, tool version, rules version, name
    new: dict[str, Any] = field(default_factory=dict)
    exposure_added: tuple[ExposureChange, ...] = ()
    exposure_removed: tuple[ExposureChange, ...] = ()
    findings_added: tuple[FindingChange, ...] = ()
    findings_removed: tuple[FindingChange, ...] = ()

    @property
    def anything_added(self) -> bool:
        """Exposure added, or a finding added that is not suppressed (``--fail-on-added``)."""
        return bool(self.exposure_added) or any(not f.suppressed for f in self.findings_added)

    @property
    def empty(self) -> bool:
        return not (self.exposure_added or self.exposure_removed or self.findings_added or self.findings_removed)


def _reference_index(doc: dict[str, Any]) -> dict[str, Where]:
    """fingerprint -> where, from the document's references (schema 2 routes name references by
    fingerprint only)."""
    out: dict[str, Where] = {}
    for r in doc.get("references", []) or []:
        if isinstance(r, dict) and r.get("fingerprint"):
            out[str(r["fingerprint"])] = Where(str(r.get("path", "")), int(r.get("line", 0) or 0), str(r["fingerprint"]))
    return out


def _where_of(key: str, index: dict[str, Where]) -> Where:
    w = index.get(key)
    if w is not None:
        return w
    path, _, line = key.rpartition(":")  # a reference without a fingerprint is named "path:line"
    return Where(path, int(line), "") if path and line.isdigit() else Where(key, 0, key)


def _wheres(holder: dict[str, Any], index: dict[str, Where]) -> Iterable[tuple[str, Where]]:
    """(cause, where) for every reference behind an exposure or finding: schema 2 ``routes`` or
    schema 1 ``paths``."""
    for r in holder.get("routes", []) or []:
        if r.get("references_total"):
            continue  # a sample of the route's references (schema 2.2): compared by count, in _counts
        for key in r.get("references", []) or []:
            w = _where_of(str(key), index)
            yield w.fingerprint or f"{w.path}:{w.line}", w
    for p in holder.get("paths", []) or []:
        yield _cause(p), Where(str(p.get("path", "")), int(p.get("line", 0) or 0), str(p.get("fingerprint", "")))


def _counts(doc: dict[str, Any]) -> dict[tuple[str, str, str, str], int]:
    """References per exposure on its sampled routes (those listed with ``references_total``)."""
    out: dict[tuple[str, str, str, str], int] = {}
    for la in doc.get("assessment", {}).get("layers", []) or []:
        for e in la.get("exposures", []) or []:
            n = sum(int(r.get("references_total") or 0) for r in e.get("routes", []) or [])
            if n:
                out[_xkey(e)] = out.get(_xkey(e), 0) + n
    return out


def _causes(doc: dict[str, Any], index: dict[str, Where]) -> dict[tuple[str, str, str, str], dict[str, Where]]:
    out: dict[tuple[str, str, str, str], dict[str, Where]] = {}
    for la in doc.get("assessment", {}).get("layers", []) or []:
        for e in la.get("exposures", []) or []:
            causes = out.setdefault(_xkey(e), {})
            for c, w in _wheres(e, index):
                if c not in causes or (w.path, w.line) < (causes[c].path, causes[c].line):
                    causes[c] = w
    return out


def _exposure_changes(a: dict, b: dict, appeared: str, grew: str, na: dict | None = None,
                      nb: dict | None = None) -> tuple[ExposureChange, ...]:
    """Causes ``b`` has and ``a`` has not; for routes listed as a sample (``na``/``nb``: their
    reference counts), a larger count with no place named."""
    na, nb = na or {}, nb or {}
    out: list[ExposureChange] = []
    for key, causes in b.items():
        extra = sorted((w for c, w in causes.items() if c not in a.get(key, {})), key=lambda w: (w.path, w.line, w.fingerprint))
        if extra or nb.get(key, 0) > na.get(key, 0):
            layer, kind, jurisdiction, entity = key
            out.append(ExposureChange(layer, kind, jurisdiction, entity, appeared if key not in a else grew, tuple(extra)))
    return tuple(sorted(out, key=ExposureChange.sort_key))


def _fkey(d: dict[str, Any]) -> tuple[str, ...]:
    return (str(d.get("rule_id", "")),) + _xkey(d)


def _finding_where(d: dict[str, Any], index: dict[str, Where], only: set[str] | None = None) -> tuple[Where, ...]:
    seen: dict[str, Where] = {}
    for c, w in _wheres(d, index):
        if only is not None and c in only:
            continue
        if c not in seen or (w.path, w.line) < (seen[c].path, seen[c].line):
            seen[c] = w
    return tuple(sorted(seen.values(), key=lambda w: (w.path, w.line, w.fingerprint)))


def _finding_change(d: dict[str, Any], change: str, where: tuple[Where, ...]) -> FindingChange:
    return FindingChange(str(d.get("rule_id", "")), str(d.get("severity", "")), str(d.get("message", "")),
                         *_xkey(d), change=change, where=where, suppressed=bool(d.get("suppressed", False)),
                         suppression=str(d.get("suppression", "")))


def _meta(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return {"file": name, "root": doc.get("root", ""), "tool_version": (doc.get("tool") or {}).get("version", ""),
            "rules_version": doc.get("rules_version", ""), "schema_version": doc.get("schema_version", "")}


def diff_documents(old: dict[str, Any], new: dict[str, Any], old_name: str = "OLD", new_name: str = "NEW") -> Diff:
    io, in_ = _reference_index(old), _reference_index(new)
    co, cn = _causes(old, io), _causes(new, in_)
    old_f = [d for d in old.get("findings", []) or [] if isinstance(d, dict)]
    new_f = [d for d in new.get("findings", []) or [] if isinstance(d, dict)]
    old_refs: dict[tuple[str, ...], set[str]] = {}
    old_fps = set()
    for d in old_f:
        old_refs.setdefault(_fkey(d), set()).update(str(r) for r in d.get("references", []) or [])
        old_fps.add(d.get("fingerprint"))
    new_keys = {_fkey(d) for d in new_f}
    added: list[FindingChange] = []
    for d in new_f:
        if d.get("fingerprint") in old_fps:
            continue
        key = _fkey(d)
        if key not in old_refs:
            added.append(_finding_change(d, "new", _finding_where(d, in_)))
            continue
        refs = {str(r) for r in d.get("references", []) or []}
        if not refs <= old_refs[key]:
            added.append(_finding_change(d, "new references", _finding_where(d, in_, old_refs[key])))
    removed = [_finding_change(d, "gone", _finding_where(d, io)) for d in old_f if _fkey(d) not in new_keys]
    return Diff(
        old=_meta(old, old_name), new=_meta(new, new_name),
        exposure_added=_exposure_changes(co, cn, "new", "more references", _counts(old), _counts(new)),
        exposure_removed=_exposure_changes(cn, co, "gone", "fewer references", _counts(new), _counts(old)),
        findings_added=tuple(sorted(added, key=FindingChange.sort_key)),
        findings_removed=tuple(sorted(removed, key=FindingChange.sort_key)),
    )


# ------------------------------------------------------------------------------------------
# Writers
# ------------------------------------------------------------------------------------------


def _where_dict(w: Where) -> dict[str, Any]:
    return {"path": w.path, "line": w.line, "fingerprint": w.fingerprint}


def _xc_dict(x: ExposureChange) -> dict[str, Any]:
    return {"layer": x.layer, "jurisdiction": x.jurisdiction, "kind": x.kind, "entity": x.entity, "change": x.change,
            "where": [_where_dict(w) for w in x.where]}


def _fc_dict(f: FindingChange) -> dict[str, Any]:
    return {"rule_id": f.rule_id, "severity": f.severity, "message": f.message, "layer": f.layer,
            "jurisdiction": f.jurisdiction, "kind": f.kind, "entity": f.entity, "change": f.change,
            "where": [_where_dict(w) for w in f.where], "suppressed": f.suppressed, "suppression": f.suppression}


def to_dict(d: Diff) -> dict[str, Any]:
    return {
        "old": d.old, "new": d.new,
        "summary": {"exposure_added": len(d.exposure_added), "exposure_removed": len(d.exposure_removed),
                    "findings_added": len(d.findings_added), "findings_removed": len(d.findings_removed)},
        "exposure": {"added": [_xc_dict(x) for x in d.exposure_added], "removed": [_xc_dict(x) for x in d.exposure_removed]},
        "findings": {"added": [_fc_dict(f) for f in d.findings_added], "removed": [_fc_dict(f) for f in d.findings_removed]},
    }


def to_json(d: Diff) -> str:
    return json.dumps(to_dict(d), indent=2, ensure_ascii=False) + "\n"


def _by_layer(changes: tuple[ExposureChange, ...]) -> list[tuple[str, list[ExposureChange]]]:
    out: dict[str, list[ExposureChange]] = {}
    for x in changes:
        out.setdefault(x.layer, []).append(x)
    return list(out.items())


def _headline(d: Diff) -> str:
    return f"sovaudit diff {d.old['file']} -> {d.new['file']}"


def _notes(d: Diff) -> list[str]:
    notes = []
    if d.old["rules_version"] != d.new["rules_version"]:
        notes.append(f"rules version differs ({d.old['rules_version']} -> {d.new['rules_version']}): "
                     "some changes may come from the knowledge base, not the code")
    return notes


def _finding_line(f: FindingChange) -> str:
    s = f"[{f.severity}] {f.rule_id}: {f.message} ({f.change})"
    return s + (f" [suppressed: {f.suppression}]" if f.suppressed else "")


def to_text(d: Diff) -> str:
    lines = [_headline(d)] + [f"note: {n}" for n in _notes(d)]
    if d.empty:
        return "\n".join(lines + ["No change in exposure or findings."]) + "\n"
    for title, changes, sign in (("Exposure added", d.exposure_added, "+"), ("Exposure removed", d.exposure_removed, "-")):
        lines.append(f"{title} ({len(changes)}):" if changes else f"{title}: none")
        for layer, xs in _by_layer(changes):
            lines.append(f"  {layer}")
            for x in xs:
                lines.append(f"    {sign} {x.jurisdiction} {x.kind} {x.entity} ({x.change}): " + ", ".join(map(str, x.where)))
    for title, fs, sign in (("Findings added", d.findings_added, "+"), ("Findings removed", d.findings_removed, "-")):
        lines.append(f"{title} ({len(fs)}):" if fs else f"{title}: none")
        for f in fs:
            lines.append(f"  {sign} {_finding_line(f)}: " + ", ".join(map(str, f.where)))
    return "\n".join(lines) + "\n"


def _md(s: str) -> str:
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def to_markdown(d: Diff) -> str:
    out = [f"## {_md(_headline(d))}", ""] + [f"> {_md(n)}" for n in _notes(d)]
    if _notes(d):
        out.append("")
    if d.empty:
        return "\n".join(out + ["No change in exposure or findings.", ""])
    for title, changes in (("Exposure added", d.exposure_added), ("Exposure removed", d.exposure_removed)):
        out += [f"### {title} ({len(changes)})", ""]
        if not changes:
            out += ["None.", ""]
            continue
        out += ["| layer | jurisdiction | kind | entity | change | where |", "|---|---|---|---|---|---|"]
        for x in changes:
            where = "<br>".join(f"`{_md(str(w))}`" for w in x.where)
            out.append(f"| {x.layer} | {_md(x.jurisdiction)} | {x.kind} | `{_md(x.entity)}` | {x.change} | {where} |")
        out.append("")
    for title, fs in (("Findings added", d.findings_added), ("Findings removed", d.findings_removed)):
        out += [f"### {title} ({len(fs)})", ""]
        if not fs:
            out += ["None.", ""]
            continue
        out += ["| severity | rule | message | change | where |", "|---|---|---|---|---|"]
        for f in fs:
            change = f.change + (f" (suppressed: {_md(f.suppression)})" if f.suppressed else "")
            where = "<br>".join(f"`{_md(str(w))}`" for w in f.where)
            out.append(f"| {f.severity} | `{_md(f.rule_id)}` | {_md(f.message)} | {change} | {where} |")
        out.append("")
    return "\n".join(out)


WRITERS = {"text": to_text, "json": to_json, "md": to_markdown}

__all__ = ["Diff", "ExposureChange", "FindingChange", "Where", "diff_documents", "to_dict", "to_json", "to_text",
           "to_markdown", "WRITERS"]
