"""Inline suppressions, applied in the policy stage.

The scanner records every ``sovaudit: ignore[RULE-ID, ...] reason`` comment, in any comment syntax
(``snippets.suppressions``). A valid one (at least one rule id and a reason) on line N covers the
references written on line N (a trailing comment) and on line N + 1 (a comment just above). A
finding is suppressed when *every* reference that causes it is covered by a suppression naming the
finding's rule id; a reference also counts as covered when a suppression covers one of its related
locations (e.g. the call site a propagated constant is used at). One uncovered reference -- a new
place the same exposure comes from -- keeps the finding live.

Suppressed findings stay in the result, marked with the reasons given, and never count for
``--fail-on``. Invalid suppressions (no rule id, or no reason) suppress nothing; reports list them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace

from sovaudit.model import Finding, Reference, Suppression


def _index(suppressions: Iterable[Suppression]) -> dict[tuple[str, str, int], list[Suppression]]:
    """(rule id, path, line of a covered reference) -> the valid suppressions that cover it."""
    idx: dict[tuple[str, str, int], list[Suppression]] = defaultdict(list)
    for s in sorted(set(suppressions)):
        if not s.valid:
            continue
        for rule in s.rules:
            for line in (s.line, s.line + 1):
                idx[(rule, s.path, line)].append(s)
    return idx


def apply_suppressions(findings: Iterable[Finding], suppressions: Iterable[Suppression],
                       references: Iterable[Reference] = ()) -> tuple[Finding, ...]:
    """``findings`` with those every cause of which is covered marked ``suppressed``, in order."""
    findings = tuple(findings)
    idx = _index(suppressions)
    if not idx:
        return findings
    related = {r.fingerprint: r.related for r in references if r.fingerprint and r.related}
    out: list[Finding] = []
    for f in findings:
        causes: dict[str, set[tuple[str, int]]] = defaultdict(set)
        for p in f.paths:
            key = p.fingerprint or f"{p.path}:{p.line}"
            causes[key].add((p.path, p.line))
            causes[key].update((loc.path, loc.line) for loc in related.get(p.fingerprint, ()))
        used: list[Suppression] = []
        for locs in causes.values():
            hits = [s for path, line in sorted(locs) for s in idx.get((f.rule_id, path, line), ())]
            if not hits:
                used = []
                break
            used.extend(hits)
        if used:
            reasons = list(dict.fromkeys(s.reason for s in sorted(set(used))))
            f = replace(f, suppressed=True, suppression="; ".join(reasons))
        out.append(f)
    return tuple(out)


def invalid(suppressions: Iterable[Suppression]) -> list[Suppression]:
    """The suppressions that suppress nothing because they name no rule or give no reason."""
    return sorted(s for s in set(suppressions) if not s.valid)


def why_invalid(s: Suppression) -> str:
    if s.expires and s.rules and s.reason:
        return f"expired on {s.expires}"
    if not s.rules and not s.reason:
        return "no rule id and no reason"
    return "no rule id" if not s.rules else "no reason"


__all__ = ["apply_suppressions", "invalid", "why_invalid"]
