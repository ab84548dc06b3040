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
import itertools
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterable, Iterator

from sovaudit import __version__, sanitize
from sovaudit.detect import ARTIFACT_HEAD_BYTES, READERS, Detector, Lexer, SourceFile, lexer_for
from sovaudit.detect.budget import OverBudget, alarm, file_limit
from sovaudit.detect.cache import FileResult, ScanCache, content_hash, decode_result, encode_result, engine_version
from sovaudit.detect.snippets import suppressions, with_snippets
from sovaudit.model import Reference, ScanConfig, ScanResult, ScanStats, Skipped, Suppression, fingerprint_references
from sovaudit.rules import KnowledgeBase
from sovaudit.walk.units import find_units
from sovaudit.walk.walker import WalkItem, iter_walk

_BINARY_SNIFF = 8192

Progress = Callable[[int, int], None]
_UTF16_32 = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
             (codecs.BOM_UTF16_BE, "utf-16"))


def as_utf8(data: bytes) -> tuple[bytes, str]:
    """The bytes the lexer reads: UTF-16/32 (by their BOM) re-encoded as UTF-8, a UTF-8 BOM dropped,
    anything else as it is (every encoding the scanner meets keeps ASCII as ASCII, and every token
    it reacts to is ASCII). Returns the bytes and the encoding's name."""
    for bom, enc in _UTF16_32:
        if data.startswith(bom):
            return data.decode(enc, errors="replace").encode("utf-8", "surrogatepass"), enc
    if data.startswith(codecs.BOM_UTF8):
        return data[3:], "utf-8-sig"
    return data, "utf-8"


