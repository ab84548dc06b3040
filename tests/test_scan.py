"""Scanner mechanics: reading, decoding, skips with reasons, parallel == serial, the cache.

These tests drive the scanner with two small test detectors so that they exercise the scanner
alone; the real detectors have their own tests under tests/detectors/.
"""

from __future__ import annotations

import logging
import os
import sqlite3

import pytest

from sovaudit.detectors.base import Detector
from sovaudit.model import Context, Kind, ScanConfig
from sovaudit.rules import load_knowledge_base
from sovaudit.scan import decode, scan, scan_file
from sovaudit.walk import WalkItem

MINI_RULES = """\
section: labs
entries:
  - id: examplelab
    name: Example Lab
    country: FR
    kind: lab
    hf_namespaces: [examplelab]
    sources: [https://example.org/about]
"""


class LineDetector(Detector):
    """Test double: every line ``MODEL=<id>`` in a .txt file is a model reference."""

    name = "line"

    def applies(self, path: str) -> bool:
        return path.endswith(".txt")

    def detect(self, f, kb):
        for n, line in enumerate(f.text.splitlines(), 1):
            if line.startswith("MODEL="):
                yield self.ref(f, Kind.MODEL, line[6:], line[6:], n, 7, "name", Context.CONFIG, 0.9)


class FailingDetector(Detector):
    """Test double: raises on files that contain 'boom' after yielding one reference."""

    name = "failing"

    def applies(self, path: str) -> bool:
        return path.endswith(".txt")

    def detect(self, f, kb):
        if "boom" in f.text:
            yield self.ref(f, Kind.MODEL, "before-failure", "before-failure", 1, 1, "name", Context.CONFIG, 0.5)
            raise ValueError("malformed input at line 2")
        return


DETS = (LineDetector(), FailingDetector())


@pytest.fixture(scope="module")
def mini_kb(tmp_path_factory):
    d = tmp_path_factory.mktemp("rules")
    (d / "labs.yaml").write_text(MINI_RULES)
    return load_knowledge_base(base_dir=d)


def run(root, kb, **kw):
    cfg = ScanConfig(root=str(root), cache_dir=kw.pop("cache_dir", "-"), **kw)
    return scan(cfg, kb, detectors=DETS)


def test_references_and_skips_with_reasons(tmp_path, mini_kb):
    (tmp_path / "a.txt").write_text("x\nMODEL=org/one\n")
    (tmp_path / "bin.txt").write_bytes(b"MODEL=x\x00\x01\x02")
    (tmp_path / "big.txt").write_text("MODEL=big\n" + "x" * 5000)
    (tmp_path / "bad.txt").write_text("MODEL=org/kept\nboom\n")
    (tmp_path / "other.py").write_text("ignored by both detectors")
    res = run(tmp_path, mini_kb, max_file_bytes=4096)
    got = sorted((r.path, r.line, r.id) for r in res.references)
    # the failing detector's partial result and the other detector's results on the same file are kept
    assert got == [("a.txt", 2, "org/one"), ("bad.txt", 1, "before-failure"), ("bad.txt", 1, "org/kept")]
    skips = {(s.path, s.reason) for s in res.skipped}
    assert skips == {("bin.txt", "binary"), ("big.txt", "too large"), ("bad.txt", "could not parse (failing)")}
    detail = next(s.detail for s in res.skipped if s.path == "bad.txt")
    assert detail == "ValueError: malformed input at line 2"
    assert all(r.fingerprint for r in res.references)
    assert res.stats.files_seen == 5


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "latin-1", "cp1252", "shift_jis", "gb18030"])
def test_any_encoding_is_decoded(tmp_path, mini_kb, encoding):
    text = "# café ünïcödé 模型 — señal\nMODEL=examplelab/modèle-7b\n"
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode(encoding, errors="replace")
    (tmp_path / "enc.txt").write_bytes(data)
    res = run(tmp_path, mini_kb)
    assert [r.line for r in res.references] == [2]
    assert res.references[0].id.startswith("examplelab/mod")
    assert res.skipped == ()


def test_decode_never_raises_on_garbage():
    text, enc = decode(bytes(range(128, 256)) * 10)
    assert isinstance(text, str) and enc


def test_unreadable_file_becomes_a_skip(tmp_path, mini_kb):
    gone = WalkItem("gone.txt", str(tmp_path / "gone.txt"), 10, 0, 0)  # removed between walk and read
    refs, skips, sups, digest = scan_file(gone, mini_kb, 1000, DETS)
    assert refs == [] and digest == ""
    assert [(s.path, s.reason) for s in skips] == [("gone.txt", "unreadable")]


def test_parallel_equals_serial_and_is_deterministic(tmp_path, mini_kb):
    for i in range(150):
        (tmp_path / f"d{i % 7}").mkdir(exist_ok=True)
        (tmp_path / f"d{i % 7}" / f"f{i}.txt").write_text(f"MODEL=examplelab/m{i}\nMODEL=examplelab/m{i}\n")
    serial = run(tmp_path, mini_kb, jobs=1)
    parallel = run(tmp_path, mini_kb, jobs=2)
    assert len(serial.references) == 300
    assert serial.references == parallel.references
    assert len({r.fingerprint for r in serial.references}) == 300  # identical twins get distinct fingerprints


def test_fingerprint_survives_line_moves(tmp_path, mini_kb):
    f = tmp_path / "a.txt"
    f.write_text("MODEL=examplelab/x\n")
    before = run(tmp_path, mini_kb).references[0]
    f.write_text("\n\n\nsomething else\nMODEL=examplelab/x\n")
    after = run(tmp_path, mini_kb).references[0]
    assert (before.line, after.line) == (1, 5)
    assert before.fingerprint == after.fingerprint


def test_cache_hits_on_unchanged_tree_and_misses_on_change(tmp_path, mini_kb):
    root = tmp_path / "root"
    root.mkdir()
    for i in range(5):
        (root / f"f{i}.txt").write_text(f"MODEL=examplelab/m{i}\n")
    cache = tmp_path / "cache"
    cold = run(root, mini_kb, cache_dir=str(cache))
    warm = run(root, mini_kb, cache_dir=str(cache))
    assert cold.stats.files_cached == 0 and warm.stats.files_cached == 5
    assert warm.references == cold.references
    (root / "f0.txt").write_text("MODEL=examplelab/changed\n")
    os.utime(root / "f1.txt", None)  # touched, same content: still a hit after hashing
    again = run(root, mini_kb, cache_dir=str(cache))
    assert again.stats.files_cached == 4
    assert "examplelab/changed" in {r.id for r in again.references}
    assert "examplelab/m0" not in {r.id for r in again.references}


def test_corrupt_cache_is_rebuilt_with_a_warning(tmp_path, mini_kb, caplog):
    root = tmp_path / "root"
    root.mkdir()
    (root / "a.txt").write_text("MODEL=examplelab/a\n")
    cache = tmp_path / "cache"
    run(root, mini_kb, cache_dir=str(cache))
    for db in cache.glob("*.sqlite3"):
        db.write_bytes(b"this is not a database" * 100)
    with caplog.at_level(logging.WARNING):
        res = run(root, mini_kb, cache_dir=str(cache))
    assert [r.id for r in res.references] == ["examplelab/a"]
    assert "corrupt" in caplog.text
    # and the rebuilt cache works
    assert run(root, mini_kb, cache_dir=str(cache)).stats.files_cached == 1
    for db in cache.glob("*.sqlite3"):
        sqlite3.connect(db).execute("select count(*) from files").fetchone()
