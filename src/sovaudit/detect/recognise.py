"""The one place that decides whether a string names a model, and normalises it.

A position in a file (a model key, a loader call, ``ollama run``) says what kind of string to
expect; the knowledge base says which strings it vouches for on their own (a known Hub namespace, an
API model family, a Bedrock id). ``Recogniser.model`` combines the two. Every word list it uses
(placeholders, local folder names, Hub site sections) comes from ``rules/detection.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from sovaudit.detect.positions import DetectionRules, for_kb, words
from sovaudit.rules import Entry, KnowledgeBase, PatternIndex


@dataclass(frozen=True)
class ModelString:
    """A string recognised as a model name, normalised. ``provider`` is set only when the string
    itself says who serves it (a LiteLLM route prefix, a Bedrock id); ``family_provider`` is the
    first-party provider of the API family the name belongs to, which says who made it, not who
    serves this call."""

    id: str
    form: str  # hf | hf-uri | api | litellm | ollama | bedrock | gguf | other | name
    provider: str = ""
    confidence: float = 0.9
    attributes: dict[str, str] = field(default_factory=dict)
    family_provider: str = ""


_HF_SEG = r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9_])?"
_HF_ID_RE = re.compile(rf"^({_HF_SEG})/({_HF_SEG})$")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,127}$")
_OLLAMA_RE = re.compile(r"^(?:[a-z0-9][a-z0-9._-]*/)?[a-z0-9][a-z0-9._-]*(?::[A-Za-z0-9._-]+)?$")


def _bedrock_arn_re(types: list[str]) -> re.Pattern[str] | None:
    """A Bedrock model ARN, for the resource types the rules list (providers.yaml arn_resource_types)."""
    if not types:
        return None
    return re.compile(r"^arn:aws(?:-[a-z]+)*:bedrock:([a-z0-9-]*):\d*:(" + "|".join(re.escape(x) for x in types)
                      + r")/([A-Za-z0-9._:/-]{1,200})$")


_VERSIONISH_RE = re.compile(r"^v?\d+([._-]\d+)*[a-z]?$")
_DOTTED_PATH_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$")
_ENV_NAME_RE = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
_TEMPLATE_CHARS = re.compile(r"[<>{}$%`|\\\[\]()*,;=\"' ]|\.\.\.")
_MIME_TOPS = frozenset({"application", "text", "image", "audio", "video", "multipart", "font", "message"})
_WEB_PAGE = re.compile(r"\.(?:html?|php|aspx?|jsp|md|mdx)$")
#: what a web page or its media ends in: never the name of a repository in a hub URL
_PAGE_EXT_RE = re.compile(r"\.(?:html?|php|aspx?|svg|png|jpe?g|gif|webp|ico|pdf|css)$", re.IGNORECASE)
_FILE_EXT_RE = re.compile(r"\.(?:py|pyc|js|mjs|ts|tsx|jsx|json|jsonl|yaml|yml|toml|txt|csv|tsv|md|mdx|rst|html?|xml|ini|cfg"
                          r"|conf|sh|bash|zip|tar|gz|tgz|whl|parquet|arrow|pkl|pickle|npy|npz|png|jpe?g|gif|svg|pdf|log"
                          r"|lock|env|sql|db|sqlite|go|rs|java|c|h|cpp|rb|php|lua|ipynb|bin|pt|pth|h5|ckpt|mp3|wav|mp4"
                          r"|webm|mov|tf|tfvars|hcl|dockerfile|exe|so|dll|joblib|pb|tar\.gz)$", re.IGNORECASE)
#: The size part of an Ollama tag: 8b, 0.5b, 270m, 1.5b, 8x7b, e2b.
_OLLAMA_SIZE = re.compile(r"^(?:\d+x)?e?\d+(?:\.\d+)?[bmkt]$")
#: A quantisation selector after a Hub repository id (``org/NAME-GGUF:Q4_K_M``, ``:UD-Q4_K_XL``,
#: ``:*`` for every file), as llama.cpp's ``-hf`` and Ollama's ``hf.co/ORG/NAME:TAG`` take it: the
#: repository is the model, the selector picks its file.
#: The position hints that say what kind of string a position holds; any other hint a command or call
#: of rules/detection.yaml gives names a local runtime (localai, lemonade, foundry-local ...), whose own
#: model names (LocalAI's ``phi-2``, Foundry Local's ``qwen2.5-0.5b``) are models there.
_POSITION_HINTS = frozenset({"hf", "model", "api", "ollama", "litellm", "bedrock", "kb", "artifact", ""})
#: the tokens of a model name: split at - _ . and where a lower-case letter meets an upper-case one
_NAME_TOKENS = re.compile(r"[-_.]|(?<=[a-z])(?=[A-Z])")
_QUANT_TAG = re.compile(r"^(?:(?:ud-)?i?q\d(?:_[a-z0-9]{1,4}){0,3}|b?f16|f32|fp16|fp8|\*)$", re.IGNORECASE)


class Recogniser:
    """Decides, for one knowledge base, whether strings name models. Answers are memoised on the
    recogniser (the same strings come back in file after file)."""

    def __init__(self, kb: KnowledgeBase, rules: DetectionRules | None = None):
        self.kb = kb
        self.rules = rules or for_kb(kb)
        self._memo: dict[tuple[str, str], ModelString | None] = {}
        self._bedrock_arn = _bedrock_arn_re(list(self.rules.arn_resource_types))
        self._runtime_hints = (frozenset(c.hint for c in self.rules.commands)
                               | frozenset(c.hint for c in self.rules.calls)) - _POSITION_HINTS
        self._litellm = frozenset(p.lower() for e in kb.section("providers") for p in e.get("litellm_prefixes", ()) or ())
        #: Hub repositories the knowledge base lists (models, API families' open weights): written
        #: whole they name the repository even where a LiteLLM prefix has the same word (openai/gpt-oss-20b)
        self._hub_repos = frozenset([e.id.lower() for e in kb.section("models")]
                                    + [w.lower() for e in kb.section("api_models") for w in e.get("open_weights", ()) or ()])
        #: a provider's model variant suffix -> the provider (a suffix two providers use says neither)
        variants: dict[str, str] = {}
        for e in kb.section("providers"):
            for v in e.get("model_variants", ()) or ():
                variants[v.lower()] = "" if variants.get(v.lower(), e.id) != e.id else e.id
        self._variants = variants
        patterns: list[tuple[str, Entry]] = []
        others: list[tuple[str, Entry]] = []
        for prov in kb.section("providers"):
            pats = [(p.lower(), prov) for p in prov.get("model_patterns", ()) or ()]
            (patterns if prov.get("kind") == "cloud-ml" else others).extend(pats)
        self._cloud_ml_patterns = PatternIndex(patterns)
        self._provider_patterns = PatternIndex(others)
        self._family_head = re.compile("|".join(sorted((re.escape(f) for f in self.rules.family_words if len(f) >= 3),
                                                       key=lambda f: (-len(f), f))) or "(?!)")
        self._lab_family_head = re.compile("|".join(sorted((re.escape(f) for f in self.rules.lab_family_words if len(f) >= 3),
                                                           key=lambda f: (-len(f), f))) or "(?!)")

    # -- shapes --------------------------------------------------------------------------------
    def is_placeholder(self, s: str) -> bool:
        if _TEMPLATE_CHARS.search(s):
            return True
        ws = words(s)
        if not ws:
            return True
        if s.lower() in self.rules.placeholder_values or all(w in self.rules.placeholder_values for w in ws):
            return True
        if any(w in self.rules.placeholder_words for w in ws) and not self._known(s):
            return True
        return bool(re.fullmatch(r"x{3,}", s.lower()))

    def is_uri_placeholder(self, s: str) -> bool:
        """A URI part that is a template, not a name (``<bucket>``, ``your-bucket``, ``${PVC}``)."""
        return bool(_TEMPLATE_CHARS.search(s)) or any(w in self.rules.uri_placeholder_words for w in words(s))

    def _known(self, s: str) -> bool:
        """The knowledge base vouches for this exact string (a known namespace or API family), so
        placeholder words inside it (``my``, ``test``) are part of a real name."""
        if "/" in s:
            return self.kb.lab_for_namespace(s.split("/", 1)[0]) is not None and _HF_ID_RE.match(s) is not None
        return self.kb.api_model(s) is not None

    def looks_like_path(self, s: str) -> bool:
        if s.startswith((".", "/", "~", "\\")) or re.match(r"^[A-Za-z]:[\\/]", s) or "://" in s:
            return True
        if s.count("/") > 1 and s.split("/", 1)[0].lower() not in self._litellm and not s.startswith("accounts/"):
            return True
        return bool(_FILE_EXT_RE.search(s))

    def names_a_file(self, s: str) -> bool:
        """``s`` ends in a file extension: a source, data or media file, or weights (rules' weight files)."""
        return bool(_FILE_EXT_RE.search(s)) or s.lower().endswith(tuple(self.rules.weight_exts))

    def looks_like_hf_id(self, s: str, in_hub_url: bool = False) -> bool:
        """``s`` has the shape of a Hub repository id. ``in_hub_url``: it is the ORG/NAME of a hub
        URL's path, where a name ending like a file is still the repository's (ggerganov/whisper.cpp)."""
        m = _HF_ID_RE.match(s)
        if not m:
            return False
        org, name = m.group(1), m.group(2)
        if org.lower() in _MIME_TOPS or (org.isdigit() and name.isdigit()):
            return False
        if _VERSIONISH_RE.match(name) and _VERSIONISH_RE.match(org):
            return False
        if in_hub_url and _PAGE_EXT_RE.search(name):
            return False  # huggingface.co/avatars/x.svg, /transformers/installation.html: a page or an image
        return (in_hub_url or not self.looks_like_path(s)) and not self.is_placeholder(s)

    def hub_id(self, s: str) -> str | None:
        """``s`` as a Hub repository id when it has that shape, else None."""
        return s if self.looks_like_hf_id(s) else None

    # -- the decision --------------------------------------------------------------------------
    def model(self, raw: str, hint: str = "") -> ModelString | None:
        """Decide whether ``raw`` names a model and normalise it.

        ``hint`` says what the position implies: ``hf`` (a Hub loader or repo key), ``api`` (an API
        client's model argument), ``litellm``, ``ollama``, ``bedrock``, ``model`` (a key whose name
        says model), ``kb`` (a key that usually holds a path: only what the knowledge base or the Hub
        id shape vouch for), a local runtime's name (``localai``, ``docker-model-runner``), or ``""``
        (free text: only strings the knowledge base vouches for). None for hard negatives: paths,
        URLs that are not model URLs, MIME types, placeholders, environment variable names.
        """
        key = (raw, hint)
        memo = self._memo
        try:
            return memo[key]
        except KeyError:
            pass
        if len(memo) > 200_000:
            memo.clear()
        ms = memo[key] = self._model(raw, hint)
        return ms

    def _model(self, raw: str, hint: str) -> ModelString | None:
        s = raw.strip().strip("'\"")
        if not s or len(s) > 200 or any(c.isspace() for c in s):
            return None
        low = s.lower()
        uri = self._uri(s, low)
        if uri is not False:
            return uri  # type: ignore[return-value]
        m = self._bedrock_arn.match(s) if self._bedrock_arn is not None else None
        if m:
            region, _kind, mid = m.groups()
            return ModelString(mid, "bedrock", "bedrock", 0.95, {"region": region} if region else {})
        if "://" in s or s.startswith(("./", "../", "/", "~")):
            return None
        # weight files by name
        ext = low[low.rfind("."):] if "." in low else ""
        if ext in self.rules.weight_exts:
            base = low.rsplit("/", 1)[-1]
            stem = base[: -len(ext)]
            if base in self.rules.generic_weight_names or self.is_placeholder(stem or "x") or len(stem) < self.rules.min_name_length:
                return None
            return ModelString(s, self.rules.weight_exts[ext], "", 0.85)
        if self.is_placeholder(s) or _VERSIONISH_RE.match(s) or s.replace(".", "").isdigit():
            return None
        if _ENV_NAME_RE.match(s) or _DOTTED_PATH_RE.match(s) and not self.kb.api_model(s) and not self._cloud_ml(s):
            return None
        if hint == "artifact":
            return self._artifact(s)
        if ":" in s and "/" in s:
            selected = self._selected(s, hint)
            if selected is not False:
                return selected  # type: ignore[return-value]
        # LiteLLM provider/model: not under the "api" hint (an API client's own ids are kept as written)
        if "/" in s and hint in ("litellm", "model", "", "kb"):
            prefix, rest = s.split("/", 1)
            prov = self.kb.provider_for_litellm_prefix(prefix)
            if prov is not None and rest and (hint == "litellm" or low not in self._hub_repos):
                is_ns = self.kb.lab_for_namespace(prefix) is not None
                if hint == "litellm" or not is_ns or "/" in rest or self.kb.api_model(rest) is not None:
                    inner = self.model(rest, "ollama" if prefix.lower().startswith("ollama") else "model")
                    if inner is not None or hint == "litellm":
                        return ModelString(inner.id if inner else rest, "litellm", prov.id, 0.9, {"litellm_prefix": prefix})
            elif prov is None and re.match(r"^[a-z][a-z0-9_]*$", prefix) and self.looks_like_hf_id(rest) and (
                    hint == "litellm" or hint == "model" and self.kb.lab_for_namespace(rest.split("/", 1)[0]) is not None):
                # a LiteLLM route the knowledge base does not list (hosted_vllm/Qwen/...): the Hub id after it
                return ModelString(rest, "litellm", "", 0.85, {"litellm_prefix": prefix})
        # Hub ids
        if self.looks_like_hf_id(s):
            ns = s.split("/", 1)[0]
            known = self.kb.lab_for_namespace(ns) is not None
            if hint in ("hf", "model", "api", "litellm", "kb") or hint in self._runtime_hints or known:
                return ModelString(s, "hf", "", 0.95 if known or hint == "hf" else 0.85)
            if hint == "ollama" and _OLLAMA_RE.match(s):
                return ModelString(s, "ollama", "", 0.85)
            return None
        if "/" in s:
            served = self._provider_pattern(s) if hint != "ollama" else None
            if served is not None:
                return ModelString(s, "api", "", 0.9, family_provider=served.id)  # a provider's own id (@cf/meta/...)
            if hint == "api" and _NAME_RE.match(s) and not _FILE_EXT_RE.search(s) or \
                    hint == "model" and s.startswith("accounts/") and _NAME_RE.match(s):
                return ModelString(s, "api", "", 0.8)  # a provider's own path-like id (accounts/fireworks/models/...)
            return None
        fam = self.kb.api_model(s)
        if fam is not None and hint != "ollama":
            return ModelString(s, "api", "", 0.95, family_provider=fam.get("provider", ""))
        served = self._provider_pattern(s)
        if served is not None and hint != "ollama":
            return ModelString(s, "api", "", 0.9, family_provider=served.id)
        cml = self._cloud_ml(s)
        if cml is not None:
            return ModelString(s, "bedrock" if cml.id == "bedrock" else "api", cml.id if cml.id == "bedrock" else "", 0.9,
                               family_provider=cml.id)
        if hint == "ollama":
            if _OLLAMA_RE.match(s) and re.search(r"[a-z]", s):
                return ModelString(s, "ollama", "", 0.85 if ":" in s or fam is not None else 0.8)
            return None
        if hint in ("api", "hf", "model", "litellm", "bedrock", "kb") or hint in self._runtime_hints:
            if not _NAME_RE.match(s) or not re.search(r"[A-Za-z]", s) or hint == "kb" or len(s) < self.rules.min_name_length:
                return None
            if hint == "hf":
                # a bare name given to a Hub loader: a legacy canonical id (gpt2, bert-base-uncased). Those
                # never hold an underscore; a local output folder often does ("output_qwen_merged").
                if "_" in s or low in self.rules.local_dir_words:
                    return None
                return ModelString(s, "hf", "", 0.75)
            if low in self.rules.local_dir_words:
                return None
            if hint in self._runtime_hints:
                return ModelString(s, "other", "", 0.75, {"runtime": hint})
            if re.fullmatch(r"[A-Z][a-z]+", s) or "+" in s:
                return None  # a display word (Hyperbolic, DeepSeek) or a combination (R1+Sonnet), not an id
            if ":" in s and _OLLAMA_RE.match(s) and hint != "api":
                tag = s.rpartition(":")[2]
                if tag.isdigit() and len(tag) > 3:
                    return None  # "datapro:71421": a record's id, not a model's tag
                return ModelString(s, "ollama", "", 0.75)
            return ModelString(s, "api" if hint == "api" else "name", "", 0.7)
        if ":" in s:
            return self.ollama_tagged(s)
        return None

    def _selected(self, s: str, hint: str) -> ModelString | None | bool:
        """``ID:SELECTOR`` where ``ID`` is a Hub id or route: a quantisation selector (the Hub
        repository is the model) or a provider's model variant (OpenRouter's ``:free``, kept in
        the id as written). False when ``s`` is neither (go on deciding)."""
        base, _, sel = s.rpartition(":")
        if not base or not sel:
            return False
        if _QUANT_TAG.match(sel) and self.looks_like_hf_id(base):
            inner = self.model(base, hint)
            if inner is None or inner.form != "hf":
                return None
            return ModelString(inner.id, "hf", "", inner.confidence, {**inner.attributes, "quant": sel})
        if sel.lower() in self._variants:
            inner = self.model(base, hint)
            if inner is None or inner.form not in ("hf", "api", "litellm"):
                return None
            # the suffix is the provider's, so the id is the provider's too (not a Hub repository)
            provider = inner.provider or self._variants[sel.lower()]
            form = "api" if inner.form == "hf" and provider else inner.form
            return ModelString(f"{inner.id}:{sel}", form, provider, inner.confidence,
                               {**inner.attributes, "variant": sel}, inner.family_provider)
        return False

    def ollama_tagged(self, s: str) -> ModelString | None:
        """``NAME:TAG`` written anywhere: an Ollama model when NAME starts with the word of a lab's
        model family and TAG has the shape of an Ollama tag (a size, a tag word, or those joined by dashes)."""
        name, _, tag = s.partition(":")
        if not name or not tag or "/" in name or not _OLLAMA_RE.match(s):
            return None
        head = re.split(r"[^a-z]", name.lower())[0]
        if not head or self._lab_family_head.match(head) is None:
            return None  # code-interpreter:latest (a container image): "code" heads only API names
        if not self.ollama_tag(tag):
            return None
        return ModelString(s, "ollama", "", 0.8)

    def hub_id_by_family(self, s: str) -> ModelString | None:
        """``org/name`` written whole as a string, whatever the org, when the name holds a token that
        starts with a lab's model family word (not inside a word) and a digit (a size or a
        version): ``trl-internal-testing/tiny-Qwen2ForCausalLM-2.5``, ``TinyLlama/TinyLlama-1.1B``."""
        if not self.looks_like_hf_id(s):
            return None
        name = s.split("/", 1)[1]
        if not any(c.isdigit() for c in name):
            return None
        for tok in _NAME_TOKENS.split(name):
            low = tok.lower()
            m = self._lab_family_head.match(low)
            if m and (m.end() == len(low) or not low[m.end()].isalpha()):
                return ModelString(s, "hf", "", 0.7)
        return None

    def family_head(self, name: str) -> bool:
        """``name`` starts with the word of a model family (llama3.2, qwen2.5-coder, gemma4)."""
        head = re.split(r"[^a-z]", name.lower())[0]
        return bool(head) and self._family_head.match(head) is not None

    def ollama_tag(self, tag: str) -> bool:
        parts = tag.lower().split("-")
        if not parts or not parts[0]:
            return False
        first = parts[0]
        if not (_OLLAMA_SIZE.match(first) or first in self.rules.tag_words or re.fullmatch(r"v?\d+(\.\d+)*", first)):
            return False
        return all(p and re.fullmatch(r"[a-z0-9_.]+", p) for p in parts)

    def _provider_pattern(self, s: str) -> Entry | None:
        """The provider whose own model names (``model_patterns``) include ``s``."""
        return self._provider_patterns.match(s)

    def _cloud_ml(self, s: str) -> Entry | None:
        return self._cloud_ml_patterns.match(s)

    def _artifact(self, s: str) -> ModelString | None:
        if not _NAME_RE.match(s) and "://" not in s:
            return None
        return ModelString(s, "other", "", 0.8)

    def _uri(self, s: str, low: str) -> ModelString | None | bool:
        """Model URIs and URLs. False when ``s`` is not one (go on deciding); None when it is a URI
        that names no model."""
        r = self.rules
        for host in r.hub_hosts:
            for pre in ("https://", "http://", "https://www.", "http://www.", "www.", ""):
                if low.startswith(pre + host + "/"):
                    return self.hub_url(s[len(pre) + len(host) + 1:], host)
        for host in r.ollama_library_hosts:
            for pre in ("https://", "http://", "https://www.", ""):
                if low.startswith(pre + host.lower()):
                    name = s[len(pre) + len(host):].split("?", 1)[0].strip("/")
                    return ModelString(name, "ollama", "", 0.9) if name and _OLLAMA_RE.match(name.lower()) else None
        if "://" not in s:
            return False
        scheme, rest = s.split("://", 1)
        sch = scheme.lower()
        for sc in r.schemes:
            if sc.scheme != sch:
                continue
            if not rest or self.is_uri_placeholder(rest.split("/", 1)[0]):
                return None
            if sc.form == "hf-uri":
                path = rest[len("models/"):] if rest.startswith("models/") else rest
                path = path.split("@", 1)[0].strip("/")
                parts = path.split("/")
                if len(parts) >= 2 and parts[-1].lower().endswith(tuple(r.weight_exts)):
                    return ModelString(path, "gguf" if parts[-1].lower().endswith((".gguf", ".ggml")) else "other", "", 0.9)
                if len(parts) >= 2 and self.looks_like_hf_id("/".join(parts[:2])):
                    return ModelString("/".join(parts[:2]), "hf-uri", "huggingface", 0.95)
                return None
            if sc.form == "ollama":
                return ModelString(rest.strip("/"), "ollama", "", 0.9) if _OLLAMA_RE.match(rest.strip("/").lower()) else None
            if sc.anywhere:
                return ModelString(s, sc.form, "", 0.9)
            return False  # storage URIs name a model only in an artifact position
        return False

    def hub_url(self, path: str, host: str = "") -> ModelString | None:
        """The model a hub URL path (after the host) names, or None. A hub of model_path_hubs
        (modelscope.cn/models/ORG/NAME) has its models under /models/ only, and its ids are its
        own: the reference says so (attribute ``hub``)."""
        path = path.split("?", 1)[0].split("#", 1)[0]
        parts = [p for p in path.split("/") if p]
        own = host.lower() in self.rules.model_path_hubs
        if own:
            if len(parts) < 3 or parts[0] != "models":
                return None
            ms = self.hub_url("/".join(parts))
            return None if ms is None else replace(ms, attributes={**ms.attributes, "hub": host.lower()})
        if len(parts) >= 3 and parts[0] == "models":  # huggingface.co/models/ORG/NAME
            parts = parts[1:]
        if not parts or parts[0].lower() in self.rules.hub_site_paths or parts[0] == "models":
            return None
        if len(parts) >= 2 and parts[1].lower() in self.rules.hub_repo_pages:
            first = parts[0]
            ok = _NAME_RE.match(first) and not self.is_placeholder(first) and not _VERSIONISH_RE.match(first)
            return ModelString(first, "hf-uri", "", 0.85) if ok else None
        if len(parts) == 2 and ":" in parts[1]:  # hf.co/ORG/NAME:Q4_K_M (Ollama, llama.cpp)
            name, _, sel = parts[1].rpartition(":")
            if _QUANT_TAG.match(sel) and self.looks_like_hf_id(parts[0] + "/" + name):
                return ModelString(parts[0] + "/" + name, "hf-uri", "", 0.9, {"quant": sel})
            return None
        if len(parts) >= 2:
            mid = parts[0] + "/" + parts[1]
            if len(parts) >= 5 and parts[2] in ("resolve", "blob") and parts[-1].lower().endswith((".gguf", ".ggml")):
                return ModelString(mid + "/" + parts[-1], "gguf", "", 0.9)
            return ModelString(mid, "hf-uri", "", 0.9) if self.looks_like_hf_id(mid, in_hub_url=True) else None
        return None

    def storage_uri(self, s: str) -> ModelString | None:
        """A storage URI (s3://, gs://, pvc://, ...) in an artifact or model position."""
        if "://" not in s:
            return None
        scheme, rest = s.split("://", 1)
        if not rest or self.is_uri_placeholder(rest.split("/", 1)[0]):
            return None
        sch = scheme.lower()
        if any(sc.scheme == sch for sc in self.rules.schemes):
            return ModelString(s, "other", "", 0.85)
        if sch in ("http", "https"):
            # a web address is a model artifact only when it names a file (a GitHub raw URL to a
            # .gguf, a KServe storageUri to a .joblib); model_url: http://localhost:8000/v1 is the
            # server that runs the model, and a web page is not a file of weights
            last = rest.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1].lower()
            if "/" in rest and self.names_a_file(last) and not _WEB_PAGE.search(last):
                return ModelString(s, "other", "", 0.85)
        return None


