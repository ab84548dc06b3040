"""YAML: Kubernetes manifests (workloads, KServe, Ray, Karpenter, ConfigMaps), Docker Compose,
Helm values and templates, LiteLLM proxy configs, CI workflows (GitHub, GitLab, Azure, Bitbucket)
and any other config file.

The file is composed ONCE with PyYAML (node trees keep every position; each document on its own so
that one broken document does not hide the others) and walked by key. What a key means does not
depend on the file's shape, so the same rules serve a Deployment, a compose service, an
``x-`` extension block or a Helm values file:

* ``image`` (and ``repository`` + ``tag``/``registry``) -> ``kb.images``: hardware, serving
  software, a NIM image's model;
* ``command`` / ``args`` / ``entrypoint`` (read together), ``run`` / ``script`` ... -> the shared
  command reader (``commands.py``), positions mapped through block scalars;
* ``env`` / ``environment`` / ``variables`` -> model-named variables, provider credential
  variables (name only: a secret's value is never read), endpoints;
* resource names under ``limits``/``requests`` etc. -> ``kb.hardware_for_resource``;
  compose GPU reservations (``driver``) and ``runtime`` -> the vendor's hardware;
* node labels (``nodeSelector``, affinity ``matchExpressions``, Karpenter ``requirements``):
  cloud labels (``kb.cloud_for_label``), instance types (``kb.instance_type``) and regions --
  a region is attributed to a cloud only when the document (or else the file) says which cloud;
* keys whose name says model (``model``, ``modelName``, ``servedModelName``, ``*_model`` ...),
  LiteLLM ``model_list`` (``litellm_params.model`` with the LiteLLM hint, ``api_base``), Hub
  URIs (``storageUri: hf://...``);
* URLs whose host belongs to a known provider; vouched-for model ids in comments.

Templated files (Helm ``{{ }}``, Jinja ``{% %}``) are parsed with the template actions blanked out
(same length, so positions hold); a document that still does not parse is reported as skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

import yaml

from sovaudit.detectors.base import Detector, SourceFile, basename
from sovaudit.detectors.commands import (
    Hit,
    LineIndex,
    Word,
    analyze_argv,
    analyze_script,
    assignment_hits,
    comment_hits,
    dedupe,
    env_key_hit,
    image_hits,
    is_endpoint_key,
    is_model_key,
    is_secret_name,
    model_hit,
    split_script,
    to_references,
    url_hits,
)
from sovaudit.model import Context, Kind, Reference, Skipped
from sovaudit.rules import KnowledgeBase

_STR_TAG = "tag:yaml.org,2002:str"

#: Kubernetes well-known node labels (part of the Kubernetes API, not of any cloud).
REGION_LABELS = frozenset({"topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/region"})
ZONE_LABELS = frozenset({"topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone"})
INSTANCE_TYPE_LABELS = frozenset({"node.kubernetes.io/instance-type", "beta.kubernetes.io/instance-type"})

#: Keys whose string (or list of strings) value is a shell script.
_SCRIPT_KEYS = frozenset({"run", "script", "scripts", "before_script", "after_script", "pre_script", "post_script", "bash", "sh",
                          "inlinescript", "inline", "shell", "commands", "cmd", "postStart".lower(), "prestop"})
_COMMAND_KEYS = ("entrypoint", "command", "args")


def _is_tag_key(key: str) -> bool:
    """Mappings whose entries tag an object (Kubernetes labels, annotations, selectors)."""
    return key.lower().endswith(("labels", "annotations", "selector"))
_LABEL_LISTS = frozenset({"matchexpressions", "requirements", "matchfields"})
_TEMPLATE_RE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
#: A ``{placeholder}`` glued to other text (``image: {username}/app:latest``) in sample manifests.
_PLACEHOLDER_RE = re.compile(r"(?<=[^\s:\[{,])\{[A-Za-z_][\w.-]*\}|\{[A-Za-z_][\w.-]*\}(?=[^\s,}\]])")
_DOC_START_RE = re.compile(r"^---(?=\s|$)", re.MULTILINE)


# ------------------------------------------------------------------------------------------
# Parsing: documents with positions
# ------------------------------------------------------------------------------------------


@dataclass
class Doc:
    """One composed YAML document. ``text`` is what was parsed; ``pos(i)`` turns an index into
    ``text`` into an absolute offset of the file (the identity plus a base, or a character map
    for YAML embedded in a scalar)."""

    root: yaml.Node
    text: str
    pos: Callable[[int], int]
    number: int = 1


def blank_templates(text: str) -> str:
    """Replace template actions by characters of the same length: a line that holds only
    actions becomes blank, an inline action becomes ``x`` characters (a placeholder value)."""

    def line_only(m: re.Match) -> bool:
        ls = text.rfind("\n", 0, m.start()) + 1
        le = text.find("\n", m.end())
        le = len(text) if le < 0 else le
        rest = _TEMPLATE_RE.sub("", text[ls:le])
        return not rest.strip()

    def repl(m: re.Match) -> str:
        fill = " " if line_only(m) else "x"
        return "".join(ch if ch == "\n" else fill for ch in m.group(0))

    out = _TEMPLATE_RE.sub(repl, text)
    return _PLACEHOLDER_RE.sub(lambda m: "x" * len(m.group(0)), out)


#: libyaml when present (same nodes and character-based marks, several times faster).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose_all(text: str) -> Iterator[yaml.Node]:
    loader = _LOADER(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                yield node
    finally:
        loader.dispose()


def _error_line(exc: Exception, base_line: int = 0) -> int:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return (mark.line + 1 + base_line) if mark is not None else base_line + 1


def _error_text(exc: Exception) -> str:
    return " ".join(str(getattr(exc, "problem", None) or exc).split())[:200]


def parse_documents(text: str) -> tuple[list[Doc], list[tuple[int, int, int, str]]]:
    """Compose every document. Returns the documents and, for those that do not parse,
    (document number, its first line, the error's line, problem). A broken document does not
    hide the ones after it."""
    try:
        nodes = list(_compose_all(text))
        return [Doc(n, text, lambda i: i, k + 1) for k, n in enumerate(nodes)], []
    except yaml.YAMLError:
        pass
    # document by document
    bounds = [m.start() for m in _DOC_START_RE.finditer(text)]
    if not bounds or bounds[0] != 0:
        bounds = [0] + bounds
    bounds.append(len(text))
    docs: list[Doc] = []
    errors: list[tuple[int, int, int, str]] = []
    number = 0
    for a, b in zip(bounds, bounds[1:]):
        chunk = text[a:b]
        if not chunk.strip() or chunk.strip() == "---":
            continue
        number += 1
        base_line = text.count("\n", 0, a)
        try:
            for n in _compose_all(chunk):
                docs.append(Doc(n, chunk, (lambda base: (lambda i: base + i))(a), number))
        except yaml.YAMLError as exc:
            errors.append((number, base_line + 1, _error_line(exc, base_line), _error_text(exc)))
    return docs, errors


# ------------------------------------------------------------------------------------------
# Scalars: value characters to file offsets
# ------------------------------------------------------------------------------------------

_ESC_LEN = {"x": 4, "u": 6, "U": 10}


def scalar_word(node: yaml.ScalarNode, doc: Doc) -> Word:
    """The scalar's value as a ``Word`` whose every character knows its file offset (inside
    quotes, across folded lines, block-scalar indentation and escapes)."""
    v = node.value
    r = doc.text[node.start_mark.index : node.end_mark.index]
    base = node.start_mark.index
    style = node.style or None  # libyaml says "" for plain scalars
    p = 0
    if style in ("'", '"'):
        p = 1
    elif style in ("|", ">"):
        nl = r.find("\n")
        p = len(r) if nl < 0 else nl + 1
    offs: list[int] = []
    simple = style is None and "\n" not in r and r == v
    if simple:
        offs = list(range(base, base + len(v)))
    else:
        vi = 0
        last = p
        while vi < len(v):
            ch = v[vi]
            if p >= len(r):
                offs.append(base + min(last, max(len(r) - 1, 0)))
                vi += 1
                continue
            c = r[p]
            if style == '"' and c == "\\":
                nxt = r[p + 1] if p + 1 < len(r) else ""
                if nxt in ("\n", "\r"):
                    p += 2
                    while p < len(r) and r[p] in " \t":
                        p += 1
                    continue
                offs.append(base + p)
                last = p
                p += _ESC_LEN.get(nxt, 2)
                vi += 1
                continue
            if style == "'" and c == "'" and r[p + 1 : p + 2] == "'":
                offs.append(base + p)
                last = p
                p += 2
                vi += 1
                continue
            if c == ch:
                offs.append(base + p)
                last = p
                p += 1
                vi += 1
                continue
            if c in " \t\r\n":
                if c == "\n" and ch in " \n":  # a folded line break
                    offs.append(base + p)
                    last = p
                    p += 1
                    while p < len(r) and r[p] in " \t":
                        p += 1
                    vi += 1
                    continue
                p += 1
                continue
            offs.append(base + p)  # cannot align: keep the nearest position
            last = p
            p += 1
            vi += 1
    absolute = tuple(doc.pos(o) for o in offs)
    start = absolute[0] if absolute else doc.pos(base + p if p < len(r) else base)
    return Word(v, absolute, start, False, style in ("'", '"'))


def _is_str(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == _STR_TAG


def _key(node: yaml.Node) -> str:
    return node.value if isinstance(node, yaml.ScalarNode) and isinstance(node.value, str) else ""


def _pairs(node: yaml.MappingNode) -> list[tuple[str, yaml.Node, yaml.Node]]:
    """(key, key node, value node), following ``<<`` merge keys."""
    out = []
    for k, v in node.value:
        if _key(k) == "<<" and k.tag == "tag:yaml.org,2002:merge":
            merged = v.value if isinstance(v, yaml.SequenceNode) else [v]
            for m in merged:
                if isinstance(m, yaml.MappingNode):
                    out.extend(_pairs(m))
            continue
        out.append((_key(k), k, v))
    return out


# ------------------------------------------------------------------------------------------
# The walk
# ------------------------------------------------------------------------------------------


@dataclass
class _Label:
    key: str
    key_word: Word
    values: list[Word]
    doc: int


@dataclass
class _State:
    kb: KnowledgeBase
    hits: list[Hit] = field(default_factory=list)
    labels: list[_Label] = field(default_factory=list)
    block_ranges: list[tuple[int, int]] = field(default_factory=list)
    seen: set = field(default_factory=set)
    depth: int = 0


def _hardware_for_vendor(kb: KnowledgeBase, name: str):
    """The hardware entry a GPU driver / runtime name (``nvidia``, ``amd``) designates: the entry
    whose id or vendor is that name, else the one whose Kubernetes resource domain starts with
    it and names a ``gpu``."""
    n = name.strip().lower()
    if not n:
        return None
    for e in kb.section("hardware"):
        if e.id.lower() == n:
            return e
    cands = []
    for e in kb.section("hardware"):
        for res in e.get("k8s_resources", []):
            dom, _, kind = res.lower().partition("/")
            if dom.split(".")[0] == n:
                cands.append((kind != "gpu", e.id, e))
    if cands:
        return sorted(cands, key=lambda c: (c[0], c[1]))[0][2]
    for e in kb.section("hardware"):
        if str(e.get("vendor", "")).lower() == n:
            return e
    return None


class _Walker:
    def __init__(self, st: _State, doc: Doc, path: str):
        self.st = st
        self.kb = st.kb
        self.doc = doc
        self.path = path

    def word(self, node: yaml.ScalarNode) -> Word:
        return scalar_word(node, self.doc)

    def add(self, hits: Iterable[Hit | None]) -> None:
        self.st.hits.extend(h for h in hits if h is not None)

    # -- entry ------------------------------------------------------------------------------
    def run(self) -> None:
        root = self.doc.root
        if isinstance(root, yaml.MappingNode):
            top = {k: v for k, _, v in _pairs(root)}
            kind = top.get("kind")
            if isinstance(kind, yaml.ScalarNode) and kind.value == "Secret" and "apiVersion" in top:
                # a Kubernetes Secret: no value is ever read
                return
        self.walk(root, ())

    def walk(self, node: yaml.Node, keys: tuple[str, ...]) -> None:
        if id(node) in self.st.seen or len(keys) > 100:
            return
        self.st.seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            if node.style in ("|", ">"):
                self.st.block_ranges.append((self.doc.pos(node.start_mark.index), self.doc.pos(node.end_mark.index)))
            if _is_str(node) and not any(is_secret_name(k) for k in keys[-1:]):
                self.scalar(node, keys)
            return
        if isinstance(node, yaml.SequenceNode):
            for item in node.value:
                self.walk(item, keys)
            return
        if isinstance(node, yaml.MappingNode):
            self.mapping(node, keys)

    # -- scalars everywhere: URLs, Hub URIs -------------------------------------------------
    def scalar(self, node: yaml.ScalarNode, keys: tuple[str, ...]) -> None:
        v = node.value
        if "://" not in v:
            return
        w = self.word(node)
        self.add(url_hits(w, self.kb))
        s = v.strip()
        if s.startswith("hf://") or re.match(r"^(https?://)?(www\.)?(huggingface\.co|hf\.co)/", s):
            self.add([model_hit(w, self.kb, "hf")])
        elif s.startswith("ollama://"):
            self.add([model_hit(w.sub(len("ollama://")), self.kb, "ollama")])

    # -- mappings -----------------------------------------------------------------------------
    def mapping(self, node: yaml.MappingNode, keys: tuple[str, ...]) -> None:
        pairs = _pairs(node)
        low = {k.lower(): (kn, vn) for k, kn, vn in pairs if k}
        parent = keys[-1].lower() if keys else ""
        handled: set[int] = set()

        # container images
        for k in ("image",):
            if k in low and _is_str(low[k][1]):
                self.add(image_hits(self.word(low[k][1]), self.kb))
        if "repository" in low and _is_str(low["repository"][1]) and ("tag" in low or "image" in parent or "registry" in low):
            repo = low["repository"][1]
            reg = low.get("registry", (None, None))[1]
            name = repo.value
            first = name.split("/", 1)[0]
            if reg is not None and _is_str(reg) and reg.value.strip() and not ("." in first or ":" in first or first == "localhost"):
                name = reg.value.strip().rstrip("/") + "/" + name
            self.add(image_hits(self.word(repo), self.kb, image=name))
        if "name" in low and _is_str(low["name"][1]) and "image" in parent:
            self.add(image_hits(self.word(low["name"][1]), self.kb))

        # command lines: entrypoint/command/args read together when all are lists
        parts = [(k, low[k][1]) for k in _COMMAND_KEYS if k in low and (_is_str(low[k][1]) or isinstance(low[k][1], yaml.SequenceNode))]
        if parts:
            lists = [p for p in parts if isinstance(p[1], yaml.SequenceNode) and all(_is_str(x) for x in p[1].value)]
            if len(lists) == len(parts):
                words = [self.word(x) for _, p in lists for x in p.value]
                self.add(analyze_argv(words, self.kb))
            else:
                for _, p in parts:
                    self.command_value(p)
            handled.update(id(p) for _, p in parts)

        # LiteLLM model_list entries
        in_litellm = parent == "litellm_params"

        for k, kn, vn in pairs:
            kl = k.lower()
            if not k:
                self.walk(vn, keys + ("",))
                continue
            if id(vn) in handled:
                continue
            # hardware by Kubernetes resource name (limits, requests, capacity, device plugins ...)
            hw = self.kb.hardware_for_resource(k) if "/" in k or "." in k else None
            if hw is not None:
                kw = self.word(kn)
                self.add([Hit(Kind.HARDWARE, hw.id, k, kw.start, "resource", 0.95, hw.id, (("resource", k),))])
            if is_secret_name(k):  # never read a secret's value
                self.add([env_key_hit(k, self.word(kn).start, self.kb)])
                continue
            if kl in ("env", "environment", "variables", "envvars", "env_vars", "extraenv", "extra_env"):
                self.env(vn, keys + (k,))
                continue
            if kl in _SCRIPT_KEYS and (_is_str(vn) or isinstance(vn, yaml.SequenceNode)):
                self.script_value(vn)
                continue
            if kl in ("nodeselector", "node_selector"):
                self.node_selector(vn)
                continue
            if kl in _LABEL_LISTS and isinstance(vn, yaml.SequenceNode):
                self.label_expressions(vn)
                continue
            if kl in ("driver", "runtime") and _is_str(vn) and (parent == "devices" or kl == "runtime" or "capabilities" in low):
                e = _hardware_for_vendor(self.kb, vn.value)
                if e is not None:
                    w = self.word(vn)
                    self.add([Hit(Kind.HARDWARE, e.id, vn.value, w.start, "device", 0.85, e.id, ((kl, vn.value),))])
            if kl in ("key", "resourcename", "resource") and _is_str(vn):
                e = self.kb.hardware_for_resource(vn.value)
                if e is not None:
                    w = self.word(vn)
                    self.add([Hit(Kind.HARDWARE, e.id, vn.value, w.start, "resource", 0.9, e.id, (("resource", vn.value),))])
            if _is_str(vn) and (in_litellm and kl in ("api_base", "base_url", "api_url", "endpoint", "url") or is_endpoint_key(k, self.kb)):
                self.add(url_hits(self.word(vn), self.kb, always=True))
            if kl in ("api_key", "api_key_env") and _is_str(vn) and vn.value.startswith("os.environ/"):
                w = self.word(vn)
                var = vn.value[len("os.environ/"):]
                self.add([env_key_hit(var, w.start + len("os.environ/"), self.kb)])
                continue
            # values whose key says model (a LiteLLM ``model_name`` is the public alias; a
            # Kubernetes label or annotation ``model: llama3`` tags an object: neither is a model)
            if kl == "model_name" and "litellm_params" in low or any(_is_tag_key(x) for x in keys[-2:]):
                pass
            elif isinstance(vn, yaml.ScalarNode) and _is_str(vn) and is_model_key(k):
                hint = "litellm" if in_litellm and kl == "model" else "model"
                self.add([model_hit(self.word(vn), self.kb, hint, 1.0, {"key": k})])
            elif isinstance(vn, yaml.SequenceNode) and is_model_key(k, plural=True):
                for item in vn.value:
                    if _is_str(item):
                        self.add([model_hit(self.word(item), self.kb, "model", 0.95, {"key": k})])
            # YAML or a script embedded in a string (ConfigMap data, Ray serveConfigV2)
            if _is_str(vn) and (kl.endswith((".yaml", ".yml", ".json")) or kl in ("serveconfigv2", "serveconfig")):
                self.embedded(vn)
            elif _is_str(vn) and kl.endswith((".sh", ".bash")):
                self.script_value(vn)
            self.walk(vn, keys + (k,))

    # -- pieces ---------------------------------------------------------------------------------
    def command_value(self, node: yaml.Node) -> None:
        if _is_str(node):
            w = self.word(node)
            self.add(analyze_script(split_script(w.value, offs=w.offs or None, base=w.start), self.kb))
        elif isinstance(node, yaml.SequenceNode):
            words = [self.word(x) for x in node.value if _is_str(x)]
            self.add(analyze_argv(words, self.kb))

    def script_value(self, node: yaml.Node) -> None:
        items = [node] if isinstance(node, yaml.ScalarNode) else [x for x in node.value if isinstance(x, yaml.ScalarNode)]
        for item in items:
            if not _is_str(item):
                continue
            w = self.word(item)
            self.add(analyze_script(split_script(w.value, offs=w.offs or None, base=w.start), self.kb))
        if isinstance(node, yaml.SequenceNode):
            for x in node.value:
                if isinstance(x, yaml.MappingNode):
                    self.walk(x, ("script",))

    def env(self, node: yaml.Node, keys: tuple[str, ...]) -> None:
        kb = self.kb
        if isinstance(node, yaml.MappingNode):
            for k, kn, vn in _pairs(node):
                if not k:
                    continue
                kw = self.word(kn)
                if isinstance(vn, yaml.MappingNode):  # GitLab: VAR: {value: ..., description: ...}
                    sub = {kk.lower(): v for kk, _, v in _pairs(vn)}
                    vn = sub.get("value")
                if vn is not None and _is_str(vn):
                    self.add(assignment_hits(k, self.word(vn), kb, kw.start))
                    if not is_secret_name(k):
                        self.add(url_hits(self.word(vn), kb))
                else:
                    self.add([env_key_hit(k, kw.start, kb)])
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                if _is_str(item):
                    w = self.word(item)
                    name, eq, _ = w.value.partition("=")
                    if eq:
                        self.add(assignment_hits(name.strip(), w.sub(len(name) + 1), kb, w.start))
                    else:
                        self.add([env_key_hit(name.strip(), w.start, kb)])
                elif isinstance(item, yaml.MappingNode):
                    sub = {k.lower(): (kn, vn) for k, kn, vn in _pairs(item)}
                    name = sub.get("name")
                    if name is None or not _is_str(name[1]):
                        self.walk(item, keys)
                        continue
                    var = name[1].value
                    value = sub.get("value")
                    if value is not None and _is_str(value[1]):
                        self.add(assignment_hits(var, self.word(value[1]), kb, self.word(name[1]).start))
                    else:  # valueFrom: only the name
                        self.add([env_key_hit(var, self.word(name[1]).start, kb)])
        elif node is not None:
            self.walk(node, keys)

    def node_selector(self, node: yaml.Node) -> None:
        if not isinstance(node, yaml.MappingNode):
            return
        for k, kn, vn in _pairs(node):
            if k:
                vals = [self.word(vn)] if isinstance(vn, yaml.ScalarNode) and vn.value != "" else []
                self.st.labels.append(_Label(k, self.word(kn), vals, self.doc.number))

    def label_expressions(self, node: yaml.SequenceNode) -> None:
        for item in node.value:
            if not isinstance(item, yaml.MappingNode):
                continue
            sub = {k.lower(): (kn, vn) for k, kn, vn in _pairs(item)}
            key = sub.get("key")
            if key is None or not isinstance(key[1], yaml.ScalarNode):
                continue
            vals = []
            values = sub.get("values")
            if values is not None and isinstance(values[1], yaml.SequenceNode):
                vals = [self.word(x) for x in values[1].value if isinstance(x, yaml.ScalarNode)]
            self.st.labels.append(_Label(key[1].value, self.word(key[1]), vals, self.doc.number))

    def embedded(self, node: yaml.ScalarNode) -> None:
        if self.st.depth > 2:
            return
        w = self.word(node)
        if ":" not in w.value:
            return
        offs = w.offs
        try:
            roots = list(_compose_all(w.value))
        except yaml.YAMLError:
            return
        self.st.depth += 1
        try:
            pos = lambda i: offs[i] if i < len(offs) else (offs[-1] + 1 if offs else w.start)  # noqa: E731
            for r in roots:
                if isinstance(r, (yaml.MappingNode, yaml.SequenceNode)):
                    _Walker(self.st, Doc(r, w.value, pos, self.doc.number), self.path).run()
        finally:
            self.st.depth -= 1


def _resolve_labels(st: _State) -> None:
    """Cloud labels, instance types and regions. A region is attributed to a cloud only when the
    same document (else the file) names exactly one cloud that could own it."""
    kb = st.kb
    doc_clouds: dict[int, set[str]] = {}
    file_clouds: set[str] = set()
    for lab in st.labels:
        c = kb.cloud_for_label(lab.key)
        if c is not None:
            st.hits.append(Hit(Kind.CLOUD, c.id, lab.key, lab.key_word.start, "label", 0.9, c.id, (("label", lab.key),)))
            doc_clouds.setdefault(lab.doc, set()).add(c.id)
            file_clouds.add(c.id)
        if lab.key.lower() in INSTANCE_TYPE_LABELS:
            for w in lab.values:
                hit = kb.instance_type(w.value)
                if hit is None:
                    continue
                hw, it = hit
                attrs = (("accelerator", str(it.get("accelerator", ""))), ("cloud", str(it.get("cloud", ""))), ("label", lab.key))
                st.hits.append(Hit(Kind.HARDWARE, hw.id, w.value, w.start, "instance-type", 0.9, "", attrs))
                cloud = str(it.get("cloud", ""))
                if cloud:  # the instance type says which cloud the node runs in
                    doc_clouds.setdefault(lab.doc, set()).add(cloud)
                    file_clouds.add(cloud)
    for lab in st.labels:
        if re.search(r"accelerator|gpu|tpu|npu", lab.key, re.IGNORECASE):
            for w in lab.values:
                e = _hardware_for_accelerator(kb, w.value)
                if e is not None:
                    hw, acc = e
                    st.hits.append(Hit(Kind.HARDWARE, hw.id, w.value, w.start, "label", 0.85, "", (("accelerator", acc), ("label", lab.key))))
    for lab in st.labels:
        key = lab.key.lower()
        own = kb.cloud_for_label(key) is not None  # a cloud's own zone label (topology.gke.io/zone)
        is_zone = key in ZONE_LABELS or own and key.endswith("/zone")
        if key not in REGION_LABELS and not is_zone and not (own and key.endswith("/region")):
            continue
        for w in lab.values:
            name = w.value.strip()
            if not name or "$" in name or "{" in name:
                continue
            evidence = doc_clouds.get(lab.doc) or file_clouds
            cloud, region, region_name = _pick_cloud(kb, evidence, name, is_zone)
            if region_name is None:
                if is_zone:
                    continue
                region_name = name
            attrs = [("label", lab.key)]
            if is_zone:
                attrs.append(("zone", name))
            if region is not None and region.get("country"):
                attrs.append(("country", str(region["country"])))
            st.hits.append(Hit(Kind.CLOUD, region_name, w.value, w.start, "region", 0.85, cloud, tuple(sorted(attrs))))


def _hardware_for_accelerator(kb: KnowledgeBase, value: str):
    """(hardware entry, accelerator) whose accelerator name appears as a whole token of a node
    label value (``nvidia-tesla-a100``, ``NVIDIA-H100-80GB-HBM3``, ``a10g``)."""
    toks = [t for t in re.split(r"[^a-z0-9]+", value.lower()) if t]
    if not toks:
        return None
    joined = "-".join(toks)
    best = None
    for e in kb.section("hardware"):
        for acc in e.get("accelerators", []):
            a = [t for t in re.split(r"[^a-z0-9]+", acc.lower()) if t]
            if not a:
                continue
            pat = "-".join(a)
            if re.search(rf"(^|-){re.escape(pat)}(-|$)", joined) and (best is None or len(pat) > best[2]):
                best = (e, acc, len(pat))
    return (best[0], best[1]) if best else None


def _zone_candidates(zone: str) -> list[str]:
    out = []
    m = re.match(r"^(.*\d)[a-z]$", zone)  # us-east-1a
    if m:
        out.append(m.group(1))
    m = re.match(r"^(.*)-[a-z]$", zone)  # europe-west4-a
    if m:
        out.append(m.group(1))
    m = re.match(r"^(.*)-[a-z]\d?$", zone)
    if m:
        out.append(m.group(1))
    out.append(zone)
    return list(dict.fromkeys(out))


def _pick_cloud(kb: KnowledgeBase, evidence: set[str], name: str, zone: bool) -> tuple[str, dict | None, str | None]:
    """(cloud id or "", the region entry, the region name) for a region or zone label value."""
    candidates = _zone_candidates(name) if zone else [name]
    if len(evidence) == 1:
        cloud = next(iter(evidence))
        for cand in candidates:
            r = kb.region(cloud, cand)
            if r is not None:
                return cloud, r, r["name"] if zone else name
        return cloud, None, (None if zone else name)
    if len(evidence) > 1:
        owners = [(c, cand, kb.region(c, cand)) for cand in candidates for c in sorted(evidence) if kb.region(c, cand) is not None]
        if len({c for c, _, _ in owners}) == 1:
            c, cand, r = owners[0]
            return c, r, cand
        return "", None, (None if zone else name)
    # no cloud named anywhere: never guess (region names collide across clouds)
    if zone:
        for cand in candidates:
            if kb.clouds_with_region(cand):
                return "", None, cand
        return "", None, None
    return "", None, name


# ------------------------------------------------------------------------------------------
# Comments
# ------------------------------------------------------------------------------------------


def _comments(text: str, blocks: list[tuple[int, int]]) -> Iterator[tuple[str, int]]:
    """(comment text, absolute offset after '#') for YAML comments outside block scalars."""
    import bisect

    blocks = sorted(blocks)
    starts = [a for a, _ in blocks]
    reach: list[int] = []  # furthest block end among blocks starting at or before each index
    for _, b in blocks:
        reach.append(max(b, reach[-1]) if reach else b)

    def in_block(o: int) -> bool:
        i = bisect.bisect_right(starts, o) - 1
        return i >= 0 and o < reach[i]

    offset = 0
    for line in text.split("\n"):
        if "#" in line and not in_block(offset):
            q = ""
            for i, ch in enumerate(line):
                if q:
                    if ch == q:
                        q = ""
                elif ch in "'\"" and (i == 0 or line[i - 1] in " \t:[{,-"):
                    q = ch
                elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
                    yield line[i + 1 :], offset + i + 1
                    break
        offset += len(line) + 1


def _as_written(h: Hit, parsed: str, text: str) -> Hit:
    from dataclasses import replace

    end = h.offset + len(h.text)
    if parsed[h.offset:end] == h.text and text[h.offset:end] != h.text:
        return replace(h, text=text[h.offset:end])
    return h


# ------------------------------------------------------------------------------------------
# The detector
# ------------------------------------------------------------------------------------------


class YamlDetector(Detector):
    """Models, images, hardware, clouds, regions and endpoints in YAML manifests and configs."""

    name = "yaml"
    prefilter = "config"

    def applies(self, path: str) -> bool:
        low = basename(path).lower()
        return low.endswith((".yaml", ".yml"))

    def detect(self, f: SourceFile, kb: KnowledgeBase) -> Iterable[Reference | Skipped]:
        try:
            return self._detect(f, kb)
        except RecursionError:
            raise ValueError("YAML nested too deeply to read") from None

    def _detect(self, f: SourceFile, kb: KnowledgeBase) -> list[Reference | Skipped]:
        text = f.text
        docs, errors = parse_documents(text)
        templated = False
        parsed = text
        if errors and (_TEMPLATE_RE.search(text) or _PLACEHOLDER_RE.search(text)):
            # a template (Helm, Jinja): parse again with its actions blanked out
            templated = True
            parsed = blank_templates(text)
            docs, errors = parse_documents(parsed)
        if errors and not docs and not templated:
            _, _, line, problem = errors[0]
            raise ValueError(f"malformed YAML at line {line}: {problem}")
        st = _State(kb)
        for d in docs:
            _Walker(st, d, f.path).run()
        _resolve_labels(st)
        index = LineIndex(text)
        hits = list(st.hits)
        if templated:  # report the text as written, not as blanked
            hits = [_as_written(h, parsed, text) for h in hits]
        for ctext, start in _comments(text, st.block_ranges):
            hits.extend(comment_hits(ctext, start, kb))
        out: list[Reference | Skipped] = list(to_references(self, f, dedupe(hits), Context.CONFIG, index))
        for number, first, line, problem in errors:
            where = f"document {number} (line {first})"
            if templated:
                out.append(Skipped(f.path, "templated", f"{where} does not parse with its template actions blanked: {problem} at line {line}"))
            else:
                out.append(Skipped(f.path, "could not parse (yaml)", f"{where}: malformed YAML at line {line}: {problem}; the other documents were scanned"))
        return out


__all__ = ["YamlDetector", "parse_documents", "blank_templates", "scalar_word"]
