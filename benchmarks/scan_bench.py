"""Scan benchmark: sovaudit against ripgrep on a synthetic monorepo, at several scales.

Builds a tree from the repository's own fixtures (tests/corpus/tree and examples/) mixed with
filler source files (as real monorepos are mostly code that names no model), then times, in the
same shell:

* ``rg`` (ripgrep) with an equivalent pattern set over the same tree — the reference;
* ``sovaudit scan`` cold (empty cache), and warm (unchanged tree, content-hash cache): the whole
  command (start-up, rules, scan, resolve, graph, assessment, policy, JSON report);
* the scanner stage alone (``sovaudit.scan.scan``: walk, read, detect, cache), cold and warm, in a
  child process of its own, so that what the scanner costs and what the later stages cost are
  told apart;
* the same stage with a detector that finds nothing (walk, read, hash, decode, prefilter, worker
  processes): the floor any set of Python detectors starts from.

Figures are reported as ratios against ripgrep's run, plus peak memory of each child process.

    python benchmarks/scan_bench.py --files 10000 30000 100000 --mb-per-10k 150

Run on demand; not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# What ripgrep is asked to find: the strings the detectors look for.
RG_PATTERNS = [
    r"from_pretrained", r"pipeline\(", r"SentenceTransformer", r"CrossEncoder", r"hf_hub_download", r"snapshot_download",
    r"\bmodel(_name|_id)?\s*[=:]", r"repo_id", r"base_url", r"api_base", r"baseURL", r"completion\(",
    r"https?://[a-z0-9.-]+", r"nvidia\.com/gpu", r"amd\.com/gpu", r"huawei\.com/Ascend", r"google\.com/tpu",
    r"aws\.amazon\.com/neuron", r"^FROM\s", r"--model", r"--served-model-name", r"vllm serve", r"ollama (run|pull)",
    r"huggingface-cli download", r"hf download", r"_API_KEY", r"region\s*=", r"instance_type", r"storageUri",
    r"topology\.kubernetes\.io/region", r"eks\.amazonaws\.com", r"_name_or_path", r"base_model",
]

FILLER_PY = '''
def handler_{n}(request, session=None):
    """Process request {n}: validate, transform and store the payload."""
    payload = request.get("payload", {{}})
    if not isinstance(payload, dict):
        raise ValueError("payload must be a mapping")
    items = [dict(k=k, v=v) for k, v in sorted(payload.items())]
    total = sum(len(str(i)) for i in items)
    if session is not None:
        session.add_all(items)
    return {{"count": len(items), "size": total, "id": {n}}}
'''
FILLER_MD = "\n## Section {n}\n\nThis part of the handbook explains how team {n} deploys its services, reviews code and\nrotates on-call duty. Nothing here names a model.\n"
FILLER_JS = "\nexport function util{n}(xs) {{\n  return xs.filter((x) => x !== null).map((x) => ({{ id: x.id, n: {n} }}));\n}}\n"
FILLER_YAML = "\n  key_{n}:\n    enabled: true\n    replicas: {r}\n    labels: {{team: t{n}, tier: backend}}\n"


def corpus_files() -> list[Path]:
    roots = [REPO / "tests" / "corpus" / "tree", REPO / "examples"]
    out = []
    for r in roots:
        if r.is_dir():
            out += [p for p in r.rglob("*") if p.is_file() and p.stat().st_size < 200_000]
    return sorted(out)


def build_tree(dest: Path, n_files: int, total_mb: float, seed: int = 7) -> tuple[int, int]:
    """Create ``n_files`` files of about ``total_mb`` MB in ``dest``; return (files, bytes)."""
    rnd = random.Random(seed)
    templates = [(p, p.read_bytes()) for p in corpus_files()]
    if not templates:
        raise SystemExit("no fixtures found (tests/corpus/tree, examples/)")
    target = int(total_mb * 1024 * 1024)
    avg = target / n_files
    written = 0
    for i in range(n_files):
        pkg = dest / f"svc{i % 200:03d}" / f"mod{(i // 200) % 50:02d}"
        pkg.mkdir(parents=True, exist_ok=True)
        size = int(rnd.expovariate(1 / avg)) if avg > 0 else 0
        if i % 5 == 0:  # a fixture file, renamed into place, padded where its format allows
            src, data = templates[i // 5 % len(templates)]
            name = f"{i}_{src.name}" if src.suffix or "." in src.name else src.name
            p = pkg / (src.name if src.name in ("Dockerfile", "Modelfile", "Makefile") else name)
            if p.exists():
                p = pkg / f"{i}" / p.name
                p.parent.mkdir(parents=True, exist_ok=True)
            if src.suffix in (".py", ".md", ".sh") and len(data) < size:
                fill = {".py": FILLER_PY, ".md": FILLER_MD, ".sh": "\n# step {n}: nothing model-related\necho step-{n}\n"}[src.suffix]
                data = data + "".join(fill.format(n=k, r=k % 5) for k in range((size - len(data)) // len(fill) + 1)).encode()
            p.write_bytes(data)
            written += len(data)
            continue
        kind = rnd.choice(("py", "py", "py", "md", "js", "yaml", "json"))
        fill = {"py": FILLER_PY, "md": FILLER_MD, "js": FILLER_JS, "yaml": FILLER_YAML, "json": None}[kind]
        if kind == "json":
            text = json.dumps({"name": f"pkg{i}", "items": list(range(max(1, size // 8)))})
        elif kind == "yaml":
            text = "config:" + "".join(fill.format(n=k, r=k % 5) for k in range(max(1, size // len(fill))))
        else:
            text = "".join(fill.format(n=k, r=k % 5) for k in range(max(1, size // len(fill))))
        (pkg / f"f{i}.{kind}").write_text(text)
        written += len(text)
    return n_files, written


def run(cmd: list[str], env: dict | None = None) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (MB) of the child, and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return wall, max(peak, before) // 1024, proc.stdout


def peak_of(cmd: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """Run ``cmd`` under a fresh Python parent, so that RUSAGE_CHILDREN's maximum is
    that one child's peak memory."""
    probe = (
        "import resource,subprocess,sys,time,json;t=time.perf_counter();"
        "p=subprocess.run(sys.argv[1:],capture_output=True,text=True);w=time.perf_counter()-t;"
        "print(json.dumps([w,resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024,p.returncode,p.stdout[-500:],p.stderr[-1500:]]))"
    )
    out = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True, text=True, env=env)
    wall, peak_mb, rc, stdout, stderr = json.loads(out.stdout)
    if rc not in (0, 1):
        raise SystemExit(f"{cmd[0]} failed ({rc}): {stderr}")
    return wall, peak_mb, stdout


