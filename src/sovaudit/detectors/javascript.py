"""JavaScript and TypeScript sources (``.js .mjs .cjs .jsx .ts .tsx .mts .cts``; not ``.min.js``,
not ``.d.ts``).

No JS parser is among the dependencies, so this works on tokens: a small tokenizer drops comments,
reads string literals ('...', "...", and `template` literals -- a template without ``${}`` is a plain
string, one with substitutions keeps only its literal parts), regular-expression literals and
brackets, and each string literal is then placed by looking at the tokens around it:

* the value of an object property or variable named like a model (``model``, ``modelName``,
  ``model_id``, ``DEFAULT_MODEL`` ...), also behind a fallback (``process.env.X ?? "default"`` /
  ``|| "default"``, with the variable in ``env_var``), a ternary or a default parameter, and
  elements of an array under such a name -> a model reference (``parse_model_string`` decides
  whether the string names one); values of an object bound to such a name
  (``MODELS = {fast: "..."}``) only when the knowledge base vouches for them;
* the first argument of a provider function (Vercel AI SDK ``openai("gpt-4o")``,
  ``anthropic.languageModel("...")``, a client made by ``createOpenAI(...)``), the second argument
  of transformers.js ``pipeline(task, model)`` and the first of ``from_pretrained(...)``;
* ``baseURL`` / ``baseUrl`` / ``basePath`` (and similar) URLs -> an endpoint, and any URL whose host
  the knowledge base knows -> an endpoint (form ``url``);
* ``import ... from "pkg"``, ``import "pkg"``, ``export ... from "pkg"``, ``require("pkg")``,
  ``import("pkg")`` of npm packages the knowledge base knows -> a package reference (form
  ``import``);
* comments: only strings the knowledge base vouches for (a known publisher's Hub id or link, an
  API model name, a known provider's URL), context ``comment``.

A string in no such position (a log message, a display label, an argument of an unknown function)
is not a reference, even when it names a model.

The provider is attributed per call: a model string inside ``client.chat.completions.create({...})``
gets the provider of the client bound to ``client`` in this file (``new OpenAI(...)``,
``createOpenAI(...)``; a ``baseURL`` the knowledge base knows overrides the class), a string inside
``new ChatOpenAI({...})`` the provider of that class, a string in a ``fetch(url, {...})`` body the
provider of that URL. Names of classes and functions are looked up in the knowledge base
(``js_clients``, then the provider of the npm package they were imported from); nothing about
providers is written here. A constant used as ``model: MODEL`` is reported where the string is
written, with the use site in ``related``.
"""

from __future__ import annotations

import bisect
import re
from urllib.parse import urlsplit
from dataclasses import dataclass, field
from typing import Iterable

from sovaudit.detectors.base import Detector, SourceFile, find_urls, normalize_url, parse_model_string
from sovaudit.model import Context, Kind, Location, Reference
from sovaudit.rules import Entry, KnowledgeBase

_EXTS = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".mts", ".cts")

# -- tokenizer -------------------------------------------------------------------------------

ID, STR, TPL, NUM, PUN, REGEX = "id", "str", "tpl", "num", "pun", "re"

_PUNCTS = sorted(
    (">>>=", "...", "===", "!==", "**=", "<<=", ">>=", ">>>", "??=", "&&=", "||=", "=>", "==", "!=", "<=", ">=",
     "&&", "||", "??", "?.", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "**", "<<", ">>"),
    key=len, reverse=True,
)
_ID_RE = re.compile(r"[A-Za-z_$\u00c0-\uffff#][\w$\u00c0-\uffff]*")
_NUM_RE = re.compile(r"(?:0[xXoObB][0-9a-fA-F_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?)n?")
_REGEX_PREV_KEYWORDS = frozenset(
    "return typeof instanceof in of new delete void throw case do else yield await".split()
)
_WS_RE = re.compile(r"[ \t\r\n\f\v\u00a0\ufeff\u2028\u2029]+")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_DQ_RE = re.compile(r'"([^"\\\n\r]*(?:\\(?:\r\n|[\s\S])[^"\\\n\r]*)*)"')
_SQ_RE = re.compile(r"'([^'\\\n\r]*(?:\\(?:\r\n|[\s\S])[^'\\\n\r]*)*)'")
_ESC_RE = re.compile(r"\\(\r\n|[\s\S])")
_TPL_CHUNK_RE = re.compile(r"[^`\\$]+")
_PUNCT_RE = re.compile("|".join(re.escape(p) for p in _PUNCTS))


def _unescape(raw: str) -> str:
    def sub(m: re.Match) -> str:
        e = m.group(1)
        if e in ("\r\n", "\n", "\r", "\u2028", "\u2029"):
            return ""  # a line continuation
        return _ESCAPES.get(e, e)

    return _ESC_RE.sub(sub, raw)


@dataclass(slots=True)
class Tok:
    kind: str
    value: str  # decoded value for strings, text otherwise
    start: int  # offset of the first character (for strings: the first character inside the quotes)
    end: int
    parent: int = -1  # index of the innermost open bracket token enclosing this token
    arg: int = 0  # commas seen in that bracket before this token
    close: int = -1  # for an open bracket: index of its closing token
    open: int = -1  # for a closing bracket: index of its opening token


