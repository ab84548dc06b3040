"""``.gitignore`` files of a scanned (untrusted) tree, read with bounds and matched in linear time.

A hostile ``.gitignore`` could otherwise hang or stop the walk (issue #14, items 2, 11, 22):

* patterns are matched by pathspec's ``re2`` backend (google-re2: linear time; the ``simple``
  backend is Python ``re``, where ``*a*a*...*b`` against a 30-character name takes over 20 s);
  without google-re2 the ``hyperscan`` backend (also linear, slower to compile);
* at most ``MAX_BYTES`` bytes and ``MAX_LINES`` pattern lines are read from one file, lines
  longer than ``MAX_LINE_CHARS`` are left out, and a walk compiles at most ``MAX_WALK_PATTERNS``
  patterns in all (compiling costs about 0.15 ms a line: a 2-million-line file took minutes);
* a line pathspec rejects (``build\\``) is left out, not fatal;
* a ``.gitignore`` that is a symlink leading out of the scanned root is not read.

What was left out is returned as notes (``Skipped`` entries with the ``.gitignore`` as path), so
reports show that a file was applied only in part.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import pathspec

from sovaudit.model import Skipped

MAX_BYTES = 512 * 1024
MAX_LINES = 5_000
MAX_LINE_CHARS = 1_024
MAX_WALK_PATTERNS = 50_000


def _backend() -> str | None:
    """The linear-time pathspec backend available here (None: pathspec < 1.0 has no choice)."""
    try:
        from pathspec import backend as _  # noqa: F401  (pathspec >= 1.0)
    except ImportError:  # pragma: no cover
        return None
    try:
        import re2  # noqa: F401

        return "re2"
    except ImportError:  # pragma: no cover
        return "hyperscan"


BACKEND = _backend()


try:
    from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern as _Pattern
except ImportError:  # pragma: no cover - pathspec < 1.0
    from pathspec.patterns.gitwildmatch import GitWildMatchPattern as _Pattern


def compile_patterns(patterns: list) -> pathspec.PathSpec:
    """A ``GitIgnoreSpec`` of compiled (valid) ``patterns`` on the linear backend."""
    if BACKEND is None:  # pragma: no cover
        return pathspec.GitIgnoreSpec(patterns)
    try:
        return pathspec.GitIgnoreSpec(patterns, backend=BACKEND)
    except Exception:  # noqa: BLE001 - RE2's own error type (re2.error): any failure falls back
        # RE2 refuses a pattern set past its memory budget: fall back to hyperscan, never to the
        # backtracking engine
        return pathspec.GitIgnoreSpec(patterns, backend="hyperscan")


@dataclass
class IgnoreReader:
    """Reads the ``.gitignore`` files of one walk; ``notes`` collects what was left out."""

    root_real: str
    notes: list[Skipped] = field(default_factory=list)
    patterns: int = 0  # compiled so far in this walk

    def _inside(self, real: str) -> bool:
        return real == self.root_real or real.startswith(self.root_real.rstrip(os.sep) + os.sep)

    def read(self, path: str, rel: str) -> pathspec.PathSpec | None:
        """The spec of the ``.gitignore`` at ``path`` (shown as ``rel``), or None."""
        try:
            if os.path.islink(path) and not self._inside(os.path.realpath(path)):
                self.notes.append(Skipped(rel, "symlink outside root", ".gitignore not read: it links out of the scanned tree"))
                return None
            with open(path, "rb") as fh:
                raw = fh.read(MAX_BYTES + 1)
        except (OSError, RuntimeError):
            return None
        left_out: list[str] = []
        if len(raw) > MAX_BYTES:
            raw = raw[:MAX_BYTES].rsplit(b"\n", 1)[0]
            left_out.append(f"read the first {MAX_BYTES} bytes only")
        lines = raw.decode("utf-8", "replace").splitlines()
        valid: list[Any] = []  # compiled patterns
        bad: list[int] = []
        long_: list[int] = []
        room = min(MAX_LINES, MAX_WALK_PATTERNS - self.patterns)
        for n, line in enumerate(lines, 1):
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            if len(line) > MAX_LINE_CHARS:
                long_.append(n)
                continue
            if len(valid) >= room:
                left_out.append(f"patterns past line {n - 1} not applied (at most {MAX_LINES} a file, "
                                f"{MAX_WALK_PATTERNS} a scan)")
                break
            try:
                pat = _Pattern(line)
            except (ValueError, TypeError):  # GitIgnorePatternError (a ValueError): this line only
                bad.append(n)
                continue
            valid.append(pat)
        if bad:
            left_out.append(f"invalid pattern{'s' if len(bad) > 1 else ''} at line{'s' if len(bad) > 1 else ''} "
                            + ", ".join(map(str, bad[:10])) + (f" (+{len(bad) - 10} more)" if len(bad) > 10 else "") + " ignored")
        if long_:
            left_out.append(f"line{'s' if len(long_) > 1 else ''} longer than {MAX_LINE_CHARS} characters ignored: "
                            + ", ".join(map(str, long_[:10])) + (f" (+{len(long_) - 10} more)" if len(long_) > 10 else ""))
        if left_out:
            self.notes.append(Skipped(rel, "partly read", "; ".join(left_out)))
        if not valid:
            return None
        self.patterns += len(valid)
        return compile_patterns(valid)
