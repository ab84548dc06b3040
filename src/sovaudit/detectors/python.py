"""Python source (``*.py``, ``*.pyi``): model ids, inference endpoints and AI packages, read with the
standard ``ast`` module. The code is never imported or run.

Finds

* **models** given to Hub loaders (``from_pretrained`` of any class, ``pipeline(..., model=)``,
  ``SentenceTransformer``, ``CrossEncoder``, ``hf_hub_download``, ``snapshot_download``, diffusers
  pipelines, vLLM ``LLM(model=)``), to API clients and their calls (``client.chat.completions.create``,
  ``client.messages.create``, ``client.models.generate_content``, DashScope ``Generation.call``,
  LangChain / LlamaIndex chat and embedding classes, ``init_chat_model``, Ollama), to LiteLLM
  (``completion(model="provider/model")``), to any ``model=`` / ``model_name=`` / ``repo_id=`` ...
  keyword; strings assigned to a variable, attribute or dict key whose name says model; model ids the
  knowledge base vouches for in ``#`` comments (context ``comment``) and docstrings (``docs``);
* **endpoints**: every construction of a client the knowledge base knows (its base URL, else the
  client class; ``boto3.client("bedrock-runtime", region_name=...)`` through the service's regional
  host), URLs whose host the knowledge base knows, and environment variables it ties to a provider
  (``os.environ["DEEPSEEK_API_KEY"]``, form ``env``);
* **packages**: imports of packages the knowledge base knows (``import dashscope``).

A provider is attributed per call, never per file: variables bound to client constructors are
tracked (``client = OpenAI(base_url=...)``, ``self.llm = ChatAnthropic()``), and a call made on one
gets the provider of that client's base URL, else of its class. Simple constant propagation
follows module constants, class attributes, locals, default arguments and ``os.getenv`` defaults to
the place a model string is used; such a reference is reported where the literal is written, with
the call site(s) in ``related``. A file that does not parse falls back to a line scanner with lower
confidence, so its references are never lost.

Which class belongs to which provider, which host is whose and which package implies what comes
from the knowledge base; this module only knows which library functions take a model id.
"""

from __future__ import annotations

import ast
import bisect
import operator
import re
from collections import deque
from functools import lru_cache
from itertools import accumulate
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from sovaudit.detectors.base import Detector, SourceFile, find_urls, normalize_url, parse_model_string, safe_url_text
from sovaudit.model import Context, Kind, Location, Reference
from sovaudit.rules import Entry, KnowledgeBase, _norm_pkg

# ------------------------------------------------------------------------------------------
# What library functions take a model id (code knowledge, not facts about providers)
# ------------------------------------------------------------------------------------------

#: Hub functions whose first argument (or ``repo_id=``) is a repository id.
_HF_REPO_FUNCS = frozenset({
    "hf_hub_download", "snapshot_download", "model_info", "list_repo_files", "hf_hub_url",
    "try_to_load_from_cache", "list_repo_refs", "list_repo_commits", "get_safetensors_metadata",
})
_ST_CLASSES = frozenset({"SentenceTransformer", "CrossEncoder", "SparseEncoder"})
_HF_CLIENTS = frozenset({"InferenceClient", "AsyncInferenceClient"})
_LORA_LOADERS = frozenset({"load_lora_weights", "load_textual_inversion", "load_ip_adapter"})
_VLLM_CLASSES = frozenset({"LLM", "AsyncLLMEngine", "LLMEngine"})
_ENGINE_ARGS = frozenset({"EngineArgs", "AsyncEngineArgs"})
#: LiteLLM entry points: the model string carries the provider in its prefix.
_LITELLM_FUNCS = frozenset({
    "completion", "acompletion", "embedding", "aembedding", "text_completion", "atext_completion",
    "image_generation", "aimage_generation", "transcription", "atranscription", "speech", "aspeech",
    "rerank", "arerank", "moderation", "amoderation", "responses", "aresponses", "batch_completion",
    "completion_with_retries", "acompletion_with_retries",
})
#: Ollama client methods whose first argument is the model.
_OLLAMA_METHODS = frozenset({"chat", "generate", "embed", "embeddings", "pull", "push", "show", "create", "delete"})
_GENERIC_CLIENT_NAMES = frozenset({"Client", "AsyncClient", "ClientV2", "AsyncClientV2"})
_GETENV = frozenset({"os.getenv", "getenv", "os.environ.get", "environ.get", "os.environ.setdefault",
                     "environ.setdefault", "os.environ.pop", "environ.pop"})
_ENVIRON = frozenset({"os.environ", "environ"})
_URL_KWARGS = ("base_url", "api_base", "azure_endpoint", "openai_api_base", "base_uri", "endpoint_url",
               "endpoint", "api_url", "server_url", "host", "url")
#: URL keywords that mean an LLM endpoint even when the called class is not known.
_LLM_URL_KWARGS = frozenset({"api_base", "azure_endpoint", "openai_api_base"})
#: Keywords that name a model only when given to a known client.
_CLIENT_MODEL_KWS = frozenset({"engine", "deployment_id", "deployment_name", "azure_deployment", "deployment",
                               "model_id", "model_name"})
_NON_MODEL_REPO_TYPES = frozenset({"dataset", "datasets", "space", "spaces"})

# confidences
_C_DIRECT = 0.95  # a literal in a known loader/client call
_C_KEYWORD = 0.9  # a literal in a model keyword of any call
_C_PROPAGATED = 0.85
_C_DICT = 0.9
_C_OPTION = 0.8  # argparse/click default of a model option
_C_NAMED = 0.7  # a model-named variable with no use seen
_C_DOCS = 0.5
_C_COMMENT = 0.4
_C_FALLBACK = 0.6

_MODEL_WORDS = frozenset({"model", "models", "llm", "llms"})
_MODEL_LAST = frozenset({"model", "models", "llm", "llms", "name", "names", "id", "ids", "tag", "repo", "identifier"})
_HF_NAMES = frozenset({"repo_id", "pretrained_model_name_or_path", "model_name_or_path", "base_model_name_or_path"})
#: Words that make "model" mean something other than an AI model to depend on: a data model, a
#: threat model, a GGUF tokenizer model, a FastAPI response model, or an alias a team gives its own
#: deployment (Bedrock custom_model_name, vLLM served_model_name ...).
_OTHER_MODEL_WORDS = frozenset({
    "custom", "provisioned", "served", "alias", "aliases", "display", "friendly", "nickname", "label",
    "tokenizer", "threat", "adversary", "data", "response", "request", "db", "database", "orm", "schema",
    "serializer", "form", "view", "domain", "django", "sql", "object", "business", "color", "colour", "cost",
    "pricing", "price", "risk", "device", "product", "user", "item", "entity", "mesh", "scene", "camera", "physics",
    "pydantic", "table", "document", "content", "field", "relation", "foreign", "parent", "related", "admin",
    "num", "number", "count", "n", "total", "is", "has", "use", "enable",
})


def _words(name: str) -> list[str]:
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", name.lower()) if w]


@lru_cache(maxsize=1 << 16)
def model_name_hint(name: str) -> str | None:
    """(Memoised: it depends on the name alone, and the same names come back in file after file.)
    The parse hint a variable, attribute, keyword or dict key of this name implies, or None when
    the name does not say model. ``"hf"`` for Hub repo names, ``"model"`` for model names, ``""``
    (only what the knowledge base vouches for) for names that usually hold a local path."""
    if not name:
        return None
    if name in _HF_NAMES:
        return "hf"
    w = _words(name)
    if not w:
        return None
    if w[-3:] == ["name", "or", "path"] and any(x in _MODEL_WORDS for x in w[:-3]) or w == ["name", "or", "path"]:
        return "hf"
    if w in (["checkpoint"], ["model", "checkpoint"], ["ckpt"]):
        return ""
    if any(x in _MODEL_WORDS for x in w):
        if any(x in _OTHER_MODEL_WORDS for x in w):
            return None
        i = max(i for i, x in enumerate(w) if x in _MODEL_WORDS)
        tail = w[i + 1:]
        if all(t in _MODEL_LAST for t in tail):
            return "model"
        if tail == ["path"]:
            return ""
        return None
    if len(w) == 1 and (w[0].startswith("model") and w[0][5:] in ("name", "id", "s", "tag")):
        return "model"
    return None


def _looks_like_url(v: str) -> bool:
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://[^\s/]", v) or re.match(r"^[A-Za-z0-9.-]+:\d{2,5}(/|$)", v))


def _as_url(v: str) -> str:
    return v if "://" in v else "http://" + v



# ------------------------------------------------------------------------------------------
# Findings, in the coordinates of the analysed text
# ------------------------------------------------------------------------------------------


@dataclass
class Sighting:
    kind: Kind
    id: str
    text: str
    line: int
    col: int
    form: str
    context: Context
    conf: float
    provider: str = ""
    attrs: dict = field(default_factory=dict)
    related: list = field(default_factory=list)  # [(line, col)]
    weak: bool = False  # a model-named assignment: dropped when the literal has a real use


#: At most this many call sites are listed in ``related``; the count of all is an attribute.
_MAX_RELATED = 50


def merge_sightings(sightings: list[Sighting]) -> list[Sighting]:
    """One finding per literal and (kind, id, provider); weak sightings of a literal that has a real
    use are dropped; extra call sites go to ``related``."""
    strong_at = {(s.kind, s.line, s.col) for s in sightings if not s.weak}
    out: dict[tuple, Sighting] = {}
    for s in sightings:
        if s.weak and (s.kind, s.line, s.col) in strong_at:
            continue
        key = (s.kind, s.line, s.col, s.id, s.provider, s.context)
        cur = out.get(key)
        if cur is None:
            out[key] = Sighting(s.kind, s.id, s.text, s.line, s.col, s.form, s.context, s.conf, s.provider,
                                dict(s.attrs), list(s.related), s.weak)
            continue
        if s.conf > cur.conf:
            cur.conf, cur.form, cur.text = s.conf, s.form, s.text
            cur.attrs = {**cur.attrs, **s.attrs}
        else:
            cur.attrs = {**s.attrs, **cur.attrs}
        cur.weak = cur.weak and s.weak
        for r in s.related:
            if r not in cur.related:
                cur.related.append(r)
    for s in out.values():
        s.related = sorted(set(r for r in s.related if r != (s.line, s.col)))
        if len(s.related) > _MAX_RELATED:
            s.attrs["call_sites"] = str(len(s.related))
            s.related = s.related[:_MAX_RELATED]
    return sorted(out.values(), key=lambda s: (s.line, s.col, s.kind.value, s.id, s.provider))


