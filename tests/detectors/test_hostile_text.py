"""Adversarial text: shapes that made the old detectors hang (a minified megabyte on one line, a
long run of template braces, deep nesting, a secret on a very long line, millions of anchors).
Each file must be read whole, give the references planted in it, and lose nothing else. Speed is
measured in benchmarks/, not here; a file that exceeded its budget would show as a skip."""

from __future__ import annotations

import random

import pytest

import sovaudit.detect.lexical as lexical
from sovaudit.detect import lexer_for
from sovaudit.detect.scan import scan
from sovaudit.model import Kind, ScanConfig


def models(kb, path: str, data: bytes):
    refs, skips = lexer_for(kb).analyse(path, data)
    return sorted({(r.id, r.line) for r in refs if r.kind == Kind.MODEL}), skips


def test_minified_megabytes_on_one_line(kb):
    rnd = random.Random(7)
    chunks = []
    for i in range(40_000):
        chunks.append("".join(rnd.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(40)))
        if i % 5000 == 0:
            chunks.append('model:"gpt-4o-mini",token:"' + "A" * 300 + '"')
    data = ("var a={" + ",".join(chunks) + "};").encode()
    assert len(data) > 1_600_000 and b"\n" not in data
    got, skips = models(kb, "bundle.min.js", data)
    assert got == [("gpt-4o-mini", 1)] and skips == []


def test_long_runs_of_template_braces_and_nesting(kb):
    data = ("values:\n  a: " + "{{" * 300_000 + "\n  model: Qwen/Qwen2.5-7B-Instruct\n"
            + "x = " + "(" * 100_000 + "\nmodel = 'gpt-4o'\n").encode()
    got, skips = models(kb, "weird.yaml", data)
    assert got == [("Qwen/Qwen2.5-7B-Instruct", 3), ("gpt-4o", 5)] and skips == []


def test_a_notebook_of_base64_images_with_a_constant_passed_to_a_loader(kb):
    """peft's diffusers notebooks: megabytes of base64 image outputs, and a model passed through a
    variable. Looking up the variable's assignment read the blobs with a backtracking pattern (7.6 s,
    over the budget: the file was only partly analysed)."""
    rnd = random.Random(3)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    blob = "".join(rnd.choice(alphabet) for _ in range(2_000_000))
    cells = ('{"cells": [{"cell_type": "code", "source": ["base = \\"runwayml/stable-diffusion-v1-5\\"\\n", '
             '"pipe = DiffusionPipeline.from_pretrained(base)\\n"], "outputs": [{"data": {"image/png": "' + blob + '"}}]}]}\n')
    got, skips = models(kb, "inference.ipynb", cells.encode())
    assert got == [("runwayml/stable-diffusion-v1-5", 1)] and skips == []


def test_a_secret_on_a_very_long_line_is_cut_then_redacted(kb, tmp_path):
    secret = "sk-proj-" + "Z" * 40
    line = "x" * 200_000 + f' api_key="{secret}" model="deepseek-chat" ' + "auth_token=" * 20_000
    (tmp_path / "app.py").write_text(line + "\n")
    res = scan(ScanConfig(root=str(tmp_path), cache_dir="-", jobs=1), kb)
    (r,) = [r for r in res.references if r.kind == Kind.MODEL]
    assert r.id == "deepseek-chat" and len(r.snippet) <= 240 and secret not in r.snippet


def test_many_anchors_stop_at_the_cap_and_say_so(kb, monkeypatch):
    monkeypatch.setattr(lexical, "MAX_ANCHORS", 1000)
    data = "".join(f'model = "org{i}/model-{i}"\n' for i in range(3000)).encode()
    refs, skips = lexer_for(kb).analyse("many.py", data)
    assert [s.reason for s in skips] == ["partly analysed"]
    assert "the first 1000 were read" in skips[0].detail
    assert 0 < len([r for r in refs if r.kind == Kind.MODEL]) < 3000


