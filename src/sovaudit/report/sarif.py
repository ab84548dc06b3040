"""``--format sarif``: SARIF 2.1.0 for code scanning (GitHub, Azure DevOps, any SARIF viewer).

One rule per policy rule, with help text and a ``security-severity`` GitHub maps to its own
levels (critical 9.5, high 8.0, medium 5.5, low 3.0). One result per finding and reference that
causes it, so each line that creates an exposure is annotated where it is written; locations are
relative to ``%SRCROOT%`` and carry the source line as snippet. ``%SRCROOT%`` is the repository's top
folder when the scanned root is in a git work tree (a scan of ``services/api`` gives
``services/api/app.py``, so code scanning links the right file), else the scanned root; the
revision is ``versionControlProvenance``. The
``partialFingerprints`` key ``sovaudit/v2`` hashes what the finding is about (rule, layer, exposure
kind, jurisdictions, entity) and the reference's own fingerprint: no line number, so an alert
survives code moving, and not the finding's whole fingerprint, which covers every reference behind
it -- with that (``sovaudit/v1``) one reference added anywhere gave every alert of the finding a new
identity, and code scanning closed and reopened them all.
Skipped files are tool-execution notifications. GitHub accepts at most 25,000 results per run:
beyond that the most severe are kept and a notification says how many were left out.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any
from urllib.parse import quote

from sovaudit import HOMEPAGE
from sovaudit.model import Finding, ScanResult
from sovaudit.report.common import LAYER_TITLES, View, view

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
MAX_RESULTS = 25_000  # GitHub code scanning: results per run
MAX_NOTIFICATIONS = 5_000
MAX_MESSAGE = 2_000

SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
HELP_URI = HOMEPAGE + "#using-sovaudit-in-ci"  # policies, suppressions, baselines
PROBLEM_SEVERITY = {"critical": "error", "high": "error", "medium": "warning", "low": "recommendation"}


def uri(path: str) -> str:
    """A relative URI reference for a scan-relative POSIX path."""
    return quote(path, safe="/-._~!$&'()*+,;=@")


def rule_name(rule_id: str) -> str:
    return "".join(p[:1].upper() + p[1:].lower() for p in re.split(r"[^A-Za-z0-9]+", rule_id) if p) or "Rule"


#: what each message placeholder stands for, in a rule's description (no finding at hand)
_PLAIN = {"model": "a model", "via": "the provider or publisher", "entity": "a dependency", "jurisdiction": "another jurisdiction",
          "home": "the home jurisdiction", "layer": "a layer", "kind": "the exposure", "weights": "its weights availability",
          "license_class": "another", "rule": "this rule", "references": "the references"}


def _template_text(template: str) -> str:
    """A rule's message template as a sentence: '{model} is API-only ({where})' -> 'A model is
    API-only' (no '<model>' placeholders; the place is the result's location)."""
    text = re.sub(r"\s*\(\{where[^}]*\}\)|\s*\{where[^}]*\}", "", template)
    text = re.sub(r"\{([a-z_]+)[^}]*\}", lambda m: _PLAIN.get(m.group(1), m.group(1).replace("_", " ")), text).strip()
    return text[:1].upper() + text[1:]


def _rules(result: ScanResult) -> list[dict[str, Any]]:
    known = {r.id: r for r in result.report.policy_rules}
    ids = sorted(set(known) | {f.rule_id for f in result.findings})
    sev_of = {f.rule_id: f.severity.value for f in result.findings}
    src_of = {f.rule_id: f.rule_source for f in result.findings}
    out = []
    for rid in ids:
        info = known.get(rid)
        sev = info.severity if info is not None else sev_of.get(rid, "medium")
        template = _template_text(info.message) if info is not None else rid
        desc = (info.description if info is not None and info.description else "") or template
        conds = "; ".join(f"{k} {c}" for k, c in info.conditions) if info is not None else ""
        source = info.source if info is not None else src_of.get(rid, "")
        text = (f"{desc}\n\nMatches an exposure when: {conds or 'always'}.\nDefined at: {source or 'unknown'}.\n\n"
                "Each result is one place in the code that makes the stack depend on the named jurisdiction; the "
                "route in the result's properties leads from that line to the jurisdiction. Review the dependency, "
                f"change it, or record an accepted risk with a comment `sovaudit: ignore[{rid}] reason` on that line.")
        md = (f"{desc}\n\n**Matches an exposure when:** {conds or 'always'}  \n**Defined at:** `{source or 'unknown'}`\n\n"
              "Each result is one place in the code that makes the stack depend on the named jurisdiction. Review the "
              f"dependency, change it, or record an accepted risk with `sovaudit: ignore[{rid}] reason` on that line.")
        out.append({
            "id": rid,
            "name": rule_name(rid),
            "shortDescription": {"text": desc[:1000]},
            "fullDescription": {"text": f"{desc} (severity {sev}; when: {conds or 'always'})"[:1000]},
            "help": {"text": text, "markdown": md},
            "helpUri": HELP_URI,
            "defaultConfiguration": {"level": LEVEL[sev]},
            "properties": {
                "security-severity": SECURITY_SEVERITY[sev],
                "problem.severity": PROBLEM_SEVERITY[sev],
                "precision": "high",
                "tags": ["security", "supply-chain", "sovereignty"],
                "sovaudit-severity": sev,
            },
        })
    return out


def _in_repo(prefix: str, path: str) -> str:
    """A scan-relative path relative to the repository's top folder."""
    return f"{prefix}/{path}" if prefix else path


