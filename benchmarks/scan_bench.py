"""Scan benchmark on trees built from real repositories: sovaudit against ripgrep (and cdxgen).

Measures what issue #11's speed targets name, on real code, with ripgrep timed in the same run.

Trees. ``make_mono.sh SCALE OUT SRC`` (the evaluation kit's script, ``--make-mono``) builds
``WORKDIR/mono<SCALE>``: SCALE hard-linked copies of every repository cloned under SRC (for the
seven repositories of the kit's README: 1x ~6.9k files / 122 MB, 4x ~28k / 0.5 GB, 16x ~111k /
2 GB). A tree is built once (into ``mono<SCALE>.building``, renamed when complete) and reused on
later runs. Hard links share one page-cache footprint, and a first, untimed-for-the-table ripgrep
pass warms it: timings are warm page cache, i.e. CPU-bound, for every tool alike.

Per scale and repeat, in this order, each command as a child process of its own:

* ``rg -c -f PATTERNS --no-ignore TREE`` -- the reference (exit 0 or 1 is success);
* ``sovaudit scan TREE --offline --format json -o OUT.json -q --cache-dir C`` cold: C is a fresh,
  empty folder (XDG_CACHE_HOME points into it too, so no user-level cache can help);
* the same command again with the same C: warm;
* cdxgen's AI-BOM mode, when found: ``aibom TREE -o OUT.json`` (cdxgen >= 12: the same as
  ``cdxgen -t ai --include-formulation``), run inside ``unshare -n`` (no network) when that works,
  so that it is measured offline like sovaudit.

Figures: wall seconds (median of ``--repeat`` runs, minimum in parentheses), ratios to ripgrep,
warm/cold, files/s and MB/s of the cold scan (MB = 10^6 bytes of regular files, as make_mono.sh
counts them), the JSON document's size, its number of references, whether the warm run gave the
same references, per-file and per-MB cost at each scale and the ratio of the largest scale's
per-file cost to the smallest one's, and the slowest files when the document reports per-file
timings (``sovaudit scan --timings FILE``: entries with ``path`` and ``seconds``).

Peak memory: each child is reaped with ``os.wait4``, whose resource usage covers the child and the
descendants it waited for (the scanner's worker processes). Its ``ru_maxrss`` -- like
``getrusage(RUSAGE_CHILDREN)`` -- is the resident set of the *largest single process* in that
tree, not the sum of processes alive at the same time; that is what "peak memory" means here.
Every command is started by a small launcher process (``--launcher``) started first: Linux keeps in
``ru_maxrss`` the high-water mark of the address space a process leaves at ``exec``, so a command
forked from this benchmark once it has read a scan's JSON document would report the benchmark's
size (until 2026-12-07 it did: 1.4 / 2.0 GB at 1x / 4x, where the scan itself took about 0.4 GB).

Each command runs in its own session with a ``--timeout`` (default 900 s): on expiry its process
group gets SIGTERM, then SIGKILL 5 s later, and the run is reported as a timeout (its time and
memory are then lower bounds). After a sovaudit timeout, the warm run and the larger scales'
sovaudit runs are skipped (reported as such); ripgrep and cdxgen still run.

Nothing is fetched, installed or committed, and nothing is removed: trees, caches, outputs and
``results.json`` go under ``WORKDIR/runs/<timestamp>/`` (``--rm-caches`` removes this run's scan
caches at the end). Install cdxgen yourself, e.g. ``npm install --prefix WORKDIR/cdxgen
@cyclonedx/cdxgen``; it is then found at ``WORKDIR/cdxgen/node_modules/.bin/aibom``.

    python benchmarks/scan_bench.py --src /work/bench/src --workdir /work/bench --scales 1 4 16
    python benchmarks/scan_bench.py --src /work/bench/src --workdir /work/bench --quick --timeout 120

Run on demand; not part of the test suite. Python 3.10+ standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

EVAL_KIT = Path("/work/shared/eval")
DEFAULT_PATTERNS = EVAL_KIT / "patterns.txt"
DEFAULT_MAKE_MONO = EVAL_KIT / "make_mono.sh"
MB = 1_000_000
KILL_GRACE = 5.0  # seconds between SIGTERM and SIGKILL on a timeout
SLOWEST_SHOWN = 5
# cdxgen's default ignore rules skip paths naming these (make_mono.sh warns about them too)
CDXGEN_SKIPPED_WORDS = ("sample", "example", "fixture", "test")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="scan_bench.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--src", required=True, type=Path,
                    help="folder of plain clones, one per repository (never fetched or changed)")
    ap.add_argument("--scales", type=int, nargs="+", default=[1, 4, 16], metavar="N",
                    help="copies of SRC per tree (default: 1 4 16)")
    ap.add_argument("--workdir", type=Path, default=None,
                    help="where trees, caches and outputs go; same filesystem as SRC "
                         "(hard links). Default: the folder that holds SRC")
    ap.add_argument("--patterns", type=Path, default=DEFAULT_PATTERNS,
                    help=f"ripgrep pattern file (default: {DEFAULT_PATTERNS})")
    ap.add_argument("--make-mono", type=Path, default=DEFAULT_MAKE_MONO,
                    help=f"tree builder (default: {DEFAULT_MAKE_MONO})")
    ap.add_argument("--sovaudit", default=None,
                    help="sovaudit command (default: `sovaudit` on PATH, else this Python's -m sovaudit)")
    ap.add_argument("--cdxgen", type=Path, default=None,
                    help="cdxgen's `aibom` command (or `cdxgen`: then run as `cdxgen -t ai "
                         "--include-formulation`). Default: WORKDIR/cdxgen/node_modules/.bin/aibom, "
                         "else aibom or cdxgen on PATH")
    ap.add_argument("--no-cdxgen", action="store_true", help="do not run cdxgen even if found")
    ap.add_argument("--repeat", type=int, default=1, metavar="N",
                    help="runs of each command per scale; the table shows median (min)")
    ap.add_argument("--timeout", type=float, default=900.0, metavar="SECONDS",
                    help="per command (default: 900)")
    ap.add_argument("--json", type=Path, default=None, metavar="FILE", help="write every figure here")
    ap.add_argument("--quick", action="store_true", help="smoke test: scale 1 only, one repeat")
    ap.add_argument("--rm-caches", action="store_true",
                    help="remove the scan caches this run created, once measured")
    args = ap.parse_args(argv)
    if args.quick:
        args.scales, args.repeat = [1], 1
    if any(s < 1 for s in args.scales):
        ap.error("--scales: positive integers only")
    args.scales = sorted(set(args.scales))
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    if args.timeout <= 0:
        ap.error("--timeout must be positive")
    if args.workdir is None:
        args.workdir = args.src.resolve().parent
    return args


# ---------------------------------------------------------------------------------------------
# running and measuring one command


def _maxrss_mb(ru) -> float:
    """ru_maxrss in MB (10^6 bytes): Linux reports KiB, macOS bytes."""
    return ru.ru_maxrss * (1 if sys.platform == "darwin" else 1024) / MB


def _killpg(pgid: int, sig: int) -> bool:
    try:
        os.killpg(pgid, sig)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def _tail(path: Path | None, limit: int = 2000) -> str:
    if path is None or not path.exists():
        return ""
    with open(path, "rb") as f:
        f.seek(max(0, path.stat().st_size - limit))
        return f.read().decode("utf-8", "replace")


class _Launcher:
    """A small process, started before this one holds any results, that starts each measured
    command and reaps it. Linux records the resident high-water mark of the address space a process
    leaves at ``exec`` in that process's ``ru_maxrss``: a command forked from this benchmark after it
    has read a scan's JSON document (hundreds of MB of Python objects) would report the benchmark's
    own size as its peak. Forked from the launcher (about 20 MB), it reports its own."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--launcher"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.lock = threading.Lock()

    def run(self, request: dict) -> dict:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        with self.lock:
            self.proc.stdin.write(json.dumps(request).encode() + b"\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the launcher process ended")
        return json.loads(line)

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


