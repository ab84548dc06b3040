"""The shared command-line reader: word splitting with positions, and what commands mean."""

from __future__ import annotations

import shlex

import pytest

from sovaudit.detectors.commands import (
    Word,
    analyze_argv,
    analyze_shell,
    is_model_key,
    is_secret_name,
    split_script,
)
from sovaudit.model import Kind


def words_of(text: str) -> list[str]:
    return [w.value for cmd in split_script(text).commands for w in cmd]


def found(hits, kind: Kind = Kind.MODEL) -> list[tuple[str, int, str]]:
    """(id, 0-based offset, form) of the hits of one kind."""
    return [(h.id, h.offset, h.form) for h in hits if h.kind is kind]


# -- splitting ------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "vllm serve Qwen/Qwen2.5-7B-Instruct --port 8000",
    "a 'b c' \"d e\" f\\ g",
    "--model=\"meta-llama/Llama-3.1-8B\" --x='y z'",
    "echo \"a \\\"quoted\\\" word\" 'it''s'",
    "MODEL=x vllm serve $MODEL",
])
def test_split_agrees_with_shlex(text):
    assert words_of(text) == shlex.split(text)


@pytest.mark.parametrize("text", [
    "vllm serve 'Qwen/Qwen2.5-7B-Instruct'",
    "vllm serve --model=\"Qwen/Qwen2.5-7B-Instruct\" x",
    "A=1 \\\n  B=\"two words\"\n  C='three'",
])
def test_every_character_knows_where_it_was_written(text):
    for cmd in split_script(text).commands:
        for w in cmd:
            assert len(w.offs) == len(w.value)
            for ch, off in zip(w.value, w.offs):
                assert text[off] == ch


def test_operators_comments_and_continuations():
    s = split_script("a b && c | d; e # note meta-llama/Llama-3.1-8B\nf \\\n  g > out.txt 2>&1")
    assert [[w.value for w in c] for c in s.commands] == [["a", "b"], ["c"], ["d"], ["e"], ["f", "g"]]
    assert [c.text for c in s.comments] == [" note meta-llama/Llama-3.1-8B"]


def test_unbalanced_quote_does_not_swallow_the_line(kb):
    hits = analyze_shell('echo "unterminated --model Qwen/Qwen2.5-7B-Instruct', kb)
    assert found(hits) == [("Qwen/Qwen2.5-7B-Instruct", 27, "hf")]


def test_heredoc_body_is_not_split_as_commands():
    s = split_script("cat <<EOF > x.json\nit's \"odd\n{}\nEOF\nvllm serve X\n")
    assert [[w.value for w in c] for c in s.commands] == [["cat"], ["vllm", "serve", "X"]]
    assert s.heredocs[0].value == "it's \"odd\n{}\n"


# -- commands -------------------------------------------------------------------------------

