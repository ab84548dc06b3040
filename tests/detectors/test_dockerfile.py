"""Dockerfiles and Containerfiles."""

from __future__ import annotations

import textwrap

import pytest

from sovaudit.detectors.base import SourceFile
from sovaudit.detectors.dockerfile import DockerfileDetector
from sovaudit.model import Context, Kind

DET = DockerfileDetector()


def refs(text: str, kb, path: str = "Dockerfile"):
    text = textwrap.dedent(text).lstrip("\n")
    out = list(DET.detect(SourceFile(path, text=text), kb))
    lines = text.split("\n")
    for r in out:
        assert lines[r.line - 1][r.column - 1:].startswith(r.text), r
        assert r.detector == "dockerfile"
    return out


def rows(rs, kind: Kind):
    return [(r.id, r.line, r.column, r.form, r.provider) for r in rs if r.kind is kind]


@pytest.mark.parametrize("path,expected", [
    ("Dockerfile", True), ("docker/Dockerfile.vllm", True), ("gpu.Dockerfile", True), ("Containerfile", True),
    ("dockerfile", True), ("Dockerfile.txt", True), ("docker-compose.yml", False), ("Dockerfiles/README.md", False),
])
def test_applies(path, expected):
    assert DET.applies(path) is expected


@pytest.mark.parametrize("base,kind,id_", [
    ("nvidia/cuda:12.4.1-runtime-ubuntu22.04", Kind.HARDWARE, "nvidia"),
    ("rocm/pytorch:rocm6.2_ubuntu22.04_py3.10", Kind.HARDWARE, "amd"),
    ("ascendhub.huawei.com/public-ascendhub/ascend-pytorch:24.0.RC1", Kind.HARDWARE, "huawei-ascend"),
    ("vault.habana.ai/gaudi-docker/1.18.0/ubuntu22.04/habanalabs/pytorch-installer-2.4.0:latest", Kind.HARDWARE, "intel-gaudi"),
    ("public.ecr.aws/neuron/pytorch-inference-neuronx:2.1.2", Kind.HARDWARE, "aws-neuron"),
    ("vllm/vllm-openai:v0.6.4.post1", Kind.PACKAGE, "vllm"),
    ("ghcr.io/huggingface/text-generation-inference:2.4.0", Kind.PACKAGE, "tgi"),
    ("ollama/ollama:0.4.2", Kind.PACKAGE, "ollama"),
    ("docker.io/ollama/ollama", Kind.PACKAGE, "ollama"),
])
def test_base_images(kb, base, kind, id_):
    rs = refs(f"FROM --platform=linux/amd64 {base} AS serve\n", kb)
    hit = [r for r in rs if r.kind is kind]
    assert [(r.id, r.line, r.column, r.form, r.text) for r in hit] == [(id_, 1, 29, "image", base)]
    assert hit[0].provider == (id_ if kind is Kind.HARDWARE else "")
    assert rows(rs, Kind.MODEL) == []  # an image name is not a model


def test_nim_image_carries_a_model(kb):
    rs = refs("FROM nvcr.io/nim/meta/llama-3.1-8b-instruct:1.0\n", kb)
    assert rows(rs, Kind.MODEL) == [("meta/llama-3.1-8b-instruct", 1, 6, "image", "")]
    assert rows(rs, Kind.PACKAGE) == [("nvidia-nim", 1, 6, "image", "")]
    assert rows(rs, Kind.HARDWARE) == [("nvidia", 1, 6, "image", "nvidia")]


def test_plain_base_images_say_nothing(kb):
    assert refs("FROM python:3.11-slim AS base\nFROM base\nFROM ubuntu:22.04\n", kb) == []


DOCKERFILE = """
    # syntax=docker/dockerfile:1.7
    ARG BASE=nvcr.io/nvidia/pytorch:24.01-py3
    FROM vllm/vllm-openai:v0.6.4.post1
    # Serves mistralai/Mistral-Nemo-Instruct-2407 unless MODEL_ID says otherwise
    ARG MODEL_ID=mistralai/Mistral-Nemo-Instruct-2407
    ENV MODEL_ID=${MODEL_ID} \\
        HF_MODEL_ID=Qwen/Qwen2.5-7B-Instruct \\
        OPENAI_BASE_URL=https://api.openai.com/v1
    ENV EMBEDDING_MODEL BAAI/bge-m3
    RUN pip install --no-cache-dir vllm && \\
        huggingface-cli download \\
          meta-llama/Llama-3.2-1B \\
          --local-dir /models
    RUN <<EOF
    ollama serve & sleep 3
    ollama pull llama3.1:8b
    EOF
    ENTRYPOINT ["python3", "-m", "vllm.entrypoints.openai.api_server"]
    CMD ["--model", "Qwen/Qwen2-7B-Instruct", "--served-model-name=qwen"]
"""


