"""Output locations, sovaudit's own reports inside a scanned tree, a closed standard output and
Ctrl-C (issue 14 items 19 and 22, issue 16 item 4)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from sovaudit.cli import main

REPO = Path(__file__).resolve().parents[1]
EU_STACK = REPO / "examples" / "eu-stack"


@pytest.fixture
def no_scan(monkeypatch):
    """Any audit fails the test: the command must stop before it scans."""
    from sovaudit import api

    def audit(*a, **k):
        raise AssertionError("scanned before checking the output location")

    monkeypatch.setattr(api, "audit", audit)


def _scan(*args: str) -> object:
    return CliRunner().invoke(main, ["scan", str(EU_STACK), "--offline", "-q", "--no-cache", *args])


def test_output_never_replaces_a_fifo_a_symlink_or_a_device(tmp_path, no_scan):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    target = tmp_path / "target"
    target.write_text("keep")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    for out, kind in ((fifo, "a FIFO"), (link, "a symbolic link"), (Path(os.devnull), "a device")):
        res = _scan("-o", str(out))
        assert res.exit_code == 2, res.output
        assert f"is {kind}: sovaudit does not replace it" in res.output
    assert fifo.is_fifo() and link.is_symlink() and target.read_text() == "keep"
    assert Path(os.devnull).is_char_device()


def test_bad_output_locations_are_usage_errors_before_scanning(tmp_path, no_scan):
    afile = tmp_path / "afile"
    afile.write_text("x")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "sovaudit.json").mkdir()  # a folder where a report goes
    for args, says in ((["-o", str(afile / "scan.json")], "Not a directory"),
                       (["-o", str(tmp_path)], ""),
                       (["--output-dir", str(afile)], ""),
                       (["--output-dir", str(tmp_path / "out"), "--format", "json"], "is a folder: sovaudit does not replace it"),
                       (["--timings", str(afile / "t.json")], "Not a directory")):
        res = _scan(*args)
        assert res.exit_code == 2, (args, res.output)
        assert says in res.output


def test_a_good_output_is_written(tmp_path):
    res = _scan("-o", str(tmp_path / "new" / "scan.json"))
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "new" / "scan.json").read_text())["root"] == "eu-stack"


def test_reports_inside_the_tree_are_not_scanned_next_time(tmp_path):
    """An earlier run's reports in the tree are recognised as sovaudit's own, whatever their
    names: their references are dropped and each is shown as skipped."""
    import shutil

    tree = tmp_path / "repo"
    shutil.copytree(EU_STACK, tree)
    runner = CliRunner()
    first = runner.invoke(main, ["scan", str(tree), "--offline", "-q", "--no-cache", "-o", str(tmp_path / "first.json")])
    assert first.exit_code == 0, first.output
    res = runner.invoke(main, ["scan", str(tree), "--offline", "-q", "--no-cache", "--output-dir", str(tree / "out"),
                               "--format", "html,sarif,cyclonedx,cyclonedx-xml,json,md"])
    assert res.exit_code == 0, res.output
    (tree / "out" / "sovaudit.json").rename(tree / "out" / "renamed.json")
    # a file that only looks a little like a report is still scanned
    (tree / "notes.md").write_text("### sovaudit: notes\n\nWe call deepseek-chat through https://api.deepseek.com/v1\n")
    again = runner.invoke(main, ["scan", str(tree), "--offline", "-q", "--no-cache", "-o", str(tmp_path / "again.json")])
    assert again.exit_code == 0, again.output
    doc = json.loads((tmp_path / "again.json").read_text())
    before = json.loads((tmp_path / "first.json").read_text())
    assert not [r for r in doc["references"] if r["path"].startswith("out/")]
    own = {s["path"] for s in doc["skipped"] if s["reason"] == "sovaudit report"}
    assert {"out/renamed.json", "out/sovaudit.html", "out/sovaudit.cdx.json", "out/sovaudit.md"} <= own
    assert not own & {r["path"] for r in before["references"]}
    assert any(r["path"] == "notes.md" for r in doc["references"])
    assert len([r for r in doc["references"] if r["path"] != "notes.md"]) == len(before["references"])


def _tree_with_many_references(root: Path, n: int = 50) -> Path:
    root.mkdir()
    for i in range(n):
        (root / f"m{i}.py").write_text(f'client.chat.completions.create(model="gpt-4o", messages=[])  # {i}\n')
    return root


@pytest.mark.e2e
def test_a_reader_that_goes_away_is_not_a_policy_violation(tmp_path):
    tree = _tree_with_many_references(tmp_path / "tree")
    p = subprocess.Popen([sys.executable, "-m", "sovaudit", "scan", str(tree), "--offline", "-q", "--no-cache", "-j", "1",
                          "-o", "-", "--format", "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.close()  # the reader goes away before the report is written (| head -c 0)
    err = p.stderr.read()
    assert p.wait(timeout=120) == 141, err
    assert b"Traceback" not in err and b"Aborted" not in err


@pytest.mark.e2e
def test_ctrl_c_exits_130_quietly(tmp_path):
    """SIGINT to the process group (what Ctrl-C does) while the Hub is being asked."""
    from fakehub import Behaviour, FakeHub, card

    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "app.py").write_text('pipeline("text-generation", model="slowpoke/model-7b")\n')
    hub = FakeHub(models={"slowpoke/model-7b": card("slowpoke/model-7b", "slowpoke", "mit")},
                  behaviours={"slowpoke/model-7b": Behaviour(200, {}, None, delay=30.0)}).start()
    env = dict(os.environ, HF_ENDPOINT=hub.url)
    try:
        p = subprocess.Popen([sys.executable, "-m", "sovaudit", "scan", str(tree), "--no-cache", "-j", "2",
                              "--hub-timeout", "3", "-o", str(tmp_path / "scan.json")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)
        deadline = time.monotonic() + 60
        while not hub.requests and time.monotonic() < deadline and p.poll() is None:
            time.sleep(0.05)
        assert hub.requests, p.stderr.read() if p.poll() is not None else "no Hub request"
        os.killpg(p.pid, signal.SIGINT)
        _out, err = p.communicate(timeout=60)
    finally:
        hub.stop()
    assert p.returncode == 130, err
    assert b"Traceback" not in err and b"Aborted" not in err
    assert not (tmp_path / "scan.json").exists()


@pytest.mark.e2e
def test_forked_workers_leave_quietly_on_ctrl_c(tmp_path):
    script = tmp_path / "pool.py"
    script.write_text(
        "import concurrent.futures as cf, multiprocessing, time\n"
        "from sovaudit.signals import interrupted, quiet_workers_on_sigint\n"
        "quiet_workers_on_sigint()\n"
        "try:\n"
        "    with cf.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context('fork')) as pool:\n"
        "        fs = [pool.submit(time.sleep, 60) for _ in range(4)]\n"
        "        print('ready', flush=True)\n"
        "        [f.result() for f in fs]\n"
        "except KeyboardInterrupt:\n"
        "    interrupted()\n")
    p = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    assert p.stdout.readline() == b"ready\n"
    time.sleep(0.5)
    os.killpg(p.pid, signal.SIGINT)
    _out, err = p.communicate(timeout=30)
    assert p.returncode == 130 and b"Traceback" not in err, err


def test_every_skipped_file_is_in_the_cyclonedx_bom_and_counted_in_markdown(tmp_path):
    """Issue 14 item 20: the BOM lists each file the scan left out; Markdown, which stops at its
    cap, says how many more there are."""
    from sovaudit import api
    from sovaudit.report import write_all

    tree = tmp_path / "tree"
    tree.mkdir()
    for i in range(30):
        (tree / f"f{i:02}.py").write_text('model = "gpt-4o"  # padding padding padding\n')
    result = api.audit(api.AuditConfig(root=str(tree), offline=True, cache_dir="-", jobs=1, max_file_bytes=10))
    assert len(result.skipped) == 30
    out = tmp_path / "out"
    out.mkdir()
    files = write_all(result, ["cyclonedx", "cyclonedx-xml", "md"], str(out), 1)
    bom = json.loads(Path(files["cyclonedx"]).read_text())
    props = bom["metadata"]["component"]["properties"]
    assert {"name": "sovaudit:files-skipped", "value": "30"} in props
    listed = sorted(p["value"] for p in props if p["name"] == "sovaudit:skipped")
    assert len(listed) == 30 and listed[0].startswith("f00.py: too large")
    assert Path(files["cyclonedx-xml"]).read_text().count('name="sovaudit:skipped"') == 30
    md = Path(files["md"]).read_text()
    assert "Skipped files: 30" in md and "…and 10 more" in md
