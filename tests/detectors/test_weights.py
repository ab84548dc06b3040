"""WeightsHeaderDetector: GGUF and safetensors metadata headers (tiny fixtures, no weights)."""

from __future__ import annotations

import json
import struct

import gguf
import numpy as np
import pytest

from sovaudit.detect.base import SourceFile
from sovaudit.detect.weights import WeightsHeaderDetector
from sovaudit.model import Context, Kind, Reference, Skipped

DET = WeightsHeaderDetector()


def make_gguf(tmp_path, name="model.gguf", arch="llama", tensor=False, **kv):
    """Write a GGUF file with the given metadata (string/int values; lists as string arrays)."""
    path = tmp_path / name
    w = gguf.GGUFWriter(str(path), arch)
    for key, val in kv.items():
        key = key.replace("__", ".")
        if isinstance(val, str):
            w.add_string(key, val)
        elif isinstance(val, list):
            w.add_array(key, val)
        else:
            w.add_uint32(key, val)
    w.add_array("tokenizer.ggml.tokens", [f"tok{i}" for i in range(300)])
    if tensor:
        w.add_tensor("t", np.zeros((4,), dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    if tensor:
        w.write_tensors_to_file()  # tensor info, then the (tiny) tensor data
    else:
        w.write_ti_data_to_file()
    w.close()
    return path


def run(kb, path, data):
    return list(DET.detect(SourceFile(path, data=data, abs_path=""), kb))


def refs_only(items):
    return [i for i in items if isinstance(i, Reference)]


@pytest.mark.parametrize(
    "path, ok",
    [("m/model.gguf", True), ("M.GGUF", True), ("x/model.safetensors", True), ("model-00001-of-00002.safetensors", True),
     ("model.bin", False), ("model.gguf.json", False), ("model.safetensors.index.json", False)],
)
def test_applies(path, ok):
    assert DET.applies(path) is ok
    assert DET.binary is True


def test_gguf_quantized_with_repo_and_base_model(kb, tmp_path):
    p = make_gguf(
        tmp_path, tensor=True,
        general__name="Meta Llama 3.1 8B Instruct",
        general__basename="Meta-Llama-3.1",
        general__repo_url="https://huggingface.co/bartowski/Meta-Llama-3.1-8B-Instruct-GGUF",
        general__source__url="https://huggingface.co/meta-llama/Meta-Llama-3.1-8B-Instruct",
        general__license="llama3.1",
        general__file_type=15,
        general__quantization_version=2,
        general__base_model__count=1,
        general__base_model__0__name="Meta Llama 3.1 8B",
        general__base_model__0__organization="Meta Llama",
        general__base_model__0__repo_url="https://huggingface.co/meta-llama/Meta-Llama-3.1-8B",
    )
    refs = run(kb, "models/llama.gguf", p.read_bytes())
    assert [(r.kind, r.id, r.line, r.column, r.form, r.context, r.provider, r.detector) for r in refs] == [
        (Kind.MODEL, "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF", 1, 1, "gguf", Context.CONFIG, "", "weights"),
        (Kind.MODEL, "meta-llama/Meta-Llama-3.1-8B-Instruct", 1, 1, "hf", Context.CONFIG, "", "weights"),
        (Kind.MODEL, "meta-llama/Meta-Llama-3.1-8B", 1, 1, "hf", Context.CONFIG, "", "weights"),
    ]
    main, source, base = refs
    assert main.text == "https://huggingface.co/bartowski/Meta-Llama-3.1-8B-Instruct-GGUF"
    assert dict(main.attributes) | {"license_id": ""} == {
        "id_from": "repo_url", "name": "Meta Llama 3.1 8B Instruct", "basename": "Meta-Llama-3.1",
        "architecture": "llama", "license": "llama3.1", "license_id": "", "file_type": "Q4_K_M",
        "quantization_version": "2", "source": "meta-llama/Meta-Llama-3.1-8B-Instruct",
        "base_models": "meta-llama/Meta-Llama-3.1-8B-Instruct", "relation": "quantized",
    }
    assert source.attribute("relation") == "quantized"
    assert base.attribute("relation") == "base"
    assert base.attribute("organization") == "Meta Llama"
    assert base.attribute("name") == "Meta Llama 3.1 8B"


def test_gguf_name_only_with_unstated_base(kb, tmp_path):
    p = make_gguf(tmp_path, general__name="My Merge 7B", general__file_type=1,
                  general__base_model__count=2,
                  general__base_model__0__repo_url="https://huggingface.co/mistralai/Mistral-7B-v0.1",
                  general__base_model__1__name="SomeModel-7B")
    refs = run(kb, "merge.gguf", p.read_bytes())
    assert [(r.id, r.form, r.attribute("relation")) for r in refs] == [
        ("My Merge 7B", "gguf", ""),
        ("mistralai/Mistral-7B-v0.1", "hf", "base"),
        ("SomeModel-7B", "name", "base"),
    ]
    assert refs[0].attribute("base_models") == "mistralai/Mistral-7B-v0.1,SomeModel-7B"
    assert refs[0].attribute("file_type") == "F16"
    assert refs[0].attribute("id_from") == "general.name"


def test_gguf_legacy_huggingface_repository_key(kb, tmp_path):
    p = make_gguf(tmp_path, general__name="llama", huggingface__repository="TheBloke/Llama-2-7B-GGUF")
    (r,) = run(kb, "llama.gguf", p.read_bytes())
    assert (r.id, r.form, r.attribute("id_from")) == ("TheBloke/Llama-2-7B-GGUF", "gguf", "source")


def test_gguf_without_names_uses_file_name(kb, tmp_path):
    p = make_gguf(tmp_path)
    (r,) = run(kb, "weights/tinyllama-q4.gguf", p.read_bytes())
    assert (r.id, r.form, r.confidence, r.attribute("id_from"), r.attribute("architecture")) == (
        "tinyllama-q4", "gguf", 0.5, "file name", "llama")


def test_gguf_later_split_shard_without_names_gives_nothing(kb, tmp_path):
    path = tmp_path / "m-00002-of-00002.gguf"
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_uint16("split.no", 1)
    w.add_uint16("split.count", 2)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_ti_data_to_file()
    w.close()
    assert run(kb, "m-00002-of-00002.gguf", path.read_bytes()) == []


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "bad magic"),
        (b"GGML" + b"\0" * 40, "bad magic"),
        (b"GGUF\x03\x00\x00\x00", "only 8 bytes"),
        (b"GGUF" + struct.pack("<IQQ", 7, 0, 0), "unsupported version 7"),
        (b"GGUF" + struct.pack("<IQQ", 3, 0, 10**9), "implausible counts"),
        (b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", 10) + b"general.na", "truncated"),
        (b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", 4) + b"a.bc" + struct.pack("<I", 99), "unknown value type 99"),
    ],
)
def test_gguf_corrupt_raises(kb, data, message):
    with pytest.raises(ValueError, match="corrupt GGUF header: .*" + message):
        run(kb, "bad.gguf", data)


def test_gguf_truncated_keeps_what_was_read(kb, tmp_path):
    p = make_gguf(tmp_path, general__name="Qwen2 7B Instruct",
                  general__repo_url="https://huggingface.co/Qwen/Qwen2-7B-Instruct-GGUF")
    data = p.read_bytes()
    cut = data.index(b"tokenizer.ggml.tokens") + 40  # inside the vocabulary array
    got = []
    with pytest.raises(ValueError, match=r"corrupt GGUF header: truncated at key/value \d+ of \d+"):
        for item in DET.detect(SourceFile("q.gguf", data=data[:cut]), kb):
            got.append(item)
    assert [r.id for r in got] == ["Qwen/Qwen2-7B-Instruct-GGUF"]


def test_gguf_metadata_past_the_scanner_head_is_a_partial_skip(kb, tmp_path, monkeypatch):
    import sovaudit.detect.weights

    p = make_gguf(tmp_path, general__name="Qwen2 7B Instruct")
    data = p.read_bytes()
    cut = data.index(b"tokenizer.ggml.tokens") + 40
    monkeypatch.setattr(sovaudit.detect.weights, "ARTIFACT_HEAD_BYTES", cut)
    items = run(kb, "q.gguf", data[:cut])
    assert [type(i).__name__ for i in items] == ["Skipped", "Reference"]
    assert items[0].reason == "partly read"
    assert items[1].id == "Qwen2 7B Instruct"


def test_gguf_big_endian(kb, tmp_path):
    path = tmp_path / "be.gguf"
    w = gguf.GGUFWriter(str(path), "llama", endianess=gguf.GGUFEndian.BIG)
    w.add_string("general.name", "BE Model")
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_ti_data_to_file()
    w.close()
    (r,) = run(kb, "be.gguf", path.read_bytes())
    assert (r.id, r.attribute("architecture")) == ("BE Model", "llama")


# -- safetensors ------------------------------------------------------------------------------


def safetensors(header: dict, pad: bytes = b"\0" * 16) -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + pad


def test_safetensors_metadata_base_model(kb):
    data = safetensors({
        "__metadata__": {"format": "pt", "base_model": "stabilityai/stable-diffusion-xl-base-1.0", "ss_output_name": "lora"},
        "w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
    })
    (r,) = run(kb, "lora.safetensors", data)
    assert (r.kind, r.id, r.line, r.column, r.form, r.context, r.text) == (
        Kind.MODEL, "stabilityai/stable-diffusion-xl-base-1.0", 1, 1, "hf", Context.CONFIG, "stabilityai/stable-diffusion-xl-base-1.0")
    assert dict(r.attributes) == {"key": "base_model", "relation": "base", "format": "pt"}


@pytest.mark.parametrize(
    "meta",
    [
        {"format": "pt"},  # the usual transformers header: names no model
        {"format": "pt", "ss_sd_model_name": "v1-5-pruned-emaonly.safetensors"},  # a file name
        {"modelspec.title": "My LoRA", "name": "lora"},  # titles and free names are not models
        {"base_model": "/mnt/models/llama"},  # a local path
    ],
)
def test_safetensors_without_model_names(kb, meta):
    assert run(kb, "model.safetensors", safetensors({"__metadata__": meta})) == []


def test_safetensors_without_metadata(kb):
    assert run(kb, "model.safetensors", safetensors({"w": {"dtype": "F16", "shape": [1], "data_offsets": [0, 2]}})) == []


@pytest.mark.parametrize(
    "data, message",
    [
        (b"\x01\x02", "only 2 bytes"),
        (struct.pack("<Q", 0), "implausible header length 0"),
        (struct.pack("<Q", 2**40) + b"{}", "implausible header length"),
        (struct.pack("<Q", 100) + b'{"a": 1}', "truncated"),
        (struct.pack("<Q", 8) + b"not json", "corrupt safetensors header"),
        (struct.pack("<Q", 4) + b"[1] ", "not a JSON object"),
    ],
)
def test_safetensors_corrupt_raises(kb, data, message):
    with pytest.raises(ValueError, match="corrupt safetensors header: .*" + message if "corrupt" not in message else message):
        run(kb, "bad.safetensors", data)


def test_scanner_runs_weights_detector_on_binary_files(kb, tmp_path):
    """End to end through the scanner: binary files are handed over, errors become skips."""
    from sovaudit.detect.scan import scan
    from sovaudit.model import ScanConfig

    make_gguf(tmp_path, name="good.gguf", general__name="Good", tensor=True)
    (tmp_path / "bad.gguf").write_bytes(b"GGUF\x03\x00\x00\x00")
    res = scan(ScanConfig(root=str(tmp_path), cache_dir="-", jobs=1), kb)
    assert [(r.path, r.id) for r in res.references] == [("good.gguf", "Good")]
    assert [(s.path, s.reason) for s in res.skipped] == [("bad.gguf", "could not parse (weights)")]
    assert isinstance(res.skipped[0], Skipped)
