"""Hostile repositories (issue #14, the scanned-tree side): the real ``sovaudit scan`` over a tree
of attacks built by ``tests/hostile`` (one folder per attack, good references beside each), every
report format written. No crash, no hang (every file within its budget), good references all
kept, every skip recorded, no secret and no control character or lone surrogate in any output or
in the scan cache. Then the per-file budget and the deadline on files that never end, the
secrets policy on detect-secrets-style fixtures, and a bounded hypothesis fuzz of the per-file
entry point (a longer run: ``benchmarks/fuzz_scan.py``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import time

import pytest
from click.testing import CliRunner

from sovaudit import sanitize
from sovaudit.cli import main
from sovaudit.model import Kind, ScanConfig

import hostile

#: Small enough for CI (the whole tree scans in seconds), large enough for each attack to bite:
#: the deep-folder chain keeps its 1,100 levels whatever the scale.
SCALE = 0.05
FORMATS = {"json": "sovaudit.json", "sarif": "sovaudit.sarif", "cyclonedx": "sovaudit.cdx.json", "html": "sovaudit.html",
           "md": "sovaudit.md"}
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


@pytest.fixture(scope="module")
def hostile_scan(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    root = base / "tree"
    try:
        attacks = hostile.build(str(root), SCALE)
        # the deep chain is built at full depth (scale does not apply to it)
        assert any(a.name == "deep_folders" and a.notes["depth"] >= 1_000 for a in attacks)
        out, cache = base / "out", base / "cache"
        timings = base / "timings.json"
        t0 = time.perf_counter()
        res = CliRunner().invoke(main, ["scan", str(root), "--offline", "--cache-dir", str(cache), "--jobs", "1",
                                        "--format", ",".join(FORMATS), "--output-dir", str(out), "--timings", str(timings)],
                                 catch_exceptions=False)
        seconds = time.perf_counter() - t0
        yield {"attacks": attacks, "root": root, "out": out, "cache": cache, "res": res, "seconds": seconds,
               "timings": json.loads(timings.read_text()), "doc": json.loads((out / "sovaudit.json").read_text("utf-8"))}
    finally:
        hostile.remove(str(root))  # the deep chain defeats shutil.rmtree (and pytest's clean-up)


def _strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield k
            yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)


def test_the_scan_ends_well_and_writes_every_format(hostile_scan):
    res = hostile_scan["res"]
    assert res.exit_code in (0, 1), res.output
    for name in FORMATS.values():
        assert (hostile_scan["out"] / name).stat().st_size > 0
    assert hostile_scan["seconds"] < 120
    # every file within its budget: none over, none near it
    assert not [s for s in hostile_scan["doc"]["skipped"] if s["reason"] in ("over budget", "not scanned")]
    assert all(s < 10 for s in (e["seconds"] for e in hostile_scan["timings"]["slowest"]))


def test_good_references_beside_every_attack_are_kept(hostile_scan):
    doc = hostile_scan["doc"]
    found: dict[str, set[str]] = {}
    for r in doc["references"]:
        found.setdefault(r["path"].split("/", 1)[0], set()).add(r["id"])
    for a in hostile_scan["attacks"]:
        if a.name == "gitignore_bad_line":
            continue  # see below: its good.py is there, its x.log ignored
        missing = [g for g in a.good if g not in found.get(a.name, set())]
        assert not missing, f"{a.name} (item {a.item}) lost {missing}"


def test_each_attack_is_read_or_recorded(hostile_scan):
    doc = hostile_scan["doc"]
    skips = {(s["path"], s["reason"]): s["detail"] for s in doc["skipped"]}
    refs = {(r["path"], r["id"]) for r in doc["references"]}
    # 11: a line pathspec rejects is left out, the rest of the file applies, and that is said
    assert "invalid pattern at line 1 ignored" in skips[("gitignore_bad_line/.gitignore", "partly read")]
    assert ("gitignore_bad_line/good.py", "gpt-4o-mini") in refs
    assert not any(p == "gitignore_bad_line/x.log" for p, _ in refs)
    # 22: a .gitignore linking out of the root is not applied (it would hide good.py)
    assert ("gitignore_symlink_out/.gitignore", "symlink outside root") in skips
    # 2: a long .gitignore is applied up to its cap and says so
    assert ("gitignore_huge/.gitignore", "partly read") not in skips or "patterns past line" in skips[
        ("gitignore_huge/.gitignore", "partly read")]
    # 9: a name that is not UTF-8 is shown with its bytes escaped, and read
    assert ("non_utf8_name/caf\\xe9.py", "gpt-4o") in refs
    # 12: 1,100 nested folders
    assert any(p.startswith("deep_folders/d/d/") and p.endswith("/deep.py") and i == "gpt-4o" for p, i in refs)
    # 7: no id over the cap anywhere; the 5 MB name is not a model
    assert max(len(r["id"]) for r in doc["references"]) <= sanitize.MAX_ID
    assert ("huge_model_name/huge.gguf", "huge") in refs
    # 16: a URL with an invalid port costs nothing else in its file, in any file type
    for f in ("client.py", "config.yaml", "nb.ipynb", ".env"):
        assert (f"bad_port/{f}", "deepseek-chat") in refs, f
    # 17: an over-deep cell costs nothing else in the notebook
    assert {("deep_construct/nb.ipynb", "Qwen/Qwen2.5-7B-Instruct"), ("deep_construct/nb.ipynb", "gpt-4o-mini")} <= refs
    # 8: escapes of lone surrogates in every file type: found, and clean
    assert ("surrogates/good.py", "gpt-4o-mini") in refs


def test_no_secret_reaches_any_output_or_the_cache(hostile_scan):
    secrets = [s for a in hostile_scan["attacks"] for s in a.secrets]
    assert len(secrets) >= 10
    blobs = {name: (hostile_scan["out"] / name).read_bytes() for name in FORMATS.values()}
    blobs["console"] = hostile_scan["res"].output.encode()
    for db in hostile_scan["cache"].rglob("*.sqlite3"):
        con = sqlite3.connect(db)
        try:
            rows = [r for t, in con.execute("select name from sqlite_master where type='table'")
                    for r in con.execute(f"select * from {t}")]
        finally:
            con.close()
        blobs[db.name] = b"".join(v if isinstance(v, bytes) else str(v).encode() for row in rows for v in row)
    assert any(k.endswith(".sqlite3") for k in blobs), "the scan cache was not written"
    for name, blob in blobs.items():
        # the cache stores results compressed or not: check the decoded form too
        texts = [blob]
        import zlib

        with contextlib.suppress(zlib.error):
            texts.append(zlib.decompress(blob))
        for s in secrets:
            assert not any(s.encode() in t for t in texts), f"{s[:12]}... leaked into {name}"
    # a credential is never a model id
    ids = {r["id"] for r in hostile_scan["doc"]["references"]}
    assert not [i for i in ids if sanitize.looks_secret(i)]


def test_no_control_character_or_surrogate_in_any_output(hostile_scan):
    out = hostile_scan["out"]
    for name in ("sovaudit.json", "sovaudit.sarif", "sovaudit.cdx.json"):
        bad = [s for s in _strings(json.loads((out / name).read_text("utf-8"))) if _BAD_CHARS.search(s)]
        assert not bad, (name, bad[:3])
    for name in ("sovaudit.md", "sovaudit.html"):
        text = (out / name).read_bytes().decode("utf-8")  # strict: no surrogate could be encoded
        assert not _BAD_CHARS.search(text.replace("\n", "").replace("\t", "").replace("\r", "")), name
    assert not _BAD_CHARS.search(hostile_scan["res"].output.replace("\n", ""))


def test_console_summary_shows_markup_as_text(tmp_path):
    hostile.build(str(tmp_path), 1.0, only=("rich_markup",))
    res = CliRunner().invoke(main, ["scan", str(tmp_path), "--offline", "--no-cache", "--jobs", "1"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "[/]" in res.output


def test_a_repository_config_alias_bomb_is_refused_at_once(tmp_path):
    lines = ["l0: &l0 {home: DE, a: 1}"] + [f"l{i}: &l{i} {{<<: [" + ", ".join([f"*l{i - 1}"] * 10) + "]}" for i in range(1, 10)]
    (tmp_path / ".sovaudit.yaml").write_text("\n".join(lines) + "\n")
    (tmp_path / "a.py").write_text(hostile.GOOD_PY)
    t0 = time.perf_counter()
    res = CliRunner().invoke(main, ["scan", str(tmp_path), "--offline", "--no-cache", "-q", "-o", str(tmp_path / "o.json")])
    assert time.perf_counter() - t0 < 10
    assert res.exit_code == 2 and "expands past" in res.output


def test_bounded_yaml_reads_ordinary_documents():
    assert sanitize.yaml_load("a: &x {b: 1}\nc: {<<: *x, d: 2}\n") == {"a": {"b": 1}, "c": {"b": 1, "d": 2}}
    with pytest.raises(ValueError, match="expands past"):
        sanitize.yaml_load("a: &a [" + ",".join(["x"] * 400) + "]\nb: &b [" + ",".join(["*a"] * 400) + "]\n")


# -- time limits ------------------------------------------------------------------------------


class _Endless:
    """A reader that never ends on ``*.hang`` files (the worst a pathological file can do)."""

    name = "endless"
    binary = False

    def applies(self, path: str) -> bool:
        return path.endswith(".hang")

    def detect(self, f, kb):
        if "regex" in f.text:
            re.match(r"(a*)*b", "a" * 64)  # catastrophic backtracking
        while True:
            try:
                time.sleep(0.005)
            except Exception:  # noqa: BLE001,S112 - a reader that swallows errors must still stop
                continue
        yield from ()


@pytest.fixture
def endless_tree(tmp_path, monkeypatch):
    import sovaudit.detect.scan as sc

    monkeypatch.setattr(sc, "READERS", sc.READERS + (_Endless(),))
    for i in range(6):
        (tmp_path / f"f{i}.py").write_text(hostile.GOOD_PY)
    (tmp_path / "a.hang").write_text("loop\n")
    (tmp_path / "b.hang").write_text("regex\n")
    return tmp_path


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_file_over_its_budget_is_a_skip_and_nothing_else_is_lost(endless_tree, kb, jobs):
    from sovaudit.detect.scan import scan

    if jobs > 1:
        import sovaudit.detect.scan as sc

        # the process pool is only started past this many files
        for i in range(300):
            (endless_tree / f"g{i:03d}.txt").write_text("nothing\n")
        assert sc.BATCH_FILES  # workers are forked after the patch: they see the endless reader
    t0 = time.perf_counter()
    res = scan(ScanConfig(root=str(endless_tree), cache_dir="-", jobs=jobs, file_budget=0.5), kb)
    took = time.perf_counter() - t0
    over = sorted(s.path for s in res.skipped if s.reason == "over budget")
    assert over == ["a.hang", "b.hang"]
    assert all("per-file budget" in s.detail for s in res.skipped if s.reason == "over budget")
    models = {(r.path, r.id) for r in res.references if r.kind == Kind.MODEL}
    assert {(f"f{i}.py", g) for i in range(6) for g in hostile.GOOD_IDS} <= models
    assert took < 2 * 0.5 + 8


class _Deaf(_Endless):
    """Never ends and never hears its timer, as code stuck outside the interpreter would."""

    def applies(self, path: str) -> bool:
        return path.endswith(".deaf")

    def detect(self, f, kb):
        import signal

        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        while True:
            pass
        yield from ()


def test_a_worker_deaf_to_its_timer_is_stopped_and_replaced(tmp_path, kb, monkeypatch):
    import sovaudit.detect.scan as sc

    monkeypatch.setattr(sc, "READERS", sc.READERS + (_Deaf(),))
    monkeypatch.setattr(sc, "_KILL_GRACE", 1.0)
    for i in range(300):
        (tmp_path / f"f{i:03d}.py").write_text('model = "gpt-4o-mini"\n')
    (tmp_path / "m.deaf").write_text("x\n")
    t0 = time.perf_counter()
    res = sc.scan(ScanConfig(root=str(tmp_path), cache_dir="-", jobs=2, file_budget=0.5), kb)
    assert time.perf_counter() - t0 < 0.5 + 1.0 + 10
    assert [(s.path, s.reason) for s in res.skipped] == [("m.deaf", "over budget")]
    assert "worker reading this file was stopped" in res.skipped[0].detail
    assert len({r.path for r in res.references}) == 300  # every other file, read again by a new worker


def test_the_deadline_ends_the_scan_with_what_it_has(endless_tree, kb):
    from sovaudit.detect.scan import scan

    t0 = time.perf_counter()
    res = scan(ScanConfig(root=str(endless_tree), cache_dir="-", jobs=1, file_budget=0, deadline=0.8), kb)
    took = time.perf_counter() - t0
    assert took < 0.8 + 3
    not_scanned = {s.path for s in res.skipped if s.reason == "not scanned"}
    # a.hang never ends (no per-file budget): the deadline cuts it, the files after it are listed
    assert "a.hang" in not_scanned and {f"f{i}.py" for i in range(6)} <= not_scanned
    assert all("deadline of 0.8 s" in s.detail for s in res.skipped if s.reason == "not scanned")


def test_deadline_from_the_command_line(tmp_path):
    for i in range(3):
        (tmp_path / f"f{i}.py").write_text(hostile.GOOD_PY)
    out = tmp_path / "o.json"
    res = CliRunner().invoke(main, ["scan", str(tmp_path), "--offline", "--no-cache", "-q", "--deadline", "60", "-o", str(out)],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert {r["id"] for r in json.loads(out.read_text())["references"]} >= set(hostile.GOOD_IDS)


def test_a_scan_cut_by_its_deadline_says_so(tmp_path):
    for i in range(3):
        (tmp_path / f"f{i}.py").write_text(hostile.GOOD_PY)
    out = tmp_path / "o.json"
    res = CliRunner().invoke(main, ["scan", str(tmp_path), "--offline", "--no-cache", "--deadline", "0.000001", "-o", str(out)],
                             catch_exceptions=False)
    assert res.exit_code == 0
    said = " ".join(res.output.split())
    assert "the walk was stopped by the deadline" in said or "not scanned: the scan's deadline was reached" in said
    doc = json.loads(out.read_text())
    assert not doc["references"] and any(s["reason"] == "not scanned" for s in doc["skipped"])


# -- the secrets policy -----------------------------------------------------------------------

#: (line, secret that must go, text that must stay) -- detect-secrets-style shapes
SECRET_LINES = [
    ('OPENAI_API_KEY="sk-abcdefghijklmnopqrstuvwx"', "sk-abcdefghijklmnopqrstuvwx", "OPENAI_API_KEY"),
    ('client = OpenAI(api_key="sk-proj-AbCdEfGhIjKlMnOpQrStUvWx")', "sk-proj-AbCdEfGhIjKlMnOpQrStUvWx", "OpenAI"),
    ("token = hf_AbCdEfGhIjKlMnOpQrStUvWxYz", "hf_AbCdEfGhIjKlMnOpQrStUvWxYz", "token"),
    ("gh = 'ghp_aaaaBBBBccccDDDDeeeeFFFFgggg1234'", "ghp_aaaaBBBBccccDDDDeeeeFFFFgggg1234", "gh ="),
    ("aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE", "aws_access_key_id"),
    ("SLACK=xoxb-123456789012-abcdefghijkl", "xoxb-123456789012-abcdefghijkl", "SLACK"),
    ("jwt: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
     "dozjgNryP4J3jVmNHl0w5N", "jwt"),
    ("curl -u admin:Sup3rS3cret! https://api.openai.com/v1/models", "Sup3rS3cret!", "https://api.openai.com/v1/models"),
    ("curl --user=admin:Sup3rS3cret https://x", "Sup3rS3cret", "curl"),
    ("base_url: https://u:p4ss@w0rd/x#y@llm.example.org/v1", "p4ss@w0rd/x#y", "llm.example.org/v1"),
    ('baseURL: "https://user:hunter2hunter2@api.deepseek.com/v1"', "hunter2hunter2", "api.deepseek.com/v1"),
    ("headers: { Authorization: `Bearer tok_9f8e7d6c5b4a39281706` }", "tok_9f8e7d6c5b4a39281706", "Authorization"),
    ("-H 'Authorization: Basic YWRtaW46cGFzc3dvcmQ='", "YWRtaW46cGFzc3dvcmQ=", "Authorization"),
    ('password = "correct horse"', "correct", "password"),
    # a host named like a key keeps its port, never what follows a key-word host that is no port
    ("xyz://token:SECRETVALUE123", "SECRETVALUE123", "xyz://token:"),
]


@pytest.mark.parametrize("line, secret, keep", SECRET_LINES)
def test_the_secrets_policy_redacts_each_shape(line, secret, keep):
    out = sanitize.safe(line)
    assert secret not in out and keep in out and sanitize.REDACTED in out


@pytest.mark.parametrize("value", ["sk-proj-AbCdEfGhIjKlMnOpQrStUvWx", "hf_AbCdEfGhIjKlMnOpQrStUvWxYz",
                                   "https://u:p@api.example.org/v1", "AKIAIOSFODNN7EXAMPLE"])
def test_a_credential_is_never_an_id(value, tmp_path, kb):
    from sovaudit.detect.scan import scan

    (tmp_path / "app.py").write_text(f'client.chat.completions.create(model="{value}")\n'
                                     'client.chat.completions.create(model="gpt-4o-mini")\n')
    res = scan(ScanConfig(root=str(tmp_path), cache_dir="-", jobs=1), kb)
    assert "gpt-4o-mini" in {r.id for r in res.references}
    assert not [r for r in res.references if value in (r.id + r.text + r.snippet + repr(r.attributes))]


@pytest.mark.parametrize("word", ["gpt-4o-mini", "Qwen/Qwen2.5-7B-Instruct", "https://api.openai.com/v1", "nvidia.com/gpu",
                                  "token-classification", "Authorization", "sk-learn", "http://tokenizer:8000",
                                  "http://tokenizer-svc.default.svc.cluster.local:8000/v1/completions",
                                  "http://secret-store:8080/v1", "https://auth-proxy:8443?x=1"])
def test_ordinary_values_are_not_secrets(word):
    assert not sanitize.looks_secret(word) and sanitize.safe(word) == word


def test_an_endpoint_on_a_host_named_like_a_key_is_kept(tmp_path, kb):
    """A tokenizer sidecar (http://tokenizer:8000) was dropped as "holding a credential": its host
    name holds the key word "token" and its port looked like the key's value."""
    from sovaudit.detect.scan import scan

    (tmp_path / "router.py").write_text('from openai import OpenAI\nc = OpenAI(base_url="http://tokenizer:8000/v1")\n')
    res = scan(ScanConfig(root=str(tmp_path), cache_dir="-", jobs=1), kb)
    assert "http://tokenizer:8000/v1" in {r.id for r in res.references if r.kind.value == "endpoint"}
    assert not [s for s in res.skipped if "credential" in s.detail]


def test_clean_removes_surrogates_controls_and_caps_length():
    assert sanitize.clean("a\ud800b\x1b[2Jc\u202ed\x07") == "a\ufffdb[2Jcd"
    assert sanitize.clean_path("caf\udce9.py") == "caf\\xe9.py"
    s = sanitize.clean("x" * 10_000, 300)
    assert len(s) == 300 and s.endswith("…")
    assert sanitize.clean("tab\there\nnl") == "tab here nl"


def test_parser_errors_quoting_a_secret_are_redacted(tmp_path, kb):
    from sovaudit.detect.scan import scan

    tok = "hf_" + "HeReDoCsEcReTvAlUeXyZ123"
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "x"\nbad = "unterminated HF_TOKEN={tok}\n')
    (tmp_path / "environment.yml").write_text(f"dependencies:\n  - {{ bad: {tok}\n")
    res = scan(ScanConfig(root=str(tmp_path), cache_dir="-", jobs=1), kb)
    assert res.skipped and tok not in repr(res)


# -- fuzzing the per-file entry point ------------------------------------------------------------

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402 - after the importorskip
from hypothesis import strategies as st  # noqa: E402

#: Fragments of every attack above, for the fuzzer to splice.
FRAGMENTS = ['model="', "model: ", 'from_pretrained("', "Qwen/", "gpt-4o", "sk-proj-" + "A" * 24, "hf_" + "B" * 24, "\\ud800",
             "\ud800", "\udce9", "{{", "}}", "$(", "!", "<<: *a", "&a ", "https://u:p@h:99999/v1", "[/]", "[bold]", "\x1b[2J",
             "\u202e", "\x00", "`Bearer ", "curl -u a:b ", "\n", "\\n", '"', "'", "#", "key_token_auth:", "-----BEGIN",
             "ollama run ", "nvidia.com/gpu", "s3://bucket/", "arn:aws:bedrock:", "\r", "\t", "=" * 5, "ab" * 40]
EXTENSIONS = [".py", ".ipynb", ".yaml", ".json", ".js", ".md", ".toml", ".tf", ".env", "Dockerfile", ".gguf", ".safetensors",
              "requirements.txt", "package.json", "config.json", ".txt"]


@st.composite
def hostile_files(draw):
    name = draw(st.sampled_from(EXTENSIONS))
    name = name if not name.startswith(".") else "f" + name
    parts = draw(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)), max_size=60))
    text = "".join(parts) * draw(st.integers(1, 50))
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        data = draw(st.binary(max_size=64)) + data
    if name.endswith(".gguf") and draw(st.booleans()):
        data = hostile.gguf({"general.name": text[:2000], "general.architecture": "llama"})
    return name, data


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(f=hostile_files())
def test_fuzz_the_per_file_entry_point(f, kb, tmp_path):
    from sovaudit.detect.cache import decode_result
    from sovaudit.detect.scan import _finish, scan_file
    from sovaudit.walk.walker import WalkItem

    name, data = f
    p = tmp_path / name
    p.write_bytes(data)
    st_ = os.stat(p)
    item = WalkItem(name, str(p), st_.st_size, st_.st_mtime_ns, st_.st_ino)
    t0 = time.perf_counter()
    refs, skips, sups, _ = scan_file(item, kb, 5 * 1024 * 1024, budget=2.0)
    assert time.perf_counter() - t0 < 3.0
    refs2, skips2, _ = decode_result(name, _finish(item, refs, skips, sups))
    for r in refs2:
        for s in (r.id, r.text, r.snippet, r.path, *[v for kv in r.attributes for v in kv]):
            assert not _BAD_CHARS.search(s), s
            assert not sanitize._TOKEN_ANY.search(s), s  # no token shape is left anywhere
        assert len(r.id) <= sanitize.MAX_ID
    for s in skips2:
        assert not _BAD_CHARS.search(s.path + s.reason + s.detail)