# ------------------------------------------------------------------------------------------
# Scopes and bindings
# ------------------------------------------------------------------------------------------


@dataclass
class _B:
    """One binding of a name: ``expr`` evaluated in ``scope``. kind: val | elem | ann | none.
    ``path`` lists the conditional branches (if/else arms, loop bodies, try handlers, match cases)
    the binding sits in, within its scope."""

    line: int
    expr: ast.AST | None
    scope: "_Scope"
    kind: str = "val"
    path: tuple = ()


def _live(bs: list[_B]) -> list[_B]:
    """The bindings (in source order) that may still hold when control reaches past the last one: a
    later binding replaces an earlier one unless it sits in a branch the earlier one is not in."""
    out: list[_B] = []
    for b in reversed(bs):
        if any(len(later.path) <= len(b.path) and b.path[:len(later.path)] == later.path for later in out):
            continue
        out.append(b)
        if not b.path:
            break  # unconditional in its scope: everything before it is replaced
    out.reverse()
    return out


class _Scope:
    def __init__(self, kind: str, parent: "_Scope | None", name: str = "", node: ast.AST | None = None):
        self.kind = kind  # module | class | function
        self.parent = parent
        self.name = name
        self.node = node
        self.bindings: dict[str, list[_B]] = {}
        self.attrs: dict[str, list[_B]] = {}  # class scopes: self.x bindings made in methods
        self.globals: set[str] = set()
        self.returns: list[ast.AST] = []  # function scopes
        self.self_name = ""  # function scopes inside a class: the first parameter

    @property
    def module(self) -> "_Scope":
        s = self
        while s.parent is not None:
            s = s.parent
        return s

    @property
    def enclosing_class(self) -> "_Scope | None":
        s = self
        while s is not None:
            if s.kind == "class":
                return s
            s = s.parent
        return None

    def bind(self, key: str, b: _B) -> None:
        root = key.split(".", 1)[0].split("[", 1)[0]
        target = self.module if (root in self.globals and self.kind != "module") else self
        target.bindings.setdefault(key, []).append(b)


@dataclass
class _Lit:
    value: str
    line: int
    col: int
    text: str
    env: str = ""  # the environment variable whose default it is


@dataclass
class _Client:
    written: str
    sdk: Entry | None
    line: int
    col: int
    url: _Lit | None = None
    url_related: tuple = ()
    url_expr: str = ""
    url_env: Entry | None = None
    extra: dict = field(default_factory=dict)  # e.g. the region of a boto3 client
    service: _Lit | None = None  # boto3: the service name literal

    def ctx(self, kb: KnowledgeBase) -> tuple[str, dict]:
        attrs: dict[str, str] = dict(self.extra)
        sdk = self.sdk.id if self.sdk is not None else ""
        if self.url is not None:
            prov = kb.provider_for_url(_as_url(self.url.value))
            pid = prov.id if prov is not None else ""
            if prov is None and self.sdk is not None and self.sdk.get("kind") == "self-hosted":
                pid = sdk  # a self-hosted server (Ollama) is that software wherever it runs
            attrs["base_url"] = normalize_url(_as_url(self.url.value))
            if sdk and sdk != pid:
                attrs["sdk"] = sdk
            return pid, attrs
        if self.url_expr:
            pid = self.url_env.id if self.url_env is not None else ""
            attrs["base_url_expr"] = self.url_expr
            if sdk and sdk != pid:
                attrs["sdk"] = sdk
            return pid, attrs
        return sdk, attrs


# ------------------------------------------------------------------------------------------
# Position helpers
# ------------------------------------------------------------------------------------------


class _Source:
    def __init__(self, text: str):
        self.text = text
        self.lines = text.split("\n")
        # offset of each line (in C: guided parsing leaves long runs of empty lines)
        self.starts = list(map(operator.add, accumulate(map(len, self.lines[:-1]), initial=0), range(len(self.lines))))

    def ccol(self, lineno: int, byte_col: int) -> int:
        """0-based character column of a byte offset on a 1-based line."""
        if not (0 < lineno <= len(self.lines)):
            return byte_col
        ln = self.lines[lineno - 1]
        if ln.isascii():
            return byte_col
        return len(ln.encode("utf-8", "surrogatepass")[:byte_col].decode("utf-8", "replace"))

    def offset(self, lineno: int, byte_col: int) -> int:
        return self.starts[lineno - 1] + self.ccol(lineno, byte_col) if 0 < lineno <= len(self.lines) else 0

    def pos(self, node: ast.AST) -> tuple[int, int]:
        return node.lineno, self.ccol(node.lineno, node.col_offset) + 1

    def segment(self, node: ast.AST) -> tuple[int, str]:
        start = self.offset(node.lineno, node.col_offset)
        end = self.offset(node.end_lineno, node.end_col_offset)
        return start, self.text[start:end]

    def line_col(self, offset: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.starts, offset) - 1
        return i + 1, offset - self.starts[i] + 1

    def literal(self, node: ast.AST, value: str) -> _Lit:
        """Where the first character inside the quotes is, and the string as written."""
        line = node.lineno
        c = self.ccol(line, node.col_offset)
        s = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        j = c
        while j < len(s) and s[j] in "rRbBuUfF":
            j += 1
        q = 1
        if s.startswith(('"""', "'''"), j):
            q = 3
        elif not (j < len(s) and s[j] in "'\""):
            return _Lit(value, line, c + 1, value)
        j += q
        text = value
        if node.end_lineno == line:
            end = self.ccol(line, node.end_col_offset)
            inner = s[j:end - q]
            if inner == value:
                text = inner
        return _Lit(value, line, j + 1, text)


# ------------------------------------------------------------------------------------------
# Pass 1: scopes, bindings, imports
# ------------------------------------------------------------------------------------------

#: Fields that never hold anything a detector looks at (Load/Store contexts, operators).
_SKIP_FIELDS = frozenset({"ctx", "op", "ops", "type_comment", "type_ignores"})


class _Visitor(ast.NodeVisitor):
    """``ast.NodeVisitor`` with the method look-up cached per node class and context/operator
    fields skipped: the same walk, in about half the time."""

    def visit(self, node):
        cache = self.__dict__.setdefault("_methods", {})
        m = cache.get(node.__class__)
        if m is None:
            m = cache[node.__class__] = getattr(self, "visit_" + node.__class__.__name__, self.generic_visit)
        return m(node)

    def generic_visit(self, node):
        for name in node._fields:
            if name in _SKIP_FIELDS:
                continue
            v = getattr(node, name, None)
            if v.__class__ is list:
                for item in v:
                    if isinstance(item, ast.AST):
                        self.visit(item)
            elif isinstance(v, ast.AST):
                self.visit(v)


def _walk(tree: ast.AST) -> Iterator[ast.AST]:
    """``ast.walk`` (same nodes, same breadth-first order) without the context and operator
    nodes, which nothing here looks at."""
    todo = deque([tree])
    while todo:
        node = todo.popleft()
        for name in node._fields:
            if name in _SKIP_FIELDS:
                continue
            v = getattr(node, name, None)
            if v.__class__ is list:
                todo.extend(x for x in v if isinstance(x, ast.AST))
            elif isinstance(v, ast.AST):
                todo.append(v)
        yield node


