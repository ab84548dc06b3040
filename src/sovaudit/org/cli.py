"""``sovaudit org``: audit many repositories on Dask and keep their history in a database.

The group is ``org``; the main command line adds it with ``main.add_command(org)``. Until then,
``python -m sovaudit.org ...`` runs it.
"""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path
from typing import Any

import click

from sovaudit.org.model import AuditSettings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

_DB_HELP = ("Database URL: sqlite:///PATH or postgresql://USER@HOST/DB (default: org.sqlite in the user data "
            "folder; also SOVAUDIT_ORG_DB).")

org = click.Group(
    name="org",
    help="Audit a whole organisation: many repositories on Dask, their history in SQLite or PostgreSQL.",
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)


def _need_extras() -> None:
    """The org commands need the ``org`` extra; say so rather than show an ImportError."""
    import importlib.util

    missing = [m for m in ("distributed", "sqlalchemy", "alembic") if importlib.util.find_spec(m) is None]
    if missing:
        raise click.ClickException(f"sovaudit org needs {', '.join(missing)}: pip install 'sovaudit[org]'")


def _db_option(f: Any) -> Any:
    return click.option("--db", "db_url", default=None, envvar="SOVAUDIT_ORG_DB", metavar="URL", help=_DB_HELP)(f)


def _digest(path: str) -> str:
    p = Path(path)
    if p.is_file():
        return hashlib.sha256(p.read_bytes()).hexdigest()[:16]
    return path  # a shipped policy's name


