"""Content-hash cache for the scanner: a rescan of an unchanged tree skips detection.

One SQLite file (WAL) in the user cache folder. An entry is keyed by the file's relative path and
is valid only for the same engine (tool version, Python version, detector code, rules) and the same
content; a file's stat (size, mtime, inode) is kept so unchanged files are not even re-hashed. A
corrupt cache file is rebuilt with a warning; no cache problem ever fails a scan.

A file's result is stored as one ``marshal`` blob of plain tuples (``encode_result``): the scanner's
workers encode it, the main process stores the bytes as they are and decodes them with the same
``decode_result`` a rescan uses -- about twenty times cheaper than JSON, which matters with a
hundred thousand references. ``marshal`` only ever builds plain values (never runs code); a blob
that does not decode is a miss.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import sqlite3
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import platformdirs

from sovaudit import __version__
from sovaudit.model import Context, Kind, Location, Reference, Skipped, Suppression

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    engine TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    inode INTEGER NOT NULL,
    digest TEXT NOT NULL,
    payload BLOB NOT NULL
);
"""

FileResult = tuple[list[Reference], list[Skipped], list[Suppression]]
_KINDS = {k.value: k for k in Kind}
_CONTEXTS = {c.value: c for c in Context}


def encode_result(path: str, refs: Iterable[Reference], skips: Iterable[Skipped], sups: Iterable[Suppression]) -> bytes:
    """One file's result as a compact blob; ``path`` (the file's) is not repeated inside it."""
    return marshal.dumps((
        tuple((r.kind.value, r.id, r.text, None if r.path == path else r.path, r.line, r.column, r.detector, r.form,
               r.context.value, r.confidence, r.provider, r.cell, r.attributes,
               tuple((loc.path, loc.line, loc.column, loc.cell) for loc in r.related), r.fingerprint, r.snippet)
              for r in refs),
        tuple((s.path, s.reason, s.detail) for s in skips),
        tuple((s.path, s.line, s.rules, s.reason, s.valid) for s in sups),
    ))


def decode_result(path: str, blob: bytes, shared: dict[Any, Any] | None = None) -> FileResult:
    """The inverse of ``encode_result``. Raises ValueError on a blob it cannot read.

    ``shared`` (one dict for a whole scan) makes equal values one object across files: a tree names
    the same ids, detectors, forms, providers and attribute pairs in thousands of files, and each
    file's blob decodes to its own copies (a reference held about 1 KB, a third of it such copies)."""
    one = shared.setdefault if shared is not None else _same
    try:
        refs, skips, sups = marshal.loads(blob)
        return (
            [Reference(_KINDS[k], one(i, i), one(t, t), path if p is None else p, ln, col, one(det, det), one(form, form),
                       _CONTEXTS[ctx], conf, one(prov, prov), cell, one(attrs, attrs),
                       tuple(Location(*loc) for loc in rel), fp, snip)
             for k, i, t, p, ln, col, det, form, ctx, conf, prov, cell, attrs, rel, fp, snip in refs],
            [Skipped(*s) for s in skips],
            [Suppression(*s) for s in sups],
        )
    except (ValueError, EOFError, TypeError, KeyError) as exc:
        raise ValueError(f"unreadable cache entry: {exc}") from None


def _same(value: Any, _default: Any) -> Any:
    return value


def default_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("sovaudit", appauthor=False))


def content_hash(data: bytes, size: int) -> str:
    # SHA-256 (OpenSSL: SHA-NI/ARMv8 instructions where the CPU has them, about 1.7 GB/s) rather
    # than hashlib's BLAKE2b (about 0.6 GB/s): every byte of every scanned file goes through it
    return hashlib.sha256(data).hexdigest()[:32] + f"-{size}"


def engine_version(rules_version: str) -> str:
    """Changes whenever the tool's code (every module and schema of the package, so an edited
    rules loader or recogniser never serves stale results), the knowledge base, the Python version
    or the matching engine's version changes."""
    from importlib import metadata

    try:
        hs = metadata.version("hyperscan")
    except metadata.PackageNotFoundError:  # pragma: no cover - a dependency
        hs = "?"
    h = hashlib.sha256(f"{__version__}\0{rules_version}\0{sys.version_info[:2]}\0{hs}".encode())
    here = Path(__file__).resolve().parents[1]  # the whole package: any code change invalidates
    for p in sorted(list(here.rglob("*.py")) + list(here.rglob("*.json"))):
        try:
            h.update(p.relative_to(here).as_posix().encode() + b"\0" + p.read_bytes())
        except OSError:
            pass
    return h.hexdigest()[:16]