def _fingerprint(f: Finding, ref_fp: str) -> str:
    """One result's identity: the finding's subject and the reference, nothing that changes when
    another reference joins the finding."""
    ident = (f.rule_id, f.layer.value, f.kind.value, "+".join(f.jurisdictions or (f.jurisdiction,)), f.entity,
             "undecided" if f.undecided else "", ref_fp)
    return hashlib.sha256("\x1f".join(ident).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _results(v: View, rule_index: dict[str, int]) -> list[dict[str, Any]]:
    prefix = v.result.report.vcs.root_prefix
    out = []
    for f in v.result.findings:
        for p, ref in v.finding_refs(f):
            route = [f"{p.path}:{p.line}"] + [f"-{e}-> {v.label(n)}" for n, e in zip(p.nodes[1:], p.edges)]
            route_text = " ".join(route)
            msg = f"{f.message}. This line: {route_text}"
            if len(msg) > MAX_MESSAGE:
                msg = msg[: MAX_MESSAGE - 1] + "…"
            region: dict[str, Any] = {"startLine": max(1, p.line)}
            if ref is not None and ref.column > 0:
                region["startColumn"] = ref.column
            if ref is not None and ref.snippet:
                region["snippet"] = {"text": ref.snippet}
            props: dict[str, Any] = {
                "layer": f.layer.value, "exposure": f.kind.value, "jurisdiction": f.jurisdiction,
                "jurisdictions": list(f.jurisdictions or (f.jurisdiction,)), "undecided": f.undecided,
                "entity": f.entity, "via": list(f.via), "route": list(p.nodes), "edges": list(p.edges),
                "context": p.context, "confidence": p.confidence, "findingFingerprint": f.fingerprint,
                "referenceFingerprint": p.fingerprint, "ruleSource": f.rule_source,
            }
            if ref is not None and ref.cell:
                props["notebookCell"] = ref.cell
            res: dict[str, Any] = {
                "ruleId": f.rule_id,
                "ruleIndex": rule_index[f.rule_id],
                "level": LEVEL[f.severity.value],
                "kind": "fail",
                "message": {"text": msg},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": uri(_in_repo(prefix, p.path)), "uriBaseId": "%SRCROOT%"},
                    "region": region,
                }}],
                "partialFingerprints": {"sovaudit/v2": _fingerprint(f, p.fingerprint or f"{p.path}:{p.line}")},
                "properties": props,
            }
            if getattr(f, "suppressed", False):  # an inline `sovaudit: ignore[RULE] reason`
                res["suppressions"] = [{"kind": "inSource", "status": "accepted",
                                        "justification": getattr(f, "suppression", "") or "suppressed inline"}]
            elif getattr(f, "baselined", False):  # accepted through --baseline
                res["suppressions"] = [{"kind": "external", "status": "accepted", "justification": "in the baseline"}]
                res["baselineState"] = "unchanged"
            out.append(res)
    return out


