"""Scanner mechanics: reading, encodings, skips with reasons, parallel == serial, the cache.

The files here name models in the simplest position there is (``MODEL=org/name`` in a ``.env``-like
file), so these tests exercise the scanner around the analyser; what the analyser finds is tested in
tests/detectors/test_lexical.py.
"""

from __future__ import annotations

import logging
import os
import sqlite3

import pytest

import sovaudit.detect.scan
from sovaudit.detect.base import Detector
from sovaudit.detect.scan import as_utf8, scan, scan_file
from sovaudit.model import Context, Kind, ScanConfig
from sovaudit.walk.walker import WalkItem


class FailingReader(Detector):
    """Test double: a format reader that raises on files holding 'boom' after yielding one reference."""

    name = "failing"

    def applies(self, path: str) -> bool:
        return path.endswith(".txt")

    def detect(self, f, kb):
        if "boom" in f.text:
            yield self.ref(f, Kind.MODEL, "before-failure", "before-failure", 1, 1, "name", Context.CONFIG, 0.5)
            raise ValueError("malformed input at line 2")


def run(root, kb, **kw):
    cfg = ScanConfig(root=str(root), cache_dir=kw.pop("cache_dir", "-"), **kw)
    return scan(cfg, kb)


def model_ids(res):
    return sorted((r.path, r.line, r.id) for r in res.references if r.kind == Kind.MODEL)


def test_references_and_skips_with_reasons(tmp_path, kb, monkeypatch):
    monkeypatch.setattr(sovaudit.detect.scan, "READERS", sovaudit.detect.scan.READERS + (FailingReader(),))
    (tmp_path / "a.txt").write_text("x\nMODEL=Qwen/Qwen2.5-7B-Instruct\n")
    (tmp_path / "bin.txt").write_bytes(b"MODEL=Qwen/Qwen2.5-7B\x00\x01\x02")
    (tmp_path / "big.txt").write_text("MODEL=Qwen/Qwen2.5-7B\n" + "x" * 5000)
    (tmp_path / "bad.txt").write_text("MODEL=Qwen/Qwen2.5-0.5B\nboom\n")
    (tmp_path / "logo.png").write_bytes(b"\x89PNG MODEL=Qwen/Qwen2.5-7B")  # a binary type: never opened
    res = scan(ScanConfig(root=str(tmp_path), cache_dir="-", max_file_bytes=4096, jobs=1), kb)
    # the failing reader's partial result and the analyser's results on the same file are kept
    assert model_ids(res) == [("a.txt", 2, "Qwen/Qwen2.5-7B-Instruct"), ("bad.txt", 1, "Qwen/Qwen2.5-0.5B"),
                              ("bad.txt", 1, "before-failure")]
    skips = {(s.path, s.reason) for s in res.skipped}
    assert skips == {("bin.txt", "binary"), ("big.txt", "too large"), ("bad.txt", "could not parse (failing)")}
    detail = next(s.detail for s in res.skipped if s.path == "bad.txt")
    assert detail == "ValueError: malformed input at line 2"
    assert all(r.fingerprint for r in res.references)
    assert res.stats.files_seen == 5


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-8-sig", "latin-1", "cp1252", "shift_jis", "gb18030"])
def test_any_encoding_is_read(tmp_path, kb, encoding):
    text = "# café ünïcödé 模型 — señal\nMODEL=Qwen/Qwen2.5-7B-Instruct\n"
    data = text.encode(encoding, errors="replace")
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    (tmp_path / "enc.txt").write_bytes(data)
    res = run(tmp_path, kb)
    assert model_ids(res) == [("enc.txt", 2, "Qwen/Qwen2.5-7B-Instruct")]
    assert res.skipped == ()


def test_as_utf8_never_raises_on_garbage():
    for data in (bytes(range(256)) * 10, b"\xff\xfe" + b"\x00\xd8" * 50, b"\xef\xbb\xbf\xff\xff"):
        out, enc = as_utf8(data)
        assert isinstance(out, bytes) and enc


def test_unreadable_file_becomes_a_skip(tmp_path, kb):
    gone = WalkItem("gone.txt", str(tmp_path / "gone.txt"), 10, 0, 0)  # removed between walk and read
    refs, skips, sups, digest = scan_file(gone, kb, 1000)
    assert refs == [] and digest == ""
    assert [(s.path, s.reason) for s in skips] == [("gone.txt", "unreadable")]


def test_parallel_equals_serial_and_is_deterministic(tmp_path, kb):
    for i in range(300):
        (tmp_path / f"d{i % 7}").mkdir(exist_ok=True)
        (tmp_path / f"d{i % 7}" / f"f{i}.txt").write_text(f"MODEL=Qwen/Qwen2.5-{i}B\nMODEL=Qwen/Qwen2.5-{i}B\n")
    serial = run(tmp_path, kb, jobs=1)
    parallel = run(tmp_path, kb, jobs=2)
    assert len(serial.references) == 600
    assert serial.references == parallel.references
    assert len({r.fingerprint for r in serial.references}) == 600  # identical twins get distinct fingerprints


