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
from typing import Any

#: Version of the JSON document written by ``--format json``. Bump on incompatible change. 2.1 adds
#: the serving path, lineage status, access-path licenses, legal orders, scope and home facts and
#: findings that list every jurisdiction they touch (an exposure is no longer repeated under EU).
#: 2.2 lists at most ``ROUTE_REFERENCES`` references per exposure route, with ``references_total``
#: when there are more (a monorepo's document was 200 MB of fingerprint lists).
SCHEMA_VERSION = "2.3"
#: References listed per exposure route in the JSON document (the first, in path and line order).
ROUTE_REFERENCES = 20
#: The oldest major version still read (``diff``, ``--baseline``, ``compare``, ``stack``). Version 1
#: wrote one ``paths`` record per reference and route where version 2 writes ``routes``; nothing
#: else that those commands read changed.
OLDEST_READABLE_SCHEMA = "1.0"

#: The value of any fact that could not be established.
UNKNOWN = "unknown"


class Vocab(str, enum.Enum):
    """A closed vocabulary: a ``str`` (equal to, hashed and JSON-encoded as its value) that also
    prints and formats as its value on every Python version (3.12 changed ``format()`` of mixed-in
    enums to ``Class.MEMBER``)."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)



class Kind(Vocab):
    """What a reference points at."""

    MODEL = "model"
    ENDPOINT = "endpoint"
    CLOUD = "cloud"
    HARDWARE = "hardware"
    PACKAGE = "package"



class Context(Vocab):
    """Where in a file a reference was written; weighs how much it says about the deployed stack."""

    CODE = "code"
    CONFIG = "config"
    DOCS = "docs"
    COMMENT = "comment"



class Scope(Vocab):
    """Which part of a repository a reference belongs to, for ``--scope``: production code,
    configuration, documentation (prose, docstrings, files under a docs folder) or tests. The
    default view assesses ``code`` and ``config``; documentation and tests are shown apart."""

    CODE = "code"
    CONFIG = "config"
    DOCS = "docs"
    TESTS = "tests"



#: The scopes assessed unless ``--scope`` says otherwise.
DEFAULT_SCOPE: tuple[str, ...] = (Scope.CODE.value, Scope.CONFIG.value)


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
    snippet: str = ""  # the source line, trimmed, secret-looking values redacted

    @property
    def location(self) -> Location:
        return Location(self.path, self.line, self.column, self.cell)

    def attribute(self, key: str, default: str = "") -> str:
        for k, v in self.attributes:
            if k == key:
                return v
        return default

    def sort_key(self) -> tuple[Any, ...]:
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


@dataclass(frozen=True, slots=True, order=True)
class Suppression:
    """An inline ``sovaudit: ignore[RULE-ID, ...] reason`` comment. It applies to findings caused by
    references on its own line or on the next line. Without a reason it suppresses nothing and is
    reported as ``valid=False``."""

    path: str
    line: int
    rules: tuple[str, ...]
    reason: str
    valid: bool = True
    #: an entry of the ignore file (``assess/ignore.py``): its expiry date, "" when it has none; an
    #: expired entry is ``valid=False``
    expires: str = ""


@dataclass(frozen=True, slots=True)
class ScanStats:
    files_seen: int = 0
    files_scanned: int = 0
    files_skipped: int = 0
    files_cached: int = 0
    bytes_scanned: int = 0
    seconds: float = 0.0
    #: The files that took longest to analyse, (path, seconds), slowest first. Timings differ from
    #: run to run, so they stay out of the reports (``scan --timings FILE`` writes them).
    slowest: tuple[tuple[str, float], ...] = ()


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
    # wall-clock seconds one file may take (past it the file is a "over budget" skip); 0 = no limit
    file_budget: float = 10.0
    # wall-clock seconds for the whole scan (past it the files left are "not scanned" skips); 0 = none
    deadline: float = 0.0


# --------------------------------------------------------------------------------------------
# Provenance (resolve stage)
# --------------------------------------------------------------------------------------------


class Status(Vocab):
    """How far a model's provenance was established."""

    RESOLVED = "resolved"  # facts from rules/, the Hub or local artifacts, each with evidence
    INFERRED = "inferred"  # a name-based guess; low confidence, with its reason
    UNVERIFIED = "unverified"  # could not be checked (offline, hub unreachable); reason says which
    UNRESOLVED = "unresolved"  # nothing known; reason says why


