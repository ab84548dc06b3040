"""One vocabulary, compiled from ``rules/``, matched natively over every byte of every text file.

Everything the scanner reacts to is an *anchor*: a literal or a short, bounded pattern that marks
where a reference may start or end -- a known Hub namespace followed by ``/``, the fixed prefix of an
API model family, ``://``, a model key followed by its separator, a loader call, a command, a
hardware or cloud name. All anchors go into one Hyperscan database (automata compiled to native
code; matching is linear in the input whatever the patterns). The database is also the prefilter:
a file with no anchor yields nothing and costs one pass. No word list is kept in Python: every
anchor is generated from the knowledge base (``rules/*.yaml``).

``Anchor.kind`` says which recogniser in ``sovaudit.detect.lexical`` handles a match; ``payload``
carries what the rule said (the namespace, the call, the vendor...).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Any

import hyperscan

from sovaudit.detect.positions import DetectionRules, for_kb, words
from sovaudit.rules import KnowledgeBase


class A(enum.IntEnum):
    """Anchor kinds: which recogniser handles a match."""

    NAMESPACE = 1  # "Qwen/" (exact case): a Hub id of a known publisher starts here
    HUB_HOST = 2  # "huggingface.co/": a Hub URL
    SCHEME = 3  # "hf://", "pvc://", "s3://": a URI
    OLLAMA_LIB = 4  # "ollama.com/library/"
    FAMILY = 5  # "gpt-4o", "claude-", "anthropic.": the fixed start of an API model family or cloud id
    OLLAMA_TAG = 6  # "x:8b", "x:latest": an Ollama NAME:TAG ends around here
    WEIGHT = 7  # ".gguf", ".safetensors": a weight file name ends here
    URL = 8  # "://"
    HOSTPORT = 9  # "localhost:", "127.0.0.1:": a server address without scheme
    KEY = 10  # "model...": "  /  = : a model key and its separator
    FLAG = 11  # "--model-id " / "-m ": a model flag
    KEY_COMMA = 12  # 'MODEL_NAME", ': a model-named string followed by a default (getenv, dict.get)
    CALL = 13  # "from_pretrained(": a call whose argument is a model
    OPTION_CALL = 14  # "add_argument(": an option declaration (its default)
    COMMAND = 15  # "ollama run ": a command whose argument is a model
    FROM_LINE = 16  # "FROM " at a line start (Dockerfile image, Modelfile base model)
    IMPORT = 17  # "import " / "from " at a line start, require(", from "
    IMAGE_KEY = 18  # "image:" a container image
    SW_COMMAND = 19  # "vllm serve", "text-generation-launcher": a serving command
    CREDENTIAL = 20  # "OPENAI_API_KEY": a provider's credential or configuration variable
    CLIENT = 21  # "ChatOpenAI(": a provider's client constructed here
    HW_TOKEN = 22  # hardware names, tools, code tokens, resources, node values (vendor in payload)
    HW_ENV = 23  # hardware environment variables (exact or prefix)
    HW_DEVICE = 24  # a quoted device string: "cuda", 'npu:0'
    GPU_KEY = 25  # a GPU count / accelerator key and its separator
    GPU_FLAG = 26  # docker --gpus, --device /dev/dri
    CLOUD_TOKEN = 27  # cloud CLIs, annotation prefixes, resource types, hosts (cloud in payload)
    CLOUD_ENV = 28  # cloud environment variables (exact or prefix)
    CLOUD_KEY = 29  # region / instance type / storage class / provider key and its separator
    REGION = 30  # a region or zone name unambiguous on its own
    TF_BLOCK = 31  # Terraform resource "x" / data "x" / provider "x"
    TF_SOURCE = 32  # Terraform source = "hashicorp/aws"
    TF_LOCAL = 33  # Terraform required_providers entry: aws = {
    ARN = 34  # arn:aws
    IAM = 35  # "bedrock:InvokeModel"
    PROVIDER_VALUE = 36  # llm_provider: 'bedrock'  (a provider key; payload: nothing)
    ENV_ENTRY = 37  # "- name: X_MODEL" whose value is on the next line (Kubernetes env)
    INSTANCE = 38  # the fixed start of a machine type unambiguous on its own (ml., Standard_, n1-standard-)
    QUOTED_ID = 39  # "org/...qwen": a quoted Hub-id-shaped string whose name holds a lab's family word
    ROUTE = 40  # "azure/": a LiteLLM provider prefix that is not a Hub namespace (the route after it is read)
    HW_IMAGE = 41  # "rocm/", "nvcr.io/nvidia/": the fixed start of a hardware vendor's container image
    QUOTED_FAMILY = 42  # "o3-, 'abab: a quote and a family prefix too short to read anywhere else
    QUOTED_NAME = 43  # "llama-3.3-70b: a quote, a lab's family word and a size, without an org
    ARN_RESOURCE = 44  # ":foundation-model/": the model part of a provider's ARN, written whole or in pieces
    REGION_CONST = 45  # "Region.US_EAST_1": an SDK's constant for a region (cloud and region in payload)


@dataclass(frozen=True, slots=True)
class Anchor:
    kind: A
    payload: Any = None
    literal_len: int = 0  # for literals: the match starts literal_len bytes before its end


_ID = re.compile(r"^[A-Za-z0-9_]+$")


def _lit(s: str) -> bytes:
    """A literal as a Hyperscan expression (every non-alphanumeric character escaped)."""
    return "".join(c if c.isalnum() or c == "_" else f"\\x{ord(c):02x}" for c in s).encode()


def _fnmatch_prefix(pattern: str) -> str:
    m = re.match(r"[^*?\[]*", pattern)
    return m.group(0) if m else ""


def _words_regex(ws: list[str]) -> str:
    return "(?:" + "|".join(sorted({_lit(w).decode() for w in ws}, key=lambda w: (-len(w), w))) + ")"


class Vocabulary:
    """The compiled anchor set of one knowledge base. Build with ``vocabulary_for(kb)``."""

    def __init__(self, kb: KnowledgeBase, rules: DetectionRules | None = None):
        self.kb = kb
        self.rules = rules = rules or for_kb(kb)
        exprs: list[bytes] = []
        flags: list[int] = []
        anchors: list[Anchor] = []
        C = hyperscan.HS_FLAG_CASELESS
        ML = hyperscan.HS_FLAG_MULTILINE

        def add(expr: bytes, kind: A, payload: Any = None, flag: int = 0, literal_len: int = 0) -> None:
            exprs.append(expr)
            flags.append(flag)
            anchors.append(Anchor(kind, payload, literal_len))

        def lit(s: str, kind: A, payload: Any = None, caseless: bool = True) -> None:
            add(_lit(s), kind, payload, C if caseless else 0, len(s.encode()))

        # -- models ----------------------------------------------------------------------------
        seen_ns: set[str] = set()
        for lab in kb.section("labs"):
            for ns in list(lab.get("hf_namespaces", ()) or ()) + list(lab.get("former_namespaces", ()) or ()):
                if ns not in seen_ns:
                    seen_ns.add(ns)
                    lit(ns + "/", A.NAMESPACE, ns, caseless=False)
        for host in rules.hub_hosts:
            lit(host + "/", A.HUB_HOST, host)
        namespaces = {n.lower() for n in seen_ns}
        for prefix in sorted({p.lower() for prov in kb.section("providers") for p in prov.get("litellm_prefixes", ()) or ()}):
            if prefix not in namespaces:
                lit(prefix + "/", A.ROUTE, prefix, caseless=False)
        for sc in rules.schemes:
            lit(sc.scheme + "://", A.SCHEME, sc)
        for host in rules.ollama_library_hosts:
            lit(host, A.OLLAMA_LIB, host)
        prefixes: set[str] = set()
        for am in kb.section("api_models"):
            prefixes.update(_fnmatch_prefix(p) for p in am.get("patterns", ()))
        for prov in kb.section("providers"):
            prefixes.update(_fnmatch_prefix(p) for p in prov.get("model_patterns", ()) or ())
        for p in sorted(prefixes):
            # a prefix too short to be told from a word ("o1", "sonar") is read in model positions, and
            # as a whole quoted string ("o3-pro-2025-06-10" in a list of names)
            if len(p) >= 4 and (re.search(r"[0-9\-.]", p) or len(p) >= 6):
                lit(p, A.FAMILY, p.lower())
            elif len(p) >= 2 and (p[0].isalpha() or p[0] == "@"):
                for q in "\"'`":
                    lit(q + p, A.QUOTED_FAMILY, p.lower(), caseless=False)
        add(rb"[A-Za-z0-9]:(?:[0-9]|latest|cloud|e[0-9])", A.OLLAMA_TAG)
        # a quoted org/name whose name holds a lab's family word, whatever the org ("trl-internal-testing/tiny-Qwen2...")
        fam = sorted(w for w in rules.lab_family_words if len(w) >= 3)
        if fam:
            add((r"[\"'][A-Za-z0-9][A-Za-z0-9._\-]{0,40}/[A-Za-z0-9._\-]{0,60}" + _words_regex(fam)).encode(), A.QUOTED_ID, flag=C)
            # an open-weight name served by an API without an org ("llama-3.3-70b-versatile", "Meta-Llama-3.3-70B-Instruct"):
            # a lab's id as a prefix at most, the family word, then a parameter count (70b, 8x7b, 0.5B)
            labs = sorted(e.id for e in kb.section("labs") if re.fullmatch(r"[a-z]{3,12}", e.id))
            add((r"[\"'`](?:" + _words_regex(labs) + r"[\-_])?" + _words_regex(fam) + r"[A-Za-z0-9._:\-]{0,40}?"
                 r"[0-9](?:\.[0-9]{1,2})?(?:x[0-9]{1,3})?[bBmM]").encode(), A.QUOTED_NAME, flag=C)
        lit("://", A.URL)
        for host in sorted(rules.local_hosts):
            if not host.startswith(("[", ":")):
                add((r"(?:^|[^A-Za-z0-9_./@:\-])" + _lit(host).decode() + r":[0-9]").encode(), A.HOSTPORT, host, C | ML)
        for ext in rules.weight_exts:
            lit(ext, A.WEIGHT, ext)
        # model positions
        key_words = set(rules.model_words)
        for k in rules.hf_keys | rules.kb_only_keys | rules.artifact_keys:
            if not any(w in rules.model_words for w in words(k)):
                key_words.add(k)
        kw = _words_regex(sorted(key_words))
        add((kw + r"[A-Za-z0-9_\-]{0,48}[\"'`]?\]?[ \t]{0,8}(?:=|:)").encode(), A.KEY, flag=C)
        fw = _words_regex(sorted(rules.flag_words))
        add((r"--?[A-Za-z0-9_\-]{0,30}" + fw + r"[A-Za-z0-9_\-]{0,30}(?:=|[ \t]|\r?\n)").encode(), A.FLAG, flag=C)
        mw = _words_regex(sorted(rules.model_words))
        add((mw + r"[A-Za-z0-9_\-]{0,48}[\"'][ \t]{0,4},[ \t]{0,8}").encode(), A.KEY_COMMA, flag=C)
        # a Kubernetes / compose env entry: "- name: X_MODEL" with "value:" on the next line
        ew = _words_regex(sorted(set(rules.model_words) | {k for k in rules.artifact_keys if "_" in k}))
        add((r"\bname:[ \t]*[\"']?[A-Za-z0-9_]*" + ew + r"[A-Za-z0-9_]*[\"']?[ \t]*\r?\n").encode(), A.ENV_ENTRY, flag=C)
        for call in rules.calls:
            add((r"\b" + _lit(call.name).decode() + r"[ \t]*\(").encode(), A.CALL, call)
        for name in sorted(rules.option_calls):
            add((r"\b" + _lit(name).decode() + r"[ \t]*\(").encode(), A.OPTION_CALL, name)
        for cmd in rules.commands:
            add((r"\b" + r"[ \t]+".join(_lit(w).decode() for w in cmd.words) + r"(?:[ \t]|$)").encode(), A.COMMAND, cmd, ML)
        add(rb"^[ \t]*(?:#[ \t]*)?FROM[ \t]+", A.FROM_LINE, flag=ML)
        # -- software ----------------------------------------------------------------------------
        add(rb"^[ \t]*(?:import|from)[ \t]+[A-Za-z_]", A.IMPORT, "python", ML)
        add(rb"(?:\brequire[ \t]*\(|\bfrom[ \t]|\bimport[ \t]*\(?)[ \t]*[\"']", A.IMPORT, "npm")
        add(rb"\bimage[\"']?[ \t]*[:=][ \t]*", A.IMAGE_KEY, flag=C)
        for sw in kb.section("software"):
            for c in sw.get("commands", ()) or ():
                ws = c.split()
                if len(ws) == 3 and ws[0].startswith("python") and ws[1] == "-m":
                    ws = ws[2:]  # python -m X: the module is the distinctive part, however the command is spelt
                add((r"\b" + r"[ \t]+".join(_lit(w).decode() for w in ws) + r"\b").encode(), A.SW_COMMAND, (sw.id, " ".join(ws)))
        # -- providers ---------------------------------------------------------------------------
        for prov in kb.section("providers"):
            for var in prov.get("env_vars", ()) or ():
                lit(var, A.CREDENTIAL, prov.id, caseless=False)
            for cl in sorted(set(prov.get("python_clients", ()) or ()) | set(prov.get("js_clients", ()) or ())):
                add((r"\b" + _lit(cl).decode() + r"[ \t]*\(").encode(), A.CLIENT, (prov.id, cl))
        kp = _words_regex(sorted(rules.provider_keys))
        add((r"\b" + kp + r"[\"'`]?[ \t]{0,8}(?:=|:)[ \t]{0,8}[\"'`]?[A-Za-z]").encode(), A.PROVIDER_VALUE, flag=C)
        # -- hardware ----------------------------------------------------------------------------
        device_strings: dict[str, str] = {}
        for hw in kb.section("hardware"):
            for key in ("k8s_resources", "node_values"):
                for v in hw.get(key, ()) or ():
                    # a bare word ("nvidia") names hardware only as a node label or runtime value (read
                    # through the GPU keys); a distinctive value (nvidia-tesla-t4) wherever it is
                    if "*" not in v and (key == "k8s_resources" or re.search(r"[-./]", v)):
                        lit(v, A.HW_TOKEN, (hw.id, key, v))
                    elif v.endswith("*") and "*" not in v[:-1] and len(v) >= 6 and re.search(r"[-./]$", v[:-1]):
                        lit(v[:-1], A.HW_TOKEN, (hw.id, "node_prefix", v))  # nvidia-tesla-t4, tpu-v5-lite-podslice
            context_only = set(hw.get("context_only_accelerators", ()) or ())
            for key in ("accelerators", "tools", "code_tokens", "terms"):
                for v in hw.get(key, ()) or ():
                    if key == "accelerators" and v in context_only:
                        # L4, A10, Arc: ordinary tokens, hardware only beside a GPU word (the recogniser decides)
                        lit(v, A.HW_TOKEN, (hw.id, "context_accelerators", v), caseless=False)
                        continue
                    lit(v, A.HW_TOKEN, (hw.id, key, v), caseless=False)
            for v in hw.get("env_vars", ()) or ():
                if v.endswith("*"):
                    lit(v[:-1], A.HW_ENV, (hw.id, v), caseless=False)
                else:
                    lit(v, A.HW_ENV, (hw.id, v), caseless=False)
            for v in hw.get("device_strings", ()) or ():
                device_strings.setdefault(v.lower(), hw.id)
            for v in hw.get("docker_flags", ()) or ():
                name, eq, value = v.partition("=")
                if not eq:
                    lit(v, A.GPU_FLAG, (hw.id, v), caseless=False)
                else:  # --device=/dev/kfd is also written --device /dev/kfd
                    val = "".join(r"[^\s\"']*" if c == "*" else _lit(c).decode() for c in value)
                    add((_lit(name).decode() + r"(?:=|[ \t]+)" + val).encode(), A.GPU_FLAG, (hw.id, v))
        for dev, vendor in sorted(device_strings.items()):
            add((r"(?:\\?[\"'])" + _lit(dev).decode() + r"(?::[0-9]{1,3})?\\?[\"']").encode(), A.HW_DEVICE, (vendor, dev))
            add((r"--?device[= ][ \t]*[\"']?" + _lit(dev).decode() + r"\b").encode(), A.HW_DEVICE, (vendor, dev))
        for v in rules.gpu_env_vars:
            lit(v, A.HW_ENV, ("", v), caseless=False)
        for v in rules.gpu_docker_flags:
            lit(v, A.GPU_FLAG, ("", v), caseless=False)
        dev_keys = set(device_strings) | {"use_" + d for d in device_strings}
        gk = _words_regex(sorted(rules.gpu_count_keys | rules.compose_keys | rules.version_keys | dev_keys))
        add((r"\b" + gk + r"[\"'`]?[ \t]{0,8}(?:=|:)").encode(), A.GPU_KEY, flag=C)
        # a hardware vendor's container image written anywhere (docker run rocm/vllm:latest, `nvcr.io/nvidia/pytorch:25.01-py3`)
        for hw in kb.section("hardware"):
            for pat in hw.get("images", ()) or ():
                p = _fnmatch_prefix(pat)
                if len(p) >= 5 and p.endswith("/"):
                    lit(p, A.HW_IMAGE, (hw.id, pat), caseless=False)
        # -- cloud -------------------------------------------------------------------------------
        # a GPU machine type (p4de.24xlarge, a3-highgpu-8g) as a whole quoted string, outside an instance key
        quoted_types: set[str] = set()
        for hw in kb.section("hardware"):
            for it in hw.get("instance_types", ()) or ():
                p = _fnmatch_prefix(it.get("pattern", ""))
                if len(p) >= 3 and p not in quoted_types:
                    quoted_types.add(p)
                    lit(p, A.INSTANCE, (hw.id, it["pattern"], "quoted"), caseless=False)
        for cl in kb.section("clouds"):
            for v in cl.get("env_vars", ()) or ():
                lit(v[:-1] if v.endswith("*") else v, A.CLOUD_ENV, (cl.id, v), caseless=False)
            for v in cl.get("cli_commands", ()) or ():
                # the handler finds the start again (``lexical._cli_start``): blanks between words vary
                add((r"\b" + r"[ \t]+".join(_lit(w).decode() for w in v.split()) + r"\b").encode(), A.CLOUD_TOKEN, (cl.id, "cli", v))
            for key in ("annotation_prefixes", "k8s_labels"):
                for v in cl.get(key, ()) or ():
                    lit(v, A.CLOUD_TOKEN, (cl.id, "label", v))
            for v in cl.get("sdk_namespaces", ()) or ():
                lit(v, A.CLOUD_TOKEN, (cl.id, "sdk", v), caseless=False)
            for it in cl.get("instance_types", ()) or ():
                if isinstance(it, dict) and it.get("unambiguous"):
                    p = _fnmatch_prefix(it.get("pattern", ""))
                    if len(p) >= 3:
                        lit(p, A.INSTANCE, (cl.id, it["pattern"]), caseless=False)
            for v in cl.get("resource_types", ()) or ():
                p = _fnmatch_prefix(v)
                if len(p) >= 4:
                    lit(p, A.CLOUD_TOKEN, (cl.id, "resource-type", v), caseless=False)
            for v in cl.get("host_patterns", ()) or ():
                if v.startswith("*."):
                    lit(v[1:], A.CLOUD_TOKEN, (cl.id, "host", v))
            for v in cl.get("filesystem_paths", ()) or ():
                lit(v, A.CLOUD_TOKEN, (cl.id, "path", v), caseless=False)
            for v in cl.get("iam_services", ()) or ():
                add((r"[\"']" + _lit(v).decode() + r":(?:\*|[A-Z][A-Za-z]{2,60}\*?)[\"']").encode(), A.IAM, (cl.id, v))
            for r in cl.get("regions", ()) or ():
                name = r.get("name", "") if isinstance(r, dict) else str(r)
                for q in cl.get("region_constants", ()) or ():
                    lit(q + name.upper().replace("-", "_"), A.REGION_CONST, (cl.id, name), caseless=False)
                if name and re.search(r"[0-9]", name) and "-" in name and len(name) >= 8:
                    lit(name, A.REGION, (cl.id, name), caseless=False)
                elif len(name) >= 6 and re.fullmatch(r"[a-z][a-z0-9-]+", name):
                    # westeurope, cn-beijing: a region only as a whole quoted string (the handler checks)
                    lit(name, A.REGION, (cl.id, name, "quoted"), caseless=False)
            for src in cl.get("terraform_providers", ()) or ():
                local = src.rsplit("/", 1)[-1]
                if _ID.match(local):
                    add((r"^[ \t]*" + _lit(local).decode() + r"[ \t]*=[ \t]*\{").encode(), A.TF_LOCAL, (cl.id, local), ML)
        for rt in rules.arn_resource_types:
            lit(":" + rt + "/", A.ARN_RESOURCE, rt, caseless=False)
        for prefix in sorted(rules.shared_annotations):
            lit(prefix, A.CLOUD_TOKEN, ("", "shared-label", prefix))
        for part in sorted({p for cl in kb.section("clouds") for p in (cl.get("arn_partitions", ()) or ())} | {"aws"}):
            lit("arn:" + part + ":", A.ARN, part, caseless=False)
        add(rb"^[ \t]*(?:resource|data|provider)[ \t]+\"", A.TF_BLOCK, flag=ML)
        add(rb"\bsource[ \t]*=[ \t]*\"", A.TF_SOURCE)
        ck = _words_regex(sorted(rules.region_keys | rules.instance_keys | rules.storage_class_keys | rules.region_key_tails))
        add((ck + r"[\"'`]?[ \t]{0,8}(?:=|:)").encode(), A.CLOUD_KEY, flag=C)

        # one order whatever order the sets above were read in (string hashing differs per
        # process): the database, and so its cached file, is the same from run to run
        order = sorted(range(len(exprs)), key=lambda i: (exprs[i], flags[i], anchors[i].kind.value, anchors[i].literal_len,
                                                         repr(anchors[i].payload)))
        exprs = [exprs[i] for i in order]
        flags = [flags[i] for i in order]
        self.anchors: tuple[Anchor, ...] = tuple(anchors[i] for i in order)
        self.db = _compiled(exprs, flags, kb._idx.get("cache.dir", ""))
        self._scratch: hyperscan.Scratch | None = None

    def scan(self, data: bytes) -> list[tuple[int, int]]:
        """(end offset, anchor index) of every anchor match in ``data``, in end order."""
        if self._scratch is None:
            self._scratch = hyperscan.Scratch(self.db)
        hits: list[tuple[int, int]] = []
        append = hits.append

        def on_match(aid: int, _frm: int, to: int, _flags: int, _ctx: Any) -> None:
            append((to, aid))

        self.db.scan(data, match_event_handler=on_match, scratch=self._scratch)
        return hits

    def fork_safe(self) -> None:
        """Drop the scratch space (each process allocates its own on first use)."""
        self._scratch = None


#: Format of a cached compiled vocabulary; bump when what it holds changes shape.
_DB_FORMAT = b"sovaudit-vocab-1"


def _compiled(exprs: list[bytes], flags: list[int], cache_dir: str) -> Any:
    """The Hyperscan database of ``exprs``: compiling it is most of a small scan's time (0.3 s), so
    the serialised database is kept in ``cache_dir`` (the rules cache's folder) under a name that
    hashes every expression, flag, the Hyperscan version and the machine. A cache file is checked
    (its SHA-256) before Hyperscan reads it; any problem is a miss, and the database is compiled."""
    import contextlib
    import hashlib
    import os
    import platform
    import tempfile
    import time
    from pathlib import Path

    path = None
    if cache_dir:
        h = hashlib.sha256(_DB_FORMAT + b"\0" + str(getattr(hyperscan, "__version__", "?")).encode() + b"\0"
                           + platform.machine().encode() + b"\0" + repr(flags).encode() + b"\0")
        for e in exprs:
            h.update(e + b"\0")
        path = Path(cache_dir) / f"vocab-{h.hexdigest()[:32]}.hsdb"
        try:
            blob = path.read_bytes()
            head = _DB_FORMAT + b"\n"
            payload = blob[len(head) + 32:]
            if blob.startswith(head) and blob[len(head):len(head) + 32] == hashlib.sha256(payload).digest():
                db = hyperscan.loadb(payload, hyperscan.HS_MODE_BLOCK)
                os.utime(path)  # in use: not pruned
                return db
        except Exception:  # noqa: BLE001 - missing, unreadable or not loadable here: compile
            pass
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(expressions=exprs, ids=list(range(len(exprs))), elements=len(exprs), flags=flags)
    if path is not None:
        tmp = ""
        try:
            payload = hyperscan.dumpb(db)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".vocab-", dir=path.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(_DB_FORMAT + b"\n" + hashlib.sha256(payload).digest() + payload)
            os.replace(tmp, path)
            tmp = ""
            week_ago = time.time() - 7 * 86400  # the files of other rules versions, unused for a week
            for old in path.parent.glob("vocab-*.hsdb"):
                if old != path and old.stat().st_mtime < week_ago:
                    old.unlink()
        except Exception:  # noqa: BLE001 - a read-only or full cache folder: no cache
            if tmp:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
    return db


def vocabulary_for(kb: KnowledgeBase) -> Vocabulary:
    """The compiled vocabulary of ``kb``, built once and kept in the knowledge base's own index."""
    v = kb._idx.get("detect.vocabulary")
    if v is None:
        v = kb._idx["detect.vocabulary"] = Vocabulary(kb)
    return v
