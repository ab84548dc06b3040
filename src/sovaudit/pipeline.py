"""The pipeline after detection, in one place: resolve -> graph -> assess -> policy -> report context.

A scan of a tree, a stack file (``stack.py``) and a saved scan document all enter here as a
``ScanResult`` holding references, and leave as the final result every writer consumes. The CLI
and library callers use these functions instead of chaining the stages themselves, so the stages
always run in the same order with the same inputs.
"""

from __future__ import annotations

from typing import Any

from sovaudit.model import DEFAULT_SCOPE, ScanResult


def finish(result: ScanResult, kb: Any, policy: Any, baseline: Any = None, fail_on: str = "none", home: str = "",
           home_source: str = "", scope: tuple[str, ...] = DEFAULT_SCOPE) -> ScanResult:
    """Assess a resolved result (graph and exposure, of the references in ``scope``, against the
    ``home`` jurisdiction when one is set), apply the policy and the baseline, and attach what
    reports need (entities, regimes, policy rules, time)."""
    from sovaudit.assess import assess_scan
    from sovaudit.policy import evaluate_scan
    from sovaudit.report.context import with_context

    result = evaluate_scan(assess_scan(result, kb, None, home, home_source, scope), kb, policy, baseline)
    return with_context(result, kb, policy, fail_on)


def run(result: ScanResult, kb: Any, client: Any, policy: Any, baseline: Any = None, fail_on: str = "none",
        home: str = "", home_source: str = "", scope: tuple[str, ...] = DEFAULT_SCOPE) -> ScanResult:
    """Resolve the models of ``result`` (knowledge base, local artifacts, the Hub through
    ``client``), then ``finish`` it."""
    from sovaudit.resolve import resolve_scan

    return finish(resolve_scan(result, kb, client), kb, policy, baseline, fail_on, home, home_source, scope)
