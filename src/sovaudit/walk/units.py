"""Project units: the folders of a tree that are projects of their own.

A tree may hold several unrelated projects (a folder of clones, a monorepo of services). What one
of them deploys says nothing about where another runs: a self-hosted model is hosted in the clouds
and runs on the hardware of *its own* project, not of every project in the tree.

A unit is the outermost folder that holds a project marker -- version-control metadata (``.git``)
or a project manifest (``pyproject.toml``, ``package.json``, ``go.mod``, ``Cargo.toml`` ...).
Manifests further down (a backend's ``requirements.txt``) belong to the unit above them. When the
scanned root is itself a project, the whole tree is one unit. Files outside every unit (a shared
``infra/`` or ``deploy/`` folder of a monorepo without a root manifest) belong to the root, and
what they deploy applies to every unit.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

#: Files whose presence makes a folder a project of its own.
MARKERS = frozenset({
    "pyproject.toml", "setup.py", "setup.cfg", "requirements.txt", "pipfile", "environment.yml",
    "package.json", "go.mod", "cargo.toml", "pom.xml", "build.gradle", "build.gradle.kts", "gemfile",
    "composer.json", "mix.exs", "pubspec.yaml", "deno.json", "project.clj", "build.sbt",
})
VCS_MARKERS = (".git", ".hg", ".svn", ".jj")
#: The unit of files outside every project folder (and of a tree that is one project).
ROOT = ""


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ROOT


def find_units(paths: Iterable[str], root: str | None = None) -> tuple[str, ...]:
    """The project units of a tree, as folders relative to its root ("" for the root itself),
    sorted; from the relative POSIX paths of its files and, when ``root`` is given, the
    version-control folders on disk (the walk never lists them)."""
    dirs: set[str] = set()
    marked: set[str] = set()
    for p in paths:
        d = _parent(p)
        dirs.add(d)
        if p.rsplit("/", 1)[-1].lower() in MARKERS:
            marked.add(d)
    if root is not None:
        for d in dirs - marked:
            base = os.path.join(root, d) if d else root
            if any(os.path.exists(os.path.join(base, m)) for m in VCS_MARKERS):
                marked.add(d)
    if ROOT in marked:
        return (ROOT,)
    out = []
    for d in sorted(marked):
        up = d
        outermost = True
        while up:
            up = _parent(up)
            if up in marked:
                outermost = False
                break
        if outermost:
            out.append(d)
    return tuple(out)


class UnitIndex:
    """Which unit a path belongs to (memoised per folder)."""

    def __init__(self, units: Iterable[str]):
        self.units = frozenset(u for u in units if u)
        self._memo: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self.units)

    def of(self, path: str) -> str:
        d = _parent(path)
        hit = self._memo.get(d)
        if hit is not None:
            return hit
        up = d
        found = ROOT
        while up:
            if up in self.units:
                found = up
                break
            up = _parent(up)
        self._memo[d] = found
        return found