class WeightsAvailability(Vocab):
    DOWNLOADABLE = "downloadable"
    GATED = "gated"
    API_ONLY = "api-only"
    UNKNOWN = UNKNOWN


class Control(Vocab):
    """Who can run a model: ``self-hostable`` (weights downloadable or gated, or served by the stack
    itself), ``api-only`` (weights not published: only the provider serves it), ``unknown``."""

    SELF_HOSTABLE = "self-hostable"
    API_ONLY = "api-only"
    UNKNOWN = UNKNOWN


class LineageStatus(Vocab):
    """How far a model's lineage (its ancestors, to the roots) is established.

    ``established``: every hop comes from the Hub, a local artifact or ``rules/`` lineage, and every
    root is its maker's own release; ``inferred``: some hop or root comes from a name pattern (with
    its reason); ``not-established``: a base could be there that nothing offline or online names."""

    ESTABLISHED = "established"
    INFERRED = "inferred"
    NOT_ESTABLISHED = "not-established"


class ServingRoute(Vocab):
    """How a model reference is served, from the evidence nearest to it (``graph.py``):
    ``provider``: an external provider (an API, a managed service, a router, a host) or an endpoint
    processes the data; ``self-hosted``: the stack runs the weights itself; ``not-established``:
    nothing near the reference says -- a model's name never implies its maker's API."""

    PROVIDER = "provider"
    SELF_HOSTED = "self-hosted"
    NOT_ESTABLISHED = "not-established"


class EvidenceScope(Vocab):
    """How near the evidence of a serving path is to the model reference, nearest first:
    ``declared`` (a stack file's ``via``), ``string`` (the model string itself: a LiteLLM prefix, a
    Bedrock id), ``call``, ``object``, ``file``, ``repository`` (the same model's serving path found
    elsewhere in the tree); ``unknown`` when no serving path is established."""

    DECLARED = "declared"
    STRING = "string"
    CALL = "call"
    OBJECT = "object"
    FILE = "file"
    REPOSITORY = "repository"
    UNKNOWN = UNKNOWN


class HomeRelation(Vocab):
    """Where an exposure path stands relative to the home jurisdiction (``--home``):
    ``domestic`` (home, or a member of it), ``foreign`` (supply controlled from abroad),
    ``data-leaves-home`` (data is processed outside home), ``foreign-control`` (data stays home,
    but a foreign legal order reaches the party that holds it), ``unknown``."""

    DOMESTIC = "domestic"
    FOREIGN = "foreign"
    DATA_LEAVES = "data-leaves-home"
    FOREIGN_CONTROL = "foreign-control"
    UNKNOWN = UNKNOWN


@dataclass(frozen=True, slots=True, order=True)
class Evidence:
    """Why a fact is believed: ``source`` is one of rules | hub | artifact | name | reference | lineage
    (followed through the lineage: a license inherited, why a lineage is not established) | root (why a
    model is the root of its own lineage)."""

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
    #: a LineageStatus value; the evidence says why (the hops' sources, a name pattern's reason)
    lineage: Fact = Fact()
    #: the license whose terms govern the weights: this model's own, or the most restrictive
    #: ancestor's whose terms carry over (finetune, quantized, ...); evidence names the ancestor
    effective_license: Fact = Fact()
    effective_license_class: Fact = Fact()


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
    assessment: Assessment = field(default_factory=lambda: Assessment())  # assess stage
    suppressions: tuple[Suppression, ...] = ()
    findings: tuple[Finding, ...] = ()  # policy stage
    report: ReportContext = field(default_factory=lambda: ReportContext())  # report.context.with_context
    #: The tree's project units (``walk.units``): folders relative to the root, "" for the root. A
    #: self-hosted model takes the clouds and hardware of its own unit; () = the tree is one unit.
    units: tuple[str, ...] = ()


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


# --------------------------------------------------------------------------------------------
# Exposure (graph -> assess stage) and policy findings
# --------------------------------------------------------------------------------------------


