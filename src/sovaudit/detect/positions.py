"""The detection conventions of ``rules/detection.yaml``, gathered once per knowledge base.

``rules/detection.yaml`` says which keys, flags, calls, commands, URI schemes, file types and routes
hold a reference; this module turns its lists into the sets and small decisions the scanner asks
for ("does this key name say model?", "is this a base-URL key?"). It holds no vocabulary of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from sovaudit.rules import KnowledgeBase

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_WORD = re.compile(r"[^A-Za-z0-9]+")


@lru_cache(maxsize=65536)
def words(name: str) -> tuple[str, ...]:
    """The words of an identifier: split at case changes and punctuation, lower-cased
    (``EMBEDDING_MODEL_PREF`` -> embedding model pref; ``modelPreference`` -> model preference).
    Memoised: it depends on the name alone, and the same names recur in file after file."""
    return tuple(w for w in _NON_WORD.split(_CAMEL.sub("_", name).lower()) if w)


@dataclass(frozen=True, slots=True)
class FileKind:
    """How one file is read: ``kind`` is code, config or docs; ``comments`` the line-comment
    markers; the flags say which conventions apply."""

    kind: str
    comments: tuple[bytes, ...]
    notebook: bool = False
    modelfile: bool = False
    markdown: bool = False
    env: bool = False
    fences: tuple[bytes, ...] = ()  # listing-block delimiter lines besides ``` and ~~~ (AsciiDoc's ----)


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    arg: int
    hint: str


@dataclass(frozen=True, slots=True)
class Command:
    words: tuple[str, ...]
    hint: str
    flags: tuple[str, ...] = ()
    skip_first: bool = False


@dataclass(frozen=True, slots=True)
class Scheme:
    scheme: str
    form: str
    anywhere: bool


def _strings(entries, key: str) -> tuple[str, ...]:
    out: list[str] = []
    for e in entries:
        out.extend(str(v) for v in e.get(key, ()) or ())
    return tuple(out)


class DetectionRules:
    """Read-only view of the ``detection`` section (plus what other sections say about model
    families), built once per knowledge base (``for_kb``)."""

    def __init__(self, kb: KnowledgeBase):
        ds = kb.section("detection")
        low = lambda key: frozenset(s.lower() for s in _strings(ds, key))  # noqa: E731
        self.kb = kb
        # files
        self._by_ext: dict[str, FileKind] = {}
        self._by_name: dict[str, FileKind] = {}
        self._by_prefix: list[tuple[str, FileKind]] = []
        notebooks = low("notebooks")
        fences = {k.lower(): tuple(v) for e in ds for k, v in (e.get("listing_fences") or {}).items()}
        for e in ds:
            for group, _table in (("file_kinds", None), ("file_names", None)):
                for fk in e.get(group, ()) or ():
                    comments = tuple(c.encode() for c in fk.get("comment", ()))
                    for ext in fk.get("extensions", ()):
                        x = ext.lower()
                        self._by_ext[x] = FileKind(fk["kind"], comments, notebook=x in notebooks,
                                                   markdown=x in (".md", ".mdx", ".markdown"),
                                                   fences=tuple(s.encode() for s in fences.get(x, ())))
                    for n in fk.get("names", ()):
                        self._by_name[n.lower()] = FileKind(fk["kind"], comments, modelfile=n.lower() == "modelfile",
                                                            env=n.lower() == ".env")
                    for p in fk.get("prefixes", ()):
                        self._by_prefix.append((p.lower(), FileKind(fk["kind"], comments, modelfile=p.lower().startswith("modelfile"),
                                                                    env=p.lower().startswith(".env"))))
        self._default_kind = FileKind("config", (b"#",))
        self.binary_extensions = low("binary_extensions")
        self.token_vocabularies = low("token_vocabularies")
        self.dependency_locks = low("dependency_locks")
        # model keys
        self.model_words = low("model_words")
        self.tail_words = low("tail_words")
        self.other_words = low("other_words")
        self.hf_keys = low("hf_keys")
        self.kb_only_keys = low("kb_only_keys")
        self.artifact_keys = low("artifact_keys")
        self.block_keys = low("block_keys")
        self.block_value_keys = low("block_value_keys")
        self.list_block_keys = low("list_block_keys")
        self.flag_words = low("flag_words")
        self.generic_env_words = low("not_service_words") | self.model_words | self.tail_words | self.other_words
        self.alias_flags = low("alias_flags")
        self.alias_keys = low("alias_keys")
        self.label_blocks = low("label_blocks")
        self.label_flags = tuple(low("label_flags"))
        self.alias_siblings = _strings(ds, "alias_siblings")
        self.string_types = low("string_types")
        self.model_image_prefixes = tuple(s.lower() for s in _strings(ds, "model_image_prefixes"))
        # calls and commands
        self.calls: tuple[Call, ...] = tuple(Call(c["name"], int(c["arg"]), c["hint"]) for e in ds for c in e.get("calls", ()) or ())
        self.option_calls = frozenset(_strings(ds, "option_calls"))
        self.default_calls = low("default_calls")
        self.dataset_calls = frozenset(_strings(ds, "dataset_calls"))
        self.dataset_words = low("dataset_words")
        self.not_model_key_words = low("not_model_key_words")
        #: a string right after one of these calls' "(" is a pattern of names (startswith, includes)
        calls = sorted(set(_strings(ds, "pattern_calls")), key=len, reverse=True)
        # the pattern is the argument, or the second one of a function (strings.Contains(strings.ToLower(m), "x"))
        self.pattern_call_before = re.compile(
            r"\.(?:" + "|".join(re.escape(c) for c in calls)
            + r")\(\s*(?:[\w.\[\]]{1,40}(?:\([\w.\[\]]{0,40}\))?\s*,\s*)?[rbf]?$") if calls else None
        self.commands: tuple[Command, ...] = tuple(
            Command(tuple(c["prefix"].split()), c["hint"], tuple(c.get("flags", ())), bool(c.get("skip_first")))
            for e in ds for c in e.get("commands", ()) or ())
        self.modelfile_from = any(e.get("modelfile_from") for e in ds)
        # artifacts
        self.schemes: tuple[Scheme, ...] = tuple(Scheme(s["scheme"], s["form"], bool(s["anywhere"]))
                                                 for e in ds for s in e.get("schemes", ()) or ())
        self.hub_hosts = low("hub_hosts")
        self.model_path_hubs = low("model_path_hubs")
        self.hub_site_paths = low("hub_site_paths")
        self.hub_repo_pages = low("hub_repo_pages")
        self.ollama_library_hosts = _strings(ds, "ollama_library_hosts")
        self.weight_exts: dict[str, str] = {x["ext"].lower(): x["form"] for e in ds for x in e.get("extensions", ()) or ()}
        self.generic_weight_names = low("generic_names")
        self.tag_words = low("tag_words")
        self.placeholder_words = low("words")
        self.placeholder_values = low("values")
        self.uri_placeholder_words = low("uri_words")
        self.min_name_length = max([int(e.get("min_name_length")) for e in ds if e.get("min_name_length")] or [1])
        self.local_dir_words = low("local_dir_words")
        self.repo_words = low("repo_words")
        self.identifier_words = low("identifier_words")
        self.org_words = low("org_words")
        self.resource_words = low("resource_words")
        # endpoints
        self.routes = _strings(ds, "routes")
        self.route_suffixes = _strings(ds, "route_suffixes")
        #: URL paths that hold the model (/models/{model}:generateContent), as (literal head, regex of the rest)
        self.model_paths = tuple(_model_path(p) for p in _strings(ds, "model_paths"))
        self.base_paths = frozenset(_strings(ds, "base_paths"))
        self.local_hosts = low("local_hosts")
        self.not_host_labels = low("not_host_labels")
        self.cluster_suffixes = tuple(s.lower() for s in _strings(ds, "cluster_suffixes"))
        #: port -> the service (not an inference server) that listens on it by default
        self.service_ports: dict[int, str] = {int(k): str(v) for e in ds for k, v in (e.get("service_ports") or {}).items()}
        self.url_key_words = low("key_words")
        self.url_key_tails = low("key_tails")
        self.not_url_key_words = low("not_key_words")
        self.url_key_names = low("key_names")
        self.hard_not_url_key_words = low("hard_not_key_words")
        self.strong_url_tails = tuple(tuple(words(s)) for s in _strings(ds, "strong_tails"))
        self.prose_url_keys = tuple(s.lower().encode() for s in _strings(ds, "prose_keys"))
        self.not_route_words = low("not_route_words")
        # hardware and cloud positions
        self.gpu_count_keys = low("count_keys")
        self.gpu_words = low("gpu_words")
        self.gpu_docker_flags = _strings(ds, "docker_flags")
        #: the names of the hardware vendors' own flags (gpus for --gpus)
        self.vendor_flag_names = frozenset(v.split()[0].partition("=")[0].lstrip("-").lower()
                                           for hw in kb.section("hardware") for v in hw.get("docker_flags", ()) or ())
        self.compose_keys = low("compose_keys")
        self.gpu_env_vars = frozenset(_strings(ds, "env_vars"))
        self.image_tag_words = low("image_tag_words")
        self.region_keys = low("region_keys")
        self.web_host_labels = low("web_host_labels")
        self.web_host_services = low("web_host_services")
        #: a resource type quoted as the first argument of one of these calls is a reference to a resource
        ref_calls = sorted(set(_strings(ds, "reference_calls")), key=len, reverse=True)
        self.reference_call_before = re.compile(
            (r"\b(?:" + "|".join(re.escape(c) for c in ref_calls) + r")\([ \t]*['\"]$").encode()) if ref_calls else None
        #: the first word of every cloud CLI (rules/clouds.yaml cli_commands), with the ids of the
        #: clouds and providers: what a list of names holds, where a CLI's argument list does not
        self.cloud_cli_names = frozenset({c.split()[0] for cl in kb.section("clouds") for c in cl.get("cli_commands", ()) or ()}
                                         | {e.id for sec in ("clouds", "providers") for e in kb.section(sec)})
        self.region_key_tails = low("region_key_tails")
        #: what opens a list of a parameter's allowed values (@allowed(, AllowedValues): its regions are choices
        self.choice_markers = tuple(s.encode() for s in _strings(ds, "choice_markers"))
        #: the resource types of providers' ARNs that name a model (Bedrock's foundation-model/ID)
        self.arn_resource_types: tuple[str, ...] = tuple(sorted(
            {x for e in kb.section("providers") for x in e.get("arn_resource_types", ()) or ()}))
        #: annotation prefix -> the clouds whose controllers read it (the file decides which)
        self.shared_annotations: dict[str, tuple[str, ...]] = {
            x["prefix"]: tuple(x["clouds"]) for e in ds for x in e.get("shared_annotation_prefixes", ()) or ()}
        self.version_keys = low("version_keys")
        self.instance_keys = low("instance_keys")
        self.storage_class_keys = low("storage_class_keys")
        self.provider_keys = low("provider_keys")
        # model families: words that start a model name (for NAME:TAG anywhere)
        fam: set[str] = set()
        for lab in kb.section("labs"):
            for f in lab.get("families", ()) or ():
                w = re.split(r"[^A-Za-z]", f.lower())[0]
                if len(w) >= 3:
                    fam.add(w)
        #: the first words of the labs' families alone: an Ollama NAME:TAG written anywhere names
        #: open weights, never an API model, whose first words include generic ones (code-bison,
        #: text-embedding, chat-bison, command-r)
        self.lab_family_words = frozenset(fam)
        for am in kb.section("api_models"):
            for p in am.get("patterns", ()):
                w = re.split(r"[^A-Za-z]", p.lower())[0]
                if len(w) >= 3:
                    fam.add(w)
        self.family_words = frozenset(fam)
        self._key_hints: dict[str, str | None] = {}

    # -- files -----------------------------------------------------------------------------------
    def file_kind(self, path: str) -> FileKind:
        name = path.rsplit("/", 1)[-1]
        low = name.lower()
        hit = self._by_name.get(low)
        if hit is not None:
            return hit
        dot = low.rfind(".")
        if dot > 0:
            hit = self._by_ext.get(low[dot:])
            if hit is not None:
                return hit
        for prefix, fk in self._by_prefix:
            if low.startswith(prefix):
                return fk
        return self._default_kind

    def is_binary_name(self, path: str) -> bool:
        low = path.rsplit("/", 1)[-1].lower()
        dot = low.rfind(".")
        return dot > 0 and low[dot:] in self.binary_extensions

    def is_token_vocabulary(self, path: str) -> bool:
        """A tokenizer vocabulary: one of the names, or one with a model's name before it
        (bert-tokenizer.json, gpt2-merges.txt, bge-small-zh-v1.5_vocab.txt)."""
        name = path.rsplit("/", 1)[-1].lower()
        return name in self.token_vocabularies or any(name.endswith(sep + v) for v in self.token_vocabularies for sep in "-_.")

    def is_dependency_lock(self, path: str) -> bool:
        return path.rsplit("/", 1)[-1].lower() in self.dependency_locks

    # -- keys ------------------------------------------------------------------------------------
    def model_key_hint(self, name: str) -> str | None:
        """What a key (variable, keyword, flag, env var) of this name says about its value:
        ``hf`` (a Hub id), ``model`` (any model name), ``kb`` (only what the knowledge base or the
        Hub id shape vouch for), ``artifact`` (a model artifact location), or None (not a model)."""
        hit = self._key_hints.get(name, "?")
        if hit != "?":
            return hit
        if len(self._key_hints) > 50_000:
            self._key_hints.clear()
        hint = self._key_hints[name] = self._model_key_hint(name)
        return hint

    def _model_key_hint(self, name: str) -> str | None:
        low = name.lower().lstrip("-").rsplit(".", 1)[-1]
        flat = low.replace("-", "_")
        if flat in self.hf_keys:
            return "hf"
        if flat.replace("_", "") in self.artifact_keys or flat in self.artifact_keys:
            return "artifact"
        if flat in self.kb_only_keys:
            return "kb"
        w = words(name.rsplit(".", 1)[-1])
        if not w:
            return None
        for i in range(len(w) - 1):
            if w[i] == "repo" and w[i + 1] == "id" and not any(x in self.dataset_words for x in w):
                return "hf"
        if w[-3:] == ("name", "or", "path") and (len(w) == 3 or any(x in self.model_words for x in w[:-3])):
            return "hf"
        if not any(x in self.model_words for x in w):
            return None
        if any(x in self.other_words for x in w):
            return None
        i = max(i for i, x in enumerate(w) if x in self.model_words)
        tail = w[i + 1:]
        if all(t in self.tail_words for t in tail):
            return "model"
        if tail == ("path",):
            return "kb"
        return None

    def is_url_key(self, name: str, provider_word: bool = False) -> bool:
        """A key (variable, keyword, flag, env var) whose value is a server's base URL or endpoint:
        ``base_url``, ``OPENAI_API_BASE``, ``LOCAL_AI_BASE_PATH``, ``--runtime_url``. A bare ``url``
        counts only with ``provider_word`` (the key or its object names a provider)."""
        w = words(name.rsplit(".", 1)[-1])
        if not w or self.is_not_key(name, self.has_strong_url_tail(name)):
            return False
        joined = "".join(w)
        if joined in self.url_key_names and joined != "url" or self.has_strong_url_tail(name):
            return True
        if w[-1] not in self.url_key_tails:
            return False
        return any(x in self.url_key_words for x in w[:-1]) or provider_word and len(w) > 1

    def has_strong_url_tail(self, name: str) -> bool:
        """The key ends with a base-URL phrase (``*_BASE_PATH``, ``*_BASE_URL``, ``*_API_BASE``,
        ``*_ENDPOINT``): it holds a server address whatever else its name says."""
        w = words(name.rsplit(".", 1)[-1])
        return any(w[-len(t):] == t for t in self.strong_url_tails if len(w) >= len(t))

    def is_not_key(self, name: str, strong: bool = False, serves_model: bool = False) -> bool:
        """The key names something other than an inference server (a vector store, a database, an
        auth server, a web page); with a strong tail only the hard words count. ``serves_model``:
        the URL itself looks like a server (an inference route, a local port), so a key about the
        model (model_server, teacher_model_server_url) names the server that runs it."""
        w = words(name.rsplit(".", 1)[-1])
        bad = self.hard_not_url_key_words if strong else self.not_url_key_words | self.hard_not_url_key_words
        if serves_model and not strong:
            bad = bad - {"model", "models"}
        return any(x in bad for x in w)

    def is_block_key(self, name: str) -> bool:
        return name.lower() in self.block_keys

    def is_dataset_key(self, name: str) -> bool:
        return any(x in self.dataset_words for x in words(name))


def for_kb(kb: KnowledgeBase) -> DetectionRules:
    """The detection rules of ``kb``, built once and kept in the knowledge base's own index."""
    rules = kb._idx.get("detect.rules")
    if rules is None:
        rules = kb._idx["detect.rules"] = DetectionRules(kb)
    return rules


def _model_path(template: str) -> tuple[str, re.Pattern[str]]:
    """``/models/{model}:`` as its literal head (``/models/``, what a URL must contain) and an
    anchored regex from there whose group 1 is the model: one segment (no ``/?#``), up to the
    literal that follows it."""
    head, _, rest = template.partition("{")
    out = ""
    for part in re.split(r"(\{[a-z]+\})", "{" + rest):
        if not part:
            continue
        if part == "{model}":
            out += r"([^/?#]{1,200}?)"
        elif part.startswith("{") and part.endswith("}"):
            out += r"[^/?#]{1,200}"
        else:
            out += re.escape(part)
    return head, re.compile(out)