def tokenize(src: str, comments: list[tuple[int, str]] | None = None) -> list[Tok]:
    """Tokens of ``src``; comments (offset of their text, text) are appended to ``comments``."""
    toks: list[Tok] = []
    n = len(src)
    i = 0
    if src.startswith("#!"):
        i = src.find("\n")
        i = n if i < 0 else i
    tpl_stack: list[int] = []  # brace depth at which each open ``${`` started
    depth = 0

    def template(i: int, head: bool) -> int:
        """Scan template text from ``i`` (just after ` or the } closing a substitution)."""
        start = i
        buf: list[str] = []
        while i < n:
            m = _TPL_CHUNK_RE.match(src, i)
            if m:
                buf.append(m.group(0))
                i = m.end()
                continue
            c = src[i]
            if c == "\\" and i + 1 < n:
                buf.append(_ESCAPES.get(src[i + 1], src[i + 1]))
                i += 2
                continue
            if c == "`":
                kind = STR if head else TPL
                toks.append(Tok(kind, "".join(buf), start, i))
                return i + 1
            if c == "$" and i + 1 < n and src[i + 1] == "{":
                toks.append(Tok(TPL, "".join(buf), start, i))
                tpl_stack.append(depth)
                return i + 2
            buf.append(c)
            i += 1
        toks.append(Tok(TPL, "".join(buf), start, n))
        return n

    while i < n:
        m = _WS_RE.match(src, i)
        if m:
            i = m.end()
            if i >= n:
                break
        c = src[i]
        nxt = src[i + 1] if i + 1 < n else ""
        if c == "/" and nxt == "/":
            j = src.find("\n", i)
            j = n if j < 0 else j
            if comments is not None:
                comments.append((i + 2, src[i + 2:j]))
            i = j
            continue
        if c == "/" and nxt == "*":
            j = src.find("*/", i + 2)
            j = n if j < 0 else j
            if comments is not None:
                comments.append((i + 2, src[i + 2:j]))
            i = j + 2
            continue
        if c == '"' or c == "'":
            m = (_DQ_RE if c == '"' else _SQ_RE).match(src, i)
            if m is None:  # unterminated (an apostrophe in JSX text): not a string
                i += 1
                continue
            raw = m.group(1)
            toks.append(Tok(STR, _unescape(raw) if "\\" in raw else raw, i + 1, m.end() - 1))
            i = m.end()
            continue
        if c == "`":
            i = template(i + 1, True)
            continue
        if c == "}" and tpl_stack and depth == tpl_stack[-1]:
            tpl_stack.pop()
            i = template(i + 1, False)
            continue
        if c == "/":
            prev = toks[-1] if toks else None
            regex_ok = (prev is None or (prev.kind == PUN and prev.value not in (")", "]"))
                        or (prev.kind == ID and prev.value in _REGEX_PREV_KEYWORDS))
            if regex_ok:
                j = i + 1
                in_class = False
                ok = False
                while j < n:
                    d = src[j]
                    if d in "\n\r":
                        break
                    if d == "\\":
                        j += 2
                        continue
                    if d == "[":
                        in_class = True
                    elif d == "]":
                        in_class = False
                    elif d == "/" and not in_class:
                        ok = True
                        break
                    j += 1
                if ok:
                    j += 1
                    while j < n and (src[j].isalnum() or src[j] == "_"):
                        j += 1
                    toks.append(Tok(REGEX, src[i:j], i, j))
                    i = j
                    continue
        if c.isdigit() or (c == "." and nxt.isdigit()):
            m = _NUM_RE.match(src, i)
            j = m.end() if m and m.end() > i else i + 1
            toks.append(Tok(NUM, src[i:j], i, j))
            i = j
            continue
        m = _ID_RE.match(src, i)
        if m:
            toks.append(Tok(ID, m.group(0), i, m.end()))
            i = m.end()
            continue
        m = _PUNCT_RE.match(src, i)
        if m:
            toks.append(Tok(PUN, m.group(0), i, m.end()))
            i = m.end()
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        toks.append(Tok(PUN, c, i, i + 1))
        i += 1
    _brackets(toks)
    return toks


_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = {")": "(", "]": "[", "}": "{"}


def _brackets(toks: list[Tok]) -> None:
    stack: list[list[int]] = []  # [token index, commas]
    for idx, t in enumerate(toks):
        if t.kind == PUN and t.value in _CLOSE:
            # pop to the matching opener (tolerate stray brackets)
            for k in range(len(stack) - 1, -1, -1):
                if toks[stack[k][0]].value == _CLOSE[t.value]:
                    toks[stack[k][0]].close = idx
                    t.open = stack[k][0]
                    del stack[k:]
                    break
        if stack:
            t.parent, t.arg = stack[-1]
        if t.kind == PUN:
            if t.value in _OPEN:
                stack.append([idx, 0])
            elif t.value == "," and stack:
                stack[-1][1] += 1


# -- names -----------------------------------------------------------------------------------