class _Binder(_Visitor):
    def __init__(self, tree: ast.Module):
        self.module = _Scope("module", None, node=tree)
        self.scope = self.module
        self.scopes: dict[int, _Scope] = {id(tree): self.module}
        self.imports: dict[str, str] = {}
        self.classes: dict[str, list[_Scope]] = {}
        self.functions: dict[str, list[_Scope]] = {}
        self.path: tuple = ()  # the conditional branches the visit is in (within the current scope)

    def _branch(self, node: ast.AST, arm: int, stmts: list) -> None:
        outer = self.path
        self.path = outer + ((id(node), arm),)
        for st in stmts:
            self.visit(st)
        self.path = outer

    def visit_If(self, node: ast.If) -> None:
        self.visit(node.test)
        self._branch(node, 0, node.body)
        self._branch(node, 1, node.orelse)

    def visit_While(self, node: ast.While) -> None:
        self.visit(node.test)
        self._branch(node, 0, node.body)
        self._branch(node, 1, node.orelse)

    def visit_Try(self, node) -> None:
        self._branch(node, 0, node.body)
        for i, h in enumerate(node.handlers, 1):
            outer = self.path
            self.path = outer + ((id(node), i),)
            if h.type is not None:
                self.visit(h.type)
            if h.name:
                self.scope.bind(h.name, _B(h.lineno, None, self.scope, "none", self.path))
            for st in h.body:
                self.visit(st)
            self.path = outer
        self._branch(node, -1, node.orelse)
        for st in node.finalbody:
            self.visit(st)

    visit_TryStar = visit_Try

    def visit_Match(self, node) -> None:
        self.visit(node.subject)
        for i, case in enumerate(node.cases):
            outer = self.path
            self.path = outer + ((id(node), i),)
            if case.guard is not None:
                self.visit(case.guard)
            for st in case.body:
                self.visit(st)
            self.path = outer

    # scopes
    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for d in node.decorator_list + node.bases + [k.value for k in node.keywords]:
            self.visit(d)
        s = _Scope("class", self.scope, node.name, node)
        self.scopes[id(node)] = s
        self.classes.setdefault(node.name, []).append(s)
        self.scope.bind(node.name, _B(node.lineno, None, self.scope, "none", self.path))
        (outer, self.scope), (outer_path, self.path) = (self.scope, s), (self.path, ())
        for st in node.body:
            self.visit(st)
        self.scope, self.path = outer, outer_path

    def _function(self, node) -> None:
        for d in node.decorator_list:
            self.visit(d)
        a = node.args
        for d in a.defaults + [d for d in a.kw_defaults if d is not None]:
            self.visit(d)
        s = _Scope("function", self.scope, node.name, node)
        self.scopes[id(node)] = s
        self.scope.bind(node.name, _B(node.lineno, None, self.scope, "none", self.path))
        if self.scope.kind == "module" or self.scope.kind == "class":
            self.functions.setdefault(node.name, []).append(s)
        params = a.posonlyargs + a.args
        if self.scope.kind == "class" and params:
            s.self_name = params[0].arg
        defaults = [None] * (len(params) - len(a.defaults)) + list(a.defaults)
        for p, d in list(zip(params, defaults)) + list(zip(a.kwonlyargs, a.kw_defaults)):
            if d is not None:
                s.bind(p.arg, _B(node.lineno, d, self.scope, "val"))
            elif p.annotation is not None:
                s.bind(p.arg, _B(node.lineno, p.annotation, self.scope, "ann"))
            else:
                s.bind(p.arg, _B(node.lineno, None, s, "none"))
        for p in (a.vararg, a.kwarg):
            if p is not None:
                s.bind(p.arg, _B(node.lineno, None, s, "none"))
        (outer, self.scope), (outer_path, self.path) = (self.scope, s), (self.path, ())
        for st in node.body:
            self.visit(st)
        self.scope, self.path = outer, outer_path

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.generic_visit(node)

    def visit_Global(self, node: ast.Global) -> None:
        self.scope.globals.update(node.names)

    visit_Nonlocal = visit_Global

    def visit_Return(self, node: ast.Return) -> None:
        if node.value is not None and self.scope.kind == "function":
            self.scope.returns.append(node.value)
        self.generic_visit(node)

    # imports
    def visit_Import(self, node: ast.Import) -> None:
        for a in node.names:
            if a.asname:
                self.imports[a.asname] = a.name
            else:
                root = a.name.split(".", 1)[0]
                self.imports.setdefault(root, root)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level or not node.module:
            return
        for a in node.names:
            if a.name != "*":
                self.imports[a.asname or a.name] = f"{node.module}.{a.name}"

    # bindings
    def _target(self, t: ast.AST, value: ast.AST | None, line: int, kind: str = "val") -> None:
        if isinstance(t, (ast.Tuple, ast.List)):
            if kind == "val" and isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(t.elts):
                for tt, vv in zip(t.elts, value.elts):
                    self._target(tt, vv, line)
            else:
                for tt in t.elts:
                    self._target(tt, None, line, "none")
            return
        if isinstance(t, ast.Starred):
            self._target(t.value, None, line, "none")
            return
        key = self.key(t)
        if key is None:
            return
        b = _B(line, value, self.scope, kind if value is not None else "none", self.path)
        if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name):
            fs = self.scope
            cls = fs.enclosing_class
            if fs.kind == "function" and cls is not None and t.value.id in (fs.self_name, "self", "cls"):
                cls.attrs.setdefault(t.attr, []).append(b)
                return
        self.scope.bind(key, b)

    @staticmethod
    def key(t: ast.AST) -> str | None:
        if isinstance(t, ast.Name):
            return t.id
        if isinstance(t, ast.Attribute):
            inner = _Binder.key(t.value)
            return f"{inner}.{t.attr}" if inner else None
        if isinstance(t, ast.Subscript) and isinstance(t.slice, ast.Constant) and isinstance(t.slice.value, (str, int)):
            inner = _Binder.key(t.value)
            return f"{inner}[{t.slice.value!r}]" if inner else None
        return None

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for t in node.targets:
            self._target(t, node.value, node.lineno)
            self.visit(t)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
            self._target(node.target, node.value, node.lineno)
        else:
            self._target(node.target, node.annotation, node.lineno, "ann")
        self.visit(node.target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        self._target(node.target, None, node.lineno, "none")

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self._target(node.target, node.value, node.lineno)

    def _for(self, node) -> None:
        self.visit(node.iter)
        outer = self.path
        self.path = outer + ((id(node), 0),)
        self._target(node.target, node.iter, node.lineno, "elem")
        for st in node.body:
            self.visit(st)
        self.path = outer
        self._branch(node, 1, node.orelse)

    visit_For = _for
    visit_AsyncFor = _for

    def _with(self, node) -> None:
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self._target(item.optional_vars, item.context_expr, node.lineno)
        for st in node.body:
            self.visit(st)

    visit_With = _with
    visit_AsyncWith = _with

    def visit_comprehension(self, node: ast.comprehension) -> None:
        self.visit(node.iter)
        outer = self.path
        self.path = outer + ((id(node), 0),)  # its own scope: never replaces an outer binding
        self._target(node.target, node.iter, getattr(node.iter, "lineno", 0), "elem")
        self.path = outer
        for c in node.ifs:
            self.visit(c)


# ------------------------------------------------------------------------------------------
# Pass 2: evaluation
# ------------------------------------------------------------------------------------------

_PARSE_CACHE: list = [None, {}]


def _parse_cache(kb: KnowledgeBase) -> dict:
    """parse_model_string results for one knowledge base, shared by the files a worker scans."""
    if _PARSE_CACHE[0] is not kb or len(_PARSE_CACHE[1]) > 200_000:
        _PARSE_CACHE[0], _PARSE_CACHE[1] = kb, {}
    return _PARSE_CACHE[1]


class _Analyzer(_Visitor):
    MAX_DEPTH = 12

    def __init__(self, text: str, tree: ast.Module, kb: KnowledgeBase):
        self.src = _Source(text)
        self.kb = kb
        self.tree = tree
        b = _Binder(tree)
        b.visit(tree)
        self.binder = b
        self.imports = b.imports
        self.scope = b.module
        self.out: list[Sighting] = []
        self._ctor_cache: dict[int, _Client | None] = {}
        self._ctx_stack: list[tuple[tuple[str, dict] | None, bool]] = [(None, False)]
        self._parse_cache = _parse_cache(kb)
        self._docstrings: set[int] = set()
        self._active: set[int] = set()
        self._call_ctx: dict[int, tuple] = {}
        self._module_urls: dict[str, _Client] = {}  # openai.api_base = "..." (legacy module-level SDKs)

    # -- entry ---------------------------------------------------------------------------
    def run(self) -> list[Sighting]:
        # one pass over the tree: module-level SDK configuration (openai.api_base = "..."),
        # docstrings (and other bare string statements: documentation), string literal spans
        self._string_spans: list[tuple[int, int]] = []
        has_hash = "#" in self.src.text
        for node in _walk(self.tree):
            if has_hash and isinstance(node, (ast.Constant, ast.JoinedStr)) and hasattr(node, "end_lineno"):
                if isinstance(node, ast.JoinedStr) or isinstance(node.value, (str, bytes)):
                    self._string_spans.append((self.src.offset(node.lineno, node.col_offset),
                                               self.src.offset(node.end_lineno, node.end_col_offset)))
            elif isinstance(node, ast.Expr):
                if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                    self._docstrings.add(id(node.value))
            elif isinstance(node, ast.Assign):
                for t in node.targets:
                    if isinstance(t, ast.Attribute) and t.attr in ("base_url", "api_base") \
                            and isinstance(t.value, ast.Name) and t.value.id in self.imports:
                        lits = self._url_lits(node.value, self.binder.module, node.lineno)
                        if lits:
                            q = self.imports[t.value.id]
                            sdk = self.module_provider(q)
                            line, col = self.src.pos(t)
                            self._module_urls[t.value.id] = _Client(q, sdk, line, col, lits[0])
        self.visit(self.tree)
        self._comments()
        return self.out

    def parse(self, s: str, hint: str):
        k = (s, hint)
        if k not in self._parse_cache:
            self._parse_cache[k] = parse_model_string(s, self.kb, hint)
        return self._parse_cache[k]

    # -- names ---------------------------------------------------------------------------
    def dotted(self, node: ast.AST) -> str:
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name):
            parts.append(node.id)
            return ".".join(reversed(parts))
        return ""

    def qualify(self, node: ast.AST) -> tuple[str, str]:
        """(qualified name through imports, name as written) of a callee; ("", "") if not a dotted name."""
        written = self.dotted(node)
        if not written:
            # a call on a call result: OpenAI(...).chat.completions.create
            parts = []
            n = node
            while isinstance(n, ast.Attribute):
                parts.append(n.attr)
                n = n.value
            return "", ".".join(reversed(parts))
        root, _, rest = written.partition(".")
        q = self.imports.get(root)
        if q is None:
            return written, written
        return (f"{q}.{rest}" if rest else q), written

    def imported_root(self, node: ast.AST) -> bool:
        while isinstance(node, ast.Attribute):
            node = node.value
        return isinstance(node, ast.Name) and node.id in self.imports and not self.lookup(node.id, self.scope, 0, True)

    def lookup(self, key: str, scope: _Scope, line: int, any_line: bool = False) -> list[_B]:
        s: _Scope | None = scope
        same = True
        while s is not None:
            if s.kind == "class" and not same:
                s = s.parent
                continue
            root = key.split(".", 1)[0].split("[", 1)[0]
            if root in s.globals and s.kind != "module":
                s = s.module
                same = False
                continue
            bs = s.bindings.get(key)
            if bs:
                if same and not any_line:
                    # bindings on an earlier line (x = f(x) reads the previous x); none: a loop or
                    # a use before the binding, where every binding may hold
                    before = [b for b in bs if b.line < line]
                    return _live(before or bs)
                return _live(bs)
            s = s.parent
            same = False
        return []

    def attr_bindings(self, node: ast.Attribute, scope: _Scope, line: int) -> list[_B]:
        """Bindings of ``self.x`` / ``cls.x`` / ``Class.x`` / ``obj.x`` (obj an instance of a class here)
        / a dotted name assigned as such (``config.model = ...``)."""
        out: list[_B] = []
        v = node.value
        if isinstance(v, ast.Name):
            fs = scope
            cls = fs.enclosing_class
            if cls is not None and fs.kind == "function" and v.id in (fs.self_name, "self", "cls"):
                out = cls.attrs.get(node.attr, []) + cls.bindings.get(node.attr, [])
                if not out:
                    for c in self._base_classes(cls):
                        out = c.attrs.get(node.attr, []) + c.bindings.get(node.attr, [])
                        if out:
                            break
                return out
            for c in self.binder.classes.get(v.id, []):
                if not self.lookup(v.id, scope, line) or all(b.kind == "none" for b in self.lookup(v.id, scope, line)):
                    out += c.bindings.get(node.attr, []) + c.attrs.get(node.attr, [])
            if out:
                return out
        key = _Binder.key(node)
        if key:
            out = self.lookup(key, scope, line)
            if out:
                return out
        # obj.x where obj = SomeClassDefinedHere(...)
        if isinstance(v, (ast.Name, ast.Attribute)) and id(v) not in self._active:
            self._active.add(id(v))
            try:
                for cls in self._instance_classes(v, scope, line):
                    out += cls.bindings.get(node.attr, []) + cls.attrs.get(node.attr, [])
            finally:
                self._active.discard(id(v))
        return out

    def _base_classes(self, cls: _Scope) -> list[_Scope]:
        out = []
        node = cls.node
        if isinstance(node, ast.ClassDef):
            for b in node.bases:
                name = b.id if isinstance(b, ast.Name) else (b.attr if isinstance(b, ast.Attribute) else "")
                out += self.binder.classes.get(name, [])
        return out

    def _instance_classes(self, v: ast.AST, scope: _Scope, line: int) -> list[_Scope]:
        bs = self.lookup(v.id, scope, line) if isinstance(v, ast.Name) else (
            self.attr_bindings(v, scope, line) if isinstance(v, ast.Attribute) else [])
        out = []
        for b in bs:
            e = b.expr
            if b.kind == "val" and isinstance(e, ast.Call) and isinstance(e.func, ast.Name):
                out += self.binder.classes.get(e.func.id, [])
            elif b.kind == "ann" and isinstance(e, ast.Name):
                out += self.binder.classes.get(e.id, [])
        return out

    def bindings_of(self, node: ast.AST, scope: _Scope, line: int) -> list[_B]:
        if isinstance(node, ast.Name):
            return self.lookup(node.id, scope, line)
        if isinstance(node, ast.Attribute):
            return self.attr_bindings(node, scope, line)
        if isinstance(node, ast.Subscript):
            key = _Binder.key(node)
            if key:
                return self.lookup(key, scope, line)
        return []

    # -- string values -------------------------------------------------------------------
    def strs(self, node: ast.AST | None, scope: _Scope, line: int, depth: int = 0) -> list[_Lit]:
        """The constant strings an expression can hold (with where each is written)."""
        if node is None or depth > self.MAX_DEPTH or id(node) in self._active:
            return []
        if isinstance(node, ast.Constant):
            return [self.src.literal(node, node.value)] if isinstance(node.value, str) else []
        if isinstance(node, ast.JoinedStr):
            if all(isinstance(v, ast.Constant) and isinstance(v.value, str) for v in node.values):
                return [self.src.literal(node, "".join(v.value for v in node.values))]
            return []
        self._active.add(id(node))
        try:
            return self._strs(node, scope, line, depth)
        finally:
            self._active.discard(id(node))

    def _strs(self, node: ast.AST, scope: _Scope, line: int, depth: int) -> list[_Lit]:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self._const_str(node.left), self._const_str(node.right)
            if left is not None and right is not None:
                first = node.left
                while isinstance(first, ast.BinOp):
                    first = first.left
                lit = self.src.literal(first, left + right)
                lit.text = left + right
                return [lit]
            return []
        if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)):
            out = []
            if isinstance(node, ast.Subscript):
                out += self._subscript(node, scope, line, depth)
                if out:
                    return out
            for b in self.bindings_of(node, scope, line):
                if b.kind == "val":
                    out += self.strs(b.expr, b.scope, b.line, depth + 1)
                elif b.kind == "elem":
                    out += self.elements(b.expr, b.scope, b.line, depth + 1)
            return out
        if isinstance(node, ast.Call):
            return self._call_strs(node, scope, line, depth)
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            return [lit for v in node.values for lit in self.strs(v, scope, line, depth + 1)]
        if isinstance(node, ast.IfExp):
            return self.strs(node.body, scope, line, depth + 1) + self.strs(node.orelse, scope, line, depth + 1)
        if isinstance(node, ast.NamedExpr):
            return self.strs(node.value, scope, line, depth + 1)
        return []

    @staticmethod
    def _const_str(node: ast.AST) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            a, b = _Analyzer._const_str(node.left), _Analyzer._const_str(node.right)
            return a + b if a is not None and b is not None else None
        return None

    def _call_strs(self, node: ast.Call, scope: _Scope, line: int, depth: int) -> list[_Lit]:
        q, written = self.qualify(node.func)
        last = q.rsplit(".", 1)[-1] if q else written.rsplit(".", 1)[-1]
        if q in _GETENV or written in _GETENV:
            env = self._env_name(node)
            default = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg in ("default", "value")), None)
            out = self.strs(default, scope, line, depth + 1)
            for lit in out:
                if env and not lit.env:
                    lit.env = env
            return out
        if last in ("field", "Field") and (node.args or node.keywords):
            default = next((k.value for k in node.keywords if k.arg == "default"), None)
            if default is None and last == "Field" and node.args:
                default = node.args[0]
            return self.strs(default, scope, line, depth + 1)
        if last == "str" and len(node.args) == 1 and not node.keywords:
            return self.strs(node.args[0], scope, line, depth + 1)
        if last == "get" and isinstance(node.func, ast.Attribute) and 1 <= len(node.args) <= 2:
            key = self._const_str(node.args[0])
            out = []
            if key is not None:
                for d in self.dicts(node.func.value, scope, line, depth + 1):
                    for k, v in zip(d.keys, d.values):
                        if k is not None and self._const_str(k) == key:
                            out += self.strs(v, scope, line, depth + 1)
            if not out and len(node.args) == 2:
                out = self.strs(node.args[1], scope, line, depth + 1)
            return out
        if isinstance(node.func, ast.Name) and id(node) not in self._active:
            # a function defined here that returns a constant
            out = []
            for fs in self.binder.functions.get(node.func.id, []):
                for r in fs.returns:
                    out += self.strs(r, fs, getattr(r, "lineno", 0), depth + 1)
            return out
        return []

    def _subscript(self, node: ast.Subscript, scope: _Scope, line: int, depth: int) -> list[_Lit]:
        sl = node.slice
        key = self._const_str(sl)
        out: list[_Lit] = []
        if key is not None:
            for d in self.dicts(node.value, scope, line, depth + 1):
                for k, v in zip(d.keys, d.values):
                    if k is not None and self._const_str(k) == key:
                        out += self.strs(v, scope, line, depth + 1)
        elif isinstance(sl, ast.Constant) and isinstance(sl.value, int):
            for seq in self.seqs(node.value, scope, line, depth + 1):
                if -len(seq.elts) <= sl.value < len(seq.elts):
                    out += self.strs(seq.elts[sl.value], scope, line, depth + 1)
        return out

    def _resolve_nodes(self, node: ast.AST, scope: _Scope, line: int, depth: int, types: tuple) -> list:
        if node is None or depth > self.MAX_DEPTH:
            return []
        if isinstance(node, types):
            return [node]
        if isinstance(node, (ast.Name, ast.Attribute)) and id(node) not in self._active:
            self._active.add(id(node))
            try:
                return [d for b in self.bindings_of(node, scope, line) if b.kind == "val"
                        for d in self._resolve_nodes(b.expr, b.scope, b.line, depth + 1, types)]
            finally:
                self._active.discard(id(node))
        return []

    def dicts(self, node, scope, line, depth=0) -> list[ast.Dict]:
        return self._resolve_nodes(node, scope, line, depth, (ast.Dict,))

    def seqs(self, node, scope, line, depth=0) -> list:
        return self._resolve_nodes(node, scope, line, depth, (ast.List, ast.Tuple, ast.Set))

    def elements(self, node: ast.AST | None, scope: _Scope, line: int, depth: int = 0) -> list[_Lit]:
        """The constant strings a ``for`` loop over ``node`` binds."""
        out: list[_Lit] = []
        for seq in self.seqs(node, scope, line, depth):
            for e in seq.elts:
                out += self.strs(e, scope, line, depth + 1)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("keys", "values"):
            for d in self.dicts(node.func.value, scope, line, depth):
                for e in (d.keys if node.func.attr == "keys" else d.values):
                    out += self.strs(e, scope, line, depth + 1)
        return out

    def _env_name(self, node: ast.Call) -> str:
        if node.args:
            return self._const_str(node.args[0]) or ""
        k = next((k.value for k in node.keywords if k.arg in ("key", "name")), None)
        return self._const_str(k) or "" if k is not None else ""

    # -- clients ---------------------------------------------------------------------------
    def client_entry(self, q: str, written: str) -> Entry | None:
        cands = []
        for c in (q, written, ".".join(q.split(".")[-2:]), q.rsplit(".", 1)[-1]):
            if c and c not in cands:
                cands.append(c)
        for c in cands:
            e = self.kb.provider_for_client(c)
            if e is not None:
                return e
        last = q.rsplit(".", 1)[-1]
        if last in _GENERIC_CLIENT_NAMES and "." in q and q != written or (last in _GENERIC_CLIENT_NAMES and "." in written and self._is_import(written)):
            return self.module_provider(q.rsplit(".", 1)[0])
        return None

    def _is_import(self, written: str) -> bool:
        return written.split(".", 1)[0] in self.imports

    def module_provider(self, q: str) -> Entry | None:
        parts = q.split(".")
        for i in range(len(parts), 0, -1):
            e = self.kb.package(".".join(parts[:i]))
            if e is not None and e.section == "providers":
                return e
        return None

    def ctor(self, node: ast.Call, scope: _Scope) -> _Client | None:
        """The client a call constructs, if its class is one the knowledge base knows."""
        if id(node) in self._ctor_cache:
            return self._ctor_cache[id(node)]
        self._ctor_cache[id(node)] = None
        q, written = self.qualify(node.func)
        if not q:
            return None
        if q.rsplit(".", 1)[-1] == "client" and (q.startswith("boto3.") or self._is_boto3_session(node.func, scope)):
            c = self._aws_client(node, scope, written)
            self._ctor_cache[id(node)] = c
            return c
        sdk = self.client_entry(q, written)
        if sdk is None:
            return None
        line, col = self.src.pos(node)
        c = _Client(written, sdk, line, col)
        kws = {k.arg: k.value for k in node.keywords if k.arg}
        cands = [kws[k] for k in _URL_KWARGS if k in kws]
        if node.args and self._url_lits(node.args[0], scope, node.lineno):
            cands.insert(0, node.args[0])
        for expr in cands:
            lits = self._url_lits(expr, scope, node.lineno)
            if lits:
                c.url = lits[0]
                inside = self._inside_expr(lits[0], expr)
                c.url_related = () if inside else ((line, col),)
                break
            src = ast.unparse(expr) if hasattr(ast, "unparse") else ""
            if src and not isinstance(expr, ast.Constant):
                c.url_expr = " ".join(src.split())[:120]
                for env in self._env_vars_in(expr, scope, node.lineno):
                    e = self.kb.provider_for_env(env)
                    if e is not None:
                        c.url_env = e
                        break
                break
        self._ctor_cache[id(node)] = c
        return c

    def _is_boto3_session(self, func: ast.AST, scope: _Scope) -> bool:
        if not isinstance(func, ast.Attribute):
            return False
        iq = self.instance_q(func.value, scope, func.lineno)
        return iq.startswith("boto3.") and iq.rsplit(".", 1)[-1] == "Session"

    def _aws_client(self, node: ast.Call, scope: _Scope, written: str) -> _Client | None:
        """``boto3.client("bedrock-runtime", region_name="eu-central-1")``: the service's regional host
        (``bedrock-runtime.eu-central-1.amazonaws.com``) tells the knowledge base whose it is."""
        kws = {k.arg: k.value for k in node.keywords if k.arg}
        svc_expr = node.args[0] if node.args else kws.get("service_name")
        svcs = self.strs(svc_expr, scope, node.lineno) if svc_expr is not None else []
        if not svcs:
            return None
        svc = svcs[0]
        region_expr = node.args[1] if len(node.args) > 1 else kws.get("region_name")
        regions = self.strs(region_expr, scope, node.lineno) if region_expr is not None else []
        region = regions[0].value if regions else ""
        name = svc.value.strip().lower()
        if not re.fullmatch(r"[a-z0-9-]+", name) or (region and not re.fullmatch(r"[a-z0-9-]+", region)):
            return None
        host = "runtime.sagemaker" if name == "sagemaker-runtime" else name
        prov = self.kb.provider_for_url(f"https://{host}.{region or 'us-east-1'}.amazonaws.com")
        if prov is None:
            return None
        line, col = self.src.pos(node)
        extra = {"service": name}
        if region:
            extra["region"] = region
        return _Client(written, prov, line, col, extra=extra, service=svc)

    def _url_lits(self, expr: ast.AST, scope: _Scope, line: int) -> list[_Lit]:
        return [lit for lit in self.strs(expr, scope, line) if _looks_like_url(lit.value.strip())]

    def _env_vars_in(self, expr: ast.AST, scope: _Scope, line: int, depth: int = 0) -> list[str]:
        out = []
        for n in ast.walk(expr):
            if isinstance(n, ast.Call):
                q, w = self.qualify(n.func)
                if q in _GETENV or w in _GETENV:
                    env = self._env_name(n)
                    if env:
                        out.append(env)
            elif isinstance(n, ast.Subscript):
                q, w = self.qualify(n.value)
                if (q in _ENVIRON or w in _ENVIRON) and self._const_str(n.slice):
                    out.append(self._const_str(n.slice))
            elif isinstance(n, ast.Name) and depth < 3:
                for b in self.lookup(n.id, scope, line):
                    if b.kind == "val" and b.expr is not None:
                        out += self._env_vars_in(b.expr, b.scope, b.line, depth + 1)
        return out

    def client_of(self, node: ast.AST, scope: _Scope, line: int, depth: int = 0) -> _Client | None:
        if node is None or depth > self.MAX_DEPTH or id(node) in self._active:
            return None
        if isinstance(node, ast.Await):
            return self.client_of(node.value, scope, line, depth + 1)
        if isinstance(node, ast.Call):
            c = self.ctor(node, scope)
            if c is not None:
                return c
            if isinstance(node.func, ast.Name):
                # a factory defined here: def get_client(): return OpenAI(...)
                for fs in self.binder.functions.get(node.func.id, []):
                    for r in reversed(fs.returns):
                        c = self.client_of(r, fs, getattr(r, "lineno", 0), depth + 1)
                        if c is not None:
                            return c
            return None
        if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)):
            self._active.add(id(node))
            try:
                bs = self.bindings_of(node, scope, line)
                for b in reversed(bs):
                    if b.kind == "val":
                        c = self.client_of(b.expr, b.scope, b.line, depth + 1)
                    elif b.kind == "ann":
                        c = self._annotated_client(b.expr, b.line)
                    else:
                        c = None
                    if c is not None:
                        return c
            finally:
                self._active.discard(id(node))
        return None

    def _annotated_client(self, ann: ast.AST, line: int) -> _Client | None:
        if isinstance(ann, ast.Constant) and isinstance(ann.value, str):
            try:
                ann = ast.parse(ann.value, mode="eval").body
            except SyntaxError:
                return None
        if isinstance(ann, ast.Subscript):  # Optional[OpenAI]
            ann = ann.slice
        if isinstance(ann, ast.BinOp):  # OpenAI | None
            ann = ann.left
        q, w = self.qualify(ann)
        if not q:
            return None
        sdk = self.client_entry(q, w)
        if sdk is None:
            return None
        return _Client(w, sdk, line, 1)

    def instance_q(self, node: ast.AST, scope: _Scope, line: int) -> str:
        """Qualified name of the class ``node`` was constructed from (``x = litellm.Router(...)``)."""
        if isinstance(node, ast.Call):
            return self.qualify(node.func)[0]
        if isinstance(node, (ast.Name, ast.Attribute)):
            for b in reversed(self.bindings_of(node, scope, line)):
                if b.kind == "val" and isinstance(b.expr, ast.Call):
                    return self.qualify(b.expr.func)[0]
        return ""

    def receiver_client(self, func: ast.AST, scope: _Scope, line: int) -> _Client | None:
        node = func.value if isinstance(func, ast.Attribute) else None
        while node is not None:
            c = self.client_of(node, scope, line)
            if c is not None:
                return c
            if isinstance(node, ast.Attribute):
                node = node.value
            elif isinstance(node, ast.Call):
                node = node.func
                if isinstance(node, ast.Attribute):
                    node = node.value
                else:
                    break
            elif isinstance(node, ast.Await):
                node = node.value
            else:
                break
        return None

    # -- emitting --------------------------------------------------------------------------
    def emit(self, s: Sighting) -> None:
        self.out.append(s)

    def _inside_expr(self, lit: _Lit, expr: ast.AST) -> bool:
        start = self.src.offset(expr.lineno, expr.col_offset)
        end = self.src.offset(expr.end_lineno, expr.end_col_offset)
        off = self.src.starts[lit.line - 1] + lit.col - 1 if 0 < lit.line <= len(self.src.starts) else -1
        return start <= off < end

    def model_expr(self, expr: ast.AST, hint: str, ctx: tuple[str, dict] | None, site: tuple[int, int],
                   conf: float, scope: _Scope | None = None, weak: bool = False, extra: dict | None = None) -> None:
        scope = scope or self.scope
        line = getattr(expr, "lineno", site[0])
        for lit in self.strs(expr, scope, line):
            self.model_lit(lit, hint, ctx, site, conf, direct=self._inside_expr(lit, expr), weak=weak, extra=extra)

    def model_lit(self, lit: _Lit, hint: str, ctx, site, conf: float, direct: bool, weak: bool = False,
                  extra: dict | None = None) -> None:
        value = lit.value
        attrs: dict[str, str] = {}
        colon_provider = None
        if hint == "colon":
            hint = "api"
            pre, sep, rest = value.partition(":")
            if sep and rest:
                e = self._provider_by_name(pre)
                if e is not None:
                    colon_provider = e
                    value = rest
                    attrs["model_provider"] = pre
        ms = self.parse(value.strip(), hint)
        if ms is None:
            return
        if weak and ms.form == "name" and not re.search(r"[\d\-:/.]", ms.id):
            return  # a model-named variable holding a plain word ("Models", "llama"): not evidence enough
        attrs.update(ms.attributes)
        if colon_provider is not None:
            provider = colon_provider.id
        elif ctx is not None:
            provider = ctx[0]
            attrs.update(ctx[1])
        else:
            provider = ms.provider
        if lit.env:
            attrs["env"] = lit.env
        if extra:
            attrs.update(extra)
        c = conf if direct else min(conf, _C_PROPAGATED)
        c = min(c, ms.confidence + 0.15)
        self.emit(Sighting(Kind.MODEL, ms.id, lit.text, lit.line, lit.col, ms.form, Context.CODE, c, provider,
                           attrs, [] if direct else [site], weak))

    def _provider_by_name(self, name: str) -> Entry | None:
        for n in (name, name.replace("_", "-"), name.replace("-", "_")):
            e = self.kb.get("providers", n) or self.kb.provider_for_litellm_prefix(n)
            if e is not None:
                return e
        return None

    def endpoint_url(self, lit: _Lit, conf: float, site: tuple[int, int] | None, attrs: dict | None = None,
                     provider: str | None = None) -> None:
        url = lit.value.strip()
        prov = self.kb.provider_for_url(_as_url(url))
        pid = provider if provider is not None else (prov.id if prov is not None else "")
        a = dict(attrs or {})
        if lit.env:
            a["env"] = lit.env
        self.emit(Sighting(Kind.ENDPOINT, normalize_url(_as_url(url)), safe_url_text(lit.text.strip()), lit.line,
                           lit.col, "url", Context.CODE, conf, pid, a, [site] if site else []))

    # -- visiting --------------------------------------------------------------------------
    def _scoped(self, node) -> None:
        s = self.binder.scopes.get(id(node))
        if s is None:
            self.generic_visit(node)
            return
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for d in node.decorator_list:
                self.visit(d)
            self.visit(node.args)
            if node.returns is not None:
                self.visit(node.returns)
            name_hint = model_name_hint(node.name)
            outer, self.scope = self.scope, s
            if name_hint:
                for r in s.returns:
                    line, col = self.src.pos(r)
                    self.model_expr(r, name_hint, None, (line, col), _C_NAMED, weak=True)
            for st in node.body:
                self.visit(st)
            self.scope = outer
            self._defaults(node, s)
            return
        if isinstance(node, ast.ClassDef):
            for d in node.decorator_list + node.bases + [k.value for k in node.keywords]:
                self.visit(d)
            outer, self.scope = self.scope, s
            for st in node.body:
                self.visit(st)
            self.scope = outer
            return
        self.generic_visit(node)

    visit_FunctionDef = _scoped
    visit_AsyncFunctionDef = _scoped
    visit_ClassDef = _scoped

    def _defaults(self, node, s: _Scope) -> None:
        a = node.args
        params = a.posonlyargs + a.args
        defaults = [None] * (len(params) - len(a.defaults)) + list(a.defaults)
        for p, d in list(zip(params, defaults)) + list(zip(a.kwonlyargs, a.kw_defaults)):
            if d is None:
                continue
            h = model_name_hint(p.arg)
            if h is not None:
                self.model_expr(d, h, None, self.src.pos(d), _C_NAMED, weak=True)

    def visit_Import(self, node: ast.Import) -> None:
        for a in node.names:
            parts = a.name.split(".")
            for i in range(len(parts), 0, -1):
                name = ".".join(parts[:i])
                e = self.kb.package(name)
                if e is not None:
                    line, col = self.src.pos(a) if hasattr(a, "lineno") else self.src.pos(node)
                    self.emit(Sighting(Kind.PACKAGE, _norm_pkg(name), a.name, line, col, "import", Context.CODE,
                                       0.95, e.id))
                    break

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level or not node.module:
            return
        parts = node.module.split(".")
        done: set[str] = set()
        for a in node.names:
            name = f"{node.module}.{a.name}"
            e = self.kb.package(name) if a.name != "*" else None
            if e is not None and _norm_pkg(name) not in done:
                done.add(_norm_pkg(name))
                line, col = self.src.pos(a) if hasattr(a, "lineno") else self.src.pos(node)
                self.emit(Sighting(Kind.PACKAGE, _norm_pkg(name), a.name, line, col, "import", Context.CODE, 0.95, e.id))
        if done:
            return
        for i in range(len(parts), 0, -1):
            name = ".".join(parts[:i])
            e = self.kb.package(name)
            if e is not None:
                line, col = self._module_pos(node)
                self.emit(Sighting(Kind.PACKAGE, _norm_pkg(name), node.module, line, col, "import", Context.CODE,
                                   0.95, e.id))
                break

    def _module_pos(self, node: ast.ImportFrom) -> tuple[int, int]:
        line, col = self.src.pos(node)
        s = self.src.lines[line - 1]
        m = re.compile(r"from\s+(" + re.escape(node.module) + r")\b").search(s, col - 1)
        if m:
            return line, m.start(1) + 1
        return line, col

    def visit_Assign(self, node: ast.Assign) -> None:
        self._assign(node.targets, node.value)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._assign([node.target], node.value)
        self.generic_visit(node)

    def _assign(self, targets: list[ast.AST], value: ast.AST) -> None:
        for t in targets:
            if isinstance(t, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)) and len(t.elts) == len(value.elts):
                for tt, vv in zip(t.elts, value.elts):
                    self._assign([tt], vv)
                continue
            name = t.id if isinstance(t, ast.Name) else t.attr if isinstance(t, ast.Attribute) else (
                self._const_str(t.slice) if isinstance(t, ast.Subscript) else None)
            if isinstance(t, ast.Subscript):
                q, w = self.qualify(t.value)
                env = self._const_str(t.slice)
                if (q in _ENVIRON or w in _ENVIRON) and env:
                    self._env_ref(t.slice, env)
            if isinstance(t, ast.Attribute) and t.attr in ("base_url", "api_base") and self.imported_root(t.value):
                for lit in self._url_lits(value, self.scope, t.lineno):
                    direct = self._inside_expr(lit, value)
                    c = self._module_urls.get(t.value.id) if isinstance(t.value, ast.Name) else None
                    pid, _ = c.ctx(self.kb) if c is not None else ("", {})
                    sdk = c.sdk.id if c is not None and c.sdk is not None else ""
                    self.endpoint_url(lit, _C_DIRECT if direct else _C_PROPAGATED, None if direct else self.src.pos(t),
                                      {"sdk": sdk} if sdk and sdk != pid else {}, provider=pid if c is not None else None)
            if not name:
                continue
            h = model_name_hint(name)
            if h is None:
                continue
            site = self.src.pos(t)
            value = self._unwrap_field(value)
            const = self._const_str(value)
            if const is not None and re.sub(r"[^a-z0-9]", "", const.lower()) == re.sub(r"[^a-z0-9]", "", name.lower()):
                continue  # an enum-like constant naming itself: THREAT_MODEL = "threat-model"
            if isinstance(value, (ast.List, ast.Tuple, ast.Set)):
                for e in value.elts:
                    self.model_expr(e, h, None, site, _C_NAMED, weak=True)
            elif isinstance(value, ast.Dict):
                for k, v in zip(value.keys, value.values):
                    if k is not None:
                        self.model_expr(k, "", None, site, _C_NAMED, weak=True)
                    self.model_expr(v, "", None, site, _C_NAMED, weak=True)
            else:
                self.model_expr(value, h, None, site, _C_NAMED, weak=True)

    @staticmethod
    def _unwrap_field(value: ast.AST) -> ast.AST:
        """``field(default=X)`` / ``field(default_factory=lambda: X)`` / ``Field(X)`` -> X."""
        if isinstance(value, ast.Call):
            f = value.func
            last = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            if last in ("field", "Field"):
                for k in value.keywords:
                    if k.arg == "default":
                        return k.value
                    if k.arg == "default_factory" and isinstance(k.value, ast.Lambda):
                        return k.value.body
                if last == "Field" and value.args:
                    return value.args[0]
        return value

    def visit_Dict(self, node: ast.Dict) -> None:
        ctx, litellm = self._ctx_stack[-1]
        for k, v in zip(node.keys, node.values):
            if k is None:
                continue
            name = self._const_str(k)
            h = model_name_hint(name) if name else None
            if h is None:
                continue
            if litellm and name == "model_name":
                continue  # a LiteLLM router alias, not a model
            if litellm and h in ("model", "hf") and name == "model":
                h = "litellm"
            self.model_expr(v, h, ctx, self.src.pos(k), _C_DICT if ctx is not None or litellm else _C_NAMED,
                            weak=ctx is None and not litellm)
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        q, w = self.qualify(node.value)
        if q in _ENVIRON or w in _ENVIRON:
            env = self._const_str(node.slice)
            if env and isinstance(node.ctx, ast.Load):
                self._env_ref(node.slice, env)
        self.generic_visit(node)

    def _env_ref(self, lit_node: ast.AST, env: str) -> None:
        e = self.kb.provider_for_env(env)
        if e is None or not isinstance(lit_node, ast.Constant):
            return
        lit = self.src.literal(lit_node, env)
        self.emit(Sighting(Kind.ENDPOINT, e.id, lit.text, lit.line, lit.col, "env", Context.CODE, 0.9, e.id,
                           {"env": env}))

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and "://" in node.value:
            self._scan_urls(node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        if any("://" in v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)):
            self._scan_urls(node)
        for v in node.values:
            if not isinstance(v, ast.Constant):
                self.visit(v)

    def _scan_urls(self, node: ast.AST) -> None:
        doc = id(node) in self._docstrings
        start, seg = self.src.segment(node)
        for off, url in find_urls(seg):
            url = url.rstrip("'\"")
            line, col = self.src.line_col(start + off)
            if doc:
                ms = self.parse(url, "")
                if ms is not None:
                    self.emit(Sighting(Kind.MODEL, ms.id, url, line, col, ms.form, Context.DOCS,
                                       min(_C_DOCS, ms.confidence), ms.provider, dict(ms.attributes)))
            prov = self.kb.provider_for_url(url)
            if prov is not None:
                self.emit(Sighting(Kind.ENDPOINT, normalize_url(url), safe_url_text(url), line, col, "url",
                                   Context.DOCS if doc else Context.CODE, _C_DOCS if doc else 0.85, prov.id))
            elif not doc:
                ms = self.parse(url, "")
                if ms is not None and ms.form == "hf-uri":
                    self.emit(Sighting(Kind.MODEL, ms.id, url, line, col, ms.form, Context.CODE, 0.8, ms.provider,
                                       dict(ms.attributes)))


    def visit_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            self._docs(node.value)
        self.generic_visit(node)

    def _docs(self, node: ast.Constant) -> None:
        start, seg = self.src.segment(node)
        for off, word, ms in free_text_models(seg, self.parse, urls=False):
            line, col = self.src.line_col(start + off)
            self.emit(Sighting(Kind.MODEL, ms.id, word, line, col, ms.form, Context.DOCS,
                               min(_C_DOCS, ms.confidence), ms.provider, dict(ms.attributes)))

    def _comments(self) -> None:
        """``#`` comments: in source that parsed, a ``#`` outside every string literal starts one."""
        text = self.src.text
        if "#" not in text:
            return
        spans = sorted(self._string_spans)
        starts = [a for a, _ in spans]
        reach, m = [], -1
        for _, b in spans:  # the furthest end of any literal starting at or before each one
            m = max(m, b)
            reach.append(m)
        i = text.find("#")
        while i >= 0:
            k = bisect.bisect_right(starts, i) - 1
            if k >= 0 and reach[k] > i:
                i = text.find("#", reach[k])
                continue
            end = text.find("\n", i)
            end = len(text) if end < 0 else end
            comment = text[i:end]
            if re.search(r"[\d/-]", comment):
                line, c0 = self.src.line_col(i)
                for off, word, ms in free_text_models(comment, self.parse, urls=True):
                    self.emit(Sighting(Kind.MODEL, ms.id, word, line, c0 + off, ms.form, Context.COMMENT,
                                       min(_C_COMMENT, ms.confidence), ms.provider, dict(ms.attributes)))
            i = text.find("#", end)

    # -- calls -----------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        self._call(node)
        self.visit(node.func)
        ctx, litellm = self._call_ctx.pop(id(node), (None, False))
        self._ctx_stack.append((ctx, litellm))
        for a in node.args:
            self.visit(a)
        for k in node.keywords:
            self.visit(k.value)
        self._ctx_stack.pop()

    def _call(self, node: ast.Call) -> None:
        scope = self.scope
        line = node.lineno
        q, written = self.qualify(node.func)
        last = (q or written).rsplit(".", 1)[-1]
        site = self.src.pos(node)
        kws = {k.arg: k.value for k in node.keywords if k.arg}
        args = [a for a in node.args]

        # environment variables
        if q in _GETENV or written in _GETENV:
            env = self._env_name(node)
            if env:
                if node.args and isinstance(node.args[0], ast.Constant):
                    self._env_ref(node.args[0], env)
                h = model_name_hint(env)
                default = node.args[1] if len(node.args) > 1 else kws.get("default")
                if h is not None and default is not None:
                    self.model_expr(default, h, None, site, _C_NAMED, weak=True, extra={"env": env})
            return

        repo_type = self._const_str(kws.get("repo_type")) if "repo_type" in kws else None
        if repo_type and repo_type.lower() in _NON_MODEL_REPO_TYPES:
            return

        ctor = self.ctor(node, scope) if q else None
        client = ctor
        ctx: tuple[str, dict] | None = None
        kind = "generic"
        positions: list[tuple[ast.AST, str]] = []
        handled: set[str] = set()

        def pos(i: int | None, names: tuple[str, ...], hint: str) -> None:
            for n in names:
                if n in kws:
                    positions.append((kws[n], hint))
                    handled.add(n)
                    return
            if i is not None and i < len(args) and not isinstance(args[i], ast.Starred):
                positions.append((args[i], hint))

        is_litellm = (q.startswith("litellm.") and last in _LITELLM_FUNCS) or "litellm" in last.lower() \
            or q in ("dspy.LM", "dspy.clients.LM") or q == "instructor.from_provider"
        recv_q = self.instance_q(node.func.value, scope, line) if isinstance(node.func, ast.Attribute) else ""
        if q == "litellm.Router" or recv_q == "litellm.Router":
            # a router: its model_list holds LiteLLM strings; calls on it name its aliases, not models
            self._call_ctx[id(node)] = (None, q == "litellm.Router")
            return
        if is_litellm:
            kind = "litellm"
            pos(0, ("model", "model_id", "model_name"), "litellm")
        elif last == "from_pretrained":
            kind = "loader"
            recv = written.rsplit(".", 1)[0] if "." in written else ""
            pos(1 if "peft" in recv.lower() else 0,
                ("pretrained_model_name_or_path", "model_id", "model_name", "repo_id"), "hf")
        elif last == "pipeline" and (q in ("pipeline", "transformers.pipeline") or q.startswith("transformers.")):
            kind = "loader"
            pos(1, ("model",), "hf")
        elif last in _ST_CLASSES:
            kind = "loader"
            pos(0, ("model_name_or_path", "model_name"), "hf")
        elif last in _HF_REPO_FUNCS:
            kind = "loader"
            pos(0, ("repo_id",), "hf")
        elif last in _LORA_LOADERS:
            kind = "loader"
            pos(0, ("pretrained_model_name_or_path_or_dict", "pretrained_model_name_or_path"), "hf")
        elif last in _VLLM_CLASSES and q.startswith("vllm"):
            kind = "loader"
            pos(0, ("model",), "hf")
        elif last in _ENGINE_ARGS:
            kind = "loader"
            pos(None, ("model",), "hf")
        elif q in ("mlx_lm.load", "mlx_vlm.load", "mlx_lm.utils.load"):
            kind = "loader"
            pos(0, ("path_or_hf_repo",), "hf")
        elif last in _HF_CLIENTS:
            kind = "loader"
            if ctor is not None:
                ctx = ctor.ctx(self.kb)
                kind = "client"
            pos(0, ("model",), "hf")
        elif last == "init_chat_model" or (last == "Agent" and q.startswith("pydantic_ai")):
            kind = "colon"
            mp = self._const_str(kws.get("model_provider")) if "model_provider" in kws else None
            if mp:
                e = self._provider_by_name(mp)
                ctx = (e.id, {"model_provider": mp}) if e is not None else ("", {"model_provider": mp})
            pos(0, ("model",), "colon" if ctx is None else "api")

        if kind == "generic":
            if ctor is not None:
                kind = "client"
                ctx = ctor.ctx(self.kb)
            elif isinstance(node.func, ast.Attribute):
                client = self.receiver_client(node.func, scope, line)
                if client is not None:
                    kind = "client"
                    ctx = client.ctx(self.kb)
                elif self.imported_root(node.func):
                    mod = self.client_entry(q, written) or self.module_provider(q)
                    root = written.split(".", 1)[0]
                    if root in self._module_urls:
                        kind = "client"
                        client = self._module_urls[root]
                        ctx = client.ctx(self.kb)
                    elif mod is not None:
                        kind = "client"
                        ctx = (mod.id, {})
            elif isinstance(node.func, ast.Name) and q != written:
                mod = self.module_provider(q)
                if mod is not None:
                    kind = "client"
                    ctx = (mod.id, {})

        # a URL keyword on a call that is not a client construction: the call goes there
        if ctor is None:
            for k in _URL_KWARGS:
                if k not in kws:
                    continue
                if k not in _LLM_URL_KWARGS and not (k == "base_url" and any(model_name_hint(x) for x in kws)):
                    continue
                lits = self._url_lits(kws[k], scope, line)
                if lits:
                    lit = lits[0]
                    direct = self._inside_expr(lit, kws[k])
                    self.endpoint_url(lit, _C_DIRECT if direct else _C_PROPAGATED, None if direct else site)
                    prov = self.kb.provider_for_url(_as_url(lit.value))
                    ctx = (prov.id if prov is not None else "", {"base_url": normalize_url(_as_url(lit.value))})
                    break
        else:
            self._client_endpoint(ctor, node)

        sdk_id = client.sdk.id if client is not None and client.sdk is not None else ""
        api_hint = "ollama" if (ctx is not None and ctx[0] == "ollama") or sdk_id == "ollama" else "api"
        if kind == "client":
            if last == "GenerativeModel":
                pos(0, ("model_name", "model"), api_hint)
            elif ctx is not None and ctx[0] == "ollama" and last in _OLLAMA_METHODS:
                pos(0, ("model",), "ollama")
            elif last == "call":
                pos(0, ("model",), api_hint)
            for k in ("model",) + tuple(sorted(_CLIENT_MODEL_KWS)):
                if k in kws and k not in handled:
                    positions.append((kws[k], api_hint))
                    handled.add(k)
            base_conf = _C_DIRECT
        elif kind in ("loader", "litellm", "colon"):
            base_conf = _C_DIRECT
        else:
            base_conf = _C_KEYWORD
        # positional first, then every keyword whose name says model
        for expr, hint in positions:
            self.model_expr(expr, hint, ctx if hint not in ("litellm", "colon") else None, site, base_conf)
        default_hint = {"client": api_hint, "loader": "hf", "litellm": "litellm"}.get(kind, "model")
        for k in node.keywords:
            if k.arg is None:
                # **params: model keys of a dict defined elsewhere
                for d in self.dicts(k.value, scope, line):
                    self._dict_models(d, ctx, kind, site)
                continue
            if k.arg in handled:
                continue
            h = model_name_hint(k.arg)
            if h is None:
                continue
            if kind != "generic" and h == "model":
                h = default_hint
            self.model_expr(k.value, h, ctx if kind == "client" else None, site,
                            base_conf if kind != "generic" else _C_KEYWORD)
        # positional or keyword arguments naming a dict defined elsewhere (json=payload)
        for a in list(node.args) + [k.value for k in node.keywords if k.arg]:
            if isinstance(a, (ast.Name, ast.Attribute)):
                for d in self.dicts(a, scope, line):
                    self._dict_models(d, ctx, kind, site)
        # argparse / click options whose flag says model
        if last in ("add_argument", "option", "argument", "Option", "Argument") and "default" in kws:
            names = [f.lstrip("-").replace("-", "_") for f in map(self._const_str, node.args) if f]
            dest = self._const_str(kws["dest"]) if "dest" in kws else None
            h = next((x for x in map(model_name_hint, names + ([dest] if dest else [])) if x is not None), None)
            if h is not None:
                self.model_expr(kws["default"], h, None, site, _C_OPTION)
                if "choices" in kws:
                    for lit in self.elements(kws["choices"], scope, line):
                        self.model_lit(lit, h, None, site, _C_OPTION, direct=self._inside_expr(lit, kws["choices"]))
        # dict literals among the arguments take this call's provider
        self._call_ctx[id(node)] = (ctx, kind == "litellm")

    def _dict_models(self, d: ast.Dict, ctx, kind: str, site) -> None:
        for k, v in zip(d.keys, d.values):
            name = self._const_str(k) if k is not None else None
            h = model_name_hint(name) if name else None
            if h is None:
                continue
            if kind == "litellm" and name == "model":
                h = "litellm"
            elif kind == "client" and h == "model":
                h = "api"
            self.model_expr(v, h, ctx, site, _C_PROPAGATED)

    def _client_endpoint(self, c: _Client, node: ast.Call) -> None:
        sdk = c.sdk.id if c.sdk is not None else ""
        if c.url is not None:
            pid, _ = c.ctx(self.kb)
            attrs = {"sdk": sdk} if sdk and pid != sdk else {}
            self.endpoint_url(c.url, _C_DIRECT if not c.url_related else _C_PROPAGATED,
                              c.url_related[0] if c.url_related else None, attrs, provider=pid)
            return
        pid, attrs = c.ctx(self.kb)
        if c.service is not None:  # boto3: at the service name
            lit = c.service
            self.emit(Sighting(Kind.ENDPOINT, pid, lit.text, lit.line, lit.col, "client", Context.CODE, 0.9, pid, attrs,
                               [] if (lit.line, lit.col) > (c.line, c.col) else [(c.line, c.col)]))
            return
        self.emit(Sighting(Kind.ENDPOINT, pid or sdk, c.written, c.line, c.col, "client", Context.CODE,
                           0.9 if pid else 0.6, pid, attrs))


