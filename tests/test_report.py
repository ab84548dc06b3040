"""Report writers: golden files, standards validation (SARIF schema, CycloneDX validators, the
JSON document's own schema), inert rendering of hostile strings, determinism, limits.

Goldens live under tests/golden/<case>/ and are compared byte for byte. They change only when
regenerated on purpose -- review the diff by eye, then:

    SOVAUDIT_UPDATE_GOLDEN=1 python -m pytest tests/test_report.py -k golden
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from sovaudit.cli import main
from sovaudit.model import (
    ExposureKind,
    ExposurePath,
    Finding,
    Layer,
    Severity,
)
from sovaudit.report import (
    FORMATS,
    cyclonedx,
    file_name,
    format_for_path,
    html,
    markdown,
    sarif,
    writer,
)

from report_support import (
    CORPUS_TREE,
    EU_POLICY,
    EU_STACK,
    REPO,
    check_golden,
    hostile_result,
    normalised,
    report_result,
)

GOLDEN = Path(__file__).parent / "golden"
SARIF_SCHEMA = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"
RESULT_SCHEMA = REPO / "src" / "sovaudit" / "schemas" / "scan-result.schema.json"

CASES = {
    # examples/eu-stack under the EU data policy, judged at --fail-on high
    "eu-stack": (EU_STACK, (EU_POLICY,), "high"),
    # the labelled detection corpus (69 files, every format the scanner reads), default policy
    "corpus-tree": (CORPUS_TREE, (), "none"),
}
_RESULTS: dict[str, object] = {}


def case_result(name: str, kb):
    if name not in _RESULTS:
        root, policies, fail_on = CASES[name]
        _RESULTS[name] = normalised(report_result(root, kb, policies, fail_on))
    return _RESULTS[name]


def sarif_validator():
    schema = json.loads(SARIF_SCHEMA.read_text("utf-8"))
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def result_validator():
    schema = json.loads(RESULT_SCHEMA.read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def errors(validator, doc) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in validator.iter_errors(doc)][:10]


# ------------------------------------------------------------------------------------------
# Goldens
# ------------------------------------------------------------------------------------------


#: Goldens small enough to review: every format of the seeds' example; the corpus tree's summary
#: (its other formats run to megabytes: they are checked by the standards tests below instead).
GOLDENS = [("eu-stack", fmt) for fmt in sorted(FORMATS)] + [("corpus-tree", "md")]


@pytest.mark.parametrize("case, fmt", GOLDENS)
def test_golden(case, fmt, kb):
    check_golden(GOLDEN / case / file_name(fmt), writer(fmt)(case_result(case, kb)), f"{case}/{fmt}")


# ------------------------------------------------------------------------------------------
# Standards
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(CASES))
def test_json_document_validates_against_its_shipped_schema(case, kb):
    from sovaudit.report import jsondoc

    doc = json.loads(jsondoc.dumps(case_result(case, kb)))
    assert errors(result_validator(), doc) == []
    assert doc["report"]["generated"] == "2026-01-01T00:00:00Z"
    assert doc["findings"] and doc["assessment"]["layers"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_json_document_streams_as_it_dumps(case, kb):
    """``jsondoc.write`` (what the CLI uses: one record's dicts at a time, flushed every ``buffer``
    characters) writes exactly ``dumps``; ``to_document`` is the same document as plain dicts."""
    import io

    from sovaudit.report import jsondoc

    result = case_result(case, kb)
    text = jsondoc.dumps(result)
    for buffer in (1, 100, 1 << 20):
        fh = io.BytesIO()
        jsondoc.write(result, fh, buffer=buffer)
        assert fh.getvalue() == text.encode("utf-8")
    assert jsondoc.to_document(result) == json.loads(text)


def test_write_all_forked_or_not_writes_what_the_writers_render(kb, tmp_path):
    """Every format written by ``write_all`` -- in forked workers or in one process -- is the
    writer's text to the byte (the JSON document streamed)."""
    from sovaudit.report import write_all

    result = case_result("eu-stack", kb)
    fmts = sorted(FORMATS)
    for jobs in (1, 2):
        folder = tmp_path / f"jobs{jobs}"
        folder.mkdir()
        files = write_all(result, fmts, str(folder), jobs)
        assert sorted(files) == fmts
        for fmt in fmts:
            assert Path(files[fmt]).read_bytes() == writer(fmt)(result).encode("utf-8"), (jobs, fmt)


