"""MarkdownDetector: code blocks through the other detectors, model-card front matter, Hub links."""

from __future__ import annotations

import textwrap

import pytest

from sovaudit.detectors.base import SourceFile
from sovaudit.detectors.markdown import MarkdownDetector
from sovaudit.model import Context, Kind
from sovaudit.rules import load_knowledge_base

DET = MarkdownDetector()
M, E, P, C = Kind.MODEL, Kind.ENDPOINT, Kind.PACKAGE, Kind.CLOUD
DOCS, CONFIG = Context.DOCS, Context.CONFIG


@pytest.fixture(scope="module")
def kb():
    return load_knowledge_base()


def run(kb, text, path="README.md"):
    return list(DET.detect(SourceFile(path, text=textwrap.dedent(text).lstrip("\n")), kb))


def rows(refs):
    return [(r.kind, r.id, r.line, r.column, r.context) for r in refs]


@pytest.mark.parametrize(
    "path, ok",
    [("README.md", True), ("docs/guide.markdown", True), ("docs/page.mdx", True), ("docs/index.rst", True),
     ("notes.txt", False), ("README", False), ("mkdocs.yml", False)],
)
def test_applies(path, ok):
    assert DET.applies(path) is ok


# -- model-card front matter ------------------------------------------------------------------------

CARD = """\
---
license: apache-2.0
language: [en]
base_model:
  - meta-llama/Meta-Llama-3-8B
  - "mistralai/Mistral-7B-v0.1"   # merged
base_model_relation: merge
tags: [text-generation]
---
# My merge
"""


def test_front_matter_base_models(kb):
    refs = run(kb, CARD)
    assert [(r.kind, r.id, r.text, r.line, r.column, r.form, r.context, r.provider) for r in refs] == [
        (M, "meta-llama/Meta-Llama-3-8B", "meta-llama/Meta-Llama-3-8B", 5, 5, "hf", CONFIG, ""),
        (M, "mistralai/Mistral-7B-v0.1", "mistralai/Mistral-7B-v0.1", 6, 6, "hf", CONFIG, ""),
    ]
    for r in refs:
        assert dict(r.attributes) == {"relation": "merge", "key": "base_model", "card_license": "apache-2.0"}
        assert r.detector == "markdown"


@pytest.mark.parametrize(
    "front, expected",
    [
        ("base_model: Qwen/Qwen2-7B-Instruct", [("Qwen/Qwen2-7B-Instruct", 2, 13, "base")]),
        ("base_model: 'Qwen/Qwen2-7B'", [("Qwen/Qwen2-7B", 2, 14, "base")]),
        ("base_model: [google/gemma-2-9b, 'microsoft/phi-2']", [("google/gemma-2-9b", 2, 14, "base"), ("microsoft/phi-2", 2, 34, "base")]),
        ("base_model:\n- deepseek-ai/DeepSeek-R1\nbase_model_relation: quantized", [("deepseek-ai/DeepSeek-R1", 3, 3, "quantized")]),
        ("base_model: ./local-checkpoint", []),
        ("base_model: null", []),
        ("title: A blog post\ndate: 2024-01-01", []),
    ],
)
def test_front_matter_shapes(kb, front, expected):
    refs = run(kb, f"---\n{front}\n---\ntext\n")
    assert [(r.id, r.line, r.column, r.attribute("relation")) for r in refs] == expected


def test_front_matter_only_at_top(kb):
    refs = run(kb, "# Title\n\n---\nbase_model: meta-llama/Llama-2-7b-hf\n---\n")
    assert rows(refs) == [(M, "meta-llama/Llama-2-7b-hf", 4, 13, DOCS)]  # prose, not a card


def test_unclosed_front_matter_is_not_front_matter(kb):
    refs = run(kb, "---\nbase_model: meta-llama/Llama-2-7b-hf\n")
    assert rows(refs) == [(M, "meta-llama/Llama-2-7b-hf", 2, 13, DOCS)]


# -- code blocks ---------------------------------------------------------------------------------------


def test_js_block_dispatch_with_real_lines_and_columns(kb):
    refs = run(kb, """
        # Usage

        ```ts
        import OpenAI from "openai";
        const client = new OpenAI();
        await client.chat.completions.create({ model: "gpt-4o" });
        ```
    """)
    got = [(r.kind, r.id, r.line, r.column, r.context, r.provider, r.detector) for r in refs]
    assert got == [
        (P, "openai", 4, 21, DOCS, "openai", "markdown"),
        (M, "gpt-4o", 6, 48, DOCS, "openai", "markdown"),
    ]
    m = refs[1]
    assert m.path == "README.md"
    assert m.attribute("block_language") == "ts"
    assert m.attribute("via") == "javascript"


def test_confidence_is_scaled(kb):
    from sovaudit.detectors.javascript import JavaScriptDetector

    code = 'const r = await client.chat.completions.create({ model: "gpt-4o" });\n'
    (inner,) = JavaScriptDetector().detect(SourceFile("x.js", text=code), kb)
    (outer,) = run(kb, f"```js\n{code}```\n")
    assert outer.confidence == round(inner.confidence * 0.9, 2)
    assert (outer.line, outer.column) == (inner.line + 1, inner.column)


