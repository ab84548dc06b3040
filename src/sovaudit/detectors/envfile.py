"""Environment and KEY=VALUE config files: which models, endpoints and provider credentials a
deployment is configured with.

Reads ``.env``, ``.env.*``, ``*.env``, ``.envrc`` and ``*.properties`` / ``*.ini`` / ``*.cfg`` /
``*.conf`` files line by line (``KEY=VALUE``, ``export KEY=VALUE``, quoted values, ``key: value``
in properties/ini files):

* a key whose name says model (``MODEL``, ``OPENAI_MODEL``, ``LLM_MODEL_NAME``, ``HF_MODEL_ID``,
  ``AZURE_OPENAI_DEPLOYMENT``...) -> its value(s) through ``parse_model_string`` (hint "model");
* a key naming an endpoint (``*_BASE_URL``, ``*_API_BASE``, ``*_ENDPOINT``, ``*_HOST``...) whose
  value is a URL -> an endpoint reference, provider from ``kb.provider_for_url``;
* a provider credential variable the knowledge base knows (``kb.provider_for_env``) -> an endpoint
  reference for that provider, form ``env``. Only the variable's *name* is recorded: no value of
  such a variable -- and no credential, query string or user-info of a URL -- is ever copied into
  a reference.

Commented-out assignments (``# OPENAI_MODEL=gpt-4o``) are read too, with context ``comment``, but
only what the knowledge base vouches for.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from typing import Iterable, Iterator
from urllib.parse import urlsplit

from sovaudit.detectors.base import Detector, SourceFile, find_urls, normalize_url, parse_model_string, safe_url_text
from sovaudit.detectors.commands import analyze_shell, dedupe, is_secret_name
from sovaudit.model import Context, Kind, Reference
from sovaudit.rules import KnowledgeBase

_CONFIG_SUFFIXES = (".properties", ".ini", ".cfg", ".conf")

# KEY=VALUE / export KEY=VALUE / key: value (the ':' form only in properties/ini-style files)
_ASSIGN_RE = re.compile(r"^(?P<indent>\s*)(?:export\s+|set\s+|setenv\s+)?(?P<key>[A-Za-z_][A-Za-z0-9_.\-]*)\s*(?P<op>=|:)\s?(?P<rest>.*)$")
_SHELL_DEFAULT_RE = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*:?[-=]([^${}]+)\}$")
_SECRET_WORDS = frozenset({"key", "keys", "token", "tokens", "secret", "secrets", "password", "passwd", "pwd",
                           "credential", "credentials", "auth", "cookie", "session", "signature", "sig", "salt", "private"})
_MODEL_LAST = frozenset({"model", "models", "id", "ids", "name", "names", "tag", "repo", "identifier"})
_URL_LAST = (("base", "url"), ("api", "base"), ("endpoint",), ("host",), ("api", "url"), ("base", "uri"),
             ("api", "host"), ("url",), ("uri",), ("server",), ("address",))
#: Words that make a URL-valued key an AI endpoint (besides a provider's own prefix from the kb).
_AI_WORDS = frozenset({"llm", "llms", "model", "models", "inference", "embedding", "embeddings", "embed", "chat",
                       "completion", "completions", "ai", "genai", "gpt", "lm", "rag", "vllm", "tgi", "ollama",
                       "serving", "triton", "reranker", "rerank", "generation"})


def _tokens(key: str) -> list[str]:
    return [t for t in re.split(r"[_.\-]+", re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key).lower()) if t]


def is_secret_key(key: str) -> bool:
    """A key whose value may be a secret: its value is never read."""
    toks = _tokens(key)
    return (any(t in _SECRET_WORDS or t.endswith(("key", "token", "secret", "password")) for t in toks)
            or is_secret_name(key))


def is_model_key(key: str) -> bool:
    toks = _tokens(key)
    if is_secret_key(key) or not toks:
        return False
    if any(t in ("model", "models") for t in toks):
        i = max(i for i, t in enumerate(toks) if t in ("model", "models"))
        tail = toks[i + 1:]
        return all(t in _MODEL_LAST for t in tail)
    if "deployment" in toks or "deployments" in toks:
        i = max(i for i, t in enumerate(toks) if t in ("deployment", "deployments"))
        return all(t in ("name", "names", "id") for t in toks[i + 1:])
    return False


def is_url_key(key: str) -> bool:
    toks = _tokens(key)
    return any(len(toks) >= len(suf) and tuple(toks[-len(suf):]) == suf for suf in _URL_LAST)


@functools.lru_cache(maxsize=8)
def _provider_words(env_var_names: frozenset[str]) -> frozenset[str]:
    """Words that name a provider in its own env vars (``OPENAI`` of ``OPENAI_API_KEY``)."""
    words: set[str] = set()
    for var in env_var_names:
        toks = _tokens(var)
        while toks and toks[-1] in ("api", "key", "token", "secret", "host", "url", "base", "endpoint", "id", "access"):
            toks = toks[:-1]
        words.update(t for t in toks if len(t) > 2)
    return frozenset(words)


def _unquote(rest: str, ini: bool) -> tuple[str, int, str]:
    """(value, offset of the value within ``rest``, trailing comment) of an assignment's right side."""
    s = rest
    lead = len(s) - len(s.lstrip())
    s = s.lstrip()
    if s[:1] in ("'", '"'):
        q = s[0]
        end = s.find(q, 1)
        while end > 0 and q == '"' and s[end - 1] == "\\":
            end = s.find(q, end + 1)
        if end > 0:
            return s[1:end], lead + 1, s[end + 1:]
        return s[1:], lead + 1, ""
    # unquoted: an inline comment starts at " #" (or " ;" in ini files)
    m = re.search(r"\s[#;]" if ini else r"\s#", s)
    value = s[: m.start()] if m else s
    return value.rstrip(), lead, s[m.start():] if m else ""


