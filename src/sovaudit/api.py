"""The library entry point: ``audit(AuditConfig(root=...))`` runs the whole pipeline once.

walk -> detect -> resolve -> graph -> assess (exposure and policy) -> report context, in that
order, with the same inputs whoever calls it: the CLI, ``compare``, the organisation scan and the
tests. Writing reports is separate (``sovaudit.report``): a caller may want none, or other places.

Errors a caller can fix (a bad policy, rules overlay, baseline or repository config) are raised as
``AuditError`` with the problems listed; anything else is a bug.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sovaudit.model import DEFAULT_SCOPE, ScanConfig, ScanResult


class AuditError(Exception):
    """Something in the audit's inputs must be fixed before it can run; ``problems`` says what.
    ``located``: each problem starts with its own ``FILE:LINE:`` (a policy file's diagnostics)."""

    def __init__(self, problems: list[str], located: bool = False):
        super().__init__("; ".join(problems))
        self.problems = problems
        self.located = located


@dataclass(frozen=True, slots=True)
class AuditConfig:
    """What to audit and how. Only ``root`` is required; the rest are the CLI's defaults."""

    root: str
    excludes: tuple[str, ...] = ()
    use_gitignore: bool = True
    max_file_bytes: int = 5 * 1024 * 1024
    jobs: int = 0  # 0 = all cores
    cache_dir: str = ""  # "" = the user cache folder; "-" = no cache at all (scan, rules, Hub)
    rules_dirs: tuple[str, ...] = ()  # folders of rules YAML laid over the shipped knowledge base
    offline: bool = False  # never ask the Hugging Face Hub (HF_HUB_OFFLINE=1 says the same)
    refresh: bool = False  # ignore cached Hub answers
    hub_timeout: float = 10.0
    deadline: float = 0.0  # seconds for the scan of the tree; past it the files left are listed as not scanned (0 = none)
    file_budget: float = 10.0  # seconds one file may take; past it the file is listed as over budget (0 = no limit)
    policies: tuple[str, ...] = ()  # policy files or shipped policy names, on top of the default
    policy_replace: bool = False  # only ``policies``, not the shipped default
    fail_on: str = "none"  # none | low | medium | high | critical
    baseline: str = ""  # a JSON document an earlier audit wrote: its findings are marked baselined
    home: str | None = None  # ISO 3166-1 alpha-2 or EU; None: the repository's config file says; "" = none
    scope: tuple[str, ...] | None = None  # code, config, docs, tests; None: the config file, else code,config
    severity: str = "none"  # report only findings at or above it (none: all)
    ignore_file: str | None = None  # accepted findings with reasons and expiry; None: ROOT/.sovaudit-ignore.yaml if any
    extra: dict[str, Any] = field(default_factory=dict, compare=False)  # reserved for callers' own notes


def audit(config: AuditConfig, *, kb: Any = None, hub: Any = None,
          progress: Callable[[int, int], None] | None = None) -> ScanResult:
    """Audit the tree at ``config.root`` and return the final result: references, provenance,
    assessment, findings and what the reports need. ``kb`` (a loaded knowledge base) and ``hub``
    (a ``HubClient``) may be passed to share them between audits; ``progress(done, total)`` is
    called as files are read. Raises ``AuditError`` for inputs that must be fixed."""
    from sovaudit.detect.scan import scan
    from sovaudit.report.outputs import set_apart_own_reports

    settings = _settings(config)
    kb = kb if kb is not None else load_rules(config.rules_dirs, config.cache_dir)
    policy = _policy(config, settings[0])
    baseline = _baseline(config.baseline) if config.baseline else None
    ignore, ignore_name, ignore_rel = _ignore(config)
    scan_config = ScanConfig(root=config.root, excludes=config.excludes + ignore_rel, max_file_bytes=config.max_file_bytes,
                             jobs=config.jobs, use_gitignore=config.use_gitignore, cache_dir=config.cache_dir,
                             rules_dirs=config.rules_dirs, deadline=config.deadline, file_budget=config.file_budget)
    result = scan(scan_config, kb, progress=progress)
    result = set_apart_own_reports(result, config.root)  # an earlier run's reports inside the tree
    result = finish(result, kb, policy, config, settings, baseline, hub)
    result = accepted(result, ignore, ignore_name, config.severity)
    return with_vcs(result, config.root)


def accepted(result: ScanResult, ignore: tuple[Any, ...] = (), ignore_name: str = "", severity: str = "none") -> ScanResult:
    """The result with the ignore file's entries applied (``assess.ignore``: covered findings
    marked suppressed, every entry listed with the suppressions) and, with ``severity``, only
    the findings at or above it."""
    from dataclasses import replace

    from sovaudit.model import Severity

    if ignore:
        from sovaudit.assess.ignore import apply_ignore

        findings, sups = apply_ignore(result.findings, ignore, result.report.generated or _today(), ignore_name)
        result = replace(result, findings=findings, suppressions=tuple(result.suppressions) + sups)
    if severity not in ("", "none"):
        rank = Severity(severity).rank
        result = replace(result, findings=tuple(f for f in result.findings if f.severity.rank >= rank))
    return result


def _today() -> str:
    import datetime as dt

    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d")


def _ignore(config: AuditConfig) -> tuple[tuple[Any, ...], str, tuple[str, ...]]:
    """(the ignore file's entries, its name in reports, an exclude pattern for it when it lies in
    the scanned tree: an ignore file is not a dependency of the code)."""
    from pathlib import Path

    from sovaudit.assess.ignore import IGNORE_FILE, IgnoreFileError, load_ignore_file

    if config.ignore_file == "":
        return (), "", ()
    root = Path(config.root)
    path = Path(config.ignore_file) if config.ignore_file else root / IGNORE_FILE
    if config.ignore_file is None and not (root.is_dir() and path.is_file()):
        return (), "", ()
    try:
        rel = path.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        rel = ""
    try:
        entries = load_ignore_file(path, rel or str(path))
    except IgnoreFileError as exc:
        raise AuditError(str(exc).splitlines()) from exc
    return entries, rel or str(path), (f"/{rel}",) if rel else ()


def with_vcs(result: ScanResult, root: str) -> ScanResult:
    """The result with the git revision of the tree at ``root`` in its report context, read from
    the ``.git`` files alone (``walk.vcs``: git and the repository's hooks are never run)."""
    from dataclasses import replace

    from sovaudit.walk.vcs import read_vcs

    return replace(result, report=replace(result.report, vcs=read_vcs(root)))


def finish(result: ScanResult, kb: Any, policy: Any, config: AuditConfig, settings: tuple[str, str, tuple[str, ...]],
           baseline: Any = None, hub: Any = None) -> ScanResult:
    """The stages after detection, for references from a scan, a stack file or a saved document."""
    home, home_source, scope = settings
    client = hub if hub is not None else hub_client(config)
    try:
        return after_scan(result, kb, client, policy, baseline, config.fail_on, home, home_source, scope)
    finally:
        if hub is None:
            client.close()


def load_rules(rules_dirs: tuple[str, ...] = (), cache_dir: str = "") -> Any:
    """The shipped knowledge base with ``rules_dirs`` laid over it, kept parsed in the cache folder
    unless ``cache_dir`` is "-". Raises ``AuditError`` listing the problems of a bad overlay."""
    from sovaudit.detect.cache import default_cache_dir
    from sovaudit.rules import RulesError, load_knowledge_base

    try:
        return load_knowledge_base(rules_dirs, cache_dir=None if cache_dir == "-" else (cache_dir or default_cache_dir()))
    except RulesError as exc:
        raise AuditError(["the knowledge base has problems:"] + [f"  {p}" for p in exc.problems]) from exc


def hub_client(config: AuditConfig) -> Any:
    """A Hub client as ``config`` asks for it (offline, cache, refresh, timeout)."""
    from sovaudit.resolve.hub import HubCache, HubClient, env_offline

    cache = None if config.cache_dir == "-" else HubCache(config.cache_dir or None)
    return HubClient(offline=config.offline or env_offline(), cache=cache, refresh=config.refresh, timeout=config.hub_timeout)


def _settings(config: AuditConfig) -> tuple[str, str, tuple[str, ...]]:
    """(home, where it was stated, scope): the config's own values, else the repository's
    ``sovaudit.toml`` / ``.sovaudit.yaml`` / ``pyproject.toml``."""
    from sovaudit.config import ConfigError, parse_home, parse_scope, repo_config

    try:
        cfg = repo_config(config.root)
        if config.home is None:
            home, source = cfg.home, cfg.source if cfg.home else ""
        elif config.home.strip().lower() in ("", "none"):
            home, source = "", ""
        else:
            home, source = parse_home(config.home), "--home"
        scope = parse_scope(",".join(config.scope)) if config.scope is not None else (cfg.scope or DEFAULT_SCOPE)
    except ConfigError as exc:
        raise AuditError([str(exc)]) from exc
    return home, source, scope


def _policy(config: AuditConfig, home: str) -> Any:
    from sovaudit.assess.policy import PolicyError, load_policy

    if config.policy_replace and not config.policies:
        raise AuditError(["--policy-replace needs at least one --policy FILE (AuditConfig.policy_replace without policies)"])
    try:
        return load_policy(config.policies, replace=config.policy_replace, home=home)
    except PolicyError as exc:
        raise AuditError([str(p) for p in exc.problems], located=True) from exc


def _baseline(path: str) -> Any:
    from sovaudit.assess.baseline import DocumentError, load_baseline

    try:
        return load_baseline(path)
    except DocumentError as exc:
        raise AuditError([str(exc)]) from exc


# The stages after detection, for callers that hold references from elsewhere (a stack file, a saved
# document) or a knowledge base and Hub client of their own: the same order and inputs as ``audit``.


def after_resolve(result: ScanResult, kb: Any, policy: Any, baseline: Any = None, fail_on: str = "none", home: str = "",
           home_source: str = "", scope: tuple[str, ...] = DEFAULT_SCOPE) -> ScanResult:
    """Assess a resolved result (graph and exposure, of the references in ``scope``, against the
    ``home`` jurisdiction when one is set), apply the policy and the baseline, and attach what
    reports need (entities, regimes, policy rules, time)."""
    from sovaudit.assess.exposure import assess_scan
    from sovaudit.assess.policy import evaluate_scan
    from sovaudit.report.context import with_context

    result = evaluate_scan(assess_scan(result, kb, None, home, home_source, scope), kb, policy, baseline)
    return with_context(result, kb, policy, fail_on)


def after_scan(result: ScanResult, kb: Any, client: Any, policy: Any, baseline: Any = None, fail_on: str = "none",
        home: str = "", home_source: str = "", scope: tuple[str, ...] = DEFAULT_SCOPE) -> ScanResult:
    """Resolve the models of ``result`` (knowledge base, local artifacts, the Hub through
    ``client``), then ``after_resolve`` it."""
    from sovaudit.resolve.provenance import resolve_scan

    return after_resolve(resolve_scan(result, kb, client), kb, policy, baseline, fail_on, home, home_source, scope)


__all__ = ["AuditConfig", "AuditError", "accepted", "after_resolve", "after_scan", "audit", "finish", "hub_client",
           "load_rules", "with_vcs"]
