"""Strings from scanned files, made safe once, at the boundary.

Everything the scanner takes from a scanned tree (reference ids and text, snippets, attributes,
skip details, suppression reasons, paths) passes through this module before it leaves the
per-file scan (``detect.scan._finish``, so the scan cache holds only clean values) or the walk.
After it, every writer and the console can trust a string:

* no lone UTF-16 surrogate (an escape sequence ``\\ud800`` in JSON or Python source, a file name
  that is not UTF-8): surrogate-escaped bytes of a file name become the text ``\\xNN``, any other
  lone surrogate U+FFFD;
* no control character (C0 but tab, C1, DEL), no bidirectional override, zero-width or line/paragraph
  separator: they are removed (tab and line breaks become a space);
* a bounded length (``MAX_ID``, ``MAX_TEXT``...); an id longer than its cap is not an id at all:
  the reference is dropped and the file says so;
* the secrets policy: a value that looks like a credential (common token shapes, user-info in a
  URL, ``curl -u user:pass``, ``Authorization: Bearer ...``, ``password=...``) is replaced by
  ``[REDACTED]``; a reference whose id *is* a secret (``model="sk-proj-..."``) is dropped.

Every pattern here runs on text cut to a bounded length first, and runs on ``google-re2`` (a
linear-time engine) when it is installed; the patterns are written so that Python's ``re`` does
not backtrack on them either (no nested or adjacent overlapping quantifiers but the key pattern,
which only ever sees a few hundred characters).
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace
from typing import Any

try:  # a dependency; the patterns below stay bounded without it
    import re2 as _re2
except ImportError:  # pragma: no cover
    _re2 = None

#: Length caps (characters) per field.
MAX_ID = 300
MAX_TEXT = 300
MAX_SNIPPET = 240
MAX_DETAIL = 300
MAX_ATTR = 300
MAX_PATH = 4096
#: Before a pattern runs, text is cut to its cap plus this much (a secret cut in half at the cap
#: is still recognised whole).
_SLACK = 160

REDACTED = "[REDACTED]"


def _compile(pattern: str, flags: int = 0):
    """A linear-time compiled pattern when google-re2 is installed, else Python's ``re``."""
    if _re2 is not None:
        try:
            opts = _re2.Options()
            opts.case_sensitive = not flags & re.IGNORECASE
            return _re2.compile(pattern, options=opts)
        except _re2.error:  # pragma: no cover - every pattern here is RE2 syntax
            return re.compile(pattern, flags)
    return re.compile(pattern, flags)


# -- characters -------------------------------------------------------------------------------

_DROP = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064"
                   "\u2066-\u2069\ufeff\ufff9-\ufffb]")
