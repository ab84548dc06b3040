"""Stage 2's core: what every text file names, found from the vocabulary's anchors.

One pass of the compiled vocabulary (``sovaudit.detect.vocab``) over a file's bytes gives anchors;
each anchor kind has a small recogniser here that reads the few bytes around it -- the token, the
key before a separator, the value after it, the first argument of a call, the words after a
command -- and asks the knowledge base what they mean. Every step reads a bounded window around the
anchor, with linear scans only: the cost of a file is linear in its size plus its anchors, whatever
its content, and a per-file budget stops the reading of anchors (keeping what was found) if a file
still takes too long.

Nothing here parses a language. What a position means (a key that says model, a call that loads
one, a URL that is an inference endpoint) comes from ``rules/detection.yaml``; what a string means
(a publisher's namespace, an API family, a provider host, a GPU, a region) from the other sections.
Provider attribution is per place: the string itself (a LiteLLM prefix, a Bedrock id), else the
enclosing object or call (a base URL, a provider key, a client constructor beside it), else the
file when the file names exactly one provider; each reference says which (``provider_scope``).
"""

from __future__ import annotations

import bisect
import fnmatch
import ipaddress
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from sovaudit.detect.positions import Command, DetectionRules, FileKind, words
from sovaudit.detect.recognise import ModelString, Recogniser, normalize_url, recogniser_for, safe_url_text
from sovaudit.detect.vocab import A, Vocabulary, vocabulary_for
from sovaudit.model import UNKNOWN, Context, Kind, Reference, Skipped
from sovaudit.rules import Entry, KnowledgeBase

#: Longest token, value or window read around one anchor.
MAX_TOKEN = 300
WINDOW = 2048
_BRACKET = re.compile(rb"[()\[\]{}]")
#: A snake_case identifier without digits: as an unquoted argument value, a variable (llm_cfg).
_SNAKE_NAME = re.compile(r"[a-z]+(?:_[a-z]+)+")
#: a lowerCamelCase identifier (chatModel, textToSpeechModel): a variable in code, never a model's name
_CAMEL_NAME = re.compile(r"[a-z]+(?:[A-Z][a-z]+)+")
#: A class name (two or more capitalised parts, letters and digits only): HuggingFaceEmbeddings.
_TYPE_NAME = re.compile(r"[A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+")
#: Per-file analysis budget, in seconds of this thread's CPU time: past it, anchors are no longer
#: read (what was found is kept) and the file is listed as partly analysed. CPU time, not wall
#: time: other processes on a loaded machine (or the scan's own workers on a busy core) must not
#: move where a file is cut, or the same tree would give different results from run to run.
DEFAULT_FILE_BUDGET = 2.0
#: At most this many anchors are read in one file (a generated file can hold millions).
MAX_ANCHORS = 400_000

_SQUARE = re.compile(rb"[\[\]]")
#: the characters of an ARN before its resource part, and a model id after it
_ARN_CHARS = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:-_${}.")
_ARN_ID = re.compile(rb"[A-Za-z0-9._:-]{1,200}")
#: how far from its marker an allowed-values list is read, and what may stand between them
_CHOICE_WINDOW = 8192
_CHOICE_LEAD = re.compile(rb"[ \t\"':(]*")


def _find_all(data: bytes, needle: bytes, most: int) -> list[int]:
    """The offsets of ``needle`` in ``data`` (at most ``most``): one linear pass."""
    out: list[int] = []
    i = data.find(needle)
    while i >= 0 and len(out) < most:
        out.append(i)
        i = data.find(needle, i + len(needle))
    return out


#: a Markdown fence at a line start (in a notebook's JSON string too); a backtick fence's info
#: string holds no backtick (CommonMark), so ```pip install x``` on one line is a code span
_FENCE_OPEN = rb"(?:`{3,}(?![^`\n]*`)|~~~)"
_FENCE = re.compile(rb"(?m)^[ \t]*(?:\"[ \t]*)?" + _FENCE_OPEN)
#: what comes right before a container image: an image key, docker's -t/--tag
_IMAGE_BEFORE = re.compile(rb"(?:\bimage[\"']?[ \t]*[:=][ \t]*|(?:^|[ \t])(?:-t|--tag)(?:[ \t]+|=))[\"']?$")
#: the rest of a module, package or crate name (software.amazon.awssdk.services.s3, aws-sdk-go-v2/config)
_MODULE_PATH = re.compile(rb"[A-Za-z0-9_.:/-]{0,200}")
#: what may stand between a typed declaration's colon and its string type: a reference or a wrapper
_TYPE_LEAD = rb"(?:&(?:'static[ \t]+)?|(?:Optional|Final|ClassVar)\[)?"
#: the name of a typed declaration, up to its string type: NAME: &'static , NAME?: , NAME: Optional[ ; or
#: Go's const/var NAME (the type follows)
_TYPED_NAME = re.compile(rb"(?:([A-Za-z_$][\w$]*)[ \t]*\??:[ \t]*" + _TYPE_LEAD
                         + rb"|(?<![\w$])(?:const|var)[ \t]+([A-Za-z_]\w*)[ \t]+)\Z")
_NL = re.compile(rb"\n")
#: After a quoted string: it is tested for being in another ("glm-4" in model_name, ('x') not in y).
_IN_TEST = re.compile(rb"[ \t]*\)?[ \t]+(?:not[ \t]+)?in[ \t]+[A-Za-z_]")
#: A model name as a whole quoted string: no blank, no path.
_QUOTED_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,80}")
#: A provider's scoped model id: @cf/meta/llama-3-8b-instruct (Cloudflare Workers AI)
_SCOPED_ID = re.compile(r"@[a-z]{1,8}/[A-Za-z0-9][A-Za-z0-9._\-]{0,60}/[A-Za-z0-9][A-Za-z0-9._:\-]{0,80}")
_ID_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_KEY_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.$/")
_HUBNAME_FWD = re.compile(rb"[A-Za-z0-9._\-]{1,96}")
_ROUTE_FWD = re.compile(rb"[A-Za-z0-9._:@/\-]{1,160}")
_IMAGE_FWD = re.compile(rb"[A-Za-z0-9._:@/\-]{1,200}")
_OLLAMA_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*(?::[A-Za-z0-9._-]+)?")
_API_FWD = re.compile(rb"[A-Za-z0-9.:@+\-]{0,160}")
_API_PATH_FWD = re.compile(rb"[A-Za-z0-9.:@+/\-]{0,160}")
_MODEL_LEFT = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-/")
_URL_FWD = re.compile(rb"[A-Za-z0-9\-._~:/?#\[\]@!$&*+;=%{}]{0,1000}")
_HOST_CHARS = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.")
_SCHEME_CHARS = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
_FILE_LEFT = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-/")
_OLLAMA_NAME_LEFT = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")
_OLLAMA_TAG_FWD = re.compile(rb"[A-Za-z0-9._\-]{1,80}")
_BARE_VALUE = re.compile(rb"[^\s\"'`,;)}\]#|&<>]{1,300}")
_WORD_FWD = re.compile(rb"[^\s\"'`|;&<>()]{1,300}")
_MODULE = re.compile(rb"[A-Za-z_][A-Za-z0-9_.]{0,200}")
_NPM_NAME = re.compile(rb"(?:@[a-z0-9][a-z0-9._\-]*/)?[a-z0-9][a-z0-9._\-]*")
_SPACES = re.compile(rb"[ \t]*")
_GPU_SIZE_AFTER = re.compile(rb"(?::[0-9]|[ \-_]?[0-9]{1,3}\s?(?:GB|G\b|GiB))", re.IGNORECASE)
_GPU_COUNT_BEFORE = re.compile(rb"\b[0-9]{1,3}\s?(?:x|\xc3\x97)\s?$", re.IGNORECASE)  # 8x, 8 x, 8\u00d7
_LOWER_WORD = re.compile(rb"[a-z]+")
_IDENT = re.compile(rb"[A-Za-z_][A-Za-z0-9_\-]{2,60}")
_NOT_A_REQUEST = re.compile(r"[\[\](){}=<>|&+*\\;,!?]")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_DOTTED_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_]")
_WS = re.compile(rb"[ \t\r\n]*")
_STR_LIT = re.compile(rb"\\?([\"'`])")
_NON_MODEL_REPO = re.compile(rb"repo_type[\"']?\s*[=:]\s*[\"'](?:dataset|datasets|space|spaces)[\"']")
_SHELL_DEFAULT = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?[-=]([^}]{1,200})\}")
_SHELL_OPEN = re.compile(rb"\$\{[A-Za-z_][A-Za-z0-9_]{0,78}$")
#: a dataset key, comparison or flag right before a value: data_source == ", --dataset ', dataset=
_DATASET_KEY_BEFORE = re.compile(
    rb"(?:([A-Za-z_][A-Za-z0-9_\-]*)[\"']?\s*(?:==?|:|\()|(?:^|\s)--?([A-Za-z][A-Za-z0-9_\-]*)[ \t]+)\s*[\"'\\]*$")
#: a Markdown link's text followed by its target: ...](URL)
_LINK_TARGET = re.compile(rb"^[^\]\n]{0,200}\]\(([^)\s]{1,300})\)")
#: a download command's own word that the repository is a dataset
_DATASET_REPO_TYPE = re.compile(rb"--repo-type[= ]+dataset\b")
#: a label selector option right before a key: kubectl -l app=x,model=, --selector=model=
_SELECTOR_BEFORE = re.compile(rb"(?:^|[ \t])(-[A-Za-z]|--[A-Za-z][A-Za-z-]{0,20})(?:[ \t]+|=)[\"']?(?:[A-Za-z0-9_.\-/]{1,63}=[A-Za-z0-9_.\-]{0,63},){0,8}$")
#: a YAML mapping key at a line's start (after a list dash)
_YAML_KEY = re.compile(rb"(?:-[ \t]+)?([A-Za-z_][A-Za-z0-9_.\-]*)[\"']?[ \t]*:")
#: right after a string that is a mapping's key (HCL =, YAML/JSON/Python :), not a comparison or a URL
_MAP_KEY_AFTER = re.compile(rb"[\"']?[ \t]*(?:=(?![=>~])|:(?![:/=]))")
_PRIVATE_NETS = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8",
                                                         "169.254.0.0/16", "100.64.0.0/10", "fc00::/7", "::1/128"))
_URL_VAR = re.compile(r"(?:URL|BASE|HOST|ENDPOINT|BASE_PATH)$")
_SELF = "\0self-hosted"  # attribution: the stack's own server, not a provider
_CONF_POSITION = 0.95  # a value in a loader call, a command, a model key of a config
_CONF_KEY = 0.9
_CONF_VOCAB = 0.85  # a known string wherever it is written
_CONF_DOCS = 0.6


@dataclass(slots=True)
class _Found:
    """A reference under construction (offsets into the file's bytes)."""

    kind: Kind
    id: str
    text: str
    start: int
    form: str
    confidence: float
    detector: str
    provider: str = ""
    attrs: dict[str, str] = field(default_factory=dict)
    scope: str = ""  # how near the provider evidence was: string | call | object | file
    wants_provider: bool = False  # a model call/position whose serving provider is worth attributing


class _File:
    """One file being read: its bytes, kind, line index and what was found in it."""

    __slots__ = ("path", "data", "fk", "_starts", "_cells", "found", "evidence", "n", "veto", "_fences", "pending_docs_regions",
                 "assignments", "served", "_brackets", "quoted_regions", "context_devices", "shared_labels", "imports")

    def __init__(self, path: str, data: bytes, fk: FileKind):
        self.path = path
        self.data = data
        self.fk = fk
        self._starts: list[int] | None = None
        self._cells: tuple[list[int], list[str]] | None = None
        self.found: dict[tuple[Kind, int, str], _Found] = {}
        self.evidence: list[tuple[int, str, str]] = []  # (offset, provider id, what)
        self.n = len(data)
        self.served: list[tuple[int, str]] = []  # (offset of --served-model-name, the name)
        self.veto: set[int] = set()  # offsets of strings a position says are not models (aliases, datasets)
        self._fences: list[int] | None = None
        self.pending_docs_regions: list[int] = []
        self.context_devices: list[tuple[int, str]] = []  # (offset, vendor) of device strings other stacks share
        self.shared_labels: list[int] = []  # offsets of annotations several clouds read (resolved per file)
        self.imports: dict[str, bool] = {}  # provider id -> an import names its SDK (bare client names)
        self.quoted_regions: list[tuple[int, str]] = []  # (offset, name) of dashed region names read as whole strings
        self.assignments: dict[str, list[int]] | None = None
        self._brackets: tuple[list[int], bytes] | None = None

    @property
    def brackets(self) -> tuple[list[int], bytes]:
        """The offsets of the file's brackets ``()[]{}`` and the brackets themselves (one linear
        pass, on first use): enclosing objects are found by walking these, not every byte."""
        if self._brackets is None:
            pos = [m.start() for m in _BRACKET.finditer(self.data)]
            self._brackets = (pos, bytes(self.data[p] for p in pos))
        return self._brackets

    # -- lines ---------------------------------------------------------------------------------
    @property
    def starts(self) -> list[int]:
        if self._starts is None:
            self._starts = [0] + [m.end() for m in _NL.finditer(self.data)]
        return self._starts

    def line_no(self, off: int) -> int:
        return bisect.bisect_right(self.starts, off)

    def line_span(self, off: int) -> tuple[int, int]:
        if self._starts is None:  # most lines are short: look around before indexing the file
            data = self.data
            s = data.rfind(b"\n", max(0, off - 1024), off)
            e = data.find(b"\n", off, off + 1024)
            if (s >= 0 or off <= 1024) and e >= 0:
                return s + 1, e
            if e < 0 and off + 1024 >= self.n and (s >= 0 or off <= 1024):
                return s + 1, self.n
        starts = self.starts
        i = bisect.bisect_right(starts, off)
        s = starts[i - 1]
        e = starts[i] - 1 if i < len(starts) else self.n
        return s, e

    def column(self, off: int) -> int:
        s, _ = self.line_span(off)
        if off - s > 4096:
            return off - s + 1
        return len(self.data[s:off].decode("utf-8", "replace")) + 1

    def line_prefix(self, off: int, limit: int = 240) -> bytes:
        s, _ = self.line_span(off)
        return self.data[max(s, off - limit):off]

    def line_rest(self, off: int, limit: int = 400) -> bytes:
        _, e = self.line_span(off)
        return self.data[off:min(e, off + limit)]

    def indent(self, line_start: int) -> int:
        m = _SPACES.match(self.data, line_start)
        return m.end() - line_start if m else 0

    # -- context -------------------------------------------------------------------------------
    def cell(self, off: int) -> tuple[int, str]:
        """(1-based cell number, cell type) of a notebook offset; (0, "") outside cells."""
        if self._cells is None:
            offs: list[int] = []
            types: list[str] = []
            for m in re.finditer(rb'"cell_type"\s*:\s*"([a-z]+)"', self.data):
                offs.append(m.start())
                types.append(m.group(1).decode())
            self._cells = (offs, types)
        offs, types = self._cells
        i = bisect.bisect_right(offs, off)
        return (i, types[i - 1]) if i else (0, "")

    def context(self, off: int) -> Context:
        fk = self.fk
        if fk.notebook:
            _, ctype = self.cell(off)
            return Context.CODE if ctype == "code" else Context.DOCS
        if fk.kind == "docs":
            return Context.DOCS
        if fk.comments:
            s, _ = self.line_span(off)
            head = self.data[s:min(off, s + 200)].lstrip()
            for c in fk.comments:
                if head.startswith(c):
                    return Context.COMMENT
            if fk.comments[0] == b"#" and b"#" in head and fk.kind != "code":
                # a trailing comment of a config line (YAML, .env, HCL): quotes would hold a literal '#'
                pre = self.data[s:off]
                hpos = pre.find(b" #")
                if hpos >= 0 and pre.count(b'"', 0, hpos) % 2 == 0 and pre.count(b"'", 0, hpos) % 2 == 0:
                    return Context.COMMENT
        return Context.CODE if fk.kind == "code" else Context.CONFIG

    def in_prose(self, off: int) -> bool:
        """Documentation text outside code: not in a fenced block, not in `inline code`, not in
        a notebook's code cell."""
        if self.context(off) != Context.DOCS:
            return False
        if self._fences is None:
            rx = _FENCE if not self.fk.fences else re.compile(
                rb"(?m)^[ \t]*(?:\"[ \t]*)?(?:" + _FENCE_OPEN + rb"|(?:" + b"|".join(re.escape(x) for x in self.fk.fences)
                + rb")[ \t]*\r?$)")
            self._fences = [m.start() for m in rx.finditer(self.data)]
        if bisect.bisect_right(self._fences, off) % 2:
            return False  # inside a fenced block
        s, _ = self.line_span(off)
        return self.data.count(b"`", s, off) % 2 == 0


