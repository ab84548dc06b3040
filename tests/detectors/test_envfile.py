"""Env-file detector: model keys, endpoint URLs, provider credentials by name -- never a secret value."""

from __future__ import annotations

import dataclasses
import os

import pytest

from sovaudit.detectors.base import SourceFile
from sovaudit.detectors.envfile import EnvFileDetector, is_model_key, is_secret_key, is_url_key
from sovaudit.model import Context, Kind
from sovaudit.scan import scan_file
from sovaudit.walk import WalkItem

DET = EnvFileDetector()


def run(kb, text: str, path: str = "services/api/.env"):
    return list(DET.detect(SourceFile(path, text=text), kb))


def rows(refs):
    return sorted((r.kind.value, r.id, r.line, r.column, r.form, r.provider) for r in refs)


@pytest.mark.parametrize(
    "path,expected",
    [
        (".env", True), ("config/.env", True), (".env.example", True), (".env.production.local", True),
        ("deploy/prod.env", True), (".envrc", True), ("app/application.properties", True), ("setup.cfg", True),
        ("conf/llm.ini", True), ("nginx/site.conf", True),
        ("env.py", False), ("environment.yml", False), (".envoy.yaml", False), ("README.md", False), ("envs/x.txt", False),
    ],
)
def test_applies(path, expected):
    assert DET.applies(path) is expected


def test_detector_name():
    assert DET.name == "env"


ENV = """\
# LLM settings
export OPENAI_API_KEY="sk-proj-AAAAsecretBBBB1234567890"
ANTHROPIC_API_KEY=sk-ant-api03-SECRETVALUE # inline comment
LLM_MODEL=gpt-4o-mini
LLM_MODEL_NAME='Qwen/Qwen2.5-7B-Instruct'
FALLBACK_MODELS=meta-llama/Llama-3.1-8B-Instruct, Qwen/Qwen2.5-72B-Instruct
HF_MODEL_ID = "mistralai/Mistral-7B-Instruct-v0.3"
OLLAMA_MODEL=llama3.2:3b
"""


def test_models_and_credentials(kb):
    refs = run(kb, ENV)
    assert rows(refs) == sorted([
        ("endpoint", "openai", 2, 8, "env", "openai"),
        ("endpoint", "anthropic", 3, 1, "env", "anthropic"),
        ("model", "gpt-4o-mini", 4, 11, refs[2].form, refs[2].provider),
        ("model", "Qwen/Qwen2.5-7B-Instruct", 5, 17, "hf", ""),
        ("model", "meta-llama/Llama-3.1-8B-Instruct", 6, 17, "hf", ""),
        ("model", "Qwen/Qwen2.5-72B-Instruct", 6, 51, "hf", ""),
        ("model", "mistralai/Mistral-7B-Instruct-v0.3", 7, 16, "hf", ""),
        ("model", "llama3.2:3b", 8, 14, "ollama", "ollama"),
    ])
    assert refs[2].id == "gpt-4o-mini" and refs[2].form in ("api", "name")
    assert all(r.context is Context.CONFIG and r.detector == "env" for r in refs)
    by_line = {r.line: r for r in refs if r.kind is Kind.MODEL}
    assert by_line[5].attribute("env") == "LLM_MODEL_NAME"
    assert by_line[5].text == "Qwen/Qwen2.5-7B-Instruct"


def test_credentials_never_copied(kb):
    secrets = ["sk-proj-AAAAsecretBBBB1234567890", "sk-ant-api03-SECRETVALUE", "hunter2", "s3cr3t-token", "abc123query",
               "P4ssw0rd"]
    text = (
        f'export OPENAI_API_KEY="{secrets[0]}"\n'
        f"ANTHROPIC_API_KEY={secrets[1]}\n"
        f"# DASHSCOPE_API_KEY={secrets[2]}\n"
        f"MODEL_API_KEY={secrets[3]}\n"
        f"LLM_BASE_URL=https://bob:{secrets[5]}@llm.internal.example/v1?api_key={secrets[4]}\n"
        f"OPENAI_MODEL_TOKEN={secrets[3]}\n"
    )
    refs = run(kb, text)
    assert refs, "the credentials' names and the endpoint must still be reported"
    for r in refs:
        blob = repr(dataclasses.astuple(r))
        for s in secrets:
            assert s not in blob, f"secret copied into {r}"
    env_refs = [r for r in refs if r.form == "env"]
    assert [(r.id, r.text, r.attribute("env"), r.context) for r in env_refs] == [
        ("openai", "OPENAI_API_KEY", "OPENAI_API_KEY", Context.CONFIG),
        ("anthropic", "ANTHROPIC_API_KEY", "ANTHROPIC_API_KEY", Context.CONFIG),
        ("dashscope", "DASHSCOPE_API_KEY", "DASHSCOPE_API_KEY", Context.COMMENT),
    ]
    url = next(r for r in refs if r.form == "url")
    assert url.id == "https://llm.internal.example/v1"
    assert url.text == "https://llm.internal.example/v1"


