"""Documentation: Markdown (``.md .markdown .mdx``) and reStructuredText (``.rst``).

* Code blocks -- fenced (``````` and ``~~~``, any indentation, with an info string) and, in reST,
  ``.. code-block:: lang`` / ``.. code:: lang`` / ``.. sourcecode:: lang`` and ``::`` literal
  blocks -- are handed to the detector for their language (python, javascript/typescript, shell,
  dockerfile, yaml, terraform, dotenv/ini, json, Modelfile, requirements). A block without a
  language is sniffed; what cannot be placed is read as shell commands. The inner detector sees a
  synthetic file whose name makes it apply (``README.md#L12/snippet.py``); its references come back
  with the real path, the line and column of the Markdown file, context ``docs`` and 0.9 times the
  confidence. Prompts (``$ ``, ``>>> ``) are removed (columns stay exact); output lines of a
  console session are dropped. A snippet the inner detector cannot parse falls back to a scan for
  strings the knowledge base vouches for.
* Model-card front matter (a ``---`` YAML block opening the file): every ``base_model`` entry is a
  model reference (form ``hf``, context ``config``) with the card's ``base_model_relation`` as
  ``relation`` (``base`` when the card does not say) and the card's ``license`` as
  ``card_license`` (the license of the card's model, not of its base).
* Prose: Hub links (``https://huggingface.co/org/name``) and Hub ids whose namespace the knowledge
  base knows -> model references, context ``docs``, confidence 0.5, attribute ``mention=prose``
  (a mention, not a use: the corpus labelling rules do not count these).
"""

from __future__ import annotations

import bisect
import json
import operator
import re
from itertools import accumulate
from dataclasses import dataclass, replace
from typing import Iterable

from sovaudit.detectors.base import Detector, SourceFile, find_urls, parse_model_string
from sovaudit.model import Context, Kind, Location, Reference, Skipped
from sovaudit.rules import KnowledgeBase

# language -> (detector key, synthetic file name)
_LANGS: dict[str, tuple[str, str]] = {}
for _names, _target in (
    ("python py python3 py3 python2 ipython gradio", ("python", "snippet.py")),
    ("pycon python-repl pyrepl py-repl", ("pycon", "snippet.py")),
    ("js javascript node nodejs mjs cjs es6 ecmascript", ("javascript", "snippet.js")),
    ("jsx", ("javascript", "snippet.jsx")),
    ("ts typescript mts cts", ("javascript", "snippet.ts")),
    ("tsx", ("javascript", "snippet.tsx")),
    ("json jsonc json5 jsonl", ("json", "snippet.json")),
    ("bash sh shell zsh ksh fish", ("shell", "snippet.sh")),
    ("console shell-session shellsession terminal sh-session bash-session", ("console", "snippet.sh")),
    ("dockerfile docker containerfile", ("dockerfile", "Dockerfile")),
    ("yaml yml", ("yaml", "snippet.yaml")),
    ("hcl terraform tf tfvars", ("terraform", "main.tf")),
    ("dotenv env .env", ("envfile", ".env")),
    ("ini cfg conf properties toml", ("envfile", "snippet.ini")),
    ("modelfile ollama", ("modelfile", "Modelfile")),
    ("requirements requirements.txt pip-requirements", ("packages", "requirements.txt")),
    ("http https rest httpie", ("http", "request.http")),
):
    for _n in _names.split():
        _LANGS[_n] = _target

_DETECTOR_CLASSES = {
    "python": ("sovaudit.detectors.python", "PythonDetector"),
    "pycon": ("sovaudit.detectors.python", "PythonDetector"),
    "javascript": ("sovaudit.detectors.javascript", "JavaScriptDetector"),
    "shell": ("sovaudit.detectors.shell", "ShellDetector"),
    "console": ("sovaudit.detectors.shell", "ShellDetector"),
    "dockerfile": ("sovaudit.detectors.dockerfile", "DockerfileDetector"),
    "yaml": ("sovaudit.detectors.yamlfiles", "YamlDetector"),
    "terraform": ("sovaudit.detectors.terraform", "TerraformDetector"),
    "envfile": ("sovaudit.detectors.envfile", "EnvFileDetector"),
    "modelfile": ("sovaudit.detectors.modelfile", "ModelfileDetector"),
    "packages": ("sovaudit.detectors.packages", "PackageDetector"),
    "artifacts": ("sovaudit.detectors.artifacts", "ModelConfigDetector"),
}
_INSTANCES: dict[str, Detector] = {}


