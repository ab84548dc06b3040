"""Where reports go, and sovaudit's own reports met again in a scanned tree.

* ``check_locations``: the problems of the output locations a command was given, found before
  anything is scanned (the command line makes them usage errors, exit 2): a report never replaces
  a symbolic link, a device, a FIFO, a socket or a folder, and its folder must be one sovaudit can
  write in (or create).
* ``place``: moves a staged report into place, checking the destination again just before.
* ``set_apart_own_reports``: references found in files that are reports sovaudit wrote (an
  earlier run's ``--output-dir reports/`` inside the tree) are not the code's dependencies: they
  are dropped and each such file is recorded as skipped, so it is shown, never silently ignored.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import replace
from pathlib import Path

OWN_REPORT = "sovaudit report"


class OutputError(Exception):
    """An output location sovaudit will not write to."""


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def file_problem(path: str | os.PathLike, what: str = "output") -> str:
    """Why a report may not be written to ``path`` ("" when it may): an existing entry that is not
    a regular file is never replaced, and the folder it goes in must be writable (or creatable)."""
    p = Path(path)
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        return f"{what} {str(p)!r}: {exc.strerror or exc}"
    if st is not None and not stat.S_ISREG(st.st_mode):
        hint = " (use '-' for standard output)" if stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode) or stat.S_ISLNK(st.st_mode) else ""
        return f"{what} {str(p)!r} is {_kind(st.st_mode)}: sovaudit does not replace it{hint}"
    return folder_problem(p.parent if str(p.parent) else Path("."), what, str(p))


def folder_problem(folder: str | os.PathLike, what: str = "output folder", shown: str = "") -> str:
    """Why reports may not be written in ``folder`` ("" when they may): its nearest existing
    ancestor must be a folder sovaudit can write in."""
    p = Path(folder)
    shown = shown or str(p)
    probe = p
    while True:
        try:
            st = os.stat(probe)  # a symbolic link to a folder is a folder to write in
            break
        except FileNotFoundError:
            if probe.parent == probe:
                return f"{what} {shown!r}: no existing folder above it"
            probe = probe.parent
        except OSError as exc:
            return f"{what} {shown!r}: {probe}: {exc.strerror or exc}"
    if not stat.S_ISDIR(st.st_mode):
        return f"{what} {shown!r}: {str(probe)!r} is {_kind(st.st_mode)}, not a folder"
    if not os.access(probe, os.W_OK | os.X_OK):
        return f"{what} {shown!r}: cannot write in {str(probe)!r}"
    return ""


def check_locations(output: str | None, output_dir: str | None, files: list[str], extra: tuple[str, ...] = ()) -> list[str]:
    """Every problem of the places a run will write: ``output`` ("-" is standard output),
    ``output_dir`` with the ``files`` (names) it will hold, and ``extra`` files (e.g. --timings)."""
    problems: list[str] = []
    if output and output != "-":
        problems.append(file_problem(output, "--output"))
    if output_dir:
        prob = folder_problem(output_dir, "--output-dir")
        if not prob and os.path.lexists(output_dir):
            prob = "" if os.path.isdir(output_dir) else f"--output-dir {output_dir!r} is not a folder"
        problems.append(prob)
        if not prob:
            problems += [file_problem(Path(output_dir) / f, "--output-dir") for f in files]
    problems += [file_problem(x, "output") for x in extra if x]
    return [p for p in dict.fromkeys(problems) if p]


def place(staged: str | os.PathLike, dest: str | os.PathLike) -> None:
    """Move a staged report to ``dest`` (atomically, on the same file system), unless ``dest``
    became something that is not a regular file since it was checked."""
    prob = file_problem(dest)
    if prob:
        raise OutputError(prob)
    os.replace(staged, dest)


# -- sovaudit's own reports in a scanned tree ----------------------------------------------------

_HEAD = 4096
_SARIF = re.compile(rb'"driver"\s*:\s*\{\s*"name"\s*:\s*"sovaudit"')
_JSON_DOC = re.compile(rb'^\{\s*"schema_version"\s*:\s*"[0-9.]+"\s*,\s*"tool"\s*:\s*\{\s*"name"\s*:\s*"sovaudit"')
_CDX_TOOL = b'"bom-ref": "tool:sovaudit"'


def _contains(fh, needle: bytes, limit: int = 256 << 20) -> bool:
    """Whether the file holds ``needle``, read in blocks (linear; at most ``limit`` bytes)."""
    tail, read = b"", 0
    while read < limit:
        block = fh.read(1 << 20)
        if not block:
            return False
        if needle in tail + block:
            return True
        tail, read = block[-len(needle):], read + len(block)
    return False


def own_report(path: str | os.PathLike) -> str:
    """The format of the sovaudit report at ``path``, or "" when it is not one (or cannot be
    read). Each format is recognised by what sovaudit writes at its start (and, for CycloneDX
    JSON and Markdown, its tool entry or its footer)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(_HEAD)
            name = str(path).lower()
            if head.startswith(b"{"):
                if _JSON_DOC.match(head):
                    return "json"
                if b'"$schema"' in head[:200] and b"sarif" in head[:300] and _SARIF.search(head):
                    return "sarif"
                if name.endswith(".json") and (b'"bomFormat": "CycloneDX"' in head or b'"components"' in head[:40]):
                    fh.seek(0)
                    if _contains(fh, _CDX_TOOL):
                        return "cyclonedx"
                return ""
            if head.startswith(b"<?xml") and b'<bom xmlns="http://cyclonedx.org/schema/bom/' in head and b'bom-ref="tool:sovaudit"' in head:
                return "cyclonedx-xml"
            if head.lstrip().lower().startswith(b"<!doctype html") and b'<meta name="generator" content="sovaudit ' in head:
                return "html"
            if head.startswith(b"### ") and b"sovaudit: " in head.split(b"\n", 1)[0]:
                size = os.fstat(fh.fileno()).st_size
                fh.seek(max(0, size - _HEAD))
                if b"<sub>sovaudit " in fh.read(_HEAD):
                    return "md"
    except OSError:
        return ""
    return ""


def set_apart_own_reports(result, root: str | os.PathLike):
    """``result`` without the references found in sovaudit's own reports inside the tree; each
    such report is recorded as skipped (reason ``sovaudit report``)."""
    from sovaudit.model import Skipped

    base = Path(root)
    if not base.is_dir():
        return result
    paths = sorted({r.path for r in result.references})
    own = {}
    for p in paths:
        fmt = own_report(base / p)
        if fmt:
            own[p] = fmt
    if not own:
        return result
    refs = tuple(r for r in result.references if r.path not in own)
    new = tuple(Skipped(p, OWN_REPORT, f"a {fmt} report sovaudit wrote: its references are not the code's") for p, fmt in own.items())
    stats = replace(result.stats, files_scanned=max(0, result.stats.files_scanned - len(own)),
                    files_skipped=result.stats.files_skipped + len(own))
    return replace(result, references=refs, skipped=tuple(sorted(result.skipped + new)), stats=stats)


__all__ = ["OWN_REPORT", "OutputError", "check_locations", "file_problem", "folder_problem", "own_report", "place",
           "set_apart_own_reports"]
