"""Modelfile detector: the model an Ollama Modelfile builds from; local files are not model names."""

from __future__ import annotations

import pytest

from sovaudit.detectors.base import SourceFile
from sovaudit.detectors.modelfile import ModelfileDetector
from sovaudit.model import Context, Kind

DET = ModelfileDetector()


def run(kb, text: str, path: str = "ollama/bot/Modelfile"):
    return list(DET.detect(SourceFile(path, text=text), kb))


def rows(refs):
    return [(r.kind.value, r.id, r.line, r.column, r.form, r.provider) for r in refs]


@pytest.mark.parametrize(
    "path,expected",
    [
        ("Modelfile", True), ("ollama/bot/Modelfile", True), ("support.Modelfile", True), ("Modelfile.qwen", True),
        ("modelfile", True), ("Dockerfile", False), ("models/file.txt", False), ("ModelfileGenerator.py", False),
    ],
)
def test_applies(path, expected):
    assert DET.applies(path) is expected


@pytest.mark.parametrize(
    "line,expected",
    [
        ("FROM qwen2.5:14b", ("model", "qwen2.5:14b", 1, 6, "ollama", "ollama")),
        ("FROM llama3.2", ("model", "llama3.2", 1, 6, "ollama", "ollama")),
        ("from mistral:7b-instruct-q4_K_M", ("model", "mistral:7b-instruct-q4_K_M", 1, 6, "ollama", "ollama")),
        ("FROM   nomic-embed-text:latest", ("model", "nomic-embed-text:latest", 1, 8, "ollama", "ollama")),
        ("FROM mannix/llama3.1-8b-abliterated:q4_k_m",
         ("model", "mannix/llama3.1-8b-abliterated:q4_k_m", 1, 6, "ollama", "ollama")),
        ("FROM registry.ollama.ai/library/llama3.2:3b", ("model", "llama3.2:3b", 1, 6, "ollama", "ollama")),
        ("FROM hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M",
         ("model", "bartowski/Llama-3.2-1B-Instruct-GGUF", 1, 6, "hf-uri", "ollama")),
        ("FROM huggingface.co/Qwen/Qwen2.5-7B-Instruct-GGUF",
         ("model", "Qwen/Qwen2.5-7B-Instruct-GGUF", 1, 6, "hf-uri", "ollama")),
        ('FROM "qwen2.5:7b"', ("model", "qwen2.5:7b", 1, 7, "ollama", "ollama")),
    ],
)
def test_from(kb, line, expected):
    refs = run(kb, line + "\n")
    assert rows(refs) == [expected]
    assert refs[0].context is Context.CONFIG and refs[0].detector == "modelfile"
    assert refs[0].text == line.split(None, 1)[1].strip().strip('"')


def test_hf_tag_is_the_quantization(kb):
    (ref,) = run(kb, "FROM hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M\n")
    assert ref.attribute("quantization") == "Q4_K_M"
    (ref,) = run(kb, "FROM qwen2.5:14b\n")
    assert ref.attribute("tag") == "14b"


@pytest.mark.parametrize(
    "line",
    [
        "FROM ./kontor-support-q4_k_m.gguf",
        "FROM ../weights/model.gguf",
        "FROM /srv/models/llama-3.2-1b.Q4_K_M.gguf",
        "FROM ~/models/qwen.gguf",
        "FROM C:\\models\\qwen.gguf",
        "FROM model.gguf",
        "FROM ./safetensors-dir",
        "ADAPTER ./adapters/invoice-lora.gguf",
        "ADAPTER /srv/lora",
        "FROM ${BASE_MODEL}",
        "FROM",
        "PARAMETER temperature 0.2",
        "# FROM llama3",
    ],
)
def test_local_files_and_non_instructions_record_nothing(kb, line):
    assert run(kb, line + "\n") == []


def test_triple_quoted_text_is_not_an_instruction(kb):
    text = (
        "FROM qwen2.5:14b\n"
        'SYSTEM """\n'
        "You are a support assistant.\n"
        "FROM now on answer in German.\n"
        '"""\n'
        'TEMPLATE """{{ if .System }}<|im_start|>system\n'
        "{{ .System }}<|im_end|>\n"
        "FROM llama3\n"
        '{{ end }}"""\n'
        "PARAMETER stop <|im_end|>\n"
        'MESSAGE user """FROM here"""\n'
    )
    assert rows(run(kb, text)) == [("model", "qwen2.5:14b", 1, 6, "ollama", "ollama")]


def test_adapter_from_a_registry(kb):
    text = "FROM llama3.2:3b\nADAPTER hf.co/org-x/llama-3.2-3b-lora\n"
    refs = run(kb, text)
    assert rows(refs) == [
        ("model", "llama3.2:3b", 1, 6, "ollama", "ollama"),
        ("model", "org-x/llama-3.2-3b-lora", 2, 9, "hf-uri", "ollama"),
    ]
    assert refs[1].attribute("relation") == "adapter"
    assert all(r.kind is Kind.MODEL for r in refs)
