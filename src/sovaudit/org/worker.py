"""The Dask task: one repository, start to end, within its time.

Find the commit (or clone it), skip it if that commit is already audited with the same tool, rules
and settings, audit it in this worker's audit process, and return a ``RepoOutcome``. The task never
raises for a repository's own problem -- a clone error, a timeout, a crash of the audit process,
an ``AuditError`` -- it returns the failure with its reason, so that the others go on. It writes
nothing but its clone, which it removes.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import time
from pathlib import Path

from sovaudit.org import gitops
from sovaudit.org.model import (
    UNKNOWN,
    AuditSettings,
    Failure,
    Outcome,
    RepoOutcome,
    RepoTask,
    SourceKind,
)
from sovaudit.org.runner import (
    POOL,
    AuditCrash,
    AuditReply,
    AuditRequest,
    AuditTimeout,
    default_command,
)


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return socket.gethostname()


def scan_repository(task: RepoTask) -> RepoOutcome:
    start = time.monotonic()
    deadline = start + task.timeout
    src = task.source
    worker = _worker_name()

    def done(outcome: Outcome, failure: Failure = Failure.NONE, reason: str = "", commit: str = UNKNOWN,
             dirty: bool = False, reply: AuditReply | None = None) -> RepoOutcome:
        extra = {}
        if reply is not None:
            extra = {"document": reply.document, "document_sha256": reply.document_sha256,
                     "document_size": reply.document_size, "rows": reply.rows}
        return RepoOutcome(source_key=src.key, outcome=outcome, failure=failure, reason=reason, commit=commit,
                           dirty=dirty, seconds=round(time.monotonic() - start, 3), worker=worker, **extra)  # type: ignore[arg-type]

    if src.kind is SourceKind.MISSING:
        return done(Outcome.FAILED, Failure.SOURCE, f"no such folder: {src.location}")
    clone_root = ""
    commit, dirty = UNKNOWN, False
    try:
        if src.kind is SourceKind.GIT:
            commit = gitops.remote_head(src.location, deadline)
            if commit in task.known_commits:
                return done(Outcome.UNCHANGED, commit=commit)
            if task.work_dir:
                os.makedirs(task.work_dir, exist_ok=True)
            clone_root = tempfile.mkdtemp(prefix="sovaudit-org-", dir=task.work_dir or None)
            root = Path(clone_root) / src.name
            commit = gitops.clone(src.location, root, deadline)
        else:
            root = Path(src.location)
            if not root.is_dir():
                return done(Outcome.FAILED, Failure.SOURCE, f"no such folder: {src.location}")
            commit, dirty = gitops.work_tree_state(str(root), deadline)
        if commit in task.known_commits and not dirty:
            return done(Outcome.UNCHANGED, commit=commit)
        reply = POOL.ask(task.runner or default_command(), AuditRequest(str(root), task.settings), deadline)
    except gitops.GitError as exc:
        return done(Outcome.FAILED, Failure.CLONE, str(exc), commit)
    except gitops.Timeout as exc:
        return done(Outcome.FAILED, Failure.TIMEOUT, f"gave up after {task.timeout:g} s: {exc}", commit, dirty)
    except AuditTimeout:
        return done(Outcome.FAILED, Failure.TIMEOUT, f"gave up after {task.timeout:g} s: the audit did not finish in time",
                    commit, dirty)
    except AuditCrash as exc:
        return done(Outcome.FAILED, Failure.CRASH, str(exc), commit, dirty)
    finally:
        if clone_root:
            shutil.rmtree(clone_root, ignore_errors=True)
    if reply.failure is not Failure.NONE:
        return done(Outcome.FAILED, reply.failure, reply.reason, commit, dirty)
    return done(Outcome.SCANNED, commit=commit, dirty=dirty, reply=reply)


def probe(settings: AuditSettings, runner: tuple[str, ...] = ()) -> tuple[str, str]:
    """(tool version, rules version) as the workers see them: the audit of an empty folder. It
    also starts this worker's audit process with the knowledge base loaded."""
    import json
    import zlib

    with tempfile.TemporaryDirectory(prefix="sovaudit-org-probe-") as d:
        root = Path(d) / "empty"
        root.mkdir()
        reply = POOL.ask(runner or default_command(), AuditRequest(str(root), settings), time.monotonic() + 600)
    if reply.failure is not Failure.NONE:
        raise RuntimeError(reply.reason)
    doc = json.loads(zlib.decompress(reply.document))
    return str(doc["tool"]["version"]), str(doc["rules_version"])