# ------------------------------------------------------------------------------------------
# Free text (comments, docstrings, notebook markdown)
# ------------------------------------------------------------------------------------------

_WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+-]*[A-Za-z0-9]")


def free_text_models(text: str, parse: Callable, urls: bool = True) -> Iterator[tuple[int, str, object]]:
    """(offset, word, ModelString) for model ids the knowledge base vouches for in free text."""
    spans: list[tuple[int, int]] = []
    for off, url in find_urls(text):
        spans.append((off, off + len(url)))
        if urls:
            ms = parse(url, "")
            if ms is not None:
                yield off, url, ms
    for m in _WORD_RE.finditer(text):
        if any(a <= m.start() < b for a, b in spans):
            continue
        w = m.group(0)
        if not re.search(r"[\d/-]", w) or w.count("/") > 1:
            continue
        if "/" in w:
            name = w.split("/", 1)[1]
            if not re.search(r"[\d-]", name):
                continue  # owner/repo without a digit or a dash: a GitHub repository, not a model
        ms = parse(w, "")
        if ms is None:
            continue
        if "/" not in w and w != w.lower():
            continue  # "GPT-4o" in prose names a product; an API model id is written in lower case
        yield m.start(), w, ms


# ------------------------------------------------------------------------------------------
# The line scanner for files that do not parse
# ------------------------------------------------------------------------------------------

