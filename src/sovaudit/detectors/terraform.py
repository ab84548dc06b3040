"""Terraform: which clouds, regions, GPU instance types and managed-model services a configuration
provisions, and the model names inside them.

Reads ``*.tf``, ``*.tf.json`` and ``*.tfvars`` with python-hcl2 (``*.tf.json`` with ``json``) into a
small positioned tree, then reads that tree:

* ``terraform { required_providers { ... } }`` and ``provider "NAME" { ... }`` -> the cloud
  (``kb.cloud_for_terraform``), form ``provider``; a provider's ``region`` (literal, or ``var.x`` /
  ``local.x`` with a literal default in the same file) -> the region, form ``region``, attributed to
  that provider's cloud only;
* ``resource`` / ``data`` blocks -> one cloud reference per block by type prefix
  (``kb.cloud_for_resource_type``), form ``resource``, plus the regions/locations written in them;
* registry ``module`` sources (``terraform-aws-modules/eks/aws``) -> the cloud, form ``module``;
* instance/machine/VM sizes anywhere (``instance_type``, ``instance_types``, ``machine_type``,
  ``vm_size``, ``size``...) that ``kb.instance_type`` knows -> hardware, form ``instance-type``;
* model names: Bedrock ARNs and ids, Vertex ``publishers/X/models/Y`` names, Azure OpenAI
  ``model { name = ... }`` blocks, container environments (``HF_MODEL_ID``), variables and locals
  whose name says model -- all through ``parse_model_string``; other strings only when the
  knowledge base vouches for them. A resource's own names (``name``, ``*_name``:
  ``provisioned_model_name``, the resource-level ``name`` of an Azure deployment) are aliases, not
  models. Wildcard ARNs are policy patterns, not models. Heredocs and JSON strings get a
  conservative scan;
* container ``command`` / ``args`` / ``image`` values go through the shared command-line reader
  (``commands.py``: ``--model X``, ``vllm serve X``, NIM images), device resources in ``limits``
  maps (``nvidia.com/gpu``) -> hardware.

A file hcl2 cannot parse gets a conservative line scan (lower confidence), then the detector raises
``ValueError("malformed HCL: ...")`` so the scanner records the skip while keeping what was found.
Files over ``HCL_PARSE_LIMIT`` characters get the line scan and a partial-scan skip.
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Union
from urllib.parse import urlsplit

from sovaudit.detectors.base import Detector, SourceFile, line_col, parse_model_string
from sovaudit.detectors.commands import LineIndex, Word, analyze_argv, analyze_shell, dedupe, image_hits, text_hits
from sovaudit.model import Context, Kind, Location, Reference, Skipped
from sovaudit.rules import KnowledgeBase

# ------------------------------------------------------------------------------------------
# A small positioned tree, built from hcl2's parse tree or from Terraform JSON
# ------------------------------------------------------------------------------------------


@dataclass
class Lit:
    """A literal string (no interpolation) and where its first character is."""

    value: str
    line: int
    col: int


@dataclass
class Expr:
    """Any non-literal expression: its source text and the literals/containers inside it."""

    text: str
    line: int
    col: int
    inner: list["Node"] = field(default_factory=list)


@dataclass
class Heredoc:
    body: str
    line: int  # line of the first body line


@dataclass
class Seq:
    items: list["Node"]
    line: int
    col: int


@dataclass
class Item:
    key: str
    node: "Node"
    line: int
    col: int


@dataclass
class Map:
    """A block body or an object. ``labels`` are a block's labels after its type."""

    items: list[Item]
    line: int
    col: int
    labels: list[Lit] = field(default_factory=list)
    is_block: bool = False  # a block (its keys are the resource schema's), not an object value

    def get(self, key: str) -> "Node | None":
        for it in self.items:
            if it.key == key:
                return it.node
        return None


Node = Union[Lit, Expr, Heredoc, Seq, Map]


