"""Helpers for the CI tests (suppressions, baselines, diff): small trees scanned through the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from click.testing import CliRunner

from sovaudit.cli import main

REPO = Path(__file__).resolve().parents[1]
EU_ONLY = "eu-data-only"  # a shipped starter policy, by name
#: Only EU-DATA-OUTSIDE (high): every data exposure outside the EU is one finding.
EU_POLICY = ("--policy", EU_ONLY, "--policy-replace")


def tree(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (dedented) under ``root``; a value of None deletes the file."""
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        p = root / name
        if text is None:
            p.unlink(missing_ok=True)
            continue
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def scan(path: Path, *args: str, out: Path | None = None) -> tuple[int, dict, str]:
    """``sovaudit scan PATH --offline --no-cache -q -f json`` through CliRunner: (exit code, the
    JSON document, standard error)."""
    runner = CliRunner()
    target = str(out) if out else "-"
    res = runner.invoke(main, ["scan", str(path), "--offline", "--no-cache", "-q", "-f", "json", "-o", target, *args])
    if res.exit_code not in (0, 1):
        raise AssertionError(f"exit {res.exit_code}: {res.output}\n{res.exception!r}")
    doc = json.loads(out.read_text("utf-8") if out else res.stdout)
    return res.exit_code, doc, res.stderr


def findings(doc: dict) -> list[tuple]:
    """(rule, entity, sorted path:line, suppressed, suppression, baselined) per finding."""
    where = {r["fingerprint"]: f"{r['path']}:{r['line']}" for r in doc["references"]}
    return [(f["rule_id"], f["entity"], tuple(sorted({where[k] for route in f["routes"] for k in route["references"]})),
             f["suppressed"], f["suppression"], f["baselined"]) for f in doc["findings"]]


def run_process(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = dict(os.environ, HF_HUB_OFFLINE="1", COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "sovaudit", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=300)
