"""The shipped CI integrations: ``.pre-commit-hooks.yaml`` and the GitHub Action ``action.yml``
parse, name commands and flags that exist, and do what they say on a tiny tree. The Action's shell
steps are run for real under bash, in a scratch git repository, the way a runner would run them."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from sovaudit.cli import main

from ci_support import EU_ONLY, REPO, tree

pytestmark = pytest.mark.e2e

HOOKS = REPO / ".pre-commit-hooks.yaml"
ACTION = REPO / "action.yml"

DEEPSEEK = """
from openai import OpenAI

client = OpenAI(base_url="https://api.deepseek.com")
"""
DEEPSEEK_MOVED = """
\"\"\"Chat.\"\"\"
import logging

from openai import OpenAI

client = OpenAI(base_url="https://api.deepseek.com")
"""
MOONSHOT = 'import OpenAI from "openai";\nconst c = new OpenAI({ baseURL: "https://api.moonshot.cn/v1" });\n'


needs_bash_git = pytest.mark.skipif(not (shutil.which("bash") and shutil.which("git")), reason="needs bash and git")


def scan_options() -> set[str]:
    return {o for p in main.commands["scan"].params for o in (*p.opts, *p.secondary_opts)}


# ------------------------------------------------------------------------------------------
# pre-commit
# ------------------------------------------------------------------------------------------


def test_pre_commit_hook_parses():
    (hook,) = yaml.safe_load(HOOKS.read_text("utf-8"))
    assert hook["id"] == "sovaudit"
    assert hook["entry"] == "sovaudit scan . --offline --fail-on high -q"
    assert hook["args"] == ["--policy", "eu-data-only"]  # a policy that can fail at high
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False


def test_pre_commit_entry_runs(tmp_path):
    (hook,) = yaml.safe_load(HOOKS.read_text("utf-8"))
    argv = shlex.split(hook["entry"])
    assert argv[0] == "sovaudit" and argv[1] in main.commands
    assert {a for a in argv if a.startswith("-")} <= scan_options()
    clean = tree(tmp_path / "clean", {"app.py": "print('hello')\n"})
    risky = tree(tmp_path / "risky", {"app.py": DEEPSEEK})
    runner = CliRunner()

    def run(root: Path, *args: str):  # the hook runs in the repository's top folder
        cwd = os.getcwd()
        os.chdir(root)
        try:
            return runner.invoke(main, [*argv[1:], "--no-cache", *args])
        finally:
            os.chdir(cwd)

    assert run(clean, *hook["args"]).exit_code == 0
    assert run(risky, "--policy", "default").exit_code == 0  # the default policy has nothing of high severity
    res = run(risky, *hook["args"])  # the hook's own args: a policy that fails
    assert res.exit_code == 1
    assert "1 finding(s) at or above --fail-on high" in res.stderr and "EU-DATA-OUTSIDE" in res.stderr
    assert "app.py:3" in res.stderr
    (risky / "app.py").write_text(DEEPSEEK.replace('.com")', '.com")  # sovaudit: ignore[EU-DATA-OUTSIDE] approved'))
    assert run(risky, *hook["args"]).exit_code == 0


@needs_bash_git
def test_pre_commit_hook_in_a_git_repository(tmp_path):
    """The hook's entry and args exactly as pre-commit runs them (``entry args...`` in the
    repository's top folder, sovaudit on PATH), in a real git repository: a commit that adds a
    DeepSeek call fails and says which finding, file and line."""
    (hook,) = yaml.safe_load(HOOKS.read_text("utf-8"))
    ws = tree(tmp_path / "repo", {"app.py": "print('hello')\n"})
    env = dict(os.environ, HF_HUB_OFFLINE="1", XDG_CACHE_HOME=str(tmp_path / "cache"),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], cwd=ws, check=True)
    argv = shlex.split(hook["entry"]) + hook["args"]

    def hook_run() -> subprocess.CompletedProcess:
        subprocess.run([*git, "add", "-A"], cwd=ws, check=True)
        return subprocess.run(argv, cwd=ws, env=env, capture_output=True, text=True, timeout=300)

    ok = hook_run()
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == "" and ok.stderr == ""  # quiet when it passes
    tree(ws, {"svc/chat.py": DEEPSEEK})
    bad = hook_run()
    assert bad.returncode == 1, bad.stderr
    assert "EU-DATA-OUTSIDE" in bad.stderr and "svc/chat.py:3" in bad.stderr, bad.stderr
    assert "Traceback" not in bad.stderr


# ------------------------------------------------------------------------------------------
# GitHub Action
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def action() -> dict:
    return yaml.safe_load(ACTION.read_text("utf-8"))


ENTRY = REPO / "action" / "entry.sh"
PINNED = {"actions/cache": "27d5ce7f107fe9357f9df03efb73ab90386fccae",  # v5.0.5
          "github/codeql-action/upload-sarif": "8aad20d150bbac5944a9f9d289da16a4b0d87c1e"}  # v4.36.2


def step(action: dict, name: str) -> dict:
    (s,) = [s for s in action["runs"]["steps"] if s.get("name", "").startswith(name)]
    return s


def test_action_parses_and_is_composite(action):
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) >= {"path", "policy", "fail-on", "baseline", "python", "cache"}
    uses = [s["uses"] for s in action["runs"]["steps"] if "uses" in s]
    # pinned to commits; no setup-python: the caller's Python is never replaced
    assert [u.split("@")[0] for u in uses] == list(PINNED)
    for u in uses:
        name, sha = u.split("@")
        assert sha == PINNED[name] and re.fullmatch(r"[0-9a-f]{40}", sha)
    for s in action["runs"]["steps"]:
        if "run" in s:
            assert s["shell"] == "bash"
            assert "${{" not in s["run"], "inputs reach scripts through env, never by expansion into the script"
            assert s["run"].startswith('bash "$GITHUB_ACTION_PATH/action/entry.sh" ')
    upload = step(action, "Upload SARIF")
    assert upload["with"]["sarif_file"] == "${{ steps.scan.outputs.sarif }}"
    assert upload["with"]["category"] == "${{ steps.scan.outputs.category }}"
    assert upload["continue-on-error"] is True and "head.repo.full_name != github.repository" in upload["if"]


def test_action_passes_zizmor():
    """zizmor (the GitHub Actions linter, from PyPI; in the test extra), pedantic, offline."""
    exe = shutil.which("zizmor") or str(Path(sys.executable).parent / "zizmor")
    if not Path(exe).is_file():
        pytest.skip("zizmor is not installed")
    proc = subprocess.run([exe, "--offline", "--persona", "pedantic", "--no-progress", str(ACTION)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_action_uses_only_flags_and_formats_that_exist():
    script = ENTRY.read_text("utf-8")
    calls = "\n".join(line for line in script.splitlines() if "args=(scan" in line or "args+=(" in line)
    used = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", calls))
    assert used and used <= scan_options(), used - scan_options()
    assert used >= {"--fail-on", "--format", "--output-dir", "--policy", "--baseline", "--offline"}
    help_text = CliRunner().invoke(main, ["scan", "--help"]).output
    for fmt in re.search(r"--format (\S+) --output-dir", script).group(1).split(","):
        assert fmt in help_text
    fail_on = next(p for p in main.commands["scan"].params if p.name == "fail_on")
    assert yaml.safe_load(ACTION.read_text("utf-8"))["inputs"]["fail-on"]["default"] in fail_on.type.choices


def _bash_env(tmp_path: Path, **env: str) -> tuple[dict, Path]:
    out = tmp_path / f"github_output_{len(list(tmp_path.glob('github_output_*')))}"
    out.write_text("")
    e = dict(os.environ, GITHUB_OUTPUT=str(out), RUNNER_TEMP=str(tmp_path / "runner-temp"), HF_HUB_OFFLINE="1",
             SA_VENV=str(Path(sys.executable).parent.parent), SA_ARGS="--no-cache")
    (tmp_path / "runner-temp").mkdir(exist_ok=True)
    e.update(env)
    return e, out


def _outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def _run(entry_step: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(ENTRY), entry_step], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


HOSTILE = {  # what a pull request could add to the workspace to run code in the job
    "pip.py": "import pathlib; pathlib.Path('PWNED-pip').write_text('x')\n",
    "sovaudit.py": "import pathlib; pathlib.Path('PWNED-sovaudit').write_text('x')\n",
    "sitecustomize.py": "import pathlib; pathlib.Path('PWNED-site').write_text('x')\n",
    "os.py": "import pathlib; pathlib.Path('PWNED-os').write_text('x')\n",
}


@needs_bash_git
def test_action_scan_and_verdict_steps_run(tmp_path):
    ws = tree(tmp_path / "ws", {"app.py": DEEPSEEK, **HOSTILE})
    common = dict(SA_PATH=".", SA_POLICY=EU_ONLY, SA_FAIL_ON="high", SA_BASELINE="", SA_OFFLINE="true",
                  SA_OUTPUT_DIR="report")
    env, out = _bash_env(tmp_path, **common)
    proc = _run("scan", ws, env)
    assert proc.returncode == 0, proc.stderr  # the step itself succeeds so SARIF is uploaded
    assert _outputs(out) == {"exit-code": "1", "json": "report/sovaudit.json", "sarif": "report/sovaudit.sarif",
                             "category": "sovaudit"}
    assert (ws / "report" / "sovaudit.sarif").is_file() and (ws / "report" / "sovaudit.md").is_file()
    assert not list(ws.glob("PWNED*")), "workspace code ran"
    venv, _ = _bash_env(tmp_path, SA_CODE="1", SA_FAIL_ON="high")
    proc = _run("verdict", ws, venv)
    assert proc.returncode == 1 and "::error title=sovaudit::policy findings" in proc.stdout

    # the report of this run is the baseline of the next: nothing new, so it passes
    (ws / "base.json").write_bytes((ws / "report" / "sovaudit.json").read_bytes())
    env, out = _bash_env(tmp_path, **{**common, "SA_BASELINE": "base.json"})
    assert _run("scan", ws, env).returncode == 0
    assert _outputs(out)["exit-code"] == "0"
    venv, _ = _bash_env(tmp_path, SA_CODE="0", SA_FAIL_ON="high")
    assert _run("verdict", ws, venv).returncode == 0

    # a bad baseline is a usage error: no SARIF, the verdict fails with 2
    (ws / "bad.json").write_text("{}")
    env, out = _bash_env(tmp_path, **{**common, "SA_BASELINE": "bad.json", "SA_OUTPUT_DIR": "report2"})
    proc = _run("scan", ws, env)
    assert _outputs(out) == {"exit-code": "2", "json": "report2/sovaudit.json", "sarif": "", "category": "sovaudit"}
    assert "not a sovaudit scan document" in proc.stderr
    for code, says in (("2", "usage or configuration error"), ("3", "internal error"), ("", "did not finish")):
        venv, _ = _bash_env(tmp_path, SA_CODE=code, SA_FAIL_ON="high")
        proc = _run("verdict", ws, venv)
        assert proc.returncode == (int(code) if code else 3) and says in proc.stdout, (code, proc.stdout)
    assert not list(ws.glob("PWNED*")), "workspace code ran"


@needs_bash_git
def test_action_key_step_and_cached_install(tmp_path):
    ws = tree(tmp_path / "ws", HOSTILE)
    env, out = _bash_env(tmp_path, SA_PYTHON=sys.executable, RUNNER_OS="Linux")
    assert _run("key", ws, env).returncode == 0
    got = _outputs(out)
    assert re.fullmatch(r"sovaudit-Linux-[\w.]+-py3\.\d+\.\d+-[0-9a-f]{16}", got["key"]) and got["venv"] == env["SA_VENV"]
    venv = tmp_path / "venv"  # a cache hit: a virtualenv made under this key, here the test's own
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (venv / "bin" / "python").chmod(0o755)
    (venv / ".sovaudit-key").write_text(got["key"])
    env, out = _bash_env(tmp_path, SA_PYTHON=sys.executable, SA_VENV=str(venv), SA_KEY=got["key"])
    proc = _run("install", ws, env)  # nothing is installed
    assert proc.returncode == 0 and "restored from the cache" in proc.stdout, proc.stderr
    env, _ = _bash_env(tmp_path, SA_PYTHON=str(tmp_path / "no-such-python"))
    proc = _run("key", ws, env)
    assert proc.returncode == 2 and "is not Python 3.10 or newer" in proc.stdout
    assert not list(ws.glob("PWNED*")), "workspace code ran"


@needs_bash_git
def test_action_sarif_category_and_locations_per_path(tmp_path):
    """A scan of a subfolder: its own code-scanning category, and SARIF locations relative to
    the repository (what code scanning links), not to the folder."""
    ws = tree(tmp_path / "ws", {"svc/api/app.py": DEEPSEEK})
    subprocess.run(["git", "init", "-q"], cwd=ws, check=True)
    env, out = _bash_env(tmp_path, SA_PATH="./svc/api/", SA_POLICY=EU_ONLY, SA_FAIL_ON="high", SA_OFFLINE="true",
                         SA_OUTPUT_DIR="report")
    assert _run("scan", ws, env).returncode == 0
    got = _outputs(out)
    assert got["category"] == "sovaudit/svc/api" and got["exit-code"] == "1"
    doc = json.loads((ws / "report" / "sovaudit.sarif").read_text("utf-8"))
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in doc["runs"][0]["results"]}
    assert uris == {"svc/api/app.py"}


@needs_bash_git
def test_action_baseline_ref_step(tmp_path):
    ws = tree(tmp_path / "ws", {"svc/app.py": DEEPSEEK})

    def git(*args: str) -> str:
        return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=ws, check=True,
                              capture_output=True, text=True).stdout.strip()

    git("init", "-q")
    git("add", "-A")
    git("commit", "-q", "-m", "base")
    base_sha = git("rev-parse", "HEAD")
    tree(ws, {"svc/app.py": DEEPSEEK_MOVED})  # lines moved: still baselined
    common = dict(SA_PATH="svc", SA_POLICY=EU_ONLY, SA_FAIL_ON="high", SA_OFFLINE="true",
                  SA_REF=base_sha, SA_OUTPUT_DIR="report")

    def pr_run() -> str:
        env, out = _bash_env(tmp_path, **common)
        proc = _run("baseline", ws, env)
        assert proc.returncode == 0, proc.stderr
        baseline = _outputs(out)["file"]
        assert Path(baseline).is_file()
        env, out = _bash_env(tmp_path, **common, SA_BASELINE=baseline)
        assert _run("scan", ws, env).returncode == 0
        return _outputs(out)["exit-code"]

    assert pr_run() == "0"
    assert git("worktree", "list").count("\n") == 0  # the base checkout was removed
    tree(ws, {"svc/app.js": MOONSHOT})  # a new exposure in the pull request
    assert pr_run() == "1"


# ------------------------------------------------------------------------------------------
# The README's CI section
# ------------------------------------------------------------------------------------------


def _ci_section() -> str:
    text = (REPO / "README.md").read_text("utf-8")
    start = text.index("## Using sovaudit in CI")
    return text[start:text.index("\n## ", start + 1)]


def _commands(text: str) -> list[list[str]]:
    """Every ``sovaudit ...`` command line in ``text`` (continuations joined), as argv."""
    joined = re.sub(r"\\\n\s*", " ", text)
    out = []
    for line in joined.splitlines():
        m = re.search(r"\bsovaudit ((?:scan|diff)\b[^#\n]*)", line)
        if m:
            out.append(shlex.split(m.group(1).replace("$BASELINE", "")))
    return out


def test_readme_ci_section_documents_everything():
    sec = _ci_section()
    for needle in ("--policy", "--fail-on", "--baseline", "sovaudit diff", "--fail-on-added", "sovaudit: ignore[",
                   "### pre-commit", "### GitHub Actions", "### GitLab CI", "Exit codes"):
        assert needle in sec, needle


def test_readme_ci_snippets_parse_and_use_real_flags():
    sec = _ci_section()
    blocks = re.findall(r"```yaml\n(.*?)```", sec, re.S)
    parsed = [yaml.safe_load(b) for b in blocks]
    gitlab = next(p for p in parsed if isinstance(p, dict) and "sovaudit" in p and "script" in p["sovaudit"])
    assert gitlab["sovaudit"]["artifacts"]["paths"] == ["sovaudit-report/"]
    code = "\n".join(re.findall(r"```(?:sh|yaml)\n(.*?)```", sec, re.S))
    commands = _commands(code) + _commands("\n".join(gitlab["sovaudit"]["script"]))
    assert len(commands) >= 8
    assert {c[0] for c in commands} == {"scan", "diff"}
    for argv in commands:
        cmd = main.commands[argv[0]]
        options = {o for p in cmd.params for o in (*p.opts, *p.secondary_opts)}
        flags = {a.split("=", 1)[0] for a in argv if a.startswith("-") and a != "-"}
        assert flags <= options, (argv, flags - options)
    assert CliRunner().invoke(main, ["diff", "--help"]).exit_code == 0