def test_json_schema_ships_with_the_package():
    from importlib import resources

    assert (resources.files("sovaudit") / "schemas" / "scan-result.schema.json").is_file()


def test_json_schema_rejects_what_it_should(kb):
    from sovaudit.report import jsondoc

    doc = json.loads(jsondoc.dumps(case_result("eu-stack", kb)))
    v = result_validator()
    bad = json.loads(json.dumps(doc))
    bad["references"][0]["path"] = "/etc/passwd"
    assert errors(v, bad)
    bad = json.loads(json.dumps(doc))
    bad["findings"][0]["severity"] = "catastrophic"
    assert errors(v, bad)
    bad = json.loads(json.dumps(doc))
    bad["surprise"] = 1
    assert errors(v, bad)


@pytest.mark.parametrize("case", sorted(CASES))
def test_sarif_validates_against_the_official_schema(case, kb):
    doc = json.loads(sarif.dumps(case_result(case, kb)))
    assert errors(sarif_validator(), doc) == []
    (run,) = doc["runs"]
    assert doc["version"] == "2.1.0"
    rules = run["tool"]["driver"]["rules"]
    assert rules and all(r["properties"]["security-severity"] in ("9.5", "8.0", "5.5", "3.0") for r in rules)
    assert all(r["help"]["text"] and r["name"] and r["shortDescription"]["text"] for r in rules)
    assert run["tool"]["driver"]["informationUri"].startswith("https://")
    for r in rules:  # a sentence a reviewer reads, never a template
        assert r["helpUri"].startswith("https://")
        for text in (r["shortDescription"]["text"], r["fullDescription"]["text"], r["help"]["text"], r["help"]["markdown"]):
            assert not re.search(r"<[a-z_]+>|\{[a-z_]+", text), (r["id"], text)
    for res in run["results"]:
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not loc["artifactLocation"]["uri"].startswith("/")
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert re.fullmatch(r"[0-9a-f]{32}", res["partialFingerprints"]["sovaudit/v2"])
    assert any("snippet" in r["locations"][0]["physicalLocation"]["region"] for r in run["results"])


def test_sarif_rule_text_of_a_rule_without_description():
    assert sarif._template_text("{model} is API-only (made by {via}): needs approval ({where})") == \
        "A model is API-only (made by the provider or publisher): needs approval"
    assert sarif._template_text("Data leaves {home} for {jurisdiction:>3}") == "Data leaves the home jurisdiction for another jurisdiction"


def test_sarif_results_one_per_finding_and_reference(kb):
    result = case_result("eu-stack", kb)
    doc = json.loads(sarif.dumps(result))
    results = doc["runs"][0]["results"]
    want = sum(len({p.fingerprint for p in f.paths}) for f in result.findings)
    assert len(results) == want
    aws = [r for r in results if r["properties"]["entity"] == "cloud:aws"]
    first = aws[0]["locations"][0]["physicalLocation"]
    assert first["artifactLocation"]["uri"] == "deploy/k8s/app.yaml"
    assert first["region"]["startLine"] == 19 and first["region"]["snippet"]["text"] == "eks.amazonaws.com/nodegroup: general"
    assert len({r["partialFingerprints"]["sovaudit/v2"] for r in results}) == len(results)


