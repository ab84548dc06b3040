"""JSON of ``sovaudit alternatives`` (``alternatives.py``): deterministic, every candidate with its
capability, provenance and the public sources behind its facts."""

from __future__ import annotations

import json
from typing import Any

from sovaudit.model import Alternatives, Capability
from sovaudit.serialize import provenance_to_dict

ALTERNATIVES_SCHEMA_VERSION = "1.0"


def _capability(c: Capability) -> dict[str, Any]:
    return {"task": c.task, "modalities": list(c.modalities), "parameters_billions": c.parameters,
            "active_parameters_billions": c.active_parameters, "parameter_class": c.parameter_class,
            "context_length": c.context_length, "source": c.source}


def to_dict(a: Alternatives) -> dict[str, Any]:
    return {
        "schema_version": ALTERNATIVES_SCHEMA_VERSION,
        "model": a.model_id,
        "task": a.task,
        "capability": _capability(a.target),
        "provenance": provenance_to_dict(a.target_provenance),
        "filters": dict(a.filters),
        "offline": a.offline,
        "rules_version": a.rules_version,
        "candidates": [
            {"rank": i, "model": c.model_id, "name": c.name, "lab": c.lab, "countries": list(c.countries),
             "weights": c.weights, "license": c.license_id, "license_class": c.license_class,
             "providers": list(c.providers), "score": c.score, "reasons": list(c.reasons),
             "capability": _capability(c.capability), "sources": list(c.sources),
             "provenance": provenance_to_dict(c.provenance)}
            for i, c in enumerate(a.candidates, 1)
        ],
        "more": a.more,
        "excluded": [{"reason": r, "count": n} for r, n in a.excluded],
    }


def dumps_json(a: Alternatives) -> str:
    return json.dumps(to_dict(a), indent=2, ensure_ascii=False) + "\n"
