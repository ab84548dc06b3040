"""A generator of hostile repositories: one folder per attack of issue #14 (the scanned-tree side),
each holding the hostile file(s) and good references beside them that must survive the scan.

``build(root, scale=...)`` writes every attack under ``root/<attack name>/`` and returns the
``Attack`` records: what each folder must still yield (``good``: model ids that must be found),
the secrets planted in it (none may reach any output) and the path of its hostile file. ``scale``
1.0 gives the sizes of the issue's triggers; the CI test uses a smaller scale, the benchmark a
larger one. Nothing here needs the network; the folders are plain files (one non-UTF-8 file name,
one symlink).
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass, field

#: References every attack folder holds beside its hostile file (good.py): they must all survive.
GOOD_PY = ('from transformers import AutoModel\n'
           'model = AutoModel.from_pretrained("Qwen/Qwen2.5-7B-Instruct")\n'
           'client.chat.completions.create(model="gpt-4o-mini")\n')
GOOD_IDS = ("Qwen/Qwen2.5-7B-Instruct", "gpt-4o-mini")

#: detect-secrets-style token shapes; every one is planted somewhere below.
SECRETS = {
    "openai": "sk-" + "T3BlbkFJ" + "q8Zr4Lw2Nf6Hx9Vb1Kc5",
    "openai_proj": "sk-proj-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z",
    "hf": "hf_" + "QwErTyUiOpAsDfGhJkLzXcVbNm12",
    "github": "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
    "aws": "AKIA" + "QWERTYUIOPASDFGH",
    "slack": "xoxb-" + "123456789012-abcdefghijkl",
    "jwt": "eyJhbGciOiJIUzI1NiJ9" + ".eyJzdWIiOiIxMjM0NTY3ODkwIn0" + ".dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "basic_password": "Pa55w0rd-" + "ThatIsLong",
    "url_password": "s3cr3t" + "@pa/ss#wd",
    "bearer": "tok_" + "9f8e7d6c5b4a39281706",
    "heredoc": "hf_" + "HeReDoCsEcReTvAlUeXyZ123",
    "curl": "cUrLpAsS" + "w0rd2024",
}


@dataclass
class Attack:
    name: str
    item: str  # the issue item(s) it reproduces
    hostile: str  # path (relative to the attack folder) of the hostile file ("" = the folder itself)
    good: tuple[str, ...] = GOOD_IDS  # model ids that must be found in the folder
    secrets: tuple[str, ...] = ()
    notes: dict = field(default_factory=dict)


def _w(path: str, data: bytes | str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data)


def gguf(kv: dict[str, str]) -> bytes:
    """A minimal GGUF v3 file: the header and string metadata, no tensors."""
    out = [b"GGUF", struct.pack("<IQQ", 3, 0, len(kv))]
    for k, v in kv.items():
        kb, vb = k.encode(), v.encode("utf-8", "surrogatepass")
        out += [struct.pack("<Q", len(kb)), kb, struct.pack("<I", 8), struct.pack("<Q", len(vb)), vb]
    return b"".join(out)


def safetensors(meta: dict[str, str]) -> bytes:
    raw = json.dumps({"__metadata__": meta}).encode()
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw


# -- the attacks ------------------------------------------------------------------------------


def redact_long_line(d: str, scale: float) -> Attack:
    n = int(100_000 * scale)
    line = 'var c={model:"gpt-4o-mini",' + "key_token_auth:" * (n // 15) + "};"
    _w(f"{d}/bundle.min.js", line + "\n")
    _w(f"{d}/good.py", GOOD_PY)
    return Attack("redact_long_line", "1", "bundle.min.js")


def gitignore_redos(d: str, scale: float) -> Attack:
    _w(f"{d}/.gitignore", "*a" * 20 + "*b\n" + "".join(f"ignored{i}/\n" for i in range(int(2_000 * scale))))
    for i in range(5):
        _w(f"{d}/{'a' * 30}{i}.txt", "nothing\n")
    _w(f"{d}/good.py", GOOD_PY)
    return Attack("gitignore_redos", "2", ".gitignore")


def gitignore_huge(d: str, scale: float) -> Attack:
    lines = int(2_000_000 * scale)
    _w(f"{d}/.gitignore", "".join(f"/generated/file{i}.bin\n" for i in range(lines)))
    _w(f"{d}/good.py", GOOD_PY)
    return Attack("gitignore_huge", "2", ".gitignore", notes={"lines": lines})


def gitignore_bad_line(d: str, scale: float) -> Attack:
    _w(f"{d}/.gitignore", "build\\\n*.log\n")
    _w(f"{d}/x.log", 'model = "gpt-4o"\n')
    _w(f"{d}/good.py", GOOD_PY)
    return Attack("gitignore_bad_line", "11", ".gitignore")


def gitignore_symlink_out(d: str, scale: float) -> Attack:
    # beside the generated tree, not in it: out of the scanned root however the tree is scanned
    outside = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(d))), "_outside_ignore")
    _w(outside, "*.py\n")
    os.makedirs(d, exist_ok=True)
    os.symlink(outside, f"{d}/.gitignore")
    _w(f"{d}/good.py", GOOD_PY)
    return Attack("gitignore_symlink_out", "22", ".gitignore")


def yaml_merge_bomb(d: str, scale: float) -> Attack:
    lines = ["l0: &l0 {model: Qwen/Qwen2.5-7B-Instruct, a: 1}"]
    for i in range(1, 10):
        lines.append(f"l{i}: &l{i} {{<<: [" + ", ".join([f"*l{i - 1}"] * 10) + "]}")
    body = "\n".join(lines) + "\n"
    _w(f"{d}/values.yaml", body)
    _w(f"{d}/environment.yml", "name: x\n" + body + "dependencies:\n  - pip:\n    - openai\n")
    _w(f"{d}/good.py", GOOD_PY)
    return Attack("yaml_merge_bomb", "3", "values.yaml")


def helm_braces(d: str, scale: float) -> Attack:
    _w(f"{d}/templates/deploy.yaml", "model: gpt-4o-mini\nx: " + "{{" * int(500_000 * scale) + "\n: : bad\n  - [\n")
    _w(f"{d}/good.py", GOOD_PY)
    return Attack("helm_braces", "5", "templates/deploy.yaml")


def huge_model_name(d: str, scale: float) -> Attack:
    name = "Qwen/" + "A" * int(5_000_000 * scale)
    _w(f"{d}/huge.gguf", gguf({"general.architecture": "llama", "general.name": name}))
    _w(f"{d}/config.yaml", f"model: {name}\n")
    _w(f"{d}/good.py", GOOD_PY)
    return Attack("huge_model_name", "7", "huge.gguf")


def surrogates(d: str, scale: float) -> Attack:
    esc = "\\ud800"
    _w(f"{d}/client.py", f'client = OpenAI(base_url="https://api.openai.com/v1/{esc}")\nmodel = "gpt-4o-mini{esc}"\n')
    nb = {"cells": [{"cell_type": "code", "source": [f'base_url = "https://api.openai.com/v1/{esc}"\n',
                                                     f'model = "gpt-4o{esc}"\n'], "outputs": []}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    _w(f"{d}/nb.ipynb", json.dumps(nb).replace("\\\\ud800", "\\ud800"))
    _w(f"{d}/model/config.json", '{"_name_or_path": "Qwen/Qwen2.5-7B\\ud800", "architectures": ["Qwen2ForCausalLM\\udfff"],'
                                  ' "model_type": "qwen2"}\n')
    _w(f"{d}/README.md", "---\nbase_model: meta-llama/Llama-3.1-8B\ud800\nlicense: apache-2.0\n---\n# card\n")
    _w(f"{d}/package.json", '{"name": "x\\ud800", "dependencies": {"openai\\ud800": "^4", "openai": "^4.0.0"}}\n')
    _w(f"{d}/w.safetensors", safetensors({"base_model": "Qwen/Qwen2.5-7B\ud800"}).replace(b"\\ud800", b"\\ud800"))
    _w(f"{d}/good.py", GOOD_PY)
    return Attack("surrogates", "8", "client.py")


def non_utf8_name(d: str, scale: float) -> Attack:
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(os.fsencode(d), b"caf\xe9.py"), "wb") as fh:
        fh.write(b'model = "gpt-4o"\n')
    _w(f"{d}/good.py", GOOD_PY)
    return Attack("non_utf8_name", "9", "")


def lineage_cycle(d: str, scale: float) -> Attack:
    _w(f"{d}/a.gguf", gguf({"general.architecture": "llama", "general.name": "acme/model-a",
                            "general.base_model.count": "1", "general.base_model.0.repo_url": "https://huggingface.co/acme/model-b"}))
    _w(f"{d}/b.gguf", gguf({"general.architecture": "llama", "general.name": "acme/model-b",
                            "general.base_model.0.repo_url": "https://huggingface.co/acme/model-a"}))
    _w(f"{d}/good.py", GOOD_PY)
    return Attack("lineage_cycle", "10", "a.gguf")


def deep_folders(d: str, scale: float) -> Attack:
    depth = 1_100  # past Python's recursion limit whatever the scale (cheap: one folder a level)
    p = d
    os.makedirs(d, exist_ok=True)
    # one level at a time (os.makedirs recurses per level); one-letter names keep the deepest
    # path under PATH_MAX (4096)
    for _ in range(depth):
        p = os.path.join(p, "d")
        os.mkdir(p)
    with open(os.path.join(p, "deep.py"), "w") as fh:
        fh.write('model = "gpt-4o"\n')
    _w(f"{d}/good.py", GOOD_PY)
    return Attack("deep_folders", "12", "d", good=GOOD_IDS + ("gpt-4o",), notes={"depth": depth})


def rich_markup(d: str, scale: float) -> Attack:
    _w(f"{d}/m.gguf", gguf({"general.architecture": "llama", "general.name": "evil[/] [bold]x[/bold] [link=http://x]y"}))
    _w(f"{d}/m.py", 'model = "Qwen/Qwen2.5-7B[/]"\n')
    _w(f"{d}/good.py", GOOD_PY)
    return Attack("rich_markup", "13", "m.gguf")


def control_chars(d: str, scale: float) -> Attack:
    _w(f"{d}/ctl.py", 'model = "gpt-4o\x1b[2J\x1b]0;pwned\x07"\nbase_url = "https://api.openai.com/v1\x1b[31m"\n'
                      'm2 = from_pretrained("Qwen/Qwen2.5-0.5B\u202e\x08\x08")\n')
    _w(f"{d}/ctl.gguf", gguf({"general.architecture": "llama", "general.name": "acme/x\x1b[2J\r\n# injected"}))
    _w(f"{d}/good.py", GOOD_PY)
    return Attack("control_chars", "22", "ctl.py")


def secrets(d: str, scale: float) -> Attack:
    s = SECRETS
    _w(f"{d}/.github/workflows/ci.yml",
       "jobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n"
       f"          curl -u admin:{s['curl']} https://api.openai.com/v1/models\n"
       f"          curl -H 'Authorization: Bearer {s['openai']}' https://api.openai.com/v1/chat/completions -d '{{\"model\": \"gpt-4o-mini\"}}'\n"
       "        env:\n"
       f"          OPENAI_BASE_URL: https://admin:{s['url_password']}@llm.internal.example.org/v1\n"
       f"          HF_TOKEN: {s['hf']}\n")
    _w(f"{d}/client.js",
       f'const c = new OpenAI({{ baseURL: "https://user:{s["basic_password"]}@api.deepseek.com/v1", apiKey: "{s["openai_proj"]}" }});\n'
       f'const h = {{ headers: {{ Authorization: `Bearer {s["bearer"]}` }} }};\n'
       'await c.chat.completions.create({ model: "deepseek-chat" });\n'
       f'const gh = "{s["github"]}"; const aws = "{s["aws"]}"; const slack = "{s["slack"]}";\n'
       f'const jwt = "{s["jwt"]}";\n')
    _w(f"{d}/app.py", f'client.chat.completions.create(model="{s["openai_proj"]}")\nmodel = "{s["openai"]}"\n'
                      f'llm = ChatOpenAI(model="gpt-4o", api_key="{s["openai"]}")\n')
    _w(f"{d}/main.tf", 'resource "aws_instance" "x" {\n  user_data = <<EOF\n'
                       f'HF_TOKEN={s["heredoc"]}\nmodel = "meta-llama/Llama-3.1-8B"\n')
    _w(f"{d}/pkg/pyproject.toml", f'[project]\nname = "x"\ndependencies = ["openai @ git+https://tok:{s["github"]}@github.com/o/p"]\n'
                              f'bad = "unterminated {s["heredoc"]}\n')
    _w(f"{d}/environment.yml", f"name: x\ndependencies:\n  - openai\n  - {{ bad: {s['hf']}\n")
    _w(f"{d}/good.py", GOOD_PY)
    return Attack("secrets", "14", "client.js", good=GOOD_IDS + ("deepseek-chat", "gpt-4o"), secrets=tuple(s.values()))


def bad_port(d: str, scale: float) -> Attack:
    body = ('from openai import OpenAI\nc = OpenAI(base_url="https://api.deepseek.com:99999/v1")\n'
            'c.chat.completions.create(model="deepseek-chat")\n' + GOOD_PY)
    _w(f"{d}/client.py", body)
    _w(f"{d}/config.yaml", "base_url: https://api.deepseek.com:99999/v1\nmodel: deepseek-chat\n")
    _w(f"{d}/nb.ipynb", json.dumps({"cells": [{"cell_type": "code", "source": body.splitlines(True), "outputs": []}],
                                    "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    _w(f"{d}/.env", "OPENAI_BASE_URL=https://api.deepseek.com:99999/v1\nMODEL=deepseek-chat\n")
    return Attack("bad_port", "16", "client.py", good=GOOD_IDS + ("deepseek-chat",))


def deep_construct(d: str, scale: float) -> Attack:
    deep = "!" + "$(" * int(5_000 * scale) + "echo" + ")" * int(5_000 * scale)
    cells = [{"cell_type": "code", "source": [GOOD_PY.splitlines(True)[1]], "outputs": []},
             {"cell_type": "code", "source": [deep], "outputs": []},
             {"cell_type": "code", "source": [GOOD_PY.splitlines(True)[2]], "outputs": []}]
    _w(f"{d}/nb.ipynb", json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    _w(f"{d}/deep.json", "[" * 100_000 + "]" * 100_000)
    _w(f"{d}/good.py", GOOD_PY)
    return Attack("deep_construct", "17", "nb.ipynb")


ATTACKS: dict[str, Callable[[str, float], Attack]] = {f.__name__: f for f in (
    redact_long_line, gitignore_redos, gitignore_huge, gitignore_bad_line, gitignore_symlink_out, yaml_merge_bomb,
    helm_braces, huge_model_name, surrogates, non_utf8_name, lineage_cycle, deep_folders, rich_markup, control_chars,
    secrets, bad_port, deep_construct)}


def build(root: str, scale: float = 1.0, only: tuple[str, ...] = ()) -> list[Attack]:
    """Write every attack (or ``only`` those) under ``root/<name>/``; return their records."""
    out = []
    for name, make in ATTACKS.items():
        if only and name not in only:
            continue
        out.append(make(os.path.join(root, name), scale))
    return out


def remove(path: str) -> None:
    """Remove a generated tree. ``shutil.rmtree`` (and ``os.walk`` before 3.12) recurse once per
    level and fail on the deep-folders attack: remove the deep chain level by level first."""
    import shutil

    for top, _dirs, _files in [(path, None, None)]:
        chain = os.path.join(top, "deep_folders", "d")
        # walk down the one-letter chain iteratively, then remove from the bottom up
        levels = []
        p = chain
        while os.path.isdir(p) and not os.path.islink(p):
            levels.append(p)
            p = os.path.join(p, "d")
        for lvl in reversed(levels):
            for name in os.listdir(lvl):
                full = os.path.join(lvl, name)
                if not os.path.isdir(full) or os.path.islink(full):
                    os.unlink(full)
            os.rmdir(lvl)
    shutil.rmtree(path, ignore_errors=True)