def test_sarif_fingerprints_survive_code_moving(tmp_path, kb):
    tree = tmp_path / "repo"
    (tree / "svc").mkdir(parents=True)
    app = tree / "svc" / "app.py"
    body = ('from openai import OpenAI\nclient = OpenAI(base_url="https://api.deepseek.com")\n'
            'r = client.chat.completions.create(model="deepseek-chat", messages=[])\n')
    app.write_text(body)

    def prints():
        doc = json.loads(sarif.dumps(report_result(tree, kb, (EU_POLICY,))))
        return {(r["ruleId"], r["partialFingerprints"]["sovaudit/v2"]): r["locations"][0]["physicalLocation"]["region"]["startLine"]
                for r in doc["runs"][0]["results"]}

    before = prints()
    app.write_text("# a header\n\n\n" + body)
    after = prints()
    assert before and set(before) == set(after)
    assert all(after[k] == before[k] + 3 for k in before)


def test_sarif_alerts_keep_their_fingerprints_when_a_reference_joins_the_finding(tmp_path, kb):
    """Code scanning tracks an alert by its partial fingerprint: a second file using the same
    model joins the same finding, and must add one alert, not give the first one a new identity."""
    tree = tmp_path / "repo"
    (tree / "svc").mkdir(parents=True)
    body = ('from openai import OpenAI\nclient = OpenAI(base_url="https://api.deepseek.com")\n'
            'r = client.chat.completions.create(model="deepseek-chat", messages=[])\n')
    (tree / "svc" / "app.py").write_text(body)

    def prints():
        result = report_result(tree, kb, (EU_POLICY,))
        doc = json.loads(sarif.dumps(result))
        return result, {(r["ruleId"], r["partialFingerprints"]["sovaudit/v2"]) for r in doc["runs"][0]["results"]}

    r1, before = prints()
    (tree / "svc" / "batch.py").write_text(body.replace("r = ", "s = "))
    r2, after = prints()
    assert before and before < after
    # the findings themselves did change: they cover one more reference each
    assert {f.fingerprint for f in r1.findings} != {f.fingerprint for f in r2.findings}


