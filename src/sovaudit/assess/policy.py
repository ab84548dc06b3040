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
          lineage: [not-established]       # established | inferred | not-established
          home: [data-leaves-home]         # domestic | foreign | data-leaves-home | foreign-control | unknown
          confidence: {min: 0.5}
          context: [code, config]          # code | config | docs | comment

A set condition is one value, a list (any of), or ``{in: [...]}`` / ``{not_in: [...]}``. Layer,
exposure and jurisdiction are conditions on the exposure; the others must hold on at least one of
its paths (``weights``, ``license_class`` and ``lineage`` only ever hold on paths that start at a
model reference; ``home`` only when a home jurisdiction is set). A finding is one rule on one
entity (layer, exposure kind, entity) with every jurisdiction its matching exposures reach and the
paths that matched.

A **lineage rule** -- restricted to the model layer, with a jurisdiction condition (other than
only ``unknown``) or ``lineage_depth`` of at least 1, and not limited to depth 0 -- cannot be decided for a model whose lineage
is not established: nothing says which jurisdictions its ancestors fall under. Such a model gets
its own finding of that rule, marked ``undecided``, never a silent pass.

Shipped policies, by name: ``default`` (always applied unless ``--policy-replace``),
``home-sovereignty`` (applied when a home jurisdiction is set; also ``--policy home-sovereignty``)
and the starters ``eu-data-only``, ``no-lineage-from``, ``api-only-approval`` and
``permissive-only`` (``--policy eu-data-only``). A name wins only when no file of that name exists.
"""

from __future__ import annotations

import hashlib
import json
import string
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

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
from sovaudit.rules import NON_COUNTRY_JURISDICTIONS, Problem, ProblemsError, line_for, load_yaml_with_lines

#: Placeholders a rule's message may use.
PLACEHOLDERS = ("rule", "layer", "kind", "jurisdiction", "entity", "via", "model", "weights", "license_class", "where",
                "references", "home")
_SET_KEYS = ("layer", "exposure", "jurisdiction", "weights", "license_class", "context", "lineage", "home")
_PATH_KEYS = ("weights", "license_class", "lineage_depth", "lineage", "home", "confidence", "context")
#: Policies shipped with sovaudit, by the name ``--policy`` accepts.
SHIPPED_POLICIES = ("default", "home-sovereignty", "eu-data-only", "no-lineage-from", "api-only-approval",
                    "permissive-only")


class PolicyError(ProblemsError):
    """One or more problems in policy files; each names file and line. A configuration error."""


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
    return shipped_policy_path("default")


def shipped_policy_path(name: str) -> Path:
    return Path(str(resources.files("sovaudit") / "policies" / f"{name}.yaml"))


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
        return [], [Problem(display, 1, "policy file not found (shipped policies, by name: "
                                         + ", ".join(SHIPPED_POLICIES) + ")")]
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


def load_policy(files: Iterable[str | Path] = (), replace: bool = False, home: str = "") -> Policy:
    """The default policy (and, with a ``home`` jurisdiction, ``home-sovereignty``) plus ``files``
    (or ``files`` alone with ``replace``). A file name that does not exist and names a shipped
    policy (``home-sovereignty``, ``eu-data-only`` ...; with or without ``.yaml``) is that policy.
    Raises PolicyError."""
    shipped = [] if replace else ["default"] + (["home-sovereignty"] if home else [])
    sources: list[tuple[Path, str]] = []
    for f in files:
        name = str(f)
        if name.endswith(".yaml") and name[:-5] in SHIPPED_POLICIES and "/" not in name and not Path(name).exists():
            name = name[:-5]
        if name in SHIPPED_POLICIES and not Path(name).exists():
            if name not in shipped:
                shipped.append(name)
        else:
            sources.append((Path(f), name))
    sources = [(shipped_policy_path(n), f"sovaudit:policies/{n}.yaml") for n in shipped] + sources
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


def _path_ok(rule: PolicyRule, p: ExposurePath, skip: tuple[str, ...] = ()) -> bool:
    for key, c in rule.conditions:
        if key in skip:
            continue
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
        elif key == "lineage":
            if not p.model or not _in_set(p.lineage, c):
                return False
        elif key == "home":
            if not p.home or not _in_set(p.home, c):
                return False
        elif key == "confidence" and not c.holds(p.confidence):
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


def finding_fingerprint(rule_id: str, e: Exposure, ref_fingerprints: Iterable[str], jurisdictions: Iterable[str] = (),
                        undecided: bool = False) -> str:
    """Line-independent: the rule, the exposure (every jurisdiction of the finding) and the
    references' own fingerprints. A finding with one jurisdiction keeps the fingerprint it had when
    findings were one per exposure."""
    js = "+".join(jurisdictions) or e.jurisdiction
    ident = "\x1f".join((rule_id, e.layer.value, e.kind.value, js, e.entity) + (("undecided",) if undecided else ()))
    refs = "\x1f".join(sorted(set(ref_fingerprints)))
    return hashlib.sha256(f"{ident}\x1e{refs}".encode("utf-8", "surrogatepass")).hexdigest()[:32]


class _Fields(dict):
    def __missing__(self, key: str) -> str:  # pragma: no cover - placeholders are validated at load
        return "{" + key + "}"


def _where(paths: tuple[ExposurePath, ...]) -> str:
    first = paths[0]
    n = len({(p.path, p.line) for p in paths})
    return f"{first.path}:{first.line}" + (f" and {n - 1} more" if n > 1 else "")


def _message(rule: PolicyRule, e: Exposure, paths: tuple[ExposurePath, ...], jurisdictions: tuple[str, ...] = (),
             via: tuple[str, ...] = (), home: str = "") -> str:
    first = paths[0]
    models = sorted({p.model for p in paths if p.model})
    fields = _Fields(
        rule=rule.id, layer=e.layer.value, kind=e.kind.value, jurisdiction=", ".join(jurisdictions) or e.jurisdiction,
        entity=e.entity, via=", ".join(via or e.via), model=", ".join(models) if models else e.entity,
        weights=first.weights or UNKNOWN, license_class=first.license_class or UNKNOWN,
        where=_where(paths),
        references=str(len({p.fingerprint or f'{p.path}:{p.line}' for p in paths})),
        home=home or "home",
    )
    return string.Formatter().vformat(rule.message, (), fields)


def is_lineage_rule(rule: PolicyRule) -> bool:
    """Restricted to the model layer, and about where the weights come from: a jurisdiction
    condition (other than only ``unknown``) or ``lineage_depth`` of at least 1."""
    layer = rule.condition("layer")
    if layer is None or layer.negate or set(layer.values) != {"model"}:
        return False
    d = rule.condition("lineage_depth")
    if d is not None and d.max is not None and d.max < 1:
        return False  # about the model itself (its publisher), not its ancestors
    j = rule.condition("jurisdiction")
    if j is not None and (j.negate or set(j.values) != {UNKNOWN}):
        return True
    return d is not None and d.min is not None and d.min >= 1


def _jsort(j: str) -> tuple:
    return (j == UNKNOWN, j != "EU", j)


def evaluate(policy: Policy, assessment: Assessment, orders: dict[str, tuple[str, ...]] | None = None) -> tuple[Finding, ...]:
    """Findings: one per (rule, layer, exposure kind, entity) whose exposures have at least one
    matching path, listing every jurisdiction they reach. ``orders`` maps a jurisdiction to the
    legal orders it belongs to (``assess.memberships(kb)``) so that a set naming EU holds its
    member states. A lineage rule also gives each model whose lineage is not established an
    undecided finding of its own."""
    orders = orders or {}
    out: list[Finding] = []
    exposures = assessment.exposures
    home = assessment.home
    for rule in policy.rules:
        path_conds = any(k in _PATH_KEYS for k, _ in rule.conditions)
        merged: dict[tuple, list[tuple[Exposure, tuple[ExposurePath, ...]]]] = {}
        for e in exposures:
            if not _exposure_ok(rule, e, orders):
                continue
            paths = tuple(p for p in e.paths if _path_ok(rule, p)) if path_conds else e.paths
            if not paths:
                continue
            merged.setdefault((e.layer, e.kind, e.entity), []).append((e, paths))
        for (_layer, _kind, _entity), hits in merged.items():
            e0 = hits[0][0]
            js = tuple(sorted({e.jurisdiction for e, _ in hits}, key=_jsort))
            via = tuple(sorted({v for e, _ in hits for v in e.via}))
            paths = tuple(p for _, ps in hits for p in ps)
            fps = tuple(sorted({p.fingerprint or f"{p.path}:{p.line}" for p in paths}))
            out.append(Finding(
                rule_id=rule.id, severity=rule.severity, message=_message(rule, e0, paths, js, via, home), layer=e0.layer,
                kind=e0.kind, jurisdiction=js[0], entity=e0.entity, via=via, references=fps, paths=paths,
                fingerprint=finding_fingerprint(rule.id, e0, fps, js), rule_source=rule.source, jurisdictions=js,
            ))
        if is_lineage_rule(rule):
            out.extend(_undecided(rule, exposures, orders, home))
    return tuple(sorted(out, key=Finding.sort_key))


def _undecided(rule: PolicyRule, exposures: tuple[Exposure, ...], orders: dict[str, tuple[str, ...]], home: str) -> list[Finding]:
    """A lineage rule's own finding for each referenced model whose lineage is not established:
    its depth-0 model-layer paths, under every other condition of the rule."""
    by_model: dict[str, tuple[Exposure, dict[ExposurePath, None], set[str]]] = {}  # paths: an ordered set
    for e in exposures:
        if e.layer.value != "model" or not e.entity.startswith("model:"):
            continue
        if any(k == "exposure" and not _in_set(e.kind.value, c) for k, c in rule.conditions):
            continue
        for p in e.paths:
            if p.depth == 0 and p.lineage == "not-established" and _path_ok(rule, p, ("lineage_depth", "lineage")):
                cur = by_model.setdefault(e.entity, (e, {}, set()))
                cur[1][p] = None  # once, in first-seen order (a list's ``in`` made this quadratic)
                cur[2].update(e.via)
    out = []
    for entity, (e, paths, via) in sorted(by_model.items()):
        ps = tuple(paths)
        fps = tuple(sorted({p.fingerprint or f"{p.path}:{p.line}" for p in ps}))
        model = entity.split(":", 1)[1]
        msg = (f"{rule.id} is undecided for {model}: its lineage is not established, so the jurisdictions of its "
               f"ancestors are unknown ({_where(ps)})")
        out.append(Finding(
            rule_id=rule.id, severity=rule.severity, message=msg, layer=e.layer, kind=e.kind, jurisdiction=UNKNOWN,
            entity=entity, via=tuple(sorted(via)), references=fps, paths=ps,
            fingerprint=finding_fingerprint(rule.id, e, fps, (UNKNOWN,), undecided=True), rule_source=rule.source,
            jurisdictions=(UNKNOWN,), undecided=True,
        ))
    return out


def fails(findings: Iterable[Finding], threshold: str | Severity | None) -> bool:
    """Is any finding at or above ``threshold`` (None / "none": never)? Suppressed and baselined
    findings never count."""
    if threshold in (None, "", "none"):
        return False
    rank = Severity(threshold).rank
    return any(f.severity.rank >= rank and f.counts for f in findings)


def failing_lines(findings: Iterable[Finding], threshold: str | Severity | None, limit: int = 50) -> list[str]:
    """Why ``--fail-on threshold`` fails, one line per counting finding at or above it (most severe
    first, at most ``limit`` and a line saying how many more): what a quiet run (a pre-commit hook,
    a CI log) prints so that a failed check always says why."""
    if threshold in (None, "", "none"):
        return []
    rank = Severity(threshold).rank
    hits = sorted((f for f in findings if f.counts and f.severity.rank >= rank), key=lambda f: -f.severity.rank)
    out = [f"  [{f.severity.value}] {f.rule_id}{' (undecided)' if f.undecided else ''}: {f.message}" for f in hits[:limit]]
    if len(hits) > limit:
        out.append(f"  ... {len(hits) - limit} more (write a report: --format json -o sovaudit.json)")
    if hits:
        out.insert(0, f"sovaudit: {len(hits)} finding(s) at or above --fail-on {Severity(threshold).value}:")
        out.append("Accept one with a comment '# sovaudit: ignore[RULE-ID] reason' on or above its line.")
    return out


__all__ = ["Policy", "PolicyRule", "PolicyError", "load_policy", "load_policy_file", "evaluate", "evaluate_scan", "fails",
           "finding_fingerprint", "failing_lines", "default_policy_path", "shipped_policy_path", "is_lineage_rule",
           "PLACEHOLDERS", "SHIPPED_POLICIES"]


def evaluate_scan(result, kb, policy: Policy, baseline=None):
    """The policy stage: the scan result (with its assessment) with its ``findings``, those covered
    by inline suppressions marked ``suppressed`` (``suppress.py``) and those ``baseline`` (a
    ``baseline.Baseline``) holds marked ``baselined``."""
    from dataclasses import replace

    from sovaudit.assess.baseline import apply_baseline
    from sovaudit.assess.exposure import memberships
    from sovaudit.assess.suppress import apply_suppressions

    findings = evaluate(policy, result.assessment, memberships(kb))
    findings = apply_suppressions(findings, result.suppressions, result.references)
    return replace(result, findings=apply_baseline(findings, baseline))