def test_dockerfile(kb):
    rs = refs(DOCKERFILE, kb)
    got = [(r.id, r.line, r.column, r.form, r.context.value) for r in rs if r.kind is Kind.MODEL]
    assert got == [
        ("mistralai/Mistral-Nemo-Instruct-2407", 4, 10, "hf", "comment"),
        ("mistralai/Mistral-Nemo-Instruct-2407", 5, 14, "hf", "config"),
        ("Qwen/Qwen2.5-7B-Instruct", 7, 17, "hf", "config"),
        ("BAAI/bge-m3", 9, 21, "hf", "config"),
        ("meta-llama/Llama-3.2-1B", 12, 7, "hf", "config"),
        ("llama3.1:8b", 16, 13, "ollama", "config"),
        ("Qwen/Qwen2-7B-Instruct", 19, 18, "hf", "config"),
    ]
    # the --served-model-name is the public alias: kept beside the model, not a model itself
    assert next(r for r in rs if r.id == "Qwen/Qwen2-7B-Instruct").attribute("served_name") == "qwen"
    assert rows(rs, Kind.HARDWARE) == [("nvidia", 2, 10, "image", "nvidia")]
    assert ("vllm", 3, 6, "image", "") in rows(rs, Kind.PACKAGE)
    assert ("vllm", 18, 31, "command", "") in rows(rs, Kind.PACKAGE)
    endpoints = rows(rs, Kind.ENDPOINT)
    assert ("https://api.openai.com/v1", 8, 21, "url", "openai") in endpoints
    assert ("openai", 8, 5, "env", "openai") in endpoints


def test_entrypoint_and_cmd_read_together(kb):
    rs = refs("""
        FROM vllm/vllm-openai:latest
        ENTRYPOINT ["vllm", "serve"]
        CMD ["meta-llama/Llama-3.3-70B-Instruct", "--tensor-parallel-size", "4"]
    """, kb)
    assert rows(rs, Kind.MODEL) == [("meta-llama/Llama-3.3-70B-Instruct", 3, 7, "hf", "")]


def test_shell_form_cmd_and_escapes(kb):
    rs = refs("""
        FROM ghcr.io/huggingface/text-generation-inference:2.4.0
        CMD text-generation-launcher --model-id "bigcode/starcoder2-15b" --port 80
        RUN python -c "from sentence_transformers import SentenceTransformer; SentenceTransformer('BAAI/bge-small-en-v1.5')"
    """, kb)
    assert rows(rs, Kind.MODEL) == [("bigcode/starcoder2-15b", 2, 42, "hf", ""), ("BAAI/bge-small-en-v1.5", 3, 92, "hf", "")]


def test_backtick_escape_directive(kb):
    rs = refs("""
        # escape=`
        FROM mcr.microsoft.com/windows/servercore:ltsc2022
        RUN huggingface-cli download `
            Qwen/Qwen2.5-0.5B-Instruct
    """, kb)
    assert rows(rs, Kind.MODEL) == [("Qwen/Qwen2.5-0.5B-Instruct", 4, 5, "hf", "")]


def test_secrets_never_copied(kb):
    secret = "sk-proj-NOTAREALSECRET00000000000000"
    rs = refs(f"""
        FROM python:3.12
        ENV OPENAI_API_KEY={secret} \\
            LLM_MODEL=gpt-4o-mini
        ARG HF_TOKEN={secret}
        ENV ANTHROPIC_API_KEY {secret}
    """, kb)
    assert ("openai", 2, 5, "env", "openai") in rows(rs, Kind.ENDPOINT)
    assert ("anthropic", 5, 5, "env", "anthropic") in rows(rs, Kind.ENDPOINT)
    assert [r.id for r in rs if r.kind is Kind.MODEL] == ["gpt-4o-mini"]
    for r in rs:
        assert all(secret not in str(v) for v in (r.id, r.text, r.provider, r.attributes))


def test_context(kb):
    rs = refs("FROM vllm/vllm-openai\n# uses Qwen/Qwen2.5-7B-Instruct\n", kb)
    assert [(r.kind, r.context) for r in rs] == [(Kind.PACKAGE, Context.CONFIG), (Kind.MODEL, Context.COMMENT)]
