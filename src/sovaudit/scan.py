"""Stage 2: read every walked file once and run the detectors that apply to it.

The scanner owns all file I/O. Whatever goes wrong with one file (unreadable, binary, too large, a
detector raising on malformed input) becomes a ``Skipped`` entry with a reason -- the scan goes on
and no other result is lost. Work is spread over processes (``--jobs``); results are merged, sorted
and fingerprinted so the output does not depend on scheduling. A content-hash cache lets a rescan of
an unchanged tree skip detection entirely.
"""

from __future__ import annotations

import codecs
import concurrent.futures as cf
import multiprocessing
import os
import time
from dataclasses import replace
from typing import Callable, Iterable

from sovaudit import __version__
from sovaudit.cache import ScanCache, content_hash, engine_version
from sovaudit.detectors import DETECTORS
from sovaudit.detectors.base import Detector, SourceFile
from sovaudit.prefilter import Prefilter
from sovaudit.model import Reference, ScanConfig, ScanResult, ScanStats, Skipped, Suppression, fingerprint_references
from sovaudit.snippets import snippet, suppressions
from sovaudit.rules import KnowledgeBase
from sovaudit.walk import WalkItem, walk

#: How many leading bytes binary-artifact detectors get (headers only; weights are never read).
ARTIFACT_HEAD_BYTES = 16 * 1024 * 1024
_BINARY_SNIFF = 8192

Progress = Callable[[int, int], None]


def decode(data: bytes) -> tuple[str, str]:
    """Decode bytes of any encoding: BOMs first, then UTF-8, then charset detection."""
    for bom, enc in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
                     (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(enc, errors="replace"), enc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 1024 * 1024]).best()
    if best is not None and best.encoding:
        try:
            return data.decode(best.encoding, errors="replace"), best.encoding
        except LookupError:
            pass
    return data.decode("latin-1"), "latin-1"


