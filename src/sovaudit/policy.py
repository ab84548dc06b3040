"""Stage 6: policies -- YAML rules that turn exposures into findings.

A policy file is validated against ``schemas/policy.schema.json``; every problem names the file,
the line (from the YAML marks) and what is wrong. The grammar is small and closed::

    version: 1
    rules:
      - id: EU-DATA-001                    # unique across all loaded policies
        severity: high                     # low | medium | high | critical
        message: "Data leaves the EU: {entity} -> {jurisdiction} ({where})"
        when:                              # every condition must hold (all optional)
          layer: [cloud, inference-provider]   # hardware | cloud | inference-provider | model | software
          exposure: data                   # data | supply
          jurisdiction: {not_in: [EU]}     # ISO codes, EU (holds its member states), unknown
          weights: [api-only]              # downloadable | gated | api-only | unknown
          license_class: {not_in: [permissive]}
          lineage_depth: {min: 1, max: 3}  # derived-from hops from the referenced model
          confidence: {min: 0.5}
          context: [code, config]          # code | config | docs | comment

A set condition is one value, a list (any of), or ``{in: [...]}`` / ``{not_in: [...]}``. Layer,
exposure and jurisdiction are conditions on the exposure; the others must hold on at least one of
its paths (``weights`` and ``license_class`` only ever hold on paths that start at a model
reference). A finding is one (rule, exposure) pair with the paths that matched.
"""

from __future__ import annotations

import hashlib
import json
import string
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

import jsonschema
import pycountry
import yaml

from sovaudit.model import (
    UNKNOWN,
    Assessment,
    Exposure,
    ExposurePath,
    Finding,
    Severity,
)
from sovaudit.rules import NON_COUNTRY_JURISDICTIONS, Problem, line_for, load_yaml_with_lines

#: Placeholders a rule's message may use.
PLACEHOLDERS = ("rule", "layer", "kind", "jurisdiction", "entity", "via", "model", "weights", "license_class", "where",
                "references")
_SET_KEYS = ("layer", "exposure", "jurisdiction", "weights", "license_class", "context")
_PATH_KEYS = ("weights", "license_class", "lineage_depth", "confidence", "context")


class PolicyError(Exception):
    """One or more problems in policy files; each names file and line. A configuration error."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True, slots=True)
class SetCondition:
    values: frozenset[str]
    negate: bool = False


@dataclass(frozen=True, slots=True)
class RangeCondition:
    min: float | None = None
    max: float | None = None

    def holds(self, x: float) -> bool:
        return (self.min is None or x >= self.min) and (self.max is None or x <= self.max)


@dataclass(frozen=True, slots=True)
class PolicyRule:
    id: str
    severity: Severity
    message: str
    conditions: tuple[tuple[str, Any], ...]  # (key, SetCondition | RangeCondition), sorted by key
    source: str  # file:line
    description: str = ""

    def condition(self, key: str) -> Any:
        for k, c in self.conditions:
            if k == key:
                return c
        return None


@dataclass(frozen=True, slots=True)
class Policy:
    rules: tuple[PolicyRule, ...] = ()
    sources: tuple[str, ...] = ()


def default_policy_path() -> Path:
    return Path(str(resources.files("sovaudit") / "policies" / "default.yaml"))


def _schema() -> dict:
    return json.loads((resources.files("sovaudit") / "schemas" / "policy.schema.json").read_text("utf-8"))


def _short(err: jsonschema.ValidationError) -> str:
    if err.validator == "additionalProperties":
        return err.message.replace("Additional properties are not allowed", "unknown key(s)")
    if err.validator == "required":
        return err.message.replace("is a required property", "is missing")
    if err.validator == "maxProperties" or err.validator == "minProperties":
        return "use exactly one of 'in' or 'not_in'" if err.schema.get("properties", {}).keys() >= {"in", "not_in"} else err.message
    if err.validator == "pattern" and "EU|unknown" in str(err.validator_value):
        return f"{err.instance!r} is not a jurisdiction (an ISO 3166-1 alpha-2 code in capitals, EU, or unknown)"
    if err.validator == "const" and err.absolute_path and list(err.absolute_path)[-1] == "version":
        return f"unsupported policy version {err.instance!r} (this sovaudit reads version 1)"
    return err.message if len(err.message) < 200 else err.message[:197] + "..."


def _set(raw: Any) -> SetCondition:
    if isinstance(raw, str):
        return SetCondition(frozenset({raw}))
    if isinstance(raw, list):
        return SetCondition(frozenset(raw))
    if "not_in" in raw:
        return SetCondition(frozenset(raw["not_in"]), True)
    return SetCondition(frozenset(raw["in"]))


def _check_message(msg: str) -> str:
    """'' if the message's placeholders are all known, else what is wrong."""
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(msg) if f is not None]
    except ValueError as exc:
        return f"message: malformed placeholder ({exc}); write a literal brace as {{{{ or }}}}"
    for f in fields:
        name = f.split(".", 1)[0].split("[", 1)[0]
        if name not in PLACEHOLDERS:
            shown = "{" + f + "}" if f else "{}"
            return f"message: unknown placeholder {shown} (available: " + ", ".join("{" + p + "}" for p in PLACEHOLDERS) + ")"
    return ""


