"""The organisation history: repositories, runs, scans with their documents and rows.

Revision ID: 0001
Revises:
Create Date: 2026-11-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def _child(name: str, *cols: sa.Column) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scan_id", sa.Integer, sa.ForeignKey("org_scans.id"), nullable=False),
        *cols,
    )
    op.create_index(f"ix_{name}_scan_id", name, ["scan_id"])


def upgrade() -> None:
    op.create_table(
        "org_repositories",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.Text, nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "org_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("finished_at", TZ, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sources_digest", sa.String(64), nullable=False),
        sa.Column("settings_digest", sa.String(64), nullable=False),
        sa.Column("settings", sa.Text, nullable=False),
        sa.Column("tool_version", sa.Text, nullable=False),
        sa.Column("rules_version", sa.Text, nullable=False),
        sa.Column("host", sa.Text, nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("scanned", sa.Integer, nullable=False),
        sa.Column("unchanged", sa.Integer, nullable=False),
        sa.Column("failed", sa.Integer, nullable=False),
    )
    op.create_index("ix_org_runs_digest", "org_runs", ["sources_digest", "settings_digest"])
    op.create_table(
        "org_scans",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("repository_id", sa.Integer, sa.ForeignKey("org_repositories.id"), nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("org_runs.id"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("failure", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("commit_sha", sa.String(64), nullable=False),
        sa.Column("dirty", sa.Boolean, nullable=False),
        sa.Column("dedupe_key", sa.String(64), nullable=True, unique=True),
        sa.Column("scanned_at", TZ, nullable=False),
        sa.Column("seconds", sa.Float, nullable=False),
        sa.Column("worker", sa.Text, nullable=False),
        sa.Column("tool_version", sa.Text, nullable=False),
        sa.Column("rules_version", sa.Text, nullable=False),
        sa.Column("settings_digest", sa.String(64), nullable=False),
        sa.Column("schema_version", sa.Text, nullable=False),
        sa.Column("home", sa.Text, nullable=False),
        sa.Column("files_seen", sa.Integer, nullable=False),
        sa.Column("n_references", sa.Integer, nullable=False),
        sa.Column("n_findings", sa.Integer, nullable=False),
        sa.Column("n_exposures", sa.Integer, nullable=False),
    )
    op.create_index("ix_org_scans_repository", "org_scans", ["repository_id", "scanned_at"])
    op.create_index("ix_org_scans_run", "org_scans", ["run_id"])
    op.create_table(
        "org_scan_documents",
        sa.Column("scan_id", sa.Integer, sa.ForeignKey("org_scans.id"), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    _child("org_scan_references",
           sa.Column("kind", sa.String(16), nullable=False), sa.Column("ref_id", sa.Text, nullable=False),
           sa.Column("path", sa.Text, nullable=False), sa.Column("line", sa.Integer, nullable=False),
           sa.Column("context", sa.String(16), nullable=False), sa.Column("detector", sa.Text, nullable=False),
           sa.Column("confidence", sa.Float, nullable=False), sa.Column("fingerprint", sa.String(64), nullable=False))
    _child("org_scan_provenance",
           sa.Column("model_id", sa.Text, nullable=False), sa.Column("status", sa.String(16), nullable=False),
           sa.Column("publisher", sa.Text, nullable=False), sa.Column("country", sa.Text, nullable=False),
           sa.Column("license", sa.Text, nullable=False), sa.Column("license_class", sa.Text, nullable=False),
           sa.Column("weights", sa.Text, nullable=False), sa.Column("confidence", sa.Float, nullable=False))
    _child("org_scan_jurisdictions",
           sa.Column("layer", sa.String(32), nullable=False), sa.Column("jurisdiction", sa.String(16), nullable=False),
           sa.Column("kinds", sa.Text, nullable=False), sa.Column("orders", sa.Text, nullable=False),
           sa.Column("n_references", sa.Integer, nullable=False), sa.Column("files", sa.Integer, nullable=False))
    _child("org_scan_exposures",
           sa.Column("layer", sa.String(32), nullable=False), sa.Column("kind", sa.String(16), nullable=False),
           sa.Column("jurisdiction", sa.String(16), nullable=False), sa.Column("orders", sa.Text, nullable=False),
           sa.Column("entity", sa.Text, nullable=False), sa.Column("via", sa.Text, nullable=False),
           sa.Column("confidence", sa.Float, nullable=False), sa.Column("n_references", sa.Integer, nullable=False))
    _child("org_scan_home_items",
           sa.Column("layer", sa.String(32), nullable=False), sa.Column("relation", sa.String(32), nullable=False),
           sa.Column("jurisdiction", sa.String(16), nullable=False), sa.Column("party", sa.Text, nullable=False),
           sa.Column("n_references", sa.Integer, nullable=False))
    _child("org_scan_findings",
           sa.Column("rule_id", sa.Text, nullable=False), sa.Column("severity", sa.String(16), nullable=False),
           sa.Column("layer", sa.String(32), nullable=False), sa.Column("kind", sa.String(16), nullable=False),
           sa.Column("jurisdiction", sa.String(16), nullable=False), sa.Column("entity", sa.Text, nullable=False),
           sa.Column("message", sa.Text, nullable=False), sa.Column("fingerprint", sa.String(64), nullable=False),
           sa.Column("suppressed", sa.Boolean, nullable=False), sa.Column("baselined", sa.Boolean, nullable=False))
    _child("org_scan_skipped",
           sa.Column("path", sa.Text, nullable=False), sa.Column("reason", sa.Text, nullable=False),
           sa.Column("detail", sa.Text, nullable=False))
    op.create_table(
        "org_run_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("org_runs.id"), nullable=False),
        sa.Column("repository_id", sa.Integer, sa.ForeignKey("org_repositories.id"), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("scan_id", sa.Integer, sa.ForeignKey("org_scans.id"), nullable=False),
        sa.UniqueConstraint("run_id", "repository_id", name="uq_org_run_items_run_repository"),
    )
    op.create_index("ix_org_run_items_scan", "org_run_items", ["scan_id"])


def downgrade() -> None:
    for name in ("org_run_items", "org_scan_skipped", "org_scan_findings", "org_scan_home_items", "org_scan_exposures",
                 "org_scan_jurisdictions", "org_scan_provenance", "org_scan_references", "org_scan_documents",
                 "org_scans", "org_runs", "org_repositories"):
        op.drop_table(name)