def test_sarif_skipped_files_are_notifications_and_paths_are_uris(tmp_path, kb):
    tree = tmp_path / "repo"
    tree.mkdir()
    (tree / "blob data.py").write_bytes(b"\x00\x01binary")
    (tree / "app.py").write_text('import openai\nc = openai.OpenAI(base_url="http://llm.internal:8080/v1")\n')
    doc = json.loads(sarif.dumps(report_result(tree, kb)))
    notes = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    (skip,) = [n for n in notes if n["descriptor"]["id"] == "sovaudit/skipped"]
    assert skip["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "blob%20data.py", "uriBaseId": "%SRCROOT%"}
    assert "binary" in skip["message"]["text"]
    assert errors(sarif_validator(), doc) == []


def _many_paths_result(kb, findings: int, paths_each: int):
    """A result with ``findings`` findings of ``paths_each`` distinct references each (SARIF limits)."""
    base = case_result("eu-stack", kb)
    out = []
    for i in range(findings):
        paths = tuple(ExposurePath(f"svc/f{i}.py", j + 1, (f"loc:svc/f{i}.py:{j + 1}", "cloud:aws", "jurisdiction:US"),
                                   ("references", "subject-to"), fingerprint=hashlib.md5(f"{i}/{j}".encode()).hexdigest(),
                                   context="code", confidence=0.9) for j in range(paths_each))
        out.append(Finding("SYN-RULE", Severity.HIGH if i % 2 else Severity.LOW, f"finding {i}", Layer.CLOUD,
                           ExposureKind.DATA, "US", "cloud:aws", ("cloud:aws",), tuple(p.fingerprint for p in paths), paths,
                           hashlib.md5(str(i).encode()).hexdigest()))
    return replace(base, findings=tuple(sorted(out, key=Finding.sort_key)))


def test_sarif_fits_github_limits(kb):
    result = _many_paths_result(kb, findings=130, paths_each=200)  # 26,000 results
    doc = json.loads(sarif.dumps(result))
    run = doc["runs"][0]
    assert len(run["results"]) == sarif.MAX_RESULTS == 25_000
    (note,) = [n for n in run["invocations"][0]["toolExecutionNotifications"] if n["descriptor"]["id"] == "sovaudit/results-truncated"]
    assert "1000 of 26000" in note["message"]["text"]
    assert {r["level"] for r in run["results"][:12_000]} == {"error"}  # the most severe are kept
    assert len(run["tool"]["driver"]["rules"]) <= 25_000


@pytest.mark.parametrize("case", sorted(CASES))
def test_cyclonedx_validates_with_the_librarys_own_validators(case, kb):
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator
    from cyclonedx.validation.xml import XmlValidator

    result = case_result(case, kb)
    j, x = cyclonedx.dumps_json(result), cyclonedx.dumps_xml(result)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(j) is None
    assert XmlValidator(SchemaVersion.V1_6).validate_str(x) is None
    doc = json.loads(j)
    assert doc["specVersion"] == "1.6" and doc["metadata"]["timestamp"].startswith("2026-01-01T00:00:00")
    serial = doc["serialNumber"]
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", serial) and serial in x and serial != "urn:uuid:00000000-0000-0000-0000-000000000000"


def test_cyclonedx_models_services_platforms_and_dependencies(kb):
    doc = json.loads(cyclonedx.dumps_json(case_result("eu-stack", kb)))
    comps = {c["bom-ref"]: c for c in doc["components"]}
    qwen = comps["model:Qwen/Qwen2.5-7B-Instruct"]
    assert qwen["type"] == "machine-learning-model"
    assert qwen["supplier"]["address"]["country"] == "CN"
    assert {(o["location"], o["line"]) for o in qwen["evidence"]["occurrences"]} >= {("deploy/Dockerfile", 14), ("service/summarize.py", 14)}
    props = {p["name"]: p["value"] for p in qwen["properties"]}
    assert props["sovaudit:control"] == "self-hostable" and "model:supply=CN" in props["sovaudit:exposure"].split("; ")
    assert props["sovaudit:origin"] == "alibaba-qwen [CN]"
    aws = comps["cloud:aws"]
    assert aws["type"] == "platform" and aws["supplier"]["address"]["country"] == "US"
    assert [c["bom-ref"] for c in aws["components"]] == ["region:aws/eu-central-1"]
    assert comps["hardware:nvidia"]["type"] == "device"
    assert comps["package:vllm"]["purl"] == "pkg:pypi/vllm"
    services = {s["bom-ref"]: s for s in doc["services"]}
    ds = services["provider:deepseek"]
    assert ds["endpoints"] == ["https://api.deepseek.com"] and ds["provider"]["address"]["country"] == "CN"
    assert ds["x-trust-boundary"] is True and ds["data"][0]["flow"] == "outbound"
    vllm = services["endpoint:http://vllm.inference.svc.cluster.local:8000/v1"]
    assert vllm["x-trust-boundary"] is False
    deps = {d["ref"]: d.get("dependsOn", []) for d in doc["dependencies"]}
    assert "provider:deepseek" in deps["model:deepseek-chat"]
    assert deps["region:aws/eu-central-1"] == ["cloud:aws"]
    assert "model:Qwen/Qwen2.5-7B-Instruct" in deps["root"]


def test_cyclonedx_lineage_is_pedigree(kb):
    from sovaudit.assess.exposure import assess_scan
    from sovaudit.assess.policy import evaluate_scan, load_policy
    from sovaudit.report.context import with_context

    from graph_support import mixed_stack

    policy = load_policy()  # mixed_stack() carries its provenance already: no resolve step
    result = with_context(evaluate_scan(assess_scan(mixed_stack(), kb), kb, policy), kb, policy, env={})
    doc = json.loads(cyclonedx.dumps_json(result))
    ft = next(c for c in doc["components"] if c["bom-ref"] == "model:nvidia/Qwen-FT-7B")
    anc = {a["name"]: {p["name"]: p["value"] for p in a["properties"]} for a in ft["pedigree"]["ancestors"]}
    assert set(anc) == {"Qwen/Qwen2.5-7B-Instruct", "Qwen/Qwen2.5-7B"}  # the library orders them by name
    assert anc["Qwen/Qwen2.5-7B"]["sovaudit:lineage:depth"] == "2"
    assert anc["Qwen/Qwen2.5-7B"]["sovaudit:lineage:child"] == "Qwen/Qwen2.5-7B-Instruct"
    assert anc["Qwen/Qwen2.5-7B-Instruct"]["sovaudit:lineage:relation"] == "finetune"
    assert doc["metadata"]["timestamp"]  # SOURCE_DATE_EPOCH unset: the real time
    gpt = next(c for c in doc["components"] if c["bom-ref"] == "model:gpt-4o")
    assert {p["name"]: p["value"] for p in gpt["properties"]}["sovaudit:weights"] == "api-only"


def test_cyclonedx_that_fails_validation_is_not_written(tmp_path, monkeypatch):
    from sovaudit.report.common import ReportError

    def broken(text, fmt):
        raise ReportError("CycloneDX JSON BOM failed schema validation, not written: simulated")

    monkeypatch.setattr(cyclonedx, "validate", broken)
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["scan", str(EU_STACK), "--offline", "--no-cache", "-q", "--format", "json,cyclonedx",
                                    "--output-dir", str(out)])
    assert res.exit_code == 3
    assert "failed schema validation" in res.output
    assert not out.exists() or not any(out.iterdir())  # nothing written, not even the JSON (nor its staging folder)
    # a report already there is left as it was
    old = tmp_path / "bom.cdx.json"
    old.write_text("previous")
    res = CliRunner().invoke(main, ["scan", str(EU_STACK), "--offline", "--no-cache", "-q", "-o", str(old)])
    assert res.exit_code == 3 and old.read_text() == "previous" and sorted(tmp_path.iterdir()) == [old, out]


