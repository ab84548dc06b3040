"""Baselines: accept the findings an earlier scan already had, so a pull request fails only on
new exposure.

A baseline is a JSON document written earlier by ``sovaudit scan --format json``. A finding of the
current scan is *baselined* when the baseline holds its fingerprint, or holds a finding of the same
rule on the same exposure (layer, kind, jurisdiction, entity) whose references include every
reference of the current one. Both fingerprints are line-independent (see
``model.fingerprint_references``), so edits that move code keep findings baselined; a reference the
baseline did not have -- a new place the exposure comes from -- makes the finding new, and so does
a new rule or exposure. Baselined findings are reported but never count for ``--fail-on``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sovaudit.model import OLDEST_READABLE_SCHEMA, SCHEMA_VERSION, Finding


class DocumentError(Exception):
    """The file is not a sovaudit scan document this version can read (a usage error)."""


def load_document(path: str | Path, what: str = "scan document") -> dict[str, Any]:
    """Read a ``--format json`` document, checking that it is one and that its schema major version
    is one this sovaudit reads (``OLDEST_READABLE_SCHEMA`` up to the one it writes). Raises ``DocumentError`` with a message naming the file."""
    name = str(path)
    try:
        text = Path(path).read_text("utf-8")
    except FileNotFoundError:
        raise DocumentError(f"{what} {name}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DocumentError(f"{what} {name}: cannot read it ({exc})") from None
    hint = "expected a JSON document written by 'sovaudit scan --format json'"
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(f"{what} {name}: not JSON (line {exc.lineno}: {exc.msg}); {hint}") from None
    tool = doc.get("tool") if isinstance(doc, dict) else None
    if not isinstance(doc, dict) or not isinstance(tool, dict) or tool.get("name") != "sovaudit" \
            or not isinstance(doc.get("schema_version"), str):
        raise DocumentError(f"{what} {name}: not a sovaudit scan document; {hint}")
    version = doc["schema_version"]
    major, ours, oldest = version.split(".", 1)[0], SCHEMA_VERSION.split(".", 1)[0], OLDEST_READABLE_SCHEMA.split(".", 1)[0]
    if not major.isdigit():
        raise DocumentError(f"{what} {name}: malformed schema_version {version!r}")
    if int(major) > int(ours):
        raise DocumentError(f"{what} {name}: schema version {version} is newer than this sovaudit reads "
                            f"({ours}.x; written by sovaudit {tool.get('version', '?')}): upgrade sovaudit")
    if int(major) < int(oldest):
        reads = f"{oldest}.x to {ours}.x" if oldest != ours else f"{ours}.x"
        raise DocumentError(f"{what} {name}: schema version {version} is older than this sovaudit reads "
                            f"({reads}): scan again to write a new one")
    for key in ("findings", "assessment"):
        if not isinstance(doc.get(key), (list if key == "findings" else dict)):
            raise DocumentError(f"{what} {name}: '{key}' is missing or malformed; {hint}")
    return doc


def _key(rule_id: str, layer: str, kind: str, jurisdiction: str, entity: str) -> tuple[str, ...]:
    return (rule_id, layer, kind, jurisdiction, entity)


@dataclass(frozen=True, slots=True, eq=False)
class Baseline:
    source: str = ""
    fingerprints: frozenset[str] = frozenset()
    references: dict[tuple[str, ...], frozenset[str]] = field(default_factory=dict)  # finding key -> reference fingerprints

    def holds(self, f: Finding) -> bool:
        if f.fingerprint in self.fingerprints:
            return True
        refs = self.references.get(_key(f.rule_id, f.layer.value, f.kind.value, f.jurisdiction, f.entity))
        return refs is not None and bool(f.references) and set(f.references) <= refs


def from_document(doc: dict[str, Any], source: str = "") -> Baseline:
    fps: set[str] = set()
    refs: dict[tuple[str, ...], set[str]] = {}
    for d in doc.get("findings", []):
        if not isinstance(d, dict):
            continue
        if d.get("fingerprint"):
            fps.add(str(d["fingerprint"]))
        key = _key(*(str(d.get(k, "")) for k in ("rule_id", "layer", "kind", "jurisdiction", "entity")))
        refs.setdefault(key, set()).update(str(r) for r in d.get("references", []) or [])
    return Baseline(source, frozenset(fps), {k: frozenset(v) for k, v in refs.items()})


def load_baseline(path: str | Path) -> Baseline:
    """Raises ``DocumentError``."""
    return from_document(load_document(path, "baseline"), str(path))


def apply_baseline(findings: Iterable[Finding], baseline: Baseline | None) -> tuple[Finding, ...]:
    if baseline is None:
        return tuple(findings)
    return tuple(replace(f, baselined=True) if baseline.holds(f) else f for f in findings)


__all__ = ["Baseline", "DocumentError", "load_document", "load_baseline", "from_document", "apply_baseline"]