class Layer(Vocab):
    """A layer of the AI stack. Declaration order is display order."""

    HARDWARE = "hardware"
    CLOUD = "cloud"
    INFERENCE = "inference-provider"
    MODEL = "model"
    SOFTWARE = "software"



#: Layers in display order.
LAYERS: tuple[Layer, ...] = tuple(Layer)


class ExposureKind(Vocab):
    """``data``: where prompts and data go and are processed (API endpoints, managed services, the
    cloud region that hosts inference). ``supply``: who controls an artefact's availability,
    updates and terms (weights origin, lineage, API-only dependence, licenses, vendors)."""

    DATA = "data"
    SUPPLY = "supply"



class Severity(Vocab):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self.value]



_SEVERITY_RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4}


@dataclass(frozen=True, slots=True, order=True)
class Regime:
    """A law or legal regime of a jurisdiction (from ``rules/`` jurisdictions), as it applies."""

    jurisdiction: str
    id: str
    name: str
    year: int
    kind: str  # data-access | export-control | data-protection | ai-regulation | security | sanctions
    effect: str
    applies_to: tuple[str, ...] = ("data", "supply")
    url: str = ""


@dataclass(frozen=True, slots=True, order=True)
class ExposurePath:
    """One route in the dependency graph from the file and line that caused an exposure to the
    jurisdiction: ``nodes[0]`` is the ``loc:`` node, ``nodes[-1]`` the ``jurisdiction:`` node and
    ``edges[i]`` the type of the edge from ``nodes[i]`` to ``nodes[i + 1]``.

    ``model``, ``weights`` and ``license_class`` describe the referenced model when the reference
    is one ("" otherwise); ``depth`` counts the derived-from hops on the route (0: the model itself).
    """

    path: str
    line: int
    nodes: tuple[str, ...]
    edges: tuple[str, ...]
    fingerprint: str = ""
    context: str = "code"
    confidence: float = 0.0
    model: str = ""
    weights: str = ""
    license_class: str = ""
    depth: int = 0
    #: how near the evidence of the serving path is (an ``EvidenceScope`` value) on routes that
    #: go through it (served-by, hosted-in, runs-on from a model); "" elsewhere
    serving: str = ""
    lineage: str = ""  # the referenced model's ``LineageStatus`` ("" when not a model)
    home: str = ""  # a ``HomeRelation`` value when a home jurisdiction is set, else ""
    access: str = ""  # the model's access path: "weights" or the provider node that serves it

    def __str__(self) -> str:
        out = [self.nodes[0]]
        for e, n in zip(self.edges, self.nodes[1:]):
            out.append(f"-{e}-> {n}")
        return " ".join(out)


@dataclass(frozen=True, slots=True)
class ExposureRoute:
    """An exposure's paths that go the same way from the referenced entity to the jurisdiction,
    with the same confidence and model facts: ``nodes`` and ``edges`` as in ``ExposurePath`` but
    without the ``loc:`` node and its ``references`` edge, and the references that take it (their
    fingerprints, or ``path:line`` for one without), in reference order. The JSON document writes
    these (schema 2 ``routes``)."""

    nodes: tuple[str, ...]
    edges: tuple[str, ...]
    confidence: float
    references: tuple[str, ...]
    model: str = ""
    weights: str = ""
    license_class: str = ""
    depth: int = 0
    serving: str = ""
    lineage: str = ""
    home: str = ""
    access: str = ""


@dataclass(frozen=True, slots=True)
class Exposure:
    """The stack depends on ``jurisdiction`` in ``layer`` through ``entity`` (the referenced node:
    a model, cloud, region, provider, package, hardware vendor or endpoint). ``via`` holds the
    nodes that are themselves subject to the jurisdiction (a lab, a cloud, a region ...)."""

    layer: Layer
    kind: ExposureKind
    jurisdiction: str
    entity: str
    via: tuple[str, ...]
    paths: tuple[ExposurePath, ...]
    confidence: float = 0.0  # the highest path confidence
    references: int = 0  # distinct references (fingerprints) that cause it
    regimes: tuple[str, ...] = ()  # ids of the regimes of ``jurisdiction`` (and its orders) that apply to ``kind``
    #: ``paths`` grouped by route (the assessment fills it; empty: group ``paths`` when needed)
    routes: tuple[ExposureRoute, ...] = ()
    #: the legal orders ``jurisdiction`` belongs to (DE -> EU): counted once, under DE
    orders: tuple[str, ...] = ()
    #: self-hosted uses that run in or on ``entity`` (a region, cloud or hardware vendor) because
    #: their project unit names it: how many references, and their entities. They reach the
    #: jurisdiction through ``entity`` and are counted here, once, rather than as an exposure per
    #: use and host (``paths`` holds the entity's own references only)
    hosts: int = 0
    hosts_entities: tuple[str, ...] = ()

    def sort_key(self) -> tuple[Any, ...]:
        return (LAYERS.index(self.layer), self.kind.value, self.jurisdiction, self.entity)