# ------------------------------------------------------------------------------------------
# Hostile strings render inert
# ------------------------------------------------------------------------------------------



class _Collect(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []
        self._in_script = False
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for k, v in attrs:
            self.attrs.append((tag, k, v or ""))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def assert_inert_html(page: str) -> None:
    p = _Collect()
    p.feed(page)
    assert len(p.scripts) == 1, "exactly one script: the report's own"
    digest = base64.b64encode(hashlib.sha256(p.scripts[0].encode()).digest()).decode()
    csp = next(v for t, k, v in p.attrs if t == "meta" and k == "content" and "default-src" in v)
    assert f"'sha256-{digest}'" in csp and "default-src 'none'" in csp
    assert not [a for a in p.attrs if a[1].lower().startswith("on")], "no event-handler attribute"
    for tag, k, v in p.attrs:
        if k in ("href", "src", "action", "formaction", "xlink:href"):
            assert v.startswith("#") or re.match(r"https?://", v), (tag, k, v)
            assert "javascript" not in v.lower()
    assert not {"img", "iframe", "object", "embed", "link", "svg:script", "form", "base"} & set(p.tags) - {"svg"}
    for needle in ("<script>alert", "<img src=x", "<svg onload", '"onmouseover="'):
        assert needle not in page, needle


def test_hostile_strings_render_inert_in_html(tmp_path, kb):
    result = hostile_result(tmp_path, kb)
    page = html.render(result)
    assert_inert_html(page)
    # ...while still shown, escaped, to the reader
    assert "&lt;script&gt;alert(1)&lt;!--.py" in page
    assert "javascript:alert(4).env" in page  # as text
    assert 'evil/&lt;script&gt;alert(&#34;m&#34;)&lt;/script&gt;' in page or "evil/&lt;script&gt;" in page
    assert "&lt;script&gt;alert(8)&lt;/script&gt; &#34;quoted&#34;" in page  # the suppression's reason


def test_hostile_strings_stay_data_in_every_other_format(tmp_path, kb):
    result = hostile_result(tmp_path, kb)
    md = markdown.render(result)
    assert "<script" not in md and "<img" not in md and "<svg" not in md
    assert "](javascript" not in md
    for fmt in ("json", "sarif", "cyclonedx"):
        json.loads(writer(fmt)(result))  # still well-formed
    from xml.dom.minidom import parseString

    parseString(cyclonedx.dumps_xml(result).encode())
    assert errors(sarif_validator(), json.loads(sarif.dumps(result))) == []


# ------------------------------------------------------------------------------------------
# HTML content
# ------------------------------------------------------------------------------------------


def test_html_has_every_section_and_no_external_resource(kb):
    page = html.render(case_result("eu-stack", kb))
    for sid in ("summary", "graph", "findings", "models", "inference", "cloud", "hardware", "software", "exposures",
                "regimes", "evidence", "suppressions", "skipped", "metadata"):
        assert f'<section id="{sid}">' in page
    assert_inert_html(page)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page.replace('href="http', "")), "no fetched resource"
    assert "url(" not in page and "@import" not in page
    assert page.count("<svg") == 2  # the graph and the per-layer bars
    assert "FAIL: 5 findings at or above high" in page
    assert "https://www.congress.gov/bill/115th-congress/house-bill/4943" in page  # CLOUD Act, linked
    assert "eks.amazonaws.com/nodegroup: general" in page  # a snippet
    assert "Generated 2026-01-01T00:00:00Z" in page and "offline: the Hub was not consulted" in page
    assert "None: the scanned tree has no" in page and "None: every file was read." in page


