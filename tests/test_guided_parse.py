"""Hit-guided parsing of Python (``detectors.python.quiet_blocks``) only saves time: it gives the
same sightings as parsing the whole file, on every Python file of the corpus and the examples
(as they are, and buried in large files of code that names nothing) and on adversarial layouts."""

from __future__ import annotations

from pathlib import Path

import pytest

from sovaudit.detectors.python import analyze, quiet_blocks

REPO = Path(__file__).resolve().parents[1]
PY_FILES = sorted(p for root in ("tests/corpus/tree", "examples") for p in (REPO / root).rglob("*.py"))

FILLER = '''
def handler_{n}(request, session=None):
    """Process request {n}: validate, transform and store the payload."""
    payload = request.get("payload", {{}})
    items = [dict(k=k, v=v) for k, v in sorted(payload.items())]
    return {{"count": len(items), "id": {n}}}


class Store{n}:
    limit = {n}

    def put(self, key, value):
        return (key, value, self.limit)
'''


def filler(a: int, b: int) -> str:
    return "".join(FILLER.format(n=k) for k in range(a, b))


def same(text: str, kb) -> list:
    guided, ok1 = analyze(text, kb, guided=True)
    full, ok2 = analyze(text, kb, guided=False)
    assert ok1 == ok2
    assert guided == full
    return full


def test_corpus_files_are_long_enough_to_matter():
    assert len(PY_FILES) >= 20


@pytest.mark.parametrize("path", PY_FILES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_same_sightings_on_corpus_files_alone_and_buried(path, kb):
    text = path.read_text("utf-8").replace("\r\n", "\n")
    same(text, kb)
    buried = filler(0, 40) + "\n" + text + "\n" + filler(40, 80)
    found = same(buried, kb)
    assert len(found) == len(same(text, kb))  # the filler names nothing


def test_filler_is_actually_blanked_and_lines_keep_their_numbers(kb):
    from sovaudit.detectors.python import _vocabulary

    text = filler(0, 30) + 'from transformers import AutoModel\nm = AutoModel.from_pretrained("Qwen/Qwen2.5-7B")\n'
    quiet = quiet_blocks(text, _vocabulary(kb).hit_lines("code", text))
    assert quiet is not None and quiet.count("\n") == text.count("\n")
    assert "def handler_" not in quiet and "class Store" in quiet  # classes are kept
    assert quiet.splitlines()[-1] == text.splitlines()[-1]
    (s,) = [x for x in same(text, kb) if x.id == "Qwen/Qwen2.5-7B"]
    assert s.line == text.count("\n")


ADVERSARIAL = {
    "def inside a module docstring": '"""Usage:\ndef fake():\n    pass\n"""\n' + "{filler}" + 'from transformers import pipeline\np = pipeline("text-generation", model="Qwen/Qwen2.5-7B")\n',
    "def inside a string assigned at module level": 'DOC = """\ndef fake(model="Qwen/Qwen2.5-7B"):\n    return AutoModel.from_pretrained(model)\n"""\n' + "{filler}",
    "decorated and multi-line signature": "{filler}" + '@decorator\n@other(1)\ndef load(\n    name="Qwen/Qwen2.5-7B",\n):\n    return AutoModel.from_pretrained(name)\n',
    "constant defined between hit-less defs": "{filler}" + 'DEFAULT = "meta-llama/Llama-3.1-8B"\n' + "{filler}" + 'def go():\n    return AutoTokenizer.from_pretrained(DEFAULT)\n',
    "default argument used later": "{filler}" + 'def f(x="mistralai/Mistral-7B-v0.1"):\n    return x\n\ndef g(y="BAAI/bge-m3"):\n    return SentenceTransformer(y)\n',
    "main block after a def": "{filler}" + 'def main():\n    return 1\nif __name__ == "__main__":\n    AutoModel.from_pretrained("google/gemma-2-9b")\n',
    "comment with a model in a hit-less def": "{filler}" + 'def nothing():\n    # see Qwen/Qwen2.5-7B for details\n    return 1\n',
    "class attribute used elsewhere": "{filler}" + 'class Cfg:\n    name = "Qwen/Qwen2.5-7B"\n\nm = AutoModel.from_pretrained(Cfg.name)\n',
    "unbalanced quotes across blocks": "{filler}" + 'def a():\n    s = """\ndef b():\n    pass\n"""\n    return AutoModel.from_pretrained("x/y")\n',
    "syntax error": "{filler}" + 'def broken(:\n    AutoModel.from_pretrained("Qwen/Qwen2.5-7B")\n',
}


@pytest.mark.parametrize("case", sorted(ADVERSARIAL))
def test_adversarial_layouts(case, kb):
    text = ADVERSARIAL[case].replace("{filler}", filler(0, 20))
    same(text, kb)
