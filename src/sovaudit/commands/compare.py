"""``sovaudit compare A B [C ...]``: stacks side by side, and what changes from the first to each other.

Every input becomes a final ``ScanResult`` through the same pipeline (``sovaudit.api``) with the same
knowledge base and policy, then a ``StackSummary`` (``model.py``):

* a stack file (``stack.py``) -- resolved like a scan;
* a saved scan document (``--format json``) -- its references and provenance as recorded,
  re-assessed with today's rules and the given policy (no new Hub look-ups);
* a directory -- scanned on the fly.

``changes`` lists, for one pair, the jurisdictions each layer gains or loses (and whether data or
supply exposure), the providers, clouds, regions, hardware, packages and models that come and go,
API-only dependence, license classes and the policy verdict.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from sovaudit.model import (
    LAYERS,
    UNKNOWN,
    Comparison,
    Layer,
    LayerJurisdictionView,
    ScanResult,
    Severity,
    StackChange,
    StackLayerView,
    StackModelView,
    StackSummary,
    Status,
)

SOURCE_KINDS = ("stack", "scan", "directory")
_SEVERITIES = tuple(s.value for s in sorted(Severity, key=lambda s: -s.rank))


class InputError(Exception):
    """An input that is neither a stack file, a scan document nor a directory (a usage error).
    ``problems`` holds one line per problem (``FILE:LINE: FIELD: message`` for stack files)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def input_kind(path: str | Path) -> str:
    p = Path(path)
    if p.is_dir():
        return "directory"
    if p.suffix.lower() == ".json":
        return "scan"
    if p.suffix.lower() in (".yaml", ".yml"):
        return "stack"
    raise InputError([f"{path}: not a stack file (.yaml/.yml), a scan document (.json) or a directory"])


def document_result(doc: dict[str, Any]) -> ScanResult:
    """A saved scan document's references and provenance as a result the pipeline can assess."""
    from sovaudit.model import ScanStats
    from sovaudit.serialize import provenance_from_dict, reference_from_dict, skipped_from_dict, suppression_from_dict

    return ScanResult(
        root=str(doc.get("root", "")),
        tool_version=str(doc.get("tool", {}).get("version", "")),
        rules_version=str(doc.get("rules_version", "")),
        references=tuple(reference_from_dict(r) for r in doc.get("references", [])),
        skipped=tuple(skipped_from_dict(s) for s in doc.get("skipped", [])),
        stats=ScanStats(),
        provenance=tuple(provenance_from_dict(p) for p in doc.get("provenance", [])),
        offline=bool(doc.get("offline", False)),
        suppressions=tuple(suppression_from_dict(s) for s in doc.get("suppressions", [])),
    )


def load_input(path: str | Path, kb: Any, client: Any, policy: Any, fail_on: str,
               scan_dir: Callable[[Path], ScanResult]) -> tuple[ScanResult, str]:
    """One input as a final result and its kind. ``scan_dir`` audits a directory to its final result
    (the caller owns the options and progress: ``api.audit``). Raises ``InputError``."""
    from sovaudit import api

    kind = input_kind(path)
    if kind == "directory":
        return scan_dir(Path(path)), kind
    if kind == "scan":
        from sovaudit.assess.baseline import DocumentError, load_document

        try:
            doc = load_document(path)
        except DocumentError as exc:
            raise InputError([str(exc)]) from None
        result = document_result(doc)
        return replace(api.after_resolve(result, kb, policy, None, fail_on), rules_version=kb.version), kind
    from sovaudit.commands.stack import StackError, load_stack

    try:
        result = load_stack(path, kb, display=str(path))
    except StackError as exc:
        raise InputError([str(p) for p in exc.problems]) from None
    return api.after_scan(result, kb, client, policy, None, fail_on), kind


# ------------------------------------------------------------------------------------------
# Summaries
# ------------------------------------------------------------------------------------------


def _bare(node: str) -> str:
    return node.split(":", 1)[1] if node.startswith("provider:") else node


