"""API model names outside model positions, from shapes seen in real repositories
(pydantic-ai, continue, aider, Azure OpenAI samples): short families as whole quoted strings,
Azure's spelling of GPT-3.5, globs and expressions that are not names."""

from __future__ import annotations

import pytest

from sovaudit.detect import lexer_for
from sovaudit.model import Kind


def models(kb, path: str, text: str) -> list[tuple[int, str, str]]:
    refs, _ = lexer_for(kb).analyse(path, text.encode())
    return sorted({(r.line, r.form, r.id) for r in refs if r.kind == Kind.MODEL})


def test_short_families_as_whole_quoted_strings(kb):
    src = ('m = OpenAIChatModel("o3-mini", provider=p)\n'
           'names = ["o3-pro-2025-06-10", "o1-2024-12-17", "sonar-pro", "o3"]\n'
           'opt = "O3"\nflags = ["-O3", "o3 level"]\nlabel = "sonar"\n')
    assert models(kb, "known.py", src) == [
        (1, "api", "o3-mini"), (2, "api", "o1-2024-12-17"), (2, "api", "o3"), (2, "api", "o3-pro-2025-06-10"),
        (2, "api", "sonar-pro")]


def test_a_quoted_short_family_in_prose_is_a_mention(kb):
    assert models(kb, "README.md", 'Pick "o3-mini" for reasoning.\n') == []


@pytest.mark.parametrize("path, text, want", [
    ("main.bicep", "param openAIModelName string = 'gpt-35-turbo-16k'\n", [(1, "api", "gpt-35-turbo-16k")]),
    ("deployment.json", '{"AzureOpenAIModel": {"type": "string", "defaultValue": "gpt-35-turbo"}}\n',
     [(1, "api", "gpt-35-turbo")]),
    ("realtime.py", "model = OpenAIRealtimeModel('gpt-realtime-mini')\n", [(1, "api", "gpt-realtime-mini")]),
])
def test_names_the_rules_learnt(kb, path, text, want):
    assert models(kb, path, text) == want


@pytest.mark.parametrize("path, text", [
    ("firewall.lock.yml", 'models: ["openai/gpt-5*", "gemini/gemini-3.1*flash*", "copilot/gemini-3.1*pro*", "gpt-4o*"]\n'),
    ("importers.go", "//     bge-reranker variants, Alibaba-NLP/gte-reranker-*, etc.\n"),
    ("models.js", " * let model = await AutoConfig.load(path);\n"),
])
def test_globs_and_expressions_are_not_names(kb, path, text):
    assert models(kb, path, text) == []


def test_emphasis_is_not_a_glob(kb):
    src = 'description: "Built on **Qwen/Qwen2.5-7B-Instruct** and at nvidia/Qwen3-Nemotron-32B-RLBFF.*"\n'
    assert {i for _, _, i in models(kb, "gallery.yaml", src)} == {"Qwen/Qwen2.5-7B-Instruct", "nvidia/Qwen3-Nemotron-32B-RLBFF"}


def test_a_tested_pattern_is_not_a_model_in_use(kb):
    """Prefix, suffix and substring tests name patterns of models (lmdeploy's ('glm-4') in
    model_name gave a finding 'glm-4 is API-only'); comparisons and lists of names stay names."""
    src = ("if ('glm-4') in model_name:\n    pass\nif body.model.startsWith(\"o3\"):\n"
           "x = model.includes(\"gpt-oss\")\nif \"gpt-4o\" not in models:\n    pass\n"
           "m = \"gpt-4o\"\nif model in (\"o1\", \"gpt-4o-mini\"):\n    pass\n")
    assert models(kb, "router.py", src) == [(7, "api", "gpt-4o"), (8, "api", "gpt-4o-mini"), (8, "api", "o1")]



def test_in_in_english_is_not_a_test(kb):
    """Markdown prose: "to `gpt-4o` in both" is the English word, not Python's operator."""
    src = "3. Changing the model from `gpt-4` to `gpt-4o` in both test methods.\n"
    assert (1, "api", "gpt-4o") in models(kb, "chat-history.md", src)


def test_open_weight_names_without_an_org(kb):
    """Hosted APIs name open weights without an org (Groq's llama-3.3-70b-versatile, SambaNova's
    Meta-Llama-3.3-70B-Instruct): a family word and a parameter count, as a whole string."""
    src = ('MODEL_IDS = {"llama3.3-70b": "llama-3.3-70b-versatile", "mixtral": "mixtral-8x7b-32768",\n'
           '             "llama": "Meta-Llama-3.3-70B-Instruct", "small": "qwen2.5-0.5b"}\n'
           'words = {"step2Body": 1, "w": "whisper-model", "c": ["Qwen3_5MoeForConditionalGeneration"]}\n'
           'local_dir = CACHE / "deepseek-r1-distill-qwen-7b"\ntitle = "DeepSeek-7b"\njob = "qwen2-7b-instruct-job"\n'
           'ok = name.startswith("llama-3-8b")\n')
    got = {i for _, _, i in models(kb, "groq_models.py", src)}
    assert got == {"llama3.3-70b", "llama-3.3-70b-versatile", "mixtral-8x7b-32768", "Meta-Llama-3.3-70B-Instruct", "qwen2.5-0.5b"}


