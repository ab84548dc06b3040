"""Audit metadata: the git revision read from the ``.git`` files alone (git and the repository's
own configuration never run), the honest network line, SARIF ``versionControlProvenance`` with
locations relative to the repository's top folder, CycloneDX ``metadata.component``."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from sovaudit.cli import main
from sovaudit.model import Provenance, ScanResult, Status
from sovaudit.report.context import network_line, rules_date
from sovaudit.walk.vcs import read_vcs, remote_uri, strip_credentials

needs_git = pytest.mark.skipif(not shutil.which("git"), reason="needs git")
SHA = "0123456789abcdef0123456789abcdef01234567"


def fake_repo(top: Path, head: str = "ref: refs/heads/main\n", loose: bool = True) -> Path:
    g = top / ".git"
    (g / "refs" / "heads").mkdir(parents=True)
    (g / "HEAD").write_text(head)
    if loose:
        (g / "refs" / "heads" / "main").write_text(SHA + "\n")
    else:
        (g / "packed-refs").write_text(f"# pack-refs with: peeled fully-peeled sorted\n{SHA} refs/heads/main\n")
    (g / "config").write_text('[core]\n\tfsmonitor = "touch PWNED"\n[remote "origin"]\n'
                              '\turl = https://x-access-token:ghs_secret@github.com/acme/shop.git\n')
    return top


def test_reads_commit_branch_remote_without_running_git(tmp_path):
    top = fake_repo(tmp_path / "repo")
    (top / "services" / "api").mkdir(parents=True)
    info = read_vcs(top / "services" / "api")
    assert info.commit == SHA and info.branch == "main"
    assert info.remote == "https://github.com/acme/shop.git"  # the token is gone
    assert info.root_prefix == "services/api"
    assert not (top / "PWNED").exists() and not (top / "services" / "api" / "PWNED").exists()
    assert read_vcs(top).root_prefix == ""


def test_packed_refs_detached_head_worktree_and_junk(tmp_path):
    assert read_vcs(fake_repo(tmp_path / "a", loose=False)).commit == SHA
    d = read_vcs(fake_repo(tmp_path / "b", head=SHA + "\n"))
    assert d.commit == SHA and d.branch == ""
    # a worktree: .git is a file naming its git dir, whose commondir holds refs and config
    main_repo = fake_repo(tmp_path / "c")
    wt_git = main_repo / ".git" / "worktrees" / "w"
    wt_git.mkdir(parents=True)
    (wt_git / "HEAD").write_text("ref: refs/heads/main\n")
    (wt_git / "commondir").write_text("../..\n")
    wt = tmp_path / "w"
    wt.mkdir()
    (wt / ".git").write_text(f"gitdir: {wt_git}\n")
    w = read_vcs(wt)
    assert w.commit == SHA and w.remote == "https://github.com/acme/shop.git"
    # a HEAD that escapes refs/ or is not an object id is left out
    assert read_vcs(fake_repo(tmp_path / "e", head="ref: refs/../../../etc/passwd\n")).commit == ""
    assert read_vcs(fake_repo(tmp_path / "f", head="not a sha\n")).commit == ""


def test_credentials_are_stripped():
    assert strip_credentials("https://user:pass@gitlab.example.org:8443/g/p.git?private_token=x#f") == \
        "https://gitlab.example.org:8443/g/p.git"
    assert strip_credentials("git@github.com:acme/shop.git") == "git@github.com:acme/shop.git"
    assert remote_uri("git@github.com:acme/shop.git") == "ssh://git@github.com/acme/shop.git"
    assert remote_uri("/srv/git/shop") == ""


@needs_git
def test_a_real_git_repository(tmp_path):
    ws = tmp_path / "ws"
    (ws / "svc").mkdir(parents=True)
    (ws / "svc" / "app.py").write_text('from openai import OpenAI\nc = OpenAI(base_url="https://api.deepseek.com")\n')
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    for args in (["init", "-q", "-b", "trunk"], ["add", "-A"], ["commit", "-q", "-m", "x"],
                 ["remote", "add", "origin", "https://bob:hunter2@github.com/acme/shop.git"], ["pack-refs", "--all"]):
        subprocess.run([*git, *args], cwd=ws, check=True, capture_output=True)
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ws, check=True, capture_output=True, text=True).stdout.strip()
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["scan", str(ws / "svc"), "--offline", "--no-cache", "-q", "--policy", "eu-data-only",
                                    "-f", "sarif,cyclonedx,json,md", "--output-dir", str(out)])
    assert res.exit_code == 0, res.output
    sarif = json.loads((out / "sovaudit.sarif").read_text())
    (run,) = sarif["runs"]
    assert run["versionControlProvenance"] == [{"repositoryUri": "https://github.com/acme/shop.git", "revisionId": sha,
                                                "mappedTo": {"uriBaseId": "%SRCROOT%"}, "branch": "trunk"}]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {"svc/app.py"}  # relative to the repository, not to the scanned folder
    assert "svc/" in run["originalUriBaseIds"]["%SRCROOT%"]["description"]["text"]
    bom = json.loads((out / "sovaudit.cdx.json").read_text())
    comp = bom["metadata"]["component"]
    assert comp["version"] == sha
    assert comp["externalReferences"][0] == {"type": "vcs", "url": "https://github.com/acme/shop.git", "comment": f"commit {sha} on trunk"}
    doc = json.loads((out / "sovaudit.json").read_text())
    assert doc["report"]["vcs"] == {"commit": sha, "branch": "trunk", "remote": "https://github.com/acme/shop.git", "root_prefix": "svc"}
    assert "hunter2" not in "".join(p.read_text() for p in out.iterdir())
    assert f"commit {sha[:12]} \\(trunk\\)" in (out / "sovaudit.md").read_text()  # Markdown-escaped
    assert doc["report"]["rules_date"] == rules_date() and rules_date()


def _with(statuses: list[str], offline: bool = False) -> ScanResult:
    prov = tuple(Provenance(f"org/m{i}", Status.RESOLVED, details=(("hub", s),) if s else ()) for i, s in enumerate(statuses))
    return ScanResult(root="x", tool_version="0", rules_version="0", references=(), skipped=(), provenance=prov, offline=offline)


def test_network_line_says_what_the_hub_did():
    assert network_line(_with(["ok", "ok"], offline=True)) == "offline: the Hub was not consulted"
    assert network_line(_with(["", ""])) == "Hub not needed: no model to look up"
    assert network_line(_with(["ok", "unreachable", "unreachable", "", "not-found"])) == "Hub unreachable: 2 of 4 models unverified"
    assert network_line(_with(["ok", "error"])) == "Hub failing: 1 of 2 models unverified"
    assert network_line(_with(["ok", "gated", ""])) == "Hub consulted for 2 models"


def test_network_line_of_an_unreachable_hub(tmp_path, monkeypatch):
    """HF_ENDPOINT is a closed port (conftest): every look-up fails and the reports say so."""
    (tmp_path / "app.py").write_text('from transformers import AutoModel\nm = AutoModel.from_pretrained("acme-unknown/thing-7b")\n')
    res = CliRunner().invoke(main, ["scan", str(tmp_path), "--no-cache", "-q", "--hub-timeout", "1", "-f", "json", "-o", "-"])
    assert res.exit_code == 0, res.output
    net = json.loads(res.stdout)["report"]["network"]
    assert net.startswith("Hub unreachable: ") and net.endswith("unverified"), net
    assert "consulted" not in net