_PRIMARY_MODEL_NAMES = frozenset({"model", "modelname", "model_name", "modelid", "model_id", "models", "modelids", "model_ids"})
_SECONDARY_MODEL_RE = re.compile(r"(?:^|_|[a-z0-9])(?:model|Model|MODEL)(?:_?(?:name|id|Name|Id|ID|NAME))?$")
_BASEURL_NAMES = frozenset({
    "baseurl", "base_url", "basepath", "base_path", "apibase", "api_base", "apibaseurl", "api_base_url", "endpoint",
    "endpointurl", "serverurl", "server_url", "apiurl", "api_url", "host", "baseuri", "openai_base_url", "openai_api_base",
})
_BASEURL_SUFFIX_RE = re.compile(r"(?i)(base_?url|base_?path|api_?base|endpoint(_?url)?|api_?url|server_?url)$")
#: method names under which the Vercel AI SDK (and look-alikes) take a model id as first argument
_SDK_MODEL_METHODS = frozenset({
    "chat", "completion", "languagemodel", "textembeddingmodel", "textembedding", "embedding", "embeddingmodel",
    "image", "imagemodel", "responses", "transcription", "speech", "chatmodel", "agent",
})
_HF_LOADER_ARG = {"pipeline": 1, "from_pretrained": 0}
_MAYBE_MODEL_WORD_RE = re.compile(r"[-/._:0-9]")
_CLASS_NAME_RE = re.compile(r"^(?:[A-Z][a-z]+)+$")
_FORMS_VOUCHED = frozenset({"hf", "hf-uri", "api", "bedrock", "litellm"})


def _port(parts) -> int | None:
    try:
        return parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    except ValueError:
        return None


def provider_for_url(kb: KnowledgeBase, url: str) -> Entry | None:
    """``kb.provider_for_url`` but a host named in a provider's base URLs also has to match the
    port: ``http://localhost:8000`` is not the provider whose base URL is ``http://localhost:11434``."""
    e = kb.provider_for_url(url)
    if e is None:
        return None
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return e
    same_host = []
    for bu in e.get("base_urls", []):
        try:
            b = urlsplit(bu["url"])
        except ValueError:
            continue
        if (b.hostname or "").lower() == host:
            same_host.append(_port(b))
    if same_host and _port(parts) not in same_host:
        return None
    return e


def _parse(raw: str, kb: KnowledgeBase, hint: str):
    """``parse_model_string``, memoised per knowledge base (files repeat the same strings)."""
    memo = _MEMO.get(id(kb))
    if memo is None or memo[0] is not kb:
        memo = (kb, {})
        _MEMO.clear()
        _MEMO[id(kb)] = memo
    key = (raw, hint)
    cache = memo[1]
    if key not in cache:
        if len(cache) > 50_000:
            cache.clear()
        cache[key] = parse_model_string(raw, kb, hint)
    return cache[key]


_MEMO: dict[int, tuple[KnowledgeBase, dict]] = {}


def _model_name_class(name: str) -> str:
    """'primary' for model/modelName/..., 'secondary' for FOO_MODEL / embeddingModel, '' otherwise."""
    if not name:
        return ""
    if name.lower() in _PRIMARY_MODEL_NAMES:
        return "primary"
    if _SECONDARY_MODEL_RE.search(name):
        return "secondary"
    return ""


def _is_baseurl_name(name: str) -> bool:
    return bool(name) and (name.lower() in _BASEURL_NAMES or bool(_BASEURL_SUFFIX_RE.search(name)))


def _pkg_name(spec: str) -> str:
    if not spec or spec.startswith((".", "/", "node:", "http:", "https:", "data:", "bun:", "jsr:", "npm:")) or any(c.isspace() for c in spec):
        return ""
    parts = spec.split("/")
    if spec.startswith("@"):
        return "/".join(parts[:2]) if len(parts) >= 2 and parts[1] else ""
    return parts[0]


@dataclass
class Owner:
    """Where a string literal sits."""

    kind: str = ""  # prop | assign | arg | ""
    name: str = ""  # property key or assigned variable (last member)
    call: int = -1  # for arg: index of the call's "(" token
    arg: int = 0
    env_var: str = ""
    fallback_of: str = ""  # last member name of the expression the string is the fallback of
    in_array: bool = False
    assign_direct: bool = False  # the string is the whole right-hand side (a constant)
    container: str = ""  # for a property: the name the enclosing object is bound to


@dataclass
class Client:
    provider: str
    offset: int
    factory: bool  # made by a function call (callable: ``groq("model")``), not ``new``
    endpoint: str = ""


@dataclass
class _Pending:
    tok: int
    hint: str
    strength: float  # 2 primary, 1 secondary, 0.5 vouched forms only (a value in a model-named object), 0 none
    provider: str = ""
    attrs: dict[str, str] = field(default_factory=dict)
    related: list[Location] = field(default_factory=list)
    endpoint: str = ""
    decided: bool = False  # the place says where the call goes (provider may be "" = unknown)