class Lexer:
    """The text-file analyser of one knowledge base. ``analyse`` never raises for file content."""

    def __init__(self, kb: KnowledgeBase, vocab: Vocabulary | None = None, budget: float = DEFAULT_FILE_BUDGET):
        self.kb = kb
        self.vocab = vocab or vocabulary_for(kb)
        self.rules: DetectionRules = self.vocab.rules
        self.rec: Recogniser = recogniser_for(kb)
        self.budget = budget
        self._provider_words: dict[str, str] = {}
        for prov in kb.section("providers"):
            self._provider_words.setdefault(prov.id.lower(), prov.id)
            for p in prov.get("litellm_prefixes", ()) or ():
                self._provider_words.setdefault(p.lower(), prov.id)
        self._cloud_words: dict[str, str] = {}
        for cl in kb.section("clouds"):
            self._cloud_words.setdefault(cl.id.lower(), cl.id)
        self._software_words = frozenset(s.id.lower() for s in kb.section("software")) | {"hf", "huggingface", "openai-completions",
                                                                                         "openai-chat-completions", "local-completions", "local-chat-completions"}
        self._tf_namespaces = {n.lower(): c.id for c in kb.section("clouds") for n in c.get("terraform_namespaces", ()) or ()}
        self._tf_providers = {r: p.id for p in kb.section("providers") for r in p.get("terraform_resources", ()) or ()}
        self._url_memo: dict[str, tuple | None] = {}
        #: after NAME: in code, a string type and "=" before the value (: &'static str = "...", : string = "...")
        self._typed_value = re.compile(
            _TYPE_LEAD + rb"(?:"
            + b"|".join(re.escape(t.encode()) for t in sorted(self.rules.string_types)) + rb")\]?[ \t]*=(?![=>])[ \t]*",
            re.IGNORECASE) if self.rules.string_types else None
        self._pkg_memo: dict[tuple[str, str], tuple] = {}
        self._device_vendor: dict[str, str] = {}
        for hw in kb.section("hardware"):
            for d in hw.get("device_strings", ()) or ():
                self._device_vendor.setdefault(d.lower(), hw.id)
        #: device strings other stacks share (npu): the vendor's only where the file names it otherwise too
        self._context_devices = {hw.id: frozenset(d.lower() for d in hw.get("context_only_device_strings", ()) or ())
                                 for hw in kb.section("hardware") if hw.get("context_only_device_strings")}
        #: words a GPU key's value may be without a digit (gpu: nvidia, accelerator: tpu, gpu: MI300X)
        self._hardware_words = frozenset(
            [hw.id.lower() for hw in kb.section("hardware")]
            + [w.lower() for hw in kb.section("hardware") for key in ("accelerators", "node_values", "device_strings", "terms")
               for w in hw.get(key, ()) or () if "*" not in w])
        #: a client class that is the provider's bare name (Replicate, Perplexity, Together) is also
        #: an ordinary word (PyTorch's Replicate() placement, a heading "Perplexity (PPL)"): it is the
        #: provider's client where an import names the provider's or an SDK framework's module
        frameworks = sorted({pkg for sw in kb.section("software") if sw.get("kind") == "sdk"
                             for pkg in list(sw.get("python_packages", ()) or ()) + list(sw.get("npm_packages", ()) or ())})
        self._bare_clients: dict[str, tuple[frozenset[str], re.Pattern[bytes]]] = {}
        for prov in kb.section("providers"):
            names = {prov.id.lower(), str(prov.get("name") or "").split(" ", 1)[0].lower()}
            bare = [c for c in set(prov.get("python_clients", ()) or ()) | set(prov.get("js_clients", ()) or ()) if c.lower() in names]
            if not bare:
                continue
            pkgs = {prov.id} | set(frameworks) | set(prov.get("python_packages", ()) or ()) | set(prov.get("npm_packages", ()) or ())
            mods = sorted({m for pk in pkgs for m in (pk, pk.replace("-", "_"))}, key=lambda m: (-len(m), m))
            # ... or a module of the project's own named after the class (import OpenAI from "./llms/OpenAI")
            own = sorted(bare, key=lambda c: (-len(c), c))
            self._bare_clients[prov.id] = (frozenset(bare), re.compile(
                rb"\b(?:import|from|require)\b[^\n]{0,160}?(?:(?<![A-Za-z0-9_])(?:"
                + b"|".join(re.escape(m.encode()) for m in mods) + rb")|/(?:" + b"|".join(re.escape(c.encode()) for c in own)
                + rb"))(?![A-Za-z0-9_])"))
        self._storage_clouds: dict[str, str] = {}
        for cl in kb.section("clouds"):
            for sch in cl.get("storage_schemes", ()) or ():
                self._storage_clouds.setdefault(sch.lower(), cl.id)
        self._dispatch = {
            A.NAMESPACE: self._namespace, A.HUB_HOST: self._hub_host, A.SCHEME: self._scheme,
            A.OLLAMA_LIB: self._ollama_lib, A.FAMILY: self._family, A.QUOTED_FAMILY: self._quoted_family, A.OLLAMA_TAG: self._ollama_tag,
            A.WEIGHT: self._weight, A.URL: self._url, A.HOSTPORT: self._hostport, A.KEY: self._key,
            A.FLAG: self._flag, A.KEY_COMMA: self._key_comma, A.CALL: self._call, A.OPTION_CALL: self._option_call,
            A.COMMAND: self._command, A.FROM_LINE: self._from_line, A.IMPORT: self._import, A.IMAGE_KEY: self._image_key,
            A.SW_COMMAND: self._sw_command, A.CREDENTIAL: self._credential, A.CLIENT: self._client,
            A.HW_TOKEN: self._hw_token, A.HW_ENV: self._hw_env, A.HW_DEVICE: self._hw_device, A.GPU_KEY: self._gpu_key,
            A.GPU_FLAG: self._gpu_flag, A.CLOUD_TOKEN: self._cloud_token, A.CLOUD_ENV: self._cloud_env,
            A.CLOUD_KEY: self._cloud_key, A.REGION: self._region, A.TF_BLOCK: self._tf_block, A.TF_SOURCE: self._tf_source,
            A.TF_LOCAL: self._tf_local, A.ARN: self._arn, A.ARN_RESOURCE: self._arn_resource, A.IAM: self._iam, A.PROVIDER_VALUE: self._provider_value,
            A.ENV_ENTRY: self._env_entry, A.INSTANCE: self._instance, A.QUOTED_ID: self._quoted_id, A.QUOTED_NAME: self._quoted_name,
            A.ROUTE: self._route, A.HW_IMAGE: self._hw_image, A.REGION_CONST: self._region_const,
        }

    # ------------------------------------------------------------------------------------------
    def analyse(self, path: str, data: bytes, budget: float | None = None) -> tuple[list[Reference], list[Skipped]]:
        """Every reference in one text file (UTF-8 or ASCII-compatible bytes)."""
        fk = self.rules.file_kind(path)
        f = _File(path, data, fk)
        skips: list[Skipped] = []
        hits = self.vocab.scan(data)
        if not hits:
            return [], skips
        if len(hits) > MAX_ANCHORS:
            skips.append(Skipped(path, "partly analysed", f"{len(hits)} vocabulary matches; the first {MAX_ANCHORS} were read"))
            hits = hits[:MAX_ANCHORS]
        hits.sort()
        clock = time.thread_time
        limit = clock() + (self.budget if budget is None else budget)
        anchors = self.vocab.anchors
        dispatch = self._dispatch
        for i, (end, aid) in enumerate(hits):
            if not i & 255 and i and clock() > limit:
                line = f.line_no(end)
                skips.append(Skipped(path, "partly analysed",
                                     f"analysis budget of {self.budget:g} s spent at line {line}; "
                                     f"{len(hits) - i} of {len(hits)} vocabulary matches not read"))
                break
            anchor = anchors[aid]
            try:
                dispatch[anchor.kind](f, end, anchor)
            except Exception as exc:  # noqa: BLE001 - one odd anchor (a bad port, a deep construct) never costs the file
                skips.append(Skipped(path, "partly analysed", f"{anchor.kind.name.lower()} at line {f.line_no(end)}: {type(exc).__name__}"))
        self._attribute(f)
        self._regions(f)
        self._region_choices(f)
        if f.shared_labels:
            self._resolve_shared_labels(f)
        self._device_vendors(f)
        return self._references(f), skips

    # -- output --------------------------------------------------------------------------------
    def _add(self, f: _File, kind: Kind, id_: str, text: str, start: int, form: str, conf: float, detector: str,
             provider: str = "", attrs: dict[str, str] | None = None, scope: str = "", wants_provider: bool = False) -> None:
        if not id_ or len(id_) > 300:
            return
        # one reading per place: a model position (a key, a call) outranks the vocabulary's reading
        # of the same string; other kinds can name several things at one place (a URL and its host)
        key = (kind, start, "" if kind == Kind.MODEL else id_)
        prev = f.found.get(key)
        if prev is not None:
            if attrs:
                for k, v in attrs.items():
                    prev.attrs.setdefault(k, v)
            if conf > prev.confidence or (conf == prev.confidence and prev.detector == "vocabulary" and detector != "vocabulary"):
                if kind == Kind.MODEL and prev.id != id_:
                    prev.id, prev.text, prev.provider, prev.scope = id_, text, provider, scope
                    prev.attrs = dict(attrs or {})
                prev.confidence = conf
                prev.detector = detector
                prev.form = form if form != "name" or prev.form == "name" else prev.form
            if provider and not prev.provider:
                prev.provider, prev.scope = provider, scope
            prev.wants_provider = prev.wants_provider or wants_provider
            return
        f.found[key] = _Found(kind, id_, text, start, form, conf, detector, provider, dict(attrs or {}), scope, wants_provider)

    def _model(self, f: _File, ms: ModelString, text: str, start: int, conf: float, detector: str,
               attrs: dict[str, str] | None = None, wants_provider: bool = True) -> None:
        a = dict(ms.attributes)
        if attrs:
            a.update(attrs)
        if ms.family_provider:
            a.setdefault("family_provider", ms.family_provider)
        ctx = f.context(start)
        if ctx in (Context.DOCS, Context.COMMENT):
            conf = min(conf, _CONF_DOCS if ctx == Context.DOCS else 0.5)
        self._add(f, Kind.MODEL, ms.id, text, start, ms.form, min(conf, ms.confidence + 0.05), detector, ms.provider, a,
                  "string" if ms.provider else "", wants_provider and not ms.provider)

    def _references(self, f: _File) -> list[Reference]:
        out: list[Reference] = []
        # one cloud or hardware reference per span: an ARN and the resource type inside it
        # (arn:aws:iam::aws:policy/X, aws:policy/X) are one mention of AWS, not three
        covered: dict[tuple[Kind, str], list[tuple[int, int]]] = {}
        for fd in sorted((x for x in f.found.values() if x.kind in (Kind.CLOUD, Kind.HARDWARE)),
                         key=lambda x: (x.start, -len(x.text))):
            spans = covered.setdefault((fd.kind, fd.id), [])
            end = fd.start + len(fd.text.encode("utf-8", "replace"))
            if spans and spans[-1][0] <= fd.start < spans[-1][1]:
                fd.attrs["_covered"] = "1"
                continue
            spans.append((fd.start, end))
        for off, name in f.served:
            # the nearest model a serving flag or command named before the alias, in the same command
            best = None
            for fd in f.found.values():
                if fd.kind == Kind.MODEL and fd.detector in ("model-flag", "model-command") and off - 2000 < fd.start < off \
                        and (best is None or fd.start > best.start):
                    best = fd
            if best is not None and name and name != best.id:
                best.attrs.setdefault("served_name", name[:200])
        for fd in f.found.values():
            if fd.kind == Kind.MODEL and fd.start in f.veto or fd.attrs.get("_covered"):
                continue
            line = f.line_no(fd.start)
            cell = f.cell(fd.start)[0] if f.fk.notebook else 0
            attrs = dict(fd.attrs)
            if fd.scope and fd.kind == Kind.MODEL:
                attrs["provider_scope"] = fd.scope
            out.append(Reference(
                kind=fd.kind, id=fd.id, text=fd.text[:300], path=f.path, line=line, column=f.column(fd.start),
                detector=fd.detector, form=fd.form, context=f.context(fd.start),
                confidence=round(max(0.0, min(1.0, fd.confidence)), 2), provider=fd.provider, cell=cell,
                attributes=tuple(sorted((k, str(v)[:300]) for k, v in attrs.items())),
            ))
        return out

    # -- small readers -------------------------------------------------------------------------
    @staticmethod
    def _text(b: bytes) -> str:
        return b.decode("utf-8", "replace")

    def _left(self, f: _File, pos: int, chars: frozenset[int], limit: int = 200) -> int:
        data = f.data
        lo = max(0, pos - limit)
        while pos > lo and data[pos - 1] in chars:
            pos -= 1
        return pos

    def _string_at(self, f: _File, pos: int) -> tuple[int, int] | None:
        """(start, end) of the contents of a string literal opening at ``pos`` (on one line)."""
        data = f.data
        if pos >= f.n:
            return None
        q = data[pos:pos + 1]
        esc = b""
        if q == b"\\" and f.fk.notebook and data[pos + 1:pos + 2] in (b'"', b"'"):
            esc, q = b"\\", data[pos + 1:pos + 2]
        elif q not in (b'"', b"'", b"`"):
            return None
        s = pos + len(esc) + 1
        _, eol = f.line_span(pos)
        closing = esc + q
        e = data.find(closing, s, min(eol, s + MAX_TOKEN))
        if e < 0:
            return None
        return s, e

    def _value(self, f: _File, pos: int, bare: bool) -> tuple[int, int] | None:
        """The value starting at ``pos``: a string literal, or (``bare``) a token."""
        sep = f.data[pos - 1:pos]
        m = _SPACES.match(f.data, pos)
        pos = m.end() if m else pos
        lit = self._string_at(f, pos)
        if lit is not None:
            return lit
        if sep == b":" and self._typed_value is not None and f.fk.kind == "code":
            m = self._typed_value.match(f.data, pos)
            if m:
                return self._string_at(f, m.end())  # a typed declaration (X: &str = "..."): the value after the type
        if not bare:
            return None
        m = _BARE_VALUE.match(f.data, pos)
        if not m:
            return None
        return pos, m.end()

    def _fallback_literals(self, f: _File, pos: int) -> list[tuple[int, int]]:
        """String literals that a non-literal expression falls back to on its line:
        ``process.env.X || "gpt-4o"``, ``os.getenv("X", "gpt-4o")``, ``x ?? 'y'``, ``x or "y"``."""
        rest = f.line_rest(pos, 400)
        out: list[tuple[int, int]] = []
        i = 0
        while i < len(rest):
            m = _STR_LIT.search(rest, i)
            if not m:
                break
            lit = self._string_at(f, pos + m.start())
            if lit is None:
                break
            before = rest[:m.start()].rstrip()
            if before.endswith((b"||", b"??", b" or", b"?:")) or (
                    before.endswith(b",") and re.match(rb"\s*[\w.]*(?:getenv|environ\.get|env\.get|\.get|setdefault|env)\s*\(\s*[\"'][^\"']*[\"']\s*,$", before)):
                out.append(lit)
            i = lit[1] - pos + 1
        return out

    def _key_before(self, f: _File, sep: int) -> tuple[str, int]:  # noqa: C901
        """The key written before a separator at ``sep`` (``model``, ``"model"``, ``this.model``,
        ``OPENAI_MODEL``), and its start offset; ("", sep) when there is none."""
        data = f.data
        p = sep
        lo = max(0, sep - 120)
        while p > lo and data[p - 1] in b" \t":
            p -= 1
        if p > lo and data[p - 1] in b"]":
            p -= 1
        if p > lo and data[p - 1] in b"\"'`":
            p -= 1
            if f.fk.notebook and p > lo and data[p - 1] == 0x5C:
                p -= 1
        end = p
        start = self._left(f, end, _KEY_CHARS, 120)
        while start < end and data[start] in b"/.-":
            start += 1
        if start == end:
            return "", sep
        key = self._text(data[start:end])
        if data[sep:sep + 1] == b"=" and f.fk.kind == "code" and key.lower() in self.rules.string_types:
            # a typed declaration (API_BASE_URL: &'static str =, model: Optional[str] =, const url string =)
            m = _TYPED_NAME.search(data, max(lo, start - 60), start)
            if m:
                return self._text(m.group(1) or m.group(2)), m.start(1) if m.group(1) else m.start(2)
        return key, start

    def _dataset_near(self, f: _File, off: int) -> bool:
        """The string at ``off`` is an argument of a dataset call, the value of a dataset key or
        flag (``--dataset 'org/name'``, ``data_source == "openai/gsm8k"``), the text of a link to a
        dataset page, or an id a download command says is a dataset (``--repo-type dataset``)."""
        pre = f.line_prefix(off, 160)
        for call in self.rules.dataset_calls:
            if call.encode() in pre:
                return True
        m = _DATASET_KEY_BEFORE.search(pre[-80:])
        if m and self.rules.is_dataset_key(self._text(m.group(1) or m.group(2))):
            return True
        _, eol = f.line_span(off)
        post = f.data[off:min(eol, off + 400)]
        link = _LINK_TARGET.search(post)
        if link is not None and b"/datasets/" in link.group(1):
            return True  # [HuggingFaceH4/CodeAlpaca_20K](https://huggingface.co/datasets/...)
        return _DATASET_REPO_TYPE.search(post) is not None

    # ------------------------------------------------------------------------------------------
    # Models: vocabulary anywhere
    # ------------------------------------------------------------------------------------------
    def _namespace(self, f: _File, end: int, a) -> None:
        ns = a.payload
        start = end - len(ns) - 1
        data = f.data
        if start > 0 and data[start - 1] == 0x40:  # "@google/generative-ai": an npm package's scope
            return
        if start > 1 and data[start - 2:start] in (b":-", b":=") and _SHELL_OPEN.search(data, max(0, start - 82), start - 2):
            pass  # ${MODEL_ID:-Qwen/Qwen2.5-0.5B-Instruct}: a shell variable's default
        elif start > 0 and data[start - 1] in _MODEL_LEFT:
            if data[start - 1] != 0x2F:  # "/": a path, a URL (its own anchors read Hub URLs), or a route
                return
            pre = data[max(0, start - 64):start].lower()
            prov = re.search(rb"([a-z][a-z0-9_\-]*)/$", pre)
            if not (prov and self.kb.provider_for_litellm_prefix(self._text(prov.group(1))) is not None):
                return
            start -= len(prov.group(1)) + 1
        m = _HUBNAME_FWD.match(data, end)
        if not m:
            return
        name_end = m.end()
        while name_end > end and data[name_end - 1] in b".-_":
            name_end -= 1
        nxt = data[name_end:name_end + 1]
        if nxt == b"/" or (nxt == b":" and data[name_end + 1:name_end + 2].isalnum()) or _glob_after(data, start, m.end()):
            return  # a deeper path, a container image / tag, or a glob ("openai/gpt-5*")
        text = self._text(data[start:name_end])
        name = self._text(data[end:name_end])
        if not re.search(r"[0-9\-._]", name) or set(words(name)) & self.rules.repo_words or re.fullmatch(r"v?\d+(?:\.\d+)*", name):
            return
        if self._dataset_near(f, start):
            return
        if start > 0 and data[start - 1] in b"\"'`" and data[name_end:name_end + 2] == b" (":
            return  # a display label that starts with the name: "Anthropic/Claude-4.6-Opus (max)" in a leaderboard
        ms = self.rec.model(text, "")
        if ms is not None:
            self._model(f, ms, text, start, _CONF_VOCAB, "vocabulary")

    def _route(self, f: _File, end: int, a) -> None:
        """A LiteLLM route written anywhere outside prose (``azure/o3-mini``, ``groq/llama3-70b-8192``,
        ``openrouter/google/gemini-2.0-flash-exp:free``): taken when the knowledge base vouches for
        what follows the prefix, as it would for that string alone."""
        prefix = a.payload
        data = f.data
        start = end - len(prefix) - 1
        if start > 0 and (data[start - 1] in _ID_CHARS or data[start - 1] in b"/.-@:$"):
            return  # a path (.github/workflows), a URL, a longer word
        m = _ROUTE_FWD.match(data, end)
        if not m:
            return
        tok_end = m.end()
        if _glob_after(data, start, tok_end):
            return  # a pattern of names ("gemini/gemini-3.1*flash*"), not one
        while tok_end > end and data[tok_end - 1] in b".:-/":
            tok_end -= 1
        rest = self._text(data[end:tok_end])
        if not rest or f.in_prose(start):
            return
        if prefix.startswith("ollama"):
            vouched = self.rec.family_head(rest) and _OLLAMA_NAME.fullmatch(rest) is not None
        else:
            vouched = self.rec.model(rest, "") is not None
        if not vouched:
            return
        text = prefix + "/" + rest
        ms = self.rec.model(text, "litellm")
        if ms is not None and ms.form == "litellm":
            self._model(f, ms, text, start, _CONF_VOCAB, "vocabulary")

    def _quoted_id(self, f: _File, end: int, a) -> None:
        """A string that is a whole ``org/name`` with a lab's family word in the name, whatever the
        org (the namespace anchor reads known orgs): a test's or a table's model id outside a model
        position. Not in running prose, not a dataset, not the value of an output or run key."""
        data = f.data
        ls, _ = f.line_span(end - 1)
        around = _quotes_around(f, end, end, 110, 100, b"\"'")
        if around is None:
            return
        q, close = around
        text = self._text(data[q + 1:close])
        org = text.split("/", 1)[0]
        if text.count("/") != 1 or self.kb.lab_for_namespace(org) is not None or self.rec.names_a_file(text):
            return
        if q + 1 in f.veto or (Kind.MODEL, q + 1, "") in f.found or f.in_prose(q) \
                or self._dataset_near(f, q):
            return
        pre = data[max(ls, q - 80):q].rstrip(b" \t")
        if pre.endswith((b":", b"=")):
            key, _ = self._key_before(f, q - (len(data[max(ls, q - 80):q]) - len(pre)) - 1)
            kw = set(words(key))
            if kw & self.rules.not_model_key_words:
                return
            if key.lower() == "default" and any(set(words(self._text(t))) & self.rules.dataset_words
                                                for t in _IDENT.findall(data[max(0, q - 240):q])):
                return  # the default of a dataset option: dataset_name = field(default="org/name")
        if self.kb.provider_for_litellm_prefix(org) is not None:
            ms = self.rec.model(text, "litellm")  # Model("ollama/llama3"): a LiteLLM route
        else:
            ms = self.rec.hub_id_by_family(text)
        if ms is not None:
            self._model(f, ms, text, q + 1, _CONF_VOCAB, "vocabulary")

    def _quoted_name(self, f: _File, end: int, a) -> None:
        """A whole quoted string that is an open-weight model's name without an org: a lab's family
        word and a parameter count ("llama-3.3-70b-versatile" in Groq's model map,
        "Meta-Llama-3.3-70B-Instruct", "mixtral-8x7b-32768"). Not in prose, not a file, a resource,
        a repository, a dataset or a tested pattern, not under an output or run key."""
        data = f.data
        if end < f.n and data[end:end + 1].isalpha():
            return  # a word goes on (step2Body, Qwen3_5MoeForCausalLM): not a parameter count
        ls, _ = f.line_span(end - 1)
        around = _quotes_around(f, end, end, 64, 64)
        if around is None:
            return
        q, close = around
        if q + 1 in f.veto or (Kind.MODEL, q + 1, "") in f.found or f.in_prose(q):
            return
        text = self._text(data[q + 1:close])
        if not _QUOTED_NAME.fullmatch(text) or self.rec.names_a_file(text) \
                or set(words(text)) & (self.rules.resource_words | self.rules.repo_words):
            return
        if self._pattern_test(f, q, close) or self._dataset_near(f, q):
            return
        pre = data[max(ls, q - 80):q].rstrip(b" \t")
        if pre.endswith(b"/"):
            return  # CACHE / "deepseek-r1-distill-qwen-7b": a local folder named after the model
        if pre.endswith((b":", b"=")):
            key, _ = self._key_before(f, q - (len(data[max(ls, q - 80):q]) - len(pre)) - 1)
            if set(words(key)) & self.rules.not_model_key_words:
                return
        ms = self.rec.model(text, "") or self.rec.model(text, "model")
        if ms is not None:
            self._model(f, ms, text, q + 1, _CONF_VOCAB, "vocabulary")

    def _hub_host(self, f: _File, end: int, a) -> None:
        host = a.payload
        start = end - len(host) - 1
        data = f.data
        us = start
        for pre in (b"www.", b"https://", b"http://"):
            if data[max(0, us - len(pre)):us].lower() == pre:
                us -= len(pre)
        if us > 0 and (data[us - 1] in _ID_CHARS or data[us - 1] == 0x2E):
            return  # a subdomain (cdn-uploads.huggingface.co/production/...): not a repository page
        m = _URL_FWD.match(data, end)
        path = self._text(data[end:m.end() if m else end]).rstrip(".,;:)]}'\"`*")
        ms = self.rec.hub_url(path, host)
        if ms is not None:
            self._model(f, ms, self._text(data[us:end]) + path, us, _CONF_VOCAB, "vocabulary")

    def _scheme(self, f: _File, end: int, a) -> None:
        sc = a.payload
        start = end - len(sc.scheme) - 3
        data = f.data
        if start > 0 and data[start - 1] in _ID_CHARS:
            return
        m = _URL_FWD.match(data, end)
        uri = self._text(data[start:m.end() if m else end]).rstrip(".,;:)]}'\"`\\")
        cloud = self._storage_clouds.get(sc.scheme)
        if cloud and len(uri) > len(sc.scheme) + 3:
            self._add(f, Kind.CLOUD, cloud, uri, start, "storage", 0.85, "vocabulary", cloud, {"scheme": sc.scheme})
        if not sc.anywhere:
            return
        ms = self.rec.model(uri, "")
        if ms is not None:
            self._model(f, ms, uri, start, _CONF_POSITION, "vocabulary")

    def _ollama_lib(self, f: _File, end: int, a) -> None:
        start = end - len(a.payload)
        data = f.data
        us = start
        for pre in (b"www.", b"https://", b"http://"):
            if data[max(0, us - len(pre)):us].lower() == pre:
                us -= len(pre)
        m = _OLLAMA_TAG_FWD.match(data, end)
        if not m:
            return
        text = self._text(data[us:m.end()]).rstrip(".-")
        ms = self.rec.model(text, "")
        if ms is not None:
            self._model(f, ms, text, us, _CONF_VOCAB, "vocabulary")

    def _family(self, f: _File, end: int, a) -> None:
        prefix = a.payload
        data = f.data
        start = end - len(prefix)
        # a path-like family (Fireworks' accounts/{account}/models/{name}) goes on over its slashes
        m = (_API_PATH_FWD if "/" in prefix else _API_FWD).match(data, end)
        tok_end = m.end() if m else end
        while tok_end > start and data[tok_end - 1] in b".:-@+":
            tok_end -= 1
        if tok_end < f.n and data[tok_end] in _ID_CHARS:
            return  # part of an identifier (gpt_4o_price, claude-3-haiku_pricing)
        wide = self._left(f, start, _MODEL_LEFT, 64)
        if _glob_after(data, wide, tok_end):
            return  # a pattern of names ("openai/gpt-5*"), not one
        if wide < start and data[start - 1] not in b"/.":
            return  # inside a longer word (my-gpt-4o, foo_claude-)
        token = self._text(data[start:tok_end])
        if not re.search(r"[0-9-]", token) or re.search(r"\.(?:json|ya?ml|py|md|txt|ts|js|png|jpg|csv|html)$", token, re.I):
            return
        if f.in_prose(start) or self._in_text_string(f, start, tok_end):
            return  # an API name without an org in running text is a mention, not a dependency
        if wide == start and start > 0 and data[start - 1] in b"\"'`" and data[tok_end:tok_end + 1] == data[start - 1:start] \
                and self._pattern_test(f, start - 1, tok_end):
            return  # model.startswith("o3"), "glm-4" in name: a pattern of names
        ws = words(token)
        if set(ws) & self.rules.resource_words:
            return  # a deployment, job or volume named after the model it serves
        if set(ws) & (self.rules.repo_words | self.rules.identifier_words):
            return  # a package or repository named after the family (qwen-vl-utils, gemini-cli), a header (mistral-correlation-id)
        if len(ws) == 2 and ws[1] in self.rules.org_words:
            return  # a company's or a provider's slug (provider="mistral-ai", claude.ai)
        if re.search(rb"/\s*[\"']$", data[max(0, start - 4):start]):
            return  # CACHE / "deepseek-r1-distill-qwen-7b": a local folder named after the model
        if wide < start:
            wtext = self._text(data[wide:tok_end])
            if not wtext.startswith(("/", ".")) and "//" not in wtext:
                ms = self.rec.model(wtext, "")
                if ms is not None:
                    self._model(f, ms, wtext, wide, _CONF_VOCAB, "vocabulary")
            return  # after "/" or ".": part of a path, a URL, a Hub id or a cloud id, read whole above or by its own anchor
        ms = self.rec.model(token, "")
        if ms is not None:
            self._model(f, ms, token, start, _CONF_VOCAB, "vocabulary")

    def _quoted_family(self, f: _File, end: int, a) -> None:
        """A family prefix too short to read anywhere ("o3-", "abab", "sonar") as the start of a whole
        quoted string that the rules know as an API model name: "o3-pro-2025-06-10" in a list, a
        constructor's first argument. The bare prefix counts only when it holds a digit ("o3")."""
        prefix = a.payload
        data = f.data
        start = end - len(prefix)
        quote = data[start - 1:start]
        _, line_end = f.line_span(start)
        close = data.find(quote, end, min(line_end, end + 100))
        if close < 0 or f.in_prose(start):
            return
        token = self._text(data[start:close])
        if not (_QUOTED_NAME.fullmatch(token) or _SCOPED_ID.fullmatch(token)) \
                or (token.lower() == prefix and not any(c.isdigit() for c in token)):
            return
        ws = words(token)
        if set(ws) & (self.rules.resource_words | self.rules.repo_words | self.rules.identifier_words) \
                or len(ws) == 2 and ws[1] in self.rules.org_words or self._pattern_test(f, start - 1, close):
            return
        ms = self.rec.model(token, "")
        if ms is not None and ms.form == "api":
            self._model(f, ms, token, start, _CONF_VOCAB, "vocabulary")  # "o3-mini", "@cf/meta/llama-3-8b-instruct"

    def _pattern_test(self, f: _File, qs: int, qe: int) -> bool:
        """Is the string quoted at ``qs``..``qe`` (its quotes) a pattern of names: the argument of a
        prefix, suffix or substring test (rules: pattern_calls; model.startswith("o3"),
        id.includes("gpt-oss")) or the left side of Python's ``in`` ("glm-4" in model_name)?"""
        rx = self.rules.pattern_call_before
        if rx is not None and rx.search(self._text(f.line_prefix(qs, 60))):
            return True
        if f.fk.kind == "docs" and f.context(qs) != Context.CODE:
            return False  # "from `gpt-4` to `gpt-4o` in both tests": English, not Python
        return _IN_TEST.match(f.data, qe + 1, qe + 48) is not None

    def _in_text_string(self, f: _File, start: int, end: int) -> bool:
        """The token sits in a string literal of words (a label, a message: "GPT-4o mini (fast)"),
        not in a string that is the token itself."""
        if f.fk.kind == "docs" and not f.fk.notebook:
            return False
        around = _quotes_around(f, start, end, 200, 200)
        if around is None:
            return False
        inner = f.data[around[0] + 1:around[1]]
        return b" " in inner and len(inner) < 200

    def _ollama_tag(self, f: _File, end: int, a) -> None:
        data = f.data
        colon = data.rfind(b":", max(0, end - 8), end)
        if colon < 0:
            return
        start = self._left(f, colon, _OLLAMA_NAME_LEFT, 80)
        if start == colon or (start > 0 and data[start - 1] in b"/:@.\\$"):
            return
        m = _OLLAMA_TAG_FWD.match(data, colon + 1)
        if not m:
            return
        tend = m.end()
        while tend > colon + 1 and data[tend - 1] in b".-_":
            tend -= 1
        if tend < f.n and data[tend] in b"/:@":
            return
        text = self._text(data[start:tend])
        if f.in_prose(start) or _IMAGE_BEFORE.search(f.line_prefix(start, 80)):
            return  # a container image (docker build -t app:latest, image: app:latest), not a model tag
        ms = self.rec.ollama_tagged(text)
        if ms is not None:
            self._model(f, ms, text, start, _CONF_VOCAB, "vocabulary")

    def _weight(self, f: _File, end: int, a) -> None:
        data = f.data
        if end < f.n and (data[end] in _ID_CHARS or data[end:end + 1] == b"." and data[end + 1:end + 2].isalnum()):
            return
        ext_start = end - len(a.payload)
        start = self._left(f, ext_start, _FILE_LEFT, 200)
        if start == ext_start or (start > 0 and data[start - 1] in b"*{}$%<)]>"):
            return
        while start < ext_start and data[start] in b"./":
            start += 1
        if start == ext_start:
            return
        text = self._text(data[start:end])
        if text.startswith(("/", "~")):
            text = text.rsplit("/", 1)[-1]
            start = end - len(text)
        if "/" in text and not text.lower().endswith((".gguf", ".ggml")):
            text = text.rsplit("/", 1)[-1]
            start = end - len(text)
        ms = self.rec.model(text, "")
        if ms is not None:
            self._model(f, ms, text, start, _CONF_VOCAB, "vocabulary", wants_provider=False)

    # ------------------------------------------------------------------------------------------
    # Models: positions
    # ------------------------------------------------------------------------------------------
    def _bare_ok(self, f: _File, off: int) -> bool:
        """A value without quotes can be read here: configuration, shell, docs, comments."""
        if f.fk.kind != "code":
            return True
        return f.context(off) == Context.COMMENT or f.fk.comments[:1] == (b"#",) and not f.path.endswith((".py", ".pyi", ".pyx"))

    def _take_model_value(self, f: _File, vs: int, ve: int, hint: str, conf: float, detector: str, attrs: dict[str, str]) -> bool:
        raw = self._text(f.data[vs:ve]).strip()
        quoted = f.data[vs - 1:vs] in (b'"', b"'", b"`")
        if not quoted and f.in_prose(vs):
            raw = raw.rstrip(".,;:!?)")
            if not re.search(r"[0-9/:_-]", raw):
                return False  # "... in favor of the --model flag.": a word of the sentence
        if not quoted and f.data[max(0, vs - 8):vs].rstrip().endswith(b"=") \
                and (_SNAKE_NAME.fullmatch(raw) or _CAMEL_NAME.fullmatch(raw.rstrip(";,)"))):
            return False  # Assistant(llm=llm_cfg), this.chatModel = chatModel;: a variable, not a name
        m = _SHELL_DEFAULT.fullmatch(raw)
        if m:  # ${MODEL:-Qwen/Qwen2.5-7B-Instruct}: the default is written here
            vs += m.start(1) + (len(f.data[vs:ve]) - len(f.data[vs:ve].lstrip()))
            raw = m.group(1).strip("\"'")
            ve = vs + len(raw.encode())
        if not raw or raw.lower() in self._software_words:
            return False  # lm_eval --model vllm: a backend, not a model
        if hint == "artifact":
            ms = self.rec.storage_uri(raw) if "://" in raw else self.rec.model(raw, "artifact")
            if ms is None and "://" not in raw:
                ms = self.rec.model(raw, "kb")
        elif "://" in raw:
            ms = self.rec.model(raw, "")
            if ms is None and hint in ("model", "hf", "kb"):
                ms = self.rec.storage_uri(raw) if raw.split("://", 1)[0].lower() not in ("http", "https") else None
        else:
            ms = self.rec.model(raw, hint)
        if ms is None:
            return False
        self._model(f, ms, raw, vs, conf, detector, attrs)
        return True

    def _key(self, f: _File, end: int, a) -> None:
        data = f.data
        sep = end - 1
        if data[sep] == 0x3D and (data[sep + 1:sep + 2] in (b"=", b">") or data[sep - 1:sep] in (b"!", b"<", b">", b"=")):
            return  # a comparison or an arrow
        if data[sep] == 0x3A and data[sep + 1:sep + 2] in (b":", b"/", b"="):
            if data[sep + 1:sep + 2] != b"=":
                return  # a scope (Class::x) or a URL (model://)
            end += 1
        if f.fk.kind == "code" and not f.fk.notebook and not self._bare_ok(f, end):
            _, eol = f.line_span(end)
            if data.find(b'"', end, eol) < 0 and data.find(b"'", end, eol) < 0 and data.find(b"`", end, eol) < 0:
                return  # code with no string literal after the key: nothing to read
        key, kstart = self._key_before(f, sep)
        if "/" in key:
            if "://" in self._text(data[max(0, kstart - 8):kstart + 3]) or key.count("/") > 2:
                return
            key = key.rsplit("/", 1)[-1]
        if not key:
            return
        hint = self.rules.model_key_hint(key)
        if hint is None:
            if data[sep] == 0x3A and self.rules.is_block_key(key.rsplit(".", 1)[-1]):
                self._block(f, kstart, end, key)
            return
        flag = ("--" if data[max(0, kstart - 2):kstart] == b"--" else "-" if data[kstart - 1:kstart] == b"-" else "") + key
        if self.rules.is_dataset_key(key) or flag.lower() in self.rules.alias_flags:
            return
        if key.rsplit(".", 1)[-1].lower() in self.rules.alias_keys or hint == "hf":
            lo, hi = self._scope(f, kstart)
            around = data[lo:hi]
            if key.rsplit(".", 1)[-1].lower() in self.rules.alias_keys and any(s.encode() in around for s in self.rules.alias_siblings) \
                    or _NON_MODEL_REPO.search(around):
                # LiteLLM's model_name beside litellm_params (the public alias, not the model), or
                # snapshot_download(repo_id=..., repo_type="dataset"): the value is no model wherever else it is read
                v = self._value(f, end, True)
                if v is not None:
                    f.veto.add(v[0])
                return
        if self._label_position(f, kstart, data[sep] == 0x3A):
            v = self._value(f, end, True)
            if v is not None:
                f.veto.add(v[0])  # the label's value is no model wherever else it is read
            return
        attrs = {"env" if re.fullmatch(r"[A-Z][A-Z0-9_]*", key) else "key": key}
        conf = _CONF_KEY
        # Python / TypeScript annotations: model: str = "x"
        rest = f.line_rest(end, 200)
        if f.fk.kind == "code" and data[sep] == 0x3A:
            m = re.match(rb"[ \t]*[A-Za-z_][A-Za-z0-9_.\[\], |]*[ \t]*=[ \t]*", rest)
            if m and not rest.lstrip().startswith((b'"', b"'")):
                end += m.end()
                rest = rest[m.end():]
        stripped = rest.strip()
        if not stripped or stripped.startswith((b"#", b"//")) and f.fk.kind != "code":
            if data[sep] == 0x3A and self.rules.is_block_key(key.rsplit(".", 1)[-1]):
                self._block(f, kstart, end, key, hint)
            return
        value = self._value(f, end, self._bare_ok(f, end))
        if value is not None and data[value[0] - 1:value[0]] not in (b'"', b"'", b"`") and data[sep] == 0x3A:
            # key: value in YAML-like text: the value runs to the end of the line; words with spaces
            # are a display name (Truss model_name: Mistral 7B), not a model id
            _, eol = f.line_span(value[0])
            rest_v = data[value[1]:eol].split(b" #", 1)[0].strip()
            if rest_v and not rest_v.startswith((b"#", b"//")):
                return
        pid = self._key_provider(key)
        if pid and hint == "model":
            hint = "api"  # OPENROUTER_MODEL, NOVITA_LLM_MODEL_PREF: that provider's own model id, kept as written
        if value is not None and data[sep] == 0x3A and f.path.endswith((".py", ".pyi")) \
                and data[kstart - 1:kstart] not in (b'"', b"'") and data[value[0] - 1:value[0]] in (b'"', b"'") \
                and _TYPE_NAME.fullmatch(self._text(data[value[0]:value[1]])):
            return  # def f(model: "HuggingFaceEmbeddings"): a forward-reference annotation names a class
        if value is not None:
            vs, ve = value
            if pid:
                f.evidence.append((vs, pid, "keyname"))
            if self._take_model_value(f, vs, ve, hint, conf, "model-key", attrs):
                return
            if f.data[vs - 1:vs] not in (b'"', b"'", b"`"):
                pass
            else:
                return
        if f.fk.kind == "code":
            for vs, ve in self._fallback_literals(f, end):
                self._take_model_value(f, vs, ve, hint, conf - 0.05, "model-key", attrs)

    def _label_position(self, f: _File, kstart: int, mapping: bool) -> bool:
        """A key that is a Kubernetes label: in a selector option (``kubectl wait -l model=llama3``)
        or, as a mapping key, in a labels or selector block (``labels: {model: mistral}``)."""
        pre = f.line_prefix(kstart, 200)
        m = _SELECTOR_BEFORE.search(pre)
        if m is not None and self._text(m.group(1)).lower() in self.rules.label_flags:
            return True
        if not mapping or not self.rules.label_blocks:
            return False
        ls, _ = f.line_span(kstart)
        ind = f.indent(ls)
        starts = f.starts
        i = bisect.bisect_right(starts, ls) - 1
        for j in range(i - 1, max(-1, i - 40), -1):  # the nearest line above that is less indented
            s = starts[j]
            body = f.data[s:starts[j + 1]].strip()
            if not body or body.startswith(b"#"):
                continue
            if f.indent(s) < ind:
                pm = _YAML_KEY.match(body)
                return pm is not None and self._text(pm.group(1)).lower() in self.rules.label_blocks
        return False

    def _block(self, f: _File, kstart: int, end: int, key: str, hint: str | None = None) -> None:
        """``model:`` opening a YAML block: the model is the block's name/id/uri/repo value, or each
        item of a list of plain values (``models: [- gpt-4o]``)."""
        data = f.data
        if f.in_prose(kstart):
            return  # "models:" ending a sentence, followed by a bullet list
        ls, le = f.line_span(kstart)
        base = f.indent(ls)
        if data[ls + base:ls + base + 2] == b"- ":
            base += 2
        starts = f.starts
        i = bisect.bisect_right(starts, le)
        taken = 0
        child = -1  # the indentation of the block's own keys: deeper lines belong to nested blocks
        for j in range(i, min(i + 80, len(starts))):
            s = starts[j]
            e = starts[j + 1] - 1 if j + 1 < len(starts) else f.n
            line = data[s:e]
            body = line.strip()
            if not body or body.startswith(b"#"):
                continue
            ind = f.indent(s)
            if ind <= base and not (ind == base and body.startswith(b"- ") and key.lower() in ("models", "model_cache", "adapters", "lora_modules")):
                break
            if child < 0:
                child = ind
            elif ind > child and not (body.startswith(b"- ") and ind <= child + 2):
                continue
            if body.startswith(b"- "):
                item = s + ind + 2
                m = re.match(rb"([A-Za-z_][A-Za-z0-9_\-]*)[ \t]*:[ \t]*", data[item:e])
                if m is None:
                    # plain items are models only under a plural key (models: [- gpt-4o]); a model:
                    # block's own lists hold its settings (activations, layers)
                    if hint is not None and key.rsplit(".", 1)[-1].lower() in self.rules.list_block_keys:
                        v = self._value(f, item, True)
                        if v is not None and self._take_model_value(f, v[0], v[1], hint, _CONF_KEY, "model-key", {"key": key}):
                            taken += 1
                    continue
                k = self._text(m.group(1))
                vpos = item + m.end()
            else:
                m = re.match(rb"([A-Za-z_][A-Za-z0-9_\-]*)[\"']?[ \t]*:[ \t]*", body)
                if m is None:
                    continue
                k = self._text(m.group(1))
                vpos = s + ind + m.end()
            if k.lower() in self.rules.block_value_keys and self.rules.model_key_hint(k) is None:
                v = self._value(f, vpos, True)
                if v is not None:
                    sub_hint = "artifact" if k.lower() in ("uri", "path") else "model"
                    if self._take_model_value(f, v[0], v[1], sub_hint, _CONF_KEY, "model-key", {"key": f"{key}.{k}"}):
                        taken += 1
            if taken >= 50:
                break

    def _flag(self, f: _File, end: int, a) -> None:
        data = f.data
        sep = end - 1
        if data[sep] == 0x0A and data[sep - 1:sep] == b"\r":
            sep -= 1
        fs = data.rfind(b"-", max(0, sep - 64), sep)
        # the flag's first dash
        start = self._left(f, sep, _KEY_CHARS, 64)
        while start < sep and data[start] != 0x2D:
            start += 1
        if start >= sep or (start > 0 and data[start - 1] in _ID_CHARS):
            return
        flag = self._text(data[start:sep])
        if fs < 0 or not flag.startswith("-"):
            return
        alias = flag.lower() in self.rules.alias_flags  # the name a server answers to
        hint = self.rules.model_key_hint(flag) if not alias else "model"
        if hint is None or self.rules.is_dataset_key(flag):
            return
        if data[sep] in b"\r\n":
            # a YAML argument list: "- --model" then "- Qwen/..." on the next line, same indent
            ls, _ = f.line_span(start)
            item = re.match(rb"[ \t]*- [ \t]*$", data[ls:start])
            if item is None:
                return
            nxt = data.find(b"\n", sep) + 1
            if nxt <= 0 or data[nxt:nxt + item.end()] != data[ls:ls + item.end()]:
                return
            end = nxt + item.end()
        value = self._value(f, end, True)
        if value is None:
            return
        vs, ve = value
        if f.data[vs:vs + 1] == b"-":
            return
        if alias:
            # --served-model-name qwen: the name this server answers to; the model it serves is named
            # by the same command, before it -- unless the command's own flag names the model there
            # (xinference launch --model-name qwen2.5-instruct: rules model-commands flags)
            fd = f.found.get((Kind.MODEL, vs, ""))
            if fd is not None and fd.detector == "model-command" and fd.attrs.get("flag") == flag:
                return
            f.veto.add(vs)
            f.served.append((start, self._text(data[vs:ve]).strip("\"'")))
            return
        self._take_model_value(f, vs, ve, hint, _CONF_POSITION if f.fk.kind != "docs" else _CONF_KEY, "model-flag", {"flag": flag})

    def _env_entry(self, f: _File, end: int, a) -> None:
        """``- name: X_MODEL`` / ``value: Y`` (Kubernetes and compose env lists)."""
        data = f.data
        nl = end - 1
        m = re.search(rb"name:[ \t]*[\"']?([A-Za-z0-9_]+)[\"']?[ \t]*\r?\n$", data[max(0, end - 200):end])
        if not m:
            return
        key = self._text(m.group(1))
        hint = self.rules.model_key_hint(key)
        if hint is None:
            return
        v = re.match(rb"[ \t]*(?:- )?[ \t]*value:[ \t]*", data[nl + 1:nl + 200])
        if not v:
            return
        val = self._value(f, nl + 1 + v.end(), True)
        if val is not None:
            self._take_model_value(f, val[0], val[1], hint, _CONF_KEY, "model-key", {"env": key})
            pid = self._key_provider(key)
            if pid:
                f.evidence.append((val[0], pid, "keyname"))

    def _key_provider(self, key: str) -> str:
        """The provider a model key's own name starts with (``DEEPSEEK_MODEL``, ``OLLAMA_MODEL_PREF``,
        ``groq_model``), or ""."""
        ws = words(key.rsplit(".", 1)[-1])
        if len(ws) < 2 or ws[0] in self.rules.model_words:
            return ""
        for n in (2, 1):
            cand = "".join(ws[:n]) if n > 1 else ws[0]
            for c in (cand, "-".join(ws[:n]), "_".join(ws[:n])):
                pid = self._provider_words.get(c)
                if pid:
                    return pid
        return ""

    def _key_comma(self, f: _File, end: int, a) -> None:
        data = f.data
        q = data.rfind(b",", max(0, end - 16), end)
        close = q - 1
        while close > 0 and data[close] in b" \t":
            close -= 1
        if close <= 0 or data[close] not in b"\"'":
            return
        open_ = data.rfind(data[close:close + 1], max(0, close - 80), close)
        if open_ < 0:
            return
        key = self._text(data[open_ + 1:close]).strip("\\")
        if not key or not re.fullmatch(r"[A-Za-z0-9_\-.]+", key):
            return
        lit = self._string_at(f, end)
        if lit is None:
            return
        if key.startswith("-"):
            # an argument vector: CMD ["--model", "x"], args: ["--model", "x"], ["vllm", "serve", "--model", m]
            if key.lower() in self.rules.alias_flags:
                f.veto.add(lit[0])
                f.served.append((open_, self._text(data[lit[0]:lit[1]])))
                return
            hint = self.rules.model_key_hint(key)
            if hint is None or self.rules.is_dataset_key(key):
                return
            self._take_model_value(f, lit[0], lit[1], hint, _CONF_POSITION if f.fk.kind != "docs" else _CONF_KEY, "model-flag", {"flag": key})
            return
        # only the default of a look-up: getenv("LLM_MODEL", "gpt-4o"), config.get("model", "x")
        m = re.search(rb"([A-Za-z_][A-Za-z0-9_.]*)[ \t]*\([ \t]*\\?$", data[max(0, open_ - 80):open_])
        if m is None or self._text(m.group(1)).rsplit(".", 1)[-1].lower() not in self.rules.default_calls:
            return
        hint = self.rules.model_key_hint(key)
        if hint is None:
            return
        self._take_model_value(f, lit[0], lit[1], hint, _CONF_KEY, "model-key", {"env" if key.isupper() else "key": key})

    def _call_args(self, f: _File, open_paren: int, limit: int = 1500) -> tuple[int, int]:
        """(start, end) of a call's argument text, from just after ``(`` to its matching ``)``
        (strings skipped), bounded."""
        data = f.data
        depth = 1
        i = open_paren + 1
        stop = min(f.n, i + limit)
        while i < stop:
            c = data[i]
            if c in b"\"'":
                j = data.find(data[i:i + 1], i + 1, stop)
                if j < 0:
                    break
                i = j + 1
                continue
            if c in b"([{":
                depth += 1
            elif c in b")]}":
                depth -= 1
                if depth == 0:
                    return open_paren + 1, i
            i += 1
        return open_paren + 1, stop

    def _call(self, f: _File, end: int, a) -> None:
        call = a.payload
        data = f.data
        s, e = self._call_args(f, end - 1, 1500)
        if self._dataset_near(f, end) or _NON_MODEL_REPO.search(data[s:e]):
            m = _WS.match(data, s)
            lit = self._string_at(f, m.end() if m else s)
            if lit is not None:
                f.veto.add(lit[0])
            return
        # the positional arguments, up to the one the rule names (and one more: a loader called on a
        # base model first, PeftModel.from_pretrained(base, "org/adapter"))
        pos = s
        for k in range(call.arg + 2):
            m = _WS.match(data, pos)
            pos = m.end() if m else pos
            lit = self._string_at(f, pos)
            if lit is not None and k >= call.arg:
                self._call_value(f, call, lit[0], lit[1])
                return
            if lit is None and k >= call.arg:
                m2 = re.match(rb"([A-Za-z_][A-Za-z0-9_]*)\s*[,)]", data[pos:pos + 80])
                if m2 and not re.match(rb"\s*=", data[pos + m2.end(1):pos + m2.end(1) + 3]):
                    lit = self._constant(f, self._text(m2.group(1)), pos)
                    if lit is not None:
                        self._call_value(f, call, lit[0], lit[1])
                        return
            # skip this argument
            nxt = self._next_arg(f, pos, e)
            if nxt is None:
                return
            pos = nxt

    def _call_value(self, f: _File, call, vs: int, ve: int) -> None:
        hint = call.hint
        if hint == "litellm" and b"/" not in f.data[vs:ve]:
            hint = ""
        self._take_model_value(f, vs, ve, hint, _CONF_POSITION, "model-call", {"call": call.name})

    def _next_arg(self, f: _File, pos: int, end: int) -> int | None:
        """The offset after the comma that ends the argument starting at ``pos`` (None at the end)."""
        data = f.data
        depth = 0
        i = pos
        while i < end:
            c = data[i]
            if c in b"\"'":
                j = data.find(data[i:i + 1], i + 1, end)
                if j < 0:
                    return None
                i = j + 1
                continue
            if c in b"([{":
                depth += 1
            elif c in b")]}":
                if depth == 0:
                    return None
                depth -= 1
            elif c == 0x2C and depth == 0:
                return i + 1
            i += 1
        return None

    # "= 'x'": found from the "=" (a literal start: linear on any text, base64 blobs included), the
    # name read leftwards from there
    _ASSIGN_EQ = re.compile(rb"=[ \t]*(?=\\?[\"'])")

    def _constant(self, f: _File, name: str, before: int) -> tuple[int, int] | None:
        """The string literal a module constant or variable was last given before ``before``
        (``RERANKER = "cross-encoder/..."`` ... ``CrossEncoder(RERANKER)``)."""
        if name in ("self", "cls", "this", "None", "True", "False", "model", "args"):
            return None
        if f.assignments is None:  # one pass over the file, on the first constant asked for
            f.assignments = {}
            data = f.data
            for m in self._ASSIGN_EQ.finditer(data):
                var = self._assigned_name(data, m.start())
                if var:
                    f.assignments.setdefault(var, []).append(m.end())
        best = None
        for pos in f.assignments.get(name, ()):
            if best is not None and pos > before:
                break
            best = pos
        return self._string_at(f, best) if best is not None else None

    @staticmethod
    def _assigned_name(data: bytes, eq: int) -> str:
        """The variable an ``=`` at ``eq`` assigns: ``NAME =``, ``NAME: type =`` (an annotation of
        up to 60 characters on the line); "" for ``==``, ``<=``, ``a.b =``, ``a[i] =`` and others."""
        if eq == 0 or data[eq - 1] in b"=!<>+-*/%&|^:" or data[eq + 1:eq + 2] == b"=":
            return ""
        ls = data.rfind(b"\n", max(0, eq - 200), eq) + 1
        j = eq
        while j > ls and data[j - 1] in b" \t":
            j -= 1
        i = j
        while i > ls and data[i - 1] in _ID_CHARS:
            i -= 1
        name_s, name_e = i, j
        k = i
        while k > ls and data[k - 1] in b" \t":
            k -= 1
        if k > ls and data[k - 1] == 0x3A and data[k - 2:k - 1] != b":":
            # "x: str =": the name is before the colon
            name_e = k - 1
            while name_e > ls and data[name_e - 1] in b" \t":
                name_e -= 1
            name_s = name_e
            while name_s > ls and data[name_s - 1] in _ID_CHARS:
                name_s -= 1
        elif i == j:
            # "x: dict[str, int] =": a colon at most 60 characters back, with no "=" between
            c = data.rfind(b":", max(ls, eq - 61), eq)
            if c < 0:
                return ""
            name_e = c
            while name_e > ls and data[name_e - 1] in b" \t":
                name_e -= 1
            name_s = name_e
            while name_s > ls and data[name_s - 1] in _ID_CHARS:
                name_s -= 1
        if name_s == name_e or not (0x41 <= (data[name_s] | 0x20) - 0x20 <= 0x5A or data[name_s] == 0x5F) \
                or (name_s and data[name_s - 1] in _ID_CHARS | {0x2E}):
            return ""
        return data[name_s:name_e].decode("ascii", "replace")

    def _option_call(self, f: _File, end: int, a) -> None:
        s, e = self._call_args(f, end - 1, 1200)
        args = f.data[s:e]
        m = re.match(rb"\s*\\?[\"']([A-Za-z0-9_\-]{1,60})\\?[\"']", args)
        if not m:
            return
        name = self._text(m.group(1))
        hint = self.rules.model_key_hint(name)
        if hint is None:
            return
        d = re.search(rb"\bdefault\s*=\s*", args)
        if not d:
            return
        lit = self._string_at(f, s + d.end())
        if lit is None:
            return
        self._take_model_value(f, lit[0], lit[1], hint, _CONF_KEY, "model-option", {"option": name})

    def _command_words(self, f: _File, pos: int, limit: int = 600) -> list[tuple[int, int]]:
        """Shell words from ``pos`` to the end of the command (line continuations followed)."""
        data = f.data
        out: list[tuple[int, int]] = []
        stop = min(f.n, pos + limit)
        i = pos
        while i < stop and len(out) < 40:
            while i < stop and data[i] in b" \t":
                i += 1
            if i >= stop:
                break
            c = data[i]
            if c == 0x5C and data[i + 1:i + 2] in (b"\n", b"\r"):  # a line continuation
                i += 2 if data[i + 1:i + 2] == b"\n" else 3
                continue
            if c in b"\n\r|;&<>#)`" or (c == 0x5C and f.fk.notebook and data[i + 1:i + 2] == b"n"):
                break
            if c in b"\"'":
                j = data.find(data[i:i + 1], i + 1, stop)
                if j < 0:
                    break
                out.append((i + 1, j))
                i = j + 1
                continue
            m = _WORD_FWD.match(data, i)
            if not m:
                break
            we = m.end()
            if f.fk.notebook and data[we - 1:we] == b"\\":
                we -= 1
            out.append((i, we))
            i = m.end()
        return out

    def _command(self, f: _File, end: int, a) -> None:
        cmd: Command = a.payload
        data = f.data
        toks = self._command_words(f, end)
        if cmd.flags:
            for k, (s, e) in enumerate(toks):
                w = self._text(data[s:e])
                flag, eq, val = w.partition("=")
                if flag in cmd.flags:
                    if eq and val:
                        self._take_model_value(f, s + len(flag) + 1, e, cmd.hint, _CONF_POSITION, "model-command", {"command": " ".join(cmd.words), "flag": flag})
                    elif k + 1 < len(toks):
                        vs, ve = toks[k + 1]
                        self._take_model_value(f, vs, ve, cmd.hint, _CONF_POSITION, "model-command", {"command": " ".join(cmd.words), "flag": flag})
            return
        skip = 1 if cmd.skip_first else 0
        words_ = [data[s:e] for s, e in toks]
        if b"--repo-type=dataset" in words_ or any(a == b"--repo-type" and b in (b"dataset", b"space")
                                                   for a, b in zip(words_, words_[1:])):
            return  # hf download ORG/NAME --repo-type dataset: a dataset, not a model
        for s, e in toks:
            wb = data[s:e]
            if wb.startswith(b"-"):
                continue
            if skip:
                skip -= 1
                continue
            if self._take_model_value(f, s, e, cmd.hint, _CONF_POSITION, "model-command", {"command": " ".join(cmd.words)}):
                self._served_by_runtime(f, s, cmd.hint)
            break

    def _served_by_runtime(self, f: _File, start: int, runtime: str) -> None:
        """A command or Modelfile of a local runtime (``ollama run``, ``FROM``) says who serves the
        model it names: that runtime, on the machine that runs the command."""
        fd = f.found.get((Kind.MODEL, start, ""))
        prov = self.kb.get("providers", runtime)
        if fd is not None and prov is not None and not fd.provider:
            fd.provider, fd.scope = prov.id, "call"

    def _from_line(self, f: _File, end: int, a) -> None:
        data = f.data
        name = f.path.rsplit("/", 1)[-1].lower()
        m = _WORD_FWD.match(data, end)
        if not m:
            return
        s, e = end, m.end()
        tok = self._text(data[s:e])
        if name.startswith(("dockerfile", "containerfile")) or name.endswith((".dockerfile", ".containerfile")):
            self._image(f, s, tok)
            return
        if f.fk.modelfile and self.rules.modelfile_from:
            if self._take_model_value(f, s, e, "ollama" if "/" not in tok and not tok.startswith(".") else "hf", _CONF_POSITION, "modelfile", {"key": "FROM"}):
                self._served_by_runtime(f, s, "ollama")
            return
        if f.fk.kind == "docs" or f.fk.notebook:
            if "/" in tok or tok.startswith("."):
                return
            if self.rec.family_head(tok) and (":" not in tok or self.rec.ollama_tag(tok.split(":", 1)[1])):
                self._take_model_value(f, s, e, "ollama", _CONF_KEY, "modelfile", {"key": "FROM"})
            else:
                self._image(f, s, tok)

    # ------------------------------------------------------------------------------------------
    # Software
    # ------------------------------------------------------------------------------------------
    def _import(self, f: _File, end: int, a) -> None:
        data = f.data
        if a.payload == "python":
            if not (f.path.endswith((".py", ".pyi", ".pyx", ".ipynb")) or f.fk.kind == "docs"):
                return
            pos = end - 1
            m = _MODULE.match(data, pos)
            if not m:
                return
            modules = [self._text(m.group(0))]
            line_rest = f.line_rest(pos, 300)
            head = f.line_prefix(pos, 40).strip().lower()
            if head.endswith(b"import"):
                modules += [self._text(x) for x in re.findall(rb",\s*([A-Za-z_][A-Za-z0-9_.]*)", line_rest.split(b"#", 1)[0])]
            for mod in modules:
                self._package(f, pos, mod, "python")
        else:
            q = end - 1
            m = _NPM_NAME.match(data, end)
            if not m or data[m.end():m.end() + 1] not in (b"/", data[q:q + 1]):
                return
            self._package(f, end, self._text(m.group(0)), "npm")

    def _package(self, f: _File, pos: int, name: str, eco: str) -> None:
        key = (name, eco)
        hit = self._pkg_memo.get(key)
        if hit is None:
            if len(self._pkg_memo) > 50_000:
                self._pkg_memo.clear()
            hit = self._pkg_memo[key] = self._package_facts(name, eco)
        entry, dist, clouds = hit
        for cid in clouds:
            self._add(f, Kind.CLOUD, cid, name, pos, "sdk", 0.85, "import", cid, {"module": name})
        if entry is None:
            return
        self._add(f, Kind.PACKAGE, dist, name, pos, "import", 0.9, "import", entry.id, {"ecosystem": eco, "module": name})
        if entry.section == "providers":
            f.evidence.append((pos, entry.id, "import"))

    def _package_facts(self, name: str, eco: str) -> tuple:
        """(knowledge-base entry or None, distribution name, clouds whose SDK the module is)."""
        parts = name.split(".")
        entry: Entry | None = None
        dist = ""
        for n in range(len(parts), 0, -1):
            cand = "-".join(parts[:n]) if eco == "python" else "/".join(parts[:n])
            entry = self.kb.package(cand, eco)
            if entry is not None:
                dist = cand.lower().replace("_", "-") if eco == "python" else cand.lower()
                break
        clouds: list[str] = []
        if eco == "python":
            for cl in self.kb.section("clouds"):
                for imp in cl.get("sdk_imports", ()) or ():
                    if name == imp or name.startswith(imp + "."):
                        clouds.append(cl.id)
                        break
        else:  # an npm import names its package: a cloud's SDK (@aws-sdk/client-bedrock-runtime)
            parts = name.split("/")
            pkg = "/".join(parts[:2]) if name.startswith("@") else parts[0]
            owner = self.kb.cloud_for_package(pkg, "npm")
            if owner is not None:
                clouds.append(owner.id)
        return entry, dist, tuple(clouds)

    def _image(self, f: _File, pos: int, image: str) -> None:
        image = image.strip("\"'`")
        cut = min((i for i in (image.find("$"), image.find("{")) if i >= 0), default=-1)
        if cut >= 0:  # an interpolated tag (nvidia/cuda:13.0.3-base-ubuntu${UBUNTU_VERSION}.04): the image is named
            colon = image.rfind(":", 0, cut)
            image = image[:colon] if colon > image.rfind("/", 0, cut) else ""
        if not image or len(image) > 250:
            return
        name = self.kb.image_name(image)
        for prefix in self.rules.model_image_prefixes:
            if name.startswith(prefix) and name.count("/") >= prefix.count("/") + 1:
                self._add(f, Kind.MODEL, name[len(prefix):], image, pos, "other", 0.85, "image", "", {"image": name})
        for e in self.kb.images(image):
            if e.section == "software":
                self._add(f, Kind.PACKAGE, e.id, image, pos, "image", 0.9, "image", "", {"image": name})
            elif e.section == "hardware":
                self._add(f, Kind.HARDWARE, e.id, image, pos, "image", 0.9, "image", e.id, {"image": name})
            elif e.section == "providers":
                self._add(f, Kind.PACKAGE, e.id, image, pos, "image", 0.9, "image", e.id, {"image": name})
        toks = set(re.split(r"[/:\-_.@]", image.lower()))
        for hw in self.kb.section("hardware"):
            for t in hw.get("image_tokens", ()) or ():
                tl = t.lower()
                if tl in toks or ("*" in tl and any(re.fullmatch(re.escape(tl).replace(r"\*", "[a-z0-9]*"), x) for x in toks)):
                    self._add(f, Kind.HARDWARE, hw.id, image, pos, "image", 0.85, "image", hw.id, {"image": name, "token": t})
                    break
        if toks & self.rules.image_tag_words:
            self._add(f, Kind.HARDWARE, UNKNOWN, image, pos, "image", 0.7, "image", "", {"image": name})

    def _hw_image(self, f: _File, end: int, a) -> None:
        """A hardware vendor's image outside an image key or FROM line: in a docker command, a
        build argument's default, inline code. It needs a tag or digest (``nvidia/`` is also a Hub
        namespace: nvidia/cuda:12.4.1-devel is an image, nvidia/Llama-3.1-Nemotron a model) unless
        the prefix names a registry host (``nvcr.io/nvidia/cuda``)."""
        data = f.data
        start = end - a.literal_len
        if start > 0 and (data[start - 1] in _ID_CHARS or data[start - 1] in b"./-:@"):
            return
        if f.in_prose(start) or (Kind.HARDWARE, start, a.payload[0]) in f.found:
            return
        m = _IMAGE_FWD.match(data, end)
        image = self._text(data[start:m.end() if m else end]).rstrip(".,:;")
        tagged = "@" in image or ":" in image.rsplit("/", 1)[-1]
        if not tagged and "." not in image.split("/", 1)[0]:
            return
        self._image(f, start, image)

    def _image_key(self, f: _File, end: int, a) -> None:
        v = self._value(f, end, True)
        if v is None:
            return
        self._image(f, v[0], self._text(f.data[v[0]:v[1]]))

    def _sw_command(self, f: _File, end: int, a) -> None:
        sw_id, cmd = a.payload
        start = end - len(cmd)
        self._add(f, Kind.PACKAGE, sw_id, cmd, max(0, start), "command", 0.85, "command", "", {"command": cmd})
        sw = self.kb.get("software", sw_id)
        if sw is not None and sw.get("kind") == "serving":
            f.evidence.append((start, "", "self-hosted"))

    # ------------------------------------------------------------------------------------------
    # Providers: credentials, clients, endpoints
    # ------------------------------------------------------------------------------------------
    def _bounded(self, f: _File, start: int, end: int) -> bool:
        data = f.data
        return (start == 0 or data[start - 1] not in _ID_CHARS) and (end >= f.n or data[end] not in _ID_CHARS)

    def _credential(self, f: _File, end: int, a) -> None:
        var = self.kb.get("providers", a.payload)
        start = end - a.literal_len
        if not self._bounded(f, start, end) or var is None:
            return
        name = self._text(f.data[start:end])
        if not self._env_owned(name, "providers", var.id):
            return
        if _URL_VAR.search(name):
            # OPENAI_BASE_URL=http://vllm:8000/v1 points an OpenAI-compatible client anywhere: a value
            # given here decides where the data goes (the URL's own reading), not the variable's name
            m = re.match(rb"[\"']?[ \t]*[:=][ \t]*[\"']?([^\s\"'#,;]+)", f.data[end:end + 300])
            if m and not m.group(1).startswith((b"$", b"{", b"<", b"%")):
                return
        self._add(f, Kind.ENDPOINT, var.id, name, start, "credential", 0.8, "credential", var.id, {"env": name})
        f.evidence.append((start, var.id, "credential"))

    def _client(self, f: _File, end: int, a) -> None:
        pid, cls = a.payload
        start = f.data.rfind(cls.encode(), max(0, end - len(cls) - 8), end)
        if start < 0:
            return
        if f.fk.kind == "docs" and not f.fk.notebook and f.fk.markdown is False:
            return
        bare = self._bare_clients.get(pid)
        if bare is not None and cls in bare[0]:
            seen = f.imports.get(pid)
            if seen is None:
                seen = f.imports[pid] = bare[1].search(f.data) is not None
            if not seen:
                return  # Replicate() with nothing that imports Replicate's SDK: a word, not its client
        s, e = self._call_args(f, end - 1, 1500)
        args = f.data[s:e]
        redirected = any(self.rules.is_url_key(self._text(k)) for k in re.findall(rb"([A-Za-z_][A-Za-z0-9_]*)\s*[=:]", args))
        attrs = {"client": cls}
        if redirected:
            attrs["base_url"] = "set"  # pointed elsewhere: the URL, not the client class, says where
        prov = self.kb.get("providers", pid)
        runtime = prov is not None and prov.get("kind") == "self-hosted"  # ChatOllama(base_url=...): still Ollama, elsewhere
        if not redirected or runtime:
            # a client pointed at another base URL says nothing about who serves: the URL does
            self._add(f, Kind.ENDPOINT, pid, cls, start, "client", 0.85, "client", pid, attrs)
        f.evidence.append((end - 1, "" if redirected and not runtime else pid, "client"))  # at its "(": inside the call's own scope

    def _url_key(self, f: _File, start: int) -> str:
        """The key or flag a URL at ``start`` is the value of, or ""."""
        pre = f.line_prefix(start, 160)
        m = re.search(rb"([A-Za-z_][A-Za-z0-9_\-.]*)[\"'`]?\]?[ \t]*(?:=|:|=>|\?\?|\|\||,)[ \t]*[\"'`\\]*$", pre)
        if m is None:
            m = re.search(rb"(--?[A-Za-z][A-Za-z0-9_\-]*)[ \t=]+[\"']?$", pre)
        if m is None:
            return ""
        key = self._text(m.group(1))
        if key.lower() in self.rules.string_types and f.fk.kind == "code":
            typed = _TYPED_NAME.search(pre, max(0, m.start(1) - 60), m.start(1))
            if typed:  # API_BASE_URL: &'static str = "...", const baseURL string = "..."
                return self._text(typed.group(1) or typed.group(2))
        if key.lower() in ("getenv", "get", "environ.get", "os.getenv", "setdefault", "default"):
            m2 = re.search(rb"[\"']([A-Za-z_][A-Za-z0-9_]*)[\"'][ \t]*,[ \t]*[\"'\\]*$", pre)
            return self._text(m2.group(1)) if m2 else ""
        return key

    def _url_facts(self, url: str) -> tuple | None:
        """What the URL alone says (memoised: the same URLs recur in file after file): (host,
        port, path, provider, route, local, templated), or None when it is never an endpoint."""
        memo = self._url_memo
        try:
            return memo[url]
        except KeyError:
            pass
        if len(memo) > 100_000:
            memo.clear()
        facts = memo[url] = self._url_facts_uncached(url)
        return facts

    def _url_facts_uncached(self, url: str) -> tuple | None:
        r = self.rules
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
            port = parts.port
        except ValueError:
            return None
        path = parts.path or ""
        if not host or "$" not in host and any(self.rec.is_uri_placeholder(label) for label in host.split(".")):
            return None  # api.your-provider.com, my-server
        segs = [s for s in path.lower().split("/") if s]
        if any(s in r.not_route_words for s in segs) or (segs and re.search(r"\.[a-z0-9]{2,5}$", segs[-1]) and ":" not in segs[-1]):
            return None
        templated = any(c in url for c in "${}<>")
        prov = self.kb.provider_for_url(url)
        return host, port, path, prov, self._is_route(path), self._is_local(host, port), templated

    def _endpoint(self, f: _File, start: int, url: str, text: str) -> None:
        """Decide whether ``url`` (written at ``start``) is an inference endpoint; record it."""
        r = self.rules
        facts = self._url_facts(url)
        if facts is None:
            return
        host, port, path, prov, route, local, templated = facts
        text = text or safe_url_text(url)
        key = self._url_key(f, start)
        if host.split(".", 1)[0] in r.not_host_labels and "." in host and not (key and r.is_url_key(key, True)):
            return  # a website (docs.baseten.co, www.anthropic.com, platform.openai.com), not an API
        if key and r.is_not_key(key, self.rules.has_strong_url_tail(key), serves_model=bool(route or local and port)):
            return
        if host in r.hub_hosts and not route:
            return  # the model hub or a mirror of it (HF_ENDPOINT=https://hf-mirror.com): downloads, not inference
        is_key = bool(key) and r.is_url_key(key, provider_word=bool(self._key_provider(key + "_x")))
        if not key and (f.fk.kind == "docs" or f.context(start) in (Context.DOCS, Context.COMMENT)):
            pre = f.line_prefix(start, 160)
            low = pre.lower()
            is_key = any(k in low for k in r.prose_url_keys) or any(
                r.is_url_key(self._text(tok), provider_word=bool(self._key_provider(self._text(tok) + "_x")))
                for tok in re.findall(rb"[A-Za-z_][A-Za-z0-9_]{3,}", pre) if b"_" in tok)
        attrs: dict[str, str] = {}
        if key:
            attrs["key"] = key
        if prov is not None:
            bases = [urlsplit(b.get("url", "") if isinstance(b, dict) else str(b)) for b in prov.get("base_urls", ()) or ()]
            same_host = [b for b in bases if (b.hostname or "").lower() == host]
            base_paths = {b.path.rstrip("/") for b in (same_host or bases)}
            p = path.rstrip("/")
            api_host = host.startswith(("api.", "api-")) or bool(same_host) and "" in base_paths
            if not ((p == "" and (api_host or is_key)) or route or api_host and same_host
                    or any(bp and (p == bp or p.startswith(bp + "/")) for bp in base_paths)
                    or self._dedicated_host(prov, host)):
                return
            self._add(f, Kind.ENDPOINT, normalize_url(url), text, start, "url", 0.9, "endpoint", prov.id, attrs)
            f.evidence.append((start, prov.id, "url"))
            return
        if host in ("example.com", "example.org", "example.net") or host.endswith((".example", ".invalid", ".test", ".example.com")):
            return
        if local or (templated and route):
            if not (port or route or is_key):
                return
            if port in r.service_ports and not (route or is_key or self._route_tail(path)):
                return  # a local database, vector store, dashboard or dev server (rules: service_ports)
            attrs["local"] = "true"
            self._add(f, Kind.ENDPOINT, normalize_url(url), text, start, "url", 0.85, "endpoint", "", attrs)
            f.evidence.append((start, "", "self-hosted"))
            return
        if route or is_key:
            if is_key and not route and (templated or "." not in host and not port):
                return
            self._add(f, Kind.ENDPOINT, normalize_url(url), text, start, "url", 0.8 if route else 0.75, "endpoint", "", attrs)
            f.evidence.append((start, "", "url"))

    def _dedicated_host(self, prov: Entry, host: str) -> bool:
        """A host of the provider's own per-resource or per-region pattern (rules: host_patterns,
        {resource}.openai.azure.com, bedrock-runtime.{region}.amazonaws.com): it serves nothing but
        that provider's API, so any path on it is that API (/openai, a bare base)."""
        return self.kb.provider_for_host_pattern(host) is prov

    def _is_route(self, path: str) -> bool:
        """An inference route: exactly one of the routes (after version/API prefixes), or a
        route suffix (``:predict``, ``:generateContent``)."""
        r = self.rules
        p = path.rstrip("/")
        if not p:
            return False
        if any(sfx in p for sfx in r.route_suffixes):
            return True
        for rt in r.routes:
            if p == rt or p.startswith(rt + "/"):
                return True
        segs = p.split("/")
        while len(segs) > 1 and re.fullmatch(r"v\d+(?:beta\d*|alpha\d*)?|api|openai|serving-endpoints|proxy", segs[1]):
            segs.pop(1)
            q = "/".join(segs)
            if any(q == rt or q.startswith(rt + "/") for rt in r.routes):
                return True
        return False

    def _route_tail(self, path: str) -> bool:
        """The path ends with an inference route of two segments or more under a prefix of the
        server's own (/api/v3/bots/chat/completions)."""
        p = path.rstrip("/")
        return any(rt.count("/") >= 2 and p.endswith(rt) for rt in self.rules.routes)

    def _is_local(self, host: str, port: int | None = None) -> bool:
        r = self.rules
        if host in r.local_hosts or host.endswith(r.cluster_suffixes):
            return True
        if port and "." not in host and re.fullmatch(r"[a-z0-9][a-z0-9_-]*", host):
            return True  # a compose service or container name (http://ollama:11434)
        try:
            ip = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            return False
        return any(ip in n for n in _PRIVATE_NETS) or ip.is_unspecified

    def _url(self, f: _File, end: int, a) -> None:
        data = f.data
        s = end - 3
        start = self._left(f, s, _SCHEME_CHARS, 16)
        while start < s and data[start] == 0x2B:  # +https://...+: an AsciiDoc passthrough around the URL
            start += 1
        scheme = self._text(data[start:s]).lower()
        if scheme not in ("http", "https", "ws", "wss"):
            return
        m = _URL_FWD.match(data, end)
        ue = m.end() if m else end
        url = self._text(data[start:ue]).rstrip(".,;:)]}'\"`*\\+")  # +...+: AsciiDoc passthrough
        if f.fk.notebook and url.endswith("\\n"):
            url = url[:-2]
        if len(url) <= len(scheme) + 3 or self._url_facts(url) is None:
            return
        self._endpoint(f, start, url, "")
        if self.rules.model_paths and len(url) <= 2048 and not f.in_prose(start):
            self._url_models(f, start, url)

    def _url_models(self, f: _File, start: int, url: str) -> None:
        """A model named in an inference API's path (rules: model_paths): Gemini's
        /v1beta/models/gemini-2.0-flash:generateContent, Bedrock's /model/us.amazon.nova-micro-v1%3A0/converse.
        Taken when the knowledge base vouches for the (percent-decoded) id."""
        for head, rx in self.rules.model_paths:
            i = url.find(head)
            while i >= 0:
                m = rx.match(url, i + len(head))
                if m:
                    raw = m.group(1)
                    mid = unquote(raw)
                    ms = self.rec.model(mid, "") if _QUOTED_NAME.fullmatch(mid) else None
                    if ms is not None:
                        pos = start + len(url[:m.start(1)].encode())
                        self._model(f, ms, mid, pos, _CONF_VOCAB, "url-path", {"url_path": head})
                    break
                i = url.find(head, i + 1)

    def _hostport(self, f: _File, end: int, a) -> None:
        host = a.payload.encode()
        data = f.data
        start = data.rfind(host, max(0, end - len(host) - 2), end)
        if start < 0:
            return
        m = _URL_FWD.match(data, start)
        token = self._text(data[start:m.end() if m else end]).rstrip(".,;:)]}'\"`*\\")
        if f.fk.notebook and token.endswith("\\n"):
            token = token[:-2]
        self._endpoint(f, start, "http://" + token, token)

    # ------------------------------------------------------------------------------------------
    # Hardware
    # ------------------------------------------------------------------------------------------
    def _hw_token(self, f: _File, end: int, a) -> None:
        vendor, key, value = a.payload
        start = end - a.literal_len
        data = f.data
        if key == "context_accelerators":
            if not self._bounded(f, start, end) or (start > 0 and data[start - 1] in b"-./") \
                    or not self._gpu_context(f, start, end):
                return
            key = "accelerators"
        if key == "code_tokens" and value.startswith("."):  # a method call: x.cuda(
            if start == 0 or data[start - 1] not in _ID_CHARS | {0x29, 0x5D}:
                return
        elif key in ("accelerators", "terms", "code_tokens"):
            if not self._bounded(f, start, end) or (start > 0 and data[start - 1] in b"-./") and key != "code_tokens":
                return
            if key == "code_tokens" and start > 0 and data[start - 1] in b".":
                return
        elif key == "tools":
            if start > 0 and data[start - 1] in _ID_CHARS | {0x2D} or end < f.n and data[end] in _ID_CHARS | {0x2D}:
                return
        elif key == "node_values" and not self._bounded(f, start, end):
            return
        elif key == "node_prefix":
            if start > 0 and data[start - 1] in _ID_CHARS | {0x2D}:
                return
            if start > 0 and data[start - 1] == 0x2F:
                org = re.search(rb"([A-Za-z0-9_.-]{1,64})/$", data[max(0, start - 65):start])
                if org and self.kb.lab_for_namespace(self._text(org.group(1))) is not None:
                    return  # nvidia/NVIDIA-Nemotron-...: the name of a Hub id, not a node
            m = re.match(rb"[A-Za-z0-9.\-]{1,80}", data[end:end + 80])
            if not m:
                return
            end += m.end()
            value = self._text(data[start:end]).rstrip(".-")
            end = start + len(value)
            if value.lower() in self._provider_words or value.lower() in self._software_words:
                return  # nvidia-nim: a provider's name, not a node's
            if self.rec.family_head(value[a.literal_len:]):
                return  # NVIDIA-Nemotron-3-Super-120B-A12B: a model of the vendor's family, not a node
        attrs = {"resource" if key == "k8s_resources" else "token": value}
        if key == "accelerators":
            attrs = {"accelerator": value}
        self._add(f, Kind.HARDWARE, vendor, self._text(data[start:end]), start, key.rstrip("s").replace("_", "-"), 0.85, "hardware", vendor, attrs)

    def _gpu_context(self, f: _File, start: int, end: int) -> bool:
        """A token that is an accelerator only in a hardware context (L4, A10): a GPU word on its
        line within 200 bytes (``an A10 GPU``, ``NVIDIA L4``), a memory size or count after it
        (``A10:24GB``, ``L4-24GB``) or a count before it (``8x A10``)."""
        data = f.data
        if _GPU_SIZE_AFTER.match(data, end):
            return True
        ls, le = f.line_span(start)
        if _GPU_COUNT_BEFORE.search(data[max(ls, start - 8):start]):
            return True
        near = data[max(ls, start - 200):min(le, end + 200)].lower()
        return any(w.decode() in self.rules.gpu_words for w in _LOWER_WORD.findall(near))

    def _env_name(self, f: _File, end: int, a, pattern: str) -> tuple[str, int] | None:
        """The whole environment variable name an env anchor matched, and its start."""
        data = f.data
        start = end - a.literal_len
        if start > 0 and data[start - 1] in _ID_CHARS:
            return None
        if pattern.endswith("*"):
            m = re.match(rb"[A-Z0-9_]*", data[end:end + 80])
            end += m.end() if m else 0
            if end - start <= len(pattern) - 1:
                return None
        elif end < f.n and data[end] in _ID_CHARS:
            return None
        return self._text(data[start:end]), start

    def _env_owned(self, name: str, section: str, eid: str) -> bool:
        """``name`` belongs to this entry: the exact name or the longest prefix across providers,
        clouds and hardware decides (AWS_NEURON_RT_X is aws-neuron hardware, not the aws cloud)."""
        owner = self.kb.env_var_owner(name)
        return owner is None or (owner.section, owner.id) == (section, eid)

    def _hw_env(self, f: _File, end: int, a) -> None:
        vendor, pattern = a.payload
        hit = self._env_name(f, end, a, pattern)
        if hit is None:
            return
        name, start = hit
        if vendor and not self._env_owned(name, "hardware", vendor):
            return
        self._add(f, Kind.HARDWARE, vendor or UNKNOWN, name, start, "env", 0.85, "hardware", vendor, {"env": name})

    def _hw_device(self, f: _File, end: int, a) -> None:
        vendor, dev = a.payload
        data = f.data
        start = data.rfind(dev.encode(), max(0, end - len(dev) - 12), end)
        if start < 0:
            return
        self._add(f, Kind.HARDWARE, vendor, self._text(data[start:end]).strip("\"'\\"), start, "device", 0.8, "hardware", vendor, {"device": dev})
        if dev in self._context_devices.get(vendor, ()):
            f.context_devices.append((start, vendor))

    def _gpu_key(self, f: _File, end: int, a) -> None:
        data = f.data
        sep = end - 1
        key, kstart = self._key_before(f, sep)
        if not key or "/" in key or (kstart > 0 and data[kstart - 1] in b"/"):
            return
        if data[kstart - 1:kstart] == b"-" and data[sep:sep + 1] == b"=" and key.lower() in self.rules.vendor_flag_names:
            return  # docker --gpus=all: the vendor's flag, read on its own
        k = key.lower().rsplit(".", 1)[-1]
        v = self._value(f, end, True)
        if v is None:
            return
        val = self._text(data[v[0]:v[1]]).strip()
        if k in self.rules.compose_keys:
            vl = val.lower()
            if k == "capabilities":
                if "gpu" not in vl:
                    return
            elif k in ("driver", "runtime", "runtimeclassname"):
                vendor = None
                for hw in self.kb.section("hardware"):
                    if vl in (x.lower() for x in hw.get("node_values", ()) or ()) or vl == hw.id:
                        vendor = hw.id
                        break
                if vendor is None:
                    return
                self._add(f, Kind.HARDWARE, vendor, f"{key}: {val}", kstart, "runtime", 0.8, "hardware", vendor, {"key": key})
                return
            self._add(f, Kind.HARDWARE, UNKNOWN, f"{key}: {val}", kstart, "request", 0.7, "hardware", "", {"key": key})
            return
        if k in self.rules.version_keys:
            if set(re.split(r"[\-_.:/]", val.lower())) & self.rules.image_tag_words:
                self._add(f, Kind.HARDWARE, UNKNOWN, f"{key}: {val}", kstart, "image", 0.7, "hardware", "", {"key": key})
            return
        vendor = self._device_vendor.get(k) or self._device_vendor.get(k.replace("use_", "").replace("enable_", ""))
        if vendor:
            if val.lower() in ("true", "yes", "on", "1"):
                self._add(f, Kind.HARDWARE, vendor, f"{key}: {val}", kstart, "device", 0.75, "hardware", vendor, {"key": key})
            return
        if k not in self.rules.gpu_count_keys:
            return
        if not val or val.lower() in ("0", "false", "none", "null", "no", "off", "cpu", "auto", "0.0", "[]", "{}") or val.startswith(("$", "{", "<")):
            if val.lower() not in ("auto",):
                return
        if not self._gpu_request(f, v, val):
            return
        self._add(f, Kind.HARDWARE, UNKNOWN, f"{key}: {val}", kstart, "count", 0.75, "hardware", "", {"key": key})

    def _gpu_request(self, f: _File, v: tuple[int, int], val: str) -> bool:
        """The value of a GPU key is a request: a count or range (``2``, ``1..``, ``24GB..``), a spec
        (``A100:40GB:2``, ``nvidia:1..``), a vendor or accelerator name, ``all``/``auto`` or a switch;
        not a program's identifier, type or expression (``gpu: Gpu``, ``gpus: IGpu[]``,
        ``gpu = resources.gpus[0]``, ``GPU_COUNT: 'gpu_count'``: dstack's and lemonade's sources)."""
        vl = val.lower()
        if vl in ("all", "auto", "true", "yes", "on"):
            return True
        if _NOT_A_REQUEST.search(val):
            return False
        quoted = v[0] > 0 and f.data[v[0] - 1] in b"\"'`"
        if f.fk.kind == "code" and not f.fk.notebook and not quoted:
            return _NUMBER.fullmatch(val) is not None  # code: a literal, not a name
        if any(c.isdigit() for c in val):
            return not _DOTTED_NAME.match(val)
        return vl in self._hardware_words

    def _gpu_flag(self, f: _File, end: int, a) -> None:
        vendor, flag = a.payload
        opt = flag.partition("=")[0]
        start = f.data.rfind(opt.encode(), max(0, end - len(flag) - 40), end) if "=" in flag else end - a.literal_len
        if start < 0:
            return
        data = f.data
        if start > 0 and data[start - 1] not in b" \t\"'`[=,":
            return
        if end < f.n and data[end] not in b" \t=\"'\n\\,]":
            return
        self._add(f, Kind.HARDWARE, vendor or UNKNOWN, flag, start, "docker-flag", 0.8, "hardware", vendor, {"flag": flag})

    # ------------------------------------------------------------------------------------------
    # Cloud
    # ------------------------------------------------------------------------------------------
    def _cloud_token(self, f: _File, end: int, a) -> None:
        cid, what, value = a.payload
        start = end - a.literal_len
        data = f.data
        if what == "host":
            hs = self._left(f, start, frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-."), 200)
            if hs == start or (end < f.n and data[end] in _ID_CHARS):
                return
            host = self._text(data[hs:end])
            if host.split(".", 1)[0].lower() in self.rules.web_host_labels and host.lower() not in self.rules.web_host_services:
                return  # www.volcengine.com, console.volcengine.com: a web page, not a service
            if data[max(0, hs - 3):hs] == b"://" and f.context(hs) in (Context.DOCS, Context.COMMENT):
                us = self._left(f, hs - 3, _SCHEME_CHARS, 16)
                if not self._url_key(f, us):
                    return  # a link in prose: documentation, not a dependency
            self._add(f, Kind.CLOUD, cid, host, hs, "host", 0.8, "cloud", cid, {"host": host})
            return
        if what == "cli":
            start = _cli_start(data, end, value)
            if start < 0 or not _cli_position(f.line_prefix(start, 80), data[end:end + 48], data[start - 1] if start else 0,
                                              self.rules.cloud_cli_names):
                return
            value = " ".join(value.split())
        elif what == "resource-type":
            # an IaC type token (``AWS::S3::Bucket``, Pulumi ``aws:s3/bucket:Bucket``): the whole
            # token must match the pattern, and begin where a word does -- ``.fa-aws:before`` in
            # a style sheet, ``azure:[240,255,255]`` (a colour name) and ``oci://host/image:tag``
            # (an OCI registry URI) are not resource types
            if start > 0 and (data[start - 1] in _ID_CHARS or data[start - 1] in b"-."):
                return
            m = re.match(rb"[A-Za-z0-9:.\-/_]*", data[end:end + 120])
            end += m.end() if m else 0
            token = self._text(data[start:end]).rstrip(":.")
            if "//" in token or not fnmatch.fnmatchcase(token, value):
                return
            rx = self.rules.reference_call_before
            if rx is not None and rx.search(f.line_prefix(start, 80)):
                return  # resourceId('Microsoft.Web/sites', name): an ARM/Bicep function's reference to a resource
        elif what == "label":
            if data[max(0, start - 3):start] == b"://" or start > 0 and data[start - 1] == 0x2E:
                return  # a web page under the cloud's domain (https://cloud.google.com/..., console.cloud.google.com): a link
            m = re.match(rb"[A-Za-z0-9:.\-/_]*", data[end:end + 120])
            end += m.end() if m else 0
            if value.endswith("/"):
                # a label key is ``prefix/name``; a longer path under the cloud's domain
                # (``cloud.google.com/go/storage``) or one followed by a version (a go.mod or
                # go.sum line: ``cloud.google.com/go v0.112.0``) is a Go module: the cloud's SDK
                name = self._text(data[start + a.literal_len:end]).rstrip(":")
                if not name:
                    return
                rest = data[end:end + 24]
                if "/" in name or re.match(rb"[ \t]+v[0-9]", rest):
                    self._add(f, Kind.CLOUD, cid, self._text(data[start:end]).rstrip(":"), start, "sdk", 0.8, "cloud", cid,
                              {"module": self._text(data[start:end]).rstrip(":")})
                    return
        elif what == "path" and (end < f.n and data[end] in _ID_CHARS or start > 0 and data[start - 1] in _ID_CHARS):
            return
        elif what == "sdk":
            self._sdk_namespace(f, start, end, cid, value)
            return
        elif what == "shared-label":
            if data[max(0, start - 3):start] == b"://" or start > 0 and (data[start - 1] in _ID_CHARS or data[start - 1] in b"."):
                return  # a link or a longer name
            m = re.match(rb"[A-Za-z0-9.\-_]+", data[end:end + 120])
            if not m:
                return  # the prefix alone, not an annotation key
            end += m.end()
            key = self._text(data[start:end])
            self._add(f, Kind.CLOUD, UNKNOWN, key, start, "label", 0.8, "cloud", "",
                      {"label": key, "clouds": ",".join(self.rules.shared_annotations.get(value, ()))})
            f.shared_labels.append(start)
            return
        self._add(f, Kind.CLOUD, cid, self._text(data[start:end]), start, what, 0.8, "cloud", cid, {what: value})

    def _sdk_namespace(self, f: _File, start: int, end: int, cid: str, value: str) -> None:
        """A cloud SDK named in another language (rules: sdk_namespaces): a Java import or Maven
        group, a Go module path, a Rust crate, a .NET namespace or package. The name must begin
        there (com.azure, not mycom.azure), not in prose, and not on a go.mod line the module
        only needs indirectly."""
        data = f.data
        head = value[max(value.rfind(" "), value.rfind('"')) + 1:]  # "using Amazon.", 'Include="Azure.': a keyword leads
        if start > 0 and (data[start - 1] in _ID_CHARS or data[start - 1] in b".-/") and head == value:
            return
        if f.in_prose(start):
            return
        m = _MODULE_PATH.match(data, end)
        stop = m.end() if m else end
        name = self._text(data[start + len(value) - len(head):stop]).rstrip(".:/-")
        if len(name) < len(head.rstrip(".:/_-")):
            return
        if f.path.rsplit("/", 1)[-1] == "go.mod" and f.line_rest(end, 300).rstrip().endswith(b"// indirect"):
            return
        self._add(f, Kind.CLOUD, cid, name, start + len(value) - len(head), "sdk", 0.8, "cloud", cid, {"module": name})

    def _cloud_env(self, f: _File, end: int, a) -> None:
        cid, pattern = a.payload
        hit = self._env_name(f, end, a, pattern)
        if hit is None:
            return
        name, start = hit
        owner = self.kb.env_var_owner(name)
        if owner is not None and owner.section == "hardware":
            return  # AWS_NEURON_*: the accelerator's, not the cloud's
        self._add(f, Kind.CLOUD, cid, name, start, "env", 0.8, "cloud", cid, {"env": name})

    def _region_value(self, f: _File, vs: int, value: str, kind: str, key: str) -> None:
        v = value.strip().strip("\"'")
        if not v or len(v) > 80 or not re.search(r"[A-Za-z]", v) or v[0] in "$<{":
            return
        if kind == "region":
            clouds = self.kb.clouds_with_region(v)
            if not clouds:
                zone = re.sub(r"-?[a-z]$", "", v)  # a zone: us-central1-a, eu-west-1b
                clouds = self.kb.clouds_with_region(zone) if zone != v else []
                if clouds:
                    v = zone
            if not clouds:
                return
            cid = clouds[0].id if len(clouds) == 1 else ""
            attrs = {"key": key}
            country = self._region_country(clouds, v)
            if country:
                attrs["country"] = country
            self._add(f, Kind.CLOUD, v, value.strip().strip("\"'"), vs, "region", 0.85, "cloud", cid, attrs)
        elif kind == "instance":
            hit = self.kb.instance_type(v)
            if hit is not None:
                hw, info = hit
                attrs = {"accelerator": str(info.get("accelerator", ""))}
                if key:
                    attrs["key"] = key
                self._add(f, Kind.HARDWARE, hw.id, v, vs, "instance-type", 0.85, "hardware", hw.id, attrs)
                if info.get("cloud"):
                    self._add(f, Kind.CLOUD, str(info["cloud"]), v, vs, "instance-type", 0.85, "cloud", str(info["cloud"]),
                              {"key": key} if key else {})
                return
            hit2 = self.kb.cloud_instance_type(v, keyed=bool(key))
            if hit2 is not None:
                cl = hit2[0]
                self._add(f, Kind.CLOUD, cl.id, v, vs, "instance-type", 0.8, "cloud", cl.id, {"key": key} if key else {})
        elif kind == "storage":
            for cl in self.kb.section("clouds"):
                if v.lower() in (x.lower() for x in cl.get("storage_classes", ()) or ()):
                    self._add(f, Kind.CLOUD, cl.id, v, vs, "storage-class", 0.8, "cloud", cl.id, {"key": key})
                    return

    def _instance(self, f: _File, end: int, a) -> None:
        data = f.data
        start = end - a.literal_len
        if start > 0 and data[start - 1] in _ID_CHARS | {0x2D, 0x2E}:
            return
        m = re.match(rb"[A-Za-z0-9_.\-]{1,60}", data[end:end + 60])
        tok = self._text(data[start:end + (m.end() if m else 0)]).rstrip(".-")
        if len(a.payload) > 2:  # a GPU machine type's family: only as a whole quoted string ("g5.xlarge", `v5p-8`)
            q = data[start - 1:start] if start > 0 else b""
            if q not in (b'"', b"'", b"`") or data[start + len(tok):start + len(tok) + 1] != q or len(tok) < 4 or f.in_prose(start):
                return
            size = tok[a.literal_len:]
            if self.rec.names_a_file(tok):
                return  # `v4-8-demo.mp4`: a file named after one
            if not any(c.isdigit() for c in size) and self.kb.cloud_instance_type(tok, keyed=True) is None:
                return  # "g5.foo": the family, but no size
        self._region_value(f, start, tok, "instance", "")

    def _cloud_key(self, f: _File, end: int, a) -> None:
        data = f.data
        sep = end - 1
        if data[sep] == 0x3D and data[sep + 1:sep + 2] in (b"=", b">"):
            return
        key, kstart = self._key_before(f, sep)
        if not key:
            return
        k = key.lower()
        short = k.rsplit("/", 1)[-1].replace("-", "_")
        last = (words(key.rsplit("/", 1)[-1]) or ("",))[-1]
        kind = "region" if k in self.rules.region_keys or short in self.rules.region_keys or last in self.rules.region_key_tails else \
            "instance" if k in self.rules.instance_keys or short in self.rules.instance_keys else \
            "storage" if k in self.rules.storage_class_keys or short in self.rules.storage_class_keys else ""
        if not kind:
            return
        for vs, ve in self._values(f, end):
            self._region_value(f, vs, self._text(data[vs:ve]), kind, key)

    def _values(self, f: _File, pos: int) -> list[tuple[int, int]]:
        """The value at ``pos``, or each string of a one-line list there (``["g5.2xlarge", ...]``)."""
        m = _SPACES.match(f.data, pos)
        pos = m.end() if m else pos
        if f.data[pos:pos + 1] != b"[":
            v = self._value(f, pos, True)
            return [v] if v is not None else []
        out: list[tuple[int, int]] = []
        _, eol = f.line_span(pos)
        i = pos + 1
        while i < eol and len(out) < 20:
            m = _STR_LIT.search(f.data, i, eol)
            if not m:
                break
            lit = self._string_at(f, m.start())
            if lit is None:
                break
            out.append(lit)
            i = lit[1] + 1
        return out

    def _region(self, f: _File, end: int, a) -> None:
        cid, name = a.payload[:2]
        start = end - a.literal_len
        data = f.data
        if f.in_prose(start):
            return  # a region named in prose; in a setting (region: eu-central-1) it is read through its key
        if start > 0 and data[start - 1] in _ID_CHARS or end < f.n and data[end] in _ID_CHARS:
            return
        if len(a.payload) > 2 and not (start > 0 and data[start - 1] in b"\"'" and data[end:end + 1] == data[start - 1:start]):
            return  # a region name that is also a word or a code ("westeurope", 'cn-beijing'): only a whole string
        if len(a.payload) > 2 and "-" in name and (Kind.CLOUD, start, name) not in f.found:
            f.quoted_regions.append((start, name))  # "us-east", "cn-beijing": kept only where the file names the cloud
        if end < f.n and data[end:end + 1] == b"-" and data[end + 1:end + 2].isalpha() and data[end + 2:end + 3] not in _ID_CHARS:
            end += 2  # a zone
        clouds = self.kb.clouds_with_region(name)
        cid2 = clouds[0].id if len(clouds) == 1 else ""
        if not cid2 and f.context(start) == Context.DOCS:
            f.pending_docs_regions.append(start)  # kept only if the file names its cloud (see _regions)
        country = self._region_country(clouds, name)
        attrs = {"country": country} if country else {}
        quoted = start > 0 and data[start - 1] in b"\"'" and data[end:end + 1] == data[start - 1:start]
        if _MAP_KEY_AFTER.match(data, end) and not (start > 0 and data[start - 1] in b":.") \
                and (quoted or re.fullmatch(rb"[ \t]*(?:-[ \t]+)?", f.line_prefix(start, 120))):
            # a key of a lookup table ("EU-SOUTH-03" = ["H200"], {"us-east-1": "ami-..."}): one of the
            # regions a table offers, as a template's allowed values are, not where the stack runs
            attrs["choice"] = "key"
        if start > 0 and data[start - 1] == 0x2E and data[end:end + 1] == b".":
            # a label of a host name (s3.us-west-2.amazonaws.com): the region of the service called
            hs = self._left(f, start, _HOST_CHARS, 200)
            he = end
            while he < f.n and he - end < 200 and data[he] in _HOST_CHARS:
                he += 1
            attrs["host"] = self._text(data[hs:he]).strip(".")
        self._add(f, Kind.CLOUD, name, self._text(data[start:end]), start, "region", 0.8, "cloud", cid2, attrs)

    def _region_const(self, f: _File, end: int, a) -> None:
        """An SDK's region constant (``Region.US_EAST_1``, ``Regions.EU_WEST_1``): the region, of
        that SDK's cloud, named in code that configures a client."""
        cid, name = a.payload
        start = end - a.literal_len
        data = f.data
        if start > 0 and data[start - 1] in _ID_CHARS or end < f.n and data[end] in _ID_CHARS:
            return  # MyRegion.US_EAST_1X, Region.US_EAST_1_ALIAS: another name
        region = self.kb.region(cid, name) or {}
        attrs = {"country": region["country"]} if region.get("country") else {}
        attrs["constant"] = self._text(data[start:end])
        self._add(f, Kind.CLOUD, name, self._text(data[start:end]), start, "region", 0.85, "cloud", cid, attrs)

    def _tf_block(self, f: _File, end: int, a) -> None:
        data = f.data
        q = data.find(b'"', end, end + 120)
        if q < 0:
            return
        rtype = self._text(data[end:q])
        ls, _ = f.line_span(end)
        word = data[ls:end].strip().split()[0].decode("ascii", "replace")
        if word == "variable":
            self._tf_variable(f, q, rtype)
            return
        if word == "provider":
            e = self.kb.cloud_for_terraform(rtype)
            if e is not None:
                self._add(f, Kind.CLOUD, e.id, f'provider "{rtype}"', ls + f.indent(ls), "provider", 0.9, "terraform", e.id, {"provider": rtype})
            return
        e = self.kb.cloud_for_resource_type(rtype)
        if e is not None:
            self._add(f, Kind.CLOUD, e.id, f'{word} "{rtype}"', ls + f.indent(ls), "resource", 0.9, "terraform", e.id, {"resource": rtype})
        pid = self._tf_providers.get(rtype)
        if pid and word == "resource":
            f.evidence.append((ls, pid, "resource"))

    def _tf_variable(self, f: _File, pos: int, name: str) -> None:
        """``variable "instance_type" { default = "g5.2xlarge" }``: the default of a variable whose
        name is a model, region or instance-type key is that key's value."""
        close = f.data.find(b"\n}", pos, pos + 4000)
        m = re.search(rb"\n[ \t]*default[ \t]*=[ \t]*", f.data[pos:close if close > 0 else pos + 4000])
        if not m:
            return
        vpos = pos + m.end()
        low = name.lower()
        hint = self.rules.model_key_hint(name)
        if hint is not None:
            for vs, ve in self._values(f, vpos):
                self._take_model_value(f, vs, ve, hint, _CONF_KEY, "model-key", {"key": name})
            return
        last = (words(name) or ("",))[-1]
        kind = "region" if low in self.rules.region_keys or last in self.rules.region_key_tails else \
            "instance" if low in self.rules.instance_keys else "storage" if low in self.rules.storage_class_keys else ""
        if kind:
            for vs, ve in self._values(f, vpos):
                self._region_value(f, vs, self._text(f.data[vs:ve]), kind, name)

    def _tf_source(self, f: _File, end: int, a) -> None:
        data = f.data
        q = data.find(b'"', end, end + 200)
        if q < 0:
            return
        src = self._text(data[end:q])
        e = self.kb.cloud_for_terraform(src)
        if e is not None and "/" in src:
            self._add(f, Kind.CLOUD, e.id, src, end, "provider", 0.9, "terraform", e.id, {"source": src})
            return
        ns = src.split("/", 1)[0]
        cid = self._tf_namespaces.get(ns.lower()) if "/" in src else None
        if cid:  # a module or provider its owner publishes (Azure/avm-res-..., aws-ia/...)
            self._add(f, Kind.CLOUD, cid, src, end, "module", 0.85, "terraform", cid, {"source": src})

    def _tf_local(self, f: _File, end: int, a) -> None:
        cid, local = a.payload
        if not f.path.endswith((".tf", ".tf.json", ".hcl")):
            return
        ls, _ = f.line_span(end - 1)
        self._add(f, Kind.CLOUD, cid, local, ls + f.indent(ls), "provider", 0.85, "terraform", cid, {"provider": local})

    def _arn(self, f: _File, end: int, a) -> None:
        data = f.data
        start = end - a.literal_len
        if start > 0 and data[start - 1] in _ID_CHARS:
            return
        m = re.match(rb"[A-Za-z0-9:/._*\-+=,@]{1,400}", data[end:end + 400])
        arn = self._text(data[start:end + (m.end() if m else 0)]).rstrip(".,:")
        ms = self.rec.model(arn, "")
        if ms is not None:
            self._model(f, ms, arn, start, _CONF_POSITION, "vocabulary")
        parts = arn.split(":")
        attrs = {"service": parts[2]} if len(parts) > 2 else {}
        if len(parts) > 3 and parts[3]:
            attrs["region"] = parts[3]
        self._add(f, Kind.CLOUD, "aws", arn, start, "arn", 0.85, "cloud", "aws", attrs)

    def _arn_resource(self, f: _File, end: int, a) -> None:
        """The model part of a Bedrock ARN built from pieces ("::foundation-model/anthropic.claude-...",
        ":inference-profile/us.amazon.nova-pro-v1:0" in a CloudFormation Fn::Join or a CDK string):
        the id after it, when the knowledge base vouches for it as a Bedrock id. A whole ARN is read
        by its own anchor."""
        data = f.data
        start = end - a.literal_len
        head = self._left(f, start, _ARN_CHARS, 200)
        if self._text(data[head:start]).lower().startswith("arn:") or f.in_prose(start):
            return
        m = _ARN_ID.match(data, end)
        if not m:
            return
        mid = self._text(m.group(0)).rstrip(".:")
        ms = self.rec.model(mid, "bedrock")
        if ms is not None and ms.form == "bedrock":
            self._model(f, ms, mid, end, _CONF_POSITION, "vocabulary", {"arn_resource": a.payload})

    def _iam(self, f: _File, end: int, a) -> None:
        cid, svc = a.payload
        data = f.data
        start = data.rfind(svc.encode(), max(0, end - 80), end)
        if start < 0:
            return
        self._add(f, Kind.CLOUD, cid, self._text(data[start:end - 1]), start, "iam", 0.85, "cloud", cid, {"service": svc})

    def _provider_value(self, f: _File, end: int, a) -> None:
        data = f.data
        vs = end - 1
        if data[vs - 1:vs] in (b'"', b"'", b"`"):
            vs -= 0
        m = re.match(rb"[A-Za-z0-9_\-.]{1,40}", data[vs:vs + 40])
        if not m:
            return
        val = self._text(m.group(0)).lower()
        sep = data.rfind(b":", max(0, vs - 20), vs)
        sep2 = data.rfind(b"=", max(0, vs - 20), vs)
        key, kstart = self._key_before(f, max(sep, sep2))
        if not key or key.lower() not in self.rules.provider_keys:
            return
        prov = self._provider_words.get(val)
        cloud = self._cloud_words.get(val)
        if prov is not None:
            f.evidence.append((vs, prov, "key"))
            cloud = cloud or self._cloud_of_provider(prov)
        if cloud:
            self._add(f, Kind.CLOUD, cloud, f"{key}='{m.group(0).decode()}'", kstart, "provider-key", 0.8, "cloud", cloud,
                      {"key": key, "value": val})

    def _cloud_of_provider(self, pid: str) -> str:
        """The cloud whose managed AI service a provider is (Bedrock -> aws, Vertex AI -> gcp);
        "" for model APIs and hosts, which are not clouds."""
        p = self.kb.get("providers", pid)
        if p is None or p.get("kind") != "cloud-ml":
            return ""
        urls = [b.get("url", "") if isinstance(b, dict) else str(b) for b in p.get("base_urls", ()) or ()]
        urls += ["https://" + h.replace("*", "x") for h in p.get("host_patterns", ()) or ()]
        for url in urls:
            try:
                host = (urlsplit(re.sub(r"\{[^}]*\}", "x", url)).hostname or "").lower()
            except ValueError:
                continue
            for cl in self.kb.section("clouds"):
                for hp in cl.get("host_patterns", ()) or ():
                    if hp.startswith("*.") and host.endswith(hp[1:]):
                        return cl.id
        return ""

    # ------------------------------------------------------------------------------------------
    # Provider attribution
    # ------------------------------------------------------------------------------------------
    def _attribute(self, f: _File) -> None:
        """Give each model call the provider the nearest evidence names (``provider_scope``):

        * ``call``: the call the model is passed to is made on a client whose construction says
          the provider (``deepseek = OpenAI(base_url="https://api.deepseek.com")`` ...
          ``deepseek.chat.completions.create(model=...)``), also through a constant
          (``REVIEW_MODEL = "gpt-4o"`` ... ``client.create(model=REVIEW_MODEL)``);
        * ``object``: evidence inside the enclosing object or call (a base URL, a provider key, a
          client constructor around it), or the same paragraph of a .env file;
        * ``file``: every piece of evidence in the file names one and the same provider.
        Nothing else: a model whose serving path is not evidenced here keeps no provider."""
        for fd in f.found.values():
            if fd.kind == Kind.MODEL and fd.form == "litellm" and fd.scope == "string" and fd.detector == "model-key" \
                    and self._own_service_key(f, fd):
                # NOVITA_MODEL_PREF='deepseek/deepseek-r1' beside NOVITA_API_KEY: the string is that
                # service's own id; its first part names the weights' maker, not who serves them
                fd.id, fd.form, fd.provider, fd.scope = fd.text, "api", "", ""
                fd.attrs.pop("litellm_prefix", None)
        ev = sorted(f.evidence)
        if not any(e[1] or e[2] == "self-hosted" for e in ev):
            return
        offs = [e[0] for e in ev]
        named = {e[1] for e in ev if e[1]}
        # the file: every piece of evidence names one provider (a key's own name, OPENAI_MODEL, or a
        # credential's presence speaks for its own object only, never for the file)
        spoken = [e for e in ev if e[2] not in ("import", "keyname", "credential")]
        file_pid = next(iter(named)) if len(named) == 1 and spoken and all(e[1] for e in spoken) else ""
        bindings: dict[str, str | None] = {}
        for fd in f.found.values():
            if fd.kind == Kind.MODEL and fd.form == "litellm" and fd.scope == "string" and fd.detector == "model-key":
                # provider/model under a plain model key: a LiteLLM route, unless the call goes to a
                # router or host whose own ids look like that (OpenRouter's anthropic/claude-3.5-sonnet)
                pid, scope = self._provider_at(f, fd.start, ev, offs, bindings)
                prov = self.kb.get("providers", pid) if pid else None
                if prov is not None and prov.get("kind") in ("router", "host") and pid != fd.provider:
                    fd.id, fd.form, fd.provider, fd.scope = fd.text, "api", pid, scope
                    fd.attrs.pop("litellm_prefix", None)
                continue
            if fd.kind != Kind.MODEL or not fd.wants_provider or fd.provider:
                continue
            pid, scope = self._provider_at(f, fd.start, ev, offs, bindings)
            var = fd.attrs.get("key") or fd.attrs.get("env")
            if not pid and var and f.fk.kind == "code":
                pid, scope = self._provider_of_uses(f, var, fd.start, ev, offs, bindings)
            if not pid and file_pid and self._can_serve(file_pid, fd):
                pid, scope = file_pid, "file"
            if pid == _SELF:
                fd.attrs["served_by"], fd.scope = "self-hosted", scope
            elif pid:
                fd.provider, fd.scope = pid, scope

    def _can_serve(self, pid: str, fd: _Found) -> bool:
        """A first-party model API serves its own models only: a file that names the OpenAI API
        does not make a Claude model in it an OpenAI call. Routers, hosts and clouds serve others'."""
        prov = self.kb.get("providers", pid)
        family = fd.attrs.get("family_provider", "")
        # a Hub id or a name of no known family is no model API's own id either
        return prov is None or prov.get("kind") != "model-api" or family == pid

    def _device_vendors(self, f: _File) -> None:
        """A shared device string (npu) names its vendor only where another reference of this file
        names the same vendor (import torch_npu, npu-smi, ASCEND_*): else the device is an accelerator
        whose vendor is not established."""
        if not f.context_devices:
            return
        pending = {start for start, _ in f.context_devices}
        named = {fd.id for fd in f.found.values() if fd.kind == Kind.HARDWARE and fd.start not in pending}  # one pass
        for start, vendor in f.context_devices:
            fd = f.found.get((Kind.HARDWARE, start, vendor))
            if fd is None or vendor in named:
                continue
            del f.found[(Kind.HARDWARE, start, vendor)]
            self._add(f, Kind.HARDWARE, UNKNOWN, fd.text, start, fd.form, fd.confidence, fd.detector, "", dict(fd.attrs))

    def _region_country(self, clouds: list, name: str) -> str:
        """Where the region ``name`` is: the country every cloud the rules know with a region of
        that name puts it in (us-east-1: AWS's and Alibaba Cloud's are both in the US), "" when
        they disagree (ap-southeast-1: Singapore for AWS, Hong Kong for Huawei Cloud) or say none.
        Which cloud runs it is a separate question, answered only where the file names one."""
        countries = {(self.kb.region(c.id, name) or {}).get("country", "") for c in clouds}
        return countries.pop() if len(countries) == 1 else ""

    def _regions(self, f: _File) -> None:
        """A region name several clouds use (eu-central-1: AWS, and others) belongs to the one
        cloud this file otherwise names, if exactly one of its candidates is named here."""
        ambiguous = [fd for fd in f.found.values() if fd.kind == Kind.CLOUD and fd.form == "region" and not fd.provider]
        if not ambiguous and not f.pending_docs_regions and not f.quoted_regions:
            return
        named = {fd.provider for fd in f.found.values() if fd.kind == Kind.CLOUD and fd.form != "region" and fd.provider}
        named |= {fd.attrs.get("cloud", "") for fd in f.found.values() if fd.kind == Kind.HARDWARE} - {""}
        # a cloud's own AI service named here (a Bedrock model id, a Vertex AI client) names that cloud
        named |= {self._cloud_of_provider(p) for p in {fd.provider for fd in f.found.values()
                                                        if fd.kind in (Kind.MODEL, Kind.ENDPOINT) and fd.provider}} - {""}
        named |= {self._cloud_of_provider(e[1]) for e in f.evidence if e[1]} - {""}
        for fd in ambiguous:
            cands = {c.id for c in self.kb.clouds_with_region(fd.id)} & named
            if len(cands) == 1:
                fd.provider = cands.pop()
                reg = self.kb.region(fd.provider, fd.id)
                if reg is not None and reg.get("country"):
                    fd.attrs["country"] = reg["country"]
        for start, name in f.quoted_regions:
            # a dashed region name as a bare string ("us-east" a node label in a test, "cn-beijing" a
            # default): a region of the cloud this file otherwise names, else not established as one
            qfd = f.found.get((Kind.CLOUD, start, name))
            if qfd is not None and qfd.form == "region" and qfd.provider not in named:
                del f.found[(Kind.CLOUD, start, name)]
        for start in f.pending_docs_regions:
            # in documentation a region name several clouds share, with no cloud named in the file,
            # places nothing: it is dropped rather than reported as a region of an unknown cloud
            for key in [k for k, fd in f.found.items() if k[1] == start and fd.kind == Kind.CLOUD and not fd.provider]:
                del f.found[key]

    def _resolve_shared_labels(self, f: _File) -> None:
        """An annotation several clouds' controllers read (rules: shared_annotation_prefixes) is the
        cloud's that this file otherwise names, when exactly one of its candidates is named; else its
        cloud stays not established. A key only one cloud reads, at the same place, was taken instead."""
        named = {fd.provider for fd in f.found.values() if fd.kind == Kind.CLOUD and fd.provider}
        named |= {self._cloud_of_provider(e[1]) for e in f.evidence if e[1]} - {""}
        at = Counter(fd.start for fd in f.found.values() if fd.kind == Kind.CLOUD)
        for start in f.shared_labels:
            fd = f.found.get((Kind.CLOUD, start, UNKNOWN))
            if fd is None:
                continue
            if at[start] > 1:  # a key only one cloud's controller reads (alb.ingress.kubernetes.io/certificate-arn: AWS)
                del f.found[(Kind.CLOUD, start, UNKNOWN)]
                continue
            cands = set(fd.attrs.get("clouds", "").split(",")) & named
            if len(cands) == 1:
                cloud = cands.pop()
                del f.found[(Kind.CLOUD, start, UNKNOWN)]
                self._add(f, Kind.CLOUD, cloud, fd.text, start, fd.form, fd.confidence, fd.detector, cloud, dict(fd.attrs))

    def _region_choices(self, f: _File) -> None:
        """Mark the regions that stand in a list of a parameter's allowed values (rules:
        choice_markers): a Bicep ``@allowed([...])``, an ARM ``"allowedValues": [...]``, a
        CloudFormation ``AllowedValues:`` list, inline or as YAML items. Each list's extent is
        found once (at most ``_CHOICE_WINDOW`` bytes from its marker); a region is a choice when it
        lies inside one: linear in the file, whatever the number of regions."""
        markers = self.rules.choice_markers
        if not markers:
            return
        regions = [fd for fd in f.found.values() if fd.kind == Kind.CLOUD and fd.form == "region"]
        if not regions:
            return
        data = f.data
        if not any(m in data for m in markers):
            return
        spans = sorted(span for m in markers for i in _find_all(data, m, 10_000)
                       if (span := self._choice_span(f, i + len(m))) is not None)
        if not spans:
            return
        starts = [s for s, _ in spans]
        for fd in regions:
            k = bisect.bisect_right(starts, fd.start) - 1
            if k >= 0 and spans[k][0] < fd.start < spans[k][1]:
                fd.attrs["choice"] = "allowed-values"

    def _choice_span(self, f: _File, after: int) -> tuple[int, int] | None:
        """(start, end) of the allowed-values list whose marker ends at ``after``: a bracket it
        opens, to the bracket that closes it; or the YAML items on the lines below it."""
        data = f.data
        stop = min(f.n, after + _CHOICE_WINDOW)
        m = _CHOICE_LEAD.match(data, after, stop)
        p = m.end() if m else after
        if p < stop and data[p:p + 1] == b"[":
            depth = 0
            for b in _SQUARE.finditer(data, p, stop):
                depth += 1 if b.group() == b"[" else -1
                if depth == 0:
                    return p, b.start()
            return p, stop
        if data[p:p + 1] not in (b"\r", b"\n"):
            return None  # something else follows the marker on its line
        _, eol = f.line_span(after)
        end = eol
        while end < stop:
            ls = end + 1
            _, le = f.line_span(min(ls, f.n - 1)) if ls < f.n else (ls, ls)
            body = data[ls:le].strip()
            if body and not body.startswith((b"- ", b"#")) and body != b"-":
                break
            end = le
            if le >= f.n:
                break
        return (eol, end) if end > eol else None

    def _provider_at(self, f: _File, off: int, ev: list, offs: list[int], bindings: dict) -> tuple[str, str]:
        """The provider the evidence around ``off`` names, and how near (memoised per offset: every
        model constant asks it of the same uses of its name)."""
        key = f"\0at:{off}"
        hit = bindings.get(key)
        if hit is None:
            hit = bindings[key] = self._provider_here(f, off, ev, offs, bindings)
        return hit

    def _provider_here(self, f: _File, off: int, ev: list, offs: list[int], bindings: dict) -> tuple[str, str]:
        lo, hi = self._scope(f, off)
        inner = range(bisect.bisect_left(offs, lo), bisect.bisect_left(offs, hi))  # the evidence in the scope
        near = {ev[j][1] for j in inner}
        named = {p for p in near if p}
        if len(named) == 1:  # a base URL beside a client class says where the client was pointed
            return named.pop(), "object"
        if near and not named and any(ev[j][2] == "self-hosted" for j in inner):
            return _SELF, "object"  # only a private or in-cluster server's URL in the object
        if near or lo >= f.n or f.data[lo:lo + 1] != b"(":
            return "", ""
        pid = self._callee_provider(f, lo, ev, offs, bindings)
        return (pid, "call") if pid else ("", "")

    def _callee_provider(self, f: _File, paren: int, ev: list, offs: list[int], bindings: dict) -> str:
        """The provider of the client a call at ``paren`` is made on: ``receiver.method(`` where
        ``receiver`` was bound to a client construction in this file, or a call of a client
        variable itself (``openrouter("qwen/...")``)."""
        data = f.data
        m = re.search(rb"([A-Za-z_][A-Za-z0-9_]*)(?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*\s*$", data[max(0, paren - 200):paren])
        if not m:
            return ""
        name = self._text(m.group(1))
        if name in ("self", "this", "cls"):
            return ""
        if name not in bindings:
            bindings[name] = self._bindings(f, name, ev, offs, bindings)
        found = bindings[name]
        if not found:
            if self._module_redirected(f, name, bindings):
                return ""  # openai.api_base = "http://localhost:8000/v1": the module's calls go where the URL says
            return self._module_provider(f, name, bindings)  # Generation.call(...), openai("..."), GenerativeModel(...)
        k = bisect.bisect_left([pos for pos, _ in found], paren) - 1
        return (found[k] if k >= 0 else found[0])[1] or ""  # the last binding before the call

    _PY_IMPORT = re.compile(rb"^[ \t]*(?:from[ \t]+([A-Za-z_][\w.]*)[ \t]+import[ \t]+\(?([^\n#]*)|import[ \t]+([^\n#]*))", re.M)
    _JS_IMPORT = re.compile(rb"(?:import[ \t]+(?:type[ \t]+)?([^;\n]*?)[ \t]+from[ \t]*|(?:const|let|var)[ \t]+([^=;\n]*?)=[ \t]*require[ \t]*\([ \t]*)[\"']([^\"'\n]+)[\"']")

    def _imports(self, f: _File, bindings: dict) -> dict[str, tuple[str, str]]:
        """Names this file imports: name -> (module or package, ecosystem)."""
        hit = bindings.get("\0imports")
        if hit is not None:
            return hit
        out: dict[str, tuple[str, str]] = {}
        data = f.data
        for m in self._PY_IMPORT.finditer(data):
            if m.group(1):
                mod = self._text(m.group(1))
                for part in self._text(m.group(2)).replace(")", "").split(","):
                    bits = part.split()
                    if bits:
                        out.setdefault(bits[-1] if len(bits) == 3 and bits[1] == "as" else bits[0], (mod + "." + bits[0], "python"))
            else:
                for part in self._text(m.group(3)).split(","):
                    bits = part.split()
                    if bits:
                        out.setdefault(bits[-1] if len(bits) == 3 and bits[1] == "as" else bits[0].split(".")[0],
                                       (bits[0], "python"))
        for m in self._JS_IMPORT.finditer(data):
            names = self._text(m.group(1) or m.group(2) or b"")
            pkg = self._text(m.group(3))
            for n in re.findall(r"[A-Za-z_$][\w$]*", re.sub(r"\b\w+\s+as\s+", "", names)):
                if n not in ("type", "as"):
                    out.setdefault(n, (pkg, "npm"))
        bindings["\0imports"] = out
        return out

    def _module_redirected(self, f: _File, name: str, bindings: dict) -> bool:
        """The file points module ``name`` at a server of its own choosing: ``openai.api_base = ...``,
        ``openai.base_url = ...`` (a base-URL attribute set on the module itself)."""
        redirected: set[str] | None = bindings.get("\0redirected")
        if redirected is None:  # one pass for every name of the file, on first use
            redirected = bindings["\0redirected"] = {self._text(m.group(1)) for m in self._ATTR_SET.finditer(f.data)
                                                      if self.rules.is_url_key(self._text(m.group(2)))}
        return name in redirected

    #: ``NAME.attribute =`` (an attribute set on a module or object, not a comparison)
    _ATTR_SET = re.compile(rb"(?<![A-Za-z0-9_.])([A-Za-z_][A-Za-z0-9_]*)[ \t]*\.[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*=(?!=)")

    def _module_provider(self, f: _File, name: str, bindings: dict) -> str:
        """The provider whose SDK ``name`` was imported from (a module, class or function)."""
        hit = self._imports(f, bindings).get(name)
        if hit is None:
            return ""
        mod, eco = hit
        for cand in ([mod] + [mod.rsplit(".", k)[0] for k in range(1, mod.count(".") + 1)]) if eco == "python" else [mod]:
            entry = self._package_facts(cand, eco)[0]
            if entry is not None and entry.section == "providers":
                return entry.id
        return ""

    #: ``NAME = [await] [new] Ctor(`` (with a type annotation or not) at every name start, overlapping
    #: (a lookahead), so that each name's bindings are what a search for that name alone finds
    _BINDING = re.compile(rb"(?<![A-Za-z0-9_.])(?=([A-Za-z_][A-Za-z0-9_]*)[ \t]*(?::[ \t]*[\w.\[\], |]{1,80})?[ \t]*=[ \t]*"
                          rb"(?:await\s+)?(?:new\s+)?([A-Za-z_][\w.]*)[ \t]*(\())")

    def _bindings(self, f: _File, name: str, ev: list, offs: list[int], cache: dict) -> list[tuple[int, str]]:
        """(offset, provider or "") of each place ``name`` is bound to a constructed object (the
        first 50). Every binding of the file is found in one pass, on first use: a search per name
        made a file of n clients cost n passes over it."""
        sites: dict[str, list[tuple[int, str, int]]] | None = cache.get("\0bindings")
        if sites is None:
            sites = cache["\0bindings"] = {}
            for m in self._BINDING.finditer(f.data):
                sites.setdefault(self._text(m.group(1)), []).append((m.start(), self._text(m.group(2)), m.start(3)))
        return [(pos, self._binding_provider(f, ctor, paren, ev, offs, cache) or "") for pos, ctor, paren in sites.get(name, [])[:50]]

    def _binding_provider(self, f: _File, ctor: str, paren: int, ev: list, offs: list[int], cache: dict) -> str | None:
        s, e = self._call_args(f, paren, 3000)
        args = range(bisect.bisect_left(offs, paren), bisect.bisect_right(offs, e))  # the evidence inside the call
        inside = {ev[j][1] for j in args if ev[j][2] != "credential"}
        named = {p for p in inside if p}
        if len(named) == 1:
            return named.pop()
        if inside:
            if not named and any(ev[j][2] == "self-hosted" for j in args):
                return _SELF  # OpenAI(base_url="http://vllm.svc.cluster.local:8000/v1"): the stack's own server
            return None
        return self._module_provider(f, ctor.split(".", 1)[0], cache) or None

    def _provider_of_uses(self, f: _File, key: str, start: int, ev: list, offs: list[int], bindings: dict) -> tuple[str, str]:
        """A model constant (``REVIEW_MODEL = "gpt-4o"``) takes the provider of the calls it is
        passed to, when they all agree."""
        name = key.rsplit(".", 1)[-1]
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            return "", ""
        found: set[str] = set()
        data, needle = f.data, name.encode()
        i, seen = data.find(needle), 0
        while i >= 0 and seen < 30:
            j = i + len(needle)
            if (i == 0 or data[i - 1] not in _ID_CHARS | {0x2E}) and (j >= f.n or data[j] not in _ID_CHARS):
                seen += 1
                if not i <= start <= j + 80:  # not the assignment itself
                    pid, _ = self._provider_at(f, i, ev, offs, bindings)
                    if pid:
                        found.add(pid)
            i = data.find(needle, j)
        return (found.pop(), "call") if len(found) == 1 else ("", "")

    def _own_service_key(self, f: _File, fd) -> bool:
        """A model variable whose service the knowledge base does not know, paired with that same
        service's credential in the same object (FOO_MODEL_PREF beside FOO_API_KEY)."""
        var = fd.attrs.get("env", "")
        word = var.split("_", 1)[0].lower()
        if not word or "_" not in var or word in self.rules.generic_env_words \
                or self.kb.provider_for_litellm_prefix(word) is not None or self.kb.get("providers", word) is not None:
            return False
        lo, hi = self._scope(f, fd.start)
        stem = var.split("_", 1)[0].encode()
        return re.search(rb"(?m)^[ \t#]*(?:export[ \t]+)?" + re.escape(stem) + rb"_[A-Z0-9_]*(?:API_KEY|TOKEN|SECRET)[A-Z0-9_]*[ \t]*=",
                         f.data[lo:hi]) is not None

    def _scope(self, f: _File, off: int) -> tuple[int, int]:
        """The enclosing object or call of ``off``: an indentation block for YAML-like files, a
        blank-line paragraph for .env files, else the innermost brackets (bounded)."""
        data = f.data
        if f.fk.env or f.path.rsplit("/", 1)[-1].lower().startswith(".env"):
            s, e = f.line_span(off)
            lo = data.rfind(b"\n\n", max(0, s - WINDOW), s)
            hi = data.find(b"\n\n", e, min(f.n, e + WINDOW))
            return (lo + 2 if lo >= 0 else max(0, s - WINDOW)), (hi if hi >= 0 else min(f.n, e + WINDOW))
        if f.path.endswith((".tf", ".hcl", ".tfvars")):
            lo = max(data.rfind(b"\n}", max(0, off - 4 * WINDOW), off), max(0, off - 4 * WINDOW))
            hi = data.find(b"\n}", off, min(f.n, off + 4 * WINDOW))
            return lo, hi if hi >= 0 else min(f.n, off + 4 * WINDOW)
        if f.path.endswith((".yaml", ".yml")):
            ls, le = f.line_span(off)
            base = f.indent(ls)
            starts = f.starts
            i = bisect.bisect_right(starts, ls) - 1
            lo = ls
            j = i - 1
            while j >= 0 and i - j < 60:
                s = starts[j]
                if data[s:s + 1] not in (b"\n", b"#") and f.indent(s) < base and data[s + f.indent(s):s + f.indent(s) + 1] not in (b"\n", b"#"):
                    lo = s
                    break
                j -= 1
            hi = le
            j = i + 1
            while j < len(starts) and j - i < 60:
                s = starts[j]
                ind = f.indent(s)
                if data[s + ind:s + ind + 1] not in (b"\n", b"#", b"") and ind < base:
                    break
                hi = starts[j + 1] - 1 if j + 1 < len(starts) else f.n
                j += 1
            return lo, hi
        pos, kinds = f.brackets
        k = bisect.bisect_left(pos, off)  # brackets before off: pos[:k]
        depth = 0
        lo_bound = max(0, off - WINDOW)
        lo = -1
        i = k - 1
        while i >= 0 and pos[i] >= lo_bound:
            c = kinds[i]
            if c in b")]}":
                depth += 1
            elif depth == 0:
                lo = pos[i]
                break
            else:
                depth -= 1
            i -= 1
        if lo < 0:
            return f.line_span(off)  # at the top level of a module or class body: no enclosing object
        if lo > lo_bound and data[lo:lo + 1] in (b"{", b"["):
            j = lo - 1
            while j > lo_bound and data[j] in b" \t\r\n":
                j -= 1
            if data[j:j + 1] == b"(":
                lo = j  # Ctor({ model: ... }): the call is the object's context
        depth = 0
        hi_bound = min(f.n, off + WINDOW)
        hi = hi_bound
        i = k
        while i < len(pos) and pos[i] < hi_bound:
            c = kinds[i]
            if c in b"([{":
                depth += 1
            elif depth == 0:
                hi = pos[i]
                break
            else:
                depth -= 1
            i += 1
        return lo, hi


def lexer_for(kb: KnowledgeBase) -> Lexer:
    """The lexer of ``kb``, built once and kept in the knowledge base's own index."""
    lx = kb._idx.get("detect.lexer")
    if lx is None:
        lx = kb._idx["detect.lexer"] = Lexer(kb)
    return lx


#: Where a shell command starts: the line's start, or after a prompt, an operator, ``sudo``, a
#: Dockerfile ``RUN``, a CI ``run:``/``command:`` key, a YAML list item, a backtick.
_CLI_BEFORE = re.compile(rb"(?:^[ \t]*(?:-[ \t]+|>[ \t]*)?|(?:\$|&&|\|\||[|;`(!])[ \t]*|(?:^|[ \t])(?:sudo|RUN|run:|command:|exec|then|do|time)[ \t]+)$")
#: What follows a cloud CLI's name when it is run: a sub-command (lower case) or an option.
_CLI_AFTER = re.compile(rb"[ \t]+(?:--?[a-z]|[a-z][a-z0-9-]*(?=[\s\\;|&)`\"']|$))")
#: The command as the first item of an argument list: ``["gcloud", "auth", ...]``.
_CLI_ARGV_BEFORE = re.compile(rb"[\[(][ \t]*[\"']$")
_CLI_ARGV_AFTER = re.compile(rb"[\"'][ \t]*,[ \t]*[\"']([a-z][a-z0-9-]*)[\"'][ \t]*,")


def _cli_start(data: bytes, end: int, value: str) -> int:
    """Where the cloud CLI ``value`` (one or more words, blanks between them) that ends at ``end``
    begins; -1 when the bytes there are not it (a Hyperscan match gives only its end)."""
    i = end
    for k, w in enumerate(reversed(value.split())):
        wb = w.encode()
        if k:
            while i > 0 and data[i - 1] in b" \t":
                i -= 1
        if data[i - len(wb):i] != wb:
            return -1
        i -= len(wb)
    return i


def _cli_position(before: bytes, after: bytes, prev: int, names: frozenset[str]) -> bool:
    """Is a cloud CLI's name, with the line up to it ``before`` and the bytes after it ``after``,
    a command being run (``gcloud container clusters create``, ``$ az login``, ``RUN aws s3 cp``,
    ``["aws", "s3", "cp", ...]``) rather than the word in prose, a key or an identifier (``aws:``,
    ``provider = "aws"``, ``.aws/credentials``) or one item of a list of names (``["aws",
    "azure", "gcp"]``, ``["aws", "gcloud", "az"]``)? ``names``: every cloud CLI's first word and the
    clouds' and providers' ids."""
    if prev and (prev in _ID_CHARS or prev in b"-./"):
        return False
    if _CLI_ARGV_BEFORE.search(before):
        m = _CLI_ARGV_AFTER.match(after)
        return m is not None and m.group(1).decode() not in names
    return bool(_CLI_BEFORE.search(before)) and bool(_CLI_AFTER.match(after))


def _glob_after(data: bytes, start: int, end: int) -> bool:
    """Is the name at ``data[start:end]`` the head of a glob (``gpt-5*``, ``gemini-3.1*pro*``)? Not
    when it is emphasised Markdown (``**Qwen/Qwen3-8B**``, ``*gpt-4o*``: a ``*`` before it too) or a
    sentence in italics ends after it (``... at nvidia/Qwen3-Nemotron-32B.*``)."""
    return (data[end:end + 1] == b"*" and data[end + 1:end + 2] != b"*" and data[end - 1:end] != b"."
            and (start == 0 or data[start - 1] != 0x2A))


def _quotes_around(f: _File, start: int, end: int, back: int, ahead: int, quotes: bytes = b"\"'`") -> tuple[int, int] | None:
    """The quote before ``start`` (at most ``back`` bytes, on its line) and the same quote after
    ``end`` (at most ``ahead`` bytes, on the line): (opening, closing) offsets, or None."""
    data = f.data
    ls, le = f.line_span(max(end - 1, 0))  # the line of the span's last byte
    lo = max(ls, start - back)
    q = max(data.rfind(bytes((c,)), lo, start) for c in quotes)
    if q < 0:
        return None
    close = data.find(data[q:q + 1], end, min(le, end + ahead))
    return (q, close) if close >= 0 else None
