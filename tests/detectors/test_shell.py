"""Shell scripts, Makefiles, Procfiles and Justfiles."""

from __future__ import annotations

import textwrap

import pytest

from sovaudit.detectors.base import SourceFile
from sovaudit.detectors.shell import ShellDetector
from sovaudit.model import Context, Kind

DET = ShellDetector()


def refs(path: str, text: str, kb):
    text = textwrap.dedent(text).lstrip("\n")
    out = list(DET.detect(SourceFile(path, text=text), kb))
    lines = text.split("\n")
    for r in out:  # every reference's text is what is written at its place
        assert lines[r.line - 1][r.column - 1:].startswith(r.text), r
    return out


def models(rs):
    return [(r.id, r.line, r.column, r.form, r.context.value) for r in rs if r.kind is Kind.MODEL]


@pytest.mark.parametrize("path,expected", [
    ("scripts/serve.sh", True), ("run.bash", True), ("x.zsh", True), ("Makefile", True), ("build/rules.mk", True),
    ("Procfile", True), ("Justfile", True), ("justfile", True),
    ("serve.py", False), ("Dockerfile", False), ("makefile.txt", False), ("sh", False),
])
def test_applies(path, expected):
    assert DET.applies(path) is expected


SCRIPT = """
    #!/usr/bin/env bash
    # Start the model servers (default Qwen/Qwen2.5-7B-Instruct).
    set -euo pipefail
    MODEL="${MODEL:-meta-llama/Llama-3.1-8B-Instruct}"
    export EMBEDDING_MODEL=BAAI/bge-small-en-v1.5
    vllm serve "$MODEL" \\
      --port 8000 \\
      --tokenizer-mode auto &
    python -m vllm.entrypoints.openai.api_server \\
        --model deepseek-ai/DeepSeek-R1-Distill-Llama-8B --port 8002 &
    ollama pull nomic-embed-text
    echo "not a model: my-model ./models/llama"
"""


def test_script(kb):
    rs = refs("scripts/serve.sh", SCRIPT, kb)
    assert models(rs) == [
        ("Qwen/Qwen2.5-7B-Instruct", 2, 36, "hf", "comment"),
        ("meta-llama/Llama-3.1-8B-Instruct", 4, 17, "hf", "code"),
        ("BAAI/bge-small-en-v1.5", 5, 24, "hf", "code"),
        ("deepseek-ai/DeepSeek-R1-Distill-Llama-8B", 10, 13, "hf", "code"),
        ("nomic-embed-text", 11, 13, "ollama", "code"),
    ]
    pkgs = [(r.id, r.line, r.column, r.form) for r in rs if r.kind is Kind.PACKAGE]
    assert pkgs == [("vllm", 6, 1, "command"), ("vllm", 9, 11, "command"), ("ollama", 11, 1, "command")]
    assert {r.detector for r in rs} == {"shell"}
    ollama = next(r for r in rs if r.id == "nomic-embed-text")
    assert ollama.provider == "ollama" and ollama.attribute("command") == "ollama pull"


def test_secret_never_copied(kb):
    secret = "sk-ant-api03-NOTAREALSECRET000000000000"
    rs = refs("deploy.sh", f"""
        export ANTHROPIC_API_KEY="{secret}"
        OPENAI_API_KEY={secret} python app.py
    """, kb)
    assert [(r.kind, r.id, r.line, r.column, r.form, r.provider) for r in rs] == [
        (Kind.ENDPOINT, "anthropic", 1, 8, "env", "anthropic"),
        (Kind.ENDPOINT, "openai", 2, 1, "env", "openai"),
    ]
    for r in rs:
        assert all(secret not in str(v) for v in (r.id, r.text, r.provider, r.attributes, r.related))


MAKEFILE = """
    MODEL ?= Qwen/Qwen2.5-Coder-7B-Instruct
    export LLM_MODEL := "mistralai/Mistral-7B-Instruct-v0.3"
    OUT := ./build
    # fallback: meta-llama/Llama-3.2-3B-Instruct

    serve: pull
    \tvllm serve $(MODEL) --port 8000
    \t@ollama pull \\
    \t   gemma2:9b
    quick: ; hf download google/gemma-2-2b-it
"""


def test_makefile(kb):
    rs = refs("Makefile", MAKEFILE, kb)
    assert models(rs) == [
        ("Qwen/Qwen2.5-Coder-7B-Instruct", 1, 10, "hf", "code"),
        ("mistralai/Mistral-7B-Instruct-v0.3", 2, 22, "hf", "code"),
        ("meta-llama/Llama-3.2-3B-Instruct", 4, 13, "hf", "comment"),
        ("gemma2:9b", 9, 5, "ollama", "code"),
        ("google/gemma-2-2b-it", 10, 22, "hf", "code"),
    ]


def test_procfile(kb):
    rs = refs("Procfile", """
        web: python -m vllm.entrypoints.openai.api_server --model Qwen/Qwen2-7B-Instruct
        worker: ollama run mistral
    """, kb)
    assert models(rs) == [("Qwen/Qwen2-7B-Instruct", 1, 59, "hf", "code"), ("mistral", 2, 20, "ollama", "code")]


def test_justfile(kb):
    rs = refs("justfile", """
        model := "Qwen/Qwen2-7B-Instruct"

        serve size="7b" base="mistralai/Mistral-7B-v0.1":
            vllm serve {{model}}
            @ollama pull phi3
    """, kb)
    assert models(rs) == [
        ("Qwen/Qwen2-7B-Instruct", 1, 11, "hf", "code"),
        ("phi3", 5, 18, "ollama", "code"),
    ]


def test_nothing_in_ordinary_scripts(kb):
    rs = refs("ci/build.sh", """
        set -e
        git clone https://github.com/huggingface/transformers
        docker build -t myorg/app:latest .
        docker run --rm nvidia/cuda:12.4.1-base-ubuntu22.04 nvidia-smi
        python train.py --model ./checkpoints/best --epochs 3
        echo "done"  # see actions/checkout@v4
    """, kb)
    assert models(rs) == []
    hw = [(r.kind, r.id, r.line, r.column, r.form) for r in rs]
    assert hw == [(Kind.HARDWARE, "nvidia", 4, 17, "image")]


def test_context_is_code(kb):
    rs = refs("a.sh", "vllm serve Qwen/Qwen2-7B\n", kb)
    assert {r.context for r in rs} == {Context.CODE}
