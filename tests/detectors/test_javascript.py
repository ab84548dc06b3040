"""JavaScriptDetector: models, endpoints, provider attribution per call and SDK imports in JS/TS."""

from __future__ import annotations

import textwrap

import pytest

from sovaudit.detectors.base import SourceFile
from sovaudit.detectors.javascript import JavaScriptDetector, tokenize
from sovaudit.model import Context, Kind
from sovaudit.rules import load_knowledge_base

DET = JavaScriptDetector()
M, E, P = Kind.MODEL, Kind.ENDPOINT, Kind.PACKAGE
CODE, COMMENT = Context.CODE, Context.COMMENT


@pytest.fixture(scope="module")
def kb():
    return load_knowledge_base()


def run(kb, src, path="src/app.ts"):
    return list(DET.detect(SourceFile(path, text=textwrap.dedent(src).lstrip("\n")), kb))


def rows(refs, kinds=(M, E, P)):
    return sorted((r.kind, r.id, r.line, r.column, r.form, r.provider, r.context) for r in refs if r.kind in kinds)


@pytest.mark.parametrize(
    "path, ok",
    [
        ("a.js", True), ("a.mjs", True), ("a.cjs", True), ("a.jsx", True), ("a.ts", True), ("a.tsx", True),
        ("a.mts", True), ("a.cts", True), ("web/App.TSX", True),
        ("dist/app.min.js", False), ("types/index.d.ts", False), ("a.d.mts", False), ("a.json", False), ("a.py", False),
    ],
)
def test_applies(path, ok):
    assert DET.applies(path) is ok


# -- snippets with exact expectations -------------------------------------------------------------