@dataclass(frozen=True, slots=True)
class LayerJurisdiction:
    """One jurisdiction one layer depends on, and how much of the stack does."""

    jurisdiction: str
    kinds: tuple[str, ...]
    entities: tuple[str, ...]
    references: int
    files: int
    regimes: tuple[Regime, ...] = ()
    orders: tuple[str, ...] = ()  # the legal orders it belongs to (DE -> EU)
    #: references of other layers that depend on it through this layer (a model running on a
    #: vendor's chips, hosted in a region); ``references`` counts only this layer's own
    dependents: int = 0


@dataclass(frozen=True, slots=True)
class LayerAssessment:
    """``references`` and ``files`` count this layer's own references (hardware: hardware and
    hardware-package references; cloud: clouds and regions, and managed-service calls that name a
    region; inference provider: endpoints and model calls on an external provider; model: model
    references; software: packages and self-hosted runtimes)."""

    layer: Layer
    jurisdictions: tuple[LayerJurisdiction, ...] = ()
    exposures: tuple[Exposure, ...] = ()
    references: int = 0
    files: int = 0


@dataclass(frozen=True, slots=True, order=True)
class LineageLink:
    """One derived-from hop below an assessed model, with the parent's origin country."""

    depth: int
    child: str
    relation: str
    parent: str
    country: str = UNKNOWN


@dataclass(frozen=True, slots=True)
class ModelControl:
    """Who controls one model: self-hostable open weights or an API only, where it runs, whence.

    ``control`` is ``self-hostable`` (weights downloadable or gated, or served by the stack itself),
    ``api-only`` (weights not published), or ``unknown``. ``deployment`` lists ``self-hosted``
    and/or the ``provider:`` nodes that serve it in this stack.
    """

    model_id: str
    control: Control
    weights: WeightsAvailability
    deployment: tuple[str, ...]
    origin: tuple[str, ...]  # origin lab ids
    countries: tuple[str, ...]  # jurisdictions of the model and its lineage (origin and publishers)
    license_id: str = UNKNOWN
    license_class: str = UNKNOWN
    lineage: tuple[LineageLink, ...] = ()
    references: int = 0
    status: Status | str = UNKNOWN  # a ``Status``, or ``unknown`` when no provenance was recorded
    reason: str = ""
    license_terms: tuple[str, ...] = ()  # clause kinds of its license in rules/ (territorial, user-cap, ...)
    #: how its references are served: one entry per (route, processor, evidence scope)
    serving: tuple[ServingInfo, ...] = ()
    #: the terms each access path is under: the weights' license and/or each provider's terms
    licenses: tuple[AccessLicense, ...] = ()
    lineage_status: LineageStatus = LineageStatus.NOT_ESTABLISHED
    lineage_reason: str = ""


@dataclass(frozen=True, slots=True, order=True)
class ServingInfo:
    """How some references of a model are served: ``route`` a ``ServingRoute`` value,
    ``processor`` the provider or endpoint node that processes the data ("" when self-hosted or not
    established), ``scope`` how near the evidence is (an ``EvidenceScope`` value), ``evidence``
    the file:line of the nearest evidence ("" for the reference itself)."""

    route: str
    processor: str
    scope: str
    references: int
    evidence: str = ""


