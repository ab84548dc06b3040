"""Stage 1: walk the tree. Yields the files to scan and records what it leaves out, with reasons.

Honours ``.gitignore`` files at every level and ``--exclude`` patterns (gitignore syntax, via
pathspec), except that a file the git index tracks is kept whatever the ignore files say (a
force-added file is part of the code: ``gitindex.py``), and where no git index can be read (an
archive, a copy, a build context) what the ignore files hide is listed as ``ignored``; skips VCS metadata and dependency/virtualenv folders, but never folders named
``examples``, ``samples`` or ``fixtures`` (users keep real manifests there). Never follows a
symlink out of the root and survives symlink loops and unreadable folders. Walks any depth (an
explicit stack, no recursion); ``.gitignore`` files are read with bounds and matched in linear time
(``ignore.py``); paths are reported in a form every writer can encode (``sanitize.clean_path``).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pathspec

from sovaudit.model import Skipped
from sovaudit.sanitize import clean_path
from sovaudit.walk.gitindex import tracked_files
from sovaudit.walk.ignore import IgnoreReader

#: Version-control metadata: never scanned, not reported.
#: The skip reason of what a .gitignore hides where no git index says it is tracked.
IGNORED = "ignored"
VCS_DIRS = frozenset({".git", ".hg", ".svn", ".bzr", "_darcs", ".jj"})
#: Third-party code and tool caches: skipped, and reported once as skipped folders.
DEPENDENCY_DIRS = frozenset(
    {"node_modules", ".venv", "venv", "site-packages", "dist-packages", "__pycache__", ".tox", ".nox",
     ".mypy_cache", ".pytest_cache", ".ruff_cache", "bower_components", ".terraform", ".gradle", ".idea"}
)


@dataclass(frozen=True, slots=True)
class WalkItem:
    path: str  # relative POSIX
    abs_path: str
    size: int
    mtime_ns: int
    inode: int


class _Ignore:
    """gitignore specs collected on the way down, each relative to the folder that holds it."""

    __slots__ = ("specs",)

    def __init__(self, specs: tuple[tuple[str, pathspec.PathSpec], ...] = ()):
        self.specs = specs

    def child(self, rel_dir: str, spec: pathspec.PathSpec | None) -> _Ignore:
        return _Ignore(self.specs + ((rel_dir, spec),)) if spec is not None else self

    def ignored(self, rel: str, is_dir: bool) -> bool:
        """As git decides: the deepest .gitignore with a matching pattern (including a ``!``
        negation) wins over the ones above it."""
        probe = rel + "/" if is_dir else rel
        for base, spec in reversed(self.specs):
            if base:
                if not probe.startswith(base + "/"):
                    continue
                sub = probe[len(base) + 1:]
            else:
                sub = probe
            verdict = spec.check_file(sub).include
            if verdict is not None:
                return verdict
        return False


def walk(root: str | os.PathLike, excludes: tuple[str, ...] = (), use_gitignore: bool = True) -> tuple[list[WalkItem], list[Skipped]]:
    """Return (files to scan, skipped entries), both sorted by path."""
    skipped: list[Skipped] = []
    items = sorted(iter_walk(root, excludes, use_gitignore, skipped), key=lambda i: i.path)
    skipped.sort()
    return items, skipped


def iter_walk(root: str | os.PathLike, excludes: tuple[str, ...] = (), use_gitignore: bool = True,
              skipped: list[Skipped] | None = None) -> Iterator[WalkItem]:
    """The files to scan as the walk finds them (folder by folder, names sorted within each), so
    that scanning can start before the walk ends; skipped entries are appended to ``skipped``."""
    root_path = Path(root)
    root_real = os.path.realpath(root_path)
    if skipped is None:
        skipped = []
    exclude_spec = pathspec.GitIgnoreSpec.from_lines(excludes) if excludes else None
    visited: set[tuple[int, int]] = set()
    ignores = IgnoreReader(root_real, skipped)
    # files the git index tracks, and the folders that hold them: an ignore pattern does not hide them
    tracked = tracked_files(root_path) if use_gitignore and root_path.is_dir() else None
    tracked_dirs: set[str] = set()
    for t in tracked or ():
        cut = t.rfind("/")
        while cut > 0 and t[:cut] not in tracked_dirs:
            tracked_dirs.add(t[:cut])
            cut = t.rfind("/", 0, cut)

    def inside_root(real: str) -> bool:
        return real == root_real or real.startswith(root_real.rstrip(os.sep) + os.sep)

    def excluded(rel: str, is_dir: bool) -> bool:
        return exclude_spec is not None and exclude_spec.match_file(rel + "/" if is_dir else rel)

    def enter(dir_abs: str, rel_dir: str, ignore: _Ignore) -> tuple[Iterator[os.DirEntry], str, _Ignore] | None:
        """Open one folder: its sorted entries, its display path and the ignore rules below it."""
        try:
            st = os.stat(dir_abs)
        except OSError as exc:
            skipped.append(Skipped(rel_dir or ".", "unreadable", exc.strerror or str(exc)))
            return None
        key = (st.st_dev, st.st_ino)
        if key in visited:
            skipped.append(Skipped(rel_dir or ".", "symlink loop", "folder already visited through another path"))
            return None
        visited.add(key)
        if use_gitignore:
            gi = os.path.join(dir_abs, ".gitignore")
            if os.path.isfile(gi):
                ignore = ignore.child(rel_dir, ignores.read(gi, f"{rel_dir}/.gitignore" if rel_dir else ".gitignore"))
        try:
            with os.scandir(dir_abs) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            skipped.append(Skipped(rel_dir or ".", "unreadable", exc.strerror or str(exc)))
            return None
        if rel_dir and any(e.name == "pyvenv.cfg" for e in entries):
            skipped.append(Skipped(rel_dir, "excluded folder", "Python virtual environment"))
            return None
        return iter(entries), rel_dir, ignore

    if not root_path.exists():
        raise FileNotFoundError(f"scan root does not exist: {root}")
    if root_path.is_file():
        st = root_path.stat()
        yield WalkItem(clean_path(root_path.name), str(root_path), st.st_size, st.st_mtime_ns, st.st_ino)
        return
    # depth first with an explicit stack (a folder per level of recursion hit Python's recursion
    # limit at about 1,000 nested folders); the order is the recursive walk's: names sorted within
    # a folder, a sub-folder's files where the folder sorts
    first = enter(str(root_path), "", _Ignore())
    stack = [first] if first is not None else []
    while stack:
        entries, rel_dir, ignore = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        # the display path: a name that is not UTF-8 shows its bytes as \xNN (never a lone
        # surrogate, which no writer can encode); ``entry.path`` keeps the real name for I/O
        name = clean_path(entry.name)
        rel = f"{rel_dir}/{name}" if rel_dir else name
        try:
            is_link = entry.is_symlink()
            is_dir = entry.is_dir(follow_symlinks=True)
        except OSError as exc:
            skipped.append(Skipped(rel, "unreadable", exc.strerror or str(exc)))
            continue
        if is_dir and entry.name in VCS_DIRS:
            continue
        if use_gitignore and ignore.specs and ignore.ignored(rel, is_dir) \
                and not (tracked and (rel in tracked_dirs if is_dir else rel in tracked)):
            if tracked is None:
                # no git index says whether it is part of the repository (an archive, a copy, a build
                # context): what the ignore files hide is listed, not dropped silently
                skipped.append(Skipped(rel, IGNORED, "matches a .gitignore pattern and no git index here says it is "
                                                     "tracked (--no-gitignore reads it)"))
            continue
        if excluded(rel, is_dir):
            continue
        if is_link:
            try:
                real = os.path.realpath(entry.path, strict=True)
            except (OSError, RuntimeError):
                skipped.append(Skipped(rel, "broken symlink", "target does not exist or loops"))
                continue
            if not inside_root(real):
                skipped.append(Skipped(rel, "symlink outside root", "not followed"))
                continue
        if is_dir:
            if entry.name in DEPENDENCY_DIRS:
                skipped.append(Skipped(rel, "excluded folder", "dependency, virtualenv or cache folder"))
                continue
            frame = enter(entry.path, rel, ignore)
            if frame is not None:
                stack.append(frame)
            continue
        try:
            st = entry.stat(follow_symlinks=True)
        except OSError as exc:
            skipped.append(Skipped(rel, "unreadable", exc.strerror or str(exc)))
            continue
        if not stat.S_ISREG(st.st_mode):
            skipped.append(Skipped(rel, "not a regular file", stat.filemode(st.st_mode)))
            continue
        yield WalkItem(rel, entry.path, st.st_size, st.st_mtime_ns, st.st_ino)
