"""The versioned JSON document (``--format json``): the full scan result, deterministic."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from sovaudit.model import Kind, ScanResult
from sovaudit.serialize import provenance_to_dict, reference_to_dict, skipped_to_dict, suppression_to_dict


def to_document(result: ScanResult) -> dict[str, Any]:
    by_kind = Counter(r.kind.value for r in result.references)
    return {
        "schema_version": result.schema_version,
        "tool": {"name": "sovaudit", "version": result.tool_version},
        "rules_version": result.rules_version,
        "root": result.root,
        "offline": result.offline,
        "summary": {
            "files_seen": result.stats.files_seen,
            "files_skipped": len({s.path for s in result.skipped}),
            "references": {k.value: by_kind.get(k.value, 0) for k in Kind},
            "distinct": {k.value: len({r.id for r in result.references if r.kind == k}) for k in Kind},
        },
        "references": [reference_to_dict(r) for r in result.references],
        "provenance": [provenance_to_dict(p) for p in result.provenance],
        "skipped": [skipped_to_dict(s) for s in result.skipped],
        "assessment": _assessment(result),
        "findings": _findings(result),
        "suppressions": [suppression_to_dict(s) for s in result.suppressions],
        "report": _report(result),
    }


def _report(result: ScanResult) -> dict[str, Any]:
    from sovaudit.report.context import context_to_dict

    return context_to_dict(result.report)


def _assessment(result: ScanResult) -> dict[str, Any]:
    from sovaudit.assess import assessment_to_dict

    return assessment_to_dict(result.assessment)


def _findings(result: ScanResult) -> list[dict[str, Any]]:
    from sovaudit.policy import finding_to_dict

    return [finding_to_dict(f) for f in result.findings]


_compact = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode


def _holds_records(d: dict) -> bool:
    return any(isinstance(v, list) and v and isinstance(v[0], dict) for v in d.values())


def _write(o: Any, indent: str, out: list[str]) -> None:
    """Indented down to the records: a dict that holds no list of records (a reference, a path, an
    evidence, a skipped file ...) is one line. json's C encoder writes those lines; its indenting
    encoder is pure Python and takes seconds on a large scan."""
    inner = indent + "  "
    if isinstance(o, dict) and o and (not indent or _holds_records(o)):
        out.append("{\n")
        last = len(o) - 1
        for i, (k, v) in enumerate(o.items()):
            out.append(f"{inner}{_compact(k)}: ")
            if isinstance(v, (dict, list)):
                _write(v, inner, out)
            else:
                out.append(_compact(v))
            out.append(",\n" if i < last else "\n")
        out.append(indent + "}")
    elif isinstance(o, list) and o and isinstance(o[0], (dict, list)):
        out.append("[\n")
        last = len(o) - 1
        for i, v in enumerate(o):
            out.append(inner)
            if isinstance(v, dict) and not _holds_records(v):
                out.append(_compact(v))
            else:
                _write(v, inner, out)
            out.append(",\n" if i < last else "\n")
        out.append(indent + "]")
    else:
        out.append(_compact(o))


def dumps(result: ScanResult) -> str:
    out: list[str] = []
    _write(to_document(result), "", out)
    return "".join(out) + "\n"
