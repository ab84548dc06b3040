"""``sovaudit compare``: the three example stacks compared exactly (goldens for text, JSON,
Markdown and HTML, reviewed by eye), the facts behind them asserted one by one, the three input
kinds agreeing, and exit codes per --policy/--fail-on.

Regenerate goldens only on purpose, after reading the diff:

    SOVAUDIT_UPDATE_GOLDEN=1 python -m pytest tests/test_compare.py -k golden
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sovaudit.cli import main
from sovaudit.commands.compare import InputError, changes, failing
from sovaudit.report.compare import WRITERS
from sovaudit.report.console import print_comparison

from report_support import (
    EPOCH,
    EU_POLICY,
    REPO,
    STACKS,
    chdir,
    check_golden,
    comparison,
)

GOLDEN = Path(__file__).parent / "golden" / "compare"


def render(c, fmt: str) -> str:
    if fmt == "txt":
        buf = io.StringIO()
        print_comparison(c, file=buf)
        return buf.getvalue()
    return WRITERS[fmt](c)


@pytest.fixture(scope="module")
def examples(kb):
    return comparison(kb, policies=(EU_POLICY,), fail_on="high")


# ------------------------------------------------------------------------------------------
# The examples, exactly
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["txt", "json", "md", "html"])
def test_golden(fmt, examples):
    check_golden(GOLDEN / f"compare.{fmt}", render(examples, fmt), f"compare.{fmt}")


def layers(s) -> dict[str, dict[str, tuple[str, ...]]]:
    return {la.layer.value: {j.jurisdiction: j.kinds for j in la.jurisdictions} for la in s.layers}


def test_todays_stack_against_the_alternatives(examples):
    today, sovereign, closed = examples.stacks
    assert [s.name for s in examples.stacks] == ["eu-stack", "eu-sovereign", "us-closed"]
    assert [s.source_kind for s in examples.stacks] == ["stack"] * 3

    # today: a Chinese model layer and a Chinese inference provider on US hardware in a US cloud
    assert layers(today) == {
        "hardware": {"US": ("supply",)},
        "cloud": {"DE": ("data",), "US": ("data", "supply")},
        "inference-provider": {"CN": ("data",)},
        "model": {"CN": ("supply",)},
        "software": {"US": ("supply",)},
    }
    # the sovereign alternative removes CN and US from every layer but the hardware (and some
    # software); FR and DE are EU members, counted once each (no second EU row)
    assert layers(sovereign) == {
        "hardware": {"US": ("supply",)},
        "cloud": {"FR": ("data", "supply")},
        "inference-provider": {"FR": ("data",)},
        "model": {"DE": ("supply",), "FR": ("supply",)},
        "software": {"FR": ("supply",), "US": ("supply",)},
    }
    # the closed alternative puts data and supply of inference in one US supplier's hands
    assert layers(closed) == {
        "hardware": {},
        "cloud": {"NL": ("data",), "US": ("data", "supply")},
        "inference-provider": {"US": ("data", "supply")},
        "model": {"US": ("supply",)},
        "software": {"US": ("supply",)},
    }
    assert today.api_only == sovereign.api_only == ()
    assert closed.api_only == (("gpt-4o", ("openai",)), ("gpt-4o-mini", ("openai",)), ("text-embedding-3-small", ("openai",)))
    # the EU data policy at --fail-on high: CN data exposure fails today; US data exposure fails the closed stack
    assert (today.verdict, sovereign.verdict, closed.verdict) == ("fail", "pass", "fail")
    assert failing(examples) == ("eu-stack", "us-closed")


def test_what_changes_is_listed_plainly(examples):
    lines = [str(ch) for ch in examples.changes if ch.other == "eu-sovereign"]
    for want in ("- inference-provider: jurisdiction CN (data exposure)",
                 "+ inference-provider: provider:mistral (FR)",
                 "- model: jurisdiction CN (supply exposure)",
                 "- cloud: cloud:aws (US)",
                 "+ cloud: region:ovh/GRA11 (FR)",
                 "- models: deepseek-chat (CN; deepseek)",
                 "~ verdict: fail -> pass (4 -> 0 finding(s) at or above high)"):
        assert want in lines
    assert not any(line.startswith(("+ hardware", "- hardware")) for line in lines)  # NVIDIA either way
    closed = [str(ch) for ch in examples.changes if ch.other == "us-closed"]
    assert "+ api-only: gpt-4o (via openai)" in closed
    assert "- hardware: jurisdiction US (supply exposure)" in closed
    assert "+ inference-provider: jurisdiction US (data+supply exposure, through provider:openai)" in closed


def test_a_stack_compared_with_itself_has_no_change(examples):
    assert changes(examples.stacks[1], examples.stacks[1]) == ()


# ------------------------------------------------------------------------------------------
# Input kinds agree: a directory, its stack file and its saved scan document
# ------------------------------------------------------------------------------------------


def test_directory_stack_file_and_scan_document_compare_equal(kb, tmp_path):
    from sovaudit.api import AuditConfig, audit

    with chdir(REPO):
        doc = tmp_path / "scan.json"
        assert CliRunner().invoke(main, ["scan", "examples/eu-stack", "--offline", "--no-cache", "-q", "-o", str(doc)]).exit_code == 0
    scanned = []

    def scan_dir(path):
        scanned.append(path)
        config = AuditConfig(root=str(path), cache_dir="-", jobs=1, offline=True, home="")
        return audit(config, kb=kb)

    c = comparison(kb, ("examples/eu-stack", STACKS[0], str(doc)), scan_dir=scan_dir)
    assert [s.source_kind for s in c.stacks] == ["directory", "stack", "scan"]
    assert [str(p) for p in scanned] == ["examples/eu-stack"]
    assert c.changes == ()
    assert layers(c.stacks[0]) == layers(c.stacks[1]) == layers(c.stacks[2])
    # same names are told apart by their source
    assert [s.name for s in c.stacks] == ["eu-stack (examples/eu-stack)", f"eu-stack ({STACKS[0]})", f"eu-stack ({doc.as_posix()})"]


def test_a_schema_1_scan_document_still_compares_and_gives_its_stack(kb, tmp_path):
    """A scan saved before schema 2 (per-reference ``paths``) is read by compare and stack like
    the same scan in the current form."""
    from report_support import as_schema_1

    with chdir(REPO):
        doc = tmp_path / "scan.json"
        assert CliRunner().invoke(main, ["scan", "examples/eu-stack", "--offline", "--no-cache", "-q", "-o", str(doc)]).exit_code == 0
    old = tmp_path / "old.json"
    old.write_text(json.dumps(as_schema_1(json.loads(doc.read_text()))))
    c = comparison(kb, (str(old), str(doc)))
    assert c.changes == () and layers(c.stacks[0]) == layers(c.stacks[1])
    stacks = [CliRunner().invoke(main, ["stack", str(p), "--offline"]) for p in (old, doc)]
    assert all(r.exit_code == 0 for r in stacks) and stacks[0].stdout == stacks[1].stdout and "name: eu-stack" in stacks[0].stdout


def test_a_saved_document_is_reassessed_with_the_given_policy(kb, tmp_path):
    with chdir(REPO):
        doc = tmp_path / "scan.json"
        CliRunner().invoke(main, ["scan", "examples/eu-stack", "--offline", "--no-cache", "-q", "-o", str(doc)])
    plain = comparison(kb, (str(doc), STACKS[1]))
    strict = comparison(kb, (str(doc), STACKS[1]), policies=(EU_POLICY,), fail_on="high")
    assert plain.stacks[0].verdict == "clean" and strict.stacks[0].verdict == "fail"


def test_every_bad_input_is_reported(kb, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("stack_version: 1\nname: x\ninference: [{provider: nope}]\n")
    notdoc = tmp_path / "x.json"
    notdoc.write_text("{}")
    other = tmp_path / "x.txt"
    other.write_text("hello")
    with pytest.raises(InputError) as exc:
        comparison(kb, (str(bad), str(notdoc), str(other)))
    text = "\n".join(exc.value.problems)
    assert f"{bad}:3: inference[0].provider: unknown inference provider 'nope'" in text
    assert "not a sovaudit scan document" in text
    assert "not a stack file (.yaml/.yml), a scan document (.json) or a directory" in text


# ------------------------------------------------------------------------------------------
# The command: formats, files, exit codes
# ------------------------------------------------------------------------------------------


def cli(*args: str):
    with chdir(REPO):
        return CliRunner().invoke(main, ["compare", *args, "--offline"], env=EPOCH)


def test_exit_code_follows_policy_and_fail_on():
    assert cli(*STACKS).exit_code == 0  # no --fail-on
    assert cli(*STACKS, "--fail-on", "low").exit_code == 1  # us-closed: API-only findings (low)
    assert cli(STACKS[0], STACKS[1], "--fail-on", "low").exit_code == 0
    assert cli(STACKS[0], STACKS[1], "--policy", EU_POLICY, "--fail-on", "high").exit_code == 1  # today fails
    assert cli(STACKS[1], STACKS[1], "--policy", EU_POLICY, "--fail-on", "high").exit_code == 0
    assert cli(STACKS[0]).exit_code == 2  # one input is not a comparison


@pytest.mark.parametrize("fmt", ["json", "md", "html", "text"])
def test_cli_writes_each_format(fmt, tmp_path):
    out = tmp_path / f"c.{fmt}"
    got = cli(*STACKS, "--policy", EU_POLICY, "--fail-on", "high", "-f", fmt, "-o", str(out))
    assert got.exit_code == 1, got.output
    text = out.read_text("utf-8")
    golden = (GOLDEN / f"compare.{'txt' if fmt == 'text' else fmt}").read_text("utf-8")
    # the same document as the golden but for the release and the rules version
    assert text.replace("sovaudit 0.0.0", "x").count("\n") == golden.count("\n")
    if fmt == "json":
        doc = json.loads(text)
        assert [s["verdict"]["status"] for s in doc["stacks"]] == ["fail", "pass", "fail"]
        assert doc["generated"] == "2026-01-01T00:00:00Z" and doc["schema_version"] == "1.0"


def test_compare_html_escapes_hostile_stack_names(kb, tmp_path):
    hostile = tmp_path / "h.yaml"
    hostile.write_text('stack_version: 1\nname: "<script>alert(1)</script>"\ndescription: "\\"><img src=x onerror=alert(2)>"\n'
                       'endpoints: [{url: "https://evil.example/<b>x</b>"}]\n')
    c = comparison(kb, (str(hostile), STACKS[1]))
    page = WRITERS["html"](c)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>x</b>" not in page
    assert page.count("<script") == 1


def test_an_online_comparison_says_what_the_hub_did(tmp_path, monkeypatch):
    """Not offline is not 'the Hub was consulted': with the Hub unreachable the comparison says how
    many of its models went unverified, in every format (it used to print 'Hub consulted for model
    facts' whenever --offline was not given)."""
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # a closed port: nothing leaves the machine
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    out = tmp_path / "c.json"
    with chdir(REPO):
        got = CliRunner().invoke(main, ["compare", *STACKS, "--cache-dir", str(tmp_path / "cache"), "--hub-timeout", "1",
                                        "-f", "json", "-o", str(out)], env={**EPOCH, "HF_HUB_OFFLINE": ""})
    assert got.exit_code == 0, got.output
    doc = json.loads(out.read_text("utf-8"))
    assert doc["offline"] is False
    assert doc["network"].startswith("Hub unreachable: ") and "models unverified" in doc["network"]
