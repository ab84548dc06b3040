"""What the writers need beyond the scan, gathered once into ``ScanResult.report``.

Writers consume only the final ``ScanResult``. The knowledge base and the policy are not passed to
them: the names, countries and public sources of the entities exposures go through, every source of
the regimes that apply, the loaded policy rules, the ``--fail-on`` threshold, the report time
(``SOURCE_DATE_EPOCH`` when set, for reproducible reports, else now), the audited git revision, the
knowledge base's date and a line saying what the Hub did are copied into a ``ReportContext`` here.
"""

from __future__ import annotations

import datetime as _dt
import functools
import os
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from sovaudit.model import UNKNOWN, EntityInfo, PolicyRuleInfo, RegimeSources, ReportContext, ScanResult, VcsInfo


def source_date(env: dict[str, str] | None = None) -> str:
    """ISO 8601 UTC time of ``SOURCE_DATE_EPOCH``; "" when unset or not an integer."""
    raw = (env if env is not None else os.environ).get("SOURCE_DATE_EPOCH", "").strip()
    if not raw.isdigit():
        return ""
    try:
        t = _dt.datetime.fromtimestamp(int(raw), tz=_dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return ""
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def report_time(env: dict[str, str] | None = None) -> str:
    """The time reports carry: ``SOURCE_DATE_EPOCH`` when set (reproducible builds: two audits of
    one tree give byte-identical reports), else the current UTC time to the second."""
    return source_date(env) or _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@functools.lru_cache(maxsize=1)
def rules_date() -> str:
    """The date of the shipped knowledge base: the newest dated section of ``rules/CHANGELOG.md``
    (every fact change is listed there), "" when it cannot be read."""
    from sovaudit.rules import shipped_rules_dir

    try:
        text = (shipped_rules_dir() / "CHANGELOG.md").read_text("utf-8")
    except (OSError, UnicodeDecodeError, FileNotFoundError):
        return ""
    dates = re.findall(r"^## (\d{4}-\d{2}-\d{2})\b", text, re.M)
    return max(dates) if dates else ""


def network_line(result: ScanResult) -> str:
    """What the Hugging Face Hub did for this audit, never more than it did: 'offline: the Hub
    was not consulted', 'Hub unreachable: 2 of 4 models unverified', 'Hub consulted for 4 models'
    or 'Hub not needed: no model to look up'."""
    return hub_line(result.offline, result.provenance)


def hub_line(offline: bool, provenance: Iterable[Any]) -> str:
    """``network_line`` of provenance records from one audit or several (``compare``: a model that
    two inputs name counts once, as its last record says)."""
    if offline:
        return "offline: the Hub was not consulted"
    by_model = {p.model_id: p for p in provenance}
    statuses = [dict(p.details).get("hub", "") for p in by_model.values()]
    asked = [s for s in statuses if s]
    if not asked:
        return "Hub not needed: no model to look up"
    failed = sum(1 for s in asked if s in ("unreachable", "error", "malformed"))
    if failed:
        what = "unreachable" if all(s == "unreachable" for s in asked if s in ("unreachable", "error", "malformed")) else "failing"
        return f"Hub {what}: {failed} of {len(asked)} models unverified"
    return f"Hub consulted for {len(asked)} model{'s' if len(asked) != 1 else ''}"


def _condition(c: Any) -> str:
    if hasattr(c, "values"):
        vals = ", ".join(sorted(c.values))
        return f"not in [{vals}]" if c.negate else f"in [{vals}]"
    lo, hi = getattr(c, "min", None), getattr(c, "max", None)
    if lo is not None and hi is not None:
        return f"{lo:g} to {hi:g}"
    if lo is not None:
        return f"at least {lo:g}"
    if hi is not None:
        return f"at most {hi:g}"
    return "any"


def policy_rules(policy: Any) -> tuple[PolicyRuleInfo, ...]:
    if policy is None:
        return ()
    return tuple(sorted(
        PolicyRuleInfo(r.id, r.severity.value, r.message, r.description, r.source,
                       tuple((k, _condition(c)) for k, c in r.conditions))
        for r in policy.rules
    ))


def _rule(e: Any) -> str:
    return f"rules/{e.path}:{e.line}" if e is not None else ""


def _routes(result: ScanResult) -> set[tuple[tuple[str, ...], tuple[str, ...]]]:
    """The distinct (nodes, edges) of every exposure path, its location node left out: many
    references share a route, and what follows only needs each route once."""
    from sovaudit.assess.exposure import routes_of

    out: set[tuple[tuple[str, ...], tuple[str, ...]]] = set()
    for ex in result.assessment.exposures:
        out.update((r.nodes, r.edges) for r in (ex.routes or routes_of(ex.paths)))
    return out


def _subjects(routes: set[tuple[tuple[str, ...], tuple[str, ...]]]) -> dict[str, set[str]]:
    """node -> the jurisdictions it is directly subject to, read off the exposure routes."""
    out: dict[str, set[str]] = {}
    for nodes, edges in routes:
        for i, edge in enumerate(edges):
            if edge == "subject-to":
                out.setdefault(nodes[i], set()).add(nodes[i + 1].split(":", 1)[1])
    return out


def entities(result: ScanResult, kb: Any) -> tuple[EntityInfo, ...]:
    """Every node (but locations) on an exposure path or named by a finding, with its evidence."""
    nodes: set[str] = set()
    routes = _routes(result)
    for ex in result.assessment.exposures:
        nodes.add(ex.entity)
        nodes.update(ex.via)
    for route, _edges in routes:
        nodes.update(route)
    for f in result.findings:
        nodes.add(f.entity)
        nodes.update(f.via)
        nodes.add(f"jurisdiction:{f.jurisdiction}")
    for la in result.assessment.layers:
        for j in la.jurisdictions:
            nodes.add(f"jurisdiction:{j.jurisdiction}")
            nodes.update(f"jurisdiction:{r.jurisdiction}" for r in j.regimes)  # an order's regimes (DE -> EU)
    if result.assessment.home:
        nodes.add(f"jurisdiction:{result.assessment.home}")
    nodes.discard("")
    subj = _subjects(routes)
    prov = {p.model_id: p for p in result.provenance}
    out: list[EntityInfo] = []
    for n in sorted(nodes):
        if n.startswith("loc:"):
            continue
        t, _, key = n.partition(":")
        known = sorted(subj.get(n, ()))
        country = ",".join(known) if known else UNKNOWN
        name, rule, note = key, "", ""
        sources: tuple[str, ...] = ()
        e = None
        if t == "jurisdiction":
            e = kb.get("jurisdictions", key) if key != UNKNOWN else None
            country = key
            if key == UNKNOWN:
                name = "unknown jurisdiction"
        elif t == "provider":
            e = kb.get("providers", key)
            note = e.get("kind", "") if e else ""
        elif t == "cloud":
            e = kb.get("clouds", key)
        elif t == "hardware":
            e = kb.get("hardware", key)
        elif t == "lab":
            e = kb.get("labs", key)
            note = e.get("kind", "") if e else ""
        elif t == "package":
            eco, _, pkg = key.rpartition("/") if key.startswith("npm/") else ("python", "", key)
            eco = "npm" if eco == "npm" else "python"
            # the publisher: rules/packages.yaml, else the software or hardware entry that owns it;
            # a provider entry only says what the package connects to
            entries = kb.package_entries(pkg, eco)
            pub = kb.package_publisher(pkg, eco)
            owner = next((x for x in entries if x.section in ("software", "hardware")), None)
            prov_e = next((x for x in entries if x.section == "providers"), None)
            e = pub or owner or kb.get("software", pkg)
            if prov_e is not None:
                note = f"connects to {prov_e.get('name', prov_e.id)}" + ("" if e is not None else "; publisher not established")
            name = key
        elif t == "region":
            cloud, _, region = key.partition("/")
            ce = kb.get("clouds", cloud) if cloud != UNKNOWN else None
            r = kb.region(cloud, region) if ce is not None else None
            if ce is not None and r is not None:
                rule, sources = _rule(ce), ce.sources
                note = r.get("city", "")
            name = key
        elif t == "model":
            p = prov.get(key)
            if p is not None:
                urls = sorted({ev.url for f in (p.country, p.origin_lab, p.publisher) for ev in f.evidence if ev.url})
                sources = tuple(urls)
                rules_ = sorted({ev.detail for f in (p.country, p.origin_lab) for ev in f.evidence if ev.source == "rules"})
                rule = ", ".join(rules_)
                note = p.status.value
                if p.country.known:
                    country = p.country.value
        if e is not None:
            name = e.get("name", key) if t != "package" else key
            rule, sources = _rule(e), e.sources
            if t == "package":
                who = e.get("publisher") if e.section == "packages" else (e.get("owner") or e.get("name", e.id))
                note = f"published by {who}" + (f"; {note}" if note else "")
        out.append(EntityInfo(n, str(name), country, rule, tuple(sources), str(note or "")))
    return tuple(out)


def regimes(result: ScanResult, kb: Any) -> tuple[RegimeSources, ...]:
    seen: dict[tuple[str, str], RegimeSources] = {}
    for la in result.assessment.layers:
        for j in la.jurisdictions:
            for r in j.regimes:
                if (r.jurisdiction, r.id) in seen:
                    continue
                e = kb.get("jurisdictions", r.jurisdiction)
                raw: dict[str, Any] = next((x for x in (e.get("regimes", []) or []) if x.get("id") == r.id), {}) if e else {}
                srcs = tuple(raw.get("sources") or ((r.url,) if r.url else ()))
                seen[(r.jurisdiction, r.id)] = RegimeSources(r.jurisdiction, r.id, raw.get("official_name", ""), srcs)
    return tuple(sorted(seen.values()))


def build_context(result: ScanResult, kb: Any, policy: Any = None, fail_on: str = "none",
                  env: dict[str, str] | None = None, vcs: VcsInfo | None = None) -> ReportContext:
    return ReportContext(
        generated=report_time(env),
        fail_on=fail_on or "none",
        policy_sources=tuple(policy.sources) if policy is not None else (),
        policy_rules=policy_rules(policy),
        entities=(ents := entities(result, kb)),
        regimes=regimes(result, kb),
        orders=_orders(ents, kb),
        vcs=vcs or VcsInfo(),
        rules_date=rules_date(),
        network=network_line(result),
    )


def _orders(ents: tuple[EntityInfo, ...], kb: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    from sovaudit.assess.exposure import orders_of

    return orders_of((e.node.split(":", 1)[1] for e in ents if e.node.startswith("jurisdiction:")), kb)


def with_context(result: ScanResult, kb: Any, policy: Any = None, fail_on: str = "none",
                 env: dict[str, str] | None = None, vcs: VcsInfo | None = None) -> ScanResult:
    """The result with its ``report`` context (the last step before writing)."""
    return replace(result, report=build_context(result, kb, policy, fail_on, env, vcs))


def context_to_dict(ctx: ReportContext) -> dict[str, Any]:
    return {
        "generated": ctx.generated,
        "fail_on": ctx.fail_on,
        "policy": {
            "sources": list(ctx.policy_sources),
            "rules": [{"id": r.id, "severity": r.severity, "message": r.message, "description": r.description,
                       "source": r.source, "conditions": dict(r.conditions)} for r in ctx.policy_rules],
        },
        "entities": [{"node": e.node, "name": e.name, "country": e.country, "rule": e.rule, "sources": list(e.sources),
                      "note": e.note} for e in ctx.entities],
        "regimes": [{"jurisdiction": r.jurisdiction, "id": r.id, "official_name": r.official_name,
                     "sources": list(r.sources)} for r in ctx.regimes],
        "vcs": {"commit": ctx.vcs.commit, "branch": ctx.vcs.branch, "remote": ctx.vcs.remote,
                "root_prefix": ctx.vcs.root_prefix},
        "rules_date": ctx.rules_date,
        "network": ctx.network,
    }
