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
import gc
import itertools
import multiprocessing
import os
import time
from dataclasses import replace
from typing import Callable, Iterable

from sovaudit import __version__
from sovaudit.cache import FileResult, ScanCache, content_hash, decode_result, encode_result, engine_version
from sovaudit.detectors import DETECTORS
from sovaudit.detectors.base import Detector, SourceFile
from sovaudit.prefilter import Prefilter
from sovaudit.model import Reference, ScanConfig, ScanResult, ScanStats, Skipped, Suppression, fingerprint_references
from sovaudit.snippets import snippet, suppressions
from sovaudit.rules import KnowledgeBase
from sovaudit.walk import WalkItem, iter_walk

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
                head = fh.read(min(item.size + 1, ARTIFACT_HEAD_BYTES))
                if len(head) > item.size and len(head) < ARTIFACT_HEAD_BYTES:  # grew since the walk
                    head += fh.read(ARTIFACT_HEAD_BYTES - len(head))
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
                # read(n) allocates n bytes up front: ask for what the walk saw (+1 to notice growth)
                data = fh.read(item.size + 1)
                if len(data) > item.size:
                    data += fh.read(max_bytes + 1 - len(data))
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
        worth: dict[str, bool] = {}
        for d in text_dets:
            if prefilter is not None and d.prefilter:
                if d.prefilter not in worth:
                    worth[d.prefilter] = prefilter.worth_parsing(d.prefilter, text)
                if not worth[d.prefilter]:
                    continue
            r, s = _run_detector(d, f, kb)
            refs.extend(r)
            skips.extend(s)
        if len(refs) > start:
            lines = text.splitlines()
            by_line: dict[int, str] = {}  # references often share a line: redact it once
            for i in range(start, len(refs)):
                r = refs[i]
                if not r.snippet:
                    snip = by_line.get(r.line)
                    if snip is None:
                        snip = by_line[r.line] = snippet(lines, r.line)
                    refs[i] = replace(r, snippet=snip)
        sups.extend(suppressions(item.path, text))
    return refs, skips, sups, digest


# -- worker side ---------------------------------------------------------------------------

_WORKER: tuple[KnowledgeBase, tuple[Detector, ...], Prefilter | None] | None = None


def _init_worker(kb: KnowledgeBase, detectors: tuple[Detector, ...], prefilter: bool) -> None:
    global _WORKER
    _WORKER = (kb, detectors, Prefilter(kb) if prefilter else None)
    # what the worker inherits (knowledge base, automata, modules) lives as long as it does: out of
    # the collector's sight, full collections stop re-walking it (a few % of detection time)
    gc.collect()
    gc.freeze()
    gc.enable()  # whatever the parent does (the CLI pauses its collector): parsers make cyclic garbage


def _finish(item: WalkItem, refs: list[Reference], skips: list[Skipped], sups: list[Suppression]) -> bytes:
    """One file's result, deduplicated, fingerprinted and sorted, as a cache blob. Everything that
    makes a reference unique and its fingerprint includes its path, so doing this per file gives
    exactly what doing it over the whole tree would."""
    return encode_result(item.path, fingerprint_references(_dedupe(refs)) if refs else (), skips, sups)


def _scan_batch(items: list[WalkItem], max_bytes: int) -> list[tuple[bytes, str]]:
    """Worker: (result blob, content digest) per item. Blobs are what the main process caches and
    decodes, so a result crosses the process boundary once, as bytes."""
    assert _WORKER is not None
    kb, detectors, pf = _WORKER
    out = []
    for it in items:
        r, s, sp, digest = scan_file(it, kb, max_bytes, detectors, pf)
        out.append((_finish(it, r, s, sp), digest))
    return out


def _dedupe(refs: list[Reference]) -> list[Reference]:
    """Two detectors may see the same string (e.g. a command inside a compose file): keep one."""
    best: dict[tuple, Reference] = {}
    for r in refs:
        key = (r.kind, r.id, r.path, r.line, r.column)
        prev = best.get(key)
        if prev is None or (r.confidence, r.detector) > (prev.confidence, prev.detector):
            best[key] = r
    return list(best.values())


#: Work goes to the processes in batches of about this many bytes / files: big enough that the
#: per-batch cost disappears, small enough that both cores stay busy until the end.
BATCH_BYTES = 1024 * 1024
BATCH_FILES = 128