class _File:
    """Token-level analysis of one file."""

    def __init__(self, f: SourceFile, kb: KnowledgeBase):
        self.f = f
        self.kb = kb
        self.src = f.text
        self.comments: list[tuple[int, str]] = []
        self.toks = tokenize(self.src, self.comments)
        self._line_starts = [0] + [m.end() for m in re.finditer(r"\r\n|\n|\r", self.src)]
        self.bindings: dict[str, tuple[str, str]] = {}  # local name -> (imported name, package)
        self.clients: dict[str, list[Client]] = {}
        self.consts: dict[str, list[int]] = {}  # name -> string token indexes (direct assignments)
        self.owners: dict[int, Owner] = {}
        self._depth = 0
        self._span_memo: dict[int, tuple[str, str, bool]] = {}
        self._url_idx: list[int] = []

    # -- helpers -------------------------------------------------------------------------------
    def pos(self, offset: int) -> tuple[int, int]:
        li = bisect.bisect_right(self._line_starts, offset) - 1
        return li + 1, offset - self._line_starts[li] + 1

    def t(self, i: int) -> Tok | None:
        return self.toks[i] if 0 <= i < len(self.toks) else None

    def is_p(self, i: int, *vals: str) -> bool:
        t = self.t(i)
        return t is not None and t.kind == PUN and t.value in vals

    def is_id(self, i: int, *vals: str) -> bool:
        t = self.t(i)
        return t is not None and t.kind == ID and (not vals or t.value in vals)

    def chain_before(self, k: int) -> tuple[list[str], int, str]:
        """Member chain ending at token ``k`` (``a.b?.c``, ``a["b"]``, ``Deno.env.get("X")``).
        Returns (names, index of its first token, env var if it reads an environment variable)."""
        names: list[str] = []
        i = k
        while i >= 0:
            t = self.toks[i]
            if t.kind == ID:
                names.append(t.value)
                i -= 1
            elif self.is_p(i, "]", ")"):
                opener = self.opener(i)
                inner = [j for j in range(opener + 1, i) if self.toks[j].parent == opener]
                if len(inner) != 1 or self.toks[inner[0]].kind != STR:
                    break
                if self.is_p(i, "]"):  # a["b"]: the object comes right before the bracket
                    names.append(self.toks[inner[0]].value)
                    i = opener - 1
                    if self.is_id(i) or self.is_p(i, "]", ")"):
                        continue
                    break
                # x.get("B") / env("B")
                if self.is_id(opener - 1, "get") and self.is_p(opener - 2, ".", "?."):
                    names.append(self.toks[inner[0]].value)
                    i = opener - 3
                    continue
                if self.is_id(opener - 1, "env"):
                    names.append(self.toks[inner[0]].value)
                    i = opener - 1
                    continue
                break
            else:
                break
            if self.is_p(i, ".", "?."):
                i -= 1
                continue
            break
        names.reverse()
        first = i + 1
        env = ""
        if len(names) >= 2 and names[-2].lower() == "env" and names[-1]:
            env = names[-1]
        return names, first, env

    def opener(self, close: int) -> int:
        o = self.toks[close].open
        return o if o >= 0 else close

    def callee(self, paren: int) -> tuple[list[str], bool, int]:
        """(member chain, called with new, index of the chain's first token) for the call whose
        argument list opens at ``paren``; ([], False, -1) if the bracket is not a call."""
        k = paren - 1
        t = self.t(k)
        if t is None:
            return [], False, -1
        # skip TS type arguments: foo<Bar>(...)
        if t.kind == PUN and t.value == ">":
            depth = 0
            j = k
            while j >= 0 and j > k - 20:
                u = self.toks[j]
                if u.kind == PUN and u.value == ">":
                    depth += 1
                elif u.kind == PUN and u.value == "<":
                    depth -= 1
                    if depth == 0:
                        break
                j -= 1
            if depth == 0 and j >= 1 and self.toks[j - 1].kind == ID:
                k = j - 1
                t = self.toks[k]
        if t.kind != ID or t.value in ("if", "while", "for", "switch", "catch", "function", "return", "typeof", "await", "in", "of"):
            return [], False, -1
        names, first, _ = self.chain_before(k)
        is_new = self.is_id(first - 1, "new")
        return names, is_new, first

    # -- ownership -----------------------------------------------------------------------------
    def owner(self, i: int) -> Owner:
        if i in self.owners:
            return self.owners[i]
        if self._depth > 100:  # absurdly deep nesting (generated data): stop looking outward
            return Owner()
        self._depth += 1
        try:
            o = self._owner(i)
        finally:
            self._depth -= 1
        self.owners[i] = o
        return o

    def _owner(self, i: int) -> Owner:
        toks = self.toks
        p = toks[i].parent
        o = Owner()
        k = i - 1
        steps = 0
        direct = True
        while k >= 0 and steps < 60:
            steps += 1
            t = toks[k]
            if k == p:
                break
            if t.parent != p:
                # inside a nested bracket at this level: jump to its opener
                k = self._opener_at_level(k, p)
                direct = False
                continue
            if t.kind == PUN:
                v = t.value
                if v in (",", ";", "=>", "..."):
                    break
                if v in ("=", "??=", "||=", "&&="):
                    names, first, _ = self._assign_target(k)
                    o.kind, o.name = "assign", names[-1] if names else ""
                    o.assign_direct = direct
                    break
                if v in ("??", "||"):
                    names, first, env = self.chain_before(k - 1)
                    if env and not o.env_var:
                        o.env_var = env
                    if names and not o.fallback_of:
                        o.fallback_of = names[-1]
                    k = first - 1
                    direct = False
                    continue
                if v == ":":
                    key = toks[k - 1] if k >= 1 else None
                    before = k - 2
                    if (key is not None and key.kind in (ID, STR) and key.parent == p
                            and (before == p or self.is_p(before, ",", "{"))
                            and p >= 0 and toks[p].value == "{"):
                        o.kind, o.name = "prop", key.value
                        outer = self.owner(p)
                        named = outer.kind in ("prop", "assign") and _model_name_class(outer.name)
                        o.container = outer.name if named else outer.container
                        break
                    direct = False
                    k -= 1
                    continue
                if v in ("?", "!", "&&", "(", ")", "]", "}", "+"):
                    direct = False
                if v == "}" or v == ")" or v == "]":
                    k = self.opener(k) - 1
                    continue
                if v in ("{", "[", "("):
                    break
                k -= 1
                continue
            if t.kind == ID and t.value in ("return", "case", "export", "default", "yield", "throw", "else"):
                break
            if not (t.kind == ID and t.value == "await"):
                direct = False
            k -= 1
        if not o.kind and p >= 0:
            pt = toks[p]
            if pt.value == "(":
                o.kind, o.call, o.arg = "arg", p, toks[i].arg
            elif pt.value == "[":
                outer = self.owner(p)
                o.kind, o.name, o.call, o.arg = outer.kind, outer.name, outer.call, outer.arg
                o.env_var = o.env_var or outer.env_var
                o.container = outer.container
                o.in_array = True
        return o

    def _opener_at_level(self, k: int, p: int) -> int:
        """From a token inside a nested bracket, step to just before the opener at level ``p``."""
        j = k
        while j >= 0 and self.toks[j].parent != p:
            j = self.toks[j].parent
            if j < 0:
                return -1
        # j is the opener (its parent is p); continue before it
        return j - 1 if self.toks[j].kind == PUN and self.toks[j].value in _OPEN else j

    def _assign_target(self, eq: int) -> tuple[list[str], int, str]:
        k = eq - 1
        # TS annotation: const X: Type = ...
        j = k
        while j > eq - 12 and j >= 0:
            if self.is_p(j, ":") and self.is_id(j - 1):
                if self.toks[j - 1].parent == self.toks[eq].parent:
                    return self.chain_before(j - 1)
            if self.is_p(j, "=", ";", "{", "(", ","):
                break
            j -= 1
        return self.chain_before(k)

    # -- imports -------------------------------------------------------------------------------
    def collect_imports(self) -> list[tuple[int, str]]:
        """Bind imported names; return (string token, package) for every import specifier."""
        toks = self.toks
        out: list[tuple[int, str]] = []
        for i, t in enumerate(toks):
            if t.kind != STR:
                continue
            spec = ""
            if self.is_id(i - 1, "from"):
                spec = t.value
                self._bind_es_import(i - 1, t.value)
            elif self.is_id(i - 1, "import") and not self.is_p(i - 2, "."):
                spec = t.value
            elif self.is_p(i - 1, "(") and self.is_p(i + 1, ")") and (self.is_id(i - 2, "require") or self.is_id(i - 2, "import")) and not self.is_p(i - 3, "."):
                spec = t.value
                if self.is_id(i - 2, "require"):
                    self._bind_require(i - 2, t.value)
            if spec:
                out.append((i, spec))
        return out

    def _bind_es_import(self, from_idx: int, spec: str) -> None:
        # walk back to the 'import' / 'export' keyword
        j = from_idx - 1
        while j >= 0 and not (self.is_id(j, "import", "export") and self.toks[j].parent == self.toks[from_idx].parent):
            if from_idx - j > 200 or self.is_p(j, ";"):
                return
            j -= 1
        if j < 0 or not self.is_id(j, "import"):
            return
        k = j + 1
        if self.is_id(k, "type"):
            k += 1
        while k < from_idx:
            t = self.toks[k]
            if t.kind == ID and t.value not in ("as",):
                self.bindings[t.value] = ("default", spec)
                k += 1
            elif self.is_p(k, "*") and self.is_id(k + 1, "as") and self.is_id(k + 2):
                self.bindings[self.toks[k + 2].value] = ("*", spec)
                k += 3
            elif self.is_p(k, "{"):
                k += 1
                while k < from_idx and not self.is_p(k, "}"):
                    if self.is_id(k, "type") and self.is_id(k + 1):
                        k += 1
                    if self.is_id(k) or self.toks[k].kind == STR:
                        imported = self.toks[k].value
                        local = imported
                        if self.is_id(k + 1, "as") and self.is_id(k + 2):
                            local = self.toks[k + 2].value
                            k += 2
                        self.bindings[local] = (imported, spec)
                    k += 1
                k += 1
            else:
                k += 1

    def _bind_require(self, req_idx: int, spec: str) -> None:
        k = req_idx - 1
        if self.is_id(k, "await"):
            k -= 1
        if not self.is_p(k, "="):
            return
        k -= 1
        if self.is_id(k):
            self.bindings[self.toks[k].value] = ("default", spec)
        elif self.is_p(k, "}"):
            opener = self.opener(k)
            j = opener + 1
            while j < k:
                if self.is_id(j):
                    imported = self.toks[j].value
                    local = imported
                    if self.is_p(j + 1, ":") and self.is_id(j + 2):
                        local = self.toks[j + 2].value
                        j += 2
                    self.bindings[local] = (imported, spec)
                j += 1

    # -- providers -----------------------------------------------------------------------------
    def provider_of_name(self, name: str, *, allow_package: bool = True) -> tuple[str, bool]:
        """Provider for a class/function name: (provider id, named by js_clients)."""
        kb = self.kb
        imported, pkg = self.bindings.get(name, ("", ""))
        for cand in ((imported,) if imported and imported not in ("default", "*") else ()) + (name,):
            e = kb.provider_for_js_client(cand)
            if e is not None:
                return e.id, True
        if allow_package and pkg:
            e = kb.package(_pkg_name(pkg), "npm")
            if e is not None and e.section == "providers":
                return e.id, False
        return "", False

    def client_for(self, name: str, offset: int) -> Client | None:
        cands = self.clients.get(name)
        if not cands:
            return None
        before = [c for c in cands if c.offset <= offset]
        return before[-1] if before else cands[0]

    def url_provider_in_span(self, paren: int, url_toks: dict[int, tuple[str, Entry | None, bool]]) -> tuple[str, str, bool]:
        """A base URL (or a fetched URL) given inside the call opening at ``paren``:
        (provider id, normalised url, found)."""
        if paren in self._span_memo:
            return self._span_memo[paren]
        out = self._url_provider_in_span(paren, url_toks)
        self._span_memo[paren] = out
        return out

    def _url_provider_in_span(self, paren: int, url_toks: dict[int, tuple[str, Entry | None, bool]]) -> tuple[str, str, bool]:
        close = self.toks[paren].close
        if close < 0:
            return "", "", False
        if len(self._url_idx) != len(url_toks):
            self._url_idx = sorted(url_toks)
        lo = bisect.bisect_right(self._url_idx, paren)
        hi = bisect.bisect_left(self._url_idx, close)
        for ti in self._url_idx[lo:hi]:
            url, entry, is_base = url_toks[ti]
            if is_base or (self.toks[ti].parent == paren):
                return (entry.id if entry is not None else ""), url, True
        # an identifier bound to a URL constant, given directly as an argument or base URL value
        for j in range(paren + 1, close):
            t = self.toks[j]
            if t.kind != ID or t.value not in self.consts:
                continue
            is_arg = t.parent == paren and (self.is_p(j - 1, "(", ",") and self.is_p(j + 1, ",", ")"))
            is_base = self.is_p(j - 1, ":") and self.is_id(j - 2) and _is_baseurl_name(self.toks[j - 2].value)
            if not (is_arg or is_base):
                continue
            for si in self.consts[t.value]:
                if si in url_toks:
                    url, entry, _ = url_toks[si]
                    return (entry.id if entry is not None else ""), url, True
        return "", "", False