def to_document(result: ScanResult) -> dict[str, Any]:
    v = view(result)
    rules = _rules(result)
    rule_index = {r["id"]: i for i, r in enumerate(rules)}
    results = _results(v, rule_index)
    notes: list[dict[str, Any]] = []
    if len(results) > MAX_RESULTS:
        notes.append({"level": "warning", "descriptor": {"id": "sovaudit/results-truncated"},
                      "message": {"text": f"{len(results) - MAX_RESULTS} of {len(results)} results left out: GitHub code "
                                          f"scanning accepts at most {MAX_RESULTS} results per run. The most severe are "
                                          "kept; the JSON report has them all."}})
        results = results[:MAX_RESULTS]
    skipped = list(result.skipped)
    for s in skipped[:MAX_NOTIFICATIONS]:
        text = f"Not scanned: {s.path}: {s.reason}" + (f" ({s.detail})" if s.detail else "")
        notes.append({"level": "note", "descriptor": {"id": "sovaudit/skipped"}, "message": {"text": text},
                      "locations": [{"physicalLocation": {"artifactLocation": {
                          "uri": uri(_in_repo(result.report.vcs.root_prefix, s.path)), "uriBaseId": "%SRCROOT%"}}}]})
    if len(skipped) > MAX_NOTIFICATIONS:
        notes.append({"level": "note", "descriptor": {"id": "sovaudit/skipped"},
                      "message": {"text": f"and {len(skipped) - MAX_NOTIFICATIONS} more skipped files (see the JSON report)"}})
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if result.report.generated:
        invocation["startTimeUtc"] = result.report.generated
        invocation["endTimeUtc"] = result.report.generated
    if notes:
        invocation["toolExecutionNotifications"] = notes
    verdict = v.verdict
    vcs = result.report.vcs
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "sovaudit",
            "informationUri": HOMEPAGE,
            "version": result.tool_version,
            "semanticVersion": result.tool_version,
            "rules": rules,
        }},
        "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": (
            f"The repository's top folder; the scanned root is {vcs.root_prefix}/" if vcs.root_prefix
            else f"The scanned root ({result.root})")}}},
        "invocations": [invocation],
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {
            "root": result.root, "rulesVersion": result.rules_version, "offline": result.offline,
            "schemaVersion": result.schema_version, "failOn": result.report.fail_on,
            "verdict": verdict["status"], "verdictText": verdict["text"],
            "policies": list(result.report.policy_sources),
            "rulesDate": result.report.rules_date, "network": result.report.network,
            "layers": {LAYER_TITLES[la.layer]: sorted(j.jurisdiction for j in la.jurisdictions)
                       for la in result.assessment.layers},
        },
    }
    if vcs.known:
        from sovaudit.walk.vcs import remote_uri

        repo = remote_uri(vcs.remote)
        if repo:  # repositoryUri is required: without a remote, the revision is a property
            vcp: dict[str, Any] = {"repositoryUri": repo, "revisionId": vcs.commit, "mappedTo": {"uriBaseId": "%SRCROOT%"}}
            if vcs.branch:
                vcp["branch"] = vcs.branch
            run["versionControlProvenance"] = [vcp]
        run["properties"]["vcs"] = {"commit": vcs.commit, "branch": vcs.branch, "rootPrefix": vcs.root_prefix}
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def dumps(result: ScanResult) -> str:
    return json.dumps(to_document(result), indent=2, ensure_ascii=False) + "\n"
