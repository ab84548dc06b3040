"""What every detector shares: the file it is handed, the base class, and the one place that
decides whether a string names a model (and normalises it).

Detectors find strings in positions that say "this is a model / endpoint / ..."; the knowledge base
(``rules/``) says what the strings mean. Detectors never read files themselves: the scanner hands
them a ``SourceFile`` and turns any exception they raise into a recorded skip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar, Iterable
from urllib.parse import urlsplit

from sovaudit.model import Context, Kind, Reference
from sovaudit.rules import KnowledgeBase


@dataclass(frozen=True)
class SourceFile:
    """One file as the scanner read it. ``text`` is decoded (any encoding); ``data`` holds the raw
    bytes only for detectors that declare ``binary = True``."""

    path: str  # relative POSIX path from the scan root
    text: str = ""
    data: bytes = b""
    abs_path: str = ""
    encoding: str = "utf-8"

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def suffix(self) -> str:
        n = self.name
        return n[n.rfind("."):].lower() if "." in n else ""

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


class Detector:
    """Base class. Subclasses set ``name`` and implement ``applies`` and ``detect``.

    ``applies`` is called with the relative POSIX path only (no I/O) and must be cheap.
    ``detect`` yields references -- and a ``Skipped`` for any part of the file it could not read,
    while still yielding what it could. On a file it cannot read at all it raises with a clear
    message; the scanner records that as a skip. It must not read other files, import or run
    scanned code.
    """

    name: ClassVar[str] = ""
    #: Set for detectors that need raw bytes (model artifacts); they get ``SourceFile.data``.
    binary: ClassVar[bool] = False
    #: "code" or "config": the scanner runs this detector only on text that contains a word of that
    #: vocabulary (see sovaudit.prefilter); "" runs it on every file it applies to.
    prefilter: ClassVar[str] = ""

    def applies(self, path: str) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def detect(self, f: SourceFile, kb: KnowledgeBase) -> Iterable[Reference]:  # pragma: no cover
        raise NotImplementedError

    # -- helpers ---------------------------------------------------------------------------
    def ref(
        self,
        f: SourceFile,
        kind: Kind,
        id_: str,
        text: str,
        line: int,
        column: int,
        form: str,
        context: Context,
        confidence: float,
        provider: str = "",
        attributes: dict[str, str] | None = None,
        related=(),
        cell: int = 0,
    ) -> Reference:
        return Reference(
            kind=kind,
            id=id_,
            text=text,
            path=f.path,
            line=line,
            column=column,
            detector=self.name,
            form=form,
            context=context,
            confidence=round(max(0.0, min(1.0, confidence)), 2),
            provider=provider,
            cell=cell,
            attributes=tuple(sorted((attributes or {}).items())),
            related=tuple(related),
        )


def basename(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


# ------------------------------------------------------------------------------------------
# Model strings
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelString:
    """A string recognised as a model name, normalised."""

    id: str
    form: str  # hf | hf-uri | api | litellm | ollama | bedrock | name
    provider: str = ""  # set when the string itself says (LiteLLM prefix, Bedrock, an API family)
    confidence: float = 0.9
    attributes: dict[str, str] = field(default_factory=dict)


_PLACEHOLDER_RE = re.compile(
    r"(^|[^a-z])(your|my|some|example|sample|placeholder|changeme|todo|xxx+|foo|bar|dummy|fake|mock|test)([^a-z]|$)"
    r"|[<>{}$%`|\\]|\.\.\.|^model[-_ ]?(name|id)?$|^(name|id|none|null|true|false|default|auto|any|string|str)$",
    re.IGNORECASE,
)
_MIME_TOPS = frozenset({"application", "text", "image", "audio", "video", "multipart", "font", "message"})
_FILE_EXTS = frozenset(
    ".py .pyc .js .ts .tsx .jsx .json .yaml .yml .toml .txt .csv .tsv .md .rst .html .htm .xml .ini .cfg .conf"
    " .sh .bash .zip .tar .gz .tgz .whl .parquet .arrow .pkl .pickle .npy .npz .png .jpg .jpeg .gif .svg .pdf"
    " .log .lock .env .sql .db .sqlite .jsonl .go .rs .java .c .h .cpp .rb .php .lua .ipynb .bin .pt .pth .onnx"
    " .safetensors .gguf .ggml .h5 .ckpt .mp3 .wav .mp4 .tf .tfvars .hcl .dockerfile .exe .so .dll".split()
)
_HF_SEG = r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9_])?"
_HF_ID_RE = re.compile(rf"^({_HF_SEG})/({_HF_SEG})$")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,127}$")
_OLLAMA_RE = re.compile(r"^(?:[a-z0-9][a-z0-9._-]*/)?[a-z0-9][a-z0-9._-]*(?::[A-Za-z0-9._-]+)?$")
_BEDROCK_ARN_RE = re.compile(r"^arn:aws(?:-[a-z]+)*:bedrock:([a-z0-9-]*):\d*:(foundation-model|inference-profile|provisioned-model|imported-model|custom-model)/(.+)$")
_HF_URL_RE = re.compile(r"^(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/(?:models/)?([^/?#\s]+/[^/?#\s]+)")
_VERSIONISH_RE = re.compile(r"^v?\d+([._-]\d+)*$")
#: First path segments of huggingface.co pages that are not model repos (site sections; reserved,
#: so no user or organisation can own them).
_HF_SITE_PATHS = frozenset(
    "datasets spaces docs blog api papers collections organizations settings learn tasks chat join login"
    " pricing posts enterprise inference-endpoints changelog terms-of-service privacy notifications search"
    " new new-dataset new-space welcome billing storage-regions pro jobs mcp cli front buckets".split()
)
#: Second path segments of a legacy canonical repo URL (huggingface.co/gpt2/resolve/main/...).
_HF_REPO_PAGES = frozenset("resolve blob tree raw commit commits discussions edit".split())
#: Bare folder names a training script saves to and loads back: never a Hub id.
_LOCAL_DIR_WORDS = frozenset(
    "output outputs out checkpoint checkpoints ckpt ckpts results result saved save saved-model tmp temp final"
    " best last latest main master merged export exported local cache weights pretrained finetuned trained".split()
)
#: A dotted Python path (module, attribute or class): never a model name.
_DOTTED_PATH_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$")


def is_placeholder(s: str) -> bool:
    return bool(_PLACEHOLDER_RE.search(s))


def _looks_like_path(s: str) -> bool:
    if s.startswith((".", "/", "~", "\\")) or re.match(r"^[A-Za-z]:[\\/]", s) or "://" in s:
        return True
    if s.count("/") > 1 and not s.lower().startswith(("openrouter/", "huggingface/", "together_ai/", "fireworks_ai/", "deepinfra/", "bedrock/", "sagemaker/")):
        return True
    last = s.rsplit("/", 1)[-1].lower()
    dot = last.rfind(".")
    return dot > 0 and last[dot:] in _FILE_EXTS


def looks_like_hf_id(s: str) -> bool:
    m = _HF_ID_RE.match(s)
    if not m:
        return False
    org, name = m.group(1), m.group(2)
    if org.lower() in _MIME_TOPS or (org.isdigit() and name.isdigit()) or _VERSIONISH_RE.match(name) and _VERSIONISH_RE.match(org):
        return False
    return not _looks_like_path(s) and not is_placeholder(s)


_MODEL_STRINGS: list = [None, "", {}]  # [the kb the answers are for, its version, (raw, hint) -> answer]


def parse_model_string(raw: str, kb: KnowledgeBase, hint: str = "") -> ModelString | None:
    """``_parse_model_string``, memoised per knowledge base: the same strings come back in file
    after file, and deciding one walks the kb's model patterns (hundreds of ``fnmatch`` calls).
    The answer is frozen; callers copy its ``attributes`` before changing them."""
    if _MODEL_STRINGS[0] is not kb or _MODEL_STRINGS[1] != kb.version or len(_MODEL_STRINGS[2]) > 200_000:
        _MODEL_STRINGS[0], _MODEL_STRINGS[1], _MODEL_STRINGS[2] = kb, kb.version, {}
    memo = _MODEL_STRINGS[2]
    key = (raw, hint)
    try:
        return memo[key]
    except KeyError:
        ms = memo[key] = _parse_model_string(raw, kb, hint)
        return ms


def _parse_model_string(raw: str, kb: KnowledgeBase, hint: str = "") -> ModelString | None:
    """Decide whether ``raw`` names a model and normalise it.

    ``hint`` says what the position implies: ``hf`` (a Hub loader), ``api`` (an API client's model
    argument), ``litellm``, ``ollama``, ``bedrock``, ``model`` (a key/variable whose name says model)
    or ``""`` (free text: only strings that the knowledge base or the Hub id shape vouch for).
    Returns None for hard negatives: paths, URLs that are not Hub URLs, MIME types, placeholders.
    """
    s = raw.strip().strip("'\"")
    if not s or len(s) > 200 or any(c.isspace() for c in s):
        return None
    # Hub URIs and URLs
    if s.startswith("hf://"):
        rest = s[5:]
        rest = rest[len("models/"):] if rest.startswith("models/") else rest
        rest = rest.split("@", 1)[0].strip("/")
        parts = rest.split("/")
        if len(parts) >= 2 and looks_like_hf_id("/".join(parts[:2])):
            return ModelString("/".join(parts[:2]), "hf-uri", "huggingface", 0.95)
        return None
    m = _HF_URL_RE.match(s)
    if m:
        mid = m.group(1)
        if mid.split("/")[0].lower() in _HF_SITE_PATHS:
            return None
        first, second = mid.split("/", 1)
        if second.lower() in _HF_REPO_PAGES:
            # a legacy canonical repo without a namespace: huggingface.co/gpt2/resolve/main/...
            ok = _NAME_RE.match(first) and not is_placeholder(first) and not _VERSIONISH_RE.match(first)
            return ModelString(first, "hf-uri", "", 0.85) if ok else None
        return ModelString(mid, "hf-uri", "", 0.9) if looks_like_hf_id(mid) else None
    m = _BEDROCK_ARN_RE.match(s)
    if m:
        region, kind_, mid = m.groups()
        attrs = {"region": region} if region else {}
        return ModelString(mid, "bedrock", "bedrock", 0.95, attrs)
    if is_placeholder(s) or s.startswith(("./", "../", "/", "~")) or "://" in s:
        return None
    if _VERSIONISH_RE.match(s) or s.replace(".", "").isdigit():
        return None
    # LiteLLM provider/model. Not under the "api" hint: the model argument of an API client is that
    # provider's own id and is kept as written (OpenRouter's "anthropic/claude-3.5-sonnet").
    if "/" in s and hint in ("litellm", "model", ""):
        prefix, rest = s.split("/", 1)
        prov = kb.provider_for_litellm_prefix(prefix)
        if prov is not None and rest:
            is_ns = kb.lab_for_namespace(prefix) is not None
            if hint == "litellm" or not is_ns or kb.api_model(rest) is not None:
                inner = parse_model_string(rest, kb, "ollama" if prefix.lower().startswith("ollama") else "model")
                if inner is not None or hint == "litellm":
                    return ModelString(inner.id if inner else rest, "litellm", prov.id, 0.9, {"litellm_prefix": prefix})
        elif prov is None and hint == "litellm" and re.match(r"^[a-z][a-z0-9_-]*$", prefix) and looks_like_hf_id(rest):
            # a LiteLLM route the kb does not list (hosted_vllm/Qwen/...): the Hub id after it is the model
            return ModelString(rest, "litellm", "", 0.85, {"litellm_prefix": prefix})
    # Hub ids
    if looks_like_hf_id(s):
        ns = s.split("/", 1)[0]
        known = kb.lab_for_namespace(ns) is not None
        if hint in ("hf", "model", "api", "litellm") or known:
            return ModelString(s, "hf", "", 0.95 if known or hint == "hf" else 0.85)
        if hint == "ollama" and _OLLAMA_RE.match(s):
            return ModelString(s, "ollama", "ollama", 0.85)
        return None
    if "/" in s:
        return None
    # Bedrock model ids and other provider-shaped names
    fam = kb.api_model(s)
    if fam is not None:
        return ModelString(s, "api", fam.get("provider", ""), 0.95)
    for prov in kb.section("providers"):
        if prov.get("kind") == "cloud-ml":
            for pat in prov.get("model_patterns", []):
                if _fnmatch(s, pat):
                    return ModelString(s, "bedrock" if prov.id == "bedrock" else "api", prov.id, 0.9)
    if hint == "ollama":
        return ModelString(s, "ollama", "ollama", 0.85) if _OLLAMA_RE.match(s) else None
    if hint in ("api", "hf", "model", "litellm", "bedrock"):
        if not _NAME_RE.match(s) or not re.search(r"[A-Za-z]", s) or _DOTTED_PATH_RE.match(s):
            return None
        if hint == "hf" and "/" not in s:
            # a bare name given to a Hub loader: a legacy canonical id (gpt2, bert-base-uncased). Those
            # never hold an underscore; a local output folder often does ("output_qwen_merged").
            if "_" in s or s.lower() in _LOCAL_DIR_WORDS:
                return None
            return ModelString(s, "hf", "", 0.75)
        form = "ollama" if ":" in s and _OLLAMA_RE.match(s) and hint != "api" else "name"
        if hint == "api":
            form = "api"
        return ModelString(s, form, "ollama" if form == "ollama" else "", 0.7)
    return None


def _fnmatch(name: str, pattern: str) -> bool:
    import fnmatch

    return fnmatch.fnmatchcase(name.lower(), pattern.lower())


# ------------------------------------------------------------------------------------------
# Endpoints
# ------------------------------------------------------------------------------------------

_URL_RE = re.compile(r"https?://[^\s'\"`<>()\[\]{},;]+")


def normalize_url(url: str) -> str:
    """Lower-case scheme and host, drop credentials, query, fragment and a trailing slash."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    host = (parts.hostname or "").lower()
    if not parts.scheme or not host:
        return url.strip().rstrip("/")
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme.lower()}://{host}{port}{parts.path}".rstrip("/")


def safe_url_text(url: str) -> str:
    """The URL as written unless it carries user-info or a query (possible secrets): then normalised."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return normalize_url(url)
    if parts.username or parts.password or parts.query or parts.fragment or "@" in parts.netloc:
        return normalize_url(url)
    return url

def find_urls(text: str) -> Iterable[tuple[int, str]]:
    """(offset, url) for every http(s) URL in ``text``."""
    for m in _URL_RE.finditer(text):
        yield m.start(), m.group(0).rstrip(".")