def scan(config: ScanConfig, kb: KnowledgeBase, progress: Progress | None = None,
         detectors: tuple[Detector, ...] = DETECTORS, prefilter: bool = True) -> ScanResult:
    """Walk ``config.root`` and detect every reference. Never raises for a bad file.
    ``prefilter=False`` runs every parser on every file (used to test that the prefilter loses
    nothing).

    The walk feeds the worker processes as it goes; the main process meanwhile checks the cache,
    stores what the workers send back and reads cached results, so both cores stay on detection."""
    t0 = time.perf_counter()
    if not os.path.exists(config.root):
        raise FileNotFoundError(f"scan root does not exist: {config.root}")
    engine = engine_version(kb.version) + "".join(sorted(type(d).__name__ for d in detectors)) + ("" if prefilter else "-nopf")
    cache = ScanCache.open(config.cache_dir, engine, config.root) if config.cache_dir != "-" else None
    index = cache.index() if cache is not None else {}
    walk_skips: list[Skipped] = []
    items: list[WalkItem] = []
    per_file: dict[str, FileResult] = {}
    hits: set[str] = set()
    scanned_bytes = 0

    def record(it: WalkItem, blob: bytes, digest: str) -> None:
        nonlocal scanned_bytes
        per_file[it.path] = decode_result(it.path, blob)
        if digest:  # "" = unreadable: not cached; "-" = no detector applies: cached by stat alone
            scanned_bytes += it.size
            if cache is not None:
                cache.put_blob(it, digest, blob)

    def triage(it: WalkItem) -> bool:
        """Record a walked file; True when it has to be scanned."""
        items.append(it)
        if cache is not None and ScanCache.fresh(it, index.get(it.path)):
            hits.add(it.path)
            return False
        return True

    jobs = config.jobs or os.cpu_count() or 1
    walker = iter_walk(config.root, config.excludes, config.use_gitignore, walk_skips)
    # a few files are not worth starting processes for: look ahead before deciding
    head: list[WalkItem] = []
    for it in walker:
        if triage(it):
            head.append(it)
            if len(head) >= 64:
                break
    if jobs <= 1 or len(head) < 64:
        pf = Prefilter(kb) if prefilter else None
        pending = head + [it for it in walker if triage(it)]
        for n, it in enumerate(pending, 1):
            r, s, sp, digest = scan_file(it, kb, config.max_file_bytes, detectors, pf)
            record(it, _finish(it, r, s, sp), digest)
            if progress and n % 50 == 0:
                progress(len(per_file) + len(hits), len(items))
    else:
        ctx = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
        with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                                    initargs=(kb, detectors, prefilter)) as pool:
            futures: dict[cf.Future, list[WalkItem]] = {}

            def submit(batch: list[WalkItem]) -> None:
                futures[pool.submit(_scan_batch, batch, config.max_file_bytes)] = batch

            def collect(done: Iterable[cf.Future]) -> None:
                for fut in done:
                    for it, (blob, digest) in zip(futures.pop(fut), fut.result()):
                        record(it, blob, digest)

            batch: list[WalkItem] = []
            size = 0
            for it in itertools.chain(head, (it for it in walker if triage(it))):
                batch.append(it)
                size += min(it.size, BATCH_BYTES)
                if size >= BATCH_BYTES or len(batch) >= BATCH_FILES:
                    submit(batch)
                    batch, size = [], 0
                    if len(futures) > 4 * jobs:  # keep memory flat: store results while walking
                        collect([f for f in futures if f.done()])
            if batch:
                submit(batch)
            if progress:
                progress(len(per_file) + len(hits), len(items))
            while futures:
                done, _ = cf.wait(list(futures), return_when=cf.FIRST_COMPLETED)
                collect(done)
                if progress:
                    progress(len(per_file) + len(hits), len(items))
    cached = 0
    if cache is not None:
        if hits:
            for path, res in cache.results(hits):
                per_file[path] = res
                cached += 1
            missing = [it for it in items if it.path in hits and it.path not in per_file]
            pf = Prefilter(kb) if prefilter and missing else None
            for it in missing:  # an entry that did not decode: scan the file after all
                r, s, sp, digest = scan_file(it, kb, config.max_file_bytes, detectors, pf)
                record(it, _finish(it, r, s, sp), digest)
        cache.close()
    if progress:
        progress(len(items), len(items))
    refs: list[Reference] = []
    skips: set[Skipped] = set(walk_skips)
    sups: set[Suppression] = set()
    for path in sorted(per_file):  # each file's references are sorted already
        r, s, sp = per_file[path]
        refs.extend(r)
        skips.update(s)
        sups.update(sp)
    skipped_files = {s.path for s in skips} & {it.path for it in items}
    stats = ScanStats(
        files_seen=len(items),
        files_scanned=len(items) - len(skipped_files),
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
        skipped=tuple(sorted(skips)),
        stats=stats,
        suppressions=tuple(sorted(sups)),
    )
