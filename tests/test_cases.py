"""The upper layers as data: each folder of ``tests/cases/`` holds a small tree (``tree/``), how it
is audited (``case.yaml``: home, policies) and what the audit must say (``expected.yaml``): per
layer, each jurisdiction and how the stack depends on it (data, supply); per model, its origin,
country, control and where it runs; the findings by rule. Every expectation is a fact a reader can
check against the tree in a minute: review ``expected.yaml`` like code.

A new case: write ``tree/`` and ``case.yaml``, run

    SOVAUDIT_UPDATE_CASES=1 python -m pytest tests/test_cases.py

then read the ``expected.yaml`` it wrote, line by line, before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from sovaudit.api import AuditConfig, audit

CASES = Path(__file__).parent / "cases"


def summary(result) -> dict:
    """What a reader of the report would check, as plain data."""
    a = result.assessment
    layers = {}
    for la in a.layers:
        if la.jurisdictions:
            layers[la.layer.value] = {j.jurisdiction: sorted(j.kinds) for j in la.jurisdictions}
    models = {m.model_id: {"origin": sorted(m.origin), "countries": sorted(m.countries), "control": m.control,
                           "weights": m.weights, "deployment": sorted(m.deployment)} for m in a.models}
    findings = sorted({f"{f.rule_id} {f.layer.value} {f.jurisdiction}" for f in result.findings})
    return {"layers": layers, "models": models, "findings": findings}


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if (p / "case.yaml").is_file()))
def test_case(case, kb):
    d = CASES / case
    spec = yaml.safe_load((d / "case.yaml").read_text("utf-8")) or {}
    config = AuditConfig(root=str(d / "tree"), cache_dir="-", jobs=1, offline=True, home=spec.get("home", ""),
                         policies=tuple(spec.get("policies", ())))
    got = summary(audit(config, kb=kb))
    expected_file = d / "expected.yaml"
    if os.environ.get("SOVAUDIT_UPDATE_CASES"):
        expected_file.write_text(yaml.safe_dump(got, sort_keys=True, allow_unicode=True), "utf-8")
    assert expected_file.is_file(), f"{expected_file} is missing: see this module's docstring"
    assert got == yaml.safe_load(expected_file.read_text("utf-8"))
