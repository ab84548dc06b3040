"""NotebookDetector: code cells through the Python detector (state flows across cells), shell lines
through the command reader, markdown as docs; every reference at its line in the .ipynb file."""

from __future__ import annotations

import json

import pytest

from sovaudit.detectors.base import SourceFile
from sovaudit.detectors.notebook import NotebookDetector
from sovaudit.model import Context, Kind, Location
from sovaudit.rules import load_knowledge_base
from sovaudit.scan import _run_detector

DET = NotebookDetector()
M, E, P = Kind.MODEL, Kind.ENDPOINT, Kind.PACKAGE
CODE, DOCS = Context.CODE, Context.DOCS


@pytest.fixture(scope="module")
def kb():
    return load_knowledge_base()


def notebook(cells, language="python"):
    out = []
    for ctype, src in cells:
        c = {"cell_type": ctype, "metadata": {}, "source": src}
        if ctype == "code":
            c.update({"execution_count": None, "outputs": []})
        out.append(c)
    return {"cells": out, "metadata": {"kernelspec": {"display_name": "x", "language": language, "name": "x"}},
            "nbformat": 4, "nbformat_minor": 5}


def run(kb, text, path="nb/eval.ipynb"):
    return list(DET.detect(SourceFile(path, text=text), kb))


def rows(refs):
    return sorted((r.kind, r.id, r.line, r.column, r.cell, r.form, r.provider, r.context) for r in refs)


#: Laid out by json.dumps(indent=1) as Jupyter writes it: the cell sources sit on file lines 7-8,
#: 15-20, 29-32 and 41-42 (see test_fixture_layout).
NB = notebook([
    ("markdown", ["# RAG evaluation\n", "Embeddings: `BAAI/bge-m3`; GPT-4o judges.\n"]),
    ("code", ["%pip install -q openai anthropic\n",
              "!huggingface-cli download Qwen/Qwen2.5-1.5B-Instruct --local-dir /tmp/q\n",
              "import os\n",
              "from openai import OpenAI\n",
              "JUDGE = \"gpt-4o\"\n",
              "vllm = OpenAI(base_url=\"http://gpu-box-03:8000/v1\", api_key=\"EMPTY\")"]),
    ("code", ["judge = OpenAI()\n",
              "def ask(q):\n",
              "    a = vllm.chat.completions.create(model=\"Qwen/Qwen2.5-32B-Instruct\", messages=[])\n",
              "    return judge.chat.completions.create(model=JUDGE, messages=[])"]),
    ("code", ["print \"old\"\n",
              "tok = AutoTokenizer.from_pretrained(\"google/gemma-2-9b-it\")"]),
])
TEXT = json.dumps(NB, indent=1)


def test_applies():
    assert DET.applies("a/b.ipynb") and DET.applies("B.IPYNB") and not DET.applies("a.py")


def test_fixture_layout():
    lines = TEXT.split("\n")
    assert lines[14].strip().startswith('"%pip') and lines[41].strip().startswith('"tok = ')


def test_lines_columns_and_cells_in_the_notebook_file(kb):
    assert rows(run(kb, TEXT)) == sorted([
        (M, "BAAI/bge-m3", 8, 19, 1, "hf", "", DOCS),                              # markdown cell
        (P, "openai", 15, 22, 2, "pip", "openai", CODE),                           # %pip line
        (P, "anthropic", 15, 29, 2, "pip", "anthropic", CODE),
        (P, "huggingface-hub", 16, 7, 2, "command", "", CODE),                     # !huggingface-cli ...
        (M, "Qwen/Qwen2.5-1.5B-Instruct", 16, 32, 2, "hf", "", CODE),
        (P, "openai", 18, 11, 2, "import", "openai", CODE),
        (M, "gpt-4o", 19, 16, 2, "api", "openai", CODE),                            # used in cell 3
        (E, "http://gpu-box-03:8000/v1", 20, 31, 2, "url", "", CODE),
        (E, "openai", 29, 14, 3, "client", "openai", CODE),
        (M, "Qwen/Qwen2.5-32B-Instruct", 31, 51, 3, "hf", "", CODE),               # client of cell 2
        (M, "google/gemma-2-9b-it", 42, 44, 4, "hf", "", CODE),                    # cell 4 does not parse
    ])


def test_state_flows_across_cells(kb):
    refs = run(kb, TEXT)
    judge = next(r for r in refs if r.id == "gpt-4o")
    assert judge.provider == "openai" and judge.related == (Location("nb/eval.ipynb", 32, 17, 3),)
    qwen = next(r for r in refs if r.id == "Qwen/Qwen2.5-32B-Instruct")
    assert (qwen.provider, qwen.attribute("base_url"), qwen.attribute("sdk")) == ("", "http://gpu-box-03:8000/v1", "openai")


def test_a_cell_that_does_not_parse_uses_the_line_scanner_alone(kb):
    refs = run(kb, TEXT)
    gemma = next(r for r in refs if r.id == "google/gemma-2-9b-it")
    assert gemma.confidence <= 0.6
    assert next(r for r in refs if r.id == "Qwen/Qwen2.5-32B-Instruct").confidence == pytest.approx(0.95)


def test_prose_product_names_in_markdown_are_not_models(kb):
    assert not [r for r in run(kb, TEXT) if r.context is DOCS and "gpt" in r.id.lower()]