CASES = [
    pytest.param(
        """
        import OpenAI from "openai";
        const client = new OpenAI();
        const r = await client.chat.completions.create({ model: "gpt-4o", messages });
        """,
        [(P, "openai", 1, 21, "import", "openai", CODE),
         (M, "gpt-4o", 3, 58, "api", "openai", CODE)],
        id="openai-client",
    ),
    pytest.param(
        """
        const Anthropic = require('@anthropic-ai/sdk');
        const anthropic = new Anthropic();
        await anthropic.messages.create({
          model: 'claude-3-5-sonnet-20241022',
          max_tokens: 1024,
        });
        """,
        [(P, "@anthropic-ai/sdk", 1, 28, "import", "anthropic", CODE),
         (M, "claude-3-5-sonnet-20241022", 4, 11, "api", "anthropic", CODE)],
        id="anthropic-require",
    ),
    pytest.param(
        """
        import OpenAI from "openai";
        const groq = new OpenAI({ baseURL: "https://api.groq.com/openai/v1", apiKey: process.env.GROQ_API_KEY });
        await groq.chat.completions.create({ model: "llama-3.1-70b-versatile" });
        """,
        [(P, "openai", 1, 21, "import", "openai", CODE),
         (E, "https://api.groq.com/openai/v1", 2, 37, "base_url", "groq", CODE),
         (M, "llama-3.1-70b-versatile", 3, 46, "name", "groq", CODE)],
        id="openai-client-pointed-at-groq",
    ),
    pytest.param(
        """
        const local = new OpenAI({ baseURL: "http://localhost:8000/v1" });
        await local.chat.completions.create({ model: "gpt-4o" });
        """,
        [(E, "http://localhost:8000/v1", 1, 38, "base_url", "", CODE),
         (M, "gpt-4o", 2, 47, "api", "", CODE)],
        id="self-hosted-base-url",
    ),
    pytest.param(
        """
        import { openai } from "@ai-sdk/openai";
        import { generateText } from "ai";
        const { text } = await generateText({ model: openai("gpt-4o-mini"), prompt: `Hi ${name}` });
        """,
        [(P, "@ai-sdk/openai", 1, 25, "import", "openai", CODE),
         (M, "gpt-4o-mini", 3, 54, "api", "openai", CODE)],
        id="vercel-ai-sdk-provider-function",
    ),
    pytest.param(
        """
        import { createOpenAI } from "@ai-sdk/openai";
        const together = createOpenAI({ baseURL: `https://api.together.xyz/v1` });
        streamText({ model: together("meta-llama/Llama-3.3-70B-Instruct-Turbo") });
        """,
        [(P, "@ai-sdk/openai", 1, 31, "import", "openai", CODE),
         (E, "https://api.together.xyz/v1", 2, 43, "base_url", "together", CODE),
         (M, "meta-llama/Llama-3.3-70B-Instruct-Turbo", 3, 31, "hf", "together", CODE)],
        id="createOpenAI-base-url-variable",
    ),
    pytest.param(
        """
        import { ChatOpenAI } from "@langchain/openai";
        const llm = new ChatOpenAI({ modelName: "gpt-4-turbo", temperature: 0 });
        """,
        [(P, "@langchain/openai", 1, 29, "import", "openai", CODE),
         (M, "gpt-4-turbo", 2, 42, "api", "openai", CODE)],
        id="langchain-js",
    ),
    pytest.param(
        """
        import { pipeline, AutoModel } from "@huggingface/transformers";
        const extractor = await pipeline('feature-extraction', 'Xenova/all-MiniLM-L6-v2');
        const model = await AutoModel.from_pretrained("BAAI/bge-small-en-v1.5");
        """,
        [(P, "@huggingface/transformers", 1, 38, "import", "transformers", CODE),
         (M, "BAAI/bge-small-en-v1.5", 3, 48, "hf", "", CODE),
         (M, "Xenova/all-MiniLM-L6-v2", 2, 57, "hf", "", CODE)],
        id="transformers-js",
    ),
    pytest.param(
        """
        const MODEL = process.env.OPENAI_MODEL ?? "gpt-4o-mini";
        const embed = process.env["EMBED_MODEL"] || 'text-embedding-3-small';
        """,
        [(M, "gpt-4o-mini", 1, 44, "api", "openai", CODE),
         (M, "text-embedding-3-small", 2, 46, "api", "openai", CODE)],
        id="env-defaults",
    ),
    pytest.param(
        """
        const cfg = { model: fast ? "gpt-4o-mini" : "o1-preview", other: "x" };
        const modelName = `gpt-4o`;
        """,
        [(M, "gpt-4o", 2, 20, "api", "openai", CODE),
         (M, "gpt-4o-mini", 1, 30, "api", "openai", CODE),
         (M, "o1-preview", 1, 46, "api", "openai", CODE)],
        id="ternary-and-template-without-substitution",
    ),
    pytest.param(
        """
        const res = await fetch("https://api.openai.com/v1/chat/completions", {
          method: "POST",
          body: JSON.stringify({ model: "gpt-4", messages }),
        });
        """,
        [(E, "https://api.openai.com/v1/chat/completions", 1, 26, "url", "openai", CODE),
         (M, "gpt-4", 3, 34, "api", "openai", CODE)],
        id="fetch-body-gets-url-provider",
    ),
    pytest.param(
        """
        // We used to call model: "gpt-3.5-turbo" here
        /* see https://huggingface.co/mistralai/Mistral-7B-v0.1 */
        const x = 1;
        """,
        [(M, "gpt-3.5-turbo", 1, 28, "api", "openai", COMMENT),
         (M, "mistralai/Mistral-7B-v0.1", 2, 8, "hf-uri", "", COMMENT)],
        id="comments-only-vouched-strings",
    ),
    pytest.param(
        """
        import ollama from "ollama";
        const out = await ollama.chat({ model: "llama3.1:8b", messages });
        """,
        [(P, "ollama", 1, 21, "import", "ollama", CODE),
         (M, "llama3.1:8b", 2, 41, "ollama", "ollama", CODE)],
        id="ollama-js",
    ),
    pytest.param(
        """
        const client = new BedrockRuntimeClient({ region: "eu-central-1" });
        await client.send(new InvokeModelCommand({ modelId: "anthropic.claude-3-haiku-20240307-v1:0", body }));
        """,
        [(M, "anthropic.claude-3-haiku-20240307-v1:0", 2, 54, "bedrock", "bedrock", CODE)],
        id="bedrock-model-id",
    ),
]


@pytest.mark.parametrize("src, expected", CASES)
def test_snippets(kb, src, expected):
    assert rows(run(kb, src)) == sorted(expected)


def test_constant_propagates_provider_and_call_site(kb):
    refs = run(kb, """
        import Anthropic from "@anthropic-ai/sdk";
        const DEFAULT = "claude-3-opus-20240229";
        const c = new Anthropic();
        c.messages.create({ model: DEFAULT, max_tokens: 10 });
    """)
    (m,) = [r for r in refs if r.kind == M]
    assert (m.id, m.line, m.column, m.provider) == ("claude-3-opus-20240229", 2, 18, "anthropic")
    assert [(loc.line, loc.column) for loc in m.related] == [(4, 28)]
    assert m.attribute("used_as") == "model"


def test_env_var_attribute_and_text(kb):
    refs = run(kb, 'const m = process.env.LLM_MODEL ?? "mistral-large-latest";\n')
    (m,) = refs
    assert m.attribute("env_var") == "LLM_MODEL"
    assert m.text == "mistral-large-latest"
    assert m.detector == "javascript"


