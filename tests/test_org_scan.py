"""sovaudit org scan: repositories made in the test, audited on a 2-worker LocalCluster, kept in
SQLite and (marker ``postgres``) in PostgreSQL -- the same assertions on both.

Faults: a clone that fails, git and audit timeouts, a crash of the audit process, an AuditError,
a Dask worker killed mid-task and the coordinator killed with SIGKILL and started again.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sovaudit.org import db
from sovaudit.org.coordinator import OrgScanOptions, run_org_scan
from sovaudit.org.model import AuditSettings, Failure
from sovaudit.org.sources import collect

from org_support import (
    APPS,
    SilentServer,
    commit,
    git,
    make_folder,
    make_mirror,
    make_repo,
    need_pg,
    pg_database,
    runner_command,
)

pytest.importorskip("distributed")

pytestmark = pytest.mark.e2e


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'org.sqlite'}"
        return
    need_pg()
    url, drop = pg_database()
    yield url
    drop()


@pytest.fixture(scope="module")
def cluster():
    """One 2-worker LocalCluster for the tests that do not kill workers."""
    import logging

    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=logging.ERROR) as c:
        yield c


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("cache"))


def settings(cache_dir: str, **kw) -> AuditSettings:
    return AuditSettings(offline=True, cache_dir=cache_dir, **kw)


def scan(db_url, sources, cache_dir, scheduler="", **kw):
    opts = OrgScanOptions(sources=tuple(collect([str(s) for s in sources])), settings=kw.pop("settings", None)
                          or settings(cache_dir), db_url=db_url, scheduler=scheduler, workers=2,
                          runner=runner_command(), **kw)
    return run_org_scan(opts)


def rows(url, query):
    engine = db.connect(url, migrate=False)
    try:
        with engine.connect() as conn:
            return conn.execute(query).all()
    finally:
        engine.dispose()


def scans_by_name(url):
    s, r = db.scans.c, db.repositories.c
    return rows(url, select(r.name, s.status, s.failure, s.reason, s.commit_sha, s.id, s.run_id)
                .join(db.repositories, r.id == s.repository_id).order_by(s.id))


def assert_consistent(url):
    """No half-written scan: every ok scan has its document and as many rows as it counts, every
    scan is some run's item exactly once per run."""
    s = db.scans.c
    engine = db.connect(url, migrate=False)
    try:
        with engine.connect() as conn:
            for scan_id, status, n_refs, n_find, n_exp in conn.execute(
                    select(s.id, s.status, s.n_references, s.n_findings, s.n_exposures)):
                doc = conn.execute(select(db.documents.c.data, db.documents.c.sha256)
                                   .where(db.documents.c.scan_id == scan_id)).first()
                if status == "ok":
                    assert doc is not None, f"scan {scan_id} has no document"
                    parsed = json.loads(zlib.decompress(doc.data))
                    assert len(parsed["references"]) == n_refs
                    assert len(parsed["findings"]) == n_find
                    for table, n in ((db.references, n_refs), (db.findings, n_find), (db.exposures, n_exp)):
                        got = conn.execute(select(func.count()).select_from(table).where(table.c.scan_id == scan_id)).scalar()
                        assert got == n, f"scan {scan_id}: {table.name} has {got} rows, not {n}"
                else:
                    assert doc is None
            dup = conn.execute(select(db.run_items.c.run_id, db.run_items.c.repository_id, func.count())
                               .group_by(db.run_items.c.run_id, db.run_items.c.repository_id)
                               .having(func.count() > 1)).all()
            assert dup == []
    finally:
        engine.dispose()


# -- the normal path --------------------------------------------------------------------------