def _hcl_tree(text: str) -> list[Item]:
    """Parse HCL with python-hcl2 into positioned items. Raises ValueError on malformed input."""
    import hcl2
    from lark.exceptions import UnexpectedEOF, UnexpectedInput

    transformer = _transformer()
    try:
        start = transformer.transform(hcl2.parses_to_tree(text))  # what hcl2.parses(text) does
    except UnexpectedInput as exc:
        tok = getattr(exc, "token", None)
        if isinstance(exc, UnexpectedEOF) or (tok is not None and getattr(tok, "type", "") == "$END"):
            what = "unexpected end of file"
        elif tok is not None:
            what = f"unexpected {str(tok)[:40]!r}"
        else:
            what = f"unexpected character {getattr(exc, 'char', '')!r}"
        raise ValueError(f"malformed HCL: line {getattr(exc, 'line', '?')}, column {getattr(exc, 'column', '?')}: {what}") from None
    except Exception as exc:  # hcl2 raises RuntimeError/ValueError on a few malformed constructs
        raise ValueError(f"malformed HCL: {' '.join(str(exc).split())[:200]}") from None
    return _HclConverter().body(start.body)


_TRANSFORMER: list = []


def _transformer():
    """hcl2's ``RuleTransformer`` (what ``hcl2.transform`` builds per call), built once. lark looks
    each node's callback up on the transformer, and a ``v_args`` callback then builds a new bound
    wrapper (``functools.update_wrapper``) per node, about a quarter of the transform: each is bound
    once here and kept in the instance, where that look-up finds it first (the wrapper is a
    non-data descriptor). The transformer keeps no state between trees."""
    if not _TRANSFORMER:
        from hcl2.transformer import RuleTransformer

        t = RuleTransformer(discard_new_line_or_comments=False)
        try:
            from lark.visitors import _VArgsWrapper
        except ImportError:  # another lark: unbound callbacks, as hcl2 has them
            _VArgsWrapper = ()
        for klass in type(t).__mro__:
            for name, attr in vars(klass).items():
                if isinstance(attr, _VArgsWrapper) and name not in t.__dict__:
                    t.__dict__[name] = getattr(t, name)
        _TRANSFORMER.append(t)
    return _TRANSFORMER[0]


class _HclConverter:
    def __init__(self) -> None:
        from hcl2 import SerializationOptions
        from hcl2.rules.abstract import LarkRule
        from hcl2.rules.base import AttributeRule, BlockRule
        from hcl2.rules.containers import ObjectRule, TupleRule
        from hcl2.rules.strings import HeredocTemplateRule, StringRule

        self.opts = SerializationOptions(with_comments=False, strip_string_quotes=True, explicit_blocks=False)
        self._rules = (LarkRule, AttributeRule, BlockRule, ObjectRule, TupleRule, HeredocTemplateRule, StringRule)

    @staticmethod
    def _pos(n) -> tuple[int, int]:
        m = getattr(n, "_meta", None)
        if m is None or getattr(m, "empty", True):
            return 0, 0
        return m.line, m.column

    def body(self, body) -> list[Item]:
        _, AttributeRule, BlockRule, *_ = self._rules
        out: list[Item] = []
        for child in body.children:
            if isinstance(child, AttributeRule):
                line, col = self._pos(child)
                out.append(Item(str(child.identifier.serialize(self.opts)), self.expr(child.expression), line, col))
            elif isinstance(child, BlockRule):
                labels = child.labels
                line, col = self._pos(child)
                lits: list[Lit] = []
                for lab in labels[1:]:
                    ll, lc = self._pos(lab)
                    is_str = lab.lark_name() == "string"
                    lits.append(Lit(str(lab.serialize(self.opts)), ll, lc + 1 if is_str else lc))
                bl, bc = self._pos(child.body)
                out.append(Item(str(labels[0].serialize(self.opts)), Map(self.body(child.body), bl or line, bc or col, lits, True), line, col))
        return out

    def expr(self, n) -> Node:
        LarkRule, _, _, ObjectRule, TupleRule, HeredocTemplateRule, StringRule = self._rules
        name = n.lark_name()
        line, col = self._pos(n)
        if isinstance(n, StringRule):
            parts = n.string_parts
            if all(p.content.lark_name() == "STRING_CHARS" for p in parts):
                return Lit(str(n.serialize(self.opts)), line, col + 1)
            return Expr(str(n.serialize(self.opts)), line, col, [self.expr(p) for p in parts if isinstance(p, LarkRule)])
        if isinstance(n, TupleRule):
            return Seq([self.expr(e) for e in n.elements], line, col)
        if isinstance(n, ObjectRule):
            items: list[Item] = []
            for el in n.elements:
                key_rule = el.key
                kl, kc = self._pos(key_rule)
                try:
                    key = str(key_rule.serialize(self.opts))
                except Exception:  # pragma: no cover - exotic key expressions
                    key = ""
                items.append(Item(key, self.expr(el.expression), kl, kc))
            return Map(items, line, col)
        if isinstance(n, HeredocTemplateRule):
            raw = str(n.heredoc.value)
            nl = raw.find("\n")
            body = raw[nl + 1:] if nl >= 0 else ""
            body = body.rstrip()
            last = body.rfind("\n")
            body = body[:last] if last >= 0 else ""  # drop the closing marker line
            return Heredoc(body, line + 1)
        if name == "expr_term":
            kids = [c for c in n.children if isinstance(c, LarkRule)]
            if len(kids) == 1:
                return self.expr(kids[0])
        try:
            text = str(n.serialize(self.opts))
        except Exception:  # pragma: no cover
            text = ""
        inner = [self.expr(c) for c in n.children if isinstance(c, LarkRule)] if isinstance(n, LarkRule) else []
        return Expr(text, line, col, [i for i in inner if not (isinstance(i, Expr) and not i.inner)])


