"""The data contract between pipeline stages.

Every stage (walk -> detect -> resolve -> graph -> assess -> report) exchanges only the frozen
dataclasses defined here. Collections are tuples, sorted where order is not meaningful, so that two
runs over the same input compare equal and serialise to identical bytes.

"Unknown" is data: a field that could not be established holds ``UNKNOWN`` (or an empty tuple) and,
where it matters, a reason -- never ``None`` and never an exception.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field

#: Version of the JSON document written by ``--format json``. Bump on incompatible change.
SCHEMA_VERSION = "1.0"

#: The value of any fact that could not be established.
UNKNOWN = "unknown"


class Kind(str, enum.Enum):
    """What a reference points at."""

    MODEL = "model"
    ENDPOINT = "endpoint"
    CLOUD = "cloud"
    HARDWARE = "hardware"
    PACKAGE = "package"

    def __str__(self) -> str:  # pragma: no cover - convenience for f-strings
        return self.value


class Context(str, enum.Enum):
    """Where in a file a reference was written; weighs how much it says about the deployed stack."""

    CODE = "code"
    CONFIG = "config"
    DOCS = "docs"
    COMMENT = "comment"

    def __str__(self) -> str:  # pragma: no cover
        return self.value


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A place in the scanned tree. ``path`` is relative to the scan root, POSIX separators.

    ``line`` and ``column`` are 1-based. ``cell`` is the 1-based notebook cell, 0 outside notebooks.
    """

    path: str
    line: int
    column: int = 1
    cell: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class Reference:
    """One string in the scanned tree that names a model, endpoint, cloud, hardware or package.

    ``id`` is the normalised identity (what later stages resolve), ``text`` the string exactly as it
    was written. ``provider`` is the provider the reference is attributed to *at that place* (the
    client a call was made on, the cloud a region belongs to, the vendor a resource name belongs
    to); empty when nothing at that place says. ``attributes`` carries further sorted key/value
    facts found beside it (e.g. the environment variable that held it). ``related`` holds secondary
    locations, e.g. the call site of a propagated constant.
    """

    kind: Kind
    id: str
    text: str
    path: str
    line: int
    column: int
    detector: str
    form: str
    context: Context
    confidence: float
    provider: str = ""
    cell: int = 0
    attributes: tuple[tuple[str, str], ...] = ()
    related: tuple[Location, ...] = ()
    fingerprint: str = ""

    @property
    def location(self) -> Location:
        return Location(self.path, self.line, self.column, self.cell)

    def attribute(self, key: str, default: str = "") -> str:
        for k, v in self.attributes:
            if k == key:
                return v
        return default

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.column, self.kind.value, self.id, self.form, self.detector, self.text)

    def identity(self) -> str:
        """The line-independent part of the fingerprint (see ``fingerprint_references``)."""
        return "\x1f".join(
            (self.kind.value, self.id, self.path, self.form, self.context.value, self.provider, self.text)
        )


@dataclass(frozen=True, slots=True, order=True)
class Skipped:
    """A file (or folder) that was not scanned, and why. Every report shows these."""

    path: str
    reason: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ScanStats:
    files_seen: int = 0
    files_scanned: int = 0
    files_skipped: int = 0
    files_cached: int = 0
    bytes_scanned: int = 0
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class ScanConfig:
    """Everything the scanner needs to know, built by the CLI (or a caller) once."""

    root: str
    excludes: tuple[str, ...] = ()
    max_file_bytes: int = 5 * 1024 * 1024
    jobs: int = 0  # 0 = all cores
    use_gitignore: bool = True
    cache_dir: str = ""  # "" = platform default; "-" disables the content-hash cache
    rules_dirs: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------------
# Provenance (resolve stage)
# --------------------------------------------------------------------------------------------


class Status(str, enum.Enum):
    """How far a model's provenance was established."""

    RESOLVED = "resolved"  # facts from rules/, the Hub or local artifacts, each with evidence
    INFERRED = "inferred"  # a name-based guess; low confidence, with its reason
    UNVERIFIED = "unverified"  # could not be checked (offline, hub unreachable); reason says which
    UNRESOLVED = "unresolved"  # nothing known; reason says why


class WeightsAvailability(str, enum.Enum):
    DOWNLOADABLE = "downloadable"
    GATED = "gated"
    API_ONLY = "api-only"
    UNKNOWN = UNKNOWN


@dataclass(frozen=True, slots=True, order=True)
class Evidence:
    """Why a fact is believed: ``source`` is one of rules | hub | artifact | name | reference."""

    source: str
    detail: str  # rule id, Hub field, or path:line
    url: str = ""  # the public source behind a rule, or the Hub URL
    retrieved: str = ""  # ISO 8601 time for Hub facts


@dataclass(frozen=True, slots=True)
class Fact:
    """A value with the evidence for it. ``Fact()`` is the unknown fact."""

    value: str = UNKNOWN
    evidence: tuple[Evidence, ...] = ()

    @property
    def known(self) -> bool:
        return self.value != UNKNOWN


@dataclass(frozen=True, slots=True)
class Conflict:
    """Two sources disagree on a field. Kept and shown, never silently resolved."""

    field: str
    values: tuple[Fact, ...]
    note: str = ""


@dataclass(frozen=True, slots=True)
class LineageHop:
    """An edge from a model to one of its parents."""

    parent: str
    relation: str  # finetune | quantized | adapter | merge | distillation | base (relation unstated)
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class Provenance:
    """What is known about one model id. Ancestors have their own ``Provenance`` in the result."""

    model_id: str
    status: Status
    reason: str = ""
    publisher: Fact = Fact()  # who published this repo/name (e.g. an HF namespace's owner)
    publisher_country: Fact = Fact()
    origin_lab: Fact = Fact()  # who made the root weights (follows lineage to the roots)
    country: Fact = Fact()  # origin lab's headquarters country (ISO 3166-1 alpha-2)
    license_id: Fact = Fact()
    license_class: Fact = Fact()
    weights: Fact = Fact()  # a WeightsAvailability value
    provider: Fact = Fact()  # for API-only models: the API provider that serves it
    parents: tuple[LineageHop, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    confidence: float = 0.0
    details: tuple[tuple[str, str], ...] = ()  # pipeline_tag, parameters, sha, ...


# --------------------------------------------------------------------------------------------
# The scan result every later stage and every writer consumes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScanResult:
    root: str  # display name of the scanned root (its folder name), never an absolute path
    tool_version: str
    rules_version: str
    references: tuple[Reference, ...]
    skipped: tuple[Skipped, ...]
    stats: ScanStats = field(default_factory=ScanStats)
    provenance: tuple[Provenance, ...] = ()
    offline: bool = False
    schema_version: str = SCHEMA_VERSION


def fingerprint_references(refs: list[Reference]) -> list[Reference]:
    """Give every reference a fingerprint that does not depend on its line or column.

    The fingerprint hashes the reference's identity (kind, id, path, form, context, provider and
    exact text) plus its ordinal among references with the same identity in that file, so moving
    code up or down keeps it, while a second identical reference gets a distinct one.
    """
    from dataclasses import replace

    seen: dict[str, int] = {}
    out: list[Reference] = []
    for ref in sorted(refs, key=Reference.sort_key):
        ident = ref.identity()
        n = seen.get(ident, 0)
        seen[ident] = n + 1
        digest = hashlib.sha256(f"{ident}\x1e{n}".encode("utf-8", "surrogatepass")).hexdigest()[:32]
        out.append(replace(ref, fingerprint=digest))
    return out
