"""Views of a ``ScanResult`` that several writers share: lookups, the verdict, the layer matrix."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from sovaudit.model import (
    LAYERS,
    UNKNOWN,
    EntityInfo,
    Finding,
    Layer,
    Reference,
    Regime,
    RegimeSources,
    ScanResult,
    Severity,
)

SEVERITIES = ("critical", "high", "medium", "low")
LAYER_TITLES = {
    Layer.HARDWARE: "Hardware",
    Layer.CLOUD: "Cloud",
    Layer.INFERENCE: "Inference provider",
    Layer.MODEL: "Model",
    Layer.SOFTWARE: "Software",
}
NODE_TITLES = {
    "model": "model", "lab": "lab", "provider": "provider", "cloud": "cloud", "region": "region",
    "hardware": "hardware", "package": "package", "endpoint": "endpoint", "jurisdiction": "jurisdiction",
}


class ReportError(Exception):
    """A report could not be produced (e.g. a BOM failed validation): nothing was written."""


def safe_url(url: str) -> str:
    """``url`` when it is an absolute http(s) URL, else "" (never a link to anything else)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    if parts.scheme.lower() in ("http", "https") and parts.netloc and not any(c in url for c in "\"'<>` \t\r\n"):
        return url.strip()
    return ""


def jurisdiction_sort_key(j: str) -> tuple:
    return (j == UNKNOWN, j != "EU", j)


@dataclass
class View:
    """Lookups over one result, computed once."""

    result: ScanResult
    _cache: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def refs(self) -> dict[str, Reference]:
        return {r.fingerprint: r for r in self.result.references if r.fingerprint}

    @cached_property
    def entities(self) -> dict[str, EntityInfo]:
        return {e.node: e for e in self.result.report.entities}

    @cached_property
    def regimes(self) -> dict[str, Regime]:
        out: dict[str, Regime] = {}
        for la in self.result.assessment.layers:
            for j in la.jurisdictions:
                for r in j.regimes:
                    out.setdefault(r.id, r)
        return out

    @cached_property
    def regime_sources(self) -> dict[str, RegimeSources]:
        return {r.id: r for r in self.result.report.regimes}

    def sources_of_regime(self, rid: str) -> tuple[str, ...]:
        rs = self.regime_sources.get(rid)
        if rs is not None and rs.sources:
            return rs.sources
        r = self.regimes.get(rid)
        return (r.url,) if r is not None and r.url else ()

    def jurisdiction_name(self, code: str) -> str:
        if code == UNKNOWN:
            return "unknown"
        e = self.entities.get(f"jurisdiction:{code}")
        if e is not None and e.name and e.name != code:
            return e.name
        try:
            import pycountry

            c = pycountry.countries.get(alpha_2=code)
            if c is not None:
                return getattr(c, "common_name", None) or c.name
        except Exception:  # pragma: no cover - pycountry is a dependency of the rules loader
            pass
        return code

    def label(self, node: str) -> str:
        """A short human label for a graph node: its name and id."""
        t, _, key = node.partition(":")
        e = self.entities.get(node)
        if t == "jurisdiction":
            return f"{self.jurisdiction_name(key)} ({key})" if key != UNKNOWN else "unknown jurisdiction"
        if e is not None and e.name and e.name != key:
            return f"{e.name} ({key})"
        return key

    @cached_property
    def severity_counts(self) -> dict[str, int]:
        c = Counter(f.severity.value for f in self.result.findings)
        return {s: c.get(s, 0) for s in SEVERITIES}

    @cached_property
    def verdict(self) -> dict[str, Any]:
        """status: fail | pass | findings | clean, with a one-line text."""
        findings = self.result.findings
        fail_on = self.result.report.fail_on or "none"
        top = max((f.severity for f in findings), key=lambda s: s.rank, default=None)
        if fail_on != "none":
            rank = Severity(fail_on).rank
            failing = [f for f in findings if f.severity.rank >= rank and f.counts]  # not suppressed or baselined
            if failing:
                return {"status": "fail", "fail_on": fail_on, "failing": len(failing), "top": top.value if top else "",
                        "text": f"FAIL: {len(failing)} finding{'s' if len(failing) != 1 else ''} at or above {fail_on}"}
            return {"status": "pass", "fail_on": fail_on, "failing": 0, "top": top.value if top else "",
                    "text": f"PASS: no finding at or above {fail_on}" + (f" ({len(findings)} below it)" if findings else "")}
        if findings:
            assert top is not None  # the highest severity of a non-empty list
            return {"status": "findings", "fail_on": "none", "failing": 0, "top": top.value if top else "",
                    "text": f"{len(findings)} finding{'s' if len(findings) != 1 else ''} (highest severity: {top.value}) "
                            f"under {self.checked}; no --fail-on threshold was set"}
        return {"status": "clean", "fail_on": "none", "failing": 0, "top": "",
                "text": f"No policy findings under {self.checked}"}

    @cached_property
    def checked(self) -> str:
        """What the verdict was judged against, in words: the policies, the home jurisdiction and
        the scope ("the default policy; scope code, config")."""
        return checked_text(self.result)

    @cached_property
    def set_aside(self) -> dict[str, int]:
        """Findings reported but not counted for --fail-on: suppressed inline, or in the baseline."""
        fs = self.result.findings
        return {"suppressed": sum(1 for f in fs if getattr(f, "suppressed", False)),
                "baselined": sum(1 for f in fs if getattr(f, "baselined", False) and not getattr(f, "suppressed", False))}

    @cached_property
    def jurisdictions(self) -> list[str]:
        """Every jurisdiction any layer depends on, EU first, unknown last."""
        js = {j.jurisdiction for la in self.result.assessment.layers for j in la.jurisdictions}
        js |= {f.jurisdiction for f in self.result.findings}
        return sorted(js, key=jurisdiction_sort_key)

    @cached_property
    def matrix(self) -> list[dict[str, Any]]:
        """One row per layer (display order): per jurisdiction the data and supply exposure."""
        rows = []
        for layer in LAYERS:
            la = self.result.assessment.layer(layer)
            cells = {}
            for j in la.jurisdictions:
                ents: dict[str, set[str]] = {"data": set(), "supply": set()}
                refs = {"data": 0, "supply": 0}
                for ex in la.exposures:
                    if ex.jurisdiction == j.jurisdiction:
                        ents[ex.kind.value].add(ex.entity)
                        refs[ex.kind.value] += ex.references
                cells[j.jurisdiction] = {
                    "data": "data" in j.kinds, "supply": "supply" in j.kinds,
                    "data_entities": sorted(ents["data"]), "supply_entities": sorted(ents["supply"]),
                    "references": j.references, "files": j.files,
                }
            rows.append({"layer": layer.value, "title": LAYER_TITLES[layer], "references": la.references,
                         "files": la.files, "cells": cells})
        return rows

    def finding_refs(self, f: Finding) -> list[tuple[Any, Reference | None]]:
        """(first path, reference) per distinct reference behind a finding, in path order."""
        seen: dict[str, Any] = {}
        for p in f.paths:
            key = p.fingerprint or f"{p.path}:{p.line}"
            if key not in seen:
                seen[key] = p
        return [(p, self.refs.get(p.fingerprint)) for p in seen.values()]