def test_a_model_position_outranks_the_vocabulary_at_the_same_place(kb):
    """Foundry Local: the constant's value is read by the vocabulary first, then as the argument
    of catalog.getModel; the call's reading (its runtime) wins."""
    src = "const modelAlias = 'qwen2.5-0.5b';\nconst model = await catalog.getModel(modelAlias);\n"
    refs, _ = lexer_for(kb).analyse("app.js", src.encode())
    (r,) = [r for r in refs if r.kind == Kind.MODEL]
    assert (r.id, r.form, r.detector, r.attribute("runtime")) == ("qwen2.5-0.5b", "other", "model-call", "foundry-local")


def test_a_display_label_that_starts_with_a_name_is_not_one(kb):
    """Leaderboard rows (Qwen-Agent): "Anthropic/Claude-4.6-Opus (max)" is a label; an id with
    words around it in a string stays an id (a start command, a test name)."""
    src = ('rows = [{ model: "Anthropic/Claude-4.6-Opus (max)", avgAcc: 58.85 }]\n'
           'cmd = "python3 -m lmdeploy serve api_server meta-llama/Llama-3.1-8B-Instruct --server-port 8000"\n')
    assert {i for _, _, i in models(kb, "leaderboard.tsx", src)} == {"meta-llama/Llama-3.1-8B-Instruct"}


def test_cloudflare_workers_ai_ids(kb):
    """Cloudflare's own scoped ids (rules: model_patterns @cf/*, @hf/*), in a model key and as whole
    strings; continue's docs and schema held 36, none found before."""
    src = ('model: "@cf/meta/llama-3-8b-instruct"\nx = env.AI.run("@cf/meta/llama-3.1-8b-instruct", {p})\n'
           'y = "@hf/thebloke/zephyr-7b-beta-awq"\nz = "@cf/"\n')
    assert models(kb, "worker.ts", src) == [(1, "api", "@cf/meta/llama-3-8b-instruct"), (2, "api", "@cf/meta/llama-3.1-8b-instruct"),
                                            (3, "api", "@hf/thebloke/zephyr-7b-beta-awq")]


def test_a_pattern_as_a_functions_second_argument(kb):
    """langchaingo's strings.Contains(model, "claude-5") and Rust's starts_with gave 14 'API-only'
    findings for names nobody uses (claude-5, gemini-4): the pattern is the second argument of a
    function, or the argument of a method (rules: pattern_calls)."""
    src_go = ('if strings.Contains(model, "claude-5") || strings.HasPrefix(model, "o1-") {\n}\n'
              'return strings.Contains(strings.ToLower(model), "gemini-4")\nm := "gpt-4o"\n')
    src_rs = 'if model.starts_with("gpt-5") || model.contains("claude-opus-4") {}\nlet m = "gpt-4o";\n'
    assert models(kb, "reasoning.go", src_go) == [(4, "api", "gpt-4o")]
    assert models(kb, "reasoning.rs", src_rs) == [(2, "api", "gpt-4o")]


def test_identifiers_that_start_with_a_family_name(kb):
    """rig: the HTTP header mistral-correlation-id (182 references), the Cargo feature
    gemini-grpc: names of something else (rules: identifier_words)."""
    src = ('const HEADER: &str = "mistral-correlation-id";\ngemini-grpc = ["dep:rig-gemini-grpc"]\n'
           'let m = "mistral-large-latest";\n')
    assert models(kb, "lib.rs", src) == [(3, "api", "mistral-large-latest")]


def test_xinference_launch_names_its_model(kb):
    """Xinference's docs launch built-in models by name (1,208 lines): --model-name and -n of
    `xinference launch` are the model (rules: model-commands), not a served alias."""
    src = ("```bash\nxinference launch --model-name qwen2.5-instruct --size-in-billions 7\n"
           "xinference launch -n llama-3-instruct -s 8 \\\n  --model-engine vllm\n```\n")
    assert models(kb, "usage.md", src) == [(2, "other", "qwen2.5-instruct"), (3, "other", "llama-3-instruct")]


