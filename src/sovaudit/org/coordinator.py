"""The coordinator of ``sovaudit org scan``: it reads and writes the database, the Dask workers
audit.

1. A probe task tells the tool and rules versions the workers have (and warms one audit process).
2. The run is resumed if the last one over the same repositories and settings did not finish (its
   coordinator was killed, or stopped with Ctrl-C): repositories it already recorded are not
   submitted again. Otherwise a new run starts.
3. Each remaining repository is one task (``worker.scan_repository``), given the commits already
   audited with the same tool, rules and settings so that it can answer "unchanged" without
   auditing. At most ``window`` tasks are in flight, so the coordinator's memory does not grow with
   the number of repositories; each answer is stored in one transaction as it arrives and then
   released.
4. A task whose worker dies is rescheduled by Dask (``distributed.scheduler.allowed-failures``
   times, 3 by default); after that it is recorded as a crash and the others go on.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sovaudit.org.model import (
    AuditSettings,
    Failure,
    Outcome,
    RepoOutcome,
    RepoTask,
    RunStatus,
    Source,
)
from sovaudit.org.store import Store


class OrgError(Exception):
    """Something to fix before the run can start (a bad policy, an unreachable scheduler ...)."""


@dataclass(frozen=True, slots=True)
class OrgScanOptions:
    sources: tuple[Source, ...]
    settings: AuditSettings = field(default_factory=AuditSettings)
    db_url: str | None = None  # None: the SQLite file in the user data folder
    scheduler: str = ""  # "" = a LocalCluster on this machine
    workers: int = 0  # the LocalCluster's worker processes (one thread each); 0 = one per CPU
    timeout: float = 600.0  # seconds per repository, clone and audit together
    work_dir: str = ""  # where clones go
    rescan: bool = False  # audit commits already audited too
    new_run: bool = False  # never resume an unfinished run
    dashboard: bool = False  # start (LocalCluster) and report Dask's dashboard
    runner: tuple[str, ...] = ()  # the audit process's command; () = python -m sovaudit.org.runner
    window: int = 0  # tasks in flight at once; 0 = 2 per worker thread, plus 2


@dataclass(frozen=True, slots=True)
class Counts:
    total: int
    scanned: int = 0
    unchanged: int = 0
    failed: int = 0
    running: int = 0
    resumed: int = 0  # recorded by the interrupted run this one resumes

    @property
    def done(self) -> int:
        return self.scanned + self.unchanged + self.failed + self.resumed


@dataclass(frozen=True, slots=True)
class OrgScanSummary:
    run_id: int
    resumed: bool
    counts: Counts
    seconds: float
    failures: tuple[tuple[str, Failure, str], ...]  # (repository key, why, reason), in source order
    dashboard: str = ""
    tool_version: str = ""
    rules_version: str = ""


class _Progress:
    """Counts for the caller's progress display, with "running" asked of the scheduler each
    second on a thread of its own."""

    def __init__(self, client: Any, counts: Counts, callback: Callable[[Counts], None] | None):
        self.client = client
        self.counts = counts
        self.callback = callback
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None
        if callback is not None:
            self.thread = threading.Thread(target=self._poll, name="org-progress", daemon=True)
            self.thread.start()

    def _running(self) -> int:
        """Tasks executing now: a worker may hold more than it has threads (queued on it), so
        each worker counts at most its threads."""
        try:
            threads = self.client.nthreads()
            return sum(min(len(keys), threads.get(w, 1)) for w, keys in self.client.processing().items())
        except Exception:  # noqa: BLE001 - the scheduler is going away; the last figure stands
            return self.counts.running

    def _poll(self) -> None:
        while not self.stop.wait(1.0):
            running = self._running()
            with self.lock:
                self.counts = _replace(self.counts, running=running)
                c = self.counts
            if self.callback:
                self.callback(c)

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            name = outcome.value
            self.counts = _replace(self.counts, **{name: getattr(self.counts, name) + 1})
            c = self.counts
        if self.callback:
            self.callback(c)

    def close(self) -> Counts:
        self.stop.set()
        if self.thread:
            self.thread.join()
        with self.lock:
            self.counts = _replace(self.counts, running=0)
        if self.callback:
            self.callback(self.counts)
        return self.counts


def _replace(c: Counts, **kw: int) -> Counts:
    from dataclasses import replace

    return replace(c, **kw)


def _client(options: OrgScanOptions) -> tuple[Any, Any]:
    from dask.distributed import Client, LocalCluster

    if options.scheduler:
        try:
            client = Client(options.scheduler, timeout="30s")
            client.wait_for_workers(1, timeout=120)
        except (OSError, TimeoutError) as exc:
            raise OrgError(f"cannot use the Dask scheduler at {options.scheduler}: {exc}") from exc
        return client, None
    n = options.workers or os.cpu_count() or 1
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                           dashboard_address=":8787" if options.dashboard else ":0", silence_logs=logging.ERROR)
    return Client(cluster), cluster


def run_org_scan(options: OrgScanOptions, progress: Callable[[Counts], None] | None = None,
                 on_start: Callable[[int, bool, str], None] | None = None) -> OrgScanSummary:
    """Audit every source of ``options`` on Dask and keep the outcomes in the database.
    ``on_start(run id, resumed, dashboard address)`` is called once the run is known."""
    from dask.distributed import as_completed

    from sovaudit.org import db
    from sovaudit.org.worker import probe, scan_repository

    started = time.monotonic()
    engine = db.connect(options.db_url)
    store = Store(engine)
    client, cluster = _client(options)
    try:
        dashboard = str(client.dashboard_link) if options.dashboard else ""
        try:
            tool, rules = client.submit(probe, options.settings, options.runner, pure=False).result()
        except RuntimeError as exc:
            raise OrgError(str(exc)) from exc
        sources = list(options.sources)
        ids = store.repository_ids(sources)
        from sovaudit.org.store import Busy

        try:
            run = store.start_run(sources, options.settings, tool, rules, new_run=options.new_run)
        except Busy as exc:
            raise OrgError(str(exc)) from exc
        if on_start:
            on_start(run.id, run.resumed, dashboard)
        settings_digest = options.settings.digest()
        todo = [s for s in sources if ids[s.key] not in run.done]
        known = {} if options.rescan else store.known_commits([ids[s.key] for s in todo], tool, rules, settings_digest)
        threads = sum(client.nthreads().values()) or 1
        window = options.window or 2 * threads + 2
        prog = _Progress(client, Counts(total=len(sources), resumed=len(sources) - len(todo)), progress)
        failures: dict[str, tuple[str, Failure, str]] = {}
        by_key = {s.key: s for s in sources}
        tag = uuid.uuid4().hex[:8]
        status = RunStatus.INTERRUPTED
        try:
            pending = iter(todo)
            futures = as_completed()
            in_flight: dict[str, Source] = {}

            def submit_next() -> bool:
                src = next(pending, None)
                if src is None:
                    return False
                task = RepoTask(source=src, settings=options.settings, timeout=options.timeout,
                                known_commits=known.get(ids[src.key], frozenset()), work_dir=options.work_dir,
                                runner=options.runner)
                fut = client.submit(scan_repository, task, key=f"sovaudit-org-{run.id}-{ids[src.key]}-{tag}",
                                    pure=False)
                in_flight[fut.key] = src
                futures.add(fut)
                return True

            for _ in range(window):
                if not submit_next():
                    break
            for fut in futures:
                src = in_flight.pop(fut.key)
                out = _outcome(fut, src)
                fut.release()
                recorded = store.record(run.id, ids[src.key], src.key, out, settings_digest, tool, rules)
                if recorded is Outcome.FAILED:
                    failures[src.key] = (src.key, out.failure, out.reason)
                prog.add(recorded)
                del out, fut
                submit_next()
            status = RunStatus.FINISHED
        finally:
            counts = prog.close()
            store.finish_run(run.id, status)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
        engine.dispose()
    order = {k: i for i, k in enumerate(by_key)}
    return OrgScanSummary(run_id=run.id, resumed=run.resumed, counts=counts, seconds=round(time.monotonic() - started, 2),
                          failures=tuple(sorted(failures.values(), key=lambda f: order[f[0]])), dashboard=dashboard,
                          tool_version=tool, rules_version=rules)


def _outcome(fut: Any, src: Source) -> RepoOutcome:
    """The task's answer, or the failure Dask reports for it (its worker died too often, or the
    task raised, which is a bug)."""
    from distributed import KilledWorker

    if fut.status == "finished":
        out: RepoOutcome = fut.result()
        return out
    exc = fut.exception()
    if isinstance(exc, KilledWorker):
        return RepoOutcome(source_key=src.key, outcome=Outcome.FAILED, failure=Failure.CRASH,
                           reason="the Dask worker auditing it died each time it was tried (KilledWorker)")
    if fut.status == "cancelled" or exc is None:
        raise RuntimeError(f"the task for {src.key} was cancelled: the scheduler went away")
    return RepoOutcome(source_key=src.key, outcome=Outcome.FAILED, failure=Failure.INTERNAL,
                       reason=f"{type(exc).__name__}: {exc}")