@dataclass(frozen=True, slots=True, order=True)
class AccessLicense:
    """The terms one access path to a model is under. ``access`` is ``weights`` (self-hosted, or
    the serving path is not established), ``api`` (a provider's API model id whose provider is not
    established: that provider's terms, not the weights' license) or a provider node; ``license_id`` the weights' (effective)
    license or the provider's terms (``terms:<provider>``); ``license_class`` its class
    (``service-terms`` for a provider's terms of service); ``url`` a public source, if known."""

    access: str
    license_id: str
    license_class: str
    references: int
    url: str = ""
    inherited_from: str = ""  # the ancestor whose license carries over ("" when the model's own)


@dataclass(frozen=True, slots=True, order=True)
class SetApart:
    """References left out of the assessment, and why: ``docs`` and ``tests`` (outside
    ``--scope``), ``docs-copy`` (a documentation file identical, reference for reference, to one
    already counted), ``reserved-domain`` (an RFC 2606 test domain) and ``non-inference-host`` (a
    host that serves no model, e.g. github.com): these are not data flows."""

    reason: str
    references: int
    files: int
    ids: tuple[str, ...] = ()  # up to 20 distinct ids, sorted
    more: int = 0  # distinct ids beyond those


@dataclass(frozen=True, slots=True, order=True)
class HomeItem:
    """One jurisdiction a layer's home summary names, the parties subject to it and how many of the
    layer's references reach it."""

    jurisdiction: str
    parties: tuple[str, ...]
    references: int = 0


@dataclass(frozen=True, slots=True)
class HomeLayer:
    """The seeds' question for one layer, against the home jurisdiction: what is domestic, what is
    foreign (which), where data leaves home (and to where), where data stays home under a foreign
    legal order, which supply is controlled from abroad, which models are API-only, self-hosted,
    or not established (serving path for the inference layer, lineage for the model layer)."""

    layer: Layer
    domestic: tuple[HomeItem, ...] = ()
    foreign: tuple[HomeItem, ...] = ()
    unknown: tuple[HomeItem, ...] = ()
    data_leaves: tuple[HomeItem, ...] = ()
    foreign_control: tuple[HomeItem, ...] = ()
    supply_abroad: tuple[HomeItem, ...] = ()
    api_only: tuple[str, ...] = ()
    self_hosted: tuple[str, ...] = ()
    not_established: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Assessment:
    """Exposure per layer (in ``LAYERS`` order) and control per referenced model.

    ``scope`` lists the scopes assessed; ``set_apart`` what was left out and why. ``home`` is the
    home jurisdiction (``--home`` or a ``home:`` key of the repository's config file; "" when none
    is set), ``home_source`` where it was stated, ``home_layers`` the per-layer answer."""

    layers: tuple[LayerAssessment, ...] = ()
    models: tuple[ModelControl, ...] = ()
    scope: tuple[str, ...] = DEFAULT_SCOPE
    set_apart: tuple[SetApart, ...] = ()
    home: str = ""
    home_source: str = ""
    home_layers: tuple[HomeLayer, ...] = ()
    #: False until the assess stage built it: an empty default must never read as "no exposure"
    assessed: bool = False

    def layer(self, layer: Layer | str) -> LayerAssessment:
        want = Layer(layer)
        for la in self.layers:
            if la.layer == want:
                return la
        return LayerAssessment(want)

    @property
    def exposures(self) -> tuple[Exposure, ...]:
        return tuple(e for la in self.layers for e in la.exposures)


@dataclass(frozen=True, slots=True)
class Finding:
    """A policy rule matched an exposure. ``fingerprint`` hashes the rule, the exposure and the
    line-independent fingerprints of the references behind it, so moving code keeps it."""

    rule_id: str
    severity: Severity
    message: str
    layer: Layer
    kind: ExposureKind
    jurisdiction: str
    entity: str
    via: tuple[str, ...]
    references: tuple[str, ...]  # reference fingerprints, sorted
    paths: tuple[ExposurePath, ...]
    fingerprint: str
    rule_source: str = ""  # policy file:line of the rule
    # CI: an inline suppression covers every reference behind it (``suppress.py``), or the
    # baseline holds it (``baseline.py``). Either way it is reported but never fails a build.
    suppressed: bool = False
    suppression: str = ""  # the reason(s) given, "; "-joined
    baselined: bool = False
    #: every jurisdiction the finding touches (``jurisdiction`` is the first of them): one rule on
    #: one entity is one finding, however many jurisdictions its exposures reach
    jurisdictions: tuple[str, ...] = ()
    #: a lineage rule could not be decided: the model's lineage is not established
    undecided: bool = False

    @property
    def counts(self) -> bool:
        """Does this finding count for ``--fail-on``?"""
        return not (self.suppressed or self.baselined)

    def sort_key(self) -> tuple[Any, ...]:
        return (-self.severity.rank, self.rule_id, LAYERS.index(self.layer), self.kind.value, self.jurisdiction, self.entity)