_Q = r"""(?P<q>['"])(?P<v>[^'"\n]{1,200})(?P=q)"""
_FB_LOADER_RE = re.compile(
    r"\b(?:from_pretrained|SentenceTransformer|CrossEncoder|hf_hub_download|snapshot_download|InferenceClient"
    r"|GenerativeModel)\s*\(\s*(?:[A-Za-z_]\w*\s*=\s*)?" + _Q)
_FB_KW_RE = re.compile(r"\b(?P<k>[A-Za-z_]\w*)\s*=\s*" + _Q)
_FB_DICT_RE = re.compile(r"""(?P<kq>['"])(?P<k>\w+)(?P=kq)\s*:\s*""" + _Q)
_FB_IMPORT_RE = re.compile(r"^\s*(?:import\s+(?P<a>[\w.]+)|from\s+(?P<b>[\w.]+)\s+import\b)")


def scan_lines(text: str, kb: KnowledgeBase) -> list[Sighting]:
    """Regex scan of source that does not parse. Confidence at most 0.6."""
    out: list[Sighting] = []
    cache: dict = {}

    def parse(s, h):
        if (s, h) not in cache:
            cache[(s, h)] = parse_model_string(s, kb, h)
        return cache[(s, h)]

    seen: set[tuple[int, int]] = set()
    for ln, line in enumerate(text.split("\n"), 1):
        stripped = line.lstrip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            for off, word, ms in free_text_models(stripped, parse):
                col = len(line) - len(stripped) + off + 1
                out.append(Sighting(Kind.MODEL, ms.id, word, ln, col, ms.form, Context.COMMENT,
                                    min(_C_COMMENT, ms.confidence), ms.provider, dict(ms.attributes)))
            continue
        m = _FB_IMPORT_RE.match(line)
        if m:
            mod = m.group("a") or m.group("b")
            parts = mod.split(".")
            for i in range(len(parts), 0, -1):
                e = kb.package(".".join(parts[:i]))
                if e is not None:
                    out.append(Sighting(Kind.PACKAGE, _norm_pkg(".".join(parts[:i])), mod, ln,
                                        line.index(mod) + 1, "import", Context.CODE, _C_FALLBACK, e.id))
                    break
        cands: list[tuple[int, str, str, float]] = []
        for m in _FB_LOADER_RE.finditer(line):
            cands.append((m.start("v"), m.group("v"), "hf", _C_FALLBACK))
        for m in _FB_KW_RE.finditer(line):
            h = model_name_hint(m.group("k"))
            if h is not None:
                cands.append((m.start("v"), m.group("v"), h, 0.55))
        for m in _FB_DICT_RE.finditer(line):
            h = model_name_hint(m.group("k"))
            if h is not None:
                cands.append((m.start("v"), m.group("v"), h, 0.55))
        for start, value, hint, conf in cands:
            if (ln, start) in seen:
                continue
            ms = parse(value, hint)
            if ms is None:
                continue
            seen.add((ln, start))
            out.append(Sighting(Kind.MODEL, ms.id, value, ln, start + 1, ms.form, Context.CODE,
                                min(conf, ms.confidence), ms.provider, dict(ms.attributes)))
        for off, url in find_urls(line):
            url = url.rstrip("'\"")
            prov = kb.provider_for_url(url)
            if prov is not None:
                out.append(Sighting(Kind.ENDPOINT, normalize_url(url), safe_url_text(url), ln, off + 1, "url",
                                    Context.CODE, 0.5, prov.id))
    return out