def test_each_repository_is_one_scan_with_the_cli_document(db_url, tmp_path, cluster, cache_dir):
    from click.testing import CliRunner

    from sovaudit.cli import main

    alpha = make_repo(tmp_path / "src" / "cn-api", APPS["cn-api"])
    beta_src = make_repo(tmp_path / "work" / "eu-selfhost", APPS["eu-selfhost"])
    beta = make_mirror(beta_src, tmp_path / "src" / "eu-selfhost.git")
    # the document names the audited revision (commit, branch, origin): the checkout compared
    # below has the clone's origin, the mirror
    git("remote", "add", "origin", beta.resolve().as_uri(), cwd=beta_src)
    gamma = make_folder(tmp_path / "src" / "qwen-embed", APPS["qwen-embed"])

    summary = scan(db_url, [alpha, beta, gamma], cache_dir, scheduler=cluster.scheduler_address)

    assert (summary.counts.scanned, summary.counts.unchanged, summary.counts.failed) == (3, 0, 0)
    got = {name: (status, commit_sha) for name, status, _f, _r, commit_sha, _i, _run in scans_by_name(db_url)}
    assert got == {"cn-api": ("ok", git("rev-parse", "HEAD", cwd=alpha)),
                   "eu-selfhost": ("ok", git("rev-parse", "HEAD", cwd=beta_src)),
                   "qwen-embed": ("ok", "unknown")}
    assert_consistent(db_url)
    # the stored document is byte for byte what `sovaudit scan --format json` writes for the same
    # folder (the mirror's is compared with a checkout of the same name)
    docs = dict(rows(db_url, select(db.repositories.c.name, db.documents.c.data)
                     .join(db.scans, db.scans.c.repository_id == db.repositories.c.id)
                     .join(db.documents, db.documents.c.scan_id == db.scans.c.id)))
    for name, folder in (("cn-api", alpha), ("eu-selfhost", beta_src), ("qwen-embed", gamma)):
        res = CliRunner().invoke(main, ["scan", str(folder), "--offline", "--cache-dir", cache_dir, "-q",
                                        "--format", "json", "-o", "-"])
        assert res.exit_code == 0, res.output
        assert zlib.decompress(docs[name]) == res.stdout_bytes, name
    # what the documents say is in the tables: DeepSeek's API is Chinese, Qwen's lab is Chinese
    j = db.jurisdictions.c
    layers = rows(db_url, select(db.repositories.c.name, j.layer, j.jurisdiction)
                  .join(db.scans, db.scans.c.id == j.scan_id)
                  .join(db.repositories, db.repositories.c.id == db.scans.c.repository_id))
    assert ("cn-api", "inference-provider", "CN") in layers
    assert ("qwen-embed", "model", "CN") in layers
    assert not any(name == "eu-selfhost" and jur == "CN" for name, _l, jur in layers)


def test_a_commit_already_audited_is_not_audited_again(db_url, tmp_path, cluster, cache_dir):
    alpha = make_repo(tmp_path / "cn-api", APPS["cn-api"])
    beta = make_repo(tmp_path / "eu-selfhost", APPS["eu-selfhost"])
    plain = make_folder(tmp_path / "plain", APPS["plain"])
    first = scan(db_url, [alpha, beta, plain], cache_dir, scheduler=cluster.scheduler_address)
    second = scan(db_url, [alpha, beta, plain], cache_dir, scheduler=cluster.scheduler_address)
    new_head = commit(alpha, {"more.py": 'MODEL = "Qwen/Qwen2.5-7B-Instruct"\n'})
    third = scan(db_url, [alpha, beta, plain], cache_dir, scheduler=cluster.scheduler_address)

    assert (first.counts.scanned, first.counts.unchanged) == (3, 0)
    # the plain folder has no commit to compare, so it is audited each time
    assert (second.counts.scanned, second.counts.unchanged) == (1, 2)
    assert (third.counts.scanned, third.counts.unchanged) == (2, 1)
    history = [(n, c) for n, _s, _f, _r, c, _i, _run in scans_by_name(db_url) if n == "cn-api"]
    assert len(history) == 2 and history[-1][1] == new_head
    # an edit not yet committed is audited, and not taken for the commit
    (alpha / "wip.py").write_text('m = "deepseek-ai/DeepSeek-V3"\n')
    fourth = scan(db_url, [alpha], cache_dir, scheduler=cluster.scheduler_address)
    assert fourth.counts.scanned == 1
    dirty = rows(db_url, select(db.scans.c.dirty, db.scans.c.dedupe_key).order_by(db.scans.c.id.desc()).limit(1))
    assert dirty == [(True, None)]
    # --rescan audits a known commit again, and keeps it as history without a second dedupe key
    (alpha / "wip.py").unlink()
    fifth = scan(db_url, [alpha], cache_dir, scheduler=cluster.scheduler_address, rescan=True)
    assert (fifth.counts.scanned, fifth.counts.unchanged) == (0, 1)
    assert_consistent(db_url)


