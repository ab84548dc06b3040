"""Which files git tracks in the scanned tree, read from the index file alone.

A file that a ``.gitignore`` pattern matches but that the repository tracks (added with
``git add -f``: Qwen-Agent's cookbook notebooks under ``examples/*.ipynb``, lmdeploy's
``requirements/*.txt`` under ``*.txt``) is part of the code; git itself shows and ships it. The walk
therefore keeps the files the index lists, whatever the ignore files say.

As in ``vcs.py``, git is never run (the repository's own configuration would run code). The index
of a hostile repository is attacker-controlled: it is read with a size cap, parsed with bounds
checks on every field, and anything that does not parse (an unknown version, a truncated entry, a
cap reached) means "not known" -- the walk then honours the ignore files alone, as before.
Formats: index versions 2, 3 and 4 (prefix-compressed paths), as git's ``index-format`` documents.
"""

from __future__ import annotations

import os
from pathlib import Path

from sovaudit.sanitize import clean_path
from sovaudit.walk.vcs import git_dir, work_tree_top

MAX_INDEX = 64 << 20  # bytes: a large monorepo's index; a larger one is not read
MAX_ENTRIES = 2_000_000
_FIXED = 62  # ctime, mtime, dev, ino, mode, uid, gid, size (4 bytes each but times 8), object id (20), flags (2)
_EXTENDED = 0x4000


def tracked_files(root: str | os.PathLike) -> frozenset[str] | None:
    """The paths (relative to ``root``, POSIX, as the walk displays them) of the files git tracks
    under ``root``; None when ``root`` is not in a git work tree or its index cannot be read."""
    try:
        base = Path(root).resolve()
        if not base.is_dir():
            return None
        top = work_tree_top(base)
        if top is None:
            return None
        gd = git_dir(top)
        if gd is None:
            return None
        index = gd / "index"
        if not index.is_file() or index.stat().st_size > MAX_INDEX:
            return None
        data = index.read_bytes()
        prefix = base.relative_to(top.resolve()).as_posix() if base != top.resolve() else ""
    except (OSError, RuntimeError, ValueError):
        return None
    paths = parse_index(data)
    if paths is None:
        return None
    out: set[str] = set()
    lead = prefix + "/" if prefix and prefix != "." else ""
    for raw in paths:
        p = clean_path(raw.decode("utf-8", "surrogateescape"))
        if lead:
            if not p.startswith(lead):
                continue
            p = p[len(lead):]
        out.add(p)
    return frozenset(out)


def parse_index(data: bytes) -> list[bytes] | None:
    """The entry paths of a git index (versions 2-4), or None when it does not parse."""
    if len(data) < 12 or data[:4] != b"DIRC":
        return None
    version = int.from_bytes(data[4:8], "big")
    count = int.from_bytes(data[8:12], "big")
    if version not in (2, 3, 4) or count > MAX_ENTRIES:
        return None
    n = len(data)
    pos = 12
    prev = b""
    out: list[bytes] = []
    for _ in range(count):
        if pos + _FIXED > n:
            return None
        flags = int.from_bytes(data[pos + 60:pos + 62], "big")
        off = pos + _FIXED + (2 if version >= 3 and flags & _EXTENDED else 0)
        if off > n:
            return None
        if version == 4:
            strip, off = _varint(data, off)
            if strip < 0 or strip > len(prev):
                return None
            end = data.find(b"\0", off)
            if end < 0:
                return None
            name = prev[:len(prev) - strip] + data[off:end]
            pos = end + 1
        else:
            end = data.find(b"\0", off)
            if end < 0:
                return None
            name = data[off:end]
            # the entry (fixed part and name) is padded with 1-8 NULs to a multiple of 8 bytes
            pos += ((end - pos) // 8 + 1) * 8
        if (flags >> 12) & 3 == 0:  # stage 0; conflict stages repeat the path
            out.append(name)
        prev = name
    return out


def _varint(data: bytes, off: int) -> tuple[int, int]:
    """git's offset varint (as in OFS_DELTA): (value, position after it), (-1, off) past the end."""
    if off >= len(data):
        return -1, off
    b = data[off]
    value = b & 0x7F
    off += 1
    steps = 0
    while b & 0x80:
        if off >= len(data) or steps > 8:
            return -1, off
        b = data[off]
        value = ((value + 1) << 7) | (b & 0x7F)
        off += 1
        steps += 1
    return value, off


__all__ = ["tracked_files", "parse_index", "MAX_INDEX"]