class ScanCache:
    def __init__(self, conn: sqlite3.Connection, engine: str, root_key: str):
        self.conn = conn
        self.engine = engine
        self.root_key = root_key
        self._rows: list[tuple] = []

    @classmethod
    def open(cls, cache_dir: str, engine: str, root: str = "") -> ScanCache | None:
        folder = Path(cache_dir) if cache_dir else default_cache_dir()
        root_key = hashlib.sha256(os.path.realpath(root or ".").encode()).hexdigest()[:16]
        path = folder / f"scan-{root_key}.sqlite3"
        for _attempt in (1, 2):
            try:
                folder.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(path, timeout=10)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.executescript(_SCHEMA)
                conn.execute("SELECT count(*) FROM files").fetchone()
                return cls(conn, engine, root_key)
            except sqlite3.DatabaseError as exc:
                log.warning("scan cache %s is corrupt (%s); rebuilding it", path, exc)
                for suffix in ("", "-wal", "-shm"):
                    try:
                        os.unlink(str(path) + suffix)
                    except OSError:
                        pass
            except OSError as exc:
                log.warning("scan cache unavailable (%s); scanning without it", exc)
                return None
        return None

    def index(self) -> dict[str, tuple[int, int, int, str]]:
        """Every entry of this engine: path -> (size, mtime_ns, inode, digest), in one query."""
        try:
            return {row[0]: row[1:] for row in self.conn.execute(
                "SELECT path, size, mtime_ns, inode, digest FROM files WHERE engine = ?", (self.engine,))}
        except sqlite3.DatabaseError as exc:
            log.warning("scan cache unreadable (%s); scanning without it", exc)
            return {}

    @staticmethod
    def fresh(item, meta: tuple[int, int, int, str] | None) -> bool:
        """Whether an ``index`` entry still describes ``item``: same stat, or same size and content."""
        if meta is None:
            return False
        size, mtime_ns, inode, digest = meta
        if (size, mtime_ns, inode) == (item.size, item.mtime_ns, item.inode):
            return True
        if size != item.size:
            return False
        try:  # same size, touched: compare content
            with open(item.abs_path, "rb") as fh:
                data = fh.read(size + 1)
        except OSError:
            return False
        return content_hash(data, len(data)) == digest

    def results(self, paths: set[str], shared: dict[Any, Any] | None = None) -> Iterator[tuple[str, FileResult]]:
        """The stored results of ``paths`` (entries that do not decode are left out); ``shared``
        as ``decode_result`` takes it."""
        try:
            rows = self.conn.execute("SELECT path, payload FROM files WHERE engine = ?", (self.engine,))
            for path, blob in rows:
                if path in paths:
                    try:
                        yield path, decode_result(path, blob, shared)
                    except ValueError:
                        continue
        except sqlite3.DatabaseError as exc:
            log.warning("scan cache read failed: %s", exc)

    def get(self, item) -> FileResult | None:
        """One file's cached result, or None (``index``/``results`` do this for a whole tree)."""
        try:
            row = self.conn.execute(
                "SELECT size, mtime_ns, inode, digest, payload FROM files WHERE path = ? AND engine = ?",
                (item.path, self.engine)).fetchone()
        except sqlite3.DatabaseError:
            return None
        if row is None or not self.fresh(item, row[:4]):
            return None
        try:
            return decode_result(item.path, row[4])
        except ValueError:
            return None

    def put(self, item, digest: str, refs: list[Reference], skips: list[Skipped], sups: list[Suppression] | tuple[()] = ()) -> None:
        self.put_blob(item, digest, encode_result(item.path, refs, skips, sups))

    def put_blob(self, item, digest: str, blob: bytes) -> None:
        """Store an ``encode_result`` blob for ``item`` (written in batches; ``close`` flushes)."""
        self._rows.append((item.path, self.engine, item.size, item.mtime_ns, item.inode, digest, blob))
        if len(self._rows) >= 2000:
            self.flush()

    def flush(self) -> None:
        rows, self._rows = self._rows, []
        if not rows:
            return
        try:
            self.conn.executemany(
                "INSERT OR REPLACE INTO files (path, engine, size, mtime_ns, inode, digest, payload) VALUES (?,?,?,?,?,?,?)",
                rows)
            self.conn.commit()
        except sqlite3.DatabaseError as exc:
            log.warning("scan cache write failed: %s", exc)

    def close(self) -> None:
        self.flush()
        try:
            self.conn.commit()
            self.conn.close()
        except sqlite3.DatabaseError:
            pass