class _Progress:
    """done / running / failed on stderr: one line rewritten on a terminal, a line every 10 s
    (and at the end) otherwise."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.tty = sys.stderr.isatty()
        self.last = 0.0
        self.text = ""

    def __call__(self, c: Any) -> None:
        if not self.enabled:
            return
        text = (f"{c.done}/{c.total} done · {c.running} running · {c.failed} failed"
                f" · {c.unchanged} unchanged" + (f" · {c.resumed} from the interrupted run" if c.resumed else ""))
        now = time.monotonic()
        final = c.done == c.total and c.running == 0
        if self.tty:
            click.echo("\r" + text.ljust(len(self.text)), err=True, nl=final)
        elif text != self.text and (final or now - self.last >= 10):
            click.echo(text, err=True)
            self.last = now
        self.text = text


@org.command("scan")
@click.argument("sources", nargs=-1)
@click.option("--from", "list_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="A file listing sources, one a line ('#' starts a comment). Repeatable.")
@_db_option
@click.option("--scheduler", default="", metavar="ADDRESS",
              help="A running Dask scheduler (tcp://HOST:8786). Default: a LocalCluster on this machine.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="LocalCluster worker processes, one thread each (default: one per CPU).")
@click.option("--timeout", type=click.FloatRange(min=1), default=600.0, show_default=True,
              help="Seconds per repository, clone and audit together.")
@click.option("--work-dir", type=click.Path(file_okay=False), default=None,
              help="Where git sources are cloned (default: the temporary folder). Each clone is removed after its audit.")
@click.option("--home", "home_opt", default=None, metavar="CODE",
              help="Home jurisdiction for every repository (ISO code or EU); default: each repository's config file.")
@click.option("--scope", "scope_opt", default=None, help="Comma-separated scopes to assess (code, config, docs, tests).")
@click.option("--policy", "policies", multiple=True, help="Policy file or shipped policy name, on top of the default.")
@click.option("--policy-replace", is_flag=True, help="Use only --policy, not the shipped default.")
@click.option("--fail-on", type=click.Choice(["none", "low", "medium", "high", "critical"]), default="none",
              show_default=True, help="Recorded in each scan document, as sovaudit scan --fail-on.")
@click.option("--rules", "rules_dirs", multiple=True, type=click.Path(exists=True, file_okay=False),
              help="Rules overlay folder(s).")
@click.option("--exclude", multiple=True, help="Gitignore-style pattern to skip in every repository. Repeatable.")
@click.option("--no-gitignore", is_flag=True, help="Do not honour .gitignore files.")
@click.option("--offline", is_flag=True, help="Do not consult the Hugging Face Hub (also: HF_HUB_OFFLINE=1).")
@click.option("--hub-timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True)
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None, help="Cache folder (default: the user cache folder).")
@click.option("--no-cache", is_flag=True, help="No scan, rules or Hub cache.")
@click.option("--rescan", is_flag=True, help="Audit again commits already audited with the same tool, rules and settings.")
@click.option("--new-run", is_flag=True, help="Start a new run even if the last one over these repositories did not finish.")
@click.option("--dashboard", is_flag=True, help="Print the address of Dask's dashboard (needs bokeh).")
@click.option("-q", "--quiet", is_flag=True, help="No progress, only the summary.")
def scan_cmd(sources: tuple[str, ...], list_files: tuple[str, ...], db_url: str | None, scheduler: str,
             workers: int | None, timeout: float, work_dir: str | None, home_opt: str | None, scope_opt: str | None,
             policies: tuple[str, ...], policy_replace: bool, fail_on: str, rules_dirs: tuple[str, ...],
             exclude: tuple[str, ...], no_gitignore: bool, offline: bool, hub_timeout: float, cache_dir: str | None,
             no_cache: bool, rescan: bool, new_run: bool, dashboard: bool, quiet: bool) -> None:
    """Audit each repository of SOURCES as one Dask task and keep every scan in the database.

    SOURCES are local folders (audited in place), local mirrors or bare repositories and git URLs
    (cloned shallow into --work-dir). A commit already audited with the same tool, rules and
    settings is not audited again. A repository that fails (clone error, timeout, crash) is
    recorded with its reason and the others go on. A run whose coordinator was killed is resumed
    by the same command.

    Exit status: 0 all audited, 1 some repositories failed (see org report), 2 usage error.

    \b
    Examples:
      sovaudit org scan ~/src/* --home EU
      sovaudit org scan --from repos.txt --db postgresql://audit@db/sovaudit --scheduler tcp://dask:8786
      sovaudit org scan https://git.example.org/team/app.git --timeout 300 --dashboard
    """
    _need_extras()
    from sovaudit.org.coordinator import OrgError, OrgScanOptions, run_org_scan
    from sovaudit.org.db import display_url
    from sovaudit.org.sources import SourceError, collect

    try:
        srcs = collect(sources, list_files)
    except SourceError as exc:
        raise click.UsageError(str(exc)) from exc
    if not srcs:
        raise click.UsageError("give at least one source (a folder, a git URL, or --from FILE)")
    settings = AuditSettings(
        excludes=exclude, use_gitignore=not no_gitignore, cache_dir="-" if no_cache else (cache_dir or ""),
        rules_dirs=tuple(str(Path(d).resolve()) for d in rules_dirs), offline=offline, hub_timeout=hub_timeout,
        policies=tuple(str(Path(p).resolve()) if Path(p).is_file() else p for p in policies),
        policy_replace=policy_replace, fail_on=fail_on, home=home_opt,
        scope=tuple(s.strip() for s in scope_opt.split(",") if s.strip()) if scope_opt is not None else None,
        policy_digests=tuple(_digest(p) for p in policies))
    options = OrgScanOptions(sources=tuple(srcs), settings=settings, db_url=db_url, scheduler=scheduler,
                             workers=workers or 0, timeout=timeout, work_dir=str(Path(work_dir).resolve()) if work_dir else "",
                             rescan=rescan, new_run=new_run, dashboard=dashboard)

    def started(run_id: int, resumed: bool, address: str) -> None:
        if not quiet:
            click.echo(f"{'resuming' if resumed else 'run'} {run_id}: {len(srcs)} repositories, "
                       f"database {display_url(db_url or '') if db_url else 'default (user data folder)'}", err=True)
        if address:
            click.echo(f"Dask dashboard: {address}", err=True)

    try:
        summary = run_org_scan(options, progress=_Progress(not quiet), on_start=started)
    except OrgError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    c = summary.counts
    click.echo(f"run {summary.run_id}: {c.scanned} scanned, {c.unchanged} unchanged, {c.failed} failed"
               + (f", {c.resumed} recorded before the interruption" if c.resumed else "")
               + f" in {summary.seconds:.1f} s (tool {summary.tool_version}, rules {summary.rules_version})", err=True)
    for key, failure, reason in summary.failures:
        click.echo(f"  failed ({failure.value}): {key}: {reason}", err=True)
    sys.exit(EXIT_FAILED if summary.failures else EXIT_OK)


def _engine(db_url: str | None) -> Any:
    _need_extras()
    from sqlalchemy.exc import SQLAlchemyError

    from sovaudit.org import db

    try:
        return db.connect(db_url)
    except SQLAlchemyError as exc:
        click.echo(f"error: cannot open the database {db.display_url(db_url or db.default_url())}: "
                   f"{str(exc).splitlines()[0]}", err=True)
        sys.exit(EXIT_USAGE)


@org.command("report")
@_db_option
@click.option("-o", "--output-dir", type=click.Path(file_okay=False), default="org-report", show_default=True,
              help="Folder for index.html, org.json, org.csv and repos/.")
@click.option("-f", "--format", "formats", default="html,json,csv", show_default=True,
              help="Comma-separated: html, json, csv.")
@click.option("--runs", type=click.IntRange(min=1), default=30, show_default=True, help="Runs in the trend.")
def report_cmd(db_url: str | None, output_dir: str, formats: str, runs: int) -> None:
    """Write the organisation view from the history.

    index.html: repositories x layers x jurisdictions (each cell links to the repository's own
    page), the foreign dependencies the most repositories share, data leaving the home
    jurisdiction, the trend over runs as a chart and what failed; org.json and org.csv hold the
    same; repos/ holds a page and the latest scan document of each repository.

    \b
    Examples:
      sovaudit org report -o org-report/
      sovaudit org report --db postgresql://audit@db/sovaudit -f json,csv -o out/
    """
    from sovaudit.org.report import FORMATS, write
    from sovaudit.org.views import org_view

    wanted = tuple(dict.fromkeys(f.strip() for f in formats.split(",") if f.strip()))
    bad = [f for f in wanted if f not in FORMATS]
    if bad or not wanted:
        raise click.UsageError(f"unknown format(s): {', '.join(bad) or 'none given'} (available: {', '.join(FORMATS)})")
    engine = _engine(db_url)
    try:
        with engine.connect() as conn:
            view = org_view(conn, trend_runs=runs)
            written = write(conn, view, Path(output_dir), wanted)
    finally:
        engine.dispose()
    main_files = [p for p in written if p.parent == Path(output_dir)]
    click.echo(f"{len(view.repos)} repositories: " + ", ".join(str(p) for p in main_files)
               + f" and {len(written) - len(main_files)} files in {Path(output_dir) / 'repos'}", err=True)


@org.command("history")
@click.argument("repo")
@_db_option
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def history_cmd(repo: str, db_url: str | None, fmt: str) -> None:
    """Every scan of REPO (its path, URL or name), newest first, with what each added or removed
    (layer/jurisdiction) against the successful scan before it."""
    import json

    from sovaudit.org.views import NotFound, find_repository, history

    engine = _engine(db_url)
    try:
        with engine.connect() as conn:
            try:
                rid, key, name = find_repository(conn, repo)
            except NotFound as exc:
                click.echo(f"error: {exc}", err=True)
                sys.exit(EXIT_USAGE)
            entries = list(reversed(history(conn, rid)))
    finally:
        engine.dispose()
    if fmt == "json":
        click.echo(json.dumps({"repository": name, "key": key, "scans": [
            {"run": h.run_id, "scanned_at": h.attempt.scanned_at.isoformat(timespec="seconds"),
             "commit": h.attempt.commit, "status": h.attempt.status, "failure": h.attempt.failure,
             "reason": h.attempt.reason, "tool_version": h.attempt.tool_version,
             "rules_version": h.attempt.rules_version, "references": h.attempt.references,
             "findings": h.attempt.findings, "added": [f"{la}/{j}" for la, j in h.added],
             "removed": [f"{la}/{j}" for la, j in h.removed]} for h in entries]}, indent=1, ensure_ascii=False))
        return
    click.echo(f"{name} ({key}): {len(entries)} scans")
    for h in entries:
        a = h.attempt
        result = "ok" if a.status == "ok" else f"FAILED ({a.failure}: {a.reason})"
        line = (f"  {a.scanned_at:%Y-%m-%d %H:%M} run {h.run_id:<4} {a.commit[:12]:<12} {result}"
                + (f"  {a.references} refs, {a.findings} findings" if a.status == "ok" else ""))
        click.echo(line)
        for la, j in h.added:
            click.echo(f"      + {la} / {j}")
        for la, j in h.removed:
            click.echo(f"      - {la} / {j}")


@org.command("diff")
@click.option("--since", required=True, metavar="DATE",
              help="2026-05-01, 2026-05-01T12:00 (UTC unless a zone is given), or 7d / 12h / 2w ago.")
@_db_option
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "md"]), default="text", show_default=True)
def diff_cmd(since: str, db_url: str | None, fmt: str) -> None:
    """What changed since DATE: per repository, the exposures (layer, kind, jurisdiction, entity)
    its latest successful scan has that its scan as of DATE had not, and the reverse; repositories
    first audited since then, and those whose last attempt since then failed."""
    import json

    from sovaudit.org.views import diff, parse_since

    try:
        when = parse_since(since)
    except ValueError:
        raise click.BadParameter(f"{since!r} is not a date, a time or a span like 7d", param_hint="--since") from None
    engine = _engine(db_url)
    try:
        with engine.connect() as conn:
            changes = diff(conn, when)
    finally:
        engine.dispose()
    if fmt == "json":
        click.echo(json.dumps({"since": when.isoformat(timespec="seconds"), "repositories": [
            {"name": c.name, "key": c.key, "status": c.status, "before": c.before_commit or None,
             "after": c.after_commit or None, "failure": c.failure or None,
             "added": [dict(zip(("layer", "kind", "jurisdiction", "entity"), e, strict=True)) for e in c.added],
             "removed": [dict(zip(("layer", "kind", "jurisdiction", "entity"), e, strict=True)) for e in c.removed]}
            for c in changes]}, indent=1, ensure_ascii=False))
        return
    md = fmt == "md"
    click.echo(f"{'## ' if md else ''}Changes since {when:%Y-%m-%d %H:%M} UTC: {len(changes)} repositories")
    for c in changes:
        head = f"{c.name} [{c.status}]" + (f" {c.before_commit[:12]} -> {c.after_commit[:12]}"
                                           if c.before_commit and c.after_commit else "")
        click.echo(("\n### " if md else "") + head + (f" -- {c.failure}" if c.failure else ""))
        for sign, items in (("+", c.added), ("-", c.removed)):
            for layer, kind, j, entity in items:
                click.echo(f"{'- ' if md else '  '}{sign} {layer} {kind} {j}: {entity}")
