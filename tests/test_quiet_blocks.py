"""``quiet_blocks`` finds top-level statements and triple quotes with searches over the whole text;
it must blank exactly what the plain line-by-line reading below blanks, on real files and on
random layouts of the constructs that decide it (decorators, classes, triple quotes, comments,
closing brackets at column 0, hits anywhere)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from sovaudit.detectors.python import quiet_blocks

REPO = Path(__file__).resolve().parents[1]
_BLOCK_START = re.compile(r"(?:async[ \t]+def|def|class)\b|@")
_TRIPLE = re.compile(r'"""|\'\'\'')


def reference(text: str, hit_lines: set[int]) -> str | None:
    """The definition, one line at a time."""
    lines = text.split("\n")
    starts: list[int] = []
    is_block: list[bool] = []
    open_q = ""
    prev_decorator = False
    for i, line in enumerate(lines):
        if not open_q and line and line[0] not in " \t#)]}":
            block = bool(_BLOCK_START.match(line))
            if not (prev_decorator and block):
                starts.append(i)
                is_block.append(block)
            prev_decorator = line.startswith("@")
        for m in _TRIPLE.finditer(line):
            if not open_q:
                open_q = m.group()
            elif m.group() == open_q:
                open_q = ""
    starts.append(len(lines))
    out = None
    for k in range(len(starts) - 1):
        a, b = starts[k], starts[k + 1]
        if not is_block[k] or any(ln in hit_lines for ln in range(a + 1, b + 1)):
            continue
        chunk = lines[a:b]
        if any("#" in ln or re.match(r"class\b", ln) for ln in chunk):
            continue
        if sum(ln.count('"""') for ln in chunk) % 2 or sum(ln.count("'''") for ln in chunk) % 2:
            continue
        if out is None:
            out = list(lines)
        out[a:b] = [""] * (b - a)
    return None if out is None else "\n".join(out)


FILES = sorted(p for root in ("tests/corpus/tree", "examples", "src/sovaudit") for p in (REPO / root).rglob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_same_as_line_by_line_on_real_files(path):
    text = path.read_text("utf-8").replace("\r\n", "\n")
    n = text.count("\n") + 1
    rnd = random.Random(path.name)
    for hits in (set(), {1}, {n}, set(rnd.sample(range(1, n + 1), min(n, 5))), set(range(1, n + 1, 7))):
        assert quiet_blocks(text, hits) == reference(text, hits)


FRAGMENTS = [
    'def f(x="a"):\n', "    return 1\n", "@dec\n", "@dec(1)\n", "class C:\n", '"""\n', "'''\n", 'x = """doc\n', "y = 1\n",
    "#c\n", ")\n", "]\n", "\n", "async def g():\n", "async  def h():\n", "\tpass\n", "def h(): pass", '"""x"""\n',
    "classy = 2\n", "    class D: pass\n", "class\n", "def k(a=[\n", "1]):\n", "    s = '''\n", "x = 1  # note\n", "\x0cdef z(): pass\n",
    'if __name__ == "__main__":\n', "    main()\n", "def outer(m='q/r'):\n", "    def inner(n='s/t'):\n", "        return n\n",
]


def test_same_as_line_by_line_on_random_layouts():
    rnd = random.Random(7)
    for _ in range(5000):
        text = "".join(rnd.choice(FRAGMENTS) for _ in range(rnd.randint(0, 40)))
        n = text.count("\n") + 1
        hits = set(rnd.sample(range(1, n + 2), min(n, rnd.randint(0, 3))))
        assert quiet_blocks(text, hits) == reference(text, hits), (text, hits)
