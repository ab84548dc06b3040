"""The versioned JSON document (``--format json``): the full scan result, deterministic."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Any, BinaryIO

from sovaudit.model import Kind, ScanResult
from sovaudit.serialize import provenance_to_dict, reference_to_dict, skipped_to_dict, suppression_to_dict


def to_document(result: ScanResult) -> dict[str, Any]:
    """The whole document as plain dicts and lists."""
    return _materialize(_document(result))


def _document(result: ScanResult) -> dict[str, Any]:
    """The document with its long lists (references, exposures, findings) as ``_Records`` that
    make one record's dict at a time while it is written."""
    by_kind = Counter(r.kind.value for r in result.references)
    return {
        "schema_version": result.schema_version,
        "tool": {"name": "sovaudit", "version": result.tool_version},
        "rules_version": result.rules_version,
        "root": result.root,
        "offline": result.offline,
        "summary": {
            "files_seen": result.stats.files_seen,
            "files_skipped": len({s.path for s in result.skipped}),
            "references": {k.value: by_kind.get(k.value, 0) for k in Kind},
            "distinct": {k.value: len({r.id for r in result.references if r.kind == k}) for k in Kind},
        },
        "references": _Records(result.references, reference_to_dict),
        "provenance": [provenance_to_dict(p) for p in result.provenance],
        "skipped": [skipped_to_dict(s) for s in result.skipped],
        "assessment": _assessment(result),
        "findings": _Records(result.findings, _finding_to_dict()),
        "suppressions": [suppression_to_dict(s) for s in result.suppressions],
        "report": _report(result),
    }


class _Records:
    """A list of records made on demand from ``items`` (a sequence) by ``fn``."""

    __slots__ = ("items", "fn")

    def __init__(self, items: Sequence[Any], fn: Callable[[Any], Any]):
        self.items = items
        self.fn = fn

    def __iter__(self) -> Iterator[Any]:
        return map(self.fn, self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


def _materialize(o: Any) -> Any:
    if isinstance(o, _Records):
        return [_materialize(v) for v in o]
    if isinstance(o, dict):
        return {k: _materialize(v) for k, v in o.items()}
    if isinstance(o, list):
        return [_materialize(v) for v in o]
    return o


def _report(result: ScanResult) -> dict[str, Any]:
    from sovaudit.report.context import context_to_dict

    return context_to_dict(result.report)


def _assessment(result: ScanResult) -> dict[str, Any]:
    from sovaudit.serialize import assessment_to_dict, exposure_to_dict

    doc = assessment_to_dict(result.assessment, exposures=False)
    for la, d in zip(result.assessment.layers, doc["layers"]):
        d["exposures"] = _Records(la.exposures, exposure_to_dict)
    return doc


def _finding_to_dict() -> Callable[[Any], dict[str, Any]]:
    from sovaudit.serialize import finding_to_dict

    return finding_to_dict


def _default(o: Any) -> Any:
    if isinstance(o, _Records):  # an empty one inside a one-line record (a layer without exposures)
        return list(o)
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


#: One line of JSON (``", "`` and ``": "`` separators, UTF-8 kept as is), by the json module's
#: public encoder.
_compact: Callable[[Any], str] = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "), default=_default).encode


def _holds_records(d: dict) -> bool:
    """Whether a value of ``d`` is a non-empty list of records (dicts) -- then ``d`` is written one
    key a line. Runs once per record of a large document: plain loop, exact type checks."""
    for v in d.values():
        t = type(v)
        if (t is list and v and type(v[0]) is dict) or (t is _Records and v.items):
            return True
    return False


def _chunks(o: Any, indent: str) -> Iterator[str]:
    """Indented down to the records: a dict that holds no list of records (a reference, a route, an
    evidence, a skipped file ...) is one line. json's C encoder writes those lines; its indenting
    encoder is pure Python and takes seconds on a large scan."""
    inner = indent + "  "
    if isinstance(o, dict) and not (o and (not indent or _holds_records(o))):
        yield _compact(o)  # one line (an empty _Records in it is "[]")
    elif isinstance(o, dict):
        yield "{\n"
        last = len(o) - 1
        for i, (k, v) in enumerate(o.items()):
            yield f"{inner}{_compact(k)}: "
            if isinstance(v, (dict, list, _Records)):
                yield from _chunks(v, inner)
            else:
                yield _compact(v)
            yield ",\n" if i < last else "\n"
        yield indent + "}"
    elif (isinstance(o, list) and o and isinstance(o[0], (dict, list))) or (isinstance(o, _Records) and o):
        # one-line records are joined in batches: a generator hand-off per record costs more
        # than encoding it
        sep = ",\n" + inner
        batch: list[str] = []
        lead = "[\n" + inner  # what comes before the next item
        for v in o:
            if type(v) is dict and not _holds_records(v):
                batch.append(_compact(v))
                if len(batch) >= 256:
                    yield lead + sep.join(batch)
                    batch, lead = [], sep
                continue
            if batch:
                yield lead + sep.join(batch)
                batch, lead = [], sep
            yield lead
            yield from _chunks(v, inner)
            lead = sep
        if batch:
            yield lead + sep.join(batch)
        yield "\n" + indent + "]"
    elif isinstance(o, _Records):
        yield "[]"
    else:
        yield _compact(o)


def chunks(result: ScanResult) -> Iterator[str]:
    """The document, piece by piece: only one record's dicts are alive at a time."""
    yield from _chunks(_document(result), "")
    yield "\n"


def dumps(result: ScanResult) -> str:
    return "".join(chunks(result))


def write(result: ScanResult, fh: BinaryIO, buffer: int = 1 << 20) -> None:
    """Write the document to ``fh`` as UTF-8 without holding it whole in memory (a scan of
    100,000 files writes about 80 MB)."""
    pending: list[str] = []
    size = 0
    for piece in chunks(result):
        pending.append(piece)
        size += len(piece)
        if size >= buffer:
            fh.write("".join(pending).encode("utf-8"))
            pending, size = [], 0
    fh.write("".join(pending).encode("utf-8"))
