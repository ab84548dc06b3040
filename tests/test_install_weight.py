"""Install weight: a scan needs neither numpy (GGUF headers are read by sovaudit's own parser, not
the ``gguf`` package) nor networkx (only ``sovaudit graph`` exports a networkx graph: the ``graph``
extra)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sovaudit.detect.weights import GGUF_FILE_TYPES, GGUF_MAGIC


def test_gguf_constants_match_the_package():
    gguf = pytest.importorskip("gguf")
    from gguf.constants import GGUFValueType, LlamaFileType

    assert gguf.constants.GGUF_MAGIC.to_bytes(4, "little") == GGUF_MAGIC
    assert int(GGUFValueType.STRING) == 8 and int(GGUFValueType.ARRAY) == 9
    for ft in LlamaFileType:
        assert GGUF_FILE_TYPES[int(ft)] == ft.name.removeprefix("MOSTLY_").removeprefix("ALL_"), ft


def test_a_scan_of_a_gguf_file_imports_neither_numpy_nor_networkx(tmp_path):
    gguf = pytest.importorskip("gguf")
    path = tmp_path / "m" / "qwen-7b-q4_k_m.gguf"
    path.parent.mkdir()
    w = gguf.GGUFWriter(str(path), "qwen2")
    w.add_string("general.name", "Qwen 7B")
    w.add_string("general.license", "apache-2.0")
    w.add_uint32("general.file_type", 15)
    w.add_string("general.source.huggingface.repository", "Qwen/Qwen2.5-7B-Instruct")
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_ti_data_to_file()
    w.close()
    code = f"""
import sys
from sovaudit import api
r = api.audit(api.AuditConfig(root={str(tmp_path)!r}, offline=True, cache_dir="-", jobs=1))
refs = [x for x in r.references if x.path.endswith(".gguf")]
assert refs and any(x.attribute("file_type") == "Q4_K_M" for x in refs), [(x.id, x.attributes) for x in refs]
bad = sorted(m for m in ("numpy", "networkx", "gguf") if m in sys.modules)
assert not bad, bad
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]
