"""Helpers of the organisation-scan tests: git repositories made in the test, a database per
test (SQLite always, PostgreSQL when ``SOVAUDIT_TEST_PG_URL`` names a server), an audit process
that misbehaves on request, and a coordinator to kill.

Run as a script it is either that audit process (``runner``) or a coordinator (``coordinator``).

The misbehaving audit process is the real one (``sovaudit.org.runner``) with a wrapper keyed on
the audited folder's name:

- ``hang-*``: never answers (the per-repository timeout must kill it);
- ``crash-*``: dies of SIGSEGV, as a crash in native code would;
- ``victim-*``: the first time, writes its worker's pid to ``NAME.started`` beside the folder and
  waits for that worker to die (the test kills it); any later time, audits normally;
- ``slow-*``: waits 1.5 s, then audits normally.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org", "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.org", "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z", "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent",
}

#: small applications, each with a different sovereignty profile
APPS: dict[str, dict[str, str]] = {
    "cn-api": {
        "app.py": 'from openai import OpenAI\nclient = OpenAI(base_url="https://api.deepseek.com/v1")\n'
                  'reply = client.chat.completions.create(model="deepseek-chat", messages=[])\n',
        "requirements.txt": "openai==1.40.0\n",
    },
    "eu-selfhost": {
        "serve.py": 'from vllm import LLM\nllm = LLM(model="mistralai/Mistral-7B-Instruct-v0.3")\n',
        "requirements.txt": "vllm==0.5.0\n",
        "deploy.tf": 'provider "aws" {\n  region = "eu-central-1"\n}\n',
    },
    "qwen-embed": {
        "embed.py": 'from sentence_transformers import SentenceTransformer\n'
                    'model = SentenceTransformer("Qwen/Qwen3-Embedding-0.6B")\n',
        "requirements.txt": "sentence-transformers==3.0.0\n",
    },
    "plain": {"README.md": "# nothing here\n", "main.py": "print('hello')\n"},
}


def git(*args: str, cwd: Path | str | None = None) -> str:
    out = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                         env={**os.environ, **GIT_ENV})
    return out.stdout.strip()


def make_repo(path: Path, files: dict[str, str], message: str = "init") -> Path:
    """A git work tree at ``path`` with ``files`` committed; returns ``path``."""
    path.mkdir(parents=True, exist_ok=True)
    if not (path / ".git").exists():
        git("init", "-q", "-b", "main", str(path))
    write(path, files)
    git("add", "-A", cwd=path)
    git("commit", "-q", "-m", message, cwd=path)
    return path


def commit(path: Path, files: dict[str, str], message: str = "change") -> str:
    write(path, files)
    git("add", "-A", cwd=path)
    git("commit", "-q", "-m", message, cwd=path)
    return git("rev-parse", "HEAD", cwd=path)


def write(path: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        f = path / name
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text, "utf-8")


def make_mirror(src: Path, dest: Path) -> Path:
    git("clone", "-q", "--mirror", str(src), str(dest))
    return dest


def make_folder(path: Path, files: dict[str, str]) -> Path:
    """A plain folder, not under git."""
    path.mkdir(parents=True, exist_ok=True)
    write(path, files)
    return path


# -- databases ----------------------------------------------------------------------------------

PG_ENV = "SOVAUDIT_TEST_PG_URL"


def need_pg() -> None:
    """Skip without a PostgreSQL server -- except in CI, where .ci/run starts one: there a missing
    server is a failure, so that the PostgreSQL half of the tests cannot quietly not run."""
    import pytest

    if os.environ.get(PG_ENV):
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {PG_ENV} is not set: .ci/run must start PostgreSQL (bash .ci/postgres.sh)")
    pytest.skip(f"no PostgreSQL server: set {PG_ENV} (eval \"$(bash .ci/postgres.sh)\" starts one)")


def pg_database() -> tuple[str, Any]:
    """A new empty database on the server ``SOVAUDIT_TEST_PG_URL`` names: (its URL, a function
    that drops it)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from sovaudit.org.db import normalize_url

    base = make_url(normalize_url(os.environ[PG_ENV]))
    name = f"sovaudit_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


# -- a git server that never answers --------------------------------------------------------------

class SilentServer:
    """A TCP server on 127.0.0.1 that accepts connections and never answers: git over http://
    waits on it until the repository's time runs out."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/team/silent.git"

    def _accept(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.conns.append(conn)

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join()
        for c in self.conns:
            c.close()
        self.sock.close()


# -- the audit process that misbehaves ----------------------------------------------------------

def runner_command() -> tuple[str, ...]:
    return (sys.executable, str(Path(__file__).resolve()), "runner")


def _runner_main() -> None:
    from sovaudit.org import runner

    real = runner.audit_one

    def audit_one(request: Any, kbs: Any) -> Any:
        root = Path(request.root)
        name = root.name
        if name.startswith("hang-"):
            while True:
                time.sleep(60)
        if name.startswith("crash-"):
            os.kill(os.getpid(), signal.SIGSEGV)
        if name.startswith("victim-"):
            marker = root.parent / f"{name}.started"
            if not marker.exists():
                worker = os.getppid()
                marker.write_text(str(worker))
                for _ in range(600):  # until the test kills the worker (then our parent changes)
                    if os.getppid() != worker:
                        os._exit(0)
                    time.sleep(0.1)
                os._exit(1)
        if name.startswith("slow-"):
            time.sleep(1.5)
        return real(request, kbs)

    runner.audit_one = audit_one  # type: ignore[assignment]
    runner.main()


def _coordinator_main(args: list[str]) -> None:
    """``coordinator CONFIG.json``: an org scan run with the misbehaving audit process."""
    from sovaudit.org.coordinator import OrgScanOptions, run_org_scan
    from sovaudit.org.model import AuditSettings
    from sovaudit.org.sources import collect

    cfg = json.loads(Path(args[0]).read_text())
    options = OrgScanOptions(sources=tuple(collect(cfg["sources"])), settings=AuditSettings(**cfg["settings"]),
                             db_url=cfg["db"], workers=2, timeout=cfg.get("timeout", 60), runner=runner_command())
    run_org_scan(options)


if __name__ == "__main__":
    if sys.argv[1] == "runner":
        _runner_main()
    elif sys.argv[1] == "coordinator":
        _coordinator_main(sys.argv[2:])