# ------------------------------------------------------------------------------------------
# The detector
# ------------------------------------------------------------------------------------------


_BLOCK_START = re.compile(r"(?:async[ \t]+def|def|class)\b|@")
_CLASS_LINE = re.compile(r"^class\b", re.M)
_NOT_TOP = " \t#)]}\n"
_TOP_LINE = re.compile(r"\n[^ \t#)\]}\n]")
_TRIPLE = re.compile(r'"""|\'\'\'')
_PREFILTER: list = [None, None]


def _vocabulary(kb: KnowledgeBase) -> Any:
    from sovaudit.prefilter import Prefilter

    if _PREFILTER[0] is not kb:
        _PREFILTER[0], _PREFILTER[1] = kb, Prefilter(kb)
    return _PREFILTER[1]


def quiet_blocks(text: str, hit_lines: Iterable[int]) -> str | None:
    """``text`` with every top-level function (with its decorators) that contains no
    word of the detector's vocabulary replaced by empty lines, so that ``ast`` neither builds nor
    the analyser walks code that cannot name a model: line and column numbers stay the same.

    Conservative: classes (their attributes are propagated), a block with a ``#`` (comments are
    scanned from the text) and one whose triple-quoted
    strings do not open and close inside it is kept; module-level statements are always kept (they
    hold the constants propagation needs). ``None`` when nothing would be blanked. The caller parses
    the full text whenever the result does not parse.

    A top-level statement starts on a line that does not begin with a space, tab, ``#`` or closing
    bracket, outside a triple-quoted string. Those lines and the triple quotes are found in C
    (``re``/``str`` searches over the whole text); Python only visits them, not every line.
    """
    hits = sorted(hit_lines)
    events: list[tuple[int, int, str]] = [(m.start() + 1, 0, "") for m in _TOP_LINE.finditer(text)]
    if text and text[0] not in _NOT_TOP:
        events.insert(0, (0, 0, ""))
    if '"""' in text or "'''" in text:
        events.extend((m.start(), 1, m.group()) for m in _TRIPLE.finditer(text))
        events.sort()
    starts: list[int] = []  # top-level statement starts (line index), where they begin, and
    offsets: list[int] = []  # whether each begins a def/class block
    is_block: list[bool] = []
    open_q = ""
    prev_decorator = False
    line, counted = 0, 0
    for pos, kind, quote in events:
        if kind:
            if not open_q:
                open_q = quote
            elif quote == open_q:
                open_q = ""
            continue
        if open_q:
            continue
        line += text.count("\n", counted, pos)
        counted = pos
        block = bool(_BLOCK_START.match(text, pos))
        if not (prev_decorator and block):  # a def under its decorators continues their block
            starts.append(line)
            offsets.append(pos)
            is_block.append(block)
        prev_decorator = text.startswith("@", pos)
    n_lines = text.count("\n", counted) + line + 1
    starts.append(n_lines)
    offsets.append(len(text) + 1)
    pieces: list[str] = []
    done = 0
    for k in range(len(starts) - 1):
        if not is_block[k]:
            continue
        a, b = starts[k], starts[k + 1]
        h = bisect.bisect_left(hits, a + 1)
        if h < len(hits) and hits[h] <= b:
            continue
        chunk = text[offsets[k]:offsets[k + 1] - 1]
        if "#" in chunk or ((chunk.startswith("class") or "\nclass" in chunk) and _CLASS_LINE.search(chunk)):
            continue  # class attributes can be propagated
        if chunk.count('"""') % 2 or chunk.count("'''") % 2:
            continue
        pieces.append(text[done:offsets[k]])
        pieces.append("\n" * (b - a) if b < n_lines else "\n" * (b - a - 1))
        done = offsets[k + 1] if b < n_lines else len(text)
    if not pieces:
        return None
    pieces.append(text[done:])
    return "".join(pieces)


