"""Dockerfiles and Containerfiles.

Finds: ``FROM`` base images that reveal hardware (CUDA, ROCm, Ascend, Gaudi, Neuron) or a serving
stack (vLLM, TGI, Ollama, NIM -- and the model a NIM image carries), all via ``kb.images``; models
given on ``RUN``/``CMD``/``ENTRYPOINT`` command lines (exec and shell form, here-documents,
``ENTRYPOINT`` + ``CMD`` read together); ``ENV``/``ARG`` values whose name says model, images in
``ARG`` defaults, provider endpoints and provider credential variables (name only, never the
value); vouched-for model ids in comments.

Line continuations are joined for parsing while every character keeps its own position, so a
model on the third line of a ``RUN`` is reported on that line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Iterable

from sovaudit.detectors.base import Detector, SourceFile, basename
from sovaudit.detectors.commands import (
    Hit,
    LineIndex,
    Word,
    analyze_argv,
    analyze_shell,
    assignment_hits,
    comment_hits,
    env_key_hit,
    is_secret_name,
    image_hits,
    split_script,
    to_references,
)
from sovaudit.model import Context, Reference
from sovaudit.rules import KnowledgeBase

_DIRECTIVE_RE = re.compile(r"^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$")
_HEREDOC_RE = re.compile(r"<<(-?)\s*([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")


@dataclass
class Instruction:
    keyword: str  # upper-case
    text: str  # arguments, continuations joined
    offs: list[int]  # absolute offset of every character of ``text``
    heredocs: list[Word]


def parse_dockerfile(src: str) -> tuple[list[Instruction], list[tuple[str, int]]]:
    """Split a Dockerfile into instructions (with per-character positions) and comments."""
    lines = src.split("\n")
    starts = []
    o = 0
    for ln in lines:
        starts.append(o)
        o += len(ln) + 1
    escape = "\\"
    comments: list[tuple[str, int]] = []
    out: list[Instruction] = []
    i = 0
    directives = True
    n = len(lines)
    while i < n:
        line = lines[i].rstrip("\r")
        stripped = line.lstrip()
        lead = len(line) - len(stripped)
        if not stripped:
            directives = False
            i += 1
            continue
        if stripped.startswith("#"):
            m = _DIRECTIVE_RE.match(stripped)
            if directives and m:
                if m.group(1).lower() == "escape" and m.group(2) in ("\\", "`"):
                    escape = m.group(2)
                i += 1
                continue
            comments.append((stripped[1:], starts[i] + lead + 1))
            i += 1
            continue
        directives = False
        # the instruction, with continuation lines
        chars: list[str] = []
        offs: list[int] = []
        j = i
        first = True
        while j < n:
            ln = lines[j].rstrip("\r")
            if not first and ln.lstrip().startswith("#"):  # comment lines inside a continuation are dropped
                j += 1
                continue
            seg_start = lead if first else 0
            body = ln[seg_start:]
            cont = body.rstrip().endswith(escape)
            if cont:
                body = body.rstrip()[:-1]
            for k, ch in enumerate(body):
                chars.append(ch)
                offs.append(starts[j] + seg_start + k)
            first = False
            j += 1
            if not cont:
                break
            chars.append(" ")
            offs.append(starts[j - 1] + len(ln))
        text = "".join(chars)
        m = re.match(r"(\S+)\s*", text)
        kw = m.group(1).upper() if m else ""
        args = text[m.end():] if m else ""
        aoffs = offs[m.end():] if m else []
        # here-documents (RUN <<EOF ... EOF)
        heredocs: list[Word] = []
        for hm in _HEREDOC_RE.finditer(args):
            strip_tabs, delim = hm.group(1) == "-", hm.group(3)
            bchars: list[str] = []
            boffs: list[int] = []
            while j < n:
                ln = lines[j].rstrip("\r")
                j += 1
                if (ln.lstrip("\t") if strip_tabs else ln) == delim:
                    break
                for k, ch in enumerate(ln + "\n"):
                    bchars.append(ch)
                    boffs.append(starts[j - 1] + k)
            if bchars:
                heredocs.append(Word("".join(bchars), tuple(boffs), boffs[0]))
        out.append(Instruction(kw, args, aoffs, heredocs))
        i = j
    return out, comments


_JSON_STR_RE = re.compile(r'"((?:[^"\\]|\\.)*)"')


def exec_form(text: str, offs: list[int]) -> list[Word] | None:
    """``["a", "b"]`` -> words with positions; None if not a JSON array of strings."""
    s = text.strip()
    if not (s.startswith("[") and s.endswith("]")):
        return None
    try:
        data = json.loads(s)
    except ValueError:
        return None
    if not isinstance(data, list) or not all(isinstance(x, str) for x in data):
        return None
    lead = len(text) - len(text.lstrip())
    words: list[Word] = []
    for m in _JSON_STR_RE.finditer(s):
        raw = m.group(1)
        vchars: list[str] = []
        voffs: list[int] = []
        k = 0
        base = lead + m.start(1)
        while k < len(raw):
            if raw[k] == "\\" and k + 1 < len(raw):
                length = 6 if raw[k + 1] == "u" else 2
                try:
                    ch = json.loads('"' + raw[k : k + length] + '"')
                except ValueError:
                    ch = raw[k + 1]
                vchars.append(ch)
                voffs.append(offs[base + k])
                k += length
                continue
            vchars.append(raw[k])
            voffs.append(offs[base + k])
            k += 1
        start = offs[base] if base < len(offs) else (offs[-1] if offs else 0)
        words.append(Word("".join(vchars), tuple(voffs), voffs[0] if voffs else start))
    return words if len(words) == len(data) else None


class DockerfileDetector(Detector):
    """Base images, serving commands, model flags and model-named ENV/ARG values in Dockerfiles."""

    name = "dockerfile"

    def applies(self, path: str) -> bool:
        b = basename(path)
        low = b.lower()
        return (low in ("dockerfile", "containerfile") or low.startswith(("dockerfile.", "containerfile."))
                or low.endswith((".dockerfile", ".containerfile")))

    def detect(self, f: SourceFile, kb: KnowledgeBase) -> Iterable[Reference]:
        instructions, comments = parse_dockerfile(f.text)
        hits: list[Hit] = []
        entrypoint: list[Word] | None = None
        cmd: list[Word] | None = None

        def flush() -> None:
            nonlocal entrypoint, cmd
            if entrypoint is not None and cmd is not None:
                hits.extend(analyze_argv(entrypoint + cmd, kb))
            else:
                for part in (entrypoint, cmd):
                    if part is not None:
                        hits.extend(analyze_argv(part, kb))
            entrypoint = cmd = None

        for ins in instructions:
            kw, text, offs = ins.keyword, ins.text, ins.offs
            if kw == "FROM":
                flush()
                hits.extend(self._from(text, offs, kb))
            elif kw in ("RUN", "CMD", "ENTRYPOINT", "HEALTHCHECK"):
                if kw == "HEALTHCHECK":
                    m = re.search(r"(?:^|\s)CMD\s+", text, re.IGNORECASE)
                    if not m:
                        continue
                    text, offs = text[m.end():], offs[m.end():]
                if kw == "RUN":  # RUN --mount=... --network=... flags
                    m = re.match(r"(?:--[a-z-]+=\S+\s+)*", text)
                    text, offs = text[m.end():], offs[m.end():]
                words = exec_form(text, offs)
                if words is not None:
                    if kw == "ENTRYPOINT":
                        entrypoint = words
                    elif kw == "CMD":
                        cmd = words
                    else:
                        hits.extend(analyze_argv(words, kb))
                elif text.strip():
                    hits.extend(analyze_shell(text, kb, offs=offs or None, comments=False))
                    if kw == "ENTRYPOINT":
                        entrypoint = None
                    elif kw == "CMD":
                        cmd = None
                for body in ins.heredocs:
                    hits.extend(analyze_shell(body.value, kb, offs=body.offs))
            elif kw in ("ENV", "ARG"):
                hits.extend(self._env(kw, text, offs, kb))
        flush()
        for ctext, start in comments:
            hits.extend(comment_hits(ctext, start, kb))
        return to_references(self, f, hits, Context.CONFIG, LineIndex(f.text))

    @staticmethod
    def _from(text: str, offs: list[int], kb: KnowledgeBase) -> list[Hit]:
        script = split_script(text, offs=offs or None, comments=False)
        words = [w for c in script.commands for w in c]
        words = [w for w in words if not w.value.startswith("--")]
        if not words:
            return []
        return image_hits(words[0], kb)

    @staticmethod
    def _env(kw: str, text: str, offs: list[int], kb: KnowledgeBase) -> list[Hit]:
        script = split_script(text, offs=offs or None, comments=False)
        words = [w for c in script.commands for w in c]
        if not words:
            return []
        out: list[Hit] = []
        if kw == "ENV" and "=" not in words[0].value:
            # legacy form: ENV NAME value
            if len(words) >= 2:
                pairs = [(words[0].value, words[1], words[0].start)]
            else:
                pairs = []
        else:
            pairs = []
            for w in words:
                name, eq, _ = w.value.partition("=")
                if eq:
                    pairs.append((name, w.sub(len(name) + 1), w.start))
                else:  # ARG NAME (no default): only the name says anything
                    h = env_key_hit(name, w.start, kb)
                    if h is not None:
                        out.append(h)
        for name, value, at in pairs:
            out.extend(assignment_hits(name, value, kb, at))
            if not is_secret_name(name):
                out.extend(image_hits(value, kb))
        return out