def _detector(key: str) -> Detector | None:
    if key not in _INSTANCES:
        mod_name, cls_name = _DETECTOR_CLASSES[key]
        import importlib

        try:
            _INSTANCES[key] = getattr(importlib.import_module(mod_name), cls_name)()
        except (ImportError, AttributeError):  # pragma: no cover - a detector module missing
            return None
    return _INSTANCES[key]


_FENCE_RE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n]*?)[ \t]*$")
_RST_DIRECTIVE_RE = re.compile(r"^(?P<indent>[ \t]*)\.\.[ \t]+(?:code-block|code|sourcecode|jupyter-execute|ipython)::[ \t]*(?P<lang>\S*)")
_RST_OTHER_DIRECTIVE_RE = re.compile(r"^[ \t]*\.\.[ \t]+\S+::")
_HUB_ID_RE = re.compile(r"(?<![\w./@:-])([A-Za-z0-9][\w.-]*/[\w.-]*[A-Za-z0-9_])(?![\w/:-]|\.\w)")  # org/name:tag is an image
_SHELL_PROMPT_RE = re.compile(r"^([ \t]*(?:\(\S+\)[ \t]*)?(?:[\w.@~:/-]*[$#%]|>|PS[^>]*>)[ \t])")
_PY_PROMPT_RE = re.compile(r"^([ \t]*(?:>>>|\.\.\.)(?:[ \t]|$))")


def _line_starts(lines: list[str]) -> list[int]:
    """Offset of each line of ``"\\n".join(lines)`` (computed in C: a long file has many lines)."""
    return list(map(operator.add, accumulate(map(len, lines[:-1]), initial=0), range(len(lines))))


class _LinePos:
    """(line, column), 1-based, of offsets into ``text``; cheap when asked in increasing order."""

    __slots__ = ("text", "off", "line", "start")

    def __init__(self, text: str) -> None:
        self.text, self.off, self.line, self.start = text, 0, 1, 0

    def __call__(self, off: int) -> tuple[int, int]:
        if off < self.off:
            self.off, self.line, self.start = 0, 1, 0
        self.line += self.text.count("\n", self.off, off)
        self.off = off
        nl = self.text.rfind("\n", 0, off)
        self.start = nl + 1
        return self.line, off - self.start + 1


def _hub_ids(text: str) -> Iterable[re.Match]:
    """``_HUB_ID_RE.finditer(text)``, run only on the lines that hold a ``/`` (a match never
    spans lines, and a line edge looks to the pattern like the edge of the text)."""
    pos = text.find("/")
    while pos >= 0:
        a = text.rfind("\n", 0, pos) + 1
        b = text.find("\n", pos)
        if b < 0:
            b = len(text)
        yield from _HUB_ID_RE.finditer(text, a, b)
        pos = text.find("/", b)


@dataclass
class Block:
    lang: str  # normalised info-string language ("" if none)
    info: str
    first_line: int  # 1-based line (in the file) of the block's first content line
    lines: list[str]  # content lines with the common indentation removed
    removed: list[int]  # characters removed from the start of each line
    start: int  # offset of the first content line
    end: int  # offset just past the block (closing fence included)


def _norm_lang(info: str) -> str:
    s = info.strip().strip("{}").lstrip(".")
    if not s:
        return ""
    word = re.split(r"[\s,{}:;=]", s, maxsplit=1)[0].lower()
    return word.lstrip(".") if word not in (".env",) else word


