"""The walker: what it scans, what it leaves out, and why."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sovaudit.walk.walker import walk


def _tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def paths(root, **kw):
    items, skipped = walk(root, **kw)
    return [i.path for i in items], skipped


def test_gitignore_at_every_level_and_excludes(tmp_path):
    _tree(tmp_path, {
        ".gitignore": "*.log\nbuild/\n",
        "a.py": "", "debug.log": "", "build/x.py": "",
        "sub/.gitignore": "secret.py\n!keep.log\n", "sub/secret.py": "", "sub/keep.log": "", "sub/ok.py": "",
        "tests/t.py": "", "docs/x.md": "",
    })
    got, skipped = paths(tmp_path)
    assert got == [".gitignore", "a.py", "docs/x.md", "sub/.gitignore", "sub/keep.log", "sub/ok.py", "tests/t.py"]
    # no git index here: what the ignore files hide is listed, not dropped silently (an archive of
    # a repository whose .gitignore names tracked files: kernel-memory's archived/, 977 files)
    assert sorted((s.path, s.reason) for s in skipped) == [("build", "ignored"), ("debug.log", "ignored"),
                                                           ("sub/secret.py", "ignored")]
    got, _ = paths(tmp_path, excludes=("tests/", "*.md"))
    assert "tests/t.py" not in got and "docs/x.md" not in got and "a.py" in got
    got, _ = paths(tmp_path, use_gitignore=False)
    assert "debug.log" in got and "build/x.py" in got and "sub/secret.py" in got


def test_vcs_and_dependency_folders_skipped_but_examples_kept(tmp_path):
    _tree(tmp_path, {
        ".git/config": "", "node_modules/pkg/index.js": "", ".venv/lib/x.py": "",
        "lib/python3.11/site-packages/foo.py": "", "env1/pyvenv.cfg": "", "env1/lib/x.py": "",
        "examples/deploy.yaml": "", "samples/app.py": "", "fixtures/k8s.yaml": "", "tests/fixtures/m.py": "",
    })
    got, skipped = paths(tmp_path)
    assert got == ["examples/deploy.yaml", "fixtures/k8s.yaml", "samples/app.py", "tests/fixtures/m.py"]
    reasons = {s.path: s.reason for s in skipped}
    assert reasons == {
        ".venv": "excluded folder", "env1": "excluded folder",
        "lib/python3.11/site-packages": "excluded folder", "node_modules": "excluded folder",
    }
    assert ".git" not in reasons  # VCS metadata is silently out of scope


def test_symlinks_outside_root_loops_and_broken(tmp_path):
    outside = tmp_path / "outside"
    _tree(outside, {"secret.py": "x"})
    root = tmp_path / "root"
    _tree(root, {"a/real.py": "", "b.py": ""})
    os.symlink(outside / "secret.py", root / "leak.py")
    os.symlink(outside, root / "leakdir")
    os.symlink(root / "a", root / "a" / "loop")  # a/loop -> a
    os.symlink(root / "b.py", root / "inside_link.py")
    os.symlink(root / "missing", root / "dangling")
    got, skipped = paths(root)
    reasons = {s.path: s.reason for s in skipped}
    assert "leak.py" not in got and reasons["leak.py"] == "symlink outside root"
    assert reasons["leakdir"] == "symlink outside root"
    assert reasons["dangling"] == "broken symlink"
    assert reasons["a/loop"] == "symlink loop"
    assert "inside_link.py" in got and "a/real.py" in got


def test_special_files_are_recorded(tmp_path):
    _tree(tmp_path, {"a.py": ""})
    os.mkfifo(tmp_path / "pipe")
    got, skipped = paths(tmp_path)
    assert got == ["a.py"]
    assert [(s.path, s.reason) for s in skipped] == [("pipe", "not a regular file")]


def test_missing_root_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        walk(tmp_path / "nope")


def test_single_file_root(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM x")
    got, skipped = paths(tmp_path / "Dockerfile")
    assert got == ["Dockerfile"] and skipped == []


def _git(cwd: Path, *args: str) -> None:
    import subprocess

    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_SYSTEM": os.devnull, "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


@pytest.mark.parametrize("index_version", ["2", "4"])
def test_a_tracked_file_is_walked_whatever_the_ignore_files_say(tmp_path, index_version):
    """Qwen-Agent force-adds examples/*.ipynb, lmdeploy requirements/*.txt, both under ignore
    patterns: git tracks them, so they are the code. The index is read (a real one, written by git
    here; the scanner never runs git); untracked ignored files stay out."""
    repo = tmp_path / "repo"
    for rel in ("requirements/runtime_ascend.txt", "examples/cookbook.ipynb", "build/gen.py", "notes.txt", "svc/app.py"):
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text("x\n")
    (repo / ".gitignore").write_text("*.txt\nexamples/*.ipynb\nbuild/\n")
    _git(repo, "init", "-q")
    _git(repo, "add", "-f", "requirements/runtime_ascend.txt", "examples/cookbook.ipynb")
    _git(repo, "add", ".gitignore", "svc/app.py")
    _git(repo, "update-index", "--index-version", index_version)
    items, skipped = walk(repo)
    assert [i.path for i in items] == [".gitignore", "examples/cookbook.ipynb", "requirements/runtime_ascend.txt", "svc/app.py"]
    assert not [s for s in skipped if s.reason == "ignored"]  # the index says: not part of the repository
    # a scan of a folder inside the work tree sees the index too, relative to itself
    items, _ = walk(repo / "requirements")
    assert [i.path for i in items] == ["runtime_ascend.txt"]


@pytest.mark.parametrize("index", [b"", b"DIRC", b"DIRC\x00\x00\x00\x07\x00\x00\x00\x01", b"DIRC\x00\x00\x00\x02\xff\xff\xff\xff",
                                   b"DIRC\x00\x00\x00\x02\x00\x00\x00\x03" + b"\x00" * 70, b"garbage" * 1000])
def test_an_index_that_does_not_parse_leaves_the_ignore_files_in_charge(tmp_path, index):
    from sovaudit.walk.gitindex import parse_index

    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / ".git" / "index").write_bytes(index)
    (repo / ".gitignore").write_text("*.txt\n")
    (repo / "a.txt").write_text("x\n")
    (repo / "b.py").write_text("x\n")
    assert parse_index(index) is None
    items, _ = walk(repo)
    assert [i.path for i in items] == [".gitignore", "b.py"]