def test_endpoints(kb):
    text = (
        "OPENAI_BASE_URL=https://dashscope.aliyuncs.com/compatible-mode/v1\n"
        "DEEPSEEK_BASE_URL=https://api.deepseek.com\n"
        "LLM_API_BASE=http://vllm.inference.svc:8000/v1\n"
        "OLLAMA_HOST=http://gpu-box.lan:11434\n"
        "DATABASE_URL=https://db.example.com\n"
        "NEXT_PUBLIC_APP_URL=https://app.example.com\n"
        "EMBEDDINGS_ENDPOINT=http://tei:80\n"
    )
    refs = run(kb, text)
    assert rows(refs) == sorted([
        ("endpoint", "https://dashscope.aliyuncs.com/compatible-mode/v1", 1, 17, "url", "dashscope"),
        ("endpoint", "https://api.deepseek.com", 2, 19, "url", "deepseek"),
        ("endpoint", "http://vllm.inference.svc:8000/v1", 3, 14, "url", ""),
        ("endpoint", "http://gpu-box.lan:11434", 4, 13, "url", "ollama"),  # OLLAMA_HOST: a self-hosted server
        ("endpoint", "http://tei:80", 7, 21, "url", ""),
    ])
    first = next(r for r in refs if r.line == 1)
    assert first.attribute("env") == "OPENAI_BASE_URL"
    assert first.attribute("client") == "openai"  # the client configured, pointed at DashScope


def test_env_var_without_value_still_counts(kb):
    refs = run(kb, "ANTHROPIC_API_KEY=\nGROQ_API_KEY=${GROQ_KEY}\n")
    assert rows(refs) == [
        ("endpoint", "anthropic", 1, 1, "env", "anthropic"),
        ("endpoint", "groq", 2, 1, "env", "groq"),
    ]


COMMENTS = """\
# Use the EU model:
# LLM_MODEL=Qwen/Qwen2.5-7B-Instruct
# LLM_MODEL=my-finetune-v2
#MODEL=some-internal-name
# see https://api.openai.com/v1 for details
# LLM_BASE_URL=http://localhost:9999/v1
"""


def test_comments_only_vouched(kb):
    refs = run(kb, COMMENTS)
    assert rows(refs) == [("model", "Qwen/Qwen2.5-7B-Instruct", 2, 13, "hf", "")]
    assert refs[0].context is Context.COMMENT
    assert refs[0].confidence < 0.95


@pytest.mark.parametrize(
    "line",
    [
        "MODEL_PATH=/models/llama.gguf",
        "MODEL_CACHE_DIR=/mnt/models",
        "MODEL_TEMPERATURE=0.7",
        "MODEL_MAX_TOKENS=4096",
        "MODEL_PROVIDER=openai",
        "MODEL_NAME=model-name",
        "LLM_MODEL=${LLM_MODEL}",
        "EMBEDDING_MODEL=your-model-here",
        "MODEL_VERSION=2024-08-06",
        "HF_HOME=~/.cache/huggingface",
        "MODEL_URL=https://example.com/download/model.bin",
        "APP_NAME=Qwen/Qwen2.5-7B-Instruct-demo",
        "LOG_LEVEL=debug",
    ],
)
def test_hard_negatives(kb, line):
    assert [r for r in run(kb, line + "\n") if r.kind is Kind.MODEL] == []


@pytest.mark.parametrize(
    "key,model,url,secret",
    [
        ("OPENAI_MODEL", True, False, False),
        ("AZURE_OPENAI_DEPLOYMENT_NAME", True, False, False),
        ("spring.ai.openai.chat.options.model", True, False, False),
        ("embeddingModelId", True, False, False),
        ("MODEL_PATH", False, False, False),
        ("OPENAI_API_KEY", False, False, True),
        ("MODEL_API_KEY", False, False, True),
        ("HF_TOKEN", False, False, True),
        ("OPENAI_BASE_URL", False, True, False),
        ("spring.ai.openai.base-url", False, True, False),
        ("OLLAMA_HOST", False, True, False),
    ],
)
def test_key_classes(key, model, url, secret):
    assert (is_model_key(key), is_url_key(key), is_secret_key(key)) == (model, url, secret)