_LAUNCHER: _Launcher | None = None


def _launcher_main() -> int:
    """``scan_bench.py --launcher``: run each request read from stdin (one JSON object a line) and
    write its record to stdout, until stdin closes."""
    for line in sys.stdin.buffer:
        req = json.loads(line)
        rec = _run_here(req["cmd"], timeout=req["timeout"], ok_codes=tuple(req["ok_codes"]),
                        cwd=Path(req["cwd"]) if req["cwd"] else None, env=req["env"],
                        stdout=Path(req["stdout"]) if req["stdout"] else None,
                        stderr=Path(req["stderr"]) if req["stderr"] else None)
        sys.stdout.buffer.write(json.dumps(rec).encode() + b"\n")
        sys.stdout.buffer.flush()
    return 0


def run_measured(cmd: list[str], *, timeout: float, ok_codes=(0,), cwd: Path | None = None,
                 env: dict | None = None, stdout: Path | None = None, stderr: Path | None = None) -> dict:
    """Run ``cmd`` in a session of its own; return its wall time, CPU time, peak RSS (largest
    single process, from ``os.wait4``) and status: ok, error or timeout. Through the launcher
    process when ``main`` started one (see ``_Launcher``)."""
    if _LAUNCHER is not None:
        return _LAUNCHER.run({"cmd": [str(c) for c in cmd], "timeout": timeout, "ok_codes": list(ok_codes),
                              "cwd": str(cwd) if cwd else "", "env": env, "stdout": str(stdout) if stdout else "",
                              "stderr": str(stderr) if stderr else ""})
    return _run_here(cmd, timeout=timeout, ok_codes=ok_codes, cwd=cwd, env=env, stdout=stdout, stderr=stderr)


