"""What the organisation scan passes between the coordinator, the Dask workers and the audit
process: frozen dataclasses and closed vocabularies, nothing else.

A worker never writes anything but its answer (``RepoOutcome``); the coordinator alone writes the
database. "Unknown" is data here too: a folder that is not a git work tree has the commit
``UNKNOWN``, never ``None``.
"""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

#: The value of a fact that could not be established (the same word as ``sovaudit.model.UNKNOWN``).
UNKNOWN = "unknown"


class SourceKind(str, enum.Enum):
    """How a repository is reached. ``folder``: a local folder, audited in place (a git work tree
    or not); ``git``: a git URL or a local mirror / bare repository, cloned shallow into a work
    folder first; ``missing``: a local path that does not exist (recorded as a failure)."""

    FOLDER = "folder"
    GIT = "git"
    MISSING = "missing"


class Outcome(str, enum.Enum):
    """What became of one repository in one run."""

    SCANNED = "scanned"  # audited now: a new scan is stored
    UNCHANGED = "unchanged"  # this commit was already audited with the same tool, rules and settings
    FAILED = "failed"  # a failed scan is stored with its reason


class Failure(str, enum.Enum):
    """Why a repository failed. ``none`` for a scan that succeeded."""

    NONE = "none"
    SOURCE = "source"  # the path does not exist or is not readable
    CLONE = "clone"  # git could not list or clone it
    TIMEOUT = "timeout"  # the per-repository time ran out (clone and audit together)
    CRASH = "crash"  # the audit process or the Dask worker died while auditing it
    AUDIT = "audit"  # sovaudit.AuditError: the repository's own config (policy, sovaudit.toml ...) is wrong
    INTERNAL = "internal"  # an unexpected exception (a bug): its last line is the reason


class RunStatus(str, enum.Enum):
    RUNNING = "running"
    INTERRUPTED = "interrupted"  # Ctrl-C; a coordinator killed outright stays "running"
    FINISHED = "finished"


@dataclass(frozen=True, slots=True)
class Source:
    """One repository to audit. ``key`` identifies it across runs (an absolute path, or the URL
    without credentials); ``name`` is what reports show and the folder name it is audited under
    (so the scan document's ``root`` is the same as ``sovaudit scan`` on a clone of that name)."""

    key: str
    name: str
    kind: SourceKind
    location: str  # what git or the audit is given: a path or a URL (credentials kept, never stored)


@dataclass(frozen=True, slots=True)
class AuditSettings:
    """The ``AuditConfig`` fields an organisation scan sets for every repository (``root``
    apart). Their hash is part of what makes a commit "already scanned"."""

    excludes: tuple[str, ...] = ()
    use_gitignore: bool = True
    max_file_bytes: int = 5 * 1024 * 1024
    cache_dir: str = ""
    rules_dirs: tuple[str, ...] = ()
    offline: bool = False
    hub_timeout: float = 10.0
    policies: tuple[str, ...] = ()
    policy_replace: bool = False
    fail_on: str = "none"
    home: str | None = None
    scope: tuple[str, ...] | None = None
    #: sha256 of each policy file's bytes, so that an edited policy is a new setting
    policy_digests: tuple[str, ...] = ()

    def digest(self) -> str:
        """What the results depend on besides the commit, tool and rules versions. The cache
        folder and the Hub timeout are left out: they do not change a result."""
        d = asdict(self)
        for k in ("cache_dir", "hub_timeout"):
            d.pop(k)
        return hashlib.sha256(json.dumps(d, sort_keys=True, default=list).encode()).hexdigest()[:16]

    def audit_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``sovaudit.AuditConfig`` (with ``root``)."""
        d = {k: getattr(self, k) for k in ("excludes", "use_gitignore", "max_file_bytes", "cache_dir", "rules_dirs",
                                           "offline", "hub_timeout", "policies", "policy_replace", "fail_on",
                                           "home", "scope")}
        d["jobs"] = 1  # one repository per Dask thread: the parallelism is across repositories
        return d


@dataclass(frozen=True, slots=True)
class RepoTask:
    """One Dask task: audit ``source`` within ``timeout`` seconds. ``known_commits`` are the
    commits already audited with the same tool, rules and settings: such a commit is not audited
    again (the worker finds the commit, the coordinator alone reads the database)."""

    source: Source
    settings: AuditSettings
    timeout: float
    known_commits: frozenset[str] = frozenset()
    work_dir: str = ""  # where clones go ("" = the system's temporary folder)
    runner: tuple[str, ...] = ()  # the audit process's command ("" = python -m sovaudit.org.runner)


@dataclass(frozen=True, slots=True)
class Rows:
    """What the database keeps of one scan document besides the document itself, as plain tuples
    (made from the document by ``extract.rows``; see ``db`` for the columns)."""

    references: tuple[tuple[Any, ...], ...] = ()
    provenance: tuple[tuple[Any, ...], ...] = ()
    jurisdictions: tuple[tuple[Any, ...], ...] = ()
    exposures: tuple[tuple[Any, ...], ...] = ()
    home_items: tuple[tuple[Any, ...], ...] = ()
    findings: tuple[tuple[Any, ...], ...] = ()
    skipped: tuple[tuple[Any, ...], ...] = ()
    #: schema_version, tool version, rules_version, home, files_seen
    header: tuple[str, str, str, str, int] = ("", "", "", "", 0)


@dataclass(frozen=True, slots=True)
class RepoOutcome:
    """A worker's answer for one repository. ``document`` is the scan document zlib-compressed,
    exactly the bytes ``sovaudit scan --format json`` writes once decompressed."""

    source_key: str
    outcome: Outcome
    failure: Failure = Failure.NONE
    reason: str = ""
    commit: str = UNKNOWN
    dirty: bool = False
    seconds: float = 0.0
    worker: str = ""
    document: bytes = b""
    document_sha256: str = ""
    document_size: int = 0
    rows: Rows = field(default_factory=Rows)
