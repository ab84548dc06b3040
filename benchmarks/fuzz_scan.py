"""A longer fuzz run of the per-file entry point (``detect.scan.scan_file``) than CI's.

usage: python benchmarks/fuzz_scan.py [--examples 2000] [--budget 2.0] [--seed N]

Uses the strategy of ``tests/test_hostile_repos.py`` (fragments of every attack of issue #14
spliced with random text and bytes, under every file type the scanner reads) and checks, for each
example: no exception, the file within its budget (plus one second), every string of the result
clean after the boundary (no control character, lone surrogate or token shape; ids within the
cap). Prints examples run, the slowest file and its time, and the failure hypothesis shrank to,
if any. Run from the repository root with the venv's python (needs ``hypothesis``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--examples", type=int, default=2000)
    ap.add_argument("--budget", type=float, default=2.0)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()

    import test_hostile_repos as t
    from hypothesis import HealthCheck, given, seed, settings

    from sovaudit import sanitize
    from sovaudit.api import load_rules
    from sovaudit.detect import lexer_for
    from sovaudit.detect.cache import decode_result
    from sovaudit.detect.scan import _finish, scan_file
    from sovaudit.walk.walker import WalkItem

    kb = load_rules()
    lexer = lexer_for(kb)
    work = tempfile.mkdtemp(prefix="fuzz-scan-")
    stats = {"n": 0, "slowest": (0.0, "")}

    @seed(a.seed)
    @settings(max_examples=a.examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(f=t.hostile_files())
    def run(f):
        name, data = f
        p = os.path.join(work, name)
        with open(p, "wb") as fh:
            fh.write(data)
        st = os.stat(p)
        item = WalkItem(name, p, st.st_size, st.st_mtime_ns, st.st_ino)
        t0 = time.perf_counter()
        refs, skips, sups, _ = scan_file(item, kb, 5 * 1024 * 1024, lexer, budget=a.budget)
        took = time.perf_counter() - t0
        stats["n"] += 1
        if took > stats["slowest"][0]:
            stats["slowest"] = (took, f"{name} ({len(data)} bytes)")
        assert took < a.budget + 1.0, took
        refs2, skips2, _ = decode_result(name, _finish(item, refs, skips, sups))
        for r in refs2:
            assert len(r.id) <= sanitize.MAX_ID
            for s in (r.id, r.text, r.snippet, r.path, *[v for kv in r.attributes for v in kv]):
                assert not t._BAD_CHARS.search(s), s
                assert not sanitize._TOKEN_ANY.search(s), s
        for s in skips2:
            assert not t._BAD_CHARS.search(s.path + s.reason + s.detail)

    t0 = time.perf_counter()
    try:
        run()
        print(f"ok: {stats['n']} examples in {time.perf_counter() - t0:.1f} s; slowest file "
              f"{stats['slowest'][0]:.3f} s: {stats['slowest'][1]}")
    finally:
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