def test_html_without_source_date_epoch_says_so(kb):
    result = replace(case_result("eu-stack", kb), report=replace(case_result("eu-stack", kb).report, generated=""))
    page = html.render(result)
    assert "Time not recorded" in page


def test_html_shows_suppressions_and_skips(tmp_path, kb):
    result = hostile_result(tmp_path, kb)
    page = html.render(result)
    assert "sup&#39;.py:1" in page and "SOV-DATA-UNKNOWN" in page
    assert "binary" in page and "contains NUL bytes" in page


# ------------------------------------------------------------------------------------------
# Markdown
# ------------------------------------------------------------------------------------------


def test_markdown_summary(kb):
    md = markdown.render(case_result("eu-stack", kb))
    assert md.startswith("### ❌ sovaudit: eu-stack — FAIL: 5 findings at or above high")
    # the cloud layer's own references: 6 region mentions in DE (within the EU: no EU column), 31 AWS ones
    assert "| Cloud | · | data \\(6\\) | data\\+supply \\(32\\) |" in md
    assert len(md) < 65_536


def test_markdown_long_lists_are_cut_with_a_count(kb):
    result = _many_paths_result(kb, findings=3000, paths_each=1)
    md = markdown.render(result)
    assert len(md) < 65_536
    m = re.search(r"…and (\d+) more findings", md)
    assert m and int(m.group(1)) + md.count("| SYN-RULE |") == 3000
    tiny = markdown.render(result, limit=3000)
    assert len(tiny) < 3000


# ------------------------------------------------------------------------------------------
# CLI and determinism
# ------------------------------------------------------------------------------------------