def test_a_spent_budget_keeps_what_was_found_and_says_where_it_stopped(kb):
    lx = lexical.Lexer(kb)
    data = "".join(f'model = "org/model-{i}"\n' for i in range(5000)).encode()
    refs, skips = lx.analyse("slow.py", data, budget=0.0)
    assert [s.reason for s in skips] == ["partly analysed"]
    assert "analysis budget" in skips[0].detail and "line " in skips[0].detail
    assert 0 < len(refs) < 5000


@pytest.mark.parametrize("junk", [
    b"\xff\xfe\xfd" * 1000,
    "\ud800".encode("utf-8", "surrogatepass") * 100 + b' model="gpt-4o"',
    b"https://api.deepseek.com:99999/v1 model='deepseek-chat'",
    b"\x1b[31m model = 'gpt-4o' \x1b[0m\r\r\r",
    b"model=" * 50_000,
])
def test_odd_bytes_never_raise(kb, junk):
    refs, skips = lexer_for(kb).analyse("junk.py", junk)
    for r in refs:
        r.id.encode("utf-8")  # every id is valid text
    assert all(s.reason == "partly analysed" for s in skips)


def test_twenty_thousand_shared_device_strings_and_other_new_anchors_on_one_line(kb, tmp_path):
    """The end-of-file passes of this session's anchors (a shared device string's vendor, a dashed
    region's cloud) are linear: 20,000 "npu" strings once took 53 s (a vendor search over every
    reference for each one), past the per-file limit, and the file's findings were lost."""
    n, m = 20_000, 2_000
    others = ['"trl-internal-testing/tiny-Qwen2-2.5"', '"westeurope"', '"cn-beijing"', '"p4de.24xlarge"']
    (tmp_path / "devices.ts").write_text("const D = [" + ", ".join(['"npu"'] * n + others * m) + "];\n")
    res = scan(ScanConfig(root=str(tmp_path), cache_dir="-", jobs=1), kb)
    assert res.skipped == ()
    kinds: dict[tuple[str, str], int] = {}
    for r in res.references:
        kinds[(r.kind.value, r.id)] = kinds.get((r.kind.value, r.id), 0) + 1
    assert kinds[("hardware", "unknown")] == n  # no Ascend evidence in the file: an NPU of no known vendor
    assert kinds[("model", "trl-internal-testing/tiny-Qwen2-2.5")] == m
    assert kinds[("cloud", "westeurope")] == m
    assert ("cloud", "cn-beijing") not in kinds  # shared by two clouds, neither named here


def test_this_sessions_anchors_on_hostile_lines(kb, tmp_path):
    """Cloud CLI words, quoted short families and open-weight names, and model paths in URLs,
    thousands of each on one line and in one long URL: each file is read whole (no skip, so no
    budget was spent) and gives exactly the references planted in it."""
    n = 5_000
    (tmp_path / "cli.sh").write_text("aws " * n + "\naws s3 cp a b\n")
    (tmp_path / "names.ts").write_text("const M = [" + ", ".join(['"o3-mini"', '"llama-3.3-70b-versatile"', '"llama-8bit"'] * n) + "];\n")
    url = "https://generativelanguage.googleapis.com/v1beta" + "/models/x" * 2_000 + "/models/gemini-2.0-flash:generateContent"
    (tmp_path / "call.py").write_text(f'URL = "{url}"\nU2 = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent"\n')
    res = scan(ScanConfig(root=str(tmp_path), cache_dir="-", jobs=1), kb)
    assert res.skipped == ()
    got: dict[tuple[str, str, str], int] = {}
    for r in res.references:
        if r.kind.value in ("model", "cloud"):
            got[(r.path, r.kind.value, r.id)] = got.get((r.path, r.kind.value, r.id), 0) + 1
    # line 1's first word stands where a command does, then a word: read as one; the other 4,999 not
    assert sorted(r.line for r in res.references if r.path == "cli.sh" and r.kind.value == "cloud") == [1, 2]
    assert got[("names.ts", "model", "o3-mini")] == n and got[("names.ts", "model", "llama-3.3-70b-versatile")] == n
    assert not [k for k in got if k[0] == "names.ts" and "8bit" in k[2]]  # a word goes on after "8b"
    # the 16 KB URL is past the 2 KB cap for path models; the short one is read
    assert [k for k in got if k[0] == "call.py" and k[1] == "model"] == [("call.py", "model", "gemini-2.0-flash")]
    assert got[("call.py", "model", "gemini-2.0-flash")] == 1


