"""benchmarks/scan_bench.py: argument parsing, tree reuse, outputs and the Markdown table, with fake
``rg``, ``sovaudit``, ``aibom`` and tree builder on PATH. Nothing here asserts a time."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _load():
    spec = importlib.util.spec_from_file_location("scan_bench", REPO / "benchmarks" / "scan_bench.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


bench = _load()

FAKE_RG = """
import os, sys
if "--version" in sys.argv:
    print("ripgrep 0.0.0-fake"); sys.exit(0)
for d, _, fs in os.walk(sys.argv[-1]):
    for f in sorted(fs):
        print(os.path.join(d, f) + ":2")
"""

# cold when the cache folder holds no marker; writes references, per-file timings (unless
# FAKE_NO_SLOWEST) and the marker; FAKE_SLEEP makes it hang
FAKE_SOVAUDIT = """
import json, os, sys, time
if "--version" in sys.argv:
    print("sovaudit, version 0.0-fake"); sys.exit(0)
a = sys.argv[1:]
assert a[0] == "scan" and "--offline" in a and "-q" in a and a[a.index("--format") + 1] == "json", a
tree, out, cache = a[1], a[a.index("-o") + 1], a[a.index("--cache-dir") + 1]
time.sleep(float(os.environ.get("FAKE_SLEEP", "0")))
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(tree) for f in fs)
refs = [{"kind": "model", "id": "org/m", "path": p, "line": 1} for p in files]
doc = {"references": refs}
if not os.environ.get("FAKE_NO_SLOWEST"):
    doc["stats"] = {"slowest": [{"path": p, "seconds": 0.1 * i} for i, p in enumerate(files[:7])]}
json.dump(doc, open(out, "w"))
open(os.path.join(cache, "marker"), "w").write("warm")
"""

FAKE_AIBOM = """
import json, sys
if "--version" in sys.argv:
    print("CycloneDX Generator 0.0-fake"); sys.exit(0)