def test_indented_fence_in_a_list_keeps_columns(kb):
    text = "1. Call it:\n\n    ```js\n    const o = { model: \"gpt-4o-mini\" };\n    ```\n"
    (r,) = run(kb, text)
    assert (r.id, r.line, r.column) == ("gpt-4o-mini", 4, 25)
    assert text.splitlines()[3][r.column - 1:].startswith("gpt-4o-mini")


def test_tilde_fence_and_longer_backtick_fence(kb):
    refs = run(kb, """
        ~~~javascript
        const m = { model: "claude-3-5-haiku-20241022" };
        ~~~

        ````md
        ```js
        const n = { model: "gpt-4o" };
        ```
        ````
    """)
    # the inner ``` of a ```` block is content, not a fence: a markdown block is not code we run
    assert [(r.id, r.line, r.column) for r in refs if r.kind == M][0] == ("claude-3-5-haiku-20241022", 2, 21)


@pytest.mark.parametrize(
    "lang, body, expected",
    [
        ("dockerfile", 'FROM vllm/vllm-openai:latest\nCMD ["--model", "Qwen/Qwen2.5-7B-Instruct"]',
         [(P, "vllm", 2, 6), (M, "Qwen/Qwen2.5-7B-Instruct", 3, 18)]),
        ("dotenv", "LLM_MODEL=mistralai/Mistral-7B-Instruct-v0.3",
         [(M, "mistralai/Mistral-7B-Instruct-v0.3", 2, 11)]),
        ("modelfile", "FROM llama3.1:8b\nPARAMETER temperature 0.2", [(M, "llama3.1:8b", 2, 6)]),
        ("hcl", 'provider "aws" {\n  region = "eu-central-1"\n}', [(C, "aws", 2, 11), (C, "eu-central-1", 3, 13)]),
        ("json", '{"model": "deepseek-ai/DeepSeek-V3", "temperature": 0}', [(M, "deepseek-ai/DeepSeek-V3", 2, 12)]),
        ("json", '{\n  "_name_or_path": "meta-llama/Llama-2-7b-hf",\n  "model_type": "llama"\n}',
         [(M, "meta-llama/Llama-2-7b-hf", 3, 21)]),
    ],
)
def test_block_languages(kb, lang, body, expected):
    refs = run(kb, f"```{lang}\n{body}\n```\n")
    assert [(r.kind, r.id, r.line, r.column) for r in refs] == expected
    assert all(r.context == DOCS and r.path == "README.md" for r in refs)


def test_python_block(kb):
    refs = run(kb, """
        Load it:

        ```python
        from transformers import AutoModel
        model = AutoModel.from_pretrained("Qwen/Qwen2-7B")
        ```
    """)
    assert [(r.kind, r.id, r.line, r.column, r.context) for r in refs if r.kind == M] == [(M, "Qwen/Qwen2-7B", 5, 36, DOCS)]


def test_python_block_with_provider_and_pycon_prompts(kb):
    refs = run(kb, """
        ```python
        from openai import OpenAI
        client = OpenAI(base_url="https://api.deepseek.com")
        resp = client.chat.completions.create(model="deepseek-chat", messages=[])
        ```

        ```pycon
        >>> from transformers import pipeline
        >>> pipe = pipeline("text-generation", model="Qwen/Qwen2.5-0.5B-Instruct")
        [{'generated_text': 'meta-llama/Llama-2-7b-hf'}]
        ```
    """)
    assert [(r.id, r.line, r.column, r.provider, r.attribute("via")) for r in refs if r.kind == M] == [
        ("deepseek-chat", 4, 46, "deepseek", "python"),
        ("Qwen/Qwen2.5-0.5B-Instruct", 9, 47, "", "python"),
    ]


def test_yaml_block(kb):
    refs = run(kb, """
        ```yaml
        model_list:
          - model_name: gpt
            litellm_params:
              model: openai/gpt-4o
        ```
    """)
    assert [(r.id, r.line, r.column, r.provider, r.context) for r in refs if r.kind == M] == [("gpt-4o", 5, 14, "openai", DOCS)]


def test_unlabelled_block_is_sniffed(kb):
    refs = run(kb, "```\nfrom transformers import pipeline\np = pipeline('text-generation', model='Qwen/Qwen2-0.5B')\n```\n")
    assert [(r.id, r.line, r.column) for r in refs if r.kind == M] == [("Qwen/Qwen2-0.5B", 3, 40)]


def test_shell_and_console_blocks(kb):
    refs = run(kb, """
        ```bash
        vllm serve Qwen/Qwen2.5-7B-Instruct --port 8000
        ```

        ```console
        $ ollama run llama3.1:8b
        $ curl https://api.openai.com/v1/models
        ```
    """)
    assert [(r.kind, r.id, r.line, r.column) for r in refs if r.kind in (M, E)] == [
        (M, "Qwen/Qwen2.5-7B-Instruct", 2, 12),
        (M, "llama3.1:8b", 6, 14),
        (E, "https://api.openai.com/v1/models", 7, 8),
    ]
    assert {r.attribute("via") for r in refs} == {"shell"}
    assert all(r.context == DOCS for r in refs)


