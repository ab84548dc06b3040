"""The versioned JSON document (``--format json``): the full scan result, deterministic."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Any, BinaryIO

import orjson

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
        "provenance": _Records(result.provenance, provenance_to_dict),
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


def _one_line(o: Any) -> bytes:
    """One line of JSON, UTF-8: orjson (native, keys in insertion order), else -- for what it
    refuses, such as an integer beyond 64 bits -- the json module's encoder."""
    try:
        return orjson.dumps(o, default=_default)
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(o, ensure_ascii=False, separators=(",", ":"), default=_default).encode("utf-8")


_compact: Callable[[Any], bytes] = _one_line


def _holds_records(d: dict) -> bool:
    """Whether a value of ``d`` is a non-empty ``_Records`` (a long list: references, provenance,
    exposures, findings) -- then ``d`` is written one key a line. Every other dict is one line."""
    return any(type(v) is _Records and bool(v.items) for v in d.values())


def _chunks(o: Any, indent: bytes) -> Iterator[bytes]:
    """Indented down to the records: each record of a long list (a reference, an exposure, a
    finding ...) and every dict that holds no long list is one line, written by orjson (the json
    module's indenting encoder is pure Python and takes seconds on a large scan)."""
    inner = indent + b"  "
    if isinstance(o, dict) and not (o and (not indent or _holds_records(o))):
        yield _compact(o)  # one line (an empty _Records in it is "[]")
    elif isinstance(o, dict):
        yield b"{\n"
        last = len(o) - 1
        for i, (k, v) in enumerate(o.items()):
            yield inner + _compact(k) + b": "
            if isinstance(v, (dict, list, _Records)):
                yield from _chunks(v, inner)
            else:
                yield _compact(v)
            yield b",\n" if i < last else b"\n"
        yield indent + b"}"
    elif (isinstance(o, list) and o and isinstance(o[0], (dict, list))) or (isinstance(o, _Records) and o):
        # one-line records are joined in batches: a generator hand-off per record costs more
        # than encoding it
        sep = b",\n" + inner
        batch: list[bytes] = []
        lead = b"[\n" + inner  # what comes before the next item
        for v in o:
            if type(v) is not dict or not _holds_records(v):
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
        yield b"\n" + indent + b"]"
    elif isinstance(o, _Records):
        yield b"[]"
    else:
        yield _compact(o)


def chunks(result: ScanResult) -> Iterator[bytes]:
    """The document as UTF-8, piece by piece: only one record's dicts are alive at a time."""
    yield from _chunks(_document(result), b"")
    yield b"\n"


def dumps(result: ScanResult) -> str:
    return b"".join(chunks(result)).decode("utf-8")


def write(result: ScanResult, fh: BinaryIO, buffer: int = 1 << 20) -> None:
    """Write the document to ``fh`` as UTF-8 without holding it whole in memory (a scan of
    100,000 files writes about 80 MB)."""
    pending: list[bytes] = []
    size = 0
    for piece in chunks(result):
        pending.append(piece)
        size += len(piece)
        if size >= buffer:
            fh.write(b"".join(pending))
            pending, size = [], 0
    fh.write(b"".join(pending))