# --------------------------------------------------------------------------------------------
# Report context: what writers need beyond the scan (filled by ``report.context.with_context``)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class EntityInfo:
    """A node an exposure goes through (``cloud:aws``, ``provider:deepseek``, ``lab:baai``,
    ``jurisdiction:DE`` ...) with the knowledge-base entry that says what it is and whose law it
    falls under: ``rule`` is ``rules/FILE:LINE`` (``""`` when no entry says), ``sources`` its public
    sources. Writers show these as the evidence behind a claim."""

    node: str
    name: str
    country: str = UNKNOWN
    rule: str = ""
    sources: tuple[str, ...] = ()
    note: str = ""  # e.g. a region's city, a lab's kind


@dataclass(frozen=True, slots=True, order=True)
class RegimeSources:
    """All public sources of a regime (``Regime.url`` holds only the first)."""

    jurisdiction: str
    id: str
    official_name: str = ""
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, order=True)
class PolicyRuleInfo:
    """A loaded policy rule, as reports describe it (SARIF rules, the HTML's policy section)."""

    id: str
    severity: str
    message: str  # the message template
    description: str = ""
    source: str = ""  # policy file:line
    conditions: tuple[tuple[str, str], ...] = ()  # (key, readable condition), sorted by key


@dataclass(frozen=True, slots=True)
class VcsInfo:
    """The git revision a scanned tree is (``walk.vcs.read_vcs``, from the ``.git`` files alone):
    ``root_prefix`` is the scanned root relative to the repository's top folder ("" at the top)."""

    commit: str = ""
    branch: str = ""
    remote: str = ""  # credentials stripped
    root_prefix: str = ""

    @property
    def known(self) -> bool:
        return bool(self.commit)


@dataclass(frozen=True, slots=True)
class ReportContext:
    """``generated``: ISO 8601 UTC time of the audit (``SOURCE_DATE_EPOCH`` wins, for reproducible
    reports; "" only when a caller asks for no time). ``fail_on`` is the ``--fail-on`` threshold
    the verdict is judged against. ``vcs``: the audited revision (scans of a git work tree);
    ``rules_date``: the date of the knowledge base's newest fact change; ``network``: what the Hub
    did for this audit, in one honest line."""

    generated: str = ""
    fail_on: str = "none"
    policy_sources: tuple[str, ...] = ()
    policy_rules: tuple[PolicyRuleInfo, ...] = ()
    entities: tuple[EntityInfo, ...] = ()
    regimes: tuple[RegimeSources, ...] = ()
    #: (jurisdiction, the legal orders it is a member of) for the jurisdictions above, from
    #: ``rules/jurisdictions.yaml`` (``DE -> (EU,)``): the HTML shades members like their order
    orders: tuple[tuple[str, tuple[str, ...]], ...] = ()
    vcs: VcsInfo = VcsInfo()
    rules_date: str = ""
    network: str = ""


# --------------------------------------------------------------------------------------------
# Comparing stacks (``compare.py``): one summary per final result, and what changes between them
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class LayerJurisdictionView:
    """One jurisdiction a layer of a compared stack depends on: ``kinds`` is a subset of
    (data, supply); ``entities`` the nodes subject to it (``cloud:aws``, ``region:aws/eu-central-1``,
    ``provider:deepseek``, ``lab:mistral``, ``hardware:nvidia``, ``package:vllm`` ...)."""

    jurisdiction: str
    kinds: tuple[str, ...]
    entities: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StackLayerView:
    layer: Layer
    jurisdictions: tuple[LayerJurisdictionView, ...] = ()
    entities: tuple[str, ...] = ()  # everything this layer depends on, sorted


