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


def dumps(result: ScanResult) -> str:
    return json.dumps(to_document(result), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