def test_runs_and_items_tell_what_each_run_did(db_url, tmp_path, cluster, cache_dir):
    alpha = make_repo(tmp_path / "cn-api", APPS["cn-api"])
    scan(db_url, [alpha], cache_dir, scheduler=cluster.scheduler_address)
    scan(db_url, [alpha], cache_dir, scheduler=cluster.scheduler_address)
    runs = rows(db_url, select(db.runs.c.id, db.runs.c.status, db.runs.c.total, db.runs.c.scanned,
                               db.runs.c.unchanged, db.runs.c.failed).order_by(db.runs.c.id))
    assert [r[1:] for r in runs] == [("finished", 1, 1, 0, 0), ("finished", 1, 0, 1, 0)]
    items = rows(db_url, select(db.run_items.c.run_id, db.run_items.c.outcome, db.run_items.c.scan_id)
                 .order_by(db.run_items.c.run_id))
    assert [o for _r, o, _s in items] == ["scanned", "unchanged"]
    assert items[0][2] == items[1][2]  # "unchanged" points at the scan it reuses


# -- faults -----------------------------------------------------------------------------------

def test_failures_are_recorded_with_their_reason_and_the_others_go_on(db_url, tmp_path, cluster, cache_dir):
    good = make_repo(tmp_path / "cn-api", APPS["cn-api"])
    hang = make_repo(tmp_path / "hang-forever", APPS["plain"])
    crash = make_repo(tmp_path / "crash-native", APPS["plain"])
    bad_config = make_repo(tmp_path / "bad-config", {**APPS["plain"], "sovaudit.toml": 'home = "Atlantis"\n'})
    server = SilentServer()
    try:
        sources = [good, tmp_path / "missing", (tmp_path / "not-a-repo").as_uri(), server.url, hang, crash, bad_config]
        (tmp_path / "not-a-repo").mkdir()
        summary = scan(db_url, sources, cache_dir, scheduler=cluster.scheduler_address, timeout=10)
    finally:
        server.stop()

    assert (summary.counts.scanned, summary.counts.failed) == (1, 6)
    by_name = {n: (s, f, r) for n, s, f, r, _c, _i, _run in scans_by_name(db_url)}
    assert by_name["cn-api"][0] == "ok"
    assert by_name["missing"][:2] == ("failed", "source")
    assert by_name["not-a-repo"][:2] == ("failed", "clone")
    assert by_name["silent"][:2] == ("failed", "timeout") and "git ls-remote" in by_name["silent"][2]
    assert by_name["hang-forever"][:2] == ("failed", "timeout") and "audit" in by_name["hang-forever"][2]
    assert by_name["crash-native"][:2] == ("failed", "crash") and "SIGSEGV" in by_name["crash-native"][2]
    assert by_name["bad-config"][:2] == ("failed", "audit") and "Atlantis" in by_name["bad-config"][2]
    assert [f[1] for f in summary.failures] == [Failure.SOURCE, Failure.CLONE, Failure.TIMEOUT, Failure.TIMEOUT,
                                               Failure.CRASH, Failure.AUDIT]
    assert_consistent(db_url)
    # a failure is not "already audited": the next run tries again
    again = scan(db_url, [crash], cache_dir, scheduler=cluster.scheduler_address, timeout=10)
    assert again.counts.failed == 1 and len([n for n, *_ in scans_by_name(db_url) if n == "crash-native"]) == 2