def looks_binary(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return False
    return b"\x00" in head[:_BINARY_SNIFF]


def _run_reader(det: Detector, f: SourceFile, kb: KnowledgeBase) -> tuple[list[Reference], list[Skipped]]:
    """Run one format reader. It yields references, and may yield ``Skipped`` for a part of the
    file it could not read while still reporting the rest."""
    refs: list[Reference] = []
    skips: list[Skipped] = []
    try:
        for item in det.detect(f, kb):
            if isinstance(item, Skipped):
                skips.append(item)
            else:
                refs.append(item)
    except Exception as exc:  # a reader failing on one malformed file must not stop the scan
        msg = f"{type(exc).__name__}: {exc}"
        skips.append(Skipped(f.path, f"could not parse ({det.name})", " ".join(msg.split())[:300]))
    return refs, skips


def _read(item: WalkItem, limit: int) -> bytes:
    with open(item.abs_path, "rb") as fh:
        # read(n) allocates n bytes up front: ask for what the walk saw (+1 to notice growth)
        data = fh.read(min(item.size, limit) + 1)
        if len(data) > item.size and len(data) <= limit:
            data += fh.read(limit + 1 - len(data))
    return data


Outcome = tuple[list[Reference], list[Skipped], list[Suppression], str]

#: Reasons of the skips the time limits record.
OVER_BUDGET = "over budget"
NOT_SCANNED = "not scanned"


def deadline_skip(path: str, deadline: float) -> Skipped:
    return Skipped(path, NOT_SCANNED, f"the scan's deadline of {deadline:g} s was reached before this file was read")


def scan_file(item: WalkItem, kb: KnowledgeBase, max_bytes: int, lexer: Lexer | None = None,
              readers: tuple[Detector, ...] | None = None, budget: float = 0.0, stop_at: float = 0.0,
              deadline: float = 0.0) -> Outcome:
    """Scan one file. Returns (references, skips, inline suppressions, content digest); the digest
    is "" when the file could not be read or was cut by a time limit (so the result is not cached),
    "-" when nothing applies to it (cached by its size and time stamp).

    ``budget``: wall-clock seconds the file may take (0 = no limit); past it the file is one
    ``over budget`` skip and nothing else. ``stop_at`` (a ``time.monotonic()``, 0 = none) is the scan's
    deadline (``deadline`` seconds after its start): a file is not started after it, and a file
    still being read when it comes is cut as well."""
    limit = file_limit(budget, stop_at)
    if limit < 0:
        return [], [deadline_skip(item.path, deadline)], [], ""
    t0 = time.perf_counter()
    try:
        with alarm(limit):
            return _scan_file(item, kb, max_bytes, lexer, readers)
    except OverBudget:
        if stop_at and time.monotonic() >= stop_at - 0.005 and (not budget or limit < budget):
            return [], [Skipped(item.path, NOT_SCANNED, f"the scan's deadline of {deadline:g} s came while this file was read")], [], ""
        return [], [Skipped(item.path, OVER_BUDGET, f"analysis stopped after {time.perf_counter() - t0:.1f} s "
                                                    f"(the per-file budget is {budget:g} s); nothing from this file is reported")], [], ""


def _scan_file(item: WalkItem, kb: KnowledgeBase, max_bytes: int, lexer: Lexer | None = None,
               readers: tuple[Detector, ...] | None = None) -> Outcome:
    lexer = lexer if lexer is not None else lexer_for(kb)
    applicable = [d for d in (READERS if readers is None else readers) if d.applies(item.path)]
    bin_readers = [d for d in applicable if d.binary]
    text_readers = [d for d in applicable if not d.binary]
    if not bin_readers and lexer.rules.is_binary_name(item.path):
        return [], [], [], "-"
    refs: list[Reference] = []
    skips: list[Skipped] = []
    sups: list[Suppression] = []
    limit = ARTIFACT_HEAD_BYTES if bin_readers else max_bytes
    if not bin_readers and item.size > max_bytes:
        return [], [Skipped(item.path, "too large", f"{item.size} bytes > limit of {max_bytes} bytes (--max-file-size)")], [], \
            content_hash(b"", item.size)
    try:
        data = _read(item, limit)
    except OSError as exc:
        return [], [Skipped(item.path, "unreadable", exc.strerror or str(exc))], [], ""
    if not bin_readers and len(data) > max_bytes:
        return [], [Skipped(item.path, "too large", f"grew past the limit of {max_bytes} bytes while read")], [], ""
    digest = content_hash(data, item.size if bin_readers else len(data))
    if bin_readers:
        f = SourceFile(item.path, data=data, abs_path=item.abs_path)
        for d in bin_readers:
            r, s = _run_reader(d, f, kb)
            refs.extend(r)
            skips.extend(s)
        return refs, skips, sups, digest
    if looks_binary(data):
        if lexer.rules.file_kind(item.path).kind != "config" or text_readers:
            skips.append(Skipped(item.path, "binary", "contains NUL bytes; not a text file"))
        return refs, skips, sups, digest
    if not text_readers and lexer.rules.is_token_vocabulary(item.path):
        name = item.path.rsplit("/", 1)[-1]
        return refs, [Skipped(item.path, "not analysed", f"a tokenizer vocabulary ({name}): its entries are sub-word tokens, "
                                                         "not references")], sups, digest
    utf8, enc = as_utf8(data)
    if lexer.rules.is_dependency_lock(item.path):
        # every package of the build, used or not: only a package reader that knows the format reads it
        if not text_readers:
            name = item.path.rsplit("/", 1)[-1]
            skips.append(Skipped(item.path, "not analysed", f"a dependency lock file ({name}): it pins every package of the "
                                                            "build, direct or transitive, and no package reader reads it"))
    else:
        try:
            r, s = lexer.analyse(item.path, utf8)
        except Exception as exc:  # noqa: BLE001 - a bug on odd input costs this reading only, not the readers' results
            r, s = [], [Skipped(item.path, "partly analysed", f"text analysis failed: {type(exc).__name__}")]
        refs.extend(r)
        skips.extend(s)
    if text_readers:
        f = SourceFile(item.path, text=utf8.decode("utf-8", "replace"), abs_path=item.abs_path, encoding=enc)
        for d in text_readers:
            r, s = _run_reader(d, f, kb)
            refs.extend(r)
            skips.extend(s)
    if refs:
        try:
            refs = with_snippets(refs, utf8)
        except Exception as exc:  # noqa: BLE001 - references without their source line beat no references
            skips.append(Skipped(item.path, "partly analysed", f"snippets not cut: {type(exc).__name__}"))
    if b"sovaudit:" in utf8:
        sups.extend(suppressions(item.path, utf8.decode("utf-8", "replace")))
    return refs, skips, sups, digest


# -- worker side ---------------------------------------------------------------------------

_WORKER: tuple[KnowledgeBase, Lexer] | None = None
_BOARD: _Board | None = None
_SLOT = -1


class _Board:
    """What each worker process is reading, in shared memory, for the main process's watchdog:
    per slot the worker's pid, the index (in the scan's list of files) of its current file, when it
    started it (``time.monotonic()``, one clock for every process of the machine, so that a step of
    the wall clock cannot make a worker look stuck; 0 = between files) and the CPU time the worker
    had used by then."""

    def __init__(self, ctx, slots: int):
        self.lock = ctx.Lock()
        self.pid = ctx.Array("q", slots, lock=False)
        self.cur = ctx.Array("q", slots, lock=False)
        self.started = ctx.Array("d", slots, lock=False)
        self.cpu = ctx.Array("d", slots, lock=False)

    def reset(self) -> None:
        for i in range(len(self.pid)):
            self.pid[i], self.cur[i], self.started[i], self.cpu[i] = 0, -1, 0.0, 0.0

    def claim(self) -> int:
        with self.lock:
            for i in range(len(self.pid)):
                if self.pid[i] == 0:
                    self.pid[i] = os.getpid()
                    return i
        return -1

    def begin(self, slot: int, idx: int) -> None:
        """The worker in ``slot`` starts file ``idx`` (its own CPU clock: the same seconds the main
        process reads from /proc, without opening a file per file)."""
        self.cur[slot], self.cpu[slot] = idx, time.process_time()
        self.started[slot] = time.monotonic()

    def late(self, limit: float) -> list[tuple[int, int]]:
        """(pid, file index) of every worker stuck on one file: on it for longer than ``limit``
        seconds *and* busy -- at least half of that spent on the CPU -- or on it for four times
        ``limit`` whatever it did. A machine that was paused (a virtual machine held by its host,
        a laptop asleep) or starved of CPU moves every clock forward while no worker ran: wall
        time alone made workers on small files look stuck and lose their file's results."""
        now = time.monotonic()
        out = []
        for i in range(len(self.pid)):
            pid, started = self.pid[i], self.started[i]
            if not (pid and started and now - started > limit):
                continue
            cpu = _cpu_seconds(pid)
            if cpu is None or cpu - self.cpu[i] >= limit / 2 or now - started > 4 * limit:
                out.append((pid, self.cur[i]))
        return out


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") and "SC_CLK_TCK" in getattr(os, "sysconf_names", {}) else 100


def _cpu_seconds(pid: int) -> float | None:
    """User and system CPU seconds a process has used (``/proc/PID/stat``); None where there is no
    /proc (the watchdog then goes by time on the file alone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except OSError:
        return None
    fields = stat[stat.rfind(b")") + 2:].split()  # after "pid (comm) ": state is field 3
    try:
        return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime: fields 14 and 15
    except (IndexError, ValueError):
        return None


def _init_worker(kb: KnowledgeBase, board: _Board | None = None) -> None:
    global _WORKER, _BOARD, _SLOT
    lexer = lexer_for(kb)
    lexer.vocab.fork_safe()  # Hyperscan scratch space is per process
    _WORKER = (kb, lexer)
    _BOARD = board
    _SLOT = board.claim() if board is not None else -1


def _finish(item: WalkItem, refs: list[Reference], skips: list[Skipped], sups: list[Suppression]) -> bytes:
    """One file's result, deduplicated, fingerprinted and sorted, as a cache blob. Everything that
    makes a reference unique and its fingerprint includes its path, so doing this per file gives
    exactly what doing it over the whole tree would. This is the boundary: every string taken from
    the file is made safe here (``sovaudit.sanitize``: surrogates, control characters, length
    caps, secrets), before the result is cached or leaves the worker."""
    refs, skips, sups = sanitize.file_result(item.path, refs, skips, sups)
    return encode_result(item.path, fingerprint_references(_dedupe(refs)) if refs else (), skips, sups)


def _scan_batch(batch: list[tuple[int, WalkItem]], max_bytes: int, budget: float = 0.0, stop_at: float = 0.0,
                deadline: float = 0.0) -> list[tuple[bytes, str, float]]:
    """Worker: (result blob, content digest, seconds) per (index, item). Blobs are what the main
    process caches and decodes, so a result crosses the process boundary once, as bytes. Each file
    is bounded by ``budget`` and the scan's deadline (the worker's main thread holds the timer);
    the board tells the main process which file this worker is on, should the timer not be heard."""
    assert _WORKER is not None
    kb, lexer = _WORKER
    board, slot = _BOARD, _SLOT
    out = []
    for idx, it in batch:
        t0 = time.perf_counter()
        if board is not None and slot >= 0:
            board.begin(slot, idx)
        r, s, sp, digest = scan_file(it, kb, max_bytes, lexer, budget=budget, stop_at=stop_at, deadline=deadline)
        out.append((_finish(it, r, s, sp), digest, time.perf_counter() - t0))
        if board is not None and slot >= 0:
            board.started[slot] = 0.0
    return out


#: Seconds past the deadline the main process waits for a worker to stop at its timer before it
#: stops the workers itself.
_DEADLINE_GRACE = 5.0
#: Seconds past its budget a file may hold a worker before the main process stops the worker (the
#: worker's own timer fires at the budget; this is for code that does not hear it).
_KILL_GRACE = 5.0


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except (OSError, ValueError):  # already gone
        pass


def _kill_workers(pool: cf.ProcessPoolExecutor) -> None:
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        _kill(proc.pid)


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


def scan(config: ScanConfig, kb: KnowledgeBase, progress: Progress | None = None) -> ScanResult:
    """Walk ``config.root`` and detect every reference. Never raises for a bad file.

    The walk feeds the worker processes as it goes; the main process meanwhile checks the cache,
    stores what the workers send back and reads cached results, so both cores stay on detection."""
    t0 = time.perf_counter()
    if not os.path.exists(config.root):
        raise FileNotFoundError(f"scan root does not exist: {config.root}")
    lexer = lexer_for(kb)
    engine = engine_version(kb.version)
    cache = ScanCache.open(config.cache_dir, engine, config.root) if config.cache_dir != "-" else None
    index = cache.index() if cache is not None else {}
    walk_skips: list[Skipped] = []
    items: list[WalkItem] = []
    per_file: dict[str, FileResult] = {}
    hits: set[str] = set()
    timings: list[tuple[float, str]] = []
    scanned_bytes = 0
    shared: dict = {}  # equal values decoded from different files: one object (decode_result)

    def record(it: WalkItem, blob: bytes, digest: str, seconds: float) -> None:
        nonlocal scanned_bytes
        per_file[it.path] = decode_result(it.path, blob, shared)
        if seconds >= 0.05:
            timings.append((seconds, it.path))
        if digest:  # "" = unreadable: not cached; "-" = nothing applies: cached by stat alone
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

    budget = config.file_budget
    stop_at = time.monotonic() + config.deadline if config.deadline > 0 else 0.0

    def late() -> bool:
        return bool(stop_at) and time.monotonic() >= stop_at

    def scan_here(it: WalkItem) -> None:
        t1 = time.perf_counter()
        r, s, sp, digest = scan_file(it, kb, config.max_file_bytes, lexer, budget=budget, stop_at=stop_at,
                                     deadline=config.deadline)
        record(it, _finish(it, r, s, sp), digest, time.perf_counter() - t1)

    def not_scanned(it: WalkItem) -> None:
        record(it, _finish(it, [], [deadline_skip(it.path, config.deadline)], []), "", 0.0)

    def walk_until_deadline() -> Iterator[WalkItem]:
        """The walk, stopped (and said so) when the deadline comes before it ends."""
        for n, it in enumerate(iter_walk(config.root, config.excludes, config.use_gitignore, walk_skips)):
            if stop_at and not n % 64 and late():
                walk_skips.append(Skipped(".", NOT_SCANNED, f"the scan's deadline of {config.deadline:g} s came during the "
                                                            f"walk: files past {it.path} were not listed"))
                return
            yield it

    jobs = config.jobs or os.cpu_count() or 1
    walker = walk_until_deadline()
    # a few files are not worth starting processes for: look ahead before deciding
    head: list[WalkItem] = []
    for it in walker:
        if triage(it):
            head.append(it)
            if len(head) >= 256:
                break
    if jobs <= 1 or len(head) < 256:
        pending = head + [it for it in walker if triage(it)]
        for n, it in enumerate(pending, 1):
            scan_here(it)
            if progress and n % 50 == 0:
                progress(len(per_file) + len(hits), len(items))
    else:
        ctx = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else multiprocessing.get_context()
        board = _Board(ctx, jobs)
        index_of: dict[int, WalkItem] = {}
        futures: dict[cf.Future, list[tuple[int, WalkItem]]] = {}
        retry: list[tuple[int, WalkItem]] = []
        pool: cf.ProcessPoolExecutor | None = None
        hard = budget + _KILL_GRACE if budget > 0 else 0.0

        def new_pool() -> cf.ProcessPoolExecutor:
            board.reset()
            return cf.ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker, initargs=(kb, board))

        def submit(batch: list[tuple[int, WalkItem]]) -> None:
            nonlocal pool
            if late():
                for _, it in batch:
                    not_scanned(it)
                return
            if pool is None:
                pool = new_pool()
            try:
                futures[pool.submit(_scan_batch, batch, config.max_file_bytes, budget, stop_at, config.deadline)] = batch
            except cf.process.BrokenProcessPool:
                retry.extend(batch)  # the watchdog stopped a worker: this pool takes no more work

        def collect(done: Iterable[cf.Future]) -> None:
            for fut in done:
                batch = futures.pop(fut)
                if fut.cancelled():
                    for _, it in batch:
                        not_scanned(it)
                    continue
                try:
                    results = fut.result()
                except cf.process.BrokenProcessPool:
                    # a worker was stopped (or died): what it had not sent back is read again
                    retry.extend((i, it) for i, it in batch if it.path not in per_file)
                    continue
                for (_, it), (blob, digest, seconds) in zip(batch, results):
                    record(it, blob, digest, seconds)

        def watchdog() -> bool:
            """Stop a worker that has been on one file past the hard limit (its timer unheard: a
            C routine that does not return); that file is an ``over budget`` skip. True if one was."""
            if not hard:
                return False
            stuck = board.late(hard)
            for pid, idx in stuck:
                it = index_of.get(idx)
                if it is not None and it.path not in per_file:
                    record(it, _finish(it, [], [Skipped(it.path, OVER_BUDGET, f"the worker reading this file was stopped "
                                                        f"after {hard:g} s (the per-file budget is {budget:g} s); nothing "
                                                        "from this file is reported")], []), "", 0.0)
                _kill(pid)
            return bool(stuck)

        def drain() -> bool:
            """Wait for every batch in flight; False when the deadline's grace ran out first."""
            while futures:
                if late():  # batches no worker has started will not be: their files are not scanned
                    for fut in list(futures):
                        fut.cancel()
                    collect([f for f in futures if f.cancelled()])
                    if not futures:
                        break
                wait = 1.0 if hard else None
                if stop_at:
                    wait = min(wait or _DEADLINE_GRACE, max(0.05, stop_at - time.monotonic()) if not late() else _DEADLINE_GRACE)
                done, _ = cf.wait(list(futures), timeout=wait, return_when=cf.FIRST_COMPLETED)
                if not done and late() and time.monotonic() >= stop_at + _DEADLINE_GRACE:
                    return False
                collect(done)
                if not done:
                    watchdog()
                if progress:
                    progress(len(per_file) + len(hits), len(items))
            return True

        try:
            batch: list[tuple[int, WalkItem]] = []
            size = 0
            for it in itertools.chain(head, (it for it in walker if triage(it))):
                idx = len(index_of)
                index_of[idx] = it
                batch.append((idx, it))
                size += min(it.size, BATCH_BYTES)
                if size >= BATCH_BYTES or len(batch) >= BATCH_FILES:
                    submit(batch)
                    batch, size = [], 0
                    if len(futures) > 4 * jobs:  # keep memory flat: store results while walking
                        collect([f for f in futures if f.done()])
                        watchdog()
            if batch:
                submit(batch)
            if progress:
                progress(len(per_file) + len(hits), len(items))
            finished = drain()
            while finished and retry:  # the files a stopped worker's pool left: a new pool reads them
                todo = [(i, it) for i, it in retry if it.path not in per_file]
                retry.clear()
                if pool is not None:
                    pool.shutdown(wait=False, cancel_futures=True)
                pool = None
                for k in range(0, len(todo), BATCH_FILES):
                    submit(todo[k:k + BATCH_FILES])
                finished = drain()
            if not finished or retry:
                # workers that ignore their timer past the deadline (stuck outside the interpreter): stop them
                if pool is not None:
                    _kill_workers(pool)
                for fut in list(futures):
                    for _, it in futures.pop(fut):
                        if it.path not in per_file:
                            not_scanned(it)
                for _, it in retry:
                    if it.path not in per_file:
                        not_scanned(it)
        finally:
            if pool is not None:
                pool.shutdown(wait=not futures, cancel_futures=True)
    cached = 0
    if cache is not None:
        if hits:
            for path, res in cache.results(hits, shared):
                per_file[path] = res
                cached += 1
            for it in [it for it in items if it.path in hits and it.path not in per_file]:
                scan_here(it)  # an entry that did not decode: scan the file after all
        cache.close()
    if progress:
        progress(len(items), len(items))
    refs: list[Reference] = []
    skips: set[Skipped] = {sanitize.skipped(s) for s in walk_skips}
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
        slowest=tuple((p, round(s, 3)) for s, p in sorted(timings, key=lambda x: (-x[0], x[1]))[:20]),
    )
    return ScanResult(
        root=sanitize.clean_path(os.path.basename(os.path.abspath(config.root)) or config.root),
        tool_version=__version__,
        rules_version=kb.version,
        references=tuple(refs),
        skipped=tuple(sorted(skips)),
        stats=stats,
        suppressions=tuple(sorted(sups)),
        units=find_units((it.path for it in items), config.root),
    )