def test_output_dir_writes_every_format_byte_identical_twice(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    outs = []
    for n in ("a", "b"):
        out = tmp_path / n
        res = CliRunner().invoke(main, ["scan", str(EU_STACK), "--offline", "--no-cache", "-q",
                                        "--format", "html,sarif,cyclonedx,cyclonedx-xml,json,md", "--output-dir", str(out)])
        assert res.exit_code == 0, res.output
        outs.append(out)
    names = sorted(p.name for p in outs[0].iterdir())
    assert names == ["sovaudit.cdx.json", "sovaudit.cdx.xml", "sovaudit.html", "sovaudit.json", "sovaudit.md", "sovaudit.sarif"]
    for name in names:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


def test_real_time_without_source_date_epoch(tmp_path, monkeypatch):
    """Without SOURCE_DATE_EPOCH reports carry the audit's real UTC time (with it, that time:
    the byte-identical test above)."""
    import datetime as dt

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    out = tmp_path / "a"
    res = CliRunner().invoke(main, ["scan", str(EU_STACK), "--offline", "--no-cache", "-q", "--format", "cyclonedx,sarif,json",
                                    "--output-dir", str(out)])
    assert res.exit_code == 0, res.output
    after = dt.datetime.now(dt.timezone.utc)
    stamp = json.loads((out / "sovaudit.cdx.json").read_text())["metadata"]["timestamp"]
    when = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    assert before <= when <= after
    sarif_doc = json.loads((out / "sovaudit.sarif").read_text())
    assert sarif_doc["runs"][0]["invocations"][0]["startTimeUtc"] == json.loads((out / "sovaudit.json").read_text())["report"]["generated"]


def test_output_file_format_from_its_extension(tmp_path):
    for name, marker in (("r.html", b"<!DOCTYPE html>"), ("r.sarif", b'"version": "2.1.0"'), ("r.cdx.json", b'"bomFormat": "CycloneDX"'),
                         ("r.md", b"### "), ("r.cdx.xml", b"<?xml")):
        res = CliRunner().invoke(main, ["scan", str(EU_STACK), "--offline", "--no-cache", "-q", "-o", str(tmp_path / name)])
        assert res.exit_code == 0, res.output
        assert marker in (tmp_path / name).read_bytes(), name
    assert format_for_path("x.json") == "json" and format_for_path("x.txt") == ""


def test_format_errors():
    r = CliRunner().invoke(main, ["scan", str(EU_STACK), "--offline", "--format", "pdf", "-o", "x.pdf"])
    assert r.exit_code == 2 and "unknown format(s): pdf" in r.output
    r = CliRunner().invoke(main, ["scan", str(EU_STACK), "--offline", "--format", "html,json", "-o", "x"])
    assert r.exit_code == 2 and "--output takes one format" in r.output


def test_suppressed_findings_are_shown_set_aside(tmp_path, kb):
    tree = tmp_path / "repo"
    tree.mkdir()
    (tree / "app.py").write_text(
        "from openai import OpenAI\n"
        'client = OpenAI(base_url="https://api.deepseek.com")  # sovaudit: ignore[EU-DATA-OUTSIDE] approved by the DPO\n')
    result = report_result(tree, kb, (EU_POLICY,), "high")
    sup = [f for f in result.findings if f.suppressed]
    assert sup and all(f.rule_id == "EU-DATA-OUTSIDE" for f in sup)
    doc = json.loads(sarif.dumps(result))
    assert errors(sarif_validator(), doc) == []
    marked = [r for r in doc["runs"][0]["results"] if r.get("suppressions")]
    assert marked and marked[0]["suppressions"] == [{"kind": "inSource", "status": "accepted", "justification": "approved by the DPO"}]
    page = html.render(result)
    assert "suppressed: approved by the DPO" in page and 'class="finding high aside"' in page
    assert "Not counted: " in page
    assert "high \\(suppressed\\)" in markdown.render(result)


def test_a_conflict_between_sources_is_shown_not_a_crash(kb):
    """Two sources disagreeing on a model's origin (a Hub mirror against the knowledge base) are
    shown side by side in the HTML; a template that read the conflict's values wrongly crashed."""
    from sovaudit.model import Conflict, Evidence, Fact

    result = report_result(EU_STACK, kb)
    p = next(p for p in result.provenance if p.model_id == "Qwen/Qwen2.5-7B-Instruct")
    lying = Conflict("origin_lab", (Fact("alibaba-qwen", (Evidence("rules", "labs.yaml"),)), Fact("meta", (Evidence("hub", "mirror"),))),
                     "the Hub names another lab")
    result = replace(result, provenance=tuple(replace(x, conflicts=(lying,)) if x is p else x for x in result.provenance))
    page = html.render(result)
    assert "Sources disagree on origin_lab: alibaba-qwen vs meta (the Hub names another lab)" in page