STAGE = (
    "import sys,time,json\n"
    "from sovaudit.rules import load_knowledge_base\n"
    "from sovaudit.scan import scan\n"
    "from sovaudit.model import ScanConfig\n"
    "kb=load_knowledge_base()\n"
    "t=time.perf_counter()\n"
    "r=scan(ScanConfig(root=sys.argv[1],cache_dir=sys.argv[2],jobs=int(sys.argv[3])),kb)\n"
    "print(json.dumps([time.perf_counter()-t,len(r.references),r.stats.files_cached]))\n"
)


FLOOR = (
    "import sys,time\n"
    "from sovaudit.rules import load_knowledge_base\n"
    "from sovaudit.scan import scan\n"
    "from sovaudit.model import ScanConfig\n"
    "from sovaudit.detectors import DETECTORS\n"
    "from sovaudit.detectors.base import Detector\n"
    "class Nothing(Detector):\n"
    "    name='nothing'; prefilter='code'\n"
    "    def applies(self, path): return any(d.applies(path) for d in DETECTORS)\n"
    "    def detect(self, f, kb): return ()\n"
    "kb=load_knowledge_base()\n"
    "t=time.perf_counter()\n"
    "scan(ScanConfig(root=sys.argv[1],cache_dir='-',jobs=int(sys.argv[2])),kb,detectors=(Nothing(),))\n"
    "print(time.perf_counter()-t)\n"
)


def floor(tree: Path, jobs: int, env: dict) -> float:
    """What the scanner costs with no detector at all: walk, read, hash, decode, prefilter and the
    worker processes -- the floor for a Python scanner, whatever its detectors do."""
    _wall, _peak, out = peak_of([sys.executable, "-c", FLOOR, str(tree), str(jobs)], env)
    return float(out.strip().splitlines()[-1])