def _run_here(cmd: list[str], *, timeout: float, ok_codes=(0,), cwd: Path | None = None,
              env: dict | None = None, stdout: Path | None = None, stderr: Path | None = None) -> dict:
    rec = {"cmd": [str(c) for c in cmd], "status": "error", "returncode": None, "wall_s": None,
           "user_s": None, "sys_s": None, "peak_rss_mb": None, "stragglers": False, "stderr_tail": ""}
    # closed in the finally below, after the child and its timers are done with them
    out_f = open(stdout, "wb") if stdout else open(os.devnull, "wb")  # noqa: SIM115
    err_f = open(stderr, "wb") if stderr else open(os.devnull, "wb")  # noqa: SIM115
    timers: list[threading.Timer] = []
    expired = threading.Event()
    try:
        t0 = time.perf_counter()
        try:
            proc = subprocess.Popen(rec["cmd"], stdin=subprocess.DEVNULL, stdout=out_f, stderr=err_f,
                                    cwd=cwd, env=env, start_new_session=True)
        except OSError as exc:
            rec["stderr_tail"] = f"could not start: {exc}"
            return rec

        def expire() -> None:
            expired.set()
            _killpg(proc.pid, signal.SIGTERM)
            kill = threading.Timer(KILL_GRACE, _killpg, (proc.pid, signal.SIGKILL))
            kill.daemon = True
            timers.append(kill)
            kill.start()

        timer = threading.Timer(timeout, expire)
        timer.daemon = True
        timers.append(timer)
        timer.start()
        try:
            _pid, status, ru = os.wait4(proc.pid, 0)
        except BaseException:  # Ctrl-C: the child has a session of its own, so end it here
            _killpg(proc.pid, signal.SIGKILL)
            os.waitpid(proc.pid, 0)
            raise
        wall = time.perf_counter() - t0
        for t in list(timers):
            t.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        # anything the command left running in its process group: end it (and note it when the
        # command exited by itself; after a timeout the group is being killed anyway)
        if _killpg(proc.pid, 0):
            rec["stragglers"] = not expired.is_set()
            _killpg(proc.pid, signal.SIGKILL)
    finally:
        out_f.close()
        err_f.close()
    rec.update(returncode=proc.returncode, wall_s=round(wall, 4), user_s=round(ru.ru_utime, 3),
               sys_s=round(ru.ru_stime, 3), peak_rss_mb=round(_maxrss_mb(ru), 1))
    if expired.is_set():
        rec["status"] = "timeout"
    elif proc.returncode in ok_codes:
        rec["status"] = "ok"
    if rec["status"] != "ok":
        rec["stderr_tail"] = _tail(stderr)
    return rec


