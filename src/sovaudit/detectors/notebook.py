"""Jupyter notebooks (``*.ipynb``): the code cells go through the Python detector, the markdown cells
are read for model ids the knowledge base vouches for (context ``docs``).

Code cells are analysed together, as the kernel runs them, so a client made in one cell attributes
the calls of a later one and a constant defined in one cell propagates to another. IPython syntax
(``%pip``, ``!ls``, ``%%time``, ``x?``) is blanked out before parsing; a cell that still does not
parse goes through the line scanner on its own; a ``%%writefile app.py`` cell is analysed as a
module of its own. Shell commands (``!huggingface-cli download X``,
``%pip install dashscope``, ``%%bash`` cells) go through the shared command-line reader. Cells in
another language's cell magic (``%%html``...) are skipped. Outputs are not read.

Every reference is reported at the line (and column) **of the notebook file** where its string is
written -- the ``.ipynb`` JSON keeps each source line as a JSON string, normally on its own line --
with ``cell`` set to the 1-based cell index. A minified notebook reports the one line it has.
Malformed JSON raises ``ValueError("malformed notebook JSON: ...")``; the scanner records the skip.
"""

from __future__ import annotations

import ast
import bisect
import json
import json.scanner
import re
from typing import Iterable

from sovaudit.detectors.base import Detector, SourceFile, parse_model_string
from sovaudit.detectors.commands import analyze_shell
from sovaudit.detectors.python import (
    Sighting,
    analyze,
    free_text_models,
    merge_sightings,
    to_references,
)
from sovaudit.model import Context, Kind, Reference
from sovaudit.rules import KnowledgeBase

_C_DOCS = 0.5
#: Cell magics whose body is not Python.
_FOREIGN_CELL_MAGICS = frozenset({
    "bash", "sh", "script", "html", "javascript", "js", "latex", "markdown", "perl", "ruby", "svg", "sql",
    "powershell", "cmd", "file", "writefile", "R", "r", "octave", "julia", "sx", "system",
})
_MAGIC_LINE_RE = re.compile(r"^\s*(?:%{1,2}[A-Za-z_]|![^=]|\?\??\w|[\w.]+\?\??\s*$|[\w, ]+=\s*(?:%[A-Za-z_]|![^=]))")
# automagic commands IPython runs without a % (``pip install x``)
_AUTOMAGIC_RE = re.compile(r"^\s*(?:pip|conda|cd|ls|mkdir|cat|rm|cp|mv|pwd|env|set_env|load_ext|matplotlib|timeit|time)\s+[^=(\[]")


class _PosStr(str):
    """A decoded JSON string that remembers the offset of its first character in the file."""

    offset: int = -1


def _load(text: str):
    dec = json.JSONDecoder()
    plain = dec.parse_string

    def parse_string(s, idx, strict):
        value, end = plain(s, idx, strict)
        p = _PosStr(value)
        p.offset = idx
        return p, end

    dec.parse_string = parse_string
    dec.scan_once = json.scanner.py_make_scanner(dec)
    try:
        return dec.decode(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"malformed notebook JSON: {exc}") from None


def _raw_index(text: str, start: int, k: int) -> int:
    """File offset of the ``k``-th decoded character of the JSON string whose content starts at ``start``."""
    i, n, end = start, 0, len(text)
    while n < k and i < end:
        if text[i] == "\\" and i + 1 < end:
            if text[i + 1] == "u":
                cp = int(text[i + 2:i + 6], 16) if re.fullmatch(r"[0-9a-fA-F]{4}", text[i + 2:i + 6]) else 0
                i += 6
                if 0xD800 <= cp < 0xDC00 and text.startswith("\\u", i) and re.fullmatch(r"[dD][c-fC-F][0-9a-fA-F]{2}", text[i + 2:i + 6]):
                    i += 6
            else:
                i += 2
        else:
            i += 1
        n += 1
    return i


class _Cell:
    """One cell's source: the pieces as decoded, each with where it starts in the file."""

    def __init__(self, index: int, source, fallback_offset: int):
        self.index = index
        if isinstance(source, str):
            pieces = [source]
        elif isinstance(source, list):
            pieces = [p for p in source if isinstance(p, str)]
        else:
            pieces = []
        self.pieces = pieces
        self.text = "".join(pieces)
        self.piece_starts = []
        n = 0
        for p in pieces:
            self.piece_starts.append(n)
            n += len(p)
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        self.fallback_offset = fallback_offset

    def file_offset(self, file_text: str, line: int, col: int) -> int:
        """File offset of (1-based line, 1-based column) of this cell's source."""
        if not self.pieces:
            return self.fallback_offset
        idx = self.line_starts[min(max(line, 1), len(self.line_starts)) - 1] + col - 1
        idx = max(0, min(idx, len(self.text)))
        i = max(0, bisect.bisect_right(self.piece_starts, idx) - 1)
        piece = self.pieces[i]
        start = getattr(piece, "offset", -1)
        if start < 0:
            return self.fallback_offset
        return _raw_index(file_text, start, idx - self.piece_starts[i])


