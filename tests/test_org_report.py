"""sovaudit org report / history / diff, and the org scan command line, over a history made in
the test (two runs with a commit between them) -- SQLite always, PostgreSQL with its marker."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import re
import zlib

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from sovaudit.org import db
from sovaudit.org.cli import org
from sovaudit.org.sources import slug

from org_support import APPS, commit, make_repo, need_pg, pg_database

pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=logging.ERROR) as c:
        yield c


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def history_db(request, tmp_path_factory, cluster):
    """Run 1: cn-api, eu-selfhost and qwen-embed (home EU). Then eu-selfhost gains a Chinese
    model. Run 2: all three again. ``since`` lies between the two runs."""

    tmp = tmp_path_factory.mktemp("hist")
    drop = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'org.sqlite'}"
    else:
        need_pg()
        url, drop = pg_database()
    repos = {name: make_repo(tmp / name, APPS[name]) for name in ("cn-api", "eu-selfhost", "qwen-embed")}
    args = ["scan", *map(str, repos.values()), "--db", url, "--scheduler", cluster.scheduler_address, "--offline",
            "--cache-dir", str(tmp / "cache"), "--home", "EU", "-q"]
    first = CliRunner().invoke(org, args)
    assert first.exit_code == 0, first.output
    since = dt.datetime.now(dt.timezone.utc)
    commit(repos["eu-selfhost"], {"chat.py": 'from transformers import pipeline\n'
                                             'chat = pipeline("text-generation", model="deepseek-ai/DeepSeek-V3")\n'})
    second = CliRunner().invoke(org, args)
    assert second.exit_code == 0, second.output
    yield {"url": url, "repos": repos, "since": since, "first": first, "second": second, "tmp": tmp}
    if drop:
        drop()


def test_scan_command_reports_its_run(history_db):
    assert re.search(r"run 1: 3 scanned, 0 unchanged, 0 failed", history_db["first"].stderr)
    assert re.search(r"run 2: 1 scanned, 2 unchanged, 0 failed", history_db["second"].stderr)


def test_report_writes_the_org_view_in_three_formats(history_db, tmp_path):
    out = tmp_path / "report"
    res = CliRunner().invoke(org, ["report", "--db", history_db["url"], "-o", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "org.json").read_text())
    by_name = {r["name"]: r for r in doc["repositories"]}
    assert sorted(by_name) == ["cn-api", "eu-selfhost", "qwen-embed"]
    assert doc["homes"] == ["EU"]
    # the eu-selfhost repository now depends on a Chinese model (its second scan)
    assert any(c["jurisdiction"] == "CN" for c in by_name["eu-selfhost"]["layers"]["model"])
    assert [d["jurisdiction"] for d in by_name["cn-api"]["data_leaving_home"]] == ["CN"]
    assert by_name["eu-selfhost"]["data_leaving_home"] == []
    # the foreign dependencies the most repositories share come first; DeepSeek's lab is in two
    top = doc["shared_foreign_dependencies"][0]
    assert len(top["repositories"]) >= 2 and top["jurisdiction"] in ("CN", "US")
    deepseek = next(s for s in doc["shared_foreign_dependencies"] if s["party"] == "lab:deepseek")
    assert deepseek["repositories"] == ["cn-api", "eu-selfhost"]
    # the trend: one point per run; repositories exposed to CN went from 2 to 3
    assert [p["run"] for p in doc["trend"]] == [1, 2]
    assert [p["by_jurisdiction"]["CN"] for p in doc["trend"]] == [2, 3]
    # the CSV has a row per repository x layer x jurisdiction
    rows = list(csv.DictReader(io.StringIO((out / "org.csv").read_text())))
    assert {"cn-api", "eu-selfhost", "qwen-embed"} == {r["repository"] for r in rows}
    cn_rows = [r for r in rows if r["repository"] == "cn-api" and r["layer"] == "inference-provider"]
    assert cn_rows and cn_rows[0]["jurisdiction"] == "CN" and cn_rows[0]["data_leaves_home"] == "yes"
    # the HTML: each cell links to the repository's own page, which exists
    html = (out / "index.html").read_text()
    key = str(history_db["repos"]["cn-api"])
    page = f"repos/{slug(key, 'cn-api')}.html"
    assert f'href="{page}#layer-inference-provider"' in html
    assert (out / page).is_file() and 'id="layer-inference-provider"' in (out / page).read_text()
    assert "<svg" in html and "exposed to CN" in html
    # the repository's JSON is its latest stored scan document, as sovaudit scan wrote it
    engine = db.connect(history_db["url"], migrate=False)
    with engine.connect() as conn:
        stored = conn.execute(select(db.documents.c.data).join(db.scans, db.scans.c.id == db.documents.c.scan_id)
                              .join(db.repositories, db.repositories.c.id == db.scans.c.repository_id)
                              .where(db.repositories.c.name == "cn-api")).scalars().all()
    engine.dispose()
    assert (out / f"repos/{slug(key, 'cn-api')}.json").read_bytes() == zlib.decompress(stored[-1])


def test_report_is_deterministic(history_db, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        assert CliRunner().invoke(org, ["report", "--db", history_db["url"], "-o", str(out)]).exit_code == 0
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files and all((a / f).read_bytes() == (b / f).read_bytes() for f in files)


def test_history_shows_each_scan_and_what_it_added(history_db):
    res = CliRunner().invoke(org, ["history", "eu-selfhost", "--db", history_db["url"], "-f", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert [s["status"] for s in doc["scans"]] == ["ok", "ok"]
    assert "model/CN" in doc["scans"][0]["added"]  # newest first
    assert doc["scans"][1]["added"] == []
    text = CliRunner().invoke(org, ["history", str(history_db["repos"]["eu-selfhost"]), "--db", history_db["url"]])
    assert text.exit_code == 0 and "+ model / CN" in text.stdout
    missing = CliRunner().invoke(org, ["history", "nope", "--db", history_db["url"]])
    assert missing.exit_code == 2 and "no repository 'nope'" in missing.stderr


def test_diff_since_a_date_shows_the_new_exposure(history_db):
    since = history_db["since"].isoformat()
    res = CliRunner().invoke(org, ["diff", "--since", since, "--db", history_db["url"], "-f", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert [r["name"] for r in doc["repositories"]] == ["eu-selfhost"]
    change = doc["repositories"][0]
    assert change["status"] == "changed"
    assert {"layer": "model", "kind": "supply", "jurisdiction": "CN", "entity": "model:deepseek-ai/DeepSeek-V3"} \
        in change["added"]
    # since a time before any scan, every repository is new
    everything = CliRunner().invoke(org, ["diff", "--since", "2000-01-01", "--db", history_db["url"]])
    assert everything.exit_code == 0 and everything.stdout.count("[new]") == 3
    bad = CliRunner().invoke(org, ["diff", "--since", "yesterday-ish", "--db", history_db["url"]])
    assert bad.exit_code == 2


def test_scan_command_exits_1_when_a_repository_fails_and_shows_the_dashboard(tmp_path, cluster):
    good = make_repo(tmp_path / "cn-api", APPS["cn-api"])
    listing = tmp_path / "repos.txt"
    listing.write_text(f"# our repositories\n{good}\nmissing-folder   # a typo\n")
    res = CliRunner().invoke(org, ["scan", "--from", str(listing), "--db", f"sqlite:///{tmp_path / 'o.sqlite'}",
                                   "--scheduler", cluster.scheduler_address, "--offline", "--cache-dir",
                                   str(tmp_path / "c"), "--dashboard"])
    assert res.exit_code == 1, res.output
    assert "1 scanned, 0 unchanged, 1 failed" in res.stderr
    assert f"failed (source): {tmp_path / 'missing-folder'}" in res.stderr
    assert re.search(r"Dask dashboard: http://\S+", res.stderr)
    assert "1/2 done" in res.stderr or "2/2 done" in res.stderr  # the progress line


def test_scan_command_refuses_a_bad_home_before_scanning(tmp_path, cluster):
    good = make_repo(tmp_path / "cn-api", APPS["cn-api"])
    res = CliRunner().invoke(org, ["scan", str(good), "--db", f"sqlite:///{tmp_path / 'o.sqlite'}", "--scheduler",
                                   cluster.scheduler_address, "--offline", "--home", "Atlantis"])
    assert res.exit_code == 2 and "Atlantis" in res.stderr