def summarize(result: ScanResult, source: str, kind: str) -> StackSummary:
    from sovaudit.report.common import view

    layers = []
    for layer in LAYERS:
        la = result.assessment.layer(layer)
        through: dict[str, set[str]] = defaultdict(set)  # jurisdiction -> the nodes subject to it
        for e in la.exposures:
            through[e.jurisdiction].update(v for v in e.via if not v.startswith("jurisdiction:"))
        js = tuple(LayerJurisdictionView(j.jurisdiction, tuple(sorted(j.kinds)), tuple(sorted(through[j.jurisdiction])))
                   for j in la.jurisdictions)
        layers.append(StackLayerView(layer, js, tuple(sorted({e for j in js for e in j.entities}))))
    models = tuple(sorted(
        StackModelView(m.model_id, m.control, m.weights, tuple(sorted(_bare(d) for d in m.deployment)),
                       tuple(sorted(m.countries)), m.license_class, m.status)
        for m in result.assessment.models))
    api_only = tuple((m.model_id, tuple(d for d in m.deployment if d != "self-hosted")) for m in models if m.control == "api-only")
    lic = Counter(m.license_class for m in models)
    v = view(result).verdict
    counted = Counter(f.severity.value for f in result.findings if f.counts)
    referenced = {m.model_id for m in models}
    unverified = tuple(sorted(p.model_id for p in result.provenance
                              if p.model_id in referenced and p.status in (Status.UNVERIFIED, Status.UNRESOLVED)))
    return StackSummary(
        name=result.root, source=source, source_kind=kind, layers=tuple(layers), models=models, api_only=api_only,
        license_classes=tuple(sorted(lic.items())), verdict=v["status"], fail_on=v["fail_on"], failing=v["failing"],
        findings=tuple((s, counted[s]) for s in _SEVERITIES if counted.get(s)), unverified=unverified,
        references=len(result.references),
    )


# ------------------------------------------------------------------------------------------
# Changes
# ------------------------------------------------------------------------------------------


def _kinds(ks: Iterable[str]) -> str:
    return "+".join(sorted(ks)) or "none"


def _entity_jurisdictions(la: StackLayerView) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for j in la.jurisdictions:
        for e in j.entities:
            out[e].add(j.jurisdiction)
    return out


def _model_detail(m: StackModelView) -> str:
    parts = [",".join(m.countries) or UNKNOWN, ", ".join(m.deployment) or "deployment unknown"]
    if m.license_class != UNKNOWN:
        parts.append(m.license_class)
    if m.control == "api-only":
        parts.append("API-only")
    return "; ".join(parts)


def changes(a: StackSummary, b: StackSummary) -> tuple[StackChange, ...]:
    """What changes from ``a`` to ``b``, in display order (layers first, then models, API-only
    dependence, licenses and the verdict)."""
    out: list[StackChange] = []

    def add(topic: str, change: str, subject: str, detail: str = "") -> None:
        out.append(StackChange(a.name, b.name, len(out), topic, change, subject, detail))

    for layer in LAYERS:
        la, lb = a.layer(layer), b.layer(layer)
        ja = {j.jurisdiction: j for j in la.jurisdictions}
        jb = {j.jurisdiction: j for j in lb.jurisdictions}
        for code in sorted(set(ja) | set(jb), key=_jkey):
            if code not in ja:
                add(layer.value, "added", f"jurisdiction {code}", f"{_kinds(jb[code].kinds)} exposure, through {', '.join(jb[code].entities)}")
            elif code not in jb:
                add(layer.value, "removed", f"jurisdiction {code}", f"{_kinds(ja[code].kinds)} exposure")
            elif ja[code].kinds != jb[code].kinds:
                add(layer.value, "changed", f"jurisdiction {code}", f"{_kinds(ja[code].kinds)} -> {_kinds(jb[code].kinds)} exposure")
        if layer == Layer.MODEL:
            continue  # models are listed with their details below
        ea, eb = _entity_jurisdictions(la), _entity_jurisdictions(lb)
        for e in sorted(set(eb) - set(ea)):
            add(layer.value, "added", e, ",".join(sorted(eb[e], key=_jkey)))
        for e in sorted(set(ea) - set(eb)):
            add(layer.value, "removed", e, ",".join(sorted(ea[e], key=_jkey)))
    ma, mb = {m.model_id: m for m in a.models}, {m.model_id: m for m in b.models}
    for mid in sorted(set(mb) - set(ma)):
        add("models", "added", mid, _model_detail(mb[mid]))
    for mid in sorted(set(ma) - set(mb)):
        add("models", "removed", mid, _model_detail(ma[mid]))
    for mid in sorted(set(ma) & set(mb)):
        if ma[mid].deployment != mb[mid].deployment:
            add("models", "changed", mid, f"served {', '.join(ma[mid].deployment) or 'unknown'} -> {', '.join(mb[mid].deployment) or 'unknown'}")
    aa, ab = dict(a.api_only), dict(b.api_only)
    for mid in sorted(set(ab) - set(aa)):
        add("api-only", "added", mid, f"via {', '.join(ab[mid]) or 'an unknown provider'}")
    for mid in sorted(set(aa) - set(ab)):
        add("api-only", "removed", mid, f"was via {', '.join(aa[mid]) or 'an unknown provider'}")
    la_, lb_ = dict(a.license_classes), dict(b.license_classes)
    for cls in sorted(set(la_) | set(lb_)):
        if la_.get(cls, 0) != lb_.get(cls, 0):
            add("licenses", "changed", cls, f"{la_.get(cls, 0)} -> {lb_.get(cls, 0)} model(s)")
    if a.verdict != b.verdict or a.failing != b.failing:
        add("verdict", "changed", f"{a.verdict} -> {b.verdict}",
            f"{a.failing} -> {b.failing} finding(s) at or above {b.fail_on}" if b.fail_on != "none" else "")
    return tuple(out)


