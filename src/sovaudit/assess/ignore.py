"""The ignore file: accepted findings recorded in one place, each with a reason and an expiry date.

Inline ``sovaudit: ignore[...]`` comments sit next to the code; some exceptions belong to a
folder, an entity or a whole repository instead (a vendored tree, a provider the DPO approved
until the contract is renewed). ``.sovaudit-ignore.yaml`` at the scanned root (or ``--ignore-file``)
lists them::

    version: 1
    ignore:
      - rule: EU-DATA-OUTSIDE                # required: the policy rule id (exact)
        reason: approved by the DPO, ticket 1234   # required
        expires: 2027-03-31                  # optional: from this date on the entry suppresses nothing
        paths: [services/legacy/]            # optional: gitignore patterns; every reference of the
                                             #   finding must be in a matching file (default: any file)
        entity: provider:deepseek            # optional: only findings on this entity

A finding is suppressed when an entry names its rule, matches its entity (when given) and covers
every reference that causes it -- the same rule as inline suppressions: a new place the same
exposure comes from makes it count again. Suppressed findings stay in the reports with the reason;
expired entries suppress nothing and are listed (``Suppression.expires``), like inline
suppressions without a reason. The expiry is compared with the audit's date (``SOURCE_DATE_EPOCH``
when set).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sovaudit.model import Finding, Suppression

IGNORE_FILE = ".sovaudit-ignore.yaml"
_KEYS = {"rule", "reason", "expires", "paths", "entity"}


class IgnoreFileError(Exception):
    """The ignore file cannot be used: the message names file, line and what is wrong."""


@dataclass(frozen=True, slots=True)
class IgnoreEntry:
    rule: str
    reason: str
    line: int
    expires: str = ""  # YYYY-MM-DD; "" never
    paths: tuple[str, ...] = ()
    entity: str = ""


def load_ignore_file(path: str | Path, display: str = "") -> tuple[IgnoreEntry, ...]:
    """The entries of an ignore file; raises ``IgnoreFileError`` naming file and line."""
    import yaml

    from sovaudit.rules import line_for, load_yaml_with_lines

    display = display or str(path)
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise IgnoreFileError(f"{display}: cannot read it ({exc})") from None
    try:
        data, lines = load_yaml_with_lines(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise IgnoreFileError(f"{display}:{mark.line + 1 if mark else 1}: malformed YAML") from None
    if data is None:
        return ()
    if not isinstance(data, dict) or not isinstance(data.get("ignore", []), list) or set(data) - {"version", "ignore"}:
        raise IgnoreFileError(f"{display}:1: expected 'version: 1' and a list 'ignore' of entries")
    if data.get("version", 1) != 1:
        raise IgnoreFileError(f"{display}:1: version {data.get('version')!r} is not supported (1)")
    out = []
    problems = []
    for i, raw in enumerate(data.get("ignore") or []):
        line = line_for(lines, ("ignore", i))
        where = f"{display}:{line}"
        if not isinstance(raw, dict):
            problems.append(f"{where}: an entry is a mapping with rule, reason and optionally expires, paths, entity")
            continue
        unknown = sorted(set(map(str, raw)) - _KEYS)
        if unknown:
            problems.append(f"{where}: unknown key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(_KEYS))})")
        rule, reason = str(raw.get("rule") or "").strip(), str(raw.get("reason") or "").strip()
        if not rule or not reason:
            problems.append(f"{where}: 'rule' and 'reason' are required")
            continue
        expires = raw.get("expires", "")
        if isinstance(expires, (_dt.date, _dt.datetime)):
            expires = expires.isoformat()[:10]
        elif expires:
            try:
                expires = _dt.date.fromisoformat(str(expires)).isoformat()
            except ValueError:
                problems.append(f"{where}: expires {expires!r} is not a date (YYYY-MM-DD)")
                continue
        paths = raw.get("paths", [])
        paths = [paths] if isinstance(paths, str) else paths
        if not isinstance(paths, list) or not all(isinstance(p, str) and p for p in paths):
            problems.append(f"{where}: paths is a list of gitignore patterns")
            continue
        out.append(IgnoreEntry(rule, reason, line, str(expires or ""), tuple(paths), str(raw.get("entity") or "")))
    if problems:
        raise IgnoreFileError("\n".join(problems))
    return tuple(out)


def apply_ignore(findings: Iterable[Finding], entries: Iterable[IgnoreEntry], today: str,
                 display: str = IGNORE_FILE) -> tuple[tuple[Finding, ...], tuple[Suppression, ...]]:
    """(``findings`` with those an unexpired entry covers marked ``suppressed``, every entry as a
    ``Suppression`` -- expired ones ``valid=False`` -- for the reports)."""
    import pathspec

    entries = tuple(entries)
    live = [e for e in entries if not e.expires or e.expires > today[:10]]
    specs = {e: pathspec.GitIgnoreSpec.from_lines(e.paths) if e.paths else None for e in live}
    out = []
    for f in findings:
        if not f.suppressed:
            files = {p.path for p in f.paths}
            hits = [e for e in live if e.rule == f.rule_id and (not e.entity or e.entity == f.entity)
                    and _covers(specs[e], files)]
            if hits:
                f = replace(f, suppressed=True, suppression="; ".join(dict.fromkeys(e.reason for e in hits)))
        out.append(f)
    sups = tuple(Suppression(display, e.line, (e.rule,), e.reason, e in specs, expires=e.expires) for e in entries)
    return tuple(out), sups


__all__ = ["IGNORE_FILE", "IgnoreEntry", "IgnoreFileError", "apply_ignore", "load_ignore_file"]


def _covers(spec: Any, files: set[str]) -> bool:
    """An entry without paths covers every file; one with paths, the files they match."""
    return spec is None or all(spec.match_file(x) for x in files)