_SPACE = re.compile("[\t\n\r]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _surrogate(m: re.Match, path: bool) -> str:
    c = ord(m.group(0))
    if path and 0xDC80 <= c <= 0xDCFF:  # a byte of a file name that is not UTF-8 (surrogateescape)
        return f"\\x{c - 0xDC00:02x}"
    return "\ufffd"


def clean(s: Any, cap: int = MAX_TEXT, path: bool = False) -> str:
    """``s`` as trusted report text: no lone surrogate, no control or bidi character, at most
    ``cap`` characters (a longer one ends with "…"). Linear in ``min(len(s), cap)``."""
    if not isinstance(s, str):
        s = "" if s is None else str(s)
    cut = len(s) > cap
    if cut:
        s = s[:cap + _SLACK]
    if not s.isascii():
        s = _SURROGATE.sub(lambda m: _surrogate(m, path), s)
    s = _DROP.sub("", _SPACE.sub(" ", s)) if not s.isprintable() else s
    if cut or len(s) > cap:
        s = s[:cap - 1] + "…"
    return s


def clean_path(p: str) -> str:
    """A relative path as report text (``caf\\xe9.py`` for a name that is not UTF-8)."""
    return clean(p, MAX_PATH, path=True)


# -- secrets ----------------------------------------------------------------------------------

#: Token shapes (detect-secrets / gitleaks style): the value alone says it is a credential.
_TOKEN = (r"(?:sk-(?:proj-|ant-|svcacct-|admin-)?[A-Za-z0-9_-]{16,}|hf_[A-Za-z0-9]{20,}|api_org_[A-Za-z0-9]{20,}"
          r"|(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{30,}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}"
          r"|glpat-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"
          r"|gsk_[A-Za-z0-9]{20,}|r8_[A-Za-z0-9]{20,}|pplx-[A-Za-z0-9]{20,}|nvapi-[A-Za-z0-9_-]{20,}|sk_live_[A-Za-z0-9]{16,}"
          r"|-----BEGIN [A-Z ]*PRIVATE KEY-----)")
#: Every token shape starts with one of these: a string holding none is not searched.
_TOKEN_PREFIXES = ("sk-", "sk_", "hf_", "api_org_", "AKIA", "ASIA", "ABIA", "ACCA", "AIza", "gh", "github_pat_", "glpat-", "xox",
                   "eyJ", "gsk_", "r8_", "pplx-", "nvapi-", "-----BEGIN")
_HAS_PREFIX = re.compile("|".join(re.escape(p) for p in _TOKEN_PREFIXES))  # literals only: one linear C scan
_TOKEN_ANY = _compile(r"(?:^|[^A-Za-z0-9_])(" + _TOKEN + ")")
_TOKEN_WHOLE = _compile(r"^[\"'`]?" + _TOKEN + r"[\"'`]?$")
#: user-info in a URL, up to the last '@' of the URL: a password may hold '@', '/', '#', ':'. A '/'
#: before any ':' ends the authority (RFC 3986), so ``hf://org/name@main``, ``s3://bucket/key@v2`` and
#: ``git+https://host/org/repo@v1.0`` hold a revision, not a user.
_URL_USERINFO = _compile(r"([A-Za-z][A-Za-z0-9+.-]{0,30}://)(?:[^\s\"'`<>@/:]*:[^\s\"'`<>@]*@|[^\s\"'`<>@/]*@)"
                         r"(?:[^\s\"'`<>@]*@)*")
#: ``curl -u user:pass``, ``--user user:pass``, ``--proxy-user``.
_CURL_USER = _compile(r"((?:^|\s)(?:-u|--user|--proxy-user)(?:\s+|=)[\"']?[^\s\"':]*:)[^\s\"']+")
#: ``Bearer TOKEN`` / ``Basic TOKEN`` wherever they are (a JS template literal, a header string).
_AUTH_SCHEME = _compile(r"(?i)\b(bearer|basic|token)(\s+)([A-Za-z0-9._~+/=-]{8,})")
#: ``KEY=value`` / ``key: value`` where the key names a secret.
_ASSIGN = _compile(
    r"(?P<key>[A-Za-z0-9_.-]{0,60}(?:api[_-]?key|apikey|token|secret|passw(?:or)?d|passwd|pwd|credential|private[_-]?key"
    r"|access[_-]?key|auth)[A-Za-z0-9_.-]{0,60})"
    r"(?P<sep>[\"'`]?\s*(?:=|:|:=|=>)\s*)(?P<q>[\"'`]?)(?P<scheme>(?:Bearer|Basic|Token)\s+)?(?P<val>[^\s\"'`,;)}\[\]]+)",
    re.IGNORECASE,
)
#: Prefilters, run on the lower-cased string (Python's ``re`` searches a case-insensitive
#: alternation several times slower than a case-sensitive one).
_HAS_KEY_WORD = re.compile("key|token|secret|passw|pwd|credential|auth")
_HAS_AUTH_WORD = re.compile("bearer|basic|token")
#: Any word of the prefilters (and any token prefix) in one search: most strings hold none.
_HAS_ANY = re.compile("|".join([_HAS_KEY_WORD.pattern, _HAS_AUTH_WORD.pattern]
                               + [re.escape(p.lower()) for p in _TOKEN_PREFIXES]))
#: values that name where a secret comes from rather than being one
_REFERENCE_VALUE = re.compile(r"^(?:\$|os\.environ|os\.getenv|getenv\(|process\.env|env\(|Deno\.env|secretKeyRef|valueFrom"
                              r"|var\.|settings\.|config\.|<|\{\{|\[REDACTED\])")


_PORT = re.compile(r"[0-9]{1,5}(?:[/?#]|$)")


def _in_authority(s: str, pos: int) -> bool:
    """Whether ``pos`` lies in the host or port of a URL: after its '://' with no path, query,
    fragment, space or quote between (``http://tokenizer:8000``: a host name, not a key)."""
    i = s.rfind("://", 0, pos)
    return i >= 0 and not any(c in s[i + 3:pos] for c in "/?#\"'` \t<>")


def _assign(m: re.Match) -> str:
    val = m.group("val")
    if _REFERENCE_VALUE.match(val) or len(val) < 4 or val.lower() in ("bearer", "basic", "token"):
        return m.group(0)  # a reference, a short word, or a scheme whose value _AUTH_SCHEME took
    if _PORT.match(val) and _in_authority(m.string, m.start(1)):
        return m.group(0)  # a host and its port (userinfo, where a password would be, is cut before)
    return f"{m.group('key')}{m.group('sep')}{m.group('q')}{m.group('scheme') or ''}{REDACTED}"


def _auth(m) -> str:
    word, val = m.group(1), m.group(3)
    if word.lower() == "token" and not any(c.isdigit() for c in val):
        return m.group(0)  # "token refresh", "Token expiry": words, not a value
    return f"{word}{m.group(2)}{REDACTED}"


def redact(s: str) -> str:
    """``s`` with every secret-looking value replaced by ``[REDACTED]``. Callers cut ``s`` to a
    bounded length first (``clean`` does)."""
    if not s:
        return s
    if "://" in s and "@" in s:
        s = _URL_USERINFO.sub(lambda m: m.group(1) + REDACTED + "@", s)
    if "-u" in s or "--user" in s or "--proxy-user" in s:
        s = _CURL_USER.sub(lambda m: m.group(1) + REDACTED, s)
    low = s.lower()
    if s.isascii() and not _HAS_ANY.search(low):
        return s
    if not s.isascii() or _HAS_AUTH_WORD.search(low):  # non-ASCII: case folding str.lower() does not do
        s = _AUTH_SCHEME.sub(_auth, s)
        low = s.lower()
    if not s.isascii() or _HAS_KEY_WORD.search(low):
        s = _ASSIGN.sub(_assign, s)
    if _HAS_PREFIX.search(s):
        s = _TOKEN_ANY.sub(lambda m: m.group(0)[: len(m.group(0)) - len(m.group(1))] + REDACTED, s)
    return s


@functools.lru_cache(maxsize=16384)
def looks_secret(s: str) -> bool:
    """True when ``s`` as a whole is a credential (a token shape, or a URL with user-info)."""
    if not s:
        return False
    s = s[:MAX_ID + _SLACK]
    if _HAS_PREFIX.search(s) and _TOKEN_WHOLE.search(s):
        return True
    return "://" in s and "@" in s and _URL_USERINFO.search(s) is not None


@functools.lru_cache(maxsize=16384)
def _safe(s: str, cap: int, path: bool) -> str:
    s = clean(s, cap + _SLACK, path)
    s = redact(s)
    return clean(s, cap) if len(s) > cap else s


def safe(s: Any, cap: int = MAX_TEXT, path: bool = False) -> str:
    """``clean`` then ``redact``: the form of every free-text field taken from a scanned file.
    (Memoised: a file repeats its values, one line's snippet for each reference on it.)"""
    if isinstance(s, str) and len(s) <= 4 * cap:
        return _safe(s, cap, path)
    s = clean(s, cap + _SLACK, path)
    s = redact(s)
    return clean(s, cap) if len(s) > cap else s


# -- structure ------------------------------------------------------------------------------

#: Most nodes a YAML document from a scanned tree may expand to (aliases and ``<<`` merge keys
#: counted as the copies a loader makes).
MAX_YAML_NODES = 100_000


def yaml_load(text: str) -> Any:
    """``yaml.safe_load`` for a file of the scanned tree, refusing (``ValueError``) a document
    whose aliases and merge keys expand past ``MAX_YAML_NODES``: ten lines of
    ``lN: &lN {<<: [*lN-1 x10]}`` grow past a gigabyte in the PyYAML versions that copy merged
    mappings (6.0.3 and older). The document is composed first (linear: an alias is one shared
    node), its expanded size counted once per node, then constructed."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    node = yaml.compose(text, Loader=loader)
    if node is None:
        return None
    size: dict[int, int] = {}
    stack: list[tuple[Any, bool]] = [(node, False)]
    while stack:  # post-order, iterative: a deep document must not overflow the Python stack
        n, done = stack.pop()
        if id(n) in size:
            continue
        kids = [c for pair in n.value for c in pair] if isinstance(n, yaml.MappingNode) else (
            list(n.value) if isinstance(n, yaml.SequenceNode) else [])
        if not done:
            stack.append((n, True))
            stack.extend((c, False) for c in kids if id(c) not in size)
            continue
        total = 1 + sum(size.get(id(c), 1) for c in kids)
        size[id(n)] = min(total, MAX_YAML_NODES + 1)
        if total > MAX_YAML_NODES:
            raise ValueError(f"the document expands past {MAX_YAML_NODES} nodes (aliases or merge keys)")
    return yaml.load(text, Loader=loader)  # a safe loader (CSafeLoader or SafeLoader)


# -- the scanner's records ---------------------------------------------------------------------


def _a(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word


def reference(r: Any) -> tuple[Any | None, str]:
    """A ``Reference`` made safe, or ``(None, why)`` when it must not be reported: its id is a
    secret, or longer than ``MAX_ID`` (nothing that long names a model, a host or a chip)."""
    rid = r.id if isinstance(r.id, str) else str(r.id)
    if len(rid) > MAX_ID:
        return None, f"{_a(r.kind.value)} value of {len(rid)} characters at line {r.line} was not kept (longer than {MAX_ID})"
    if looks_secret(rid) or looks_secret(clean(r.text, MAX_TEXT)):
        return None, f"{_a(r.kind.value)} value at line {r.line} looks like a credential and was not kept"
    cid = clean(rid, MAX_ID)
    rid2 = redact(cid)
    if rid2 != cid:
        return None, f"{_a(r.kind.value)} value at line {r.line} holds a credential and was not kept"
    attrs = tuple((clean(k, 80), safe(v, MAX_ATTR)) for k, v in r.attributes)
    related = tuple(replace(loc, path=clean_path(loc.path)) for loc in r.related) if r.related else r.related
    new = {"id": cid, "text": safe(r.text, MAX_TEXT), "path": clean_path(r.path), "provider": clean(r.provider, 80),
               "form": clean(r.form, 40), "attributes": attrs, "related": related, "snippet": safe(r.snippet, MAX_SNIPPET)}
    if all(getattr(r, k) == v for k, v in new.items()):
        return r, ""  # the common case: nothing to change (no copy)
    return replace(r, **new), ""


def skipped(s: Any) -> Any:
    return replace(s, path=clean_path(s.path), reason=clean(s.reason, 80), detail=safe(s.detail, MAX_DETAIL))


def suppression(s: Any) -> Any:
    return replace(s, path=clean_path(s.path), rules=tuple(clean(x, 80) for x in s.rules), reason=safe(s.reason, MAX_DETAIL))


def file_result(path: str, refs: list, skips: list, sups: list) -> tuple[list, list, list]:
    """One file's references, skips and suppressions made safe; a dropped reference becomes one
    ``partly analysed`` skip naming why (never the value)."""
    from sovaudit.model import Skipped

    out_refs = []
    notes: list[str] = []
    for r in refs:
        ok, why = reference(r)
        if ok is None:
            notes.append(why)
        else:
            out_refs.append(ok)
    out_skips = [skipped(s) for s in skips]
    if notes:
        more = f" (+{len(notes) - 3} more)" if len(notes) > 3 else ""
        out_skips.append(Skipped(clean_path(path), "partly analysed", clean("; ".join(notes[:3]) + more, MAX_DETAIL)))
    return out_refs, out_skips, [suppression(s) for s in sups]


__all__ = ["MAX_DETAIL", "MAX_ID", "MAX_PATH", "MAX_SNIPPET", "MAX_TEXT", "REDACTED", "clean", "clean_path", "file_result",
           "looks_secret", "redact", "reference", "safe", "skipped", "suppression"]