def test_a_group_of_models_and_hub_site_pages_are_not_models(kb):
    """chat-ui: "Mistral-family" in a comment list, huggingface.co/subscribe/pro and /oauth/userinfo
    links (site pages, rules: hub_site_paths)."""
    src = ('const groups = ["Mistral-family", "Qwen-series"];\n'
           '<a href="https://huggingface.co/subscribe/pro?from=HuggingChat">Pro</a>\n'
           'const url = "https://huggingface.co/oauth/userinfo";\n')
    assert models(kb, "nav.ts", src) == []


def test_a_container_image_tag_is_not_an_ollama_tag(kb):
    """LLaMA-Factory: `docker build -t llamafactory:latest .` and `image: llamafactory:latest` were
    Ollama models (Meta's, by the llama family word); the model after `ollama run` stays."""
    src = ("docker build -t llamafactory:latest .\ndocker build --tag=llamafactory-megatron-bridge:latest .\n"
           "services:\n  app:\n    image: llamafactory:latest\nollama run llama3:8b\n")
    assert models(kb, "build.sh", src) == [(6, "ollama", "llama3:8b")]


def test_asciidoc_listing_blocks_are_code(kb):
    """spring-ai's docs: 104 of 104 quoted model names inside AsciiDoc ---- listing blocks were
    read as prose (rules: listing_fences), and a +https://...+ passthrough hid its URL."""
    src = ("= Chat\n\nSet the base URL to `+https://api.perplexity.ai+`.\n\n[source,java]\n----\n"
           'var o = AnthropicChatOptions.builder().model("claude-sonnet-4-20250514").build();\n----\n\n'
           "The model claude-sonnet-4-20250514 is good in prose.\n")
    refs, _ = lexer_for(kb).analyse("anthropic-chat.adoc", src.encode())
    assert sorted((r.line, r.kind.value, r.id) for r in refs) == [
        (3, "endpoint", "https://api.perplexity.ai"), (7, "model", "claude-sonnet-4-20250514")]
    # in Markdown, ---- is a rule, not a fence: the same line stays prose
    md = src.replace("[source,java]\n----\n", "").replace("build();\n----\n", "build();\n")
    assert (5, "model", "claude-sonnet-4-20250514") not in {(r.line, r.kind.value, r.id)
                                                            for r in lexer_for(kb).analyse("a.md", md.encode())[0]}


def test_fireworks_path_ids_wherever_they_are_written(kb):
    """Fireworks' ids are accounts/{account}/models/{name} (the eval kit's api form): a provider
    adapter's default, a tuple, a catalogue's "id"; an account's own deployment too. A URL path
    with an accounts/ segment, and a placeholder account, are not ids."""
    src = ("export const config = { model: { param: 'model', default: 'accounts/fireworks/models/llama-v3p1-405b-instruct' } };\n"
           'const pairs = [["fireworks-ai", "accounts/fireworks/models/firefunction-v2"]];\n'
           'const catalog = [{"id": "accounts/yi-01-ai/models/yi-large", "object": "model"}];\n'
           'const url = "https://api.cloudflare.com/client/v4/accounts/abc123/models/search";\n'
           'const mine = "accounts/your-account/models/my-model";\n')
    got = models(kb, "adapter.ts", src)
    assert got == [(1, "api", "accounts/fireworks/models/llama-v3p1-405b-instruct"),
                   (2, "api", "accounts/fireworks/models/firefunction-v2"), (3, "api", "accounts/yi-01-ai/models/yi-large")]


def test_a_family_name_and_ai_alone_is_a_slug_not_a_model(kb):
    """provider="mistral-ai" (Portkey's, GitHub Models', Spring AI's test-suite names) matched Mistral's
    pattern mistral-*; a family name followed by an organisation word alone is a company's or a
    provider's slug. More words after it are still read (a Cloudflare id under deepseek-ai/)."""
    src = ('client = Portkey(provider="mistral-ai")\nconfigs = {"mistral-ai": MistralAIConfig}\nsite = "https://claude.ai"\n'
           'm = "mistral-small-2503"\ncf = "@cf/deepseek-ai/deepseek-math-7b-instruct"\n')
    assert models(kb, "gateway.ts", src) == [(4, "api", "mistral-small-2503"), (5, "api", "@cf/deepseek-ai/deepseek-math-7b-instruct")]


def test_help_text_metavariables_and_example_file_names_are_placeholders(kb):
    """A tool's --help names its argument (-m FNAME, --model FILE, --model=model-path), and docs use
    file.gguf / filename.gguf for any weight file: none of them is a model."""
    src = ('fprintf(stderr, "  -m FNAME,  --model FNAME [%-7s] model path\\n");\nprintf("--model FILE  the model\\n");\n'
           'run("--model=model-path");\nload("filename.gguf");\nm = "qwen2.5:7b"\n')
    assert models(kb, "cli.c", src) == [(5, "ollama", "qwen2.5:7b")]