def stage(tree: Path, cache: Path, jobs: int, env: dict) -> tuple[float, float, int]:
    """The scanner stage alone: (seconds, peak MB of its process, references)."""
    _wall, peak, out = peak_of([sys.executable, "-c", STAGE, str(tree), str(cache), str(jobs)], env)
    seconds, refs, _cached = json.loads(out.strip().splitlines()[-1])
    return seconds, peak, refs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    ap.add_argument("--mb-per-10k", type=float, default=150.0, help="tree size per 10,000 files (default: 1.5 GB at 100k)")
    ap.add_argument("--jobs", type=int, default=0)
    ap.add_argument("--workdir", default="", help="where to build trees (default: a temp folder, removed after)")
    args = ap.parse_args()
    if not shutil.which("rg"):
        raise SystemExit("ripgrep (rg) is needed: apt-get install ripgrep")
    base = Path(args.workdir or tempfile.mkdtemp(prefix="sovaudit-bench-"))
    sovaudit = [sys.executable, "-m", "sovaudit"]
    rows = []
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    for n in args.files:
        tree = base / f"tree-{n}"
        if not tree.exists():
            t0 = time.perf_counter()
            files, size = build_tree(tree, n, args.mb_per_10k * n / 10_000)
            print(f"built {files} files, {size / 2**20:.0f} MB in {time.perf_counter() - t0:.0f}s", file=sys.stderr)
        else:
            size = sum(p.stat().st_size for p in tree.rglob("*") if p.is_file())
        cache = base / f"cache-{n}"
        shutil.rmtree(cache, ignore_errors=True)
        # warm the page cache for both tools alike
        run(["rg", "-c", "--no-messages", "-j", "2", "zzzz-not-there", str(tree)])
        rg_wall, rg_mem, _ = peak_of(["rg", "-c", "--no-messages", "-j", "2", "-e", "|".join(RG_PATTERNS), str(tree)])
        cold_wall, cold_mem, _ = peak_of(sovaudit + ["scan", str(tree), "-q", "--offline", "--cache-dir", str(cache), "-j", str(args.jobs), "-o", str(base / f"scan-{n}.json")], env)
        warm_wall, warm_mem, _ = peak_of(sovaudit + ["scan", str(tree), "-q", "--offline", "--cache-dir", str(cache), "-j", str(args.jobs), "-o", str(base / f"scan-{n}-warm.json")], env)
        same = (base / f"scan-{n}.json").read_bytes() == (base / f"scan-{n}-warm.json").read_bytes()
        refs = len(json.loads((base / f"scan-{n}.json").read_text())["references"])
        stage_cache = base / f"stage-cache-{n}"
        shutil.rmtree(stage_cache, ignore_errors=True)
        st_cold, st_cold_mem, st_refs = stage(tree, stage_cache, args.jobs, env)
        st_warm, st_warm_mem, _ = stage(tree, stage_cache, args.jobs, env)
        shutil.rmtree(stage_cache, ignore_errors=True)
        fl = floor(tree, args.jobs, env)
        rows.append((n, size, rg_wall, rg_mem, cold_wall, cold_mem, warm_wall, warm_mem, refs, same,
                     st_cold, st_cold_mem, st_warm, st_refs, fl))
    print("Whole command (`sovaudit scan TREE -q --offline -o scan.json`):\n")
    print("| files | MB | rg s | sovaudit cold s | cold/rg | cold peak MB | warm s | warm/cold | refs | warm output identical |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n, size, rg_wall, rg_mem, cw, cm, ww, wm, refs, same, *_st in rows:
        print(f"| {n} | {size / 2**20:.0f} | {rg_wall:.2f} | {cw:.2f} | {cw / rg_wall:.2f}x | {cm:.0f} | {ww:.2f} | {ww / cw:.1%} | {refs} | {same} |")
    print("\nScanner stage alone (`sovaudit.scan.scan`, same tree, same rg run):\n")
    print("| files | MB | rg s | scan cold s | cold/rg | peak MB | scan warm s | warm/cold | refs | no-detector floor s | floor/rg |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for n, size, rg_wall, _rm, _cw, _cm, _ww, _wm, _refs, _same, sc, scm, sw, srefs, fl in rows:
        print(f"| {n} | {size / 2**20:.0f} | {rg_wall:.2f} | {sc:.2f} | {sc / rg_wall:.2f}x | {scm:.0f} | {sw:.2f} | {sw / sc:.1%} | {srefs} "
              f"| {fl:.2f} | {fl / rg_wall:.2f}x |")
    if len(rows) >= 2:
        (n0, s0, *_a), (n1, s1, *_b) = rows[0], rows[-1]
        print(f"\nlinearity: files x{n1 / n0:.1f}, bytes x{s1 / s0:.1f}, cold time x{rows[-1][4] / rows[0][4]:.1f} "
              f"(whole command), x{rows[-1][10] / rows[0][10]:.1f} (scanner stage)")
    if not args.workdir:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
