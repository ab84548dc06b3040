"""ModelConfigDetector: Hub model config JSON (config.json, adapter_config.json, model_index.json)."""

from __future__ import annotations

import pytest

from sovaudit.detect.artifacts import ModelConfigDetector
from sovaudit.detect.base import SourceFile
from sovaudit.model import Context, Kind

DET = ModelConfigDetector()


def run(kb, path, text):
    return list(DET.detect(SourceFile(path, text=text), kb))


@pytest.mark.parametrize(
    "path, ok",
    [
        ("config.json", True),
        ("models/llama/config.json", True),
        ("out/adapter_config.json", True),
        ("sd/model_index.json", True),
        ("CONFIG.JSON", True),
        ("generation_config.json", False),
        ("tokenizer_config.json", False),
        ("config_sentence_transformers.json", False),
        ("config.yaml", False),
        ("app.config.json", False),
    ],
)
def test_applies(path, ok):
    assert DET.applies(path) is ok


CONFIG = """{
  "_name_or_path": "meta-llama/Llama-2-7b-hf",
  "architectures": [
    "LlamaForCausalLM"
  ],
  "model_type": "llama",
  "hidden_size": 4096
}
"""


def test_config_name_or_path(kb):
    (r,) = run(kb, "m/config.json", CONFIG)
    assert (r.kind, r.id, r.text, r.line, r.column, r.form, r.context, r.provider) == (
        Kind.MODEL, "meta-llama/Llama-2-7b-hf", "meta-llama/Llama-2-7b-hf", 2, 21, "hf", Context.CONFIG, "")
    assert r.detector == "artifacts"
    assert r.attribute("architectures") == "LlamaForCausalLM"
    assert r.attribute("model_type") == "llama"
    assert r.attribute("key") == "_name_or_path"
    assert r.attribute("relation") == ""


def test_adapter_config_base_model(kb):
    text = '{\n  "peft_type": "LORA",\n  "base_model_name_or_path": "mistralai/Mistral-7B-v0.1",\n  "r": 8\n}\n'
    (r,) = run(kb, "lora/adapter_config.json", text)
    assert (r.id, r.line, r.column, r.form, r.context) == ("mistralai/Mistral-7B-v0.1", 3, 31, "hf", Context.CONFIG)
    assert r.attribute("relation") == "adapter"
    assert r.attribute("peft_type") == "LORA"


def test_model_index_diffusers(kb):
    text = '{"_class_name": "StableDiffusionPipeline", "_diffusers_version": "0.21.0", "_name_or_path": "runwayml/stable-diffusion-v1-5"}'
    (r,) = run(kb, "sd/model_index.json", text)
    assert (r.id, r.line, r.column) == ("runwayml/stable-diffusion-v1-5", 1, 94)
    assert r.attribute("architectures") == "StableDiffusionPipeline"


def test_base_model_key_list_and_nested_configs(kb):
    text = (
        '{\n'
        '  "architectures": ["LlavaForConditionalGeneration"],\n'
        '  "base_model": ["Qwen/Qwen2-7B", "./local"],\n'
        '  "text_config": {"_name_or_path": "lmsys/vicuna-7b-v1.5", "model_type": "llama"},\n'
        '  "vision_config": {"_name_or_path": "", "model_type": "clip_vision_model"}\n'
        '}\n'
    )
    refs = run(kb, "config.json", text)
    got = [(r.id, r.line, r.column, r.attribute("relation"), r.attribute("nested"), r.attribute("model_type")) for r in refs]
    assert got == [
        ("Qwen/Qwen2-7B", 3, 19, "base", "", ""),
        ("lmsys/vicuna-7b-v1.5", 4, 37, "", "true", "llama"),
    ]


def test_escapes_and_unicode_keep_columns(kb):
    text = '{"note": "caf\\u00e9 \\"x\\"", "_name_or_path": "org-a/model-b"}'
    (r,) = run(kb, "config.json", text)
    assert text[r.column - 1:].startswith("org-a/model-b")


@pytest.mark.parametrize(
    "value",
    [
        "/home/user/checkpoints/llama",  # absolute path
        "./output",  # relative path
        "output/checkpoint-500/final",  # a path with two slashes
        "checkpoint-500",  # a bare directory name
        "",
        "C:\\\\models\\\\llama",
        "models/model.safetensors",  # a file
        "your-org/your-model",  # placeholder
    ],
)
def test_local_paths_are_not_models(kb, value):
    text = f'{{"_name_or_path": "{value}", "model_type": "llama"}}'
    assert run(kb, "config.json", text) == []


def test_unrelated_config_json_is_ignored(kb):
    # some other program's config.json: no model-config keys -> not parsed at all (even if broken)
    assert run(kb, "app/config.json", '{"port": 8080, "model": "User"}') == []
    assert run(kb, "app/config.json", "{ port: 8080, // comment\n}") == []


def test_generation_like_config_without_name_gives_nothing(kb):
    assert run(kb, "config.json", '{"model_type": "bert", "architectures": ["BertModel"]}') == []


@pytest.mark.parametrize(
    "path, text",
    [
        ("config.json", '{"_name_or_path": "meta-llama/Llama-2-7b-hf", "model_type": "llama",}'),
        ("adapter_config.json", '{"base_model_name_or_path": "x/y"'),
        ("model_index.json", "not json"),
    ],
)
def test_malformed_json_raises(kb, path, text):
    with pytest.raises(ValueError, match="malformed JSON"):
        run(kb, path, text)


def test_top_level_not_an_object(kb):
    assert run(kb, "model_index.json", '["a/b"]') == []