# -- Terraform JSON syntax ------------------------------------------------------------------

_JSON_LABEL_DEPTH = {"resource": 2, "data": 2, "provider": 1, "variable": 1, "module": 1, "output": 1}


class _JsonPositions:
    """Finds each string of a parsed JSON document in its text, in document order."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.cursor = 0

    def find(self, s: str) -> tuple[int, int]:
        for enc in (json.dumps(s, ensure_ascii=False), json.dumps(s)):
            i = self.text.find(enc, self.cursor)
            if i >= 0:
                self.cursor = i + len(enc)
                line, col = line_col(self.text, i + 1)
                return line, col
        return line_col(self.text, self.cursor)


def _json_tree(text: str) -> list[Item]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(data, dict):
        raise ValueError("malformed Terraform JSON: the top level is not an object")
    pos = _JsonPositions(text)

    def value(v, line: int, col: int) -> Node:
        if isinstance(v, str):
            l, c = pos.find(v)
            if v.startswith("${") and v.endswith("}") and "${" not in v[2:]:
                return Expr(v, l, c)
            return Lit(v, l, c) if "${" not in v else Expr(v, l, c)
        if isinstance(v, list):
            return Seq([value(x, line, col) for x in v], line, col)
        if isinstance(v, dict):
            return obj(v)
        return Expr(json.dumps(v), line, col)

    def obj(d: dict, labels: list[Lit] | None = None) -> Map:
        items: list[Item] = []
        l0, c0 = line_col(text, pos.cursor)
        for k, v in d.items():
            l, c = pos.find(k)
            items.append(Item(str(k), value(v, l, c), l, c))
        return Map(items, l0, c0, labels or [])

    def blocks(btype: str, v, depth: int, labels: list[Lit], line: int, col: int) -> Iterator[Item]:
        if isinstance(v, list):
            for x in v:
                yield from blocks(btype, x, depth, labels, line, col)
            return
        if not isinstance(v, dict):
            yield Item(btype, value(v, line, col), line, col)
            return
        if depth == 0:
            body = obj(v, labels)
            body.is_block = True
            yield Item(btype, body, line, col)
            return
        for k, sub in v.items():
            l, c = pos.find(k)
            yield from blocks(btype, sub, depth - 1, labels + [Lit(str(k), l, c)], line, col)

    out: list[Item] = []
    for k, v in data.items():
        l, c = pos.find(k)
        depth = _JSON_LABEL_DEPTH.get(k, 0)
        if k in ("locals",) or (depth == 0 and not isinstance(v, (dict, list))):
            out.append(Item(k, value(v, l, c), l, c))
        else:
            out.extend(blocks(k, v, depth, [], l, c))
    return out


# ------------------------------------------------------------------------------------------
# Key names
# ------------------------------------------------------------------------------------------

_COMMAND_KEYS = frozenset({"command", "args", "entrypoint", "entry_point", "cmd"})
_IMAGE_KEYS = frozenset({"image", "image_uri", "image_url", "container_image"})
_REGION_KEYS = frozenset({"region", "location", "zone", "availability_zone", "region_id", "region_name"})
_HW_SUFFIXES = ("instance_type", "instance_types", "machine_type", "machine_types", "vm_size", "vm_sizes", "size",
                "sizes", "instance_class", "node_type", "node_types", "instance_spec", "ecs_spec", "flavor")
_MODEL_LAST = frozenset({"model", "models", "id", "ids", "name", "names", "arn", "arns", "identifier", "identifiers"})
_VAR_REF_RE = re.compile(r"^\$\{(var|local)\.([A-Za-z_][A-Za-z0-9_-]*)\}$")
_PUBLISHER_RE = re.compile(r"(?:^|/)publishers/([A-Za-z0-9_.-]+)/models/([A-Za-z0-9_.:-]+)(?:@([A-Za-z0-9_.:-]+))?$")
_QUOTED_RE = re.compile(r"\"((?:[^\"\\\n]|\\.){1,200})\"|'([^'\n]{1,200})'")
_ARN_RE = re.compile(r"arn:aws[a-z-]*:bedrock:[A-Za-z0-9:/._-]+")
_KEY_BEFORE_RE = re.compile(r"[\"']?([A-Za-z_][A-Za-z0-9_.-]*)[\"']?\s*[:=]\s*$")


def _snake(key: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key).replace("-", "_").replace(".", "_").lower()


def model_key(key: str) -> bool:
    """Does a key/variable name say its value is a model (``model_id``, ``HF_MODEL_ID``,
    ``foundation_model``, ``base_model_identifier``)?"""
    parts = [p for p in _snake(key).split("_") if p]
    if not parts or not any(p in ("model", "models") for p in parts):
        return False
    return parts[-1] in _MODEL_LAST


def _accel_key(key: str, parent: str) -> bool:
    """``accelerator_type``, ``gpu_type``, or ``type`` inside ``guest_accelerator { }``."""
    k = _snake(key)
    if k.endswith(("accelerator_type", "gpu_type", "accelerator_types", "gpu_types")):
        return True
    return k == "type" and "accelerator" in _snake(parent)


def _accelerator(kb: KnowledgeBase, value: str):
    """The hardware entry and accelerator name a cloud accelerator type names
    (``nvidia-tesla-a100``, ``NVIDIA_L4``, ``nvidia-h100-80gb``), from the kb's accelerator lists."""
    toks = set(t for t in re.split(r"[^a-z0-9]+", value.lower()) if t)
    whole = re.sub(r"[^a-z0-9]", "", value.lower())
    for hw in kb.section("hardware"):
        for name in hw.get("accelerators", []):
            norm = re.sub(r"[^a-z0-9]", "", name.lower())
            if norm and (norm == whole or norm in toks):
                return hw, name
    return None