CASES = [
    # (command line, [(model id, column (1-based), form)])
    ("vllm serve Qwen/Qwen2.5-7B-Instruct --port 8000", [("Qwen/Qwen2.5-7B-Instruct", 12, "hf")]),
    ("python -m vllm.entrypoints.openai.api_server --model deepseek-ai/DeepSeek-R1-Distill-Llama-8B",
     [("deepseek-ai/DeepSeek-R1-Distill-Llama-8B", 54, "hf")]),
    ("python3 -m vllm.entrypoints.openai.api_server --model=\"meta-llama/Llama-3.1-8B-Instruct\"",
     [("meta-llama/Llama-3.1-8B-Instruct", 56, "hf")]),
    ("ollama pull qwen2.5:7b", [("qwen2.5:7b", 13, "ollama")]),
    ("ollama run llama3.2 'warm up'", [("llama3.2", 12, "ollama")]),
    ("huggingface-cli download mistralai/Mistral-7B-v0.1 --local-dir ./m", [("mistralai/Mistral-7B-v0.1", 26, "hf")]),
    ("hf download BAAI/bge-m3", [("BAAI/bge-m3", 13, "hf")]),
    ("text-generation-launcher --model-id bigcode/starcoder2-7b --port 8003", [("bigcode/starcoder2-7b", 37, "hf")]),
    ("llama-server --hf-repo Qwen/Qwen2.5-0.5B-Instruct-GGUF -m ./models/x.gguf", [("Qwen/Qwen2.5-0.5B-Instruct-GGUF", 24, "hf")]),
    ("MODEL=Qwen/Qwen2.5-7B-Instruct", [("Qwen/Qwen2.5-7B-Instruct", 7, "hf")]),
    ("export LLM_MODEL=meta-llama/Llama-3.2-3B-Instruct", [("meta-llama/Llama-3.2-3B-Instruct", 18, "hf")]),
    ('MODEL="${MODEL:-Qwen/Qwen2.5-7B-Instruct}"', [("Qwen/Qwen2.5-7B-Instruct", 17, "hf")]),
    ("CUDA_VISIBLE_DEVICES=0 nohup vllm serve google/gemma-2-9b-it &", [("google/gemma-2-9b-it", 41, "hf")]),
    ("sudo docker run --gpus all -e HF_TOKEN=x -p 80:80 ghcr.io/huggingface/text-generation-inference:2.4.0 --model-id HuggingFaceTB/SmolLM2-1.7B-Instruct",
     [("HuggingFaceTB/SmolLM2-1.7B-Instruct", 114, "hf")]),
    ("bash -lc 'vllm serve Qwen/Qwen2-7B'", [("Qwen/Qwen2-7B", 22, "hf")]),
    ("ID=$(huggingface-cli download Qwen/Qwen2-7B)", [("Qwen/Qwen2-7B", 31, "hf")]),
    ("uv run vllm serve microsoft/Phi-3-mini-4k-instruct", [("microsoft/Phi-3-mini-4k-instruct", 19, "hf")]),
    # runners (checked only where a runner's first word stands)
    ("uvx vllm serve Qwen/Qwen2.5-7B-Instruct", [("Qwen/Qwen2.5-7B-Instruct", 16, "hf")]),
    ("conda run -n env vllm serve Qwen/Qwen2.5-7B-Instruct", [("Qwen/Qwen2.5-7B-Instruct", 29, "hf")]),
    ("poetry run python -m vllm.entrypoints.openai.api_server --model Qwen/Qwen2.5-7B-Instruct",
     [("Qwen/Qwen2.5-7B-Instruct", 65, "hf")]),
    ("python -c \"from sentence_transformers import SentenceTransformer; SentenceTransformer('BAAI/bge-small-en-v1.5')\"",
     [("BAAI/bge-small-en-v1.5", 88, "hf")]),
    ("accelerate launch train.py --model_name_or_path meta-llama/Llama-3.2-1B", [("meta-llama/Llama-3.2-1B", 49, "hf")]),
    ("curl -s localhost:8000/v1/chat/completions -d '{\"model\": \"Qwen/Qwen2.5-7B-Instruct\", \"messages\": []}'",
     [("Qwen/Qwen2.5-7B-Instruct", 59, "hf")]),
    ("git clone https://huggingface.co/meta-llama/Llama-3.2-1B", [("meta-llama/Llama-3.2-1B", 11, "hf-uri")]),
    ("python serve.py meta-llama/Llama-3.2-1B", [("meta-llama/Llama-3.2-1B", 17, "hf")]),
]


@pytest.mark.parametrize("line,expected", CASES, ids=[c[0][:40] for c in CASES])
def test_models_on_command_lines(kb, line, expected):
    hits = analyze_shell(line, kb)
    got = [(i, off + 1, form) for i, off, form in found(hits)]
    assert got == expected
    for h in hits:  # the text is exactly what is written at the reported place
        assert line[h.offset:h.offset + len(h.text)] == h.text


