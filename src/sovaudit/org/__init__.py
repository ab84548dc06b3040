"""The organisation scan: many repositories audited on Dask, their history in a database, one
report for the organisation (``sovaudit org``; issue #17).

- ``cli``: the ``org`` click group (scan, report, history, diff).
- ``coordinator``: the run -- Dask tasks, resume, one transaction per repository.
- ``worker`` / ``runner``: what a Dask worker does with a repository; the audit process.
- ``db`` / ``store`` / ``migrations``: the history (SQLAlchemy 2, Alembic).
- ``views`` / ``report``: what the history says, as HTML, JSON, CSV and text.

Each repository is audited with the library entry point, ``sovaudit.audit``, and kept as the
document ``sovaudit.report.jsondoc`` writes: the same bytes as ``sovaudit scan --format json``.
"""