class MarkdownDetector(Detector):
    """Code blocks (through the detector for their language), model-card front matter and Hub
    links in Markdown and reST documentation."""

    name = "markdown"
    prefilter = "config"

    def applies(self, path: str) -> bool:
        return path.lower().endswith((".md", ".markdown", ".mdx", ".rst"))

    def detect(self, f: SourceFile, kb: KnowledgeBase) -> Iterable[Reference | Skipped]:
        text = f.text
        lines = text.split("\n")
        starts = _line_starts(lines)
        out: list[Reference] = []
        masked: list[tuple[int, int]] = []

        fm_end = self._front_matter(f, kb, lines, starts, out)
        if fm_end:
            masked.append((0, starts[fm_end] if fm_end < len(starts) else len(text)))
        rst = f.path.lower().endswith(".rst")
        blocks = self._rst_blocks(lines, starts) if rst else self._md_blocks(lines, starts, fm_end)
        for n, b in enumerate(blocks, 1):
            masked.append((b.start, b.end))
            out.extend(self._block_refs(f, kb, b))
        self._prose(f, kb, text, starts, masked, out)
        # one reference per (kind, id, line, column): the most confident
        best: dict[tuple, Reference] = {}
        for r in out:
            key = (r.kind, r.id, r.line, r.column)
            if key not in best or r.confidence > best[key].confidence:
                best[key] = r
        return sorted(best.values(), key=Reference.sort_key)

    # -- front matter ----------------------------------------------------------------------
    def _front_matter(self, f: SourceFile, kb: KnowledgeBase, lines: list[str], starts: list[int],
                      out: list[Reference]) -> int:
        """Read a leading ``---`` YAML block; return the index of the line after it (0 if none)."""
        if not lines or lines[0].lstrip("\ufeff").rstrip() != "---":
            return 0
        end = 0
        for i in range(1, min(len(lines), 5000)):
            if lines[i].rstrip() in ("---", "..."):
                end = i
                break
        if not end:
            return 0
        body = lines[1:end]
        import yaml

        try:
            meta = yaml.safe_load("\n".join(body))
        except yaml.YAMLError:
            meta = None
        meta = meta if isinstance(meta, dict) else {}
        relation = meta.get("base_model_relation")
        relation = relation.strip().lower() if isinstance(relation, str) and relation.strip() else "base"
        lic = meta.get("license")
        attrs_base: dict[str, str] = {"relation": relation, "key": "base_model"}
        if isinstance(lic, str) and lic.strip():
            attrs_base["card_license"] = lic.strip()
        for line_idx, col0, value in self._key_values(body, "base_model"):
            ms = parse_model_string(value, kb, "hf")
            if ms is None or ms.form not in ("hf", "hf-uri") or "/" not in ms.id:
                continue
            known = kb.lab_for_namespace(ms.id.split("/", 1)[0]) is not None
            out.append(self.ref(f, Kind.MODEL, ms.id, value, line_idx + 2, col0 + 1, "hf", Context.CONFIG,
                                0.95 if known else 0.9, attributes=dict(attrs_base)))
        return end + 1

    @staticmethod
    def _key_values(body: list[str], key: str) -> Iterable[tuple[int, int, str]]:
        """(index in body, 0-based column, value) of every scalar under top-level ``key``:
        ``key: v``, ``key: [a, b]``, ``key:\\n  - a\\n  - b``."""
        key_re = re.compile(rf"^{re.escape(key)}[ \t]*:[ \t]*(.*?)[ \t]*(?:#.*)?$")
        for i, line in enumerate(body):
            m = key_re.match(line)
            if not m:
                continue
            rest = m.group(1)
            rstart = m.start(1)
            if rest.startswith("["):
                inner = rest[1:rest.rfind("]")] if "]" in rest else rest[1:]
                pos = rstart + 1
                for part in inner.split(","):
                    lead = len(part) - len(part.lstrip())
                    v = part.strip()
                    q = 1 if v[:1] in "'\"" else 0
                    if v.strip("'\""):
                        yield i, pos + lead + q, v.strip("'\"")
                    pos += len(part) + 1
            elif rest:
                q = 1 if rest[:1] in "'\"" else 0
                v = rest.strip("'\"")
                if v and v not in ("|", ">", "null", "~"):
                    yield i, rstart + q, v
            else:
                for j in range(i + 1, len(body)):
                    ln = body[j]
                    if not ln.strip() or ln.lstrip().startswith("#"):
                        continue
                    im = re.match(r"^([ \t]*)-[ \t]+(.*?)[ \t]*(?:#.*)?$", ln)
                    if not im:
                        break
                    raw = im.group(2)
                    q = 1 if raw[:1] in "'\"" else 0
                    v = raw.strip("'\"")
                    if v:
                        yield j, im.start(2) + q, v
            return

    # -- blocks ------------------------------------------------------------------------------
    @staticmethod
    def _dedent(raw: list[str], indent: int) -> tuple[list[str], list[int]]:
        out, removed = [], []
        for ln in raw:
            k = 0
            while k < indent and k < len(ln) and ln[k] in " \t":
                k += 1
            out.append(ln[k:])
            removed.append(k)
        return out, removed

    def _md_blocks(self, lines: list[str], starts: list[int], first: int) -> list[Block]:
        blocks: list[Block] = []
        # only lines that hold ``` or ~~~ can open a fence: find those in C over the joined text
        text = "\n".join(lines)
        found: set[int] = set()
        for mark in ("```", "~~~"):
            pos = text.find(mark)
            while pos >= 0:
                found.add(bisect.bisect_right(starts, pos) - 1)
                nl = text.find("\n", pos)
                pos = text.find(mark, nl) if nl >= 0 else -1
        candidates = sorted(found)
        i = first
        n = len(lines)
        while i < n:
            k = bisect.bisect_left(candidates, i)
            if k == len(candidates):
                break
            i = candidates[k]
            m = _FENCE_RE.match(lines[i])
            if not m or (m.group("fence")[0] == "`" and "`" in m.group("info")):
                i += 1
                continue
            fence = m.group("fence")
            indent = len(m.group("indent").expandtabs(4))
            j = i + 1
            close_re = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
            while j < n and not close_re.match(lines[j]):
                j += 1
            raw = lines[i + 1:j]
            content, removed = self._dedent(raw, indent)
            end = starts[j + 1] if j + 1 < len(starts) else sum(len(x) + 1 for x in lines)
            blocks.append(Block(_norm_lang(m.group("info")), m.group("info"), i + 2, content, removed,
                                starts[i + 1] if i + 1 < len(starts) else end, end))
            i = j + 1
        return blocks

    def _rst_blocks(self, lines: list[str], starts: list[int]) -> list[Block]:
        blocks: list[Block] = []
        n = len(lines)
        i = 0
        while i < n:
            line = lines[i]
            m = _RST_DIRECTIVE_RE.match(line)
            lang = ""
            if m:
                lang = m.group("lang").lower()
                base_indent = len(m.group("indent"))
            elif line.rstrip().endswith("::") and not _RST_OTHER_DIRECTIVE_RE.match(line):
                base_indent = len(line) - len(line.lstrip())
            else:
                i += 1
                continue
            j = i + 1
            # directive options (":linenos:") right after the directive
            while m and j < n and re.match(r"^[ \t]+:[\w-]+:", lines[j]):
                j += 1
            body_start = j
            while j < n and not lines[j].strip():
                j += 1
            if j >= n:
                break
            indent = len(lines[j]) - len(lines[j].lstrip())
            if indent <= base_indent:
                i = j
                continue
            k = j
            last = j
            while k < n and (not lines[k].strip() or len(lines[k]) - len(lines[k].lstrip()) >= indent):
                if lines[k].strip():
                    last = k
                k += 1
            raw = lines[body_start:last + 1]
            content, removed = self._dedent(raw, indent)
            end = starts[last + 1] if last + 1 < len(starts) else sum(len(x) + 1 for x in lines)
            blocks.append(Block(_norm_lang(lang), lang, body_start + 1, content, removed, starts[body_start], end))
            i = last + 1
        return blocks

    @staticmethod
    def _sniff(content: list[str]) -> str:
        text = "\n".join(content)
        s = text.strip()
        if not s:
            return ""
        if re.search(r"^\s*(>>>|In \[\d+\]:)", text, re.M):
            return "pycon"
        if re.match(r"^FROM\s+\S+", s) or re.search(r"^FROM\s+\S+", text, re.M):
            if re.search(r"^(PARAMETER|SYSTEM|TEMPLATE|ADAPTER|MESSAGE|LICENSE)\s", text, re.M):
                return "modelfile"
            if re.search(r"^(RUN|CMD|ENTRYPOINT|COPY|ADD|ENV|WORKDIR|EXPOSE|ARG)\s", text, re.M) or re.match(r"^FROM\s+\S+\s*$", s):
                return "dockerfile"
        if re.search(r"^\s*(from\s+[\w.]+\s+import\s|import\s+[\w.]+(\s+as\s+\w+)?\s*$|def\s+\w+\(|class\s+\w+[(:])", text, re.M) \
                or re.search(r"\.from_pretrained\(|^\s*\w+\s*=\s*\w+\(", text, re.M) and "$" not in s[:2]:
            return "python"
        if re.search(r"^\s*(const|let|var)\s+\w+\s*=|^\s*import\s+.+\s+from\s+['\"]|require\(['\"]|^\s*export\s+(default|const|async|function)", text, re.M):
            return "javascript"
        if s[0] in "{[":
            try:
                json.loads(s)
                return "json"
            except ValueError:
                pass
        if re.search(r"^(resource|provider|module|variable|data|terraform)\s+(\"|\w+\s*\{)", text, re.M):
            return "terraform"
        if re.search(r"^(apiVersion|kind|services|version|spec|metadata)\s*:", text, re.M) or re.match(r"^[\w-]+:\s*(\S.*)?$", s.split("\n", 1)[0]) and ":" in s and "=" not in s:
            return "yaml"
        if all(re.match(r"^\s*(#.*)?$|^\s*(export\s+)?[A-Z_][A-Z0-9_]*=", ln) for ln in content):
            return "envfile"
        return "shell"

    def _block_refs(self, f: SourceFile, kb: KnowledgeBase, b: Block) -> list[Reference]:
        lang = b.lang
        if lang in _LANGS:
            key, fname = _LANGS[lang]
        else:
            sniffed = self._sniff(b.lines)
            if not sniffed:
                return []
            key, fname = {
                "pycon": ("pycon", "snippet.py"), "python": ("python", "snippet.py"), "javascript": ("javascript", "snippet.js"),
                "json": ("json", "snippet.json"), "dockerfile": ("dockerfile", "Dockerfile"), "modelfile": ("modelfile", "Modelfile"),
                "terraform": ("terraform", "main.tf"), "yaml": ("yaml", "snippet.yaml"), "envfile": ("envfile", ".env"),
                "shell": ("shell", "snippet.sh"),
            }[sniffed]
        content = list(b.lines)
        if key == "pycon":
            content, b = self._strip_prompts(b, _PY_PROMPT_RE)
        elif key == "console" or (key == "shell" and any(_SHELL_PROMPT_RE.match(x) and x.lstrip()[:1] in "$#%>" for x in content[:3])):
            content, b = self._strip_prompts(b, _SHELL_PROMPT_RE)
        if key == "json":
            joined = "\n".join(content)
            if re.search(r'"(_name_or_path|base_model_name_or_path|architectures)"', joined):
                key, fname = "artifacts", "config.json"
            elif re.search(r'"(dependencies|devDependencies)"\s*:', joined):
                key, fname = "packages", "package.json"
            else:
                key, fname = "javascript", "snippet.js"
        key = {"pycon": "python", "console": "shell"}.get(key, key)
        det = _detector(key) if key in _DETECTOR_CLASSES else None
        text = "\n".join(content)
        inner = SourceFile(f"{f.path}#L{b.first_line}/{fname}", text=text, abs_path="", encoding=f.encoding)
        refs: list[Reference] = []
        failed = det is None
        if det is not None:
            try:
                for item in det.detect(inner, kb):
                    if isinstance(item, Reference):
                        refs.append(item)
            except Exception:  # an illustrative snippet that does not parse: fall back below
                failed = True
        if key == "http":
            # a request: the request line as a command (its URL), the body as JSON
            for k2, name2 in (("shell", "request.sh"), ("javascript", "body.json.js")):
                d2 = _detector(k2)
                if d2 is None:
                    continue
                body = text if k2 == "shell" else self._http_body(content)
                try:
                    refs.extend(i for i in d2.detect(replace(inner, path=f"{f.path}#L{b.first_line}/{name2}", text=body), kb)
                                if isinstance(i, Reference))
                except Exception:
                    failed = True
        if failed or key in ("shell", "http") or not refs:
            refs.extend(self._vouched(inner, kb, text, factor=0.9 * 0.9))
        out: list[Reference] = []
        for r in refs:
            out.append(self._lift(f, b, r))
        return out

    @staticmethod
    def _http_body(content: list[str]) -> str:
        """The body of an HTTP request block (after the first blank line); head lines blanked so
        that line numbers stay."""
        for i, ln in enumerate(content):
            if not ln.strip():
                return "\n".join([""] * (i + 1) + content[i + 1:])
        return ""

    @staticmethod
    def _strip_prompts(b: Block, prompt_re: re.Pattern) -> tuple[list[str], Block]:
        """Remove prompts (``$ ``, ``>>> ``, ``... ``) and blank the output lines of a session that
        has prompts (continuation lines after a backslash are kept). The removed characters are
        added to the block's per-line offsets, so columns stay exact."""
        if not any(prompt_re.match(x) for x in b.lines):
            return list(b.lines), b
        out: list[str] = []
        removed = list(b.removed)
        cont = False
        for idx, ln in enumerate(b.lines):
            m = prompt_re.match(ln)
            if m:
                out.append(ln[m.end(1):])
                removed[idx] += m.end(1)
                cont = ln.rstrip().endswith("\\")
            elif cont:
                out.append(ln)
                cont = ln.rstrip().endswith("\\")
            else:
                out.append("")
        return out, replace(b, lines=out, removed=removed)

    def _lift(self, f: SourceFile, b: Block, r: Reference) -> Reference:
        def place(line: int, col: int) -> tuple[int, int]:
            idx = min(max(line - 1, 0), len(b.removed) - 1) if b.removed else 0
            return b.first_line + line - 1, col + (b.removed[idx] if b.removed else 0)

        line, col = place(r.line, r.column)
        related = tuple(Location(f.path, *place(loc.line, loc.column)) for loc in r.related)
        attrs = dict(r.attributes)
        if b.lang:
            attrs["block_language"] = b.lang
        if r.detector != self.name:
            attrs.setdefault("via", r.detector)
        return replace(r, path=f.path, line=line, column=col, detector=self.name, cell=0,
                       context=Context.DOCS, confidence=round(r.confidence * 0.9, 2) if r.detector != self.name else r.confidence,
                       attributes=tuple(sorted(attrs.items())), related=related)

    # -- free text ---------------------------------------------------------------------------
    def _vouched(self, f: SourceFile, kb: KnowledgeBase, text: str, flat: float = 0.0, factor: float = 1.0,
                 masked: list[tuple[int, int]] = ()) -> list[Reference]:
        """Hub links and Hub ids of publishers the knowledge base knows, anywhere in ``text``;
        confidence ``flat`` if given, else the parsed confidence times ``factor``."""
        pos = _LinePos(text)

        def is_masked(off: int) -> bool:
            return any(a <= off < b for a, b in masked)

        out: list[Reference] = []
        url_spans: list[tuple[int, int]] = []
        for off, url in find_urls(text):
            url_spans.append((off, off + len(url)))
            if is_masked(off):
                continue
            low = url.lower()
            if "huggingface.co/" not in low and "hf.co/" not in low:
                continue
            ms = parse_model_string(url.rstrip(").,;:!?*_`'\""), kb, "")
            if ms is None or ms.form != "hf-uri":
                continue
            line, col = pos(off)
            out.append(self.ref(f, Kind.MODEL, ms.id, url, line, col, "hf-uri", Context.DOCS, flat or ms.confidence * factor))
        for m in _hub_ids(text):
            off = m.start(1)
            if is_masked(off) or any(a <= off < b for a, b in url_spans):
                continue
            tok = m.group(1)
            ms = parse_model_string(tok, kb, "")
            if ms is None or ms.form != "hf":
                continue
            line, col = pos(off)
            out.append(self.ref(f, Kind.MODEL, ms.id, tok, line, col, "hf", Context.DOCS, flat or ms.confidence * factor))
        return out

    def _prose(self, f: SourceFile, kb: KnowledgeBase, text: str, starts: list[int], masked: list[tuple[int, int]],
               out: list[Reference]) -> None:
        # HTML comments are not prose
        spans = list(masked) + [(m.start(), m.end()) for m in re.finditer(r"<!--.*?-->", text, re.S)]
        for r in self._vouched(f, kb, text, flat=0.5, masked=spans):
            out.append(replace(r, attributes=tuple(sorted(dict(r.attributes, mention="prose").items()))))