def test_this_sessions_end_of_file_passes_on_hostile_files(kb, tmp_path):
    """Regions inside and outside allowed-values lists, shared ALB annotations, SDK namespaces and
    typed declarations, thousands of each in one file: every pass is linear (each list's extent is
    read once; no annotation or region rescans the file's references), so each file is read whole
    and gives exactly what was planted."""
    n = 4_000
    bicep = "".join(f"@allowed([\n  'eastus'\n  'westeurope'\n])\nparam l{i} string\nlocation: 'swedencentral'\n" for i in range(n))
    (tmp_path / "main.bicep").write_text("resource s 'Microsoft.Storage/storageAccounts@2022-05-01' = {}\n" + bicep)
    (tmp_path / "values.yaml").write_text("annotations:\n" + "".join(f"  alb.ingress.kubernetes.io/k{i}: v\n" for i in range(n))
                                          + "  cert: arn:aws:acm:us-east-1:123456789012:certificate/abc\n")
    (tmp_path / "Api.java").write_text("".join(f"import software.amazon.awssdk.services.s{i}.Client;\n" for i in range(n)))
    (tmp_path / "consts.rs").write_text("".join(f'pub const API_BASE_URL_{i}: &str = "https://api.openai.com/v1";\n' for i in range(n)))
    res = scan(ScanConfig(root=str(tmp_path), cache_dir="-", jobs=1), kb)
    assert res.skipped == ()
    by: dict[tuple[str, str, str], int] = {}
    for r in res.references:
        key = (r.path, r.form, r.attribute("choice"))
        by[key] = by.get(key, 0) + 1
    assert by[("main.bicep", "region", "allowed-values")] == 2 * n and by[("main.bicep", "region", "")] == n
    assert by[("values.yaml", "label", "")] == n
    assert {r.provider for r in res.references if r.path == "values.yaml" and r.form == "label"} == {"aws"}
    assert by[("Api.java", "sdk", "")] == n
    assert sum(1 for r in res.references if r.path == "consts.rs" and r.kind.value == "endpoint") == n


def test_a_file_of_many_clients_is_read_in_linear_work(kb, monkeypatch):
    """n clients, each pointed at its own server and called with a model: every call's provider is
    looked up once per place, and the file's bindings and module redirections are found in one
    pass each. (A search per client name and a scan of all the file's evidence per place made
    2,000 such lines take 6.8 s, 5,000 over the budget: the file's references were lost.)"""
    n = 600
    data = ("from openai import OpenAI\n" + "".join(
        f'c{i} = OpenAI(base_url="https://h{i}.example-llm.com/v1"); c{i}.chat.completions.create(model="gpt-4o")\n'
        for i in range(n))).encode()
    lx = lexical.Lexer(kb)
    calls: dict[str, int] = {"here": 0, "bindings": 0, "attrs": 0}
    here = lexical.Lexer._provider_here
    monkeypatch.setattr(lexical.Lexer, "_provider_here", lambda self, *a: calls.__setitem__("here", calls["here"] + 1) or here(self, *a))

    class Counted:
        def __init__(self, rx, key):
            self.rx, self.key = rx, key

        def finditer(self, *a):
            calls[self.key] += 1
            return self.rx.finditer(*a)

    monkeypatch.setattr(lexical.Lexer, "_BINDING", Counted(lexical.Lexer._BINDING, "bindings"))
    monkeypatch.setattr(lexical.Lexer, "_ATTR_SET", Counted(lexical.Lexer._ATTR_SET, "attrs"))
    refs, skips = lx.analyse("clients.py", data)
    got = [r for r in refs if r.kind == Kind.MODEL]
    assert len(got) == n and skips == []
    assert calls["bindings"] <= 1 and calls["attrs"] <= 1
    assert calls["here"] <= 2 * n  # places looked up, each once (it was 31 per reference)