def view(result: ScanResult) -> View:
    return View(result)


def policy_names(sources: tuple[str, ...]) -> list[str]:
    """Readable names of the policies applied: 'the default policy', 'home-sovereignty', files."""
    out = []
    for src in sources:
        if src.startswith("sovaudit:policies/"):
            name = src[len("sovaudit:policies/"):].rsplit(".", 1)[0]
            out.append("the default policy" if name == "default" else f"the {name} policy")
        else:
            out.append(src)
    return out


def checked_text(result: ScanResult) -> str:
    """'the default policy (scope code, config)' -- never a bare 'clean'."""
    names = policy_names(result.report.policy_sources) or ["no policy"]
    a = result.assessment
    bits = [f"scope {', '.join(a.scope)}"]
    if a.home:
        bits.insert(0, f"home {a.home}")
    return (" and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]) + f" ({'; '.join(bits)})"


#: What each set-apart reason means, for the reports.
SET_APART_TEXT = {
    "docs": "documentation (outside --scope)",
    "tests": "tests (outside --scope)",
    "docs-copy": "identical copies of documentation files already counted",
    "reserved-domain": "reserved test domains (RFC 2606): not data flows",
    "non-inference-host": "hosts that serve no model (code, chat, packages, telemetry): not data flows",
}

HOME_TEXT = {
    "domestic": "home",
    "foreign": "foreign",
    "data_leaves": "data leaves home",
    "foreign_control": "data at home, foreign legal order",
    "supply_abroad": "supply controlled from abroad",
    "unknown": "unknown",
}