def test_http_request_block(kb):
    refs = run(kb, """
        ```http
        POST https://api.openai.com/v1/chat/completions HTTP/1.1
        Content-Type: application/json

        {"model": "gpt-4o", "messages": []}
        ```
    """)
    assert [(r.kind, r.id, r.line, r.column, r.provider) for r in refs] == [
        (E, "https://api.openai.com/v1/chat/completions", 2, 6, "openai"),
        (M, "gpt-4o", 5, 12, "openai"),
    ]


def test_console_output_lines_are_not_commands(kb):
    refs = run(kb, "```console\n$ echo hi\nQwen/Qwen2-7B loaded from cache\n```\n")
    assert [r for r in refs if r.kind == M] == []


def test_snippet_that_does_not_parse_falls_back_to_vouched_strings(kb):
    refs = run(kb, "```python\nmodel = AutoModel.from_pretrained(\"deepseek-ai/DeepSeek-V3\"  # ...\n  ...more\n```\n")
    assert [(r.id, r.line, r.column) for r in refs if r.kind == M] == [("deepseek-ai/DeepSeek-V3", 2, 36)]


def test_unclosed_fence_runs_to_end(kb):
    refs = run(kb, "text\n```js\nconst o = { model: \"gpt-4o\" };\n")
    assert [(r.id, r.line, r.column) for r in refs] == [("gpt-4o", 3, 21)]


# -- reStructuredText --------------------------------------------------------------------------------


def test_rst_code_block_and_literal_block(kb):
    text = (
        "Usage\n"
        "=====\n"
        "\n"
        ".. code-block:: javascript\n"
        "   :linenos:\n"
        "\n"
        "   const o = { model: \"gpt-4o\" };\n"
        "\n"
        "Or from the Hub::\n"
        "\n"
        "    const p = pipeline(\"feature-extraction\", \"BAAI/bge-m3\");\n"
        "\n"
        "Back to text.\n"
    )
    refs = run(kb, text, path="docs/index.rst")
    assert [(r.id, r.line, r.column, r.context) for r in refs if r.kind == M] == [
        ("gpt-4o", 7, 24, DOCS), ("BAAI/bge-m3", 11, 47, DOCS)]


# -- prose ---------------------------------------------------------------------------------------------


def test_prose_hub_links_and_vouched_ids(kb):
    refs = run(kb, """
        Fine-tuned from [Llama 3](https://huggingface.co/meta-llama/Meta-Llama-3-8B) and compared with
        **Qwen/Qwen2-7B-Instruct** and `deepseek-ai/DeepSeek-V3`.
    """)
    assert [(r.kind, r.id, r.line, r.column, r.form, r.context, r.confidence) for r in refs] == [
        (M, "meta-llama/Meta-Llama-3-8B", 1, 27, "hf-uri", DOCS, 0.5),
        (M, "Qwen/Qwen2-7B-Instruct", 2, 3, "hf", DOCS, 0.5),
        (M, "deepseek-ai/DeepSeek-V3", 2, 33, "hf", DOCS, 0.5),
    ]
    assert all(r.attribute("mention") == "prose" for r in refs)


@pytest.mark.parametrize(
    "text",
    [
        "See https://huggingface.co/datasets/HuggingFaceFW/fineweb and https://huggingface.co/spaces/foo/bar.",
        "Read https://huggingface.co/docs/transformers/index or https://huggingface.co/blog/llama3.",
        "Paths like src/main.py, and/or input/output, some-org/some-tool are not models.",
        "Code at https://github.com/meta-llama/llama3 is not a Hub model.",
        "<!-- base: meta-llama/Llama-2-7b-hf -->",
        "An unknown publisher acme-corp/model-x is not vouched for.",
    ],
)
def test_prose_negatives(kb, text):
    assert [r for r in run(kb, text) if r.kind == M] == []


@pytest.mark.parametrize(
    "text",
    ["", "---\n", "---\n: : :\n---\n", "```", "~~~~\n", ".. code-block::\n", "x::\n\n", "\ufeff# Title\n"],
)
def test_malformed_documents_do_not_raise(kb, text):
    assert isinstance(run(kb, text), list)


def test_image_with_tag_in_a_shell_block_is_not_a_model(kb):
    """Found scanning vllm-project/production-stack: `kubectl run --image=nvidia/cuda:12.2.0-...`."""
    from sovaudit.detectors.base import SourceFile
    from sovaudit.detectors.markdown import MarkdownDetector

    text = ".. code-block:: bash\n\n   kubectl run gpu-test --image=nvidia/cuda:12.2.0-runtime-ubuntu22.04 -- nvidia-smi\n"
    assert [r for r in MarkdownDetector().detect(SourceFile("p.rst", text=text), kb) if r.kind.value == "model"] == []
