"""What the coordinator writes: runs, repositories and one transaction per repository outcome."""

from __future__ import annotations

import hashlib
import json
import os
import socket
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from sovaudit.org import db
from sovaudit.org.model import (
    UNKNOWN,
    AuditSettings,
    Outcome,
    RepoOutcome,
    RunStatus,
    Source,
)

_CHUNK = 500


def dedupe_key(repo_key: str, commit: str, tool: str, rules: str, settings_digest: str) -> str:
    return hashlib.sha256(f"{repo_key}\0{commit}\0{tool}\0{rules}\0{settings_digest}".encode()).hexdigest()


def sources_digest(sources: Iterable[Source]) -> str:
    return hashlib.sha256("\n".join(sorted(s.key for s in sources)).encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class RunInfo:
    id: int
    resumed: bool
    done: frozenset[int]  # repository ids that already have an outcome in this run


class Busy(Exception):
    """Another coordinator on this machine is running the same run."""


class Store:
    def __init__(self, engine: Engine):
        self.engine = engine

    # -- repositories and runs ------------------------------------------------------------------

    def repository_ids(self, sources: list[Source]) -> dict[str, int]:
        """The id of each source's repository, adding those the database does not know."""
        ids: dict[str, int] = {}
        keys = [s.key for s in sources]
        with self.engine.begin() as conn:
            for i in range(0, len(keys), _CHUNK):
                part = keys[i:i + _CHUNK]
                for key, rid in conn.execute(select(db.repositories.c.key, db.repositories.c.id)
                                             .where(db.repositories.c.key.in_(part))):
                    ids[key] = rid
            missing = [s for s in sources if s.key not in ids]
            if missing:
                t = db.now()
                conn.execute(insert(db.repositories), [{"key": s.key, "name": s.name, "kind": s.kind.value,
                                                        "created_at": t} for s in missing])
                for i in range(0, len(missing), _CHUNK):
                    part = [s.key for s in missing[i:i + _CHUNK]]
                    for key, rid in conn.execute(select(db.repositories.c.key, db.repositories.c.id)
                                                 .where(db.repositories.c.key.in_(part))):
                        ids[key] = rid
        return ids

    def start_run(self, sources: list[Source], settings: AuditSettings, tool: str, rules: str,
                  new_run: bool = False) -> RunInfo:
        """Resume the last unfinished run over the same sources and settings (a coordinator that
        was killed, or interrupted), else start a new one."""
        sd, st = sources_digest(sources), settings.digest()
        host, pid = socket.gethostname(), os.getpid()
        with self.engine.begin() as conn:
            if not new_run:
                row = conn.execute(
                    select(db.runs.c.id, db.runs.c.host, db.runs.c.pid)
                    .where(db.runs.c.sources_digest == sd, db.runs.c.settings_digest == st,
                           db.runs.c.status.in_([RunStatus.RUNNING.value, RunStatus.INTERRUPTED.value]))
                    .order_by(db.runs.c.id.desc()).limit(1)).first()
                if row is not None:
                    if row.host == host and row.pid != pid and _alive(row.pid):
                        raise Busy(f"run {row.id} over these repositories is still going (pid {row.pid}); "
                                   "wait for it, or pass --new-run")
                    conn.execute(update(db.runs).where(db.runs.c.id == row.id)
                                 .values(status=RunStatus.RUNNING.value, host=host, pid=pid))
                    done = conn.execute(select(db.run_items.c.repository_id)
                                        .where(db.run_items.c.run_id == row.id)).scalars().all()
                    return RunInfo(row.id, True, frozenset(done))
            rid = conn.execute(insert(db.runs).values(
                started_at=db.now(), finished_at=None, status=RunStatus.RUNNING.value, sources_digest=sd,
                settings_digest=st, settings=json.dumps(asdict(settings), sort_keys=True, default=list),
                tool_version=tool, rules_version=rules, host=host, pid=pid, total=len(sources),
                scanned=0, unchanged=0, failed=0)).inserted_primary_key[0]  # type: ignore[index]
        return RunInfo(int(rid), False, frozenset())

    def finish_run(self, run_id: int, status: RunStatus) -> dict[str, int]:
        """Close the run with its counts (from its items: a resumed run counts what it did before)."""
        with self.engine.begin() as conn:
            counts = dict.fromkeys((Outcome.SCANNED.value, Outcome.UNCHANGED.value, Outcome.FAILED.value), 0)
            for outcome, n in conn.execute(select(db.run_items.c.outcome, func.count())
                                           .where(db.run_items.c.run_id == run_id).group_by(db.run_items.c.outcome)):
                counts[outcome] = n
            conn.execute(update(db.runs).where(db.runs.c.id == run_id).values(
                status=status.value, finished_at=db.now() if status is RunStatus.FINISHED else None,
                scanned=counts["scanned"], unchanged=counts["unchanged"], failed=counts["failed"]))
        return counts

    def known_commits(self, repo_ids: list[int], tool: str, rules: str, settings_digest: str) -> dict[int, frozenset[str]]:
        """Per repository, the commits already audited cleanly with this tool, rules and settings."""
        out: dict[int, set[str]] = {}
        s = db.scans.c
        with self.engine.connect() as conn:
            for i in range(0, len(repo_ids), _CHUNK):
                part = repo_ids[i:i + _CHUNK]
                q = select(s.repository_id, s.commit_sha).where(
                    s.repository_id.in_(part), s.status == "ok", s.dedupe_key.is_not(None), s.tool_version == tool,
                    s.rules_version == rules, s.settings_digest == settings_digest)
                for rid, commit in conn.execute(q):
                    out.setdefault(rid, set()).add(commit)
        return {k: frozenset(v) for k, v in out.items()}

    # -- one repository's outcome ----------------------------------------------------------------

    def record(self, run_id: int, repo_id: int, repo_key: str, out: RepoOutcome, settings_digest: str,
               tool: str, rules: str) -> Outcome:
        """Store ``out`` in one transaction: the scan, its document and rows, and the run's item.
        Returns what was recorded (a scan another coordinator stored first becomes "unchanged")."""
        try:
            with self.engine.begin() as conn:
                return self._record(conn, run_id, repo_id, repo_key, out, settings_digest, tool, rules)
        except IntegrityError:
            pass
        with self.engine.begin() as conn:  # stored meanwhile (same commit, or same run item)
            item = conn.execute(select(db.run_items.c.outcome).where(
                db.run_items.c.run_id == run_id, db.run_items.c.repository_id == repo_id)).scalar()
            if item is not None:
                return Outcome(item)
            unchanged = RepoOutcome(source_key=out.source_key, outcome=Outcome.UNCHANGED, commit=out.commit,
                                    worker=out.worker)
            return self._record(conn, run_id, repo_id, repo_key, unchanged, settings_digest, tool, rules)

    def _record(self, conn: Connection, run_id: int, repo_id: int, repo_key: str, out: RepoOutcome,
                settings_digest: str, tool: str, rules: str) -> Outcome:
        if out.outcome is Outcome.UNCHANGED:
            s = db.scans.c
            scan_id = conn.execute(select(s.id).where(
                s.repository_id == repo_id, s.commit_sha == out.commit, s.status == "ok", s.dedupe_key.is_not(None),
                s.tool_version == tool, s.rules_version == rules, s.settings_digest == settings_digest)
                .order_by(s.id.desc()).limit(1)).scalar()
            if scan_id is not None:
                conn.execute(insert(db.run_items).values(run_id=run_id, repository_id=repo_id,
                                                         outcome=Outcome.UNCHANGED.value, scan_id=scan_id))
                return Outcome.UNCHANGED
            # the earlier scan is gone (deleted by hand): nothing to point at, so record a failure
            out = RepoOutcome(source_key=out.source_key, outcome=Outcome.FAILED, failure=out.failure,
                              reason="its earlier scan is missing from the database; run again with --rescan",
                              commit=out.commit, worker=out.worker)
        rows = out.rows
        ok = out.outcome is Outcome.SCANNED
        schema, doc_tool, doc_rules, home, files_seen = rows.header if ok else ("", tool, rules, "", 0)
        key = (dedupe_key(repo_key, out.commit, doc_tool, doc_rules, settings_digest)
               if ok and out.commit != UNKNOWN and not out.dirty else None)
        scan_id = conn.execute(insert(db.scans).values(
            repository_id=repo_id, run_id=run_id, status="ok" if ok else "failed", failure=out.failure.value,
            reason=out.reason, commit_sha=out.commit, dirty=out.dirty, dedupe_key=key, scanned_at=db.now(),
            seconds=out.seconds, worker=out.worker, tool_version=doc_tool, rules_version=doc_rules,
            settings_digest=settings_digest, schema_version=schema, home=home or "", files_seen=files_seen,
            n_references=len(rows.references), n_findings=len(rows.findings),
            n_exposures=len(rows.exposures))).inserted_primary_key[0]  # type: ignore[index]
        if ok:
            conn.execute(insert(db.documents).values(scan_id=scan_id, sha256=out.document_sha256,
                                                     size=out.document_size, data=out.document))
            for field_name, table in db.CHILD_TABLES:
                values = getattr(rows, field_name)
                if values:
                    cols = [c.name for c in table.columns if c.name not in ("id", "scan_id")]
                    conn.execute(insert(table), [{"scan_id": scan_id, **dict(zip(cols, v, strict=True))} for v in values])
        conn.execute(insert(db.run_items).values(run_id=run_id, repository_id=repo_id, outcome=out.outcome.value,
                                                 scan_id=scan_id))
        return out.outcome


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