def test_a_worker_killed_mid_task_is_retried_elsewhere(db_url, tmp_path, cache_dir):
    victim = make_repo(tmp_path / "victim-repo", APPS["cn-api"])
    others = [make_repo(tmp_path / f"app{i}", APPS["eu-selfhost"]) for i in range(3)]
    marker = tmp_path / "victim-repo.started"
    killed: list[int] = []

    def killer() -> None:  # kills the Dask worker process that is auditing the victim
        for _ in range(1200):
            if marker.exists() and marker.read_text().strip():
                pid = int(marker.read_text())
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                return
            time.sleep(0.05)

    t = threading.Thread(target=killer)
    t.start()
    summary = scan(db_url, [victim, *others], cache_dir)
    t.join()

    assert killed, "the victim's worker was never seen"
    assert (summary.counts.scanned, summary.counts.failed) == (4, 0)
    names = [n for n, *_ in scans_by_name(db_url)]
    assert sorted(names) == ["app0", "app1", "app2", "victim-repo"]  # each once: nothing lost, nothing twice
    assert_consistent(db_url)


def test_a_killed_coordinator_resumes_without_redoing_or_duplicating(db_url, tmp_path, cache_dir):
    repos = [make_repo(tmp_path / f"slow-{i}", APPS["cn-api" if i % 2 else "qwen-embed"]) for i in range(6)]
    cfg = tmp_path / "run.json"
    cfg.write_text(json.dumps({"sources": [str(r) for r in repos], "db": db_url,
                               "settings": {"offline": True, "cache_dir": cache_dir}}))
    proc = subprocess.Popen([sys.executable, str(Path(__file__).parent / "org_support.py"), "coordinator", str(cfg)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 180
        recorded = 0
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                recorded = rows(db_url, select(func.count()).select_from(db.run_items))[0][0]
            except Exception:  # noqa: BLE001 - the tables may not exist yet
                recorded = 0
            if recorded >= 2:
                break
            time.sleep(0.1)
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        proc.send_signal(signal.SIGKILL)  # kill -9 of the coordinator, nothing else
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert_consistent(db_url)  # no half-written scan
    before = {n: (i, run) for n, _s, _f, _r, _c, i, run in scans_by_name(db_url)}
    assert 2 <= len(before) < 6
    run_status = rows(db_url, select(db.runs.c.status))
    assert run_status == [("running",)]

    summary = run_org_scan(OrgScanOptions(sources=tuple(collect([str(r) for r in repos])),
                                          settings=settings(cache_dir), db_url=db_url, workers=2,
                                          runner=runner_command()))

    assert summary.resumed and summary.run_id == 1
    assert summary.counts.resumed == len(before)
    assert summary.counts.scanned == 6 - len(before)
    after = {n: (i, run) for n, _s, _f, _r, _c, i, run in scans_by_name(db_url)}
    assert sorted(after) == [f"slow-{i}" for i in range(6)]  # one scan each
    assert all(after[n] == before[n] for n in before)  # those recorded before the kill were not redone
    assert rows(db_url, select(db.runs.c.status, db.runs.c.scanned)) == [("finished", 6)]
    assert_consistent(db_url)


# -- the database -----------------------------------------------------------------------------

def test_migrations_build_exactly_the_tables_the_code_uses(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    engine = db.connect(db_url)
    try:
        with engine.connect() as conn:
            mc = MigrationContext.configure(conn, opts={"compare_type": True, "version_table": db.VERSION_TABLE})
            assert compare_metadata(mc, db.metadata) == []
            head = ScriptDirectory.from_config(db.alembic_config()).get_current_head()
            assert mc.get_current_revision() == head
        db.upgrade(engine)  # a second upgrade is a no-op
    finally:
        engine.dispose()
