"""Sources of an organisation scan: local folders, local mirrors (bare repositories) and git URLs,
given on the command line or listed in a file (one a line, ``#`` starts a comment, relative paths
are relative to the file).

A repository's key is what identifies it across runs: the absolute path of a local folder or
mirror, or the URL with any user name and password taken out (a token in a URL is never stored,
printed or sent back in a report).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from sovaudit.org.model import Source, SourceKind

#: ``user@host:path`` (scp-like git syntax), which has no scheme
_SCP = re.compile(r"^(?:[A-Za-z0-9._-]+@)?[A-Za-z0-9.-]+:(?!//)[^\\]+$")


class SourceError(Exception):
    """A list file that cannot be read; the message says which."""


def is_url(text: str) -> bool:
    return "://" in text or (bool(_SCP.match(text)) and not Path(text).exists())


def redact_url(url: str) -> str:
    """``url`` without user name and password (``https://TOKEN@host/x`` -> ``https://host/x``)."""
    if "://" not in url:
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, ""))


def _name(text: str) -> str:
    tail = re.split(r"[/:\\]", text.rstrip("/\\"))[-1] or "repository"
    if tail.endswith(".git"):
        tail = tail[:-4] or "repository"
    return tail


def _is_bare(path: Path) -> bool:
    """A bare repository or a mirror: HEAD, objects/ and refs/ at the top, no work tree."""
    return (path / "HEAD").is_file() and (path / "objects").is_dir() and (path / "refs").is_dir()


def source(text: str, base: Path | None = None) -> Source:
    """The ``Source`` that ``text`` names (a path is taken relative to ``base``, else the current
    folder)."""
    text = text.strip()
    if is_url(text):
        key = redact_url(text).rstrip("/")
        return Source(key=key, name=_name(key), kind=SourceKind.GIT, location=text)
    path = Path(text).expanduser()
    if base is not None and not path.is_absolute():
        path = base / path
    path = path.resolve()
    if not path.is_dir():
        return Source(key=str(path), name=_name(str(path)), kind=SourceKind.MISSING, location=str(path))
    if _is_bare(path):
        return Source(key=str(path), name=_name(str(path)), kind=SourceKind.GIT, location=path.as_uri())
    return Source(key=str(path), name=path.name or "repository", kind=SourceKind.FOLDER, location=str(path))


def read_list(path: str) -> list[str]:
    """The sources a list file names, each relative path made absolute against the file's folder."""
    p = Path(path)
    try:
        lines = p.read_text("utf-8").splitlines()
    except OSError as exc:
        raise SourceError(f"cannot read the list of sources {path}: {exc.strerror or exc}") from exc
    out = []
    for line in lines:
        line = re.sub(r"(^|\s)#.*$", "", line).strip()  # a comment starts a line or follows a space
        if not line:
            continue
        if is_url(line) or Path(line).expanduser().is_absolute():
            out.append(line)
        else:
            out.append(str((p.parent / line).resolve()))
    return out


def collect(args: tuple[str, ...] | list[str], list_files: tuple[str, ...] | list[str] = ()) -> list[Source]:
    """The sources of ``args`` and of each list file, the first of each key kept, in order."""
    texts = list(args)
    for f in list_files:
        texts.extend(read_list(f))
    seen: dict[str, Source] = {}
    for t in texts:
        if not t.strip():
            continue
        s = source(t)
        seen.setdefault(s.key, s)
    return list(seen.values())


def slug(key: str, name: str) -> str:
    """A file name for a repository's own report pages: its name and a short hash of its key
    (two repositories called ``api`` in different places do not collide)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "repository"
    return f"{safe[:60]}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"
