"""Alembic environment of the organisation history (``sovaudit.org.db``).

sovaudit runs the migrations itself (``db.upgrade``, on every ``org`` command) with a connection
in ``config.attributes["connection"]``. A new revision goes in ``versions/`` beside 0001 (by hand,
or ``alembic revision`` with ``script_location`` pointing at this folder and ``-x url=...``), and
the tables in ``db.py`` change with it: test_org_scan's migration test fails when the two differ.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from sovaudit.org.db import VERSION_TABLE, metadata, normalize_url


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=connection, target_metadata=metadata, version_table=VERSION_TABLE,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = context.get_x_argument(as_dictionary=True).get("url") or context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("give the database: alembic -x url=sqlite:///PATH ...")
    with create_engine(normalize_url(url)).begin() as conn:
        _run(conn)
