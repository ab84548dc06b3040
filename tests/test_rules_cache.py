"""The parsed knowledge base is cached (``load_knowledge_base(cache_dir=...)``, the CLI's cache
folder): a hit gives exactly what parsing gives, any change to an input is a miss, a rules set with
problems is never cached, and no cache problem is ever an error."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sovaudit import rules
from sovaudit.cli import main
from sovaudit.rules import RulesError, load_knowledge_base

OVERLAY = """\
section: labs
entries:
  - id: cachetest-lab
    name: Cache Test Lab
    country: FR
    kind: lab
    hf_namespaces: [cachetest]
    sources: [https://example.org/cachetest]
"""
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "eu-stack"


def rows(kb) -> list[tuple]:
    return [(e.section, e.id, e.data, e.path, e.line) for e in kb.entries]


@pytest.fixture
def parses(monkeypatch) -> list[int]:
    """Counts YAML files parsed (sovaudit's own loader, wrapped)."""
    calls: list[int] = []
    real = rules.load_yaml_with_lines

    def counting(text):
        calls.append(1)
        return real(text)

    monkeypatch.setattr(rules, "load_yaml_with_lines", counting)
    return calls


def test_a_hit_is_what_parsing_gives_and_parses_nothing(tmp_path, parses, kb):
    cache = tmp_path / "cache"
    first = load_knowledge_base(cache_dir=cache)
    shipped_files = len(parses)
    assert shipped_files >= len(rules.SECTIONS)
    assert [p.name.startswith("rules-") for p in cache.iterdir()] == [True]
    second = load_knowledge_base(cache_dir=cache)
    assert len(parses) == shipped_files  # nothing parsed again
    assert rows(second) == rows(first) == rows(kb) and second.version == first.version == kb.version
    # and it answers like the parsed one
    assert second.get("labs", "alibaba-qwen") is not None
    assert second.get("labs", "alibaba-qwen").get("country") == kb.get("labs", "alibaba-qwen").get("country")


def test_any_change_to_an_overlay_is_a_miss(tmp_path, parses):
    cache, over = tmp_path / "cache", tmp_path / "mine"
    over.mkdir()
    (over / "labs.yaml").write_text(OVERLAY)
    a = load_knowledge_base([over], cache_dir=cache)
    n = len(parses)
    assert rows(load_knowledge_base([over], cache_dir=cache)) == rows(a) and len(parses) == n  # hit
    (over / "labs.yaml").write_text(OVERLAY.replace("country: FR", "country: DE"))
    b = load_knowledge_base([over], cache_dir=cache)
    assert len(parses) > n and b.get("labs", "cachetest-lab").get("country") == "DE" and b.version != a.version
    assert len(list(cache.glob("rules-*.marshal"))) == 2
    # without the overlay: the shipped knowledge base alone, another entry
    assert load_knowledge_base(cache_dir=cache).get("labs", "cachetest-lab") is None


def test_a_rules_set_with_problems_is_never_cached(tmp_path):
    cache, over = tmp_path / "cache", tmp_path / "mine"
    over.mkdir()
    (over / "labs.yaml").write_text(OVERLAY.replace("country: FR", "country: XX"))
    for _ in range(2):  # the second time too: parsed again, same problems
        with pytest.raises(RulesError) as exc:
            load_knowledge_base([over], cache_dir=cache)
        assert "'XX' is not an ISO 3166-1 alpha-2 country code" in str(exc.value)
    assert not cache.exists() or not list(cache.glob("rules-*"))


def test_a_corrupt_cache_file_is_a_miss(tmp_path, parses, kb):
    cache = tmp_path / "cache"
    load_knowledge_base(cache_dir=cache)
    (f,) = cache.glob("rules-*.marshal")
    for junk in (b"", b"\x00garbage", f.read_bytes()[:100]):
        f.write_bytes(junk)
        n = len(parses)
        again = load_knowledge_base(cache_dir=cache)
        assert len(parses) > n and rows(again) == rows(kb)  # parsed, and the cache rewritten
    assert rows(load_knowledge_base(cache_dir=cache)) == rows(kb)


def test_an_unusable_cache_folder_is_ignored(tmp_path, kb):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert rows(load_knowledge_base(cache_dir=blocker / "cache")) == rows(kb)  # cannot create it
    assert rows(load_knowledge_base(cache_dir=blocker)) == rows(kb)  # a file where the folder should be


def test_cli_uses_the_cache_folder_and_no_cache_skips_it(tmp_path):
    cache = tmp_path / "cache"
    args = ["scan", str(EXAMPLE), "--offline", "-q", "-f", "json", "-o", str(tmp_path / "a.json")]
    res = CliRunner().invoke(main, [*args, "--cache-dir", str(cache)])
    assert res.exit_code == 0, res.output
    assert len(list(cache.glob("rules-*.marshal"))) == 1
    res = CliRunner().invoke(main, [*args[:-1], str(tmp_path / "b.json"), "--cache-dir", str(cache)])
    assert res.exit_code == 0 and (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    other = tmp_path / "other"
    res = CliRunner().invoke(main, [*args, "--cache-dir", str(other), "--no-cache"])
    assert res.exit_code == 0 and not other.exists()


def test_one_byte_changed_in_a_base_rules_file_is_a_miss(tmp_path, parses):
    base, cache = tmp_path / "rules", tmp_path / "cache"
    base.mkdir()
    for f in rules._yaml_files(rules.shipped_rules_dir()):
        (base / f.name).write_bytes(f.read_bytes())
    a = load_knowledge_base(base_dir=base, cache_dir=cache)
    n = len(parses)
    assert rows(load_knowledge_base(base_dir=base, cache_dir=cache)) == rows(a) and len(parses) == n  # hit
    labs = base / "labs.yaml"
    text = labs.read_bytes()
    i = text.index(b"name: ") + len(b"name: ")
    labs.write_bytes(text[:i] + (b"Y" if text[i:i + 1] != b"Y" else b"Z") + text[i + 1:])  # one byte
    b = load_knowledge_base(base_dir=base, cache_dir=cache)
    assert len(parses) > n and b.version != a.version and rows(b) != rows(a)
    assert rows(b) == rows(load_knowledge_base(base_dir=base))  # and what parsing gives
    # the same bytes under another name: another key as well
    labs.rename(base / "labs2.yaml")
    n = len(parses)
    c = load_knowledge_base(base_dir=base, cache_dir=cache)
    assert len(parses) > n and {e.path for e in c.entries} >= {"labs2.yaml"}


def test_a_flipped_byte_inside_the_cache_is_a_miss_not_wrong_data(tmp_path, parses, kb):
    cache = tmp_path / "cache"
    load_knowledge_base(cache_dir=cache)
    (f,) = cache.glob("rules-*.marshal")
    blob = bytearray(f.read_bytes())
    i = blob.index(b"alibaba-qwen")
    blob[i] ^= 0x01  # still decodes with marshal: only the checksum tells
    f.write_bytes(bytes(blob))
    n = len(parses)
    assert rows(load_knowledge_base(cache_dir=cache)) == rows(kb) and len(parses) > n


def test_an_unreadable_cache_file_is_a_miss(tmp_path, parses, kb):
    cache = tmp_path / "cache"
    load_knowledge_base(cache_dir=cache)
    (f,) = cache.glob("rules-*.marshal")
    f.unlink()
    f.mkdir()  # reading it fails (IsADirectoryError), so does replacing it
    n = len(parses)
    assert rows(load_knowledge_base(cache_dir=cache)) == rows(kb) and len(parses) > n
    assert f.is_dir() and not [p for p in cache.iterdir() if p.name.endswith(".tmp")]


def test_a_read_only_cache_folder_works(tmp_path, parses, kb, monkeypatch):
    cache, empty = tmp_path / "cache", tmp_path / "empty"
    load_knowledge_base(cache_dir=cache)
    cache.chmod(0o555)
    try:
        n = len(parses)
        assert rows(load_knowledge_base(cache_dir=cache)) == rows(kb) and len(parses) == n  # still a hit
        empty.mkdir()
        empty.chmod(0o555)
        # a miss in a read-only folder (as root, where permissions do not bite, the write is made to fail)
        import os

        def refuse(*_a, **_k):
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(os, "replace", refuse)
        for _ in range(2):
            n = len(parses)
            assert rows(load_knowledge_base(cache_dir=empty)) == rows(kb) and len(parses) > n
        assert list(empty.iterdir()) == []  # no cache and no temporary file left behind
    finally:
        for d in (cache, empty):
            if d.exists():
                d.chmod(0o755)


def test_a_cache_file_in_use_is_not_pruned(tmp_path, parses):
    """Writing a cache file removes those untouched for a week; a hit counts as a touch."""
    import os
    import time

    cache, over = tmp_path / "cache", tmp_path / "mine"
    load_knowledge_base(cache_dir=cache)
    (shipped,) = cache.glob("rules-*.marshal")
    old = time.time() - 8 * 86400
    os.utime(shipped, (old, old))
    load_knowledge_base(cache_dir=cache)  # a hit: touched
    over.mkdir()
    (over / "labs.yaml").write_text(OVERLAY)
    load_knowledge_base([over], cache_dir=cache)  # writes another file, pruning stale ones
    assert shipped.exists() and len(list(cache.glob("rules-*.marshal"))) == 2
    os.utime(shipped, (old, old))  # untouched for a week: pruned by the next write
    (over / "labs.yaml").write_text(OVERLAY.replace("FR", "DE"))
    load_knowledge_base([over], cache_dir=cache)
    assert not shipped.exists()


# -- the compiled vocabulary, kept beside the rules cache --------------------------------------------

_VOCAB_PROBE = """
import sys
from sovaudit.rules import load_knowledge_base
from sovaudit.detect.vocab import vocabulary_for
kb = load_knowledge_base(cache_dir=sys.argv[1])
v = vocabulary_for(kb)
hits = v.scan(b'model = "Qwen/Qwen2.5-7B-Instruct"  # nvidia.com/gpu: 1, region: eu-central-1')
print(sorted((end, v.anchors[i].kind.name) for end, i in hits))
"""


def _probe(cache: Path, seed: str) -> str:
    import os
    import subprocess
    import sys

    env = dict(os.environ, PYTHONHASHSEED=seed)
    out = subprocess.run([sys.executable, "-c", _VOCAB_PROBE, str(cache)], env=env, capture_output=True, text=True,
                         check=True, timeout=120)
    return out.stdout


def test_the_compiled_vocabulary_is_cached_once_whatever_the_string_hashing(tmp_path):
    """Compiling the Hyperscan database is most of a small scan's time; it is cached under a name
    that hashes its expressions, which must not depend on the order sets are read in (string
    hashing differs per process): two processes with other hash seeds use one file."""
    first = _probe(tmp_path, "1")
    files = sorted(tmp_path.glob("vocab-*.hsdb"))
    assert len(files) == 1
    second = _probe(tmp_path, "2")  # read from the cache
    assert sorted(tmp_path.glob("vocab-*.hsdb")) == files
    assert first == second and "NAMESPACE" in first


def test_a_damaged_compiled_vocabulary_is_compiled_again(tmp_path):
    good = _probe(tmp_path, "3")
    (f,) = tmp_path.glob("vocab-*.hsdb")
    blob = bytearray(f.read_bytes())
    blob[-100] ^= 0xFF  # inside the database: the checksum no longer matches
    f.write_bytes(bytes(blob))
    assert _probe(tmp_path, "4") == good
    assert f.read_bytes() != bytes(blob)  # written anew