def test_minified_notebook_reports_its_one_line(kb):
    text = json.dumps(NB)
    assert "\n" not in text
    got = {(r.id, r.line, r.column, r.cell) for r in run(kb, text) if r.kind is M}
    assert got == {
        ("BAAI/bge-m3", 1, text.index("BAAI/bge-m3") + 1, 1),
        ("Qwen/Qwen2.5-1.5B-Instruct", 1, text.index("Qwen/Qwen2.5-1.5B") + 1, 2),
        ("gpt-4o", 1, text.index('gpt-4o\\"') + 1, 2),
        ("Qwen/Qwen2.5-32B-Instruct", 1, text.index("Qwen/Qwen2.5-32B") + 1, 3),
        ("google/gemma-2-9b-it", 1, text.index("google/gemma") + 1, 4),
    }


def test_escapes_in_the_json_string_are_counted_in_the_file_column(kb):
    # ensure_ascii: "ü" is written \u00fc (6 characters in the file); \" takes 2
    nb = notebook([("code", ['s = "Gr\u00fc\u00dfe"; t = AutoTokenizer.from_pretrained("gpt2")'])])
    text = json.dumps(nb, indent=1)
    line = text.split("\n")[6]
    assert line == '    "s = \\"Gr\\u00fc\\u00dfe\\"; t = AutoTokenizer.from_pretrained(\\"gpt2\\")"'
    (ref,) = run(kb, text)
    assert (ref.id, ref.line, ref.column, ref.cell) == ("gpt2", 7, 67, 1)


def test_source_as_one_string(kb):
    nb = notebook([("markdown", "intro"), ("code", "import os\nm = AutoModel.from_pretrained('google/gemma-2b')\n")])
    text = json.dumps(nb, indent=1)
    (ref,) = [r for r in run(kb, text) if r.kind is M]
    assert (ref.line, ref.column, ref.cell) == (11, 57, 2)
    assert text.split("\n")[10][ref.column - 1:].startswith("google/gemma-2b")


def test_magics_do_not_break_parsing(kb):
    nb = notebook([("code", ["%matplotlib inline\n", "x = !ls\n", "tok?\n",
                             "for name in ['google/gemma-2b']:\n", "    !echo {name}\n",
                             "    AutoModel.from_pretrained(name)\n"])])
    refs = run(kb, json.dumps(nb, indent=1))
    (m,) = [r for r in refs if r.kind is M]
    assert (m.id, m.line, m.column, m.confidence) == ("google/gemma-2b", 10, 20, pytest.approx(0.85))


def test_shell_and_foreign_cell_magics(kb):
    nb = notebook([("code", ["%%bash\n", "ollama pull qwen2.5:7b\n"]),
                   ("code", ["%%html\n", "<p>AutoModel.from_pretrained('google/gemma-2b')</p>\n"])])
    refs = run(kb, json.dumps(nb, indent=1))
    assert [(r.id, r.line, r.cell, r.provider) for r in refs if r.kind is M] == [("qwen2.5:7b", 8, 1, "ollama")]


def test_code_of_another_language_is_not_read_as_python(kb):
    nb = notebook([("code", ["library(httr)\n", "m <- from_pretrained('google/gemma-2b')\n"])], language="R")
    assert [r for r in run(kb, json.dumps(nb, indent=1)) if r.kind is M] == []


def test_outputs_are_not_read(kb):
    nb = notebook([("code", ["print(1)\n"])])
    nb["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["using meta-llama/Llama-3.1-8B\n"]}]
    assert run(kb, json.dumps(nb, indent=1)) == []


@pytest.mark.parametrize("text", ['{"cells": [', "not json", '{"cells": [{"cell_type": "code", "source": ["x"]}'])
def test_malformed_json_raises(kb, text):
    with pytest.raises(ValueError, match=r"^malformed notebook JSON: "):
        run(kb, text)


def test_malformed_notebook_is_a_recorded_skip(kb):
    refs, skips = _run_detector(DET, SourceFile("nb/broken.ipynb", text='{"cells": ['), kb)
    assert refs == [] and len(skips) == 1
    assert skips[0].path == "nb/broken.ipynb" and "malformed notebook JSON" in skips[0].detail


def test_json_that_is_not_a_notebook_raises(kb):
    with pytest.raises(ValueError, match="malformed notebook JSON"):
        run(kb, '{"hello": 1}')


def test_nbformat_3_worksheets(kb):
    nb = {"metadata": {"language": "python"}, "nbformat": 3, "worksheets": [{"cells": [
        {"cell_type": "markdown", "source": ["hi"]},
        {"cell_type": "code", "input": ["import os\n", "m = AutoModel.from_pretrained(\"google/gemma-2b\")"], "language": "python",
         "outputs": []}]}]}
    assert [(r.id, r.line, r.column, r.cell) for r in run(kb, json.dumps(nb, indent=1))] == [("google/gemma-2b", 19, 40, 2)]


def test_crlf_inside_cell_sources(kb):
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [],
                     "source": ["x = 1\r\n", "m = AutoModel.from_pretrained(\"google/gemma-2b\")\r\n"]}], "metadata": {}}
    assert [(r.id, r.line, r.column, r.cell) for r in run(kb, json.dumps(nb, indent=1))] == [("google/gemma-2b", 9, 38, 1)]


def test_writefile_cells_are_python_modules_of_their_own(kb):
    nb = notebook([("code", ["%%writefile serve.py\n", "from vllm import LLM\n", "llm = LLM(model=\"Qwen/Qwen2.5-7B-Instruct\")\n"]),
                   ("code", ["%%writefile notes.txt\n", "AutoModel.from_pretrained('google/gemma-2b')\n"])])
    text = json.dumps(nb, indent=1)
    got = [(r.kind, r.id, r.line, r.column, r.cell) for r in run(kb, text)]
    assert got == [(P, "vllm", 8, 11, 1), (M, "Qwen/Qwen2.5-7B-Instruct", 9, 24, 1)]
