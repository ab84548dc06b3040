"""Which git commit, branch and remote a scanned tree is, read from the ``.git`` files alone.

Reports name the revision they audited (SARIF ``versionControlProvenance``, CycloneDX
``metadata.component``, the JSON document). The scanned repository may be hostile, so git is never
run: running it would honour the repository's own configuration (``core.fsmonitor``, hooks,
filters), which is code execution. Only these files are read, each capped in size: ``.git`` (a
folder, or a file ``gitdir: PATH`` of a worktree or submodule), its ``commondir``, ``HEAD``, the
loose ref ``HEAD`` names, ``packed-refs`` and ``config`` (``[remote "origin"] url``). Every value
is checked for shape (a hex object id, a ref name of safe characters); what does not fit is left
out. A remote URL loses its credentials (``https://user:token@host/...`` -> ``https://host/...``).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from sovaudit.model import VcsInfo

MAX_FILE = 1 << 20  # packed-refs of a big repository fit; a larger file is not read
MAX_UP = 64  # folders walked up from the scanned root to find .git
_OID = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")  # SHA-1 or SHA-256
_REF = re.compile(r"refs/[A-Za-z0-9._/+-]{1,250}")


def _read(path: Path) -> str:
    try:
        if not path.is_file() or path.stat().st_size > MAX_FILE:
            return ""
        return path.read_text("utf-8", errors="replace")
    except OSError:
        return ""


def strip_credentials(url: str) -> str:
    """A remote URL without user name, password or token; scp-like ``git@host:path`` is kept
    (its user is a login name, never a secret). Query and fragment are dropped."""
    url = url.strip()
    if "://" not in url:
        return url if re.fullmatch(r"[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]*", url) or not re.search(r"[@\s]", url) else ""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return ""
    if not host:
        return urlunsplit(("file", "", parts.path, "", "")) if parts.scheme == "file" else ""
    return urlunsplit((parts.scheme, host + port, parts.path, "", ""))


def remote_uri(remote: str) -> str:
    """``remote`` as an absolute URI (scp-like ``git@host:o/r.git`` -> ``ssh://git@host/o/r.git``);
    "" when it is a local path or anything else without a scheme."""
    m = re.fullmatch(r"([A-Za-z0-9._-]+)@([A-Za-z0-9.-]+):/?([^\s]*)", remote)
    if m:
        return f"ssh://{m.group(1)}@{m.group(2)}/{m.group(3)}"
    return remote if re.match(r"[a-z][a-z0-9+.-]*://", remote) else ""


def git_dir(top: Path) -> Path | None:
    """The git folder of the work tree at ``top``: ``.git`` itself, or where its ``gitdir:`` file points."""
    dot = top / ".git"
    if dot.is_dir():
        return dot
    text = _read(dot)
    m = re.match(r"gitdir: (.+)", text.strip())
    if not m:
        return None
    gd = Path(m.group(1).strip())
    gd = gd if gd.is_absolute() else (top / gd)
    return gd if gd.is_dir() else None


def work_tree_top(root: Path) -> Path | None:
    """The nearest folder at or above ``root`` that holds a ``.git`` (at most MAX_UP levels up)."""
    p = root
    for _ in range(MAX_UP):
        if (p / ".git").exists():
            return p
        if p.parent == p:
            return None
        p = p.parent
    return None


def _resolve_ref(ref: str, dirs: list[Path]) -> str:
    for d in dirs:
        oid = _read(d / ref).strip()
        if _OID.fullmatch(oid):
            return oid
    for d in dirs:
        for line in _read(d / "packed-refs").splitlines():
            parts = line.split(" ", 1)
            if len(parts) == 2 and parts[1].strip() == ref and _OID.fullmatch(parts[0]):
                return parts[0]
    return ""


def _origin_url(config: str) -> str:
    section = ""
    urls: dict[str, str] = {}
    for raw in config.splitlines():
        line = raw.strip()
        if line.startswith("["):
            m = re.match(r'\[\s*remote\s+"([^"]+)"\s*\]', line)
            section = m.group(1) if m else ""
            continue
        if section:
            m = re.match(r"url\s*=\s*(.+)", line)
            if m and section not in urls:
                urls[section] = m.group(1).strip().strip('"')
    url = urls.get("origin") or (urls[sorted(urls)[0]] if urls else "")
    return strip_credentials(url)


def read_vcs(root: str | Path) -> VcsInfo:
    """The git revision of the tree at ``root`` (empty when it is not in a git repository or the
    files cannot be read)."""
    try:
        base = Path(root).resolve()
    except (OSError, RuntimeError):
        return VcsInfo()
    if base.is_file():
        base = base.parent
    top = work_tree_top(base)
    if top is None:
        return VcsInfo()
    gd = git_dir(top)
    if gd is None:
        return VcsInfo()
    common = _read(gd / "commondir").strip()
    cd = (gd / common) if common and not Path(common).is_absolute() else (Path(common) if common else gd)
    dirs = [gd] + ([cd] if cd != gd and cd.is_dir() else [])
    head = _read(gd / "HEAD").strip()
    commit = branch = ""
    if head.startswith("ref:"):
        ref = head[4:].strip()
        if _REF.fullmatch(ref) and ".." not in ref:
            branch = ref[len("refs/heads/"):] if ref.startswith("refs/heads/") else ""
            commit = _resolve_ref(ref, dirs)
    elif _OID.fullmatch(head):
        commit = head
    remote = ""
    for d in reversed(dirs):  # a worktree's config lives in the common folder
        remote = _origin_url(_read(d / "config")) or remote
    prefix = base.relative_to(top).as_posix()
    return VcsInfo(commit, branch, remote, "" if prefix == "." else prefix)


__all__ = ["VcsInfo", "read_vcs", "remote_uri", "strip_credentials"]