def test_fingerprint_survives_line_moves(tmp_path, kb):
    f = tmp_path / "a.txt"
    f.write_text("MODEL=Qwen/Qwen2.5-7B\n")
    before = run(tmp_path, kb).references[0]
    f.write_text("\n\n\nsomething else\nMODEL=Qwen/Qwen2.5-7B\n")
    after = run(tmp_path, kb).references[0]
    assert (before.line, after.line) == (1, 5)
    assert before.fingerprint == after.fingerprint


def test_cache_hits_on_unchanged_tree_and_misses_on_change(tmp_path, kb):
    root = tmp_path / "root"
    root.mkdir()
    for i in range(5):
        (root / f"f{i}.txt").write_text(f"MODEL=Qwen/Qwen2.5-{i}B\n")
    cache = tmp_path / "cache"
    cold = run(root, kb, cache_dir=str(cache))
    warm = run(root, kb, cache_dir=str(cache))
    assert cold.stats.files_cached == 0 and warm.stats.files_cached == 5
    assert warm.references == cold.references
    (root / "f0.txt").write_text("MODEL=Qwen/Qwen2.5-72B\n")
    os.utime(root / "f1.txt", None)  # touched, same content: still a hit after hashing
    again = run(root, kb, cache_dir=str(cache))
    assert again.stats.files_cached == 4
    assert "Qwen/Qwen2.5-72B" in {r.id for r in again.references}
    assert "Qwen/Qwen2.5-0B" not in {r.id for r in again.references}


def test_cache_key_covers_every_module_of_the_package(tmp_path, kb, monkeypatch):
    """An edited module anywhere in the package (the rules loader, a recogniser) is another
    engine: old cache entries are not served."""
    from pathlib import Path

    import sovaudit.detect.cache as cache_mod

    before = cache_mod.engine_version(kb.version)
    real = Path.read_bytes

    def edited(self):
        data = real(self)
        return data + b"\n# edited" if self.name == "rules.py" else data

    monkeypatch.setattr(Path, "read_bytes", edited)
    assert cache_mod.engine_version(kb.version) != before


def test_corrupt_cache_is_rebuilt_with_a_warning(tmp_path, kb, caplog):
    root = tmp_path / "root"
    root.mkdir()
    (root / "a.txt").write_text("MODEL=Qwen/Qwen2.5-7B\n")
    cache = tmp_path / "cache"
    run(root, kb, cache_dir=str(cache))
    for db in cache.glob("*.sqlite3"):
        db.write_bytes(b"this is not a database" * 100)
    with caplog.at_level(logging.WARNING):
        res = run(root, kb, cache_dir=str(cache))
    assert [r.id for r in res.references] == ["Qwen/Qwen2.5-7B"]
    assert "corrupt" in caplog.text
    # and the rebuilt cache works
    assert run(root, kb, cache_dir=str(cache)).stats.files_cached == 1
    for db in cache.glob("*.sqlite3"):
        sqlite3.connect(db).execute("select count(*) from files").fetchone()


def test_slowest_files_are_reported_apart_from_the_result(tmp_path, kb):
    """Per-file timings are kept in the stats (for --timings), never in the references."""
    (tmp_path / "a.txt").write_text("MODEL=Qwen/Qwen2.5-7B\n" * 20000)
    res = run(tmp_path, kb, jobs=1)
    assert all(isinstance(p, str) and s >= 0 for p, s in res.stats.slowest)
    assert len(res.references) == 20000


def test_a_wall_clock_step_or_a_paused_machine_does_not_make_a_worker_look_stuck(monkeypatch):
    """The watchdog's board keeps when each worker started its file on the monotonic clock and the
    CPU time it had used: a step of the wall clock, or a machine paused by its host (this sandbox's
    virtual machine: a 3.9 KB and a 27 KB file were 'stopped after 15 s' on the 16x and 1x trees),
    must not look like a worker stuck on one file. A worker is stuck when it has spent the time on
    the CPU, or when it has been on one file for four times the limit whatever it did."""
    import multiprocessing
    import time

    from sovaudit.detect.scan import _cpu_seconds

    me = os.getpid()
    cpu_now = _cpu_seconds(me)
    assert cpu_now is not None  # Linux: /proc
    board = sovaudit.detect.scan._Board(multiprocessing.get_context(), 1)
    board.reset()
    board.pid[0], board.cur[0] = me, 7
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 3600.0)  # the wall clock jumps an hour
    board.cpu[0], board.started[0] = cpu_now, time.monotonic() - 1.0
    assert board.late(15.0) == []
    # 20 s on the file by the clocks, but (nearly) no CPU used since: the machine was paused
    board.started[0] = time.monotonic() - 20.0
    assert board.late(15.0) == []
    # ... the same with 10 s of CPU spent on it: stuck in a loop
    board.cpu[0] = cpu_now - 10.0
    assert board.late(15.0) == [(me, 7)]
    # ... or on it for over four times the limit, busy or not
    board.cpu[0], board.started[0] = cpu_now, time.monotonic() - 61.0
    assert board.late(15.0) == [(me, 7)]
