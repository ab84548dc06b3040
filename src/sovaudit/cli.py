"""Command line: parse, call the library, write, exit code. Nothing else lives here.

Exit codes (documented in the README and in ``--help``):
  0  the scan ran and nothing at or above --fail-on was found (no --fail-on: always 0)
  1  policy violation at or above --fail-on
  2  usage or configuration error (bad option, missing path, invalid rules or policy file)
  3  internal error (a bug: please report it)
  130  interrupted (Ctrl-C)
  141  standard output closed before everything was written (``| head``), as for SIGPIPE
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from sovaudit import __version__
from sovaudit.rules import SECTIONS
from sovaudit.signals import EXIT_INTERRUPTED, EXIT_PIPE  # noqa: F401  (130, 141: documented above)

#: rules.SECTIONS, written out so that the command line starts without loading the rules module

EXIT_OK, EXIT_POLICY, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

_SIZE_UNITS = {"": 1, "B": 1, "K": 1024, "KB": 1024, "KIB": 1024, "M": 1024**2, "MB": 1024**2, "MIB": 1024**2, "G": 1024**3, "GB": 1024**3, "GIB": 1024**3}


class ByteSize(click.ParamType):
    name = "size"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        s = str(value).strip().upper().replace(" ", "")
        num = s.rstrip("KMGIB")
        unit = s[len(num):]
        try:
            n = float(num)
        except ValueError:
            self.fail(f"{value!r} is not a size (examples: 500000, 512KB, 5MB)", param, ctx)
        if unit not in _SIZE_UNITS or n <= 0:
            self.fail(f"{value!r} is not a size (examples: 500000, 512KB, 5MB)", param, ctx)
        return int(n * _SIZE_UNITS[unit])


def _load_kb(rules_dirs: tuple[str, ...], cache_dir: str | None = None, no_cache: bool = False):
    """The knowledge base, kept parsed in the cache folder (``--cache-dir``, default the user cache
    folder) unless ``no_cache``."""
    from sovaudit.detect.cache import default_cache_dir
    from sovaudit.rules import RulesError, load_knowledge_base

    try:
        return load_knowledge_base(rules_dirs, cache_dir=None if no_cache else (cache_dir or default_cache_dir()))
    except RulesError as exc:
        click.echo("error: the knowledge base has problems:", err=True)
        for p in exc.problems:
            click.echo(f"  {p}", err=True)
        sys.exit(EXIT_USAGE)


class _Main(click.Group):
    """The command group, with Ctrl-C and a closed standard output handled before click turns
    both into exit 1 (the policy-violation code)."""

    def invoke(self, ctx):
        from sovaudit.signals import interrupted, stdout_closed

        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            interrupted()
        except BrokenPipeError:
            stdout_closed()


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="sovaudit")
def main() -> None:
    """Audit the jurisdictional sovereignty of an AI software supply chain.

    sovaudit finds the models, inference endpoints, clouds and hardware a codebase depends on
    and says which jurisdiction each layer of the stack falls under.

    \b
    Exit codes: 0 ok; 1 policy violation at or above --fail-on;
                2 usage or configuration error; 3 internal error;
                130 interrupted; 141 standard output closed early.
    """


def _own_outputs(root: Path, output: str | None, output_dir: str | None, baseline: str | None = None) -> tuple[str, ...]:
    """Exclude patterns (gitignore syntax, relative to the root) for the reports this run writes or
    reads (its baseline) inside the scanned tree: a report is not a dependency of the code."""
    out: list[str] = []
    base = Path(root).resolve()
    for p, is_dir in ((output, False), (output_dir, True), (baseline, False)):
        if not p or p == "-":
            continue
        try:
            rel = Path(p).resolve().relative_to(base).as_posix()
        except ValueError:
            continue  # outside the tree
        if rel and rel != ".":
            out.append("/" + rel + ("/" if is_dir else ""))
    return tuple(out)


def _check_outputs(output: str | None, output_dir: str | None, formats: list[str], extra: tuple[str, ...] = ()) -> None:
    """Bad output locations are usage errors, found before anything is scanned."""
    from sovaudit.report import file_name
    from sovaudit.report.outputs import check_locations

    problems = check_locations(output, output_dir, [file_name(f) for f in formats] if output_dir else [], extra)
    if problems:
        raise click.UsageError("\n".join(problems))


def _write_reports(result, formats: list[str], output: str | None, output_dir: str | None, jobs: int) -> None:
    """Write every format into a staging folder beside its destination, then move them all into
    place: a report that fails validation leaves no file written (exit 3), and no file is ever
    left half-written. ``output`` "-" is standard output."""
    import shutil
    import tempfile

    from sovaudit.report import file_name, write_all
    from sovaudit.report.common import ReportError
    from sovaudit.report.outputs import OutputError, place

    if not formats:
        return
    if output == "-":
        dest_dir = None
    else:
        dest_dir = Path(output).parent if output else Path(str(output_dir))
        dest_dir.mkdir(parents=True, exist_ok=True)
    stage = tempfile.mkdtemp(prefix=".sovaudit-", dir=dest_dir)
    try:
        try:
            files = write_all(result, formats, stage, jobs)
        except ReportError as exc:
            click.echo(f"internal error: {exc}", err=True)
            sys.exit(EXIT_INTERNAL)
        for fmt, staged in files.items():
            if output == "-":
                out = getattr(sys.stdout, "buffer", None)
                with open(staged, "rb") as fh:
                    if out is None:  # a text-only stream
                        click.echo(fh.read().decode("utf-8"), nl=False)
                        continue
                    sys.stdout.flush()
                    shutil.copyfileobj(fh, out, 1 << 20)
                out.flush()
            else:
                try:
                    place(staged, output if output else Path(str(output_dir)) / file_name(fmt))
                except OutputError as exc:
                    click.echo(f"error: {exc}", err=True)
                    sys.exit(EXIT_USAGE)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _set_color(color: bool | None) -> None:
    """--color / --no-color: the terminal output's colours through the variables rich honours
    (NO_COLOR, FORCE_COLOR); unset, rich decides (a terminal, and NO_COLOR unset)."""
    import os

    if color is True:
        os.environ.pop("NO_COLOR", None)
        os.environ["FORCE_COLOR"] = "1"
    elif color is False:
        os.environ.pop("FORCE_COLOR", None)
        os.environ["NO_COLOR"] = "1"


def _long_name(p: click.Parameter) -> str:
    return max((o for o in p.opts if o.startswith("--")), key=len, default=p.name or "").lstrip("-")


def _repo_settings(f):
    """Options the command line and SOVAUDIT_* did not set take the scanned repository's config file
    (``sovaudit.config.file_options``); with --verbose, say where each setting came from."""
    import functools

    @functools.wraps(f)
    def wrapper(**kw):
        from click.core import ParameterSource

        from sovaudit.config import ConfigError, file_options

        ctx = click.get_current_context()
        try:
            opts, source = file_options(kw["path"])
        except ConfigError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_USAGE)
        said: list[str] = []
        for p in ctx.command.params:
            if not isinstance(p, click.Option):
                continue
            name = _long_name(p)
            how = ctx.get_parameter_source(p.name)
            if how == ParameterSource.ENVIRONMENT:
                said.append(f"{name} from {p.envvar}")
            elif name in opts and how in (ParameterSource.DEFAULT, None):
                value = opts[name]
                try:
                    kw[p.name] = p.type_cast_value(ctx, list(value) if p.multiple else value)
                except click.BadParameter as exc:
                    click.echo(f"error: {source}: {name}: {exc.message}", err=True)
                    sys.exit(EXIT_USAGE)
                said.append(f"{name} from {source}")
        if kw.get("verbose") and said:
            click.echo("settings: " + "; ".join(said), err=True)
        return f(**kw)

    return wrapper


def _envvars(command: click.Command, prefix: str = "SOVAUDIT_") -> click.Command:
    """SOVAUDIT_<OPTION> for every option of ``command`` (SOVAUDIT_FAIL_ON, SOVAUDIT_POLICY with
    space-separated values for a repeatable option), shown in --help."""
    for p in command.params:
        if isinstance(p, click.Option) and not p.envvar and p.name not in ("help",):
            p.envvar = prefix + _long_name(p).upper().replace("-", "_")
            p.show_envvar = True
    return command


@main.command()
@click.argument("path", type=click.Path(exists=True, file_okay=True, dir_okay=True, path_type=Path))
@click.option("-f", "--format", "formats", default="", metavar="FORMATS",
              help="Comma-separated report formats: json, html, sarif, cyclonedx (JSON), cyclonedx-xml, md. "
                   "Default with --output: from its extension (.html, .sarif, .cdx.json, .md ...), else json.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="Write the (single) report to this file; '-' for standard output.")
@click.option("--output-dir", type=click.Path(file_okay=False), default=None,
              help="Write each requested format (every format without --format) to DIR/sovaudit.<ext> "
                   "(sovaudit.cdx.json, sovaudit.sarif ...).")
@click.option("-e", "--exclude", multiple=True, metavar="PATTERN",
              help="Skip paths matching this gitignore-style pattern (repeatable).")
@click.option("--no-gitignore", is_flag=True, help="Scan files that .gitignore would leave out.")
@click.option("--max-file-size", type=ByteSize(), default="5MB", show_default=True,
              help="Skip (and report) text files larger than this.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, show_default="all cores",
              help="Worker processes (0 = one per core).")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
              help="Folder for the scan cache (default: the user cache folder).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the scan cache.")
@click.option("--rules", "rules_dirs", multiple=True, type=click.Path(exists=True, file_okay=False),
              help="Overlay a folder of your own rules YAML on the shipped knowledge base (repeatable).")
@click.option("--offline", is_flag=True, help="Do not consult the Hugging Face Hub (also: HF_HUB_OFFLINE=1).")
@click.option("--refresh", is_flag=True, help="Ignore cached Hub answers and ask again.")
@click.option("--hub-timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True, help="Seconds per Hub request.")
@click.option("-q", "--quiet", is_flag=True, help="No summary and no progress bar.")
@click.option("--policy", "policies", multiple=True, metavar="FILE",
              help="Policy YAML file, or a shipped policy by name (eu-data-only, no-lineage-from, api-only-approval, "
                   "permissive-only, home-sovereignty), applied in addition to the shipped default (repeatable).")
@click.option("--policy-replace", is_flag=True, help="Apply only the --policy files, not the shipped default.")
@click.option("--fail-on", type=click.Choice(["none", "low", "medium", "high", "critical"]), default="none",
              show_default=True, help="Exit 1 when a finding is at or above this severity.")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="A JSON document an earlier scan wrote (--format json): the findings it holds are marked "
                   "baselined and do not count for --fail-on, so only new exposure fails.")
@click.option("--timings", "timings_file", type=click.Path(dir_okay=False, writable=True), default=None, metavar="FILE",
              help="Write the scan's duration and its slowest files (path, seconds) as JSON to FILE. Timings differ "
                   "from run to run, so they are kept out of the reports.")
@click.option("--deadline", type=click.FloatRange(min=0), default=0.0, metavar="SECONDS",
              help="Stop scanning files after SECONDS: the files left are listed as not scanned and the reports "
                   "hold what was found (0 = no deadline). Each file also has its own budget (10 s).")
@click.option("--home", "home_opt", default=None, metavar="CODE",
              help="Whose sovereignty is audited: an ISO 3166-1 alpha-2 code or EU (default: 'home' in the "
                   "repository's sovaudit.toml / .sovaudit.yaml, else none). Adds the home-sovereignty policy "
                   "and the per-layer home summary.")
@click.option("--scope", "scope_opt", default=None, metavar="SCOPES",
              help="Which references are assessed: code, config, docs, tests, comma-separated (default: 'scope' "
                   "in the repository's config file, else code,config). The rest is counted apart.")
@click.option("--severity", type=click.Choice(["none", "low", "medium", "high", "critical"]), default="none",
              show_default=True, help="Report only findings at or above this severity (summary and reports).")
@click.option("--ignore-file", default=None, metavar="FILE",
              help="Accepted findings with reasons and expiry dates (default: .sovaudit-ignore.yaml in PATH, if any; "
                   "'' for none).")
@click.option("-v", "--verbose", is_flag=True, help="Say where each setting came from (file, environment) and more detail: every row of the summary's tables.")
@click.option("--color/--no-color", "color", default=None,
              help="Colour the terminal output, or not (default: when it is a terminal; NO_COLOR turns it off).")
@_repo_settings
def scan(path: Path, formats: str, output: str | None, output_dir: str | None, exclude: tuple[str, ...],
         no_gitignore: bool, max_file_size: int, jobs: int, cache_dir: str | None, no_cache: bool,
         rules_dirs: tuple[str, ...], offline: bool, refresh: bool, hub_timeout: float, quiet: bool,
         policies: tuple[str, ...] = (), policy_replace: bool = False, fail_on: str = "none",
         baseline_file: str | None = None, timings_file: str | None = None, home_opt: str | None = None,
         scope_opt: str | None = None, deadline: float = 0.0, severity: str = "none", ignore_file: str | None = None,
         verbose: bool = False, color: bool | None = None) -> None:
    """Scan PATH for model, endpoint, cloud, hardware and package references.

    Prints a summary; writes reports with --output or --output-dir (every format when --format
    is not given). Every option can also be set as SOVAUDIT_<OPTION> (SOVAUDIT_FAIL_ON=high,
    SOVAUDIT_POLICY="eu-data-only my.yaml") or in the repository's sovaudit.toml /
    .sovaudit.yaml / [tool.sovaudit] (fail-on = "high"); the command line wins, then the
    environment, then the file.

    \b
    Examples:
      sovaudit scan .
      sovaudit scan examples/eu-stack --format json --output scan.json
      sovaudit scan . --exclude 'tests/' --jobs 2 -q -o -
      sovaudit scan . --policy eu-data-only --fail-on high
      sovaudit scan . --fail-on high --baseline main-scan.json
      sovaudit scan . --format html,sarif,cyclonedx,json,md --output-dir reports/
      sovaudit scan examples/eu-stack --home EU --fail-on high
      sovaudit scan . --scope code,config,docs
    """
    from sovaudit import api
    from sovaudit.assess.policy import fails
    from sovaudit.report import FORMATS, canonical, format_for_path
    from sovaudit.report.console import ScanProgress, print_summary

    _set_color(color)
    wanted = [canonical(f) for f in formats.split(",") if f.strip()] or (
        [format_for_path(output) or "json"] if output and output != "-" else ["json"] if output
        else list(FORMATS) if output_dir else [])
    wanted = list(dict.fromkeys(wanted))
    known = set(FORMATS)
    bad = [f for f in wanted if f not in known]
    if bad:
        raise click.UsageError(f"unknown format(s): {', '.join(bad)} (available: {', '.join(sorted(known))})")
    if output and len(wanted) > 1:
        raise click.UsageError("--output takes one format; use --output-dir for several")
    if wanted and not (output or output_dir):
        output = "-"
    _check_outputs(output, output_dir, wanted, (timings_file,) if timings_file else ())

    config = api.AuditConfig(
        root=str(path), excludes=exclude + _own_outputs(path, output, output_dir, baseline_file),
        use_gitignore=not no_gitignore, max_file_bytes=max_file_size, jobs=jobs,
        cache_dir="-" if no_cache else (cache_dir or ""), rules_dirs=rules_dirs, offline=offline,
        refresh=refresh, hub_timeout=hub_timeout, policies=policies, policy_replace=policy_replace,
        fail_on=fail_on, baseline=baseline_file or "", home=home_opt,
        scope=tuple(scope_opt.split(",")) if scope_opt is not None else None, deadline=deadline,
        severity=severity, ignore_file=ignore_file)
    to_stdout = output == "-"
    with ScanProgress(enabled=not quiet and not to_stdout) as progress:
        result = _audit(config, progress.update)
    if timings_file:
        Path(timings_file).write_text(json.dumps({
            "seconds": result.stats.seconds, "files_seen": result.stats.files_seen,
            "slowest": [{"path": p, "seconds": s} for p, s in result.stats.slowest]}, indent=1) + "\n", "utf-8")
    _write_reports(result, wanted, output, output_dir, jobs)
    if not quiet:
        print_summary(result, err=to_stdout, verbose=verbose)  # -v: every row of every table
        from sovaudit.report.console import print_exposure

        print_exposure(result, err=to_stdout, fail_on=fail_on, verbose=verbose)
    if fails(result.findings, fail_on):
        if quiet:  # a quiet run (a pre-commit hook, a CI log) still says why it failed
            from sovaudit.assess.policy import failing_lines

            click.echo("\n".join(failing_lines(result.findings, fail_on)), err=True)
        sys.exit(EXIT_POLICY)
    sys.exit(EXIT_OK)


_envvars(scan)


def _audit(config, progress=None, kb=None, hub=None):
    """``api.audit``, with the problems of inputs a user must fix printed as a usage error (exit 2)."""
    from sovaudit import api

    try:
        return api.audit(config, kb=kb, hub=hub, progress=progress)
    except api.AuditError as exc:
        for p in exc.problems:
            click.echo(p if exc.located or p.startswith(" ") else f"error: {p}", err=True)
        sys.exit(EXIT_USAGE)


def _load_policy(files: tuple[str, ...], replace: bool, home: str = ""):
    from sovaudit.assess.policy import PolicyError, load_policy

    if replace and not files:
        raise click.UsageError("--policy-replace needs at least one --policy FILE")
    try:
        return load_policy(files, replace=replace, home=home)
    except PolicyError as exc:
        for p in exc.problems:
            click.echo(str(p), err=True)
        sys.exit(EXIT_USAGE)


def _hub_client(offline: bool, refresh: bool, timeout: float, cache_dir: str | None, no_cache: bool):
    from sovaudit.resolve.hub import HubCache, HubClient, env_offline

    cache = None if no_cache else HubCache(cache_dir or None)
    return HubClient(offline=offline or env_offline(), cache=cache, refresh=refresh, timeout=timeout)


def _hub_options(f):
    """Options of the commands that resolve models without scanning (resolve, alternatives)."""
    for opt in reversed((
        click.option("--offline", is_flag=True, help="Do not consult the Hugging Face Hub (also: HF_HUB_OFFLINE=1)."),
        click.option("--refresh", is_flag=True, help="Ignore cached Hub answers and ask again."),
        click.option("--hub-timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True, help="Seconds per Hub request."),
        click.option("--cache-dir", type=click.Path(file_okay=False), default=None, help="Cache folder (default: the user cache folder)."),
        click.option("--no-cache", is_flag=True, help="Do not read or write the Hub cache."),
        click.option("--rules", "rules_dirs", multiple=True, type=click.Path(exists=True, file_okay=False), help="Overlay folder(s)."),
    )):
        f = opt(f)
    return f


@main.command()
@click.argument("model_ids", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a tree.")
@_hub_options
def resolve(model_ids: tuple[str, ...], as_json: bool, offline: bool, refresh: bool, hub_timeout: float,
            cache_dir: str | None, no_cache: bool, rules_dirs: tuple[str, ...]) -> None:
    """Show the provenance and lineage tree of MODEL_IDS.

    \b
    Examples:
      sovaudit resolve Qwen/Qwen2.5-7B-Instruct deepseek-chat
      sovaudit resolve --offline --json gpt-4o
    """
    from sovaudit.report.console import print_provenance
    from sovaudit.resolve.provenance import Resolver
    from sovaudit.serialize import provenance_to_dict

    kb = _load_kb(rules_dirs, cache_dir, no_cache)
    client = _hub_client(offline, refresh, hub_timeout, cache_dir, no_cache)
    try:
        prov = Resolver(kb, client).resolve(model_ids)
    finally:
        client.close()
    if as_json:
        import json

        click.echo(json.dumps({"provenance": [provenance_to_dict(p) for p in prov]}, indent=2, ensure_ascii=False))
    else:
        print_provenance(prov, model_ids)
    sys.exit(EXIT_OK)


@main.command()
@click.argument("path", type=click.Path(exists=True, file_okay=True, dir_okay=True, path_type=Path))
@click.option("-f", "--format", "fmt", type=click.Choice(["json", "graphml", "dot"]), default="json", show_default=True,
              help="json (node-link), graphml, or GraphViz dot.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-", show_default=True,
              help="Write the graph to this file; '-' for standard output.")
@click.option("-e", "--exclude", multiple=True, metavar="PATTERN", help="Skip paths matching this gitignore-style pattern.")
@click.option("--no-gitignore", is_flag=True, help="Scan files that .gitignore would leave out.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, show_default="all cores", help="Worker processes.")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None, help="Cache folder.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the caches.")
@click.option("--rules", "rules_dirs", multiple=True, type=click.Path(exists=True, file_okay=False), help="Overlay folder(s).")
@click.option("--offline", is_flag=True, help="Do not consult the Hugging Face Hub (also: HF_HUB_OFFLINE=1).")
@click.option("--refresh", is_flag=True, help="Ignore cached Hub answers and ask again.")
@click.option("--hub-timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True, help="Seconds per Hub request.")
@click.option("--scope", "scope_opt", default=None, metavar="SCOPES",
              help="Which references enter the graph: code, config, docs, tests (default: the repository's config "
                   "file, else code,config).")
def graph(path: Path, fmt: str, output: str, exclude: tuple[str, ...], no_gitignore: bool, jobs: int,
          cache_dir: str | None, no_cache: bool, rules_dirs: tuple[str, ...], offline: bool, refresh: bool,
          hub_timeout: float, scope_opt: str | None = None) -> None:
    """Export the dependency graph of PATH: locations, models and lineage, labs, providers,
    clouds, regions, hardware, packages and jurisdictions, with typed edges.

    \b
    Examples:
      sovaudit graph examples/eu-stack --offline --format dot -o stack.dot
      sovaudit graph . --format graphml -o stack.graphml
    """
    from sovaudit import api
    from sovaudit.graph.build import build_graph, export

    try:
        import networkx  # noqa: F401  (the graph extra)
    except ImportError:
        click.echo("error: sovaudit graph needs networkx: pip install 'sovaudit[graph]'", err=True)
        sys.exit(EXIT_USAGE)
    _check_outputs(output, None, [])
    kb = _load_kb(rules_dirs, cache_dir, no_cache)
    config = api.AuditConfig(root=str(path), excludes=exclude, jobs=jobs, use_gitignore=not no_gitignore,
                             cache_dir="-" if no_cache else (cache_dir or ""), rules_dirs=rules_dirs, offline=offline,
                             refresh=refresh, hub_timeout=hub_timeout, home="",
                             scope=tuple(scope_opt.split(",")) if scope_opt is not None else None)
    result = _audit(config, kb=kb)
    scope = result.assessment.scope
    text = export(build_graph(result, kb, scope).g, fmt)
    if output == "-":
        click.echo(text, nl=False)
    else:
        Path(output).write_text(text, encoding="utf-8")
    sys.exit(EXIT_OK)


@main.command()
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", type=click.Path(dir_okay=False))
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "md"]), default="text", show_default=True,
              help="text, json, or Markdown (for a pull-request comment).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-", show_default=True,
              help="Write the diff to this file; '-' for standard output.")
@click.option("--fail-on-added", is_flag=True,
              help="Exit 1 when NEW adds exposure, or a finding that is not suppressed.")
def diff(old: str, new: str, fmt: str, output: str, fail_on_added: bool) -> None:
    """Compare two scan documents (written by --format json): exposure added and removed per
    layer, with the file:line that caused it, and findings added and removed.

    References are matched by line-independent fingerprints: code that only moved is no change.
    Exits 0, or 1 with --fail-on-added when anything was added; 2 when OLD or NEW is not a
    sovaudit scan document this version reads.

    \b
    Examples:
      sovaudit diff main.json pr.json
      sovaudit diff main.json pr.json --format md -o diff.md --fail-on-added
    """
    from sovaudit.assess.baseline import DocumentError, load_document
    from sovaudit.commands.diff import WRITERS, diff_documents

    try:
        docs = [load_document(p, what) for p, what in ((old, "OLD"), (new, "NEW"))]
    except DocumentError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    d = diff_documents(docs[0], docs[1], old, new)
    text = WRITERS[fmt](d)
    if output == "-":
        click.echo(text, nl=False)
    else:
        Path(output).write_text(text, encoding="utf-8")
    sys.exit(EXIT_POLICY if fail_on_added and d.anything_added else EXIT_OK)


def _scan_inputs(f):
    """Options of the commands that scan directories on the way (stack, compare, alternatives)."""
    for opt in reversed((
        click.option("-e", "--exclude", multiple=True, metavar="PATTERN", help="Skip paths matching this gitignore-style pattern (repeatable)."),
        click.option("--no-gitignore", is_flag=True, help="Scan files that .gitignore would leave out."),
        click.option("--max-file-size", type=ByteSize(), default="5MB", show_default=True, help="Skip (and report) text files larger than this."),
        click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, show_default="all cores", help="Worker processes (0 = one per core)."),
        click.option("--cache-dir", type=click.Path(file_okay=False), default=None, help="Cache folder (default: the user cache folder)."),
        click.option("--no-cache", is_flag=True, help="Do not read or write the caches."),
        click.option("--rules", "rules_dirs", multiple=True, type=click.Path(exists=True, file_okay=False),
                     help="Overlay a folder of your own rules YAML on the shipped knowledge base (repeatable)."),
        click.option("--offline", is_flag=True, help="Do not consult the Hugging Face Hub (also: HF_HUB_OFFLINE=1)."),
        click.option("--refresh", is_flag=True, help="Ignore cached Hub answers and ask again."),
        click.option("--hub-timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True, help="Seconds per Hub request."),
        click.option("-q", "--quiet", is_flag=True, help="No progress bar."),
    )):
        f = opt(f)
    return f


def _scanner(kb, client, exclude, no_gitignore, max_file_size, jobs, cache_dir, no_cache, rules_dirs, quiet,
             policies, policy_replace, fail_on):
    """A function that audits one directory with these options (and a progress bar on stderr). No
    home jurisdiction and the default scope: every input of a comparison is judged alike."""
    from sovaudit import api
    from sovaudit.model import DEFAULT_SCOPE
    from sovaudit.report.console import ScanProgress

    def scan_dir(path: Path):
        config = api.AuditConfig(root=str(path), excludes=exclude, max_file_bytes=max_file_size, jobs=jobs,
                                 use_gitignore=not no_gitignore, cache_dir="-" if no_cache else (cache_dir or ""),
                                 rules_dirs=rules_dirs, policies=policies, policy_replace=policy_replace,
                                 fail_on=fail_on, home="", scope=DEFAULT_SCOPE)
        with ScanProgress(enabled=not quiet and sys.stderr.isatty()) as progress:
            return _audit(config, progress.update, kb=kb, hub=client)

    return scan_dir


def _write_text(text: str, output: str) -> None:
    if output == "-":
        click.echo(text, nl=False)
    else:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_bytes(text.encode("utf-8"))


@main.command("stack")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-", show_default=True,
              help="Write the stack file here; '-' for standard output.")
@_scan_inputs
def stack_cmd(path: Path, output: str, exclude, no_gitignore, max_file_size, jobs, cache_dir, no_cache, rules_dirs,
              offline, refresh, hub_timeout, quiet) -> None:
    """Write the stack file of PATH (a directory, scanned now, or a saved JSON scan document):
    its hardware, clouds and regions, inference providers, models (self-hosted or via which
    provider) and software, each with where it was found. Edit it to describe an alternative and
    compare the two with 'sovaudit compare'.

    \b
    Examples:
      sovaudit stack examples/eu-stack --offline -o today.yaml
      sovaudit stack scan.json -o today.yaml
    """
    from sovaudit.commands.compare import InputError, input_kind, load_input
    from sovaudit.commands.stack import dumps_stack

    kb = _load_kb(rules_dirs, cache_dir, no_cache)
    policy = _load_policy((), False)
    try:
        if input_kind(path) == "stack":
            raise InputError([f"{path}: already a stack file (give a directory or a saved JSON scan document)"])
        client = _hub_client(offline, refresh, hub_timeout, cache_dir, no_cache)
        try:
            result, _ = load_input(path, kb, client, policy, "none",
                                   _scanner(kb, client, exclude, no_gitignore, max_file_size, jobs, cache_dir, no_cache,
                                            rules_dirs, quiet, (), False, "none"))
        finally:
            client.close()
    except InputError as exc:
        for p in exc.problems:
            click.echo(f"error: {p}", err=True)
        sys.exit(EXIT_USAGE)
    _write_text(dumps_stack(result, kb), output)
    sys.exit(EXIT_OK)


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "md", "html"]), default="text", show_default=True,
              help="text (terminal tables), json, md (Markdown) or html (one self-contained page).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-", show_default=True,
              help="Write the comparison here; '-' for standard output.")
@click.option("--policy", "policies", multiple=True, metavar="FILE",
              help="Policy YAML to apply to every stack in addition to the shipped default (repeatable).")
@click.option("--policy-replace", is_flag=True, help="Apply only the --policy files, not the shipped default.")
@click.option("--fail-on", type=click.Choice(["none", "low", "medium", "high", "critical"]), default="none",
              show_default=True, help="Judge each stack against this severity; exit 1 when any stack fails.")
@_scan_inputs
def compare(inputs: tuple[Path, ...], fmt: str, output: str, policies, policy_replace, fail_on, exclude, no_gitignore,
            max_file_size, jobs, cache_dir, no_cache, rules_dirs, offline, refresh, hub_timeout, quiet) -> None:
    """Compare stacks side by side: INPUTS are stack files (.yaml), saved JSON scan documents
    (.json) or directories (scanned now). Shows per layer the jurisdictions each stack depends on
    (data and supply exposure), API-only dependence, license classes and the policy verdict of
    each stack, then what changes from the first input to each other.

    Exits 1 when any stack fails --fail-on; 2 when an input is not usable (a stack file's
    problems are printed as FILE:LINE: FIELD: message).

    \b
    Examples:
      sovaudit compare examples/stacks/eu-stack.yaml examples/stacks/eu-sovereign.yaml examples/stacks/us-closed.yaml
      sovaudit compare examples/eu-stack examples/stacks/eu-sovereign.yaml --offline -f html -o compare.html
      sovaudit compare main.json alt.yaml --policy eu-data-only --fail-on high
    """
    from sovaudit.commands.compare import InputError, compare_inputs, failing
    from sovaudit.report.compare import WRITERS
    from sovaudit.report.context import report_time

    if len(inputs) < 2:
        raise click.UsageError("give at least two inputs to compare")
    kb = _load_kb(rules_dirs, cache_dir, no_cache)
    policy = _load_policy(policies, policy_replace)
    client = _hub_client(offline, refresh, hub_timeout, cache_dir, no_cache)
    scan_dir = _scanner(kb, client, exclude, no_gitignore, max_file_size, jobs, cache_dir, no_cache, rules_dirs, quiet,
                        policies, policy_replace, fail_on)
    try:
        comparison = compare_inputs(inputs, kb, client, policy, fail_on, scan_dir, report_time())
    except InputError as exc:
        for p in exc.problems:
            click.echo(f"error: {p}", err=True)
        sys.exit(EXIT_USAGE)
    finally:
        client.close()
    if fmt == "text":
        from sovaudit.report.console import print_comparison

        if output == "-":
            print_comparison(comparison)
        else:
            import io

            buf = io.StringIO()
            print_comparison(comparison, file=buf)
            _write_text(buf.getvalue(), output)
    else:
        _write_text(WRITERS[fmt](comparison), output)
    sys.exit(EXIT_POLICY if failing(comparison) else EXIT_OK)


@main.command("alternatives")
@click.argument("model_id", metavar="MODEL")
@click.option("--avoid-jurisdiction", "avoid", multiple=True, metavar="CODE",
              help="Leave out candidates subject to this jurisdiction (ISO 3166-1 alpha-2, or EU for its members; repeatable).")
@click.option("--require", type=click.Choice(["open-weights", "api"]), default=None,
              help="open-weights: downloadable (or gated) weights only; api: only models a first-party API serves.")
@click.option("--license", "licenses", multiple=True, metavar="CLASS",
              help="Only this license class (permissive, copyleft, custom-restrictive, non-commercial, ...; repeatable).")
@click.option("--max-params", metavar="SIZE", default=None, help="At most this many parameters (30B, 7.5B, 500M).")
@click.option("--task", default=None, help="The task to match when the model's own is unknown (chat, code, embedding, ...).")
@click.option("-n", "--limit", type=click.IntRange(min=0), default=10, show_default=True, help="Show this many (0 = all).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@_hub_options
def alternatives_cmd(model_id: str, avoid, require, licenses, max_params, task, limit, as_json, offline, refresh,
                     hub_timeout, cache_dir, no_cache, rules_dirs) -> None:
    """Suggest substitutes for MODEL of similar capability (task, input modalities, parameter
    class, context length) from the knowledge base (rules/models.yaml), each with its
    provenance. Offline it uses the knowledge base alone; with the Hub reachable, candidates are
    enriched by it (license, gating, lineage).

    \b
    Examples:
      sovaudit alternatives Qwen/Qwen2.5-7B-Instruct --avoid-jurisdiction CN --require open-weights
      sovaudit alternatives gpt-4o --avoid-jurisdiction US --license permissive --max-params 30B
      sovaudit alternatives BAAI/bge-m3 --avoid-jurisdiction CN --json
    """
    from sovaudit.commands.alternatives import AlternativesError, Filters, alternatives, parse_params

    try:
        max_b = parse_params(max_params) if max_params else 0.0
    except ValueError:
        raise click.BadParameter(f"{max_params!r} is not a size (examples: 30B, 7.5B, 500M)", param_hint="--max-params") from None
    kb = _load_kb(rules_dirs, cache_dir, no_cache)
    filters = Filters(avoid=tuple(a.upper() if a.lower() != "unknown" else "unknown" for a in avoid), require=require or "",
                      licenses=tuple(licenses), max_params=max_b, task=task or "")
    client = _hub_client(offline, refresh, hub_timeout, cache_dir, no_cache)
    try:
        found = alternatives(model_id, kb, client, filters, limit)
    except AlternativesError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    finally:
        client.close()
    if as_json:
        from sovaudit.report.alternatives import dumps_json

        click.echo(dumps_json(found), nl=False)
    else:
        from sovaudit.report.console import print_alternatives

        print_alternatives(found)
    sys.exit(EXIT_OK)


@main.group()
def rules() -> None:
    """Inspect and validate the knowledge base (rules/)."""


@rules.command("validate")
@click.argument("directory", required=False, type=click.Path(exists=True, file_okay=False))
def rules_validate(directory: str | None) -> None:
    """Validate the shipped rules, or DIRECTORY overlaid on them.

    Prints every problem as FILE:LINE: message and exits 2 if there is any.
    """
    kb = _load_kb((directory,) if directory else (), no_cache=True)  # validate: always parse
    counts = kb.counts()
    click.echo(f"ok: {sum(counts.values())} entries (" + ", ".join(f"{k} {v}" for k, v in counts.items()) + f"); rules version {kb.version}")


@rules.command("list")
@click.argument("section_arg", metavar="[SECTION]", required=False,
                type=click.Choice(list(SECTIONS)))
@click.option("--section", type=click.Choice(list(SECTIONS)), default=None,
              help="Only this section (the same as giving SECTION).")
@click.option("--rules", "rules_dirs", multiple=True, type=click.Path(exists=True, file_okay=False), help="Overlay folder(s).")
def rules_list(section_arg: str | None, section: str | None, rules_dirs: tuple[str, ...]) -> None:
    """List knowledge-base entries: section, id, country, name and where each is defined.

    SECTION (or --section) limits the list to one section, e.g. `sovaudit rules list models`.
    """
    from sovaudit.report.console import print_rules

    if section_arg and section and section_arg != section:
        raise click.UsageError(f"two different sections given: {section_arg} and --section {section}")
    kb = _load_kb(rules_dirs)
    print_rules(kb, section or section_arg)


def run() -> None:  # pragma: no cover - console entry with internal-error mapping
    from sovaudit.signals import quiet_workers_on_sigint

    quiet_workers_on_sigint()
    try:
        main(standalone_mode=True)
    except SystemExit as exc:
        _exit(exc.code)
    except Exception as exc:  # a bug: say so, exit 3
        click.echo(f"internal error: {type(exc).__name__}: {exc}", err=True)
        _exit(EXIT_INTERNAL)


def _exit(code) -> None:  # pragma: no cover - console entry
    """Flush what the command printed and exit with ``code``; a reader that went away (``| head``)
    is not an error of the command."""
    if code is None:
        code = EXIT_OK
    elif not isinstance(code, int):  # sys.exit("message")
        click.echo(str(code), err=True)
        code = EXIT_INTERNAL
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (| head) or stream: nothing more to say
            try:  # let the interpreter's own flush at exit find nothing to write
                stream.close()
            except (OSError, ValueError):
                pass
    sys.exit(code)


def _command_envvars() -> None:
    """SOVAUDIT_<COMMAND>_<OPTION> for the options of the other commands (SOVAUDIT_DIFF_FORMAT=md,
    SOVAUDIT_RULES_LIST_SECTION=models); scan's are SOVAUDIT_<OPTION>. Never the group's own
    --version: a CI variable SOVAUDIT_VERSION must not turn every command into a version print."""
    def walk(cmd: click.Command, prefix: str) -> None:
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                walk(sub, f"{prefix}{name.upper().replace('-', '_')}_")
        elif cmd is not scan:
            _envvars(cmd, prefix)

    for name, sub in main.commands.items():
        if name != "org":
            walk(sub, f"SOVAUDIT_{name.upper().replace('-', '_')}_")


_command_envvars()

from sovaudit.org.cli import org  # noqa: E402  (the organisation scan: sovaudit org ...)

main.add_command(org)