def load_policy_file(path: str | Path, display: str | None = None) -> tuple[list[PolicyRule], list[Problem]]:
    """Parse and validate one policy file: (rules, problems)."""
    display = display or str(path)
    try:
        text = Path(path).read_text("utf-8")
    except FileNotFoundError:
        return [], [Problem(display, 1, "policy file not found")]
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Problem(display, 1, f"cannot read policy file: {exc}")]
    try:
        data, lines = load_yaml_with_lines(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return [], [Problem(display, mark.line + 1 if mark else 1, f"malformed YAML: {getattr(exc, 'problem', None) or exc}")]
    if data is None:
        return [], [Problem(display, 1, "the policy is empty (expected a mapping with 'rules')")]
    validator = jsonschema.Draft202012Validator(_schema())
    problems: list[Problem] = []
    seen_paths: set[tuple] = set()
    for err in sorted(validator.iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.validator)):
        p = tuple(err.absolute_path)
        if err.validator == "maxProperties" and p in seen_paths:
            continue
        seen_paths.add(p)
        where = ".".join(str(x) for x in p) or "(top)"
        problems.append(Problem(display, line_for(lines, p), f"{where}: {_short(err)}"))
    if problems:
        return [], problems
    rules: list[PolicyRule] = []
    for i, raw in enumerate(data.get("rules", [])):
        base = ("rules", i)
        where = f"rules.{i}"
        bad = _check_message(raw["message"])
        if bad:
            problems.append(Problem(display, line_for(lines, base + ("message",)), f"{where}.{bad}"))
        when = raw.get("when") or {}
        conds: list[tuple[str, Any]] = []
        for key in sorted(when):
            val = when[key]
            if key in _SET_KEYS:
                c = _set(val)
                if key == "jurisdiction":
                    for code in sorted(c.values):
                        if code not in NON_COUNTRY_JURISDICTIONS and code != UNKNOWN and pycountry.countries.get(alpha_2=code) is None:
                            problems.append(Problem(display, line_for(lines, base + ("when", key)),
                                                    f"{where}.when.jurisdiction: {code!r} is not an ISO 3166-1 alpha-2 code, EU or unknown"))
                conds.append((key, c))
            else:
                lo, hi = val.get("min"), val.get("max")
                if lo is not None and hi is not None and lo > hi:
                    problems.append(Problem(display, line_for(lines, base + ("when", key)),
                                            f"{where}.when.{key}: min {lo} is greater than max {hi}"))
                conds.append((key, RangeCondition(lo, hi)))
        rules.append(PolicyRule(raw["id"], Severity(raw["severity"]), raw["message"], tuple(conds),
                                f"{display}:{line_for(lines, base)}", raw.get("description", "")))
    return rules, problems


def load_policy(files: Iterable[str | Path] = (), replace: bool = False) -> Policy:
    """The default policy plus ``files`` (or ``files`` alone with ``replace``). Raises PolicyError."""
    sources: list[tuple[Path, str]] = [] if replace else [(default_policy_path(), "sovaudit:policies/default.yaml")]
    sources += [(Path(f), str(f)) for f in files]
    rules: list[PolicyRule] = []
    problems: list[Problem] = []
    by_id: dict[str, PolicyRule] = {}
    for path, display in sources:
        rs, probs = load_policy_file(path, display)
        problems += probs
        for r in rs:
            prev = by_id.get(r.id)
            if prev is not None:
                file_, _, line = r.source.rpartition(":")
                problems.append(Problem(file_, int(line), f"duplicate rule id {r.id!r} (first defined at {prev.source})"))
                continue
            by_id[r.id] = r
            rules.append(r)
    if problems:
        raise PolicyError(problems)
    return Policy(tuple(rules), tuple(d for _, d in sources))


# ------------------------------------------------------------------------------------------
# Evaluation
# ------------------------------------------------------------------------------------------


def _in_set(value: str, cond: SetCondition, orders: dict[str, tuple[str, ...]] | None = None) -> bool:
    hit = value in cond.values or bool(orders and any(o in cond.values for o in orders.get(value, ())))
    return hit != cond.negate


def _path_ok(rule: PolicyRule, p: ExposurePath) -> bool:
    for key, c in rule.conditions:
        if key == "weights":
            if not p.model or not _in_set(p.weights, c):
                return False
        elif key == "license_class":
            if not p.model or not _in_set(p.license_class, c):
                return False
        elif key == "context":
            if not _in_set(p.context, c):
                return False
        elif key == "lineage_depth":
            if not p.model or not c.holds(p.depth):
                return False
        elif key == "confidence":
            if not c.holds(p.confidence):
                return False
    return True