def _loadavg() -> list[float] | None:
    """The 1/5/15-minute load averages: other work on the machine skews every figure."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def skipped(reason: str) -> dict:
    return {"status": "skipped", "note": reason, "wall_s": None, "peak_rss_mb": None}


def version_of(cmd: list[str]) -> str:
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unknown ({exc.__class__.__name__})"
    text = (p.stdout or p.stderr).strip()
    # strip ANSI colour codes (cdxgen prints its banner in bold)
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    return text.splitlines()[0] if text else f"unknown (exit {p.returncode})"


# ---------------------------------------------------------------------------------------------
# trees


def tree_stats(root: Path) -> tuple[int, int]:
    """Regular files and their bytes under ``root`` (symlinks not followed), as make_mono counts."""
    files = size = 0
    stack = [str(root)]
    while stack:
        with os.scandir(stack.pop()) as it:
            for e in it:
                if e.is_dir(follow_symlinks=False):
                    stack.append(e.path)
                elif e.is_file(follow_symlinks=False):
                    files += 1
                    size += e.stat(follow_symlinks=False).st_size
    return files, size


def repos_of(src: Path) -> list[str]:
    return sorted(p.name for p in src.iterdir() if p.is_dir() and not p.name.startswith("."))


def check_tree(tree: Path, scale: int, repos: list[str]) -> str:
    """Why ``tree`` is not a SCALE-copy tree of these repositories ('' when it is)."""
    copies = sorted(p.name for p in tree.iterdir() if p.is_dir() and p.name.startswith("copy-"))
    want = sorted(f"copy-{i}" for i in range(1, scale + 1))
    if copies != want:
        return f"has {len(copies)} copy-* folders, expected {scale}"
    got = sorted(p.name for p in (tree / "copy-1").iterdir() if p.is_dir())
    if got != repos:
        return f"copy-1 holds {got}, SRC holds {repos}"
    return ""


def ensure_tree(scale: int, workdir: Path, src: Path, make_mono: Path, log) -> dict:
    tree = workdir / f"mono{scale}"
    repos = repos_of(src)
    info = {"path": str(tree), "built": False, "build_s": None}
    if tree.exists():
        why = check_tree(tree, scale, repos)
        if why:
            raise SystemExit(f"{tree} exists but is not a {scale}x tree of {src}: {why}. "
                             "Remove it or choose another --workdir.")
        log(f"scale {scale}: reusing {tree}")
    else:
        if not make_mono.is_file():
            raise SystemExit(f"tree builder not found: {make_mono} (--make-mono)")
        partial = workdir / f"mono{scale}.building"
        if partial.exists():
            raise SystemExit(f"{partial} is left from an interrupted build: remove it, then run again.")
        log(f"scale {scale}: building {tree} with {make_mono.name} ...")
        t0 = time.perf_counter()
        p = subprocess.run(["bash", str(make_mono), str(scale), str(partial), str(src)],
                           capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if p.returncode != 0:
            raise SystemExit(f"{make_mono.name} failed (exit {p.returncode}); the partial tree is "
                             f"left at {partial}:\n{p.stderr[-2000:]}")
        os.rename(partial, tree)
        info.update(built=True, build_s=round(time.perf_counter() - t0, 2))
        log(f"scale {scale}: built in {info['build_s']:.0f} s: {p.stdout.strip()}")
    info["files"], info["bytes"] = tree_stats(tree)
    return info


# ---------------------------------------------------------------------------------------------
# reading outputs


def rg_counts(path: Path) -> tuple[int, int]:
    """(files with a match, matching lines) from ``rg -c`` output."""
    files = lines = 0
    if path.exists():
        with open(path, "rb") as f:
            for line in f:
                _, _, n = line.rstrip(b"\n").rpartition(b":")
                if n.isdigit():
                    files += 1
                    lines += int(n)
    return files, lines


def read_scan(path: Path, timings: Path | None = None) -> dict:
    """Size and references of a sovaudit JSON document, and the per-file timings the scan wrote
    with ``--timings`` (or, from a version without it, ``stats.slowest`` in the document)."""
    out = {"json_bytes": None, "references": None, "slowest": None, "refs_digest": None}
    if not path.exists():
        return out
    out["json_bytes"] = path.stat().st_size
    try:
        doc = json.loads(path.read_bytes())
    except ValueError as exc:
        out["error"] = f"not JSON: {exc}"
        return out
    refs = doc.get("references") if isinstance(doc, dict) else None
    if isinstance(refs, list):
        out["references"] = len(refs)
        out["refs_digest"] = hashlib.sha256(json.dumps(refs, sort_keys=True).encode()).hexdigest()
    stats = doc.get("stats") if isinstance(doc, dict) else None
    if timings is not None and timings.exists():
        try:
            stats = json.loads(timings.read_bytes())
        except ValueError:
            stats = None
    slowest = stats.get("slowest") if isinstance(stats, dict) else None
    if isinstance(slowest, list):
        rows = [(float(e["seconds"]), str(e["path"])) for e in slowest
                if isinstance(e, dict) and "seconds" in e and "path" in e]
        out["slowest"] = [{"path": p, "seconds": s} for s, p in sorted(rows, reverse=True)]
    return out


def read_cdx(path: Path) -> dict:
    out = {"json_bytes": None, "components": None, "ml_models": None, "services": None}
    if not path.exists():
        return out
    out["json_bytes"] = path.stat().st_size
    try:
        doc = json.loads(path.read_bytes())
    except ValueError:
        return out
    comps = doc.get("components") or []
    out["components"] = len(comps)
    out["ml_models"] = sum(1 for c in comps if c.get("type") == "machine-learning-model")
    out["services"] = len(doc.get("services") or [])
    return out


# ---------------------------------------------------------------------------------------------
# tools


def find_sovaudit(arg: str | None) -> list[str]:
    if arg:
        return [arg]
    exe = shutil.which("sovaudit")
    return [exe] if exe else [sys.executable, "-m", "sovaudit"]


def find_cdxgen(args: argparse.Namespace) -> list[str] | None:
    """The command prefix that runs cdxgen's AI-BOM mode (before ``TREE -o OUT``), or None."""
    if args.no_cdxgen:
        return None
    exe = args.cdxgen
    if exe is None:
        local = args.workdir / "cdxgen" / "node_modules" / ".bin" / "aibom"
        found = local if local.exists() else shutil.which("aibom") or shutil.which("cdxgen")
        if not found:
            return None
        exe = Path(found)
    elif not exe.exists():
        raise SystemExit(f"--cdxgen: no such file: {exe}")
    if "aibom" in exe.name:
        return [str(exe)]
    return [str(exe), "-t", "ai", "--include-formulation"]


