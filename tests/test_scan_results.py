"""How the scanner moves and stores per-file results: one marshal blob per file (workers -> main
process -> cache), decoded back to exactly the references the detectors made; a damaged entry is
a miss, never a failure."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sovaudit.detect.cache import decode_result, encode_result
from sovaudit.detect.scan import scan
from sovaudit.model import Context, Kind, Location, Reference, ScanConfig, Skipped, Suppression

REPO = Path(__file__).resolve().parents[1]


def test_blob_round_trip_is_exact(kb):
    res = scan(ScanConfig(root=str(REPO / "tests" / "corpus" / "tree"), cache_dir="-", jobs=1), kb)
    by_path: dict[str, list[Reference]] = {}
    for r in res.references:
        by_path.setdefault(r.path, []).append(r)
    assert any(r.attributes for r in res.references)  # (related locations: test_blob_keeps_odd_values)
    for path, refs in by_path.items():
        skips = [s for s in res.skipped if s.path == path]
        assert decode_result(path, encode_result(path, refs, skips, [])) == (refs, skips, [])


def test_blob_keeps_odd_values():
    ref = Reference(Kind.MODEL, "org/m", "org/m", "nb.ipynb", 3, 5, "notebook", "hf", Context.CODE, 0.5, "", 2,
                    (("env", "X"),), (Location("other.py", 1, 2, 0),), "f" * 32, "x = 'é\\udcff'")
    elsewhere = Reference(Kind.CLOUD, "aws", "aws", "elsewhere.tf", 1, 1, "terraform", "provider", Context.CONFIG, 1.0)
    sup = Suppression("nb.ipynb", 3, ("SOV-1",), "why", True)
    skip = Skipped("nb.ipynb", "could not parse (x)", "detail")
    assert decode_result("nb.ipynb", encode_result("nb.ipynb", [ref, elsewhere], [skip], [sup])) == ([ref, elsewhere], [skip], [sup])


def test_shared_decoding_gives_one_object_per_value():
    def ref(path: str, line: int) -> Reference:
        return Reference(Kind.MODEL, "".join(["Qwen/", "Qwen2.5-7B"]), "".join(["Qwen/", "Qwen2.5-7B"]), path, line, 1,
                         "python-call", "hf", Context.CODE, 0.9, "", 0, (("env", "".join(["MODEL", "_ID"])),))
    blobs = {p: encode_result(p, [ref(p, 1)], [], []) for p in ("a.py", "b.py")}
    shared: dict = {}
    a, b = (decode_result(p, blob, shared)[0][0] for p, blob in blobs.items())
    assert (a, b) == (ref("a.py", 1), ref("b.py", 1))  # the same values as decoding alone
    assert a.id is b.id and a.text is b.text and a.attributes is b.attributes
    alone = decode_result("b.py", blobs["b.py"])[0][0]
    assert alone == b and alone.id is not a.id


def test_damaged_cache_entry_is_rescanned(tmp_path, kb):
    root = tmp_path / "root"
    root.mkdir()
    (root / "app.py").write_text('from transformers import AutoModel\nAutoModel.from_pretrained("Qwen/Qwen2.5-7B")\n')
    cache = tmp_path / "cache"
    cfg = ScanConfig(root=str(root), cache_dir=str(cache), jobs=1)
    cold = scan(cfg, kb)
    for db in cache.glob("scan-*.sqlite3"):
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE files SET payload = ?", (b"\x00garbage",))
    again = scan(cfg, kb)
    assert again.references == cold.references and again.stats.files_cached == 0
    assert scan(cfg, kb).stats.files_cached == 1  # and the entry was rewritten