_SHELL_CELL_MAGICS = frozenset({"bash", "sh", "script", "system", "sx"})
_SHELL_LINE_RE = re.compile(r"^(\s*(?:[\w, ]+=\s*)?)(?:!!?|%(?=(?:pip|conda|uv)\b)|%(?:sx|system)\s+)(?=\S)")


def _shell_parts(cell_text: str) -> list[tuple[int, str]]:
    """(offset in the cell, command text) of the shell commands a cell runs: ``!cmd`` lines,
    ``%pip``/``%conda`` lines and the body of a ``%%bash``/``%%sh`` cell."""
    text = cell_text.replace("\r\n", " \n").replace("\r", "\n")
    first = text.split("\n", 1)[0].strip()
    if first.startswith("%%"):
        words = first[2:].split()
        if words and words[0] in _SHELL_CELL_MAGICS:
            nl = text.find("\n")
            return [(nl + 1, text[nl + 1:])] if nl >= 0 else []
        if words and words[0] in _FOREIGN_CELL_MAGICS:
            return []
    out = []
    off = 0
    for ln in text.split("\n"):
        m = _SHELL_LINE_RE.match(ln)
        if m:
            out.append((off + m.end(), ln[m.end():]))
        off += len(ln) + 1
    return out


def _written_python(cell_text: str) -> str | None:
    """The body of a ``%%writefile name.py`` cell (first line blanked), else None."""
    first, sep, rest = cell_text.partition("\n")
    words = first.strip().split()
    if len(words) >= 2 and words[0] in ("%%writefile", "%%file") and words[-1].lower().endswith((".py", ".pyi")):
        return "\n" + rest.replace("\r\n", " \n").replace("\r", "\n")
    return None


def _python_source(cell_text: str) -> str | None:
    """The cell with IPython syntax blanked out (same length lines), or None for a non-Python cell."""
    # keep every character index: CRLF -> " \n", lone CR -> "\n"
    text = cell_text.replace("\r\n", " \n").replace("\r", "\n")
    lines = text.split("\n")
    first = lines[0].lstrip() if lines else ""
    if first.startswith("%%"):
        magic = first[2:].split(None, 1)[0] if first[2:].strip() else ""
        if magic in _FOREIGN_CELL_MAGICS:
            return None
        lines[0] = ""
    else:
        try:
            ast.parse(text)
            return text  # plain Python: nothing to blank (a line starting with % may be a continuation)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
    out = []
    for ln in lines:
        if _MAGIC_LINE_RE.match(ln) or _AUTOMAGIC_RE.match(ln):
            indent = ln[: len(ln) - len(ln.lstrip())]
            out.append(indent + "pass" if indent else "")
        else:
            out.append(ln)
    return "\n".join(out)


