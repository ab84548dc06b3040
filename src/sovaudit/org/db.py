"""The organisation history: tables (SQLAlchemy 2 Core), the engine for a URL and the schema
migrations (Alembic, shipped in ``sovaudit/org/migrations``).

SQLite by default -- ``org.sqlite`` in the user data folder -- or any URL SQLAlchemy takes;
``postgresql://`` uses psycopg 3. The tables are prefixed ``org_`` and Alembic's version table is
``sovaudit_org_version``, so that a team database may hold other things too.

One scan is a row of ``org_scans`` with its document (``org_scan_documents``, zlib-compressed, the
bytes of ``sovaudit scan --format json``) and its rows in the ``org_scan_*`` tables; a failed scan
is a row too, with its ``failure`` and ``reason``. What a run did with each repository is a row of
``org_run_items`` (scanned, unchanged or failed, and which scan). ``dedupe_key`` -- the repository,
its commit, the tool and rules versions and the settings -- is unique, so the same commit is never
stored twice even by two coordinators at once.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine, make_url

metadata = MetaData()
VERSION_TABLE = "sovaudit_org_version"

repositories = Table(
    "org_repositories", metadata,
    Column("id", Integer, primary_key=True),
    Column("key", Text, nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

runs = Table(
    "org_runs", metadata,
    Column("id", Integer, primary_key=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),  # NULL while it runs
    Column("status", String(16), nullable=False),
    Column("sources_digest", String(64), nullable=False),
    Column("settings_digest", String(64), nullable=False),
    Column("settings", Text, nullable=False),  # JSON
    Column("tool_version", Text, nullable=False),
    Column("rules_version", Text, nullable=False),
    Column("host", Text, nullable=False),
    Column("pid", Integer, nullable=False),
    Column("total", Integer, nullable=False),
    Column("scanned", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("failed", Integer, nullable=False, default=0),
    Index("ix_org_runs_digest", "sources_digest", "settings_digest"),
)

scans = Table(
    "org_scans", metadata,
    Column("id", Integer, primary_key=True),
    Column("repository_id", Integer, ForeignKey("org_repositories.id"), nullable=False),
    Column("run_id", Integer, ForeignKey("org_runs.id"), nullable=False),
    Column("status", String(16), nullable=False),  # ok | failed
    Column("failure", String(16), nullable=False),  # model.Failure
    Column("reason", Text, nullable=False),
    Column("commit_sha", String(64), nullable=False),  # "unknown" outside git
    Column("dirty", Boolean, nullable=False),
    Column("dedupe_key", String(64), nullable=True, unique=True),  # NULL: not a reusable result
    Column("scanned_at", DateTime(timezone=True), nullable=False),
    Column("seconds", Float, nullable=False),
    Column("worker", Text, nullable=False),
    Column("tool_version", Text, nullable=False),
    Column("rules_version", Text, nullable=False),
    Column("settings_digest", String(64), nullable=False),
    Column("schema_version", Text, nullable=False),
    Column("home", Text, nullable=False),
    Column("files_seen", Integer, nullable=False),
    Column("n_references", Integer, nullable=False),
    Column("n_findings", Integer, nullable=False),
    Column("n_exposures", Integer, nullable=False),
    Index("ix_org_scans_repository", "repository_id", "scanned_at"),
    Index("ix_org_scans_run", "run_id"),
)

documents = Table(
    "org_scan_documents", metadata,
    Column("scan_id", Integer, ForeignKey("org_scans.id"), primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),  # zlib
)


def _child(name: str, *cols: Column[Any]) -> Table:
    return Table(
        name, metadata,
        Column("id", Integer, primary_key=True),
        Column("scan_id", Integer, ForeignKey("org_scans.id"), nullable=False, index=True),
        *cols,
    )


references = _child(
    "org_scan_references",
    Column("kind", String(16), nullable=False), Column("ref_id", Text, nullable=False),
    Column("path", Text, nullable=False), Column("line", Integer, nullable=False),
    Column("context", String(16), nullable=False), Column("detector", Text, nullable=False),
    Column("confidence", Float, nullable=False), Column("fingerprint", String(64), nullable=False),
)
provenance = _child(
    "org_scan_provenance",
    Column("model_id", Text, nullable=False), Column("status", String(16), nullable=False),
    Column("publisher", Text, nullable=False), Column("country", Text, nullable=False),
    Column("license", Text, nullable=False), Column("license_class", Text, nullable=False),
    Column("weights", Text, nullable=False), Column("confidence", Float, nullable=False),
)
jurisdictions = _child(
    "org_scan_jurisdictions",
    Column("layer", String(32), nullable=False), Column("jurisdiction", String(16), nullable=False),
    Column("kinds", Text, nullable=False), Column("orders", Text, nullable=False),
    Column("n_references", Integer, nullable=False), Column("files", Integer, nullable=False),
)
exposures = _child(
    "org_scan_exposures",
    Column("layer", String(32), nullable=False), Column("kind", String(16), nullable=False),
    Column("jurisdiction", String(16), nullable=False), Column("orders", Text, nullable=False),
    Column("entity", Text, nullable=False), Column("via", Text, nullable=False),
    Column("confidence", Float, nullable=False), Column("n_references", Integer, nullable=False),
)
home_items = _child(
    "org_scan_home_items",
    Column("layer", String(32), nullable=False), Column("relation", String(32), nullable=False),
    Column("jurisdiction", String(16), nullable=False), Column("party", Text, nullable=False),
    Column("n_references", Integer, nullable=False),
)
findings = _child(
    "org_scan_findings",
    Column("rule_id", Text, nullable=False), Column("severity", String(16), nullable=False),
    Column("layer", String(32), nullable=False), Column("kind", String(16), nullable=False),
    Column("jurisdiction", String(16), nullable=False), Column("entity", Text, nullable=False),
    Column("message", Text, nullable=False), Column("fingerprint", String(64), nullable=False),
    Column("suppressed", Boolean, nullable=False), Column("baselined", Boolean, nullable=False),
)
skipped = _child(
    "org_scan_skipped",
    Column("path", Text, nullable=False), Column("reason", Text, nullable=False), Column("detail", Text, nullable=False),
)

run_items = Table(
    "org_run_items", metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("org_runs.id"), nullable=False),
    Column("repository_id", Integer, ForeignKey("org_repositories.id"), nullable=False),
    Column("outcome", String(16), nullable=False),  # model.Outcome
    Column("scan_id", Integer, ForeignKey("org_scans.id"), nullable=False),
    UniqueConstraint("run_id", "repository_id", name="uq_org_run_items_run_repository"),
    Index("ix_org_run_items_scan", "scan_id"),
)

#: the child tables of a scan, in the order of ``model.Rows``' fields
CHILD_TABLES: tuple[tuple[str, Table], ...] = (
    ("references", references), ("provenance", provenance), ("jurisdictions", jurisdictions),
    ("exposures", exposures), ("home_items", home_items), ("findings", findings), ("skipped", skipped),
)


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def utc(t: dt.datetime) -> dt.datetime:
    """A time read back from the database, in UTC (SQLite returns it without a zone)."""
    return t.replace(tzinfo=dt.timezone.utc) if t.tzinfo is None else t.astimezone(dt.timezone.utc)


def default_url() -> str:
    from platformdirs import user_data_dir

    return "sqlite:///" + str(Path(user_data_dir("sovaudit", appauthor=False)) / "org.sqlite")


def normalize_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` go through psycopg 3; anything else as given."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def display_url(url: str) -> str:
    """The URL with its password hidden, for messages."""
    return make_url(normalize_url(url)).render_as_string(hide_password=True)


def connect(url: str | None = None, migrate: bool = True) -> Engine:
    """An engine for ``url`` (default: the SQLite file in the user data folder), its schema
    brought up to date unless ``migrate`` is false."""
    url = normalize_url(url or default_url())
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")  # readers (org report) never wait for the scan
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
    else:
        engine = create_engine(url, pool_pre_ping=True)
    if migrate:
        upgrade(engine)
    return engine


def alembic_config() -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "sovaudit.org:migrations")
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply the migrations the database has not had yet (Alembic)."""
    from alembic import command

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
