"""Time `sovaudit scan` on each attack of the hostile-repository generator (tests/hostile).

usage: python benchmarks/hostile_bench.py [--scale 1.0] [--timeout 60] [--jobs 1] [ATTACK ...]

For each attack: builds its folder at ``--scale`` (1.0 = the sizes of issue #14's triggers), runs
``python -m sovaudit scan DIR --offline --no-cache`` in a child process with every report format
and a hard timeout, and prints seconds, exit code, the last line of stderr on failure, whether the
good references survived and whether a planted secret reached an output. A run that hits the
timeout is a hang. Run from the repository root with the venv's python.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
import hostile

FORMATS = "json,sarif,cyclonedx,html,md"


def run(name: str, scale: float, timeout: float, jobs: int, extra: list[str]) -> dict:
    work = tempfile.mkdtemp(prefix=f"hostile-{name}-")
    try:
        attack = hostile.build(os.path.join(work, "tree"), scale, only=(name,))[0]
        out = os.path.join(work, "out")
        cmd = [sys.executable, "-I", "-m", "sovaudit", "scan", os.path.join(work, "tree", name), "--offline", "--no-cache",
               "--jobs", str(jobs), "--format", FORMATS, "--output-dir", out, *extra]
        t0 = time.perf_counter()
        try:
            p = subprocess.run(cmd, capture_output=True, check=False, timeout=timeout, env={**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "120"})
            rc, err, stdout = p.returncode, p.stderr.decode("utf-8", "replace"), p.stdout
        except subprocess.TimeoutExpired:
            return {"attack": name, "item": attack.item, "seconds": None, "rc": "HANG", "note": f">{timeout:g} s"}
        secs = time.perf_counter() - t0
        blobs = b""
        for f in os.listdir(out) if os.path.isdir(out) else ():
            with open(os.path.join(out, f), "rb") as fh:
                blobs += fh.read()
        blobs += stdout
        ids = set()
        jp = os.path.join(out, "sovaudit.json")
        if os.path.exists(jp):
            with open(jp, encoding="utf-8") as fh:
                doc = json.load(fh)
            ids = {r.get("id") for r in doc.get("references", [])}
        leaked = [s for s in attack.secrets if s.encode() in blobs]
        missing = [g for g in attack.good if g not in ids]
        return {"attack": name, "item": attack.item, "seconds": round(secs, 2), "rc": rc,
                "out_bytes": len(blobs), "missing_good": missing, "leaked": len(leaked),
                "note": (err.strip().splitlines() or [""])[-1][:160] if rc not in (0, 1) else ""}
    finally:
        hostile.remove(os.path.join(work, "tree"))
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("attacks", nargs="*")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--extra", default="", help="more scan options, space separated")
    a = ap.parse_args()
    for name in a.attacks or list(hostile.ATTACKS):
        print(json.dumps(run(name, a.scale, a.timeout, a.jobs, a.extra.split())), flush=True)


if __name__ == "__main__":
    main()