out = sys.argv[sys.argv.index("-o") + 1]
json.dump({"components": [{"type": "machine-learning-model"}, {"type": "file"}], "services": []}, open(out, "w"))
"""

# make_mono.sh SCALE OUT SRC, in short: OUT/copy-i/<repo>/... for i = 1..SCALE
FAKE_MAKE_MONO = """
set -eu
mkdir -p "$2"
for ((i = 1; i <= $1; i++)); do mkdir -p "$2/copy-$i"; cp -r "$3"/* "$2/copy-$i/"; done
echo "files=? out=$2"
"""


def _script(path: Path, body: str, shebang: str = sys.executable) -> Path:
    path.write_text(f"#!{shebang}\n" + textwrap.dedent(body))
    path.chmod(0o755)
    return path


@pytest.fixture
def setup(tmp_path, monkeypatch):
    """SRC with two small repositories, fakes on PATH, a work folder and a pattern file."""
    src = tmp_path / "src"
    for repo, n in (("org+alpha", 3), ("org+beta", 2)):
        (src / repo / "pkg").mkdir(parents=True)
        (src / repo / ".git").mkdir()  # a clone: make_mono drops .git, the fake leaves it (no files)
        for i in range(n):
            (src / repo / "pkg" / f"m{i}.py").write_text(f"MODEL = 'org/model-{i}'\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _script(bin_dir / "rg", FAKE_RG)
    _script(bin_dir / "sovaudit", FAKE_SOVAUDIT)
    aibom = _script(bin_dir / "aibom-fake", FAKE_AIBOM)
    make_mono = _script(tmp_path / "make_mono.sh", FAKE_MAKE_MONO, shebang="/bin/bash")
    patterns = tmp_path / "patterns.txt"
    patterns.write_text("org/\n")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    work = tmp_path / "work"
    base = ["--src", str(src), "--workdir", str(work), "--patterns", str(patterns),
            "--make-mono", str(make_mono)]
    return {"src": src, "work": work, "base": base, "aibom": aibom, "bin": bin_dir, "tmp": tmp_path}


def test_arguments_defaults_quick_and_errors(tmp_path):
    a = bench.parse_args(["--src", str(tmp_path / "src")])
    assert a.scales == [1, 4, 16] and a.repeat == 1 and a.timeout == 900
    assert a.patterns == Path("/work/shared/eval/patterns.txt")
    assert a.workdir == tmp_path  # default: the folder holding SRC (same filesystem: hard links)
    assert a.json is None and not a.no_cdxgen and not a.rm_caches
    q = bench.parse_args(["--src", "s", "--scales", "4", "16", "--repeat", "3", "--quick"])
    assert q.scales == [1] and q.repeat == 1
    assert bench.parse_args(["--src", "s", "--scales", "16", "1", "4", "4"]).scales == [1, 4, 16]
    for bad in ([], ["--src", "s", "--scales", "0"], ["--src", "s", "--repeat", "0"], ["--src", "s", "--timeout", "0"]):
        with pytest.raises(SystemExit):
            bench.parse_args(bad)


def test_two_scales_end_to_end(setup, capsys):
    j = setup["tmp"] / "out" / "bench.json"
    assert bench.main(setup["base"] + ["--scales", "1", "2", "--repeat", "2", "--no-cdxgen", "--json", str(j)]) == 0
    out = capsys.readouterr()
    table = out.out
    assert table.startswith("| scale | files | MB | rg s | cold s | cold/rg | warm s | warm/cold | peak MB |")
    row1 = next(line for line in table.splitlines() if line.startswith("| 1x |"))
    row2 = next(line for line in table.splitlines() if line.startswith("| 2x |"))
    cells = [c.strip() for c in row2.strip("|").split("|")]
    assert cells[1] == "10"  # 5 files x 2 copies
    assert cells[12] == "10" and cells[13] == "yes"  # references, warm run gave the same ones
    assert "(" in cells[3] and "(" in cells[4]  # two repeats: median (min)
    assert "cdxgen" not in row1 and "disabled (--no-cdxgen)" in table
    assert "per-file cost at 2x / at 1x: sovaudit x" in table
    assert "- 2x: 0.60 s " in table  # slowest first
    assert "sovaudit, version 0.0-fake" in table and "ripgrep 0.0.0-fake" in table

    doc = json.loads(j.read_text())
    assert [s["scale"] for s in doc["scales"]] == [1, 2]
    s2 = doc["scales"][1]
    assert s2["tree"]["files"] == 10 and s2["tree"]["built"] is True
    assert len(s2["rg"]) == len(s2["cold"]) == len(s2["warm"]) == 2
    assert s2["rg"][0]["files_matched"] == 10 and s2["rg"][0]["lines_matched"] == 20
    assert all(r["status"] == "ok" and r["peak_rss_mb"] > 0 for r in s2["cold"] + s2["warm"])
    assert s2["cold"][0]["references"] == 10 and len(s2["cold"][0]["slowest"]) == 7
    assert s2["warm_same_refs"] is True
    assert doc["linearity"]["cold_largest_over_smallest"] is not None
    run_dir = Path(doc["config"]["run_dir"])
    assert (run_dir / "results.json").exists() and (run_dir / "mono2" / "cache-r2" / "marker").exists()

    # a second run reuses the trees and removes nothing of the first
    assert bench.main(setup["base"] + ["--scales", "2", "--no-cdxgen"]) == 0
    assert "reusing" in capsys.readouterr().err
    assert (run_dir / "mono2" / "cache-r2" / "marker").exists()
    assert not list(setup["work"].glob("*.building"))


def test_cdxgen_column_and_no_per_file_timings(setup, capsys, monkeypatch):
    monkeypatch.setenv("FAKE_NO_SLOWEST", "1")
    assert bench.main(setup["base"] + ["--quick", "--cdxgen", str(setup["aibom"])]) == 0
    table = capsys.readouterr().out
    assert "| cdxgen s | cold/cdxgen | cdxgen peak MB |" in table
    assert "CycloneDX Generator 0.0-fake" in table
    assert "- 1x: per-file timings not reported by this version" in table
    assert "needs two scales or more" in table


def test_a_hanging_scan_is_reported_as_a_timeout(setup, capsys, monkeypatch):
    monkeypatch.setenv("FAKE_SLEEP", "60")
    j = setup["tmp"] / "t.json"
    assert bench.main(setup["base"] + ["--scales", "1", "2", "--timeout", "1", "--no-cdxgen", "--json", str(j)]) == 0
    table = capsys.readouterr().out
    row1 = next(line for line in table.splitlines() if line.startswith("| 1x |"))
    assert "timeout (>1 s)" in row1 and "skipped" in row1
    doc = json.loads(j.read_text())
    s1, s2 = doc["scales"]
    assert s1["cold"][0]["status"] == "timeout" and s1["warm"][0]["status"] == "skipped"
    assert s2["cold"][0]["status"] == "skipped" and "timed out at scale 1" in s2["cold"][0]["note"]
    assert s2["rg"][0]["status"] == "ok"  # ripgrep still measured at every scale
    assert "- 1x: no finished cold scan (timeout)" in table
    assert "- 2x: no finished cold scan (sovaudit timed out at scale 1)" in table


def test_format_table_cells():
    def summ(status="ok", med=None, mn=None, n=1, peak=None, lb=None, rc=None):
        return {"status": status, "median_s": med, "min_s": mn, "n": n, "peak_rss_mb": peak,
                "lower_bound_s": lb, "returncode": rc}

    scale = {
        "scale": 4, "tree": {"files": 28000, "bytes": 500 * 10**6},
        "rg_summary": summ(med=2.0, mn=1.9, n=3), "cold_summary": summ(med=5.0, mn=4.8, n=3, peak=321.4),
        "warm_summary": summ(med=0.4, mn=0.39, n=3), "cdxgen_summary": summ("error", rc=2),
        "cold": [{"status": "ok", "json_bytes": 3 * 10**6, "references": 12345}], "warm_same_refs": False,
    }
    results = {"config": {"timeout": 900, "cdxgen_cmd": ["aibom"]}, "scales": [scale]}
    row = bench.format_table(results).splitlines()[2]
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells == ["4x", "28,000", "500", "2.00 (1.90)", "5.00 (4.80)", "2.50x", "0.40 (0.39)", "8%", "321",
                     "5,600", "100.0", "3.0", "12,345", "NO", "error (exit 2)", "–", "–"]
    scale["cold_summary"] = summ("timeout", peak=60.0, lb=900.0)
    scale["cold"] = [{"status": "timeout"}]
    scale["warm_summary"] = summ("skipped")
    cells = [c.strip() for c in bench.format_table(results).splitlines()[2].strip("|").split("|")]
    assert cells[4:12] == ["timeout (>900 s)", ">450x", "skipped", "–", ">60", "–", "–", "–"]


def test_missing_ripgrep_fails_clearly(setup, monkeypatch):
    (setup["bin"] / "rg").unlink()
    monkeypatch.setenv("PATH", str(setup["bin"]))
    with pytest.raises(SystemExit, match="ripgrep"):
        bench.main(setup["base"] + ["--quick"])


def test_a_tree_of_another_shape_is_not_reused(setup):
    (setup["work"] / "mono2" / "copy-1").mkdir(parents=True)
    with pytest.raises(SystemExit, match="not a 2x tree"):
        bench.main(setup["base"] + ["--scales", "2", "--no-cdxgen"])


def test_a_commands_peak_is_its_own_not_the_benchmarks():
    """Linux keeps in ru_maxrss the high-water mark of the address space a process leaves at exec:
    a command forked straight from a benchmark that holds 200 MB reports those 200 MB. Started by
    the launcher process, it reports its own size."""
    held = bytearray(200 * 1024 * 1024)
    for i in range(0, len(held), 4096):
        held[i] = 1
    cmd = [sys.executable, "-c", "pass"]
    direct = bench.run_measured(cmd, timeout=60)
    bench._LAUNCHER = bench._Launcher()
    try:
        launched = bench.run_measured(cmd, timeout=60)
    finally:
        bench._LAUNCHER.close()
        bench._LAUNCHER = None
    assert direct["status"] == launched["status"] == "ok"
    assert launched["peak_rss_mb"] < 100 < 200 < direct["peak_rss_mb"]
    del held