class JavaScriptDetector(Detector):
    """Models, endpoints, clients and SDK imports in JS/TS source."""

    name = "javascript"
    prefilter = "code"

    def applies(self, path: str) -> bool:
        p = path.lower()
        return p.endswith(_EXTS) and not p.endswith((".min.js", ".d.ts", ".d.mts", ".d.cts"))

    def detect(self, f: SourceFile, kb: KnowledgeBase) -> Iterable[Reference]:
        if not f.text.strip():
            return []
        a = _File(f, kb)
        toks = a.toks
        refs: list[Reference] = []

        # 1. imports
        imports = a.collect_imports()
        for ti, spec in imports:
            pkg = _pkg_name(spec)
            if not pkg:
                continue
            e = kb.package(pkg, "npm")
            if e is None:
                continue
            line, col = a.pos(toks[ti].start)
            attrs = {"ecosystem": "npm"}
            if spec != pkg:
                attrs["module"] = spec
            refs.append(self.ref(f, Kind.PACKAGE, pkg.lower(), spec, line, col, "import", Context.CODE, 0.9,
                                 provider=e.id, attributes=attrs))
        import_toks = {ti for ti, _ in imports}

        # 2. ownership of every string; constants
        str_idx = [i for i, t in enumerate(toks) if t.kind in (STR, TPL) and i not in import_toks]
        for i in str_idx:
            o = a.owner(i)
            if toks[i].kind == STR and o.kind == "assign" and o.name and (o.assign_direct or o.env_var):
                a.consts.setdefault(o.name, []).append(i)

        # 3. URLs: (token -> (normalised url, provider entry, is a base URL position))
        url_toks: dict[int, tuple[str, Entry | None, bool]] = {}
        url_refs: list[tuple[int, int, str, str, Entry | None, bool, Owner]] = []  # tok, offset, raw, norm, entry, base, owner
        for i in str_idx:
            t = toks[i]
            if "://" not in t.value:
                continue
            o = a.owner(i)
            base = (_is_baseurl_name(o.name) or _is_baseurl_name(o.env_var)) and t.value.strip().lower().startswith(("http://", "https://"))
            for off, url in find_urls(t.value):
                if off and base:
                    base_here = False
                else:
                    base_here = base
                entry = provider_for_url(kb, url)
                if entry is None and not base_here:
                    continue
                if t.kind == TPL and base_here is False and entry is None:
                    continue
                norm = normalize_url(url)
                if i not in url_toks:
                    url_toks[i] = (norm, entry, base_here)
                url_refs.append((i, t.start + self._raw_offset(f.text, t, off), url, norm, entry, base_here, o))

        # 4. clients bound to variables (``x = new Cls(...)`` / ``x = factory(...)``)
        for k, t in enumerate(toks):
            if not (t.kind == PUN and t.value == "="):
                continue
            j = k + 1
            if a.is_id(j, "await"):
                j += 1
            is_new = a.is_id(j, "new")
            if is_new:
                j += 1
            names, first, _ = a.chain_before(self._chain_end(a, j))
            end = self._chain_end(a, j)
            if not names or not a.is_p(end + 1, "("):
                continue
            provider, named = a.provider_of_name(names[-1] if is_new else names[0])
            uprov, uurl, found = a.url_provider_in_span(end + 1, url_toks)
            if not provider and not (is_new and found and uprov):
                continue
            if found:
                provider = uprov
            target, _, _ = a._assign_target(k)
            if not target:
                continue
            key = target[-1]
            a.clients.setdefault(key, []).append(Client(provider, t.start, factory=not is_new, endpoint=uurl))

        # 5. uses of constants as model values (``model: MODEL``) -> propagate to the definition
        pend: dict[int, _Pending] = {}
        for k, t in enumerate(toks):
            if t.kind != ID or t.value not in a.consts:
                continue
            if a.is_p(k - 1, ".") or a.is_p(k + 1, "."):
                continue
            o = self._ident_owner(a, k)
            strength, hint = self._strength(a, o)
            if strength == 0:
                continue
            provider, endpoint, decided = self._place_provider(a, k, url_toks)
            line, col = a.pos(t.start)
            for si in a.consts[t.value]:
                if toks[si].start > t.start and len(a.consts[t.value]) > 1:
                    continue
                p = pend.setdefault(si, _Pending(si, hint, strength))
                if strength > p.strength:
                    p.strength, p.hint = strength, hint
                if decided and not p.decided:
                    p.provider, p.endpoint, p.decided = provider, endpoint, True
                p.related.append(Location(f.path, line, col))
                p.attrs.setdefault("used_as", o.name or "argument")

        # 6. strings in model positions
        for i in str_idx:
            t = toks[i]
            if t.kind != STR or "://" in t.value:
                continue
            o = a.owner(i)
            strength, hint = self._strength(a, o)
            hf_pos = self._hf_loader_position(a, o)
            if hf_pos:
                strength, hint = 2, "hf"
            p = pend.get(i)
            if p is not None:
                if strength > p.strength:
                    p.strength, p.hint = strength, hint
            else:
                p = _Pending(i, hint, strength)
            if o.env_var:
                p.attrs["env_var"] = o.env_var
            provider, endpoint, decided = self._place_provider(a, i, url_toks)
            if decided:
                p.provider, p.endpoint, p.decided = provider, endpoint, True
            pend[i] = p

        for i, p in sorted(pend.items()):
            r = self._model_ref(f, kb, a, p)
            if r is not None:
                refs.append(r)

        # 7. endpoints
        for ti, off, raw, norm, entry, base, o in url_refs:
            line, col = a.pos(off)
            attrs: dict[str, str] = {}
            if o.env_var:
                attrs["env_var"] = o.env_var
            if o.name:
                attrs["key"] = o.name
            refs.append(self.ref(f, Kind.ENDPOINT, norm, raw, line, col, "base_url" if base else "url", Context.CODE,
                                 0.9 if entry is not None else 0.75, provider=entry.id if entry is not None else "",
                                 attributes=attrs))
            # a model named in a known provider's URL path (.../models/<id>)
            if entry is not None and toks[ti].kind == STR:
                r = self._model_in_url(f, kb, a, raw, off, entry)
                if r is not None:
                    refs.append(r)
        refs.extend(self._comments(f, kb, a))
        return refs

    # -- pieces ----------------------------------------------------------------------------------
    @staticmethod
    def _raw_offset(src: str, t: Tok, value_off: int) -> int:
        """Offset within the raw source text of the ``value_off``-th decoded character of ``t``
        (equal unless escapes precede it)."""
        raw = src[t.start:t.end]
        if "\\" not in raw[: value_off + 1]:
            return value_off
        i = j = 0
        while j < value_off and i < len(raw):
            i += 2 if raw[i] == "\\" else 1
            j += 1
        return i

    @staticmethod
    def _chain_end(a: _File, j: int) -> int:
        """Index of the last token of the member chain starting at ``j``."""
        k = j
        if not a.is_id(k):
            return j - 1
        while a.is_p(k + 1, ".", "?.") and a.is_id(k + 2):
            k += 2
        return k

    def _ident_owner(self, a: _File, k: int) -> Owner:
        """Owner of an identifier used as a value (``model: MODEL``, ``openai(MODEL)``)."""
        nxt = a.t(k + 1)
        if nxt is not None and nxt.kind == PUN and nxt.value not in (",", ")", "}", "]", ";", "??", "||"):
            return Owner()
        o = a._owner(k)
        if o.kind == "assign" and not _model_name_class(o.name):
            return Owner()  # another constant, or a re-assignment
        return o

    @staticmethod
    def _strength(a: _File, o: Owner) -> tuple[float, str]:
        cls = _model_name_class(o.name) if o.kind in ("prop", "assign") else ""
        env_cls = "primary" if o.env_var and "MODEL" in o.env_var.upper() else ""
        fb_cls = _model_name_class(o.fallback_of)
        if "primary" in (cls, env_cls, fb_cls):
            return 2, "model"
        if o.kind == "arg" and o.arg == 0 and not o.in_array:
            names, is_new, _ = a.callee(o.call)
            if names and not is_new:
                root = names[0] if names[0] != "this" or len(names) < 2 else names[1]
                method = names[-1].lower() if len(names) > 1 else ""
                client = a.client_for(root, a.toks[o.call].start)
                fn_provider, named = a.provider_of_name(root)
                callable_client = (client is not None and client.factory) or named
                if len(names) == 1 or (len(names) == 2 and method in _SDK_MODEL_METHODS):
                    if callable_client:
                        return 2, "model"
                    if fn_provider and root[:1].islower():
                        return 1, "model"  # a function exported by a provider's SDK package
        if "secondary" in (cls, fb_cls):
            return 1, "model"
        if o.kind == "prop" and _model_name_class(o.container):
            return 0.5, "model"  # MODELS = { fast: "gpt-4o-mini", ... }
        return 0, ""

    @staticmethod
    def _hf_loader_position(a: _File, o: Owner) -> bool:
        if o.kind != "arg" or o.in_array:
            return False
        names, _, _ = a.callee(o.call)
        return bool(names) and _HF_LOADER_ARG.get(names[-1]) == o.arg

    def _place_provider(self, a: _File, i: int, url_toks) -> tuple[str, str, bool]:
        """Where the call around token ``i`` goes, if this file says: (provider id, endpoint url,
        decided). ``decided`` with an empty provider means a base URL the knowledge base does not
        know (a self-hosted or proxy endpoint)."""
        toks = a.toks
        p = toks[i].parent
        hops = 0
        while p >= 0 and hops < 6:
            hops += 1
            if toks[p].value == "(":
                names, is_new, _ = a.callee(p)
                if names:
                    root = names[1] if names[0] == "this" and len(names) > 1 else names[0]
                    uprov, uurl, found = a.url_provider_in_span(p, url_toks)
                    if is_new:
                        if found:
                            return uprov, uurl, True
                        prov, _ = a.provider_of_name(names[-1])
                        if prov:
                            return prov, "", True
                    else:
                        c = a.client_for(root, toks[p].start)
                        if c is not None:
                            return c.provider, c.endpoint, True
                        prov, _ = a.provider_of_name(root)
                        if found:
                            return uprov, uurl, True
                        if prov:
                            return prov, "", True
            p = toks[p].parent
        return "", "", False

    def _model_ref(self, f: SourceFile, kb: KnowledgeBase, a: _File, p: _Pending) -> Reference | None:
        t = a.toks[p.tok]
        raw = t.value
        if not p.strength:
            return None  # a string in no model position (log text, labels, keys) is not a reference
        hint = p.hint
        if hint == "model" and p.provider and self._is_ollama(kb, p.provider):
            hint = "ollama"
        ms = _parse(raw, kb, hint)
        if ms is None:
            return None
        if ms.form not in _FORMS_VOUCHED and not re.search(r"[-:./\d]", ms.id):
            if p.strength == 1 or _CLASS_NAME_RE.match(ms.id):
                return None  # ``dataModel: "User"``, ``populate({model: "Post"})``: a class name
        attrs = dict(ms.attributes)
        attrs.update(p.attrs)
        line, col = a.pos(t.start)
        if p.strength < 1 and ms.form not in _FORMS_VOUCHED:
            return None
        conf = ms.confidence * {2: 1.0, 1: 0.9}.get(p.strength, 0.8)
        provider = p.provider if p.decided else ms.provider
        if p.decided and p.endpoint and not p.provider:
            attrs["endpoint"] = p.endpoint
        return self.ref(f, Kind.MODEL, ms.id, raw, line, col, ms.form, Context.CODE, conf, provider=provider,
                        attributes=attrs, related=sorted(set(p.related)))

    @staticmethod
    def _is_ollama(kb: KnowledgeBase, provider: str) -> bool:
        e = kb.get("providers", provider)
        return e is not None and any(x.lower() == "ollama" for x in e.get("litellm_prefixes", []))

    _WORD_RE = re.compile(r"[A-Za-z0-9][\w./:@+-]*[\w]")

    def _comments(self, f: SourceFile, kb: KnowledgeBase, a: _File) -> list[Reference]:
        """Strings in comments that the knowledge base vouches for (a known publisher's Hub id, a
        Hub link, an API model name, a known provider's URL): context ``comment``."""
        out: list[Reference] = []
        for start, text in a.comments:
            spans: list[tuple[int, int]] = []
            for off, url in find_urls(text):
                spans.append((off, off + len(url)))
                line, col = a.pos(start + off)
                ms = parse_model_string(url, kb, "")
                if ms is not None and ms.form == "hf-uri":
                    out.append(self.ref(f, Kind.MODEL, ms.id, url, line, col, ms.form, Context.COMMENT, ms.confidence * 0.6))
                    continue
                entry = provider_for_url(kb, url)
                if entry is not None:
                    out.append(self.ref(f, Kind.ENDPOINT, normalize_url(url), url, line, col, "url", Context.COMMENT, 0.5,
                                        provider=entry.id))
            for m in self._WORD_RE.finditer(text):
                tok = m.group(0).rstrip(".:")
                if not _MAYBE_MODEL_WORD_RE.search(tok) or any(x <= m.start() < y for x, y in spans):
                    continue  # plain words are never vouched model names
                ms = _parse(tok, kb, "")
                if ms is None or ms.form not in _FORMS_VOUCHED:
                    continue
                line, col = a.pos(start + m.start())
                out.append(self.ref(f, Kind.MODEL, ms.id, tok, line, col, ms.form, Context.COMMENT, ms.confidence * 0.6,
                                    provider=ms.provider, attributes=dict(ms.attributes)))
        return out

    _MODELS_PATH_RE = re.compile(r"/models/([^/?#\s]+)(?:/([^/?#\s:]+))?")

    def _model_in_url(self, f: SourceFile, kb: KnowledgeBase, a: _File, url: str, off: int, entry: Entry) -> Reference | None:
        m = self._MODELS_PATH_RE.search(url)
        if not m:
            return None
        first, second = m.group(1), m.group(2)
        ms = None
        start = m.start(1)
        if second:
            ms = parse_model_string(f"{first}/{second}", kb, "hf")
            if ms is not None and ms.form != "hf":
                ms = None
        if ms is None:
            first = first.split(":", 1)[0]
            ms = parse_model_string(first, kb, "model")
            if ms is None or (ms.form not in _FORMS_VOUCHED):
                return None
        line, col = a.pos(off + start)
        return self.ref(f, Kind.MODEL, ms.id, ms.id, line, col, ms.form, Context.CODE, ms.confidence * 0.9,
                        provider=entry.id, attributes={"in_url": "true"})