def _exposure_ok(rule: PolicyRule, e: Exposure, orders: dict[str, tuple[str, ...]]) -> bool:
    for key, c in rule.conditions:
        if key == "layer" and not _in_set(e.layer.value, c):
            return False
        if key == "exposure" and not _in_set(e.kind.value, c):
            return False
        if key == "jurisdiction" and not _in_set(e.jurisdiction, c, orders):
            return False
    return True


def finding_fingerprint(rule_id: str, e: Exposure, ref_fingerprints: Iterable[str]) -> str:
    """Line-independent: the rule, the exposure and the references' own fingerprints."""
    ident = "\x1f".join((rule_id, e.layer.value, e.kind.value, e.jurisdiction, e.entity))
    refs = "\x1f".join(sorted(set(ref_fingerprints)))
    return hashlib.sha256(f"{ident}\x1e{refs}".encode("utf-8", "surrogatepass")).hexdigest()[:32]


class _Fields(dict):
    def __missing__(self, key: str) -> str:  # pragma: no cover - placeholders are validated at load
        return "{" + key + "}"


def _message(rule: PolicyRule, e: Exposure, paths: tuple[ExposurePath, ...]) -> str:
    first = paths[0]
    models = sorted({p.model for p in paths if p.model})
    fields = _Fields(
        rule=rule.id, layer=e.layer.value, kind=e.kind.value, jurisdiction=e.jurisdiction, entity=e.entity,
        via=", ".join(e.via), model=", ".join(models) if models else e.entity,
        weights=first.weights or UNKNOWN, license_class=first.license_class or UNKNOWN,
        where=f"{first.path}:{first.line}" + (f" and {len({(p.path, p.line) for p in paths}) - 1} more" if len({(p.path, p.line) for p in paths}) > 1 else ""),
        references=str(len({p.fingerprint or f'{p.path}:{p.line}' for p in paths})),
    )
    return string.Formatter().vformat(rule.message, (), fields)


def evaluate(policy: Policy, assessment: Assessment, orders: dict[str, tuple[str, ...]] | None = None) -> tuple[Finding, ...]:
    """Findings: one per (rule, exposure) with at least one matching path. ``orders`` maps a
    jurisdiction to the legal orders it belongs to (``assess.memberships(kb)``) so that a set
    naming EU holds its member states."""
    orders = orders or {}
    out: list[Finding] = []
    exposures = assessment.exposures
    for rule in policy.rules:
        path_conds = any(k in _PATH_KEYS for k, _ in rule.conditions)
        for e in exposures:
            if not _exposure_ok(rule, e, orders):
                continue
            paths = tuple(p for p in e.paths if _path_ok(rule, p)) if path_conds else e.paths
            if not paths:
                continue
            fps = tuple(sorted({p.fingerprint or f"{p.path}:{p.line}" for p in paths}))
            out.append(Finding(
                rule_id=rule.id, severity=rule.severity, message=_message(rule, e, paths), layer=e.layer, kind=e.kind,
                jurisdiction=e.jurisdiction, entity=e.entity, via=e.via, references=fps, paths=paths,
                fingerprint=finding_fingerprint(rule.id, e, fps), rule_source=rule.source,
            ))
    return tuple(sorted(out, key=Finding.sort_key))


def fails(findings: Iterable[Finding], threshold: str | Severity | None) -> bool:
    """Is any finding at or above ``threshold`` (None / "none": never)? Suppressed and baselined
    findings never count."""
    if threshold in (None, "", "none"):
        return False
    rank = Severity(threshold).rank
    return any(f.severity.rank >= rank and f.counts for f in findings)


def finding_to_dict(f: Finding) -> dict[str, Any]:
    from sovaudit.assess import routes_to_dicts

    return {
        "rule_id": f.rule_id, "severity": f.severity.value, "message": f.message, "layer": f.layer.value,
        "kind": f.kind.value, "jurisdiction": f.jurisdiction, "entity": f.entity, "via": list(f.via),
        "fingerprint": f.fingerprint, "rule_source": f.rule_source, "references": list(f.references),
        "routes": routes_to_dicts(f.paths),
        "suppressed": f.suppressed, "suppression": f.suppression, "baselined": f.baselined,
    }


__all__ = ["Policy", "PolicyRule", "PolicyError", "load_policy", "load_policy_file", "evaluate", "evaluate_scan", "fails",
           "finding_to_dict", "finding_fingerprint", "default_policy_path", "PLACEHOLDERS"]


def evaluate_scan(result, kb, policy: Policy, baseline=None):
    """The policy stage: the scan result (with its assessment) with its ``findings``, those covered
    by inline suppressions marked ``suppressed`` (``suppress.py``) and those ``baseline`` (a
    ``baseline.Baseline``) holds marked ``baselined``."""
    from dataclasses import replace

    from sovaudit.assess import memberships
    from sovaudit.baseline import apply_baseline
    from sovaudit.suppress import apply_suppressions

    findings = evaluate(policy, result.assessment, memberships(kb))
    findings = apply_suppressions(findings, result.suppressions, result.references)
    return replace(result, findings=apply_baseline(findings, baseline))
