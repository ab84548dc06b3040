"""The organisation scan's small parts, without Dask: sources, settings, times, rows."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from sovaudit.org.extract import rows
from sovaudit.org.model import AuditSettings, SourceKind
from sovaudit.org.sources import collect, read_list, redact_url, slug, source
from sovaudit.org.views import parse_since

from org_support import APPS, make_folder, make_mirror, make_repo


def test_a_token_in_a_url_is_never_part_of_the_key():
    s = source("https://x-access-token:ghp_SECRET@git.example.org/team/app.git")
    assert s.kind is SourceKind.GIT
    assert s.key == "https://git.example.org/team/app.git" and "SECRET" not in s.key
    assert s.name == "app"
    assert s.location.startswith("https://x-access-token:ghp_SECRET@")  # git still needs it to clone
    assert redact_url("ssh://git@host:2222/a/b") == "ssh://host:2222/a/b"
    assert source("git@git.example.org:team/api.git").kind is SourceKind.GIT


def test_folders_mirrors_and_missing_paths(tmp_path):
    work = make_repo(tmp_path / "app", APPS["plain"])
    mirror = make_mirror(work, tmp_path / "app-mirror.git")
    plain = make_folder(tmp_path / "notes", APPS["plain"])
    assert source(str(work)).kind is SourceKind.FOLDER
    m = source(str(mirror))
    assert m.kind is SourceKind.GIT and m.location == mirror.resolve().as_uri() and m.name == "app-mirror"
    assert source(str(plain)).kind is SourceKind.FOLDER
    assert source(str(tmp_path / "gone")).kind is SourceKind.MISSING


def test_a_list_file_has_comments_and_paths_relative_to_it(tmp_path):
    (tmp_path / "a").mkdir()
    lst = tmp_path / "sub" / "repos.txt"
    lst.parent.mkdir()
    lst.write_text("# header\n\n../a\nhttps://h.example/x/y.git  # the y service\n../a\n")
    assert read_list(str(lst)) == [str((tmp_path / "a").resolve()), "https://h.example/x/y.git", str((tmp_path / "a").resolve())]
    keys = [s.key for s in collect([], [str(lst)])]
    assert keys == [str((tmp_path / "a").resolve()), "https://h.example/x/y.git"]  # the first of each, in order


def test_slugs_tell_same_named_repositories_apart():
    a, b = slug("https://h1/team/api.git", "api"), slug("https://h2/team/api.git", "api")
    assert a != b and a.startswith("api-") and b.startswith("api-")
    assert slug("/x/we ird/name!", "we ird name!").startswith("we-ird-name")


def test_settings_that_change_results_change_the_digest():
    base = AuditSettings(offline=True)
    assert base.digest() == AuditSettings(offline=True, cache_dir="/elsewhere", hub_timeout=3).digest()
    for other in (AuditSettings(offline=True, home="EU"), AuditSettings(offline=True, scope=("code",)),
                  AuditSettings(offline=True, policies=("p.yaml",), policy_digests=("abc",)),
                  AuditSettings(offline=True, excludes=("tests/",)), AuditSettings(offline=False)):
        assert other.digest() != base.digest()
    assert base.audit_kwargs()["jobs"] == 1


def test_since_takes_dates_times_and_spans():
    now = dt.datetime(2026, 5, 10, 12, 0, tzinfo=dt.timezone.utc)
    assert parse_since("2026-05-01", now) == dt.datetime(2026, 5, 1, tzinfo=dt.timezone.utc)
    assert parse_since("2026-05-01T14:00+02:00", now) == dt.datetime(2026, 5, 1, 12, tzinfo=dt.timezone.utc)
    assert parse_since("7d", now) == dt.datetime(2026, 5, 3, 12, tzinfo=dt.timezone.utc)
    assert parse_since("2w", now) == dt.datetime(2026, 4, 26, 12, tzinfo=dt.timezone.utc)
    with pytest.raises(ValueError):
        parse_since("last tuesday", now)


def test_rows_come_from_the_published_document():
    import sovaudit
    from sovaudit.report import jsondoc

    result = sovaudit.audit(sovaudit.AuditConfig(root="examples/eu-stack", offline=True, cache_dir="-", home="EU"))
    doc = json.loads(jsondoc.dumps(result))
    r = rows(doc)
    assert len(r.references) == len(doc["references"]) and len(r.findings) == len(doc["findings"])
    assert r.header[:3] == (doc["schema_version"], doc["tool"]["version"], doc["rules_version"])
    assert r.header[3] == "EU"
    assert ("inference-provider", "data_leaves", "CN", "provider:deepseek", 7) in r.home_items
    assert all(isinstance(v, str) and v for ref in r.references for v in ref[:2])  # kind and id, never None
