"""Shell scripts, Makefiles, Procfiles and Justfiles.

Every command line goes through the shared reader (``commands.py``): serving commands
(``vllm serve X``, ``ollama pull X``, ``huggingface-cli download X`` ... from ``software.commands``),
model flags (``software.model_flags``), ``MODEL=X`` / ``export LLM_MODEL=X`` assignments, container
images in ``docker run``, packages in ``pip install``, provider URLs and credential variables (the
name only). Strings in comments count only when the knowledge base vouches for them, and are
marked as comments.

Makefiles and Justfiles: recipe lines are shell; ``NAME = value`` / ``NAME := value`` assignments
are read like shell assignments. Procfiles: ``name: command`` per line.
"""

from __future__ import annotations

import re
from typing import Iterable

from sovaudit.detectors.base import Detector, SourceFile, basename
from sovaudit.detectors.commands import (
    Hit,
    LineIndex,
    Word,
    analyze_shell,
    assignment_hits,
    comment_hits,
    to_references,
)
from sovaudit.model import Context, Reference
from sovaudit.rules import KnowledgeBase

_SHELL_SUFFIXES = (".sh", ".bash", ".zsh", ".ksh")
_MAKE_ASSIGN_RE = re.compile(r"^\s*(?:(?:export|override|private)\s+)*([A-Za-z_][A-Za-z0-9_.-]*)\s*(?:\?=|:::=|::=|:=|\+=|!=|=)\s*")
_JUST_ASSIGN_RE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_-]*)\s*:=\s*")
_PROC_RE = re.compile(r"^([A-Za-z0-9_-]+)\s*:\s*")


def _logical_lines(text: str) -> Iterable[tuple[str, list[int]]]:
    """Lines with backslash continuations joined, each character with its offset."""
    chars: list[str] = []
    offs: list[int] = []
    o = 0
    for line in text.split("\n"):
        body = line.rstrip("\r")
        cont = body.endswith("\\") and not body.endswith("\\\\")
        if cont:
            body = body[:-1]
        for k, ch in enumerate(body):
            chars.append(ch)
            offs.append(o + k)
        if cont:
            chars.append(" ")
            offs.append(o + len(body))
        else:
            yield "".join(chars), offs
            chars, offs = [], []
        o += len(line) + 1
    if chars:
        yield "".join(chars), offs


def _split_comment(line: str) -> int:
    """Index of a '#' that starts a Makefile comment (not escaped), or -1."""
    i = 0
    while i < len(line):
        if line[i] == "\\":
            i += 2
            continue
        if line[i] == "#":
            return i
        i += 1
    return -1


class ShellDetector(Detector):
    """Serving commands, model flags and model assignments in shell scripts and task files."""

    name = "shell"
    prefilter = "config"

    def applies(self, path: str) -> bool:
        b = basename(path)
        low = b.lower()
        return (low.endswith(_SHELL_SUFFIXES) or low.endswith(".mk") or low in ("makefile", "gnumakefile", "procfile", "justfile", ".justfile")
                or low.startswith("procfile.") or low.endswith(".just"))

    def detect(self, f: SourceFile, kb: KnowledgeBase) -> Iterable[Reference]:
        low = f.name.lower()
        if low.endswith(".mk") or low in ("makefile", "gnumakefile"):
            hits = self._make(f.text, kb)
        elif low in ("justfile", ".justfile") or low.endswith(".just"):
            hits = self._just(f.text, kb)
        elif low == "procfile" or low.startswith("procfile."):
            hits = self._procfile(f.text, kb)
        else:
            hits = analyze_shell(f.text, kb)
        return to_references(self, f, hits, Context.CODE, LineIndex(f.text))

    # -- Makefile -------------------------------------------------------------------------------
    @staticmethod
    def _make(text: str, kb: KnowledgeBase) -> list[Hit]:
        out: list[Hit] = []
        for line, offs in _logical_lines(text):
            if not line.strip():
                continue
            if line.startswith("\t"):  # a recipe line: shell (its '#' is the shell's)
                body = line[1:]
                lead = len(body) - len(body.lstrip(" \t@-+"))
                out.extend(analyze_shell(body[lead:], kb, offs=offs[1 + lead:]))
                continue
            c = _split_comment(line)
            if c >= 0:
                out.extend(comment_hits(line[c + 1:], offs[c + 1] if c + 1 < len(offs) else offs[c] + 1, kb))
                line, offs = line[:c], offs[:c]
            m = _MAKE_ASSIGN_RE.match(line)
            if m:
                value = line[m.end():].rstrip()
                if value:
                    w = Word(value, tuple(offs[m.end():m.end() + len(value)]), offs[m.end()])
                    out.extend(assignment_hits(m.group(1), _strip_quotes(w), kb, offs[m.start(1)]))
                continue
            # target: prerequisites ; recipe
            t = re.match(r"^[^:=#]+::?(?!=)[^;]*;", line)
            if t:
                out.extend(analyze_shell(line[t.end():], kb, offs=offs[t.end():]))
        return out

    # -- Justfile -------------------------------------------------------------------------------
    @staticmethod
    def _just(text: str, kb: KnowledgeBase) -> list[Hit]:
        out: list[Hit] = []
        for line, offs in _logical_lines(text):
            if not line.strip():
                continue
            if line[0] in " \t":  # recipe body
                body = line.lstrip(" \t")
                lead = len(line) - len(body)
                lead2 = len(body) - len(body.lstrip("@-"))
                out.extend(analyze_shell(body[lead2:], kb, offs=offs[lead + lead2:]))
                continue
            if line.lstrip().startswith("#"):
                c = line.index("#")
                if not line.startswith("#!"):
                    out.extend(comment_hits(line[c + 1:], offs[c + 1] if c + 1 < len(offs) else offs[c] + 1, kb))
                continue
            m = _JUST_ASSIGN_RE.match(line)
            if m:
                out.extend(analyze_shell(m.group(1) + "=" + line[m.end():], kb, offs=_assign_offs(offs, m)))
                continue
            # recipe header: name param="default": ...  -- defaults named like a model
            for pm in re.finditer(r"([A-Za-z_][A-Za-z0-9_-]*)=(\"[^\"]*\"|'[^']*')", line):
                val = pm.group(2)[1:-1]
                start = pm.start(2) + 1
                w = Word(val, tuple(offs[start:start + len(val)]), offs[start] if start < len(offs) else 0)
                out.extend(assignment_hits(pm.group(1), w, kb, offs[pm.start(1)]))
        return out

    # -- Procfile -------------------------------------------------------------------------------
    @staticmethod
    def _procfile(text: str, kb: KnowledgeBase) -> list[Hit]:
        out: list[Hit] = []
        for line, offs in _logical_lines(text):
            if line.lstrip().startswith("#"):
                c = line.index("#")
                out.extend(comment_hits(line[c + 1:], offs[c + 1] if c + 1 < len(offs) else offs[c] + 1, kb))
                continue
            m = _PROC_RE.match(line)
            if m:
                out.extend(analyze_shell(line[m.end():], kb, offs=offs[m.end():]))
        return out


def _assign_offs(offs: list[int], m: re.Match) -> list[int]:
    """Offsets for the synthetic text ``NAME=value`` built from a Justfile ``NAME := value``."""
    name_offs = offs[m.start(1):m.end(1)]
    eq = [offs[m.end(1)] if m.end(1) < len(offs) else name_offs[-1] + 1]
    return name_offs + eq + offs[m.end():]


def _strip_quotes(w: Word) -> Word:
    v = w.value
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
        return w.sub(1, len(v) - 1)
    return w