def looks_binary(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return False
    return b"\x00" in head[:_BINARY_SNIFF]


def _run_detector(det: Detector, f: SourceFile, kb: KnowledgeBase) -> tuple[list[Reference], list[Skipped]]:
    """Run one detector. It yields references, and may yield ``Skipped`` for a part of the file it
    could not read (e.g. a templated YAML document) while still reporting the rest."""
    refs: list[Reference] = []
    skips: list[Skipped] = []
    try:
        for item in det.detect(f, kb):
            (skips if isinstance(item, Skipped) else refs).append(item)
    except Exception as exc:  # a detector failing on one malformed file must not stop the scan
        msg = f"{type(exc).__name__}: {exc}"
        # keep what it found before failing: nothing is lost
        skips.append(Skipped(f.path, f"could not parse ({det.name})", " ".join(msg.split())[:300]))
    return refs, skips


def scan_file(item: WalkItem, kb: KnowledgeBase, max_bytes: int, detectors: tuple[Detector, ...] = DETECTORS,
              prefilter: Prefilter | None = None) -> tuple[list[Reference], list[Skipped], list[Suppression], str]:
    """Scan one file. Returns (references, skips, inline suppressions, content digest); the digest
    is "" when the file could not be read (so the result is not cached)."""
    applicable = [d for d in detectors if d.applies(item.path)]
    if not applicable:
        return [], [], [], "-"
    text_dets = [d for d in applicable if not d.binary]
    bin_dets = [d for d in applicable if d.binary]
    refs: list[Reference] = []
    skips: list[Skipped] = []
    sups: list[Suppression] = []
    digest = ""
    if bin_dets:
        try:
            with open(item.abs_path, "rb") as fh:
                head = fh.read(ARTIFACT_HEAD_BYTES)
        except OSError as exc:
            return [], [Skipped(item.path, "unreadable", exc.strerror or str(exc))], [], ""
        digest = content_hash(head, item.size)
        f = SourceFile(item.path, data=head, abs_path=item.abs_path)
        for d in bin_dets:
            r, s = _run_detector(d, f, kb)
            refs.extend(r)
            skips.extend(s)
    if text_dets:
        if item.size > max_bytes:
            skips.append(Skipped(item.path, "too large", f"{item.size} bytes > limit of {max_bytes} bytes (--max-file-size)"))
            return refs, skips, sups, digest or content_hash(b"", item.size)
        try:
            with open(item.abs_path, "rb") as fh:
                data = fh.read(max_bytes + 1)
        except OSError as exc:
            return refs, skips + [Skipped(item.path, "unreadable", exc.strerror or str(exc))], sups, ""
        if len(data) > max_bytes:
            return refs, skips + [Skipped(item.path, "too large", f"grew past the limit of {max_bytes} bytes while read")], sups, ""
        digest = content_hash(data, len(data))
        if looks_binary(data):
            skips.append(Skipped(item.path, "binary", "contains NUL bytes; not a text file"))
            return refs, skips, sups, digest
        text, enc = decode(data)
        f = SourceFile(item.path, text=text, abs_path=item.abs_path, encoding=enc)
        start = len(refs)
        for d in text_dets:
            if prefilter is not None and d.prefilter and not prefilter.worth_parsing(d.prefilter, text):
                continue
            r, s = _run_detector(d, f, kb)
            refs.extend(r)
            skips.extend(s)
        if len(refs) > start:
            lines = text.splitlines()
            refs[start:] = [replace(r, snippet=snippet(lines, r.line)) if not r.snippet else r for r in refs[start:]]
        sups.extend(suppressions(item.path, text))
    return refs, skips, sups, digest


# -- worker side ---------------------------------------------------------------------------

_WORKER: tuple[KnowledgeBase, tuple[Detector, ...], Prefilter | None] | None = None


def _init_worker(kb: KnowledgeBase, detectors: tuple[Detector, ...], prefilter: bool) -> None:
    global _WORKER
    _WORKER = (kb, detectors, Prefilter(kb) if prefilter else None)


def _scan_batch(items: list[WalkItem], max_bytes: int) -> list[tuple[WalkItem, list[Reference], list[Skipped], list[Suppression], str]]:
    assert _WORKER is not None
    kb, detectors, pf = _WORKER
    return [(it, *scan_file(it, kb, max_bytes, detectors, pf)) for it in items]


def _batches(items: list[WalkItem], target_bytes: int = 4 * 1024 * 1024, max_files: int = 256) -> Iterable[list[WalkItem]]:
    batch: list[WalkItem] = []
    size = 0
    for it in items:
        batch.append(it)
        size += min(it.size, target_bytes)
        if size >= target_bytes or len(batch) >= max_files:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _dedupe(refs: list[Reference]) -> list[Reference]:
    """Two detectors may see the same string (e.g. a command inside a compose file): keep one."""
    best: dict[tuple, Reference] = {}
    for r in refs:
        key = (r.kind, r.id, r.path, r.line, r.column)
        prev = best.get(key)
        if prev is None or (r.confidence, r.detector) > (prev.confidence, prev.detector):
            best[key] = r
    return list(best.values())


def scan(config: ScanConfig, kb: KnowledgeBase, progress: Progress | None = None,
         detectors: tuple[Detector, ...] = DETECTORS, prefilter: bool = True) -> ScanResult:
    """Walk ``config.root`` and detect every reference. Never raises for a bad file.
    ``prefilter=False`` runs every parser on every file (used to test that the prefilter loses
    nothing)."""
    t0 = time.perf_counter()
    items, skipped = walk(config.root, config.excludes, config.use_gitignore)
    total = len(items)
    engine = engine_version(kb.version) + "".join(sorted(type(d).__name__ for d in detectors)) + ("" if prefilter else "-nopf")
    cache = ScanCache.open(config.cache_dir, engine, config.root) if config.cache_dir != "-" else None
    refs: list[Reference] = []
    skips: list[Skipped] = list(skipped)
    sups: list[Suppression] = []
    done = 0
    cached = 0
    scanned_bytes = 0
    work: list[WalkItem] = []
    for it in items:
        hit = cache.get(it) if cache is not None else None
        if hit is not None:
            refs.extend(hit[0])
            skips.extend(hit[1])
            sups.extend(hit[2])
            cached += 1
            done += 1
        else:
            work.append(it)
    if progress and cached:
        progress(done, total)

    def record(it: WalkItem, r: list[Reference], s: list[Skipped], sp: list[Suppression], digest: str) -> None:
        nonlocal done, scanned_bytes
        refs.extend(r)
        skips.extend(s)
        sups.extend(sp)
        done += 1
        if digest:
            scanned_bytes += it.size
            if cache is not None and digest != "-":
                cache.put(it, digest, r, s, sp)

    jobs = config.jobs or os.cpu_count() or 1
    pf = Prefilter(kb) if prefilter else None
    if jobs <= 1 or len(work) < 64:
        for it in work:
            record(it, *scan_file(it, kb, config.max_file_bytes, detectors, pf))
            if progress and (done % 50 == 0 or done == total):
                progress(done, total)
    else:
        ctx = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
        with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker, initargs=(kb, detectors, prefilter)) as pool:
            futures = [pool.submit(_scan_batch, b, config.max_file_bytes) for b in _batches(work)]
            for fut in cf.as_completed(futures):
                for it, r, s, sp, digest in fut.result():
                    record(it, r, s, sp, digest)
                if progress:
                    progress(done, total)
    if cache is not None:
        cache.close()
    refs = fingerprint_references(_dedupe(refs))
    skips = sorted(set(skips))
    stats = ScanStats(
        files_seen=total,
        files_scanned=total - len({s.path for s in skips} & {i.path for i in items}),
        files_skipped=len(skips),
        files_cached=cached,
        bytes_scanned=scanned_bytes,
        seconds=round(time.perf_counter() - t0, 3),
    )
    return ScanResult(
        root=os.path.basename(os.path.abspath(config.root)) or config.root,
        tool_version=__version__,
        rules_version=kb.version,
        references=tuple(refs),
        skipped=tuple(skips),
        stats=stats,
        suppressions=tuple(sorted(set(sups))),
    )