def analyze(text: str, kb: KnowledgeBase, guided: bool = True) -> tuple[list[Sighting], bool]:
    """Sightings in ``text`` (newlines already ``\\n``); the flag says whether the source parsed.
    ``guided``: parse only what can name something (``quiet_blocks``), the full text if that fails."""
    tree = None
    if guided and len(text) > 4096 and len(_vocabulary(kb).lower(text)) == len(text):
        quiet = quiet_blocks(text, _vocabulary(kb).hit_lines("code", text))
        if quiet is not None:
            try:
                tree = ast.parse(quiet)
            except (SyntaxError, ValueError, MemoryError, RecursionError):
                tree = None
    try:
        tree = tree if tree is not None else ast.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return merge_sightings(scan_lines(text, kb)), False
    try:
        found = _Analyzer(text, tree, kb).run()
    except RecursionError:
        return merge_sightings(scan_lines(text, kb)), False
    return merge_sightings(found), True


def to_references(det: Detector, f: SourceFile, sightings: Iterable[Sighting],
                  where: Callable[[int, int], tuple[int, int, int]] | None = None) -> Iterator[Reference]:
    """References from sightings; ``where`` maps (line, col) of the analysed text to (line, col, cell)."""
    where = where or (lambda ln, c: (ln, c, 0))
    for s in sightings:
        line, col, cell = where(s.line, s.col)
        related = []
        for rl, rc in s.related:
            l2, c2, cell2 = where(rl, rc)
            related.append(Location(f.path, l2, c2, cell2))
        yield det.ref(f, s.kind, s.id, s.text, line, col, s.form, s.context, s.conf, s.provider, s.attrs,
                      tuple(sorted(set(related))), cell)


class PythonDetector(Detector):
    """Models, endpoints and AI packages in Python source, attributed per call (see module docs)."""

    name = "python"
    prefilter = "code"

    def applies(self, path: str) -> bool:
        return path.lower().endswith((".py", ".pyi"))

    def detect(self, f: SourceFile, kb: KnowledgeBase) -> Iterable[Reference]:
        text = f.text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
        sightings, _ = analyze(text, kb)
        return list(to_references(self, f, sightings))