def _safe_snippet(line: str, kb: KnowledgeBase, ini: bool) -> str:
    """The line for reports, with the value of any credential variable (by name, or because the kb
    lists it as a provider's variable) and any URL user-info or query replaced: the scanner's generic
    redaction does not know every provider's variable names (QIANFAN_AK, HUNYUAN_APP_ID...)."""
    text = line.strip()
    body = text.lstrip("#;! \t")
    m = _ASSIGN_RE.match(body)
    if m:
        key = m.group("key")
        rest = m.group("rest")
        value, _, _ = _unquote(rest, ini)
        is_url = bool(value) and any(True for _ in find_urls(value))
        if value and (is_secret_key(key) or (kb.provider_for_env(key) is not None and not is_url)):
            text = text[: len(text) - len(body)] + body[: m.start("rest")] + "[REDACTED]"
    text = re.sub(r"(https?://)[^/\s@'\"]*@", r"\1", text)  # user:password@
    text = re.sub(r"(https?://[^\s'\"]*?)\?[^\s'\"#]*", r"\1", text)  # ?api_key=...
    from sovaudit.snippets import redact

    text = redact(text)
    return text if len(text) <= 240 else text[:239] + "…"


def _provider_for_url(kb: KnowledgeBase, url: str):
    """``kb.provider_for_url``, but a base URL with an explicit port (http://localhost:11434) only
    claims that port: http://localhost:8000 is some other local server."""
    prov = kb.provider_for_url(url)
    if prov is None:
        return None
    try:
        parts = urlsplit(url)
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        return prov
    for bu in prov.get("base_urls", []):
        try:
            b = urlsplit(bu["url"])
            if (b.hostname or "").lower() == host:
                return prov if (b.port is None or b.port == port) else None
        except ValueError:
            continue
    return prov