@pytest.mark.parametrize("line", [
    "vllm serve $MODEL --port 8000",                      # a variable, not a literal
    "vllm serve ./models/llama --port 8000",              # a local path
    "huggingface-cli download ${{ matrix.model }}",       # a CI expression
    "docker run --rm vllm/vllm-openai:latest",             # an image name is not a model
    "docker pull nvidia/cuda:12.4.1-runtime-ubuntu22.04",
    "gh repo clone microsoft/vscode",                     # GitHub owner/repo
    "git clone https://github.com/huggingface/transformers",
    "serve run app:deployment",                           # an import path
    "pip install -r requirements.txt",
    "python train.py --model ./checkpoints/best",
    "echo done # see actions/checkout@v4",
    "vllm serve $MODEL --served-model-name chat",          # an alias is not a model
    "lm_eval --model vllm --tasks hellaswag",              # --model names a backend of an unknown tool
    "ollama create kontor-support -f Modelfile",           # the name being created
])
def test_hard_negatives(kb, line):
    assert found(analyze_shell(line, kb)) == []


def test_serving_command_is_a_package(kb):
    hits = analyze_shell("vllm serve Qwen/Qwen2-7B\npython -m vllm.entrypoints.openai.api_server --model x/y", kb)
    assert found(hits, Kind.PACKAGE) == [("vllm", 0, "command"), ("vllm", 35, "command")]


def test_docker_run_image_reveals_software_and_hardware(kb):
    hits = analyze_shell("docker run --gpus all -v /d:/d nvcr.io/nim/meta/llama-3.1-8b-instruct:1.3.3", kb)
    assert ("nvidia-nim", 31, "image") in found(hits, Kind.PACKAGE)
    assert ("nvidia", 31, "image") in found(hits, Kind.HARDWARE)
    assert found(hits) == [("meta/llama-3.1-8b-instruct", 31, "image")]


def test_pip_install_of_a_hardware_package(kb):
    pkg = next(p for e in kb.section("hardware") for p in e.get("python_packages", []))
    hits = analyze_shell(f"pip install --upgrade {pkg}", kb)
    assert [(h.kind, h.text, h.offset) for h in hits] == [(Kind.HARDWARE, pkg, 22)]


def test_comments_only_vouched_ids(kb):
    hits = analyze_shell("# try meta-llama/Llama-3.1-8B or my-model or nvidia/cuda\nls", kb)
    assert [(h.id, h.offset, h.comment) for h in hits] == [("meta-llama/Llama-3.1-8B", 6, True)]


def test_exec_form_argv(kb):
    words = [Word.plain("vllm", 100), Word.plain("serve", 110), Word.plain("meta-llama/Llama-3.3-70B-Instruct", 120),
             Word.plain("--served-model-name=llama-70b", 160)]
    hits = analyze_argv(words, kb)
    assert found(hits) == [("meta-llama/Llama-3.3-70B-Instruct", 120, "hf")]
    assert dict(hits[-1].attributes)["served_name"] == "llama-70b"


def test_arguments_without_a_command(kb):
    words = [Word.plain("--model", 0), Word.plain("meta-llama/Llama-Guard-3-8B", 10), Word.plain("--port", 40), Word.plain("8001", 50)]
    assert found(analyze_argv(words, kb)) == [("meta-llama/Llama-Guard-3-8B", 10, "hf")]


def test_secret_values_are_never_copied(kb):
    secret = "sk-proj-THISISNOTAREALKEY1234567890"
    text = f"export OPENAI_API_KEY={secret}\ncurl -H 'Authorization: Bearer {secret}' https://api.openai.com/v1/models"
    hits = analyze_shell(text, kb)
    assert hits  # the endpoint is found ...
    for h in hits:  # ... but the key is nowhere
        assert secret not in repr(h)