def _serving_provider(kb: KnowledgeBase, cloud_id: str, fmt: str):
    """The cloud's own model service for a deployment whose model block names a ``format``: among the
    kb's cloud-ml providers whose hosts lie under this cloud's hosts, the one whose id names the
    format (Azure + "OpenAI" -> azure-openai). None when the kb does not single one out."""
    cloud = kb.get("clouds", cloud_id)
    if cloud is None:
        return None
    cloud_hosts = [h.lower() for h in cloud.get("host_patterns", [])]
    word = re.sub(r"[^a-z0-9]", "", fmt.lower())
    found = []
    for p in kb.section("providers"):
        if p.get("kind") != "cloud-ml" or word not in p.id.lower().split("-"):
            continue
        hosts = [h.lower() for h in p.get("host_patterns", [])]
        hosts += [(urlsplit(b["url"]).hostname or "").lower() for b in p.get("base_urls", [])]
        if any(fnmatch.fnmatchcase(h, ch) for h in hosts if h for ch in cloud_hosts):
            found.append(p)
    return found[0] if len(found) == 1 else None


def _names_a_thing(key: str) -> bool:
    k = _snake(key)
    return k in ("name", "names") or k.endswith(("_name", "_names"))


def _hw_key(key: str) -> bool:
    k = _snake(key)
    return any(k == s or k.endswith("_" + s) for s in _HW_SUFFIXES)


# ------------------------------------------------------------------------------------------
# The detector
# ------------------------------------------------------------------------------------------


#: Larger .tf files are not parsed as HCL (python-hcl2 is slow on them), only line-scanned.
HCL_PARSE_LIMIT = 1_000_000