class EnvFileDetector(Detector):
    """Models, endpoints and provider credentials (by name only) in env and KEY=VALUE config files."""

    name = "env"

    def applies(self, path: str) -> bool:
        name = path.rsplit("/", 1)[-1].lower()
        return (name == ".env" or name.startswith(".env.") or name.endswith(".env") or name == ".envrc"
                or name.endswith(_CONFIG_SUFFIXES))

    def detect(self, f: SourceFile, kb: KnowledgeBase) -> Iterable[Reference]:
        ini = f.name.lower().endswith(_CONFIG_SUFFIXES)
        seen: set[tuple] = set()
        section: set[str] = set()  # words of the current [section] of an ini file
        lines = f.text.splitlines()
        i = 0
        while i < len(lines):
            raw = lines[i]
            lno = i + 1
            i += 1
            # properties files continue a line ending in a backslash: join, keep the first line number
            while ini and raw.endswith("\\") and i < len(lines):
                raw = raw[:-1] + lines[i].lstrip()
                i += 1
            stripped = raw.lstrip()
            context = Context.CONFIG
            offset = len(raw) - len(stripped)
            body = stripped
            if stripped.startswith(("#", ";", "!")) or (ini and stripped.startswith("//")):
                marker = 2 if stripped.startswith("//") else 1
                body = stripped[marker:]
                offset += marker + (len(body) - len(body.lstrip()))
                body = body.lstrip()
                context = Context.COMMENT
            if not body:
                continue
            if body.startswith("["):
                if context is Context.CONFIG:
                    section = set(_tokens(body.strip("[] \t")))
                continue
            snip = None
            for ref in self._line(f, kb, body, lno, offset, context, ini, section):
                k = (ref.kind, ref.id, ref.line, ref.column)
                if k not in seen:
                    seen.add(k)
                    if snip is None:
                        snip = _safe_snippet(raw, kb, ini)
                    yield dataclasses.replace(ref, snippet=snip)

    def _line(self, f: SourceFile, kb: KnowledgeBase, body: str, lno: int, offset: int, context: Context,
              ini: bool, section: set[str] = frozenset()) -> Iterator[Reference]:
        m = _ASSIGN_RE.match(body)
        if not m or (m.group("op") == ":" and not ini):
            return
        key = m.group("key")
        key_col = offset + m.start("key") + 1
        comment = context is Context.COMMENT
        factor = 0.8 if comment else 1.0
        # a provider credential variable: its name only, never its value
        prov = kb.provider_for_env(key)
        secret = is_secret_key(key)
        value, voff, _ = ("", 0, "") if secret else _unquote(m.group("rest"), ini)
        if prov is not None and not (value and any(True for _ in find_urls(value))):
            # the variable's name says which provider's client is configured; a URL value (a base-URL
            # variable pointed elsewhere, e.g. at a local server) says more, and is reported below
            yield self.ref(f, Kind.ENDPOINT, prov.id, key, lno, key_col, "env", context, 0.9 * factor, prov.id,
                           {"env": key})
        if secret or not value:
            return
        value_col = offset + m.start("rest") + voff + 1
        if ini and context is Context.CONFIG and _tokens(key)[-1:] in (["command"], ["cmd"], ["exec"], ["execstart"]):
            # supervisord/uwsgi-style `command=vllm serve Qwen/...`: the shared command-line reader
            for h in dedupe(analyze_shell(value, kb)):
                yield self.ref(f, h.kind, h.id, h.text, lno, value_col + h.offset, h.form,
                               Context.COMMENT if h.comment else context, h.confidence, h.provider,
                               {**dict(h.attributes), "key": key})
            return
        if is_model_key(key):
            yield from self._models(f, kb, key, value, lno, value_col, context, factor)
        if prov is not None or is_url_key(key):
            ai_key = prov is not None or bool((set(_tokens(key)) | section) & (_AI_WORDS | _provider_words(kb.env_var_names)))
            yield from self._urls(f, kb, key, value, lno, value_col, context, factor, ai_key, prov)

    def _models(self, f, kb, key, value, lno, col, context, factor) -> Iterator[Reference]:
        comment = context is Context.COMMENT
        m = _SHELL_DEFAULT_RE.match(value)
        if m:  # LLM_MODEL=${LLM_MODEL:-gpt-4o} (.envrc, compose-style env files): the default is written here
            col += m.start(1)
            value = m.group(1)
        for pm in re.finditer(r"[^,;]+", value):
            part = pm.group(0).strip()
            if not part:
                continue
            start = pm.start() + (len(pm.group(0)) - len(pm.group(0).lstrip()))
            ms = parse_model_string(part, kb, "model")
            if ms is None:
                continue
            if comment and parse_model_string(part, kb, "") is None:
                continue  # in a comment only what the knowledge base vouches for
            attrs = dict(ms.attributes)
            attrs["env"] = key
            yield self.ref(f, Kind.MODEL, ms.id, part, lno, col + start, ms.form, context, ms.confidence * factor,
                           ms.provider, attrs)

    def _urls(self, f, kb, key, value, lno, col, context, factor, ai_key: bool, env_prov=None) -> Iterator[Reference]:
        comment = context is Context.COMMENT
        for off, url in find_urls(value):
            prov = _provider_for_url(kb, url)
            if prov is None and (comment or not ai_key):
                continue  # a URL no rule knows, under a key that says nothing about AI: not ours
            host = (urlsplit(url).hostname or "") if "://" in url else ""
            if not host:
                continue
            attrs = {"env": key}
            if env_prov is not None:
                attrs["client"] = env_prov.id
                if prov is None and env_prov.get("kind") == "self-hosted":
                    prov = env_prov  # OLLAMA_HOST=http://gpu-box:11434: wherever it points, it is that server
            yield self.ref(f, Kind.ENDPOINT, normalize_url(url), safe_url_text(url), lno, col + off, "url", context,
                           (0.9 if prov is not None else 0.75) * factor, prov.id if prov is not None else "", attrs)
