"""Organisation scan benchmark (issue #17): N small generated git repositories audited by
``sovaudit org scan`` on a 2-worker LocalCluster, at N = 100, 300 and 1,000 by default.

Per size it measures, for a first run (every repository audited) and a second run over the same
repositories (every commit already audited, so each task only reads HEAD and answers
"unchanged"):

- wall time of the whole command (cluster start included) and repositories per minute;
- the database's size after the run (the SQLite file with its WAL, or pg_database_size);
- the coordinator's memory: peak and final RSS of the ``org scan`` process (it hosts the Dask
  scheduler), sampled every 0.2 s with psutil, and the workers' peak RSS summed;
- the coordinator's CPU time (user + system, last sample): what one coordinator can feed, the
  bound on how many workers are worth adding;
- the cost per repository, to see whether growth is linear.

The repositories are made once under WORKDIR/repos (git init + one commit each; 4-6 small files
from a few application templates with different models, providers and clouds) and reused; each
size gets a new database and a new cache folder. Nothing is fetched, the Hub is never asked
(--offline).

    python benchmarks/org_bench.py                               # 100, 300, 1000 on 2 workers
    python benchmarks/org_bench.py --sizes 50 --json out.json    # a quick look
    python benchmarks/org_bench.py --db postgresql://postgres@127.0.0.1:5432/postgres  # a new database per size
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent

TEMPLATES = [
    {"app.py": 'from openai import OpenAI\nclient = OpenAI(base_url="https://api.deepseek.com/v1")\n'
               'r = client.chat.completions.create(model="deepseek-chat", messages=[])\n',
     "requirements.txt": "openai==1.40.0\n"},
    {"serve.py": 'from vllm import LLM\nllm = LLM(model="mistralai/Mistral-7B-Instruct-v0.3")\n',
     "requirements.txt": "vllm==0.5.0\n", "main.tf": 'provider "aws" {\n  region = "eu-central-1"\n}\n'},
    {"embed.py": 'from sentence_transformers import SentenceTransformer\n'
                 'm = SentenceTransformer("Qwen/Qwen3-Embedding-0.6B")\n',
     "requirements.txt": "sentence-transformers==3.0.0\n"},
    {"chat.py": 'import anthropic\nc = anthropic.Anthropic()\nc.messages.create(model="claude-3-5-sonnet-latest")\n',
     "deploy.yaml": "region: europe-west4\nprovider: gcp\n"},
    {"main.py": "print('no AI here')\n", "README.md": "# a service\n"},
]
GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.org", "GIT_COMMITTER_NAME": "bench",
           "GIT_COMMITTER_EMAIL": "bench@example.org", "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
           "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z", "GIT_CONFIG_NOSYSTEM": "1"}


def make_repos(root: Path, n: int) -> list[Path]:
    root.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **GIT_ENV}
    out = []
    for i in range(n):
        p = root / f"svc-{i:05d}"
        out.append(p)
        if (p / ".git").exists():
            continue
        p.mkdir(exist_ok=True)
        files = dict(TEMPLATES[i % len(TEMPLATES)])
        files[f"src/handler_{i}.py"] = f"def handler_{i}(event):\n    return {{'id': {i}}}\n"
        files["LICENSE"] = "Apache-2.0\n"
        for name, text in files.items():
            f = p / name
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_text(text)
        for cmd in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"], ["git", "commit", "-q", "-m", "init"]):
            subprocess.run(cmd, cwd=p, check=True, env=env)
    return out


def db_size(url: str) -> int:
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        return sum(p.stat().st_size for p in (path, Path(str(path) + "-wal")) if p.exists())
    from sqlalchemy import create_engine, text

    from sovaudit.org.db import normalize_url

    engine = create_engine(normalize_url(url))
    with engine.connect() as conn:
        size = int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar() or 0)
    engine.dispose()
    return size


def new_pg_database(base: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from sovaudit.org.db import normalize_url

    u = make_url(normalize_url(base))
    name = f"sovaudit_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return u.set(database=name).render_as_string(hide_password=False)


def run_scan(listing: Path, db: str, cache: Path, workers: int, timeout: float) -> dict:
    import psutil

    cmd = [sys.executable, "-m", "sovaudit.org", "scan", "--from", str(listing), "--db", db, "--workers", str(workers),
           "--offline", "--cache-dir", str(cache), "-q", "--timeout", str(timeout)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    me = psutil.Process(proc.pid)
    peak = last = workers_peak = 0
    cpu = 0.0
    while proc.poll() is None:
        try:
            t = me.cpu_times()
            cpu = t.user + t.system
            last = me.memory_info().rss
            peak = max(peak, last)
            kids = me.children(recursive=True)
            workers_peak = max(workers_peak, sum(k.memory_info().rss for k in kids if k.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.2)
    _out, err = proc.communicate()
    wall = time.monotonic() - t0
    summary = [ln for ln in err.decode().splitlines() if ln.startswith("run ")]
    return {"seconds": round(wall, 2), "exit": proc.returncode, "coordinator_peak_mb": round(peak / 2**20, 1),
            "coordinator_last_mb": round(last / 2**20, 1), "coordinator_cpu_s": round(cpu, 2), "workers_peak_mb": round(workers_peak / 2**20, 1),
            "summary": summary[-1] if summary else err.decode()[-500:]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--workdir", type=Path, default=HERE / "_work" / "org")
    ap.add_argument("--db", default="", help="a PostgreSQL server URL: a new database per size (default: SQLite files)")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--json", type=Path, help="write the results here too")
    args = ap.parse_args()

    repos = make_repos(args.workdir / "repos", max(args.sizes))
    results = []
    for n in args.sizes:
        tag = f"n{n}-{time.strftime('%Y%m%d-%H%M%S')}"
        run_dir = args.workdir / "runs" / tag
        run_dir.mkdir(parents=True)
        listing = run_dir / "repos.txt"
        listing.write_text("".join(f"{p}\n" for p in repos[:n]))
        db = new_pg_database(args.db) if args.db else f"sqlite:///{run_dir / 'org.sqlite'}"
        first = run_scan(listing, db, run_dir / "cache", args.workers, args.timeout)
        size_first = db_size(db)
        second = run_scan(listing, db, run_dir / "cache", args.workers, args.timeout)
        row = {"repositories": n, "workers": args.workers, "db": "postgresql" if args.db else "sqlite",
               "first": {**first, "repos_per_min": round(n / first["seconds"] * 60, 1)},
               "second": {**second, "repos_per_min": round(n / second["seconds"] * 60, 1)},
               "db_bytes": size_first, "db_bytes_per_repo": round(size_first / n),
               "db_bytes_after_second": db_size(db)}
        results.append(row)
        print(f"{n:>6} repos  first {first['seconds']:>7.1f} s ({row['first']['repos_per_min']:>6.1f}/min)"
              f"  second {second['seconds']:>6.1f} s ({row['second']['repos_per_min']:>6.1f}/min)"
              f"  db {size_first / 2**20:6.1f} MB ({row['db_bytes_per_repo']} B/repo)"
              f"  coordinator peak {first['coordinator_peak_mb']:.0f} MB / {second['coordinator_peak_mb']:.0f} MB"
              f"  workers peak {first['workers_peak_mb']:.0f} MB"
              f"  coordinator cpu {first['coordinator_cpu_s']:.1f} s / {second['coordinator_cpu_s']:.1f} s", flush=True)
        for r in (first, second):
            if r["exit"] != 0:
                print(f"        exit {r['exit']}: {r['summary']}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
