"""Content-hash cache for the scanner: a rescan of an unchanged tree skips detection.

One SQLite file (WAL) in the user cache folder. An entry is keyed by the file's relative path and
is valid only for the same engine (tool version, detector code, rules) and the same content; a
file's stat (size, mtime, inode) is kept so unchanged files are not even re-hashed. A corrupt cache
file is rebuilt with a warning; no cache problem ever fails a scan.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
from pathlib import Path

import platformdirs

from sovaudit import __version__
from sovaudit.model import Reference, Skipped, Suppression
from sovaudit.serialize import (
    reference_from_dict,
    reference_to_dict,
    skipped_from_dict,
    skipped_to_dict,
    suppression_from_dict,
    suppression_to_dict,
)

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    engine TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    inode INTEGER NOT NULL,
    digest TEXT NOT NULL,
    payload TEXT NOT NULL
);
"""


def default_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("sovaudit", appauthor=False))


def content_hash(data: bytes, size: int) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest() + f"-{size}"


def engine_version(rules_version: str) -> str:
    """Changes whenever the tool, its detector code or the knowledge base changes."""
    h = hashlib.sha256(f"{__version__}\0{rules_version}".encode())
    det_dir = Path(__file__).parent / "detectors"
    here = Path(__file__).parent
    for p in sorted(det_dir.glob("*.py")) + [here / "scan.py", here / "model.py", here / "snippets.py", here / "prefilter.py"]:
        try:
            h.update(p.name.encode() + b"\0" + p.read_bytes())
        except OSError:
            pass
    return h.hexdigest()[:16]


class ScanCache:
    def __init__(self, conn: sqlite3.Connection, engine: str, root_key: str):
        self.conn = conn
        self.engine = engine
        self.root_key = root_key
        self._pending = 0

    @classmethod
    def open(cls, cache_dir: str, engine: str, root: str = "") -> "ScanCache | None":
        folder = Path(cache_dir) if cache_dir else default_cache_dir()
        root_key = hashlib.sha256(os.path.realpath(root or ".").encode()).hexdigest()[:16]
        path = folder / f"scan-{root_key}.sqlite3"
        for attempt in (1, 2):
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

    def get(self, item) -> tuple[list[Reference], list[Skipped], list[Suppression]] | None:
        try:
            row = self.conn.execute(
                "SELECT engine, size, mtime_ns, inode, digest, payload FROM files WHERE path = ?", (item.path,)
            ).fetchone()
        except sqlite3.DatabaseError:
            return None
        if row is None or row[0] != self.engine:
            return None
        engine, size, mtime_ns, inode, digest, payload = row
        if (size, mtime_ns, inode) != (item.size, item.mtime_ns, item.inode):
            if size != item.size:
                return None
            try:  # same size, touched: compare content
                with open(item.abs_path, "rb") as fh:
                    data = fh.read(size + 1)
            except OSError:
                return None
            if content_hash(data, len(data)) != digest:
                return None
        try:
            obj = json.loads(payload)
            return ([reference_from_dict(d) for d in obj["refs"]], [skipped_from_dict(d) for d in obj["skips"]],
                    [suppression_from_dict(d) for d in obj.get("sups", [])])
        except (ValueError, KeyError, TypeError):
            return None

    def put(self, item, digest: str, refs: list[Reference], skips: list[Skipped], sups: list[Suppression] = ()) -> None:
        payload = json.dumps({"refs": [reference_to_dict(r) for r in refs], "skips": [skipped_to_dict(s) for s in skips],
                              "sups": [suppression_to_dict(s) for s in sups]})
        try:
            self.conn.execute(
                "INSERT OR REPLACE INTO files (path, engine, size, mtime_ns, inode, digest, payload) VALUES (?,?,?,?,?,?,?)",
                (item.path, self.engine, item.size, item.mtime_ns, item.inode, digest, payload),
            )
            self._pending += 1
            if self._pending >= 2000:
                self.conn.commit()
                self._pending = 0
        except sqlite3.DatabaseError as exc:
            log.warning("scan cache write failed: %s", exc)

    def close(self) -> None:
        try:
            self.conn.commit()
            self.conn.close()
        except sqlite3.DatabaseError:
            pass