def test_strings_in_no_model_position_are_not_references(kb):
    refs = run(kb, """
        const p = path.join("meta-llama/Llama-2-7b-hf", "acme/tools");
        const options = ["gpt-4o", "my-model"];
        logger.info("gpt-4o-mini");
        const fast = useFast ? "gpt-4o-mini" : "gpt-4o";
    """)
    assert refs == []


def test_values_of_a_model_named_object(kb):
    refs = run(kb, """
        export const MODELS = {
          fast: "gpt-4o-mini",
          smart: { id: "claude-3-5-sonnet-20241022", region: "us" },
          local: "my-model",
        };
    """)
    assert [(r.id, r.line, r.column, r.form) for r in refs] == [
        ("gpt-4o-mini", 2, 10, "api"), ("claude-3-5-sonnet-20241022", 3, 17, "api")]
    assert all(r.confidence <= 0.8 for r in refs)


def test_model_in_provider_url_path(kb):
    refs = run(kb, 'fetch("https://generativelanguage.googleapis.com/v1beta/models/gemini-1.5-pro:generateContent?key=" + k);\n')
    assert [(r.kind, r.id, r.column) for r in refs if r.kind == M] == [(M, "gemini-1.5-pro", 64)]


# -- hard negatives -------------------------------------------------------------------------------

NEGATIVES = [
    pytest.param('const user = await Post.populate({ path: "author", model: "User" });', id="orm-model-class-name"),
    pytest.param('const M = mongoose.model("User", schema);', id="mongoose-model"),
    pytest.param('const re = /model: "gpt-4o"/g; const d = a / b / c;', id="regex-literal"),
    pytest.param('const x = { model: "application/json", modelName: "./models/local.onnx" };', id="mime-and-path"),
    pytest.param('const x = { model: "your-model-name", modelId: "<MODEL>" };', id="placeholders"),
    pytest.param('const a = "some/thing"; const b = "foo-bar";', id="free-strings-not-vouched"),
    pytest.param('const { data } = await openai.files.retrieve("file-abc123");', id="sdk-non-model-call"),
    pytest.param('import "./styles.css"; import x from "../lib/openai";', id="relative-imports"),
    pytest.param('const url = "https://example.com/api/v1";', id="unknown-url-not-in-base-url-position"),
]


@pytest.mark.parametrize("src", NEGATIVES)
def test_hard_negatives(kb, src):
    got = [r for r in run(kb, src) if r.kind != P]
    assert got == []


def test_jsx_apostrophe_does_not_swallow_following_code(kb):
    refs = run(kb, """
        const A = () => <p>Don't panic</p>;
        const r = openaiClient.chat.completions.create({ model: "gpt-4o" });
    """, path="App.jsx")
    assert [(r.id, r.line, r.column) for r in refs] == [("gpt-4o", 2, 58)]


@pytest.mark.parametrize(
    "src",
    [
        'const s = "unterminated\nconst t = `open template ${x',
        "/* never closed comment model: 'gpt-4o'",
        "const a = {{{{ model: ",
        "))))]]]}}} model: 'x' ",
        "",
        "#!/usr/bin/env node\n",
        "\ufeffconst x = '\\u0041';",
    ],
)
def test_malformed_input_does_not_raise(kb, src):
    assert isinstance(run(kb, src), list)


def test_deep_nesting_and_large_wrapped_files_stay_fast(kb):
    import time

    deep = "const x = " + "[{a: " * 2000 + '{model: "gpt-4o"}' + "}]" * 2000 + ";"
    body = "\n".join(f'client.chat.completions.create({{ model: "gpt-4o", n: {i} }});' for i in range(3000))
    wrapped = "(function(){\nconst client = new OpenAI();\n" + body + "\n})();"
    t = time.perf_counter()
    assert [r.id for r in run(kb, deep)] == ["gpt-4o"]
    assert len(run(kb, wrapped)) == 3000
    assert time.perf_counter() - t < 10


def test_escaped_strings_keep_columns(kb):
    src = 'const t = "a\\"b"; const o = { model: "gpt-4o" };\n'
    (r,) = run(kb, src)
    assert src[r.column - 1:].startswith("gpt-4o")


def test_tokenizer_basics():
    toks = tokenize("a = `x${b + `y${c}`}z` / 2; // c\n/re[/]/g.test('s')")
    kinds = [(t.kind, t.value) for t in toks]
    assert ("re", "/re[/]/g") in kinds
    assert ("str", "s") in kinds
    assert ("tpl", "z") in kinds
    assert ("pun", "/") in kinds