def test_properties_and_ini(kb):
    props = (
        "spring.ai.openai.api-key=${OPENAI_API_KEY}\n"
        "spring.ai.openai.chat.options.model: gpt-4o\n"
        "spring.ai.openai.base-url = https://api.openai.com/v1\n"
    )
    refs = run(kb, props, "src/main/resources/application.properties")
    assert [(r.kind.value, r.id, r.line, r.column) for r in refs] == [
        ("model", "gpt-4o", 2, 38),
        ("endpoint", "https://api.openai.com/v1", 3, 29),
    ]
    ini = "[llm]\nmodel = Qwen/Qwen2.5-7B-Instruct ; the default\nendpoint = http://localhost:8000/v1\n"
    refs = run(kb, ini, "conf/app.ini")
    assert [(r.kind.value, r.id, r.line, r.column) for r in refs] == [
        ("model", "Qwen/Qwen2.5-7B-Instruct", 2, 9),
        ("endpoint", "http://localhost:8000/v1", 3, 12),
    ]


def test_envrc_and_shell_lines(kb):
    text = "use nix\ndotenv\nexport HF_MODEL_ID=BAAI/bge-m3\nsource_up\n"
    refs = run(kb, text, ".envrc")
    assert rows(refs) == [("model", "BAAI/bge-m3", 3, 20, "hf", "")]


def test_colon_is_not_assignment_in_env_files(kb):
    assert run(kb, "MODEL: Qwen/Qwen2.5-7B-Instruct\n") == []


def test_scanner_runs_it(kb, tmp_path):
    p = tmp_path / ".env"
    p.write_bytes(b"\xef\xbb\xbfOPENAI_API_KEY=sk-123\r\nLLM_MODEL=Qwen/Qwen2.5-7B-Instruct\r\n")
    refs, skips = scan_file(WalkItem(".env", str(p), os.path.getsize(p), 0, 0), kb, 1 << 20, (DET,))[:2]
    assert skips == []
    assert sorted((r.id, r.line, r.column) for r in refs) == [("Qwen/Qwen2.5-7B-Instruct", 2, 11), ("openai", 1, 1)]


def test_shell_default_value(kb):
    refs = run(kb, "export LLM_MODEL=${LLM_MODEL:-Qwen/Qwen2.5-7B-Instruct}\n", ".envrc")
    assert rows(refs) == [("model", "Qwen/Qwen2.5-7B-Instruct", 1, 31, "hf", "")]


def test_supervisor_command(kb):
    text = "[program:llm]\ncommand=python -m vllm.entrypoints.openai.api_server --model acme/support-llm --port 8000\n"
    refs = [r for r in run(kb, text, "deploy/supervisord.conf") if r.kind is Kind.MODEL]
    assert rows(refs) == [("model", "acme/support-llm", 2, 62, "hf", "")]
    assert refs[0].attribute("key") == "command"


def test_no_secret_reaches_a_reference_through_the_scanner(kb, tmp_path):
    """Snippets are attached by the scanner; the env detector gives its own, redacted by variable name
    (the kb's provider variables included), so no secret value reaches any field."""
    secrets = ["Zq9SECRETak77", "Yw3SECRETsk88", "sk-proj-AAAAsecretBBBB1234567890", "P4ssw0rdX", "tok3nQuery"]
    text = (
        f"QIANFAN_AK={secrets[0]}\n"
        f"QIANFAN_SK='{secrets[1]}'\n"
        f"export OPENAI_API_KEY={secrets[2]}\n"
        f"LLM_BASE_URL=https://bob:{secrets[3]}@llm.internal.example/v1?key={secrets[4]}\n"
        f"# DASHSCOPE_API_KEY={secrets[1]}\n"
        "LLM_MODEL=Qwen/Qwen2.5-7B-Instruct\n"
    )
    p = tmp_path / ".env"
    p.write_text(text)
    refs, skips = scan_file(WalkItem(".env", str(p), os.path.getsize(p), 0, 0), kb, 1 << 20, (DET,))[:2]
    assert skips == []
    assert {r.line for r in refs} == {1, 2, 3, 4, 5, 6}
    for r in refs:
        blob = repr(dataclasses.astuple(r))
        for s in secrets:
            assert s not in blob, f"secret copied into {r}"
    by_line = {r.line: r for r in refs}
    assert by_line[1].snippet == "QIANFAN_AK=[REDACTED]"
    assert by_line[4].snippet == "LLM_BASE_URL=https://llm.internal.example/v1"
    assert by_line[6].snippet == "LLM_MODEL=Qwen/Qwen2.5-7B-Instruct"