def recogniser_for(kb: KnowledgeBase) -> Recogniser:
    """The recogniser of ``kb``, built once and kept in the knowledge base's own index."""
    rec = kb._idx.get("detect.recogniser")
    if rec is None:
        rec = kb._idx["detect.recogniser"] = Recogniser(kb)
    return rec


def parse_model_string(raw: str, kb: KnowledgeBase, hint: str = "") -> ModelString | None:
    """``Recogniser.model`` for callers that hold only a knowledge base."""
    return recogniser_for(kb).model(raw, hint)


# ------------------------------------------------------------------------------------------
# URLs
# ------------------------------------------------------------------------------------------


def normalize_url(url: str) -> str:
    """Lower-case scheme and host, drop credentials, query, fragment and a trailing slash."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url.strip().split("?", 1)[0].split("#", 1)[0].rstrip("/")
    host = (parts.hostname or "").lower()
    if not parts.scheme or not host:
        return url.strip().split("?", 1)[0].split("#", 1)[0].rstrip("/")
    p = f":{port}" if port else ""
    return f"{parts.scheme.lower()}://{host}{p}{parts.path}".rstrip("/")


def safe_url_text(url: str) -> str:
    """The URL as written unless it carries user-info or a query (possible secrets): then normalised."""
    try:
        parts = urlsplit(url)
        has_user = parts.username is not None or parts.password is not None
    except ValueError:
        return normalize_url(url)
    if has_user or parts.query or parts.fragment or "@" in parts.netloc:
        return normalize_url(url)
    return url
