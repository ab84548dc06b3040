"""Resolve benchmark: 1,000 distinct model ids against the fake Hub with 50 ms added latency.

Measures, in one process, cold resolution (empty cache: every id and its ancestors fetched through
the real huggingface_hub client) and warm resolution (same ids, answers from the SQLite cache),
and reports the warm run as a ratio of the cold one.

    python benchmarks/resolve_bench.py --ids 1000 --latency 0.05

Run on demand; not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from sovaudit.resolve.hub import HubCache, HubClient  # noqa: E402
from sovaudit.resolve.provenance import HUB_CONCURRENCY, Resolver  # noqa: E402
from sovaudit.rules import load_knowledge_base  # noqa: E402

from fakehub import FakeHub, card  # noqa: E402


def models(n: int) -> dict[str, dict]:
    """n ids: a quarter are fine-tunes of a shared pool of 50 bases, a quarter quantizations."""
    out: dict[str, dict] = {}
    bases = [f"Qwen/base-{i}" for i in range(50)]
    for b in bases:
        out[b] = card(b, "Qwen", "apache-2.0")
    for i in range(n):
        mid = f"org{i % 97}/model-{i}"
        if i % 4 == 0:
            out[mid] = card(mid, f"org{i % 97}", "apache-2.0", bases[i % 50])
        elif i % 4 == 1:
            out[mid] = card(mid, f"org{i % 97}", "mit", bases[(i * 7) % 50], rel="quantized")
        else:
            out[mid] = card(mid, f"org{i % 97}", "mit")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ids", type=int, default=1000)
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--workers", type=int, default=HUB_CONCURRENCY, help="concurrent look-ups (the tool's default)")
    args = ap.parse_args()
    table = models(args.ids)
    ids = [m for m in table if not m.startswith("Qwen/base-")][: args.ids]
    hub = FakeHub(latency=args.latency, models=table, behaviours={}).start()
    os.environ["HF_ENDPOINT"] = hub.url
    kb = load_knowledge_base()
    with tempfile.TemporaryDirectory() as cache_dir:
        t0 = time.perf_counter()
        cold = Resolver(kb, HubClient(cache=HubCache(cache_dir)), max_workers=args.workers).resolve(ids)
        cold_s = time.perf_counter() - t0
        requests = sum(hub.requests.values())
        t0 = time.perf_counter()
        warm = Resolver(kb, HubClient(cache=HubCache(cache_dir)), max_workers=args.workers).resolve(ids)
        warm_s = time.perf_counter() - t0
    hub.stop()
    assert cold == warm, "warm resolution must give the same provenance"
    print(f"ids: {len(ids)} (+{len(cold) - len(ids)} ancestors), Hub latency {args.latency * 1000:.0f} ms, {args.workers} workers")
    print(f"cold: {cold_s:.2f} s, {requests} Hub requests")
    print(f"warm: {warm_s:.2f} s ({warm_s / cold_s:.1%} of cold), {sum(hub.requests.values()) - requests} Hub requests")


if __name__ == "__main__":
    main()