class NotebookDetector(Detector):
    """Models, endpoints and packages in Jupyter notebooks: code cells as Python, markdown as docs."""

    name = "notebook"
    prefilter = "code"

    def applies(self, path: str) -> bool:
        return path.lower().endswith(".ipynb")

    def detect(self, f: SourceFile, kb: KnowledgeBase) -> Iterable[Reference]:
        text = f.text
        data = _load(text)
        if not isinstance(data, dict):
            raise ValueError("malformed notebook JSON: top level is not an object")
        cells_raw = data.get("cells")
        if cells_raw is None and isinstance(data.get("worksheets"), list):  # nbformat 3
            cells_raw = [c for ws in data["worksheets"] if isinstance(ws, dict) for c in ws.get("cells", []) or []]
        if not isinstance(cells_raw, list):
            raise ValueError("malformed notebook JSON: no 'cells' list")
        meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        lang = str((meta.get("kernelspec") or {}).get("language") or (meta.get("language_info") or {}).get("name")
                   or meta.get("language") or "python").lower()

        newlines = [m.start() for m in re.finditer("\n", text)]

        def line_col(offset: int) -> tuple[int, int]:
            i = bisect.bisect_left(newlines, offset)
            start = newlines[i - 1] + 1 if i > 0 else 0
            return i + 1, offset - start + 1

        code: list[tuple[_Cell, str]] = []
        refs: list[Reference] = []
        for i, c in enumerate(cells_raw, 1):
            if not isinstance(c, dict):
                continue
            ctype = c.get("cell_type")
            src = c.get("source", c.get("input")) if ctype == "code" else c.get("source")
            anchor = c.get("cell_type")
            cell = _Cell(i, src, getattr(anchor, "offset", 0))
            if ctype == "code" and "python" in lang:
                written = _written_python(cell.text)
                py = _python_source(cell.text)
                if written is not None:
                    # %%writefile app.py: a module of its own, not run in the kernel
                    sightings, _ = analyze(written, kb)
                    refs.extend(self._refs(f, sightings, [(1, cell)], text, line_col))
                elif py is not None:
                    code.append((cell, py))
                refs.extend(self._shell(f, kb, cell, text, line_col))
            elif ctype == "markdown":
                refs.extend(self._markdown(f, kb, cell, text, line_col))

        refs.extend(self._code(f, kb, code, text, line_col))
        return sorted(refs, key=Reference.sort_key)

    # -- code cells ------------------------------------------------------------------------
    def _code(self, f, kb, code: list[tuple[_Cell, str]], text: str, line_col) -> list[Reference]:
        """Cells that parse are analysed as one module (state flows from cell to cell); the others
        go through the line scanner one by one."""
        parsed: list[tuple[_Cell, str]] = []
        out: list[Reference] = []
        for cell, py in code:
            try:
                ast.parse(py)
                parsed.append((cell, py))
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                sightings, _ = analyze(py, kb)  # falls back to the line scanner
                out.extend(self._refs(f, sightings, [(1, cell)], text, line_col))
        if parsed:
            parts, starts, line = [], [], 1
            for cell, py in parsed:
                starts.append((line, cell))
                body = py if py.endswith("\n") else py + "\n"
                parts.append(body)
                line += body.count("\n")
            sightings, ok = analyze("".join(parts), kb)
            if not ok:  # pragma: no cover - each cell parsed on its own
                sightings = []
                for cell, py in parsed:
                    s, _ = analyze(py, kb)
                    out.extend(self._refs(f, s, [(1, cell)], text, line_col))
            out.extend(self._refs(f, sightings, starts, text, line_col))
        return out

    def _refs(self, f, sightings: list[Sighting], starts: list[tuple[int, _Cell]], text: str, line_col) -> list[Reference]:
        first_lines = [s[0] for s in starts]

        def where(line: int, col: int) -> tuple[int, int, int]:
            i = max(0, bisect.bisect_right(first_lines, line) - 1)
            first, cell = starts[i]
            off = cell.file_offset(text, line - first + 1, col)
            fl, fc = line_col(off)
            return fl, fc, cell.index

        return list(to_references(self, f, sightings, where))

    # -- shell lines -----------------------------------------------------------------------
    def _shell(self, f, kb, cell: _Cell, text: str, line_col) -> list[Reference]:
        """``!huggingface-cli download X``, ``%pip install dashscope``, ``%%bash`` bodies: through the
        shared command-line reader."""
        parts = _shell_parts(cell.text)
        if not parts:
            return []
        sightings = []
        for off, cmd in parts:
            for h in analyze_shell(cmd, kb, base=off):
                i = bisect.bisect_right(cell.line_starts, h.offset) - 1
                sightings.append(Sighting(h.kind, h.id, h.text, i + 1, h.offset - cell.line_starts[i] + 1, h.form,
                                          Context.COMMENT if h.comment else Context.CODE, h.confidence, h.provider,
                                          dict(h.attributes)))
        return self._refs(f, merge_sightings(sightings), [(1, cell)], text, line_col)

    # -- markdown cells --------------------------------------------------------------------
    def _markdown(self, f, kb, cell: _Cell, text: str, line_col) -> list[Reference]:
        cache: dict = {}

        def parse(s, h):
            if (s, h) not in cache:
                cache[(s, h)] = parse_model_string(s, kb, h)
            return cache[(s, h)]

        sightings = []
        for ln, line in enumerate(cell.text.split("\n"), 1):
            for off, word, ms in free_text_models(line, parse, urls=True):
                sightings.append(Sighting(Kind.MODEL, ms.id, word, ln, off + 1, ms.form, Context.DOCS,
                                          min(_C_DOCS, ms.confidence), ms.provider, dict(ms.attributes)))
        return self._refs(f, merge_sightings(sightings), [(1, cell)], text, line_col)