# -- names ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name,expected", [
    ("MODEL", True), ("LLM_MODEL", True), ("model_id", True), ("modelName", True), ("servedModelName", True),
    ("--model-name-or-path", True), ("embedding_model", True), ("HF_MODEL_ID", True), ("modelURL", True),
    ("max_model_len", False), ("model_dir", False), ("model_type", False), ("models", False), ("MODEL_CACHE", False),
    ("num_models", False), ("modelFormat", False),
])
def test_is_model_key(name, expected):
    assert is_model_key(name) is expected


@pytest.mark.parametrize("name,expected", [
    ("OPENAI_API_KEY", True), ("HF_TOKEN", True), ("accessToken", True), ("AWS_SECRET_ACCESS_KEY", True), ("password", True),
    ("key", False), ("tokenizer", False), ("model", False), ("api_base", False), ("valueFrom", False),
])
def test_is_secret_name(name, expected):
    assert is_secret_name(name) is expected


def test_crlf_line_continuations(kb):
    text = "MODEL=Qwen/Qwen2-7B\r\nvllm serve \\\r\n  google/gemma-2-9b-it\r\n"
    assert found(analyze_shell(text, kb)) == [("Qwen/Qwen2-7B", 6, "hf"), ("google/gemma-2-9b-it", 37, "hf")]


# -- the word reader's fast paths (plain runs, operator and redirection checks) -------------------
# Expected values are what the character-by-character reader gave before the fast paths.

@pytest.mark.parametrize("text, expected", [
    ("echo $HOME ${A:-x} $(date) `id` a$b",
     [[("echo", (0, 1, 2, 3)), ("$HOME", (5, 6, 7, 8, 9)), ("${A:-x}", (11, 12, 13, 14, 15, 16, 17)),
       ("$(date)", (19, 20, 21, 22, 23, 24, 25)), ("`id`", (27, 28, 29, 30)), ("a$b", (32, 33, 34))]]),
    ("cmd 2>&1 >out <in 3<>f", [[("cmd", (0, 1, 2))]]),
    # a redirection may start with any decimal digit (re's \d), not with other digits
    ("echo a \u0663>f b", [[("echo", (0, 1, 2, 3)), ("a", (5,)), ("b", (11,))]]),
    ("x\u00b2>y z", [[("x\u00b2", (0, 1)), ("z", (5,))]]),
    ("a&&b||c;d|e&f (g) ;; h |& i", [[("a", (0,))], [("b", (3,))], [("c", (6,))], [("d", (8,))], [("e", (10,))],
                                     [("f", (12,))], [("g", (15,))], [("h", (21,))], [("i", (26,))]]),
    ("vllm serve org/m-1.5_x:q@v --port=80 --model\\ x 'q'\"r\"s",
     [[("vllm", (0, 1, 2, 3)), ("serve", (5, 6, 7, 8, 9)), ("org/m-1.5_x:q@v", tuple(range(11, 26))),
       ("--port=80", tuple(range(27, 36))), ("--model x", (37, 38, 39, 40, 41, 42, 43, 45, 46)), ("qrs", (49, 52, 54))]]),
    ("a\\\nb c\\\r\nd", [[("ab", (0, 3)), ("cd", (5, 9))]]),
    ("echo \"$(echo 'x y')\" z", [[("echo", (0, 1, 2, 3)), ("$(echo 'x y')", tuple(range(6, 19))), ("z", (21,))]]),
])
def test_words_and_positions_through_the_fast_paths(text, expected):
    s = split_script(text)
    assert [[(w.value, w.offs) for w in cmd] for cmd in s.commands] == expected
    # with a position map, every offset goes through it
    mapped = split_script(text, offs=[10 + 2 * i for i in range(len(text))])
    assert [[(w.value, w.offs) for w in cmd] for cmd in mapped.commands] == [
        [(v, tuple(10 + 2 * o for o in offs)) for v, offs in cmd] for cmd in expected]
