"""The few git commands an organisation scan runs, each bounded by the repository's deadline.

Nothing a repository holds is run: no hooks (a clone runs none), no submodules, no LFS smudge
filter, no ext:: transport, no fsmonitor, and git never asks for a password (it fails instead).
Git's own messages are passed on with any ``user:password@`` taken out of URLs.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

from sovaudit.org.model import UNKNOWN

#: configuration given to every git command (``-c`` options)
_CONFIG = ("protocol.ext.allow=never", "core.fsmonitor=false", "core.hooksPath=/dev/null",
           "submodule.recurse=false")
_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true", "SSH_ASKPASS": "true", "GIT_LFS_SKIP_SMUDGE": "1",
        "GIT_OPTIONAL_LOCKS": "0", "GCM_INTERACTIVE": "never", "LC_ALL": "C"}
_CREDENTIALS = re.compile(r"(://)[^/@\s]+@")


class GitError(Exception):
    """git failed; the message is git's last lines of error, credentials removed."""


class Timeout(Exception):
    """The repository's time ran out; the message says in which step."""


def redact(text: str) -> str:
    return _CREDENTIALS.sub(r"\1", text)


def git(args: list[str], deadline: float, cwd: str | None = None, step: str = "git") -> str:
    """Run ``git ARGS`` and return its output; ``Timeout`` past ``deadline`` (a ``time.monotonic``
    value), when git and everything it started are killed."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise Timeout(f"no time left for {step}")
    cmd = ["git"]
    for c in _CONFIG:
        cmd += ["-c", c]
    proc = subprocess.Popen(cmd + args, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True, env={**os.environ, **_ENV})
    try:
        out, err = proc.communicate(timeout=remaining)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.communicate()
        raise Timeout(f"{step} did not finish in time") from None
    if proc.returncode != 0:
        lines = [ln.strip() for ln in err.decode("utf-8", "replace").splitlines() if ln.strip()]
        # the last lines say why ("remote: aborting due to possible repository corruption" comes
        # before "fatal: early EOF"); at most three, credentials taken out
        raise GitError(redact(" / ".join(lines[-3:]) if lines else f"{step} exited with code {proc.returncode}"))
    return out.decode("utf-8", "replace")


def work_tree_state(path: str, deadline: float) -> tuple[str, bool]:
    """(commit of HEAD, whether the folder differs from it) for a folder in a git work tree (the
    folder may be a part of a larger repository: then only its own files count for "differs");
    (``UNKNOWN``, True) for a folder outside git or a repository without a commit."""
    try:
        commit = git(["rev-parse", "--verify", "-q", "HEAD"], deadline, cwd=path, step="git rev-parse").strip()
        status = git(["status", "--porcelain", "--", "."], deadline, cwd=path, step="git status")
    except GitError:
        return UNKNOWN, True
    return (commit or UNKNOWN), bool(status.strip()) or not commit


def remote_head(url: str, deadline: float) -> str:
    """The commit that ``url``'s HEAD names, without cloning."""
    out = git(["ls-remote", "-q", "--", url, "HEAD"], deadline, step="git ls-remote")
    first = out.split()
    if not first:
        raise GitError("the repository has no HEAD (empty, or no default branch)")
    return first[0]


def clone(url: str, dest: Path, deadline: float) -> str:
    """Clone ``url`` shallow (one commit, no tags, no submodules) into ``dest``; return its commit."""
    git(["clone", "--depth", "1", "--quiet", "--no-tags", "--single-branch", "--", url, str(dest)], deadline,
        step="git clone")
    return git(["rev-parse", "HEAD"], deadline, cwd=str(dest), step="git rev-parse").strip()