@dataclass(frozen=True, slots=True, order=True)
class StackModelView:
    """A model of a compared stack: ``deployment`` is ``self-hosted`` and/or provider ids."""

    model_id: str
    control: str
    weights: str
    deployment: tuple[str, ...]
    countries: tuple[str, ...]
    license_class: str = UNKNOWN
    status: str = UNKNOWN


@dataclass(frozen=True, slots=True)
class StackSummary:
    """What a comparison shows of one stack, read from its final ``ScanResult``.

    ``source_kind`` is ``stack`` (a stack file), ``scan`` (a saved JSON scan document, re-assessed
    with today's rules and policy) or ``directory`` (scanned on the fly). ``api_only`` holds
    ``(model, providers)`` for every model only an API serves; ``license_classes`` counts models
    per license class; ``verdict`` is ``pass``/``fail`` against ``fail_on`` (``findings`` or
    ``clean`` when no threshold is set) with ``failing`` findings at or above it.
    """

    name: str
    source: str
    source_kind: str
    layers: tuple[StackLayerView, ...]
    models: tuple[StackModelView, ...]
    api_only: tuple[tuple[str, tuple[str, ...]], ...]
    license_classes: tuple[tuple[str, int], ...]
    verdict: str
    fail_on: str
    failing: int
    findings: tuple[tuple[str, int], ...]  # (severity, count) in severity order, counted ones only
    unverified: tuple[str, ...] = ()  # models whose provenance could not be checked (offline ...)
    references: int = 0

    def layer(self, layer: Layer | str) -> StackLayerView:
        want = Layer(layer)
        for la in self.layers:
            if la.layer == want:
                return la
        return StackLayerView(want)


@dataclass(frozen=True, slots=True, order=True)
class StackChange:
    """One line of "what changes from ``base`` to ``other``". ``topic`` is a layer value or one of
    models | api-only | licenses | verdict; ``change`` is added | removed | changed."""

    base: str
    other: str
    order: int  # display order within one pair
    topic: str
    change: str
    subject: str
    detail: str = ""

    def __str__(self) -> str:
        sign = {"added": "+", "removed": "-", "changed": "~"}.get(self.change, "*")
        return f"{sign} {self.topic}: {self.subject}" + (f" ({self.detail})" if self.detail else "")


@dataclass(frozen=True, slots=True)
class Comparison:
    """Stacks side by side (the first is the base) and the changes from the base to each other."""

    stacks: tuple[StackSummary, ...]
    changes: tuple[StackChange, ...]
    tool_version: str
    rules_version: str
    generated: str = ""
    fail_on: str = "none"
    policy_sources: tuple[str, ...] = ()
    offline: bool = False
    network: str = ""  # what the Hub did for every input together (report.context.hub_line)
    #: (jurisdiction, its legal orders) from ``rules/jurisdictions.yaml``, as ``ReportContext.orders``
    orders: tuple[tuple[str, tuple[str, ...]], ...] = ()


# --------------------------------------------------------------------------------------------
# Alternatives (``alternatives.py``)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Capability:
    """What a model can do, for ranking substitutes. ``source`` says where it was learnt
    (``rules/models.yaml:LINE``, an API family's rule, the Hub); "" when nothing says."""

    task: str = UNKNOWN
    modalities: tuple[str, ...] = ()
    parameters: float = 0.0  # billions; 0 = not disclosed
    active_parameters: float = 0.0
    parameter_class: str = ""
    context_length: int = 0
    source: str = ""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A substitute from the knowledge base with its capability, its provenance as resolved and
    why it ranks where it does. ``countries`` are the jurisdictions it puts on the model layer
    (origin lab, publisher) and, if it is API-only, on the inference layer."""

    model_id: str
    name: str
    lab: str
    countries: tuple[str, ...]
    weights: str
    license_id: str
    license_class: str
    capability: Capability
    providers: tuple[str, ...]
    score: float
    reasons: tuple[str, ...]
    sources: tuple[str, ...]
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class Alternatives:
    model_id: str
    target: Capability
    target_provenance: Provenance
    task: str
    filters: tuple[tuple[str, str], ...]
    candidates: tuple[Candidate, ...]
    more: int = 0  # ranked candidates beyond --limit
    excluded: tuple[tuple[str, int], ...] = ()  # (reason, count)
    offline: bool = False
    rules_version: str = ""