class TerraformDetector(Detector):
    """Clouds, regions, GPU instance types and model names in Terraform configurations."""

    name = "terraform"

    def applies(self, path: str) -> bool:
        p = path.lower()
        return p.endswith((".tf", ".tf.json", ".tfvars", ".tfvars.json"))

    def detect(self, f: SourceFile, kb: KnowledgeBase) -> Iterable[Reference]:
        lower = f.path.lower()
        if lower.endswith(".json"):
            items = _json_tree(f.text)
        elif len(f.text) > HCL_PARSE_LIMIT:
            # python-hcl2 needs seconds per 100 kB: a generated multi-megabyte file gets the line scan only
            yield from _Reader(self, f, kb).line_scan(f.text, 1, confidence_factor=0.7)
            yield Skipped(f.path, "partly scanned (terraform)",
                          f"{len(f.text)} characters > {HCL_PARSE_LIMIT}: not parsed as HCL; model ids found by a line scan")
            return
        else:
            try:
                items = _hcl_tree(f.text)
            except ValueError:
                # nothing is lost: a conservative scan for model ids first, then the skip
                yield from _Reader(self, f, kb).line_scan(f.text, 1, confidence_factor=0.7)
                raise
        yield from _Reader(self, f, kb).read(items)


class _Reader:
    def __init__(self, det: TerraformDetector, f: SourceFile, kb: KnowledgeBase) -> None:
        self.det = det
        self.f = f
        self.kb = kb
        self.vars: dict[str, Lit] = {}
        self.locals: dict[str, Lit] = {}
        self.local_cloud: dict[str, str] = {}  # provider local name -> cloud id
        self.seen: set[tuple] = set()
        self._starts: list[int] | None = None
        self._index = None

    # -- output --------------------------------------------------------------------------
    def _emit(self, kind: Kind, id_: str, text: str, line: int, col: int, form: str, confidence: float,
              provider: str = "", attributes: dict[str, str] | None = None, related=(),
              context: Context = Context.CONFIG) -> Iterator[Reference]:
        key = (kind, id_, line, col)
        if key in self.seen or line <= 0:
            return
        self.seen.add(key)
        yield self.det.ref(self.f, kind, id_, text, line, max(col, 1), form, context, confidence, provider,
                           attributes, related)

    # -- entry point ---------------------------------------------------------------------
    def read(self, items: list[Item]) -> Iterator[Reference]:
        self._collect(items)
        for it in items:
            node = it.node
            if it.key == "terraform" and isinstance(node, Map):
                yield from self._required_providers(node)
                yield from self._walk(node, "terraform", "", None)
            elif it.key == "provider" and isinstance(node, Map) and node.labels:
                yield from self._provider(node)
            elif it.key in ("resource", "data") and isinstance(node, Map) and node.labels:
                yield from self._resource(it.key, node)
            elif it.key == "module" and isinstance(node, Map):
                yield from self._module(node)
            elif it.key == "variable" and isinstance(node, Map) and node.labels:
                default = node.get("default")
                if default is not None:
                    yield from self._walk_value(default, node.labels[0].value, "", None, {})
            elif isinstance(node, Map):
                yield from self._walk(node, it.key, "", None)
            else:  # top-level attribute (.tfvars): its name is the key
                yield from self._walk_value(node, it.key, "", None, {})

    def _collect(self, items: list[Item]) -> None:
        for it in items:
            node = it.node
            if it.key == "variable" and isinstance(node, Map) and node.labels:
                d = node.get("default")
                if isinstance(d, Lit):
                    self.vars[node.labels[0].value] = d
            elif it.key == "locals" and isinstance(node, Map):
                for sub in node.items:
                    if isinstance(sub.node, Lit):
                        self.locals[sub.key] = sub.node
            elif it.key == "terraform" and isinstance(node, Map):
                for rp in self._required_items(node):
                    cloud = self._rp_cloud(rp)
                    if cloud is not None:
                        self.local_cloud[rp.key.lower()] = cloud.id

    # -- providers -----------------------------------------------------------------------
    @staticmethod
    def _required_items(tf: Map) -> Iterator[Item]:
        for it in tf.items:
            if it.key == "required_providers" and isinstance(it.node, Map):
                yield from it.node.items

    def _rp_cloud(self, rp: Item):
        src = rp.node.get("source") if isinstance(rp.node, Map) else None
        if isinstance(src, Lit):
            return self.kb.cloud_for_terraform(src.value)
        return self.kb.cloud_for_terraform(rp.key)

    def _required_providers(self, tf: Map) -> Iterator[Reference]:
        for rp in self._required_items(tf):
            cloud = self._rp_cloud(rp)
            if cloud is None:
                continue
            src = rp.node.get("source") if isinstance(rp.node, Map) else None
            attrs = {}
            if isinstance(rp.node, Map) and isinstance(rp.node.get("version"), Lit):
                attrs["version"] = rp.node.get("version").value
            if isinstance(src, Lit):
                yield from self._emit(Kind.CLOUD, cloud.id, src.value, src.line, src.col, "provider", 0.9, cloud.id,
                                      {"source": src.value, **attrs})
            else:
                yield from self._emit(Kind.CLOUD, cloud.id, rp.key, rp.line, rp.col, "provider", 0.85, cloud.id, attrs)

    def _provider(self, block: Map) -> Iterator[Reference]:
        label = block.labels[0]
        cid = self.local_cloud.get(label.value.lower())
        cloud = self.kb.get("clouds", cid) if cid else self.kb.cloud_for_terraform(label.value)
        if cloud is not None:
            attrs = {}
            alias = block.get("alias")
            if isinstance(alias, Lit):
                attrs["alias"] = alias.value
            yield from self._emit(Kind.CLOUD, cloud.id, label.value, label.line, label.col, "provider", 0.95, cloud.id, attrs)
        yield from self._walk(block, "provider", cloud.id if cloud else "", None, provider_block=True)

    # -- resources and modules -----------------------------------------------------------
    def _resource(self, kind: str, block: Map) -> Iterator[Reference]:
        rtype = block.labels[0]
        cloud = self.kb.cloud_for_resource_type(rtype.value)
        if cloud is not None:
            attrs = {"resource": rtype.value}
            if kind == "data":
                attrs["data"] = "true"
            yield from self._emit(Kind.CLOUD, cloud.id, rtype.value, rtype.line, rtype.col, "resource", 0.9, cloud.id, attrs)
        yield from self._walk(block, "", cloud.id if cloud else "", rtype.value)

    def _module(self, block: Map) -> Iterator[Reference]:
        cloud = None
        src = block.get("source")
        if isinstance(src, Lit):
            parts = src.value.split("//", 1)[0].split("?", 1)[0].split("/")
            # registry address: [host/]namespace/name/provider
            if len(parts) in (3, 4) and not src.value.startswith((".", "/")) and "::" not in src.value and ":" not in parts[0]:
                cloud = self.kb.cloud_for_terraform(parts[-1])
                if cloud is not None:
                    yield from self._emit(Kind.CLOUD, cloud.id, src.value, src.line, src.col, "module", 0.75, cloud.id,
                                          {"module": src.value})
        yield from self._walk(block, "module", cloud.id if cloud else "", None)

    # -- the generic walk ----------------------------------------------------------------
    def _walk(self, m: Map, parent: str, cloud: str, rtype: str | None, provider_block: bool = False) -> Iterator[Reference]:
        # {name = "HF_MODEL_ID", value = "..."} pairs (ECS/Kubernetes env): the name is the key
        name, val = m.get("name"), m.get("value")
        pair_key = name.value if isinstance(name, Lit) and isinstance(val, Lit) and re.match(r"^[A-Za-z_][A-Za-z0-9_.-]*$", name.value) else ""
        extra: dict[str, str] = {}
        if parent in ("model", "models"):
            for k in ("format", "version"):
                v = m.get(k)
                if isinstance(v, Lit) and v.value:
                    extra[k] = v.value
            if "format" in extra and cloud and rtype:
                # model { format = "OpenAI" name = "gpt-4o" } in a cloud resource: the cloud serves it
                serving = _serving_provider(self.kb, cloud, extra["format"])
                extra["_serving"] = serving.id if serving is not None else ""
        schema = m.is_block and rtype is not None
        for it in m.items:
            key = it.key
            if pair_key and key == "value":
                key = pair_key
            elif parent in ("model", "models") and key == "name":
                key = "model_name"
            elif pair_key and key == "name":
                continue
            elif schema and _names_a_thing(key) and not isinstance(it.node, Map):
                # a resource's own name (name, agent_name, provisioned_model_name, custom_model_name, a
                # SageMaker variant's model_name) is what the user called it, not the model it runs -- unless
                # the value is a model path (publishers/google/models/..., an ARN, a Hub id)
                yield from self._walk_value(it.node, key, cloud, rtype, {**extra, "_paths_only": "1"}, parent)
                continue
            low = key.lower()
            if ("/" in key or "." in key) and not m.is_block:
                hw = self.kb.hardware_for_resource(key)  # limits = { "nvidia.com/gpu" = 1 }
                if hw is not None:
                    yield from self._emit(Kind.HARDWARE, hw.id, key, it.line, it.col + (1 if self._quoted_at(it) else 0),
                                          "resource", 0.95, hw.id, {"resource": key})
            if low in _COMMAND_KEYS and isinstance(it.node, (Seq, Lit)):
                yield from self._command(it.node, rtype)
                continue
            if (low in _IMAGE_KEYS or low.endswith("_image")) and isinstance(it.node, Lit):
                yield from self._hits(image_hits(self._word(it.node), self.kb), rtype)
                continue
            if key.lower() in _REGION_KEYS and cloud:
                yield from self._region(it.node, cloud, strict=not provider_block)
                continue
            yield from self._walk_value(it.node, key, cloud, rtype, extra, parent)

    def _walk_value(self, node: Node, key: str, cloud: str, rtype: str | None, extra: dict[str, str],
                    parent: str = "") -> Iterator[Reference]:
        if isinstance(node, Lit):
            yield from self._literal(node, key, rtype, extra, parent)
        elif isinstance(node, Seq):
            for x in node.items:
                yield from self._walk_value(x, key, cloud, rtype, extra, parent)
        elif isinstance(node, Map):
            yield from self._walk(node, key, cloud, rtype)
        elif isinstance(node, Expr):
            for x in node.inner:
                yield from self._walk_value(x, key, cloud, rtype, extra, parent)
        elif isinstance(node, Heredoc):
            yield from self.line_scan(node.body, node.line, confidence_factor=0.85)

    # -- container commands and images (the shared command-line reader) -------------------
    def _offset(self, line: int, col: int) -> int:
        if self._starts is None:
            self._starts = [0] + [m.end() for m in re.finditer("\n", self.f.text)]
        return self._starts[line - 1] + col - 1 if 0 < line <= len(self._starts) else 0

    def _quoted_at(self, it: Item) -> bool:
        off = self._offset(it.line, it.col)
        return self.f.text[off:off + 1] in ('"', "'")

    def _word(self, node: Lit | Expr) -> Word:
        text = node.value if isinstance(node, Lit) else node.text
        start = self._offset(node.line, node.col)
        src = self.f.text
        if isinstance(node, Lit) and "\\" in src[start:start + 2 * len(text) + 2]:
            # map each character of the unescaped value to where it is written (\" -> ")
            offs: list[int] = []
            j = start
            for _ch in text:
                if j < len(src) and src[j] == "\\":
                    j += 1
                offs.append(min(j, len(src)))
                j += 1
            return Word.plain(text, start, offs)
        return Word.plain(text, start)

    def _command(self, node: Seq | Lit, rtype: str | None) -> Iterator[Reference]:
        """``command = ["vllm", "serve", "Qwen/..."]`` / ``args = ["--model", "..."]`` / a shell string."""
        if isinstance(node, Lit):
            hits = analyze_shell(node.value, self.kb, base=self._offset(node.line, node.col))
        else:
            words = [self._word(x) for x in node.items if isinstance(x, (Lit, Expr))]
            hits = analyze_argv(words, self.kb) if words else []
        yield from self._hits(hits, rtype)

    def _hits(self, hits, rtype: str | None) -> Iterator[Reference]:
        if self._index is None:
            self._index = LineIndex(self.f.text)
        for h in dedupe(hits):
            line, col = self._index(h.offset)
            attrs = dict(h.attributes)
            if rtype:
                attrs["resource"] = rtype
            yield from self._emit(h.kind, h.id, h.text, line, col, h.form, h.confidence, h.provider, attrs,
                                  context=Context.COMMENT if h.comment else Context.CONFIG)

    # -- regions -------------------------------------------------------------------------
    def _resolve(self, node: Node) -> tuple[Lit | None, str]:
        if isinstance(node, Lit):
            return node, ""
        if isinstance(node, Expr):
            m = _VAR_REF_RE.match(node.text.strip())
            if m:
                table = self.vars if m.group(1) == "var" else self.locals
                return table.get(m.group(2)), f"{m.group(1)}.{m.group(2)}"
        return None, ""

    def _region(self, node: Node, cloud: str, strict: bool) -> Iterator[Reference]:
        lit, via = self._resolve(node)
        if lit is None or not lit.value.strip():
            return
        written = lit.value.strip()
        hit = None
        zone = re.sub(r"(?<=\d)-?[a-z]$", "", written)  # a zone (eu-central-1a, europe-west4-a) -> its region
        for cand in (written, written.replace(" ", "").lower(), zone if zone != written else ""):
            if cand:
                hit = self.kb.region(cloud, cand)
                if hit is not None:
                    break
        if hit is None and (strict or not re.match(r"^[a-z]{2,}[a-z0-9-]*[0-9a-z]$", written)):
            return
        rid = hit["name"] if hit is not None else written
        conf = 0.95 if hit is not None else 0.6
        if via:
            expr = node  # the use site: where the region is attributed to the cloud
            yield from self._emit(Kind.CLOUD, rid, via, expr.line, expr.col, "region", conf * 0.95, cloud,
                                  {"variable": via}, (Location(self.f.path, lit.line, lit.col),))
        else:
            yield from self._emit(Kind.CLOUD, rid, written, lit.line, lit.col, "region", conf, cloud)

    # -- literals: hardware and models ---------------------------------------------------
    def _literal(self, lit: Lit, key: str, rtype: str | None, extra: dict[str, str], parent: str = "") -> Iterator[Reference]:
        s = lit.value.strip()
        if s[:1] in ("{", "[") and s[-1:] in ("}", "]"):
            # a JSON document in a string (service_config = "{...}"): vouched names and model keys only
            yield from self._hits(text_hits(self._word(lit), self.kb), rtype)
            return
        if not s or len(s) > 300:
            return
        if key and _hw_key(key):
            hit = self.kb.instance_type(s)
            if hit is not None:
                hw, it = hit
                yield from self._emit(Kind.HARDWARE, hw.id, s, lit.line, lit.col, "instance-type", 0.9, "",
                                      {"accelerator": it["accelerator"], "cloud": it["cloud"]})
                return
        if key and _accel_key(key, parent):
            hit2 = _accelerator(self.kb, s)
            if hit2 is not None:
                hw, name = hit2
                yield from self._emit(Kind.HARDWARE, hw.id, s, lit.line, lit.col, "accelerator-type", 0.85, "",
                                      {"accelerator": name})
                return
        yield from self._model(s, lit.line, lit.col, key, rtype, extra)

    def _model(self, s: str, line: int, col: int, key: str, rtype: str | None, extra: dict[str, str],
               factor: float = 1.0, strict: bool = False) -> Iterator[Reference]:
        if "*" in s or "?" in s:
            return  # a policy pattern (arn:...:foundation-model/anthropic.claude-*), not one model
        attrs = dict(extra)
        if attrs.pop("_paths_only", "") and "/" not in s and not s.startswith("arn:"):
            return
        hint = "model" if key and model_key(key) else ""
        m = _PUBLISHER_RE.search(s)
        if m:  # Vertex AI publisher model: publishers/google/models/gemini-1.5-pro@001
            ms = parse_model_string(m.group(2), self.kb, "model")
            attrs["publisher"] = m.group(1)
            if m.group(3):
                attrs["version"] = m.group(3)
        else:
            ms = parse_model_string(s, self.kb, hint)
        if ms is None:
            return
        if strict and ms.form in ("name", "ollama"):
            return
        provider = attrs.pop("_serving") if "_serving" in attrs else ms.provider
        attrs.update(ms.attributes)
        if key:
            attrs["key"] = key
        if rtype:
            attrs["resource"] = rtype
        yield from self._emit(Kind.MODEL, ms.id, s, line, col, ms.form, ms.confidence * factor, provider, attrs)

    # -- conservative text scan (heredocs, unparseable files) ----------------------------
    def line_scan(self, text: str, first_line: int, confidence_factor: float) -> Iterator[Reference]:
        for i, line in enumerate(text.splitlines()):
            lno = first_line + i
            stripped = line.lstrip()
            if stripped.startswith(("#", "//")):
                continue
            spans: list[tuple[int, str]] = []
            for m in _QUOTED_RE.finditer(line):
                g = 1 if m.group(1) is not None else 2
                spans.append((m.start(g), m.group(g)))
            covered = [(o, o + len(v)) for o, v in spans]
            for m in _ARN_RE.finditer(line):
                if not any(a <= m.start() < b for a, b in covered):
                    spans.append((m.start(), m.group(0)))
            for off, val in spans:
                km = _KEY_BEFORE_RE.search(line[: max(off - 1, 0)])
                key = km.group(1) if km else ""
                yield from self._model(val, lno, off + 1, key, None, {}, factor=confidence_factor, strict=True)