def _jkey(code: str) -> tuple:
    from sovaudit.report.common import jurisdiction_sort_key

    return jurisdiction_sort_key(code)


def compare(summaries: list[StackSummary], kb: Any, policy: Any = None, fail_on: str = "none",
            generated: str = "", offline: bool = False, network: str = "") -> Comparison:
    counts = Counter(s.name for s in summaries)
    summaries = [replace(s, name=f"{s.name} ({s.source})") if counts[s.name] > 1 else s for s in summaries]
    base = summaries[0]
    ch: list[StackChange] = []
    for other in summaries[1:]:
        ch.extend(changes(base, other))
    return Comparison(
        stacks=tuple(summaries), changes=tuple(ch), tool_version=_version(), rules_version=kb.version,
        generated=generated, fail_on=fail_on,
        policy_sources=tuple(getattr(policy, "sources", ()) or ()), offline=offline,
        orders=_orders(summaries, kb), network=network,
    )


def _orders(summaries: list[StackSummary], kb: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    from sovaudit.assess.exposure import orders_of

    return orders_of((j.jurisdiction for s in summaries for la in s.layers for j in la.jurisdictions), kb)


def compare_inputs(paths: Iterable[str | Path], kb: Any, client: Any, policy: Any, fail_on: str,
                   scan_dir: Callable[[Path], ScanResult], generated: str = "") -> Comparison:
    """Load every input (``load_input``), summarise it and compare them, the first being the
    base. Raises ``InputError`` with the problems of every unusable input (not just the first)."""
    from sovaudit.report.context import hub_line

    summaries: list[StackSummary] = []
    problems: list[str] = []
    provenance: list[Any] = []
    for p in paths:
        try:
            result, kind = load_input(p, kb, client, policy, fail_on, scan_dir)
        except InputError as exc:
            problems.extend(x for x in exc.problems if x not in problems)
            continue
        summaries.append(summarize(result, Path(p).as_posix(), kind))
        provenance.extend(result.provenance)
    if problems:
        raise InputError(problems)
    offline = bool(getattr(client, "offline", False))
    return compare(summaries, kb, policy, fail_on, generated, offline=offline, network=hub_line(offline, provenance))


def _version() -> str:
    from sovaudit import __version__

    return __version__


def failing(comparison: Comparison) -> tuple[str, ...]:
    """Names of the stacks that fail the policy at ``--fail-on``."""
    return tuple(s.name for s in comparison.stacks if s.verdict == "fail")
