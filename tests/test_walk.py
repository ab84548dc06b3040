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
    got, _ = paths(tmp_path)
    assert got == [".gitignore", "a.py", "docs/x.md", "sub/.gitignore", "sub/keep.log", "sub/ok.py", "tests/t.py"]
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