def netns_prefix() -> list[str]:
    """``unshare -n`` when this process may create a network namespace (cdxgen runs offline)."""
    exe = shutil.which("unshare")
    if not exe:
        return []
    try:
        ok = subprocess.run([exe, "-n", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    return [exe, "-n"] if ok else []


# ---------------------------------------------------------------------------------------------
# one scale


def bench_scale(scale: int, tree: dict, args, tools: dict, run_dir: Path, log, skip_sovaudit: str = "") -> dict:
    out = run_dir / f"mono{scale}"
    out.mkdir(parents=True, exist_ok=True)
    path = tree["path"]
    t = args.timeout
    res: dict = {"scale": scale, "tree": tree, "rg": [], "cold": [], "warm": [], "cdxgen": [], "caches": [],
                 "loadavg_before": _loadavg()}
    rg_cmd = [tools["rg"], "-c", "-f", str(args.patterns), "--no-ignore", path]
    log(f"scale {scale}: rg first pass (warms the page cache) ...")
    res["rg_first"] = run_measured(rg_cmd, timeout=t, ok_codes=(0, 1), stdout=out / "rg-first.txt",
                                   stderr=out / "rg-first.stderr")
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    for r in range(1, args.repeat + 1):
        rec = run_measured(rg_cmd, timeout=t, ok_codes=(0, 1), stdout=out / f"rg-r{r}.txt",
                           stderr=out / f"rg-r{r}.stderr")
        rec["files_matched"], rec["lines_matched"] = rg_counts(out / f"rg-r{r}.txt")
        res["rg"].append(rec)
        log(f"scale {scale} run {r}: rg {_cell_run(rec, t)}")

        if skip_sovaudit:
            res["cold"].append(skipped(skip_sovaudit))
            res["warm"].append(skipped(skip_sovaudit))
        else:
            cache = out / f"cache-r{r}"
            cache.mkdir()  # new and empty: a cold cache
            res["caches"].append(str(cache))
            senv = dict(env, XDG_CACHE_HOME=str(cache / "xdg"))
            for phase in ("cold", "warm"):
                if phase == "warm" and res["cold"][-1]["status"] != "ok":
                    res["warm"].append(skipped("the cold run did not finish"))
                    continue
                doc = out / f"scan-{phase}-r{r}.json"
                timings = out / f"scan-{phase}-r{r}.timings.json"
                cmd = tools["sovaudit"] + ["scan", path, "--offline", "--format", "json", "-o", str(doc), "-q",
                                           "--cache-dir", str(cache), "--timings", str(timings)]
                rec = run_measured(cmd, timeout=t, cwd=out, env=senv, stdout=out / f"scan-{phase}-r{r}.stdout",
                                   stderr=out / f"scan-{phase}-r{r}.stderr")
                if rec["status"] == "ok":
                    rec.update(read_scan(doc, timings))
                res[phase].append(rec)
                log(f"scale {scale} run {r}: sovaudit {phase} {_cell_run(rec, t)}, "
                    f"peak {rec['peak_rss_mb']} MB")
            if res["cold"][-1]["status"] == "timeout":
                skip_sovaudit = "a sovaudit run timed out at this scale"

        if tools.get("cdxgen"):
            doc = out / f"cdxgen-r{r}.json"
            cmd = tools["netns"] + tools["cdxgen"] + [path, "-o", str(doc)]
            rec = run_measured(cmd, timeout=t, cwd=out, stdout=out / f"cdxgen-r{r}.stdout",
                               stderr=out / f"cdxgen-r{r}.stderr")
            if rec["status"] == "ok":
                rec.update(read_cdx(doc))
            res["cdxgen"].append(rec)
            log(f"scale {scale} run {r}: cdxgen {_cell_run(rec, t)}, peak {rec['peak_rss_mb']} MB")
    for key in ("rg", "cold", "warm", "cdxgen"):
        res[key + "_summary"] = summarise(res[key])
    pairs = [(c, w) for c, w in zip(res["cold"], res["warm"]) if c["status"] == w["status"] == "ok"]
    res["warm_same_refs"] = (all(c.get("refs_digest") == w.get("refs_digest") for c, w in pairs)
                             if pairs else None)
    if args.rm_caches:
        for c in res["caches"]:
            shutil.rmtree(c, ignore_errors=True)
    return res


def summarise(runs: list[dict]) -> dict:
    """median/min wall time over the runs; a timeout, error or skip anywhere is the status."""
    if not runs:
        return {"status": "absent"}
    bad = [r for r in runs if r["status"] != "ok"]
    walls = [r["wall_s"] for r in runs if r["status"] == "ok"]
    peaks = [r["peak_rss_mb"] for r in runs if r.get("peak_rss_mb") is not None]
    s = {"status": bad[0]["status"] if bad else "ok", "n": len(runs),
         "median_s": round(statistics.median(walls), 4) if walls else None,
         "min_s": round(min(walls), 4) if walls else None,
         "peak_rss_mb": max(peaks) if peaks else None}
    if bad:
        s["returncode"] = bad[0].get("returncode")
        s["note"] = bad[0].get("note", "")
        s["lower_bound_s"] = max((r["wall_s"] or 0) for r in bad) if bad[0]["status"] == "timeout" else None
    return s


# ---------------------------------------------------------------------------------------------
# formatting


def _cell_run(rec: dict, timeout: float) -> str:
    if rec["status"] == "ok":
        return f"{rec['wall_s']:.2f} s"
    return _bad(rec, timeout)


def _bad(s: dict, timeout: float) -> str:
    if s["status"] == "timeout":
        return f"timeout (>{timeout:g} s)"
    if s["status"] == "error":
        return f"error (exit {s.get('returncode')})"
    if s["status"] == "skipped":
        return "skipped"
    return "–"


def fmt_time(s: dict, timeout: float) -> str:
    if s.get("status") != "ok":
        return _bad(s, timeout)
    cell = f"{s['median_s']:.2f}"
    return cell + (f" ({s['min_s']:.2f})" if s["n"] > 1 else "")


def ratio(num: dict, den: dict, pct: bool = False) -> str:
    """num/den of the medians; '>' when the numerator timed out (its time is a lower bound)."""
    if den.get("status") != "ok" or not den.get("median_s"):
        return "–"
    if num.get("status") == "ok":
        r = num["median_s"] / den["median_s"]
        return f"{r:.0%}" if pct else f"{r:.2f}x"
    if num.get("status") == "timeout" and num.get("lower_bound_s"):
        r = num["lower_bound_s"] / den["median_s"]
        return f">{r:.0%}" if pct else f">{r:.0f}x"
    return "–"


def _first_ok(runs: list[dict], key: str):
    for r in runs:
        if r["status"] == "ok" and r.get(key) is not None:
            return r[key]
    return None


def format_table(results: dict) -> str:
    t = results["config"]["timeout"]
    cdx = results["config"].get("cdxgen_cmd")
    head = ["scale", "files", "MB", "rg s", "cold s", "cold/rg", "warm s", "warm/cold", "peak MB",
            "files/s", "MB/s", "JSON MB", "refs", "warm same"]
    if cdx:
        head += ["cdxgen s", "cold/cdxgen", "cdxgen peak MB"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in results["scales"]:
        tree, rg, cold, warm, cd = s["tree"], s["rg_summary"], s["cold_summary"], s["warm_summary"], s["cdxgen_summary"]
        mb = tree["bytes"] / MB
        ok = cold.get("status") == "ok"
        json_bytes = _first_ok(s["cold"], "json_bytes")
        refs = _first_ok(s["cold"], "references")
        peak = cold.get("peak_rss_mb")
        peak_cell = ("–" if peak is None else f"{peak:,.0f}" if ok
                     else f">{peak:,.0f}" if cold.get("status") == "timeout" else "–")
        row = [f"{s['scale']}x", f"{tree['files']:,}", f"{mb:,.0f}", fmt_time(rg, t), fmt_time(cold, t),
               ratio(cold, rg), fmt_time(warm, t), ratio(warm, cold, pct=True),
               peak_cell,
               f"{tree['files'] / cold['median_s']:,.0f}" if ok else "–",
               f"{mb / cold['median_s']:,.1f}" if ok else "–",
               f"{json_bytes / MB:,.1f}" if json_bytes is not None else "–",
               f"{refs:,}" if refs is not None else "–",
               {True: "yes", False: "NO", None: "–"}[s.get("warm_same_refs")]]
        if cdx:
            cpeak = cd.get("peak_rss_mb")
            row += [fmt_time(cd, t), ratio(cold, cd), f"{cpeak:,.0f}" if cd.get("status") == "ok" and cpeak else "–"]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def linearity(results: dict) -> dict:
    """Per-file and per-MB cost at each scale, and the largest/smallest scale ratio."""
    rows = []
    for s in results["scales"]:
        tree = s["tree"]
        row = {"scale": s["scale"], "files": tree["files"], "mb": tree["bytes"] / MB}
        for key in ("cold", "rg", "cdxgen"):
            sm = s[key + "_summary"]
            sec = sm.get("median_s") if sm.get("status") == "ok" else None
            row[key + "_ms_per_file"] = sec * 1000 / tree["files"] if sec and tree["files"] else None
            row[key + "_ms_per_mb"] = sec * 1000 / row["mb"] if sec and row["mb"] else None
        rows.append(row)
    out = {"rows": rows}
    if len(rows) >= 2:
        for key in ("cold", "rg", "cdxgen"):
            a, b = rows[0][key + "_ms_per_file"], rows[-1][key + "_ms_per_file"]
            out[key + "_largest_over_smallest"] = round(b / a, 3) if a and b else None
    return out


def format_linearity(results: dict) -> str:
    lin = results["linearity"]

    def f(v):
        return f"{v:.3f}" if v is not None else "–"

    tools = [("cold", "sovaudit"), ("rg", "rg")]
    if results["config"].get("cdxgen_cmd"):
        tools.append(("cdxgen", "cdxgen"))
    head = ["scale", "files", "MB"] + [f"{name} ms/{unit}" for _, name in tools for unit in ("file", "MB")]
    lines = ["Linearity (median cold scan; ripgrep and cdxgen for reference):", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in lin["rows"]:
        cells = [f"{r['scale']}x", f"{r['files']:,}", f"{r['mb']:,.0f}"]
        cells += [f(r[f"{key}_ms_per_{unit}"]) for key, _ in tools for unit in ("file", "mb")]
        lines.append("| " + " | ".join(cells) + " |")
    if len(lin["rows"]) < 2:
        lines.append("\nper-file cost ratio: needs two scales or more")
    else:
        lo, hi = lin["rows"][0]["scale"], lin["rows"][-1]["scale"]
        parts = []
        for key, name in tools:
            v = lin.get(key + "_largest_over_smallest")
            parts.append(f"{name} {f'x{v:.2f}' if v is not None else '– (not measured at both)'}")
        lines.append(f"\nper-file cost at {hi}x / at {lo}x: " + ", ".join(parts))
    return "\n".join(lines)


def format_slowest(results: dict) -> str:
    lines = ["Slowest files (cold scan, sovaudit scan --timings; target: none over 2 s):"]
    for s in results["scales"]:
        cold_ok = [r for r in s["cold"] if r["status"] == "ok"]
        if not cold_ok:
            why = s["cold"][0].get("note") or s["cold"][0]["status"] if s["cold"] else "not run"
            lines.append(f"- {s['scale']}x: no finished cold scan ({why})")
            continue
        slowest = cold_ok[0].get("slowest")
        if slowest is None:
            lines.append(f"- {s['scale']}x: per-file timings not reported by this version")
            continue
        over = sum(1 for e in slowest if e["seconds"] > 2)
        shown = "; ".join(f"{e['seconds']:.2f} s {e['path']}" for e in slowest[:SLOWEST_SHOWN]) or "(empty list)"
        lines.append(f"- {s['scale']}x: {shown}" + (f" -- {over} listed over 2 s" if over else ""))
    return "\n".join(lines)


def format_notes(results: dict) -> str:
    c = results["config"]
    notes = [f"Times in seconds, wall clock: median of {c['repeat']} run(s)"
             + (", minimum in parentheses" if c["repeat"] > 1 else "")
             + "; warm page cache (an untimed-for-the-table rg pass first). "
             "Peak MB: the largest single process of the cold scan (os.wait4 ru_maxrss), highest over the runs. "
             "files/s, MB/s: of the cold scan. warm same: the warm run's references equal the cold run's."]
    notes.append(f"rg: {c['rg_version']}; sovaudit: {c['sovaudit_version']} ({' '.join(c['sovaudit_cmd'])})")
    if c.get("cdxgen_cmd"):
        notes.append(f"cdxgen: {c['cdxgen_version']}, `{' '.join(c['cdxgen_cmd'])} TREE -o OUT`, "
                     + ("no network (unshare -n)" if c["cdxgen_netns"] else "network not isolated"))
    else:
        notes.append(f"cdxgen: {c['cdxgen_note']}")
    loads = [f"{s['scale']}x {s['loadavg_before'][0]:.2f}" for s in results["scales"] if s.get("loadavg_before")]
    if loads:
        notes.append(f"load average (1 min) before each scale, {c['cpus']} CPUs: {', '.join(loads)}")
    return "\n".join(notes)


def format_report(results: dict) -> str:
    return "\n\n".join([format_table(results), format_notes(results), format_linearity(results),
                        format_slowest(results)]) + "\n"


# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    global _LAUNCHER
    if (sys.argv[1:] if argv is None else list(argv)) == ["--launcher"]:
        return _launcher_main()
    args = parse_args(argv)
    _LAUNCHER = _Launcher()
    try:
        return _main(args, argv)
    finally:
        _LAUNCHER.close()
        _LAUNCHER = None


def _main(args: argparse.Namespace, argv: list[str] | None) -> int:

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    rg = shutil.which("rg")
    if not rg:
        raise SystemExit("ripgrep (rg) is not on PATH: it is the reference this benchmark measures "
                         "against (apt-get install ripgrep)")
    if not args.src.is_dir() or not repos_of(args.src):
        raise SystemExit(f"--src {args.src}: not a folder of cloned repositories")
    if not args.patterns.is_file():
        raise SystemExit(f"pattern file not found: {args.patterns} (--patterns)")
    args.workdir.mkdir(parents=True, exist_ok=True)
    args.workdir = args.workdir.resolve()
    if any(w in str(args.workdir).lower() for w in CDXGEN_SKIPPED_WORDS):
        log(f"warning: {args.workdir} names one of {CDXGEN_SKIPPED_WORDS}: cdxgen skips such paths")

    tools = {"rg": rg, "sovaudit": find_sovaudit(args.sovaudit)}
    cdx = find_cdxgen(args)
    tools["cdxgen"] = cdx
    tools["netns"] = netns_prefix() if cdx else []
    run_dir = args.workdir / "runs" / time.strftime("%Y%m%d-%H%M%S")
    while run_dir.exists():
        run_dir = run_dir.with_name(run_dir.name + "+")
    run_dir.mkdir(parents=True)
    log(f"outputs and caches: {run_dir}")

    config = {
        "argv": sys.argv[1:] if argv is None else list(argv),
        "src": str(args.src.resolve()), "workdir": str(args.workdir), "run_dir": str(run_dir),
        "scales": args.scales, "repeat": args.repeat, "timeout": args.timeout,
        "patterns": str(args.patterns), "rg": rg, "rg_version": version_of([rg, "--version"]),
        "sovaudit_cmd": tools["sovaudit"], "sovaudit_version": version_of(tools["sovaudit"] + ["--version"]),
        "cdxgen_cmd": cdx, "cdxgen_netns": bool(tools["netns"]),
        "cdxgen_version": version_of([cdx[0], "--version"]) if cdx else None,
        "cdxgen_note": "" if cdx else ("disabled (--no-cdxgen)" if args.no_cdxgen else
                                       f"not found (npm install --prefix {args.workdir / 'cdxgen'} "
                                       "@cyclonedx/cdxgen, or --cdxgen PATH)"),
        "python": sys.version.split()[0], "platform": platform.platform(), "cpus": os.cpu_count(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "peak_rss": "os.wait4 ru_maxrss: the largest single process of the child's tree",
    }
    results = {"config": config, "scales": []}
    skip = ""
    for scale in args.scales:
        tree = ensure_tree(scale, args.workdir, args.src, args.make_mono, log)
        res = bench_scale(scale, tree, args, tools, run_dir, log, skip_sovaudit=skip)
        results["scales"].append(res)
        if res["cold_summary"]["status"] == "timeout" and not skip:
            skip = f"sovaudit timed out at scale {scale}"
    results["linearity"] = linearity(results)
    results["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    text = json.dumps(results, indent=2)
    (run_dir / "results.json").write_text(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text)
    sys.stdout.write(format_report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
