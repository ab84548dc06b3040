"""Report benchmark: write every format for a synthetic result of about 10,000 findings.

The result is built through the real pipeline (graph, assessment, policy) from an in-memory scan
of N distinct Hub models, each named in its own file and self-hosted on AWS with NVIDIA GPUs, a
third of the files also calling the DeepSeek API; a two-rule policy turns every model's origin and
every cloud data exposure outside the EU into a finding (5,400 models -> ~10,100 findings).
Building the result is not timed; each writer is, then the HTML is opened in headless Chromium
(the system package) and the time to the load event is measured.

    python benchmarks/report_bench.py --models 5400 [--out DIR] [--no-browser]

Targets: the five formats (html, sarif, cyclonedx, json, md) under 10 s together; the HTML under
10 MB and open in Chromium in under 3 s. Run on demand; not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from sovaudit.report import file_name, writer  # noqa: E402
from sovaudit.rules import load_knowledge_base  # noqa: E402

from report_support import synthetic_result  # noqa: E402

FIVE = ("html", "sarif", "cyclonedx", "json", "md")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _chromium_seconds(url: str) -> float:
    import subprocess

    t = time.perf_counter()
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--no-first-run", "--dump-dom", url],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=120)
    return time.perf_counter() - t


def open_in_chromium(path: Path, runs: int = 3) -> list[float]:
    """Seconds to load and render ``path`` in headless Chromium: each run of ``--dump-dom`` on the
    report less the median of the same command on ``about:blank`` run in the same shell (the
    browser's own start-up). Only the Debian package is needed: no browser driver."""
    blank = sorted(_chromium_seconds("about:blank") for _ in range(runs))[runs // 2]
    return [max(0.0, _chromium_seconds(path.as_uri()) - blank) for _ in range(runs)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=int, default=5400)
    ap.add_argument("--out", default="")
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--xml", action="store_true", help="also time cyclonedx-xml (a sixth file)")
    args = ap.parse_args()
    out = Path(args.out or tempfile.mkdtemp(prefix="sovaudit-report-bench-"))
    out.mkdir(parents=True, exist_ok=True)

    kb = load_knowledge_base()
    t = time.perf_counter()
    result = synthetic_result(kb, args.models, out)
    print(f"result: {len(result.references)} references, {len(result.assessment.models)} models, "
          f"{len(result.assessment.exposures)} exposures, {len(result.findings)} findings "
          f"(built in {time.perf_counter() - t:.1f} s, not counted)")

    from sovaudit.graph.build import gc_paused

    formats = FIVE + (("cyclonedx-xml",) if args.xml else ())
    total = 0.0
    for fmt in formats:
        t = time.perf_counter()
        with gc_paused():  # as write_all runs the writers
            text = writer(fmt)(result)
        (out / file_name(fmt)).write_bytes(text.encode("utf-8"))
        took = time.perf_counter() - t
        if fmt in FIVE:
            total += took
        size = (out / file_name(fmt)).stat().st_size
        print(f"  {fmt:<14} {took:6.2f} s  {size / 1e6:8.2f} MB")
    print(f"five formats, one after another: {total:.2f} s (target < 10 s)")
    from sovaudit.report import cyclonedx, write_all

    for jobs, label in ((0, f"as the CLI writes them (write_all, {os.cpu_count()} cores)"), (1, "in one process (write_all, --jobs 1)")):
        cyclonedx._LAST.clear()  # no memoised BOM from an earlier run
        with tempfile.TemporaryDirectory(dir=out) as stage:
            t = time.perf_counter()
            write_all(result, list(FIVE), stage, jobs)
            print(f"five formats {label}: {time.perf_counter() - t:.2f} s")
    html_mb = (out / file_name("html")).stat().st_size / 1e6
    print(f"html: {html_mb:.2f} MB (target < 10 MB)")
    if not args.no_browser and Path(CHROMIUM).exists():
        loads = open_in_chromium(out / file_name("html"))
        print("chromium load and render (less start-up): " + ", ".join(f"{x:.2f}" for x in loads) + f" s (best {min(loads):.2f}; target < 3 s)")
    print(f"files in {out}")


if __name__ == "__main__":
    main()
