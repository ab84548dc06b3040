"""Reading command lines, shared by every detector that meets one: shell scripts, Dockerfile
``RUN``/``CMD``/``ENTRYPOINT``, container ``command``/``args`` in manifests, CI ``run:`` steps.

A command line is split into words the way a POSIX shell does (quotes, backslashes, operators,
line continuations, comments, here-documents) while remembering, for every character of every
word, where it was written -- so a reference found in a YAML block scalar or a Dockerfile
continuation line still points at the right line and column. Unbalanced quotes do not fail: the
quote is then read as an ordinary character. (``shlex`` cannot say where each word was written,
so the splitter is this module's own; the tests check that it agrees with ``shlex.split`` on
balanced input.)

What the words mean comes from the knowledge base: which commands start serving software
(``software.commands``), which flags take a model (``software.model_flags``), which images reveal
hardware or a serving stack (``images``), which hosts belong to a provider, which environment
variables hold a provider's credentials. Only the grammar of the shell (and of ``docker run``)
lives here.

The functions return ``Hit`` objects: what was found and at which absolute offset of the file;
each detector turns them into ``Reference`` objects with its own name and context.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from sovaudit.detectors.base import find_urls, normalize_url, parse_model_string
from sovaudit.model import Context, Kind, Reference
from sovaudit.rules import KnowledgeBase, image_name

# ------------------------------------------------------------------------------------------
# Words with positions
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    """One shell word after quote removal. ``offs[i]`` is the absolute offset (in the file) of
    ``value[i]``; ``start`` that of its first character (inside an opening quote). ``op`` marks
    an operator (``&&``, ``|``, ``;`` ...), which separates commands."""

    value: str
    offs: tuple[int, ...]
    start: int
    op: bool = False
    quoted: bool = False

    def sub(self, i: int, j: int | None = None) -> "Word":
        """The part ``value[i:j]`` with its own positions."""
        j = len(self.value) if j is None else j
        offs = self.offs[i:j]
        start = offs[0] if offs else (self.offs[i - 1] + 1 if 0 < i <= len(self.offs) else self.start)
        return Word(self.value[i:j], offs, start, False, self.quoted)

    @staticmethod
    def plain(value: str, start: int, offs: Sequence[int] | None = None) -> "Word":
        """A word that is not shell-quoted (an exec-form list item); ``offs`` maps each character
        when the text was unescaped (default: contiguous from ``start``)."""
        o = tuple(offs) if offs is not None else tuple(range(start, start + len(value)))
        return Word(value, o, o[0] if o else start)


@dataclass(frozen=True)
class Comment:
    text: str
    start: int  # absolute offset of the first character after '#'


@dataclass
class Script:
    """A shell text split into commands (lists of words), comments and here-document bodies."""

    commands: list[list[Word]] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    heredocs: list[Word] = field(default_factory=list)
    substitutions: list["Script"] = field(default_factory=list)


_OPERATORS = ("&&", "||", ";;", "|&", ";", "&", "|", "(", ")", "\n")
_OPERATOR_FIRST = frozenset(o[0] for o in _OPERATORS)
_REDIRECT_RE = re.compile(r"\d*(?:<<<|<<-|<<|>>|<>|>\||<&|>&|&>>|&>|<|>)")
_SPACE = " \t\r"
#: A run of characters ``_read_word`` takes one by one, as written: none ends a word, quotes,
#: escapes or starts a substitution (``$`` is looked at alone: ``$(``, ``${``).
_PLAIN_RUN = re.compile(r"[^ \t\r\n;&|()<>\\'\"$`]+")


def split_script(text: str, base: int = 0, offs: Sequence[int] | None = None, comments: bool = True) -> Script:
    """Split shell ``text`` into commands. ``base`` (or a per-character ``offs`` map) turns
    positions in ``text`` into absolute file offsets."""
    if offs is None:
        pos = lambda i: base + i  # noqa: E731
    else:
        n = len(offs)
        pos = lambda i: offs[i] if i < n else (offs[-1] + 1 + i - n if n else base + i)  # noqa: E731
    script = Script()
    cur: list[Word] = []
    i, n = 0, len(text)
    pending_heredocs: list[tuple[str, bool]] = []

    def end_command() -> None:
        nonlocal cur
        if cur:
            script.commands.append(cur)
        cur = []

    while i < n:
        c = text[i]
        if c in _SPACE:
            i += 1
            continue
        if c == "\\" and i + 1 < n and text[i + 1] in "\r\n":  # line continuation (LF or CRLF)
            i += 3 if text.startswith("\r\n", i + 1) else 2
            continue
        if c == "\n":
            end_command()
            i += 1
            if pending_heredocs:
                i = _read_heredocs(text, i, pending_heredocs, script, pos)
                pending_heredocs = []
            continue
        if c == "#":
            j = text.find("\n", i)
            j = n if j < 0 else j
            if comments:
                script.comments.append(Comment(text[i + 1 : j], pos(i + 1)))
            i = j
            continue
        # a redirection starts with a digit (``\d``: a decimal), '<', '>' or '&'
        m = _REDIRECT_RE.match(text, i) if c in "<>&" or c.isdecimal() else None
        if m and (m.group(0)[-1] in "<>" or m.group(0).endswith("&") or not m.group(0)[0].isdigit()):
            opname = m.group(0).lstrip("0123456789")
            i = m.end()
            # the redirection target is not an argument
            while i < n and text[i] in _SPACE:
                i += 1
            tgt, i = _read_word(text, i, pos, script)
            if opname in ("<<", "<<-") and tgt is not None:
                pending_heredocs.append((tgt.value, opname == "<<-"))
            continue
        op = next((o for o in _OPERATORS if text.startswith(o, i)), None) if c in _OPERATOR_FIRST else None
        if op is not None:
            end_command()
            i += len(op)
            continue
        w, i = _read_word(text, i, pos, script)
        if w is not None:
            if not cur and w.value in ("{", "}", "!", "then", "do", "else", "elif", "if", "while", "until", "time", "fi", "done", "esac"):
                continue
            cur.append(w)
    end_command()
    return script


def _read_heredocs(text: str, i: int, pending: list[tuple[str, bool]], script: Script, pos) -> int:
    n = len(text)
    for delim, strip_tabs in pending:
        chars: list[str] = []
        offs: list[int] = []
        while i < n:
            j = text.find("\n", i)
            j = n if j < 0 else j
            line = text[i:j]
            if (line.lstrip("\t") if strip_tabs else line).rstrip("\r") == delim:
                i = min(j + 1, n)
                break
            for k in range(i, min(j + 1, n)):
                chars.append(text[k])
                offs.append(pos(k))
            i = j + 1
        else:
            i = n
        if chars:
            script.heredocs.append(Word("".join(chars), tuple(offs), offs[0]))
    return i


def _read_word(text: str, i: int, pos, script: Script) -> tuple[Word | None, int]:
    """Read one word from ``text[i]``: quote removal with per-character positions."""
    n = len(text)
    chars: list[str] = []
    offs: list[int] = []
    start = i
    quoted = False
    while i < n:
        run = _PLAIN_RUN.match(text, i)
        if run is not None:
            j = run.end()
            chars.append(text[i:j])
            offs.extend(map(pos, range(i, j)))
            i = j
            continue
        c = text[i]
        if c in _SPACE or c == "\n":
            break
        if c in ";&|()<>" :
            # '<(' / '>(' process substitution and operators end the word
            break
        if c == "\\":
            if i + 1 < n:
                if text[i + 1] in "\r\n":
                    i += 3 if text.startswith("\r\n", i + 1) else 2
                    continue
                chars.append(text[i + 1])
                offs.append(pos(i + 1))
                i += 2
                continue
            i += 1
            continue
        if c == "'":
            j = text.find("'", i + 1)
            if j < 0:  # unbalanced: the quote is an ordinary character
                chars.append(c)
                offs.append(pos(i))
                i += 1
                continue
            quoted = True
            for k in range(i + 1, j):
                chars.append(text[k])
                offs.append(pos(k))
            i = j + 1
            continue
        if c == '"':
            if not _closes(text, i + 1):  # unbalanced: the quote is an ordinary character
                chars.append(c)
                offs.append(pos(i))
                i += 1
                continue
            quoted = True
            k = i + 1
            while k < n and text[k] != '"':
                if text[k] == "\\" and k + 1 < n and text[k + 1] in '"\\$`\n':
                    if text[k + 1] != "\n":
                        chars.append(text[k + 1])
                        offs.append(pos(k + 1))
                    k += 2
                    continue
                if text.startswith("$(", k):
                    k = _read_substitution(text, k, pos, script, chars, offs)
                    continue
                chars.append(text[k])
                offs.append(pos(k))
                k += 1
            i = k + 1
            continue
        if text.startswith("$(", i) or c == "`":
            i = _read_substitution(text, i, pos, script, chars, offs)
            continue
        if text.startswith("${", i):
            j = _match_brace(text, i + 1)
            for k in range(i, j):
                chars.append(text[k])
                offs.append(pos(k))
            i = j
            continue
        chars.append(c)
        offs.append(pos(i))
        i += 1
    if i == start:
        return None, i + 1
    if not chars and not quoted:
        return None, i
    return Word("".join(chars), tuple(offs), offs[0] if offs else pos(start), False, quoted), i


def _closes(text: str, k: int) -> bool:
    """Is the double quote opened before ``text[k]`` closed?"""
    n = len(text)
    while k < n:
        if text[k] == "\\":
            k += 2
            continue
        if text[k] == '"':
            return True
        k += 1
    return False


def _match_brace(text: str, i: int) -> int:
    """``text[i] == '{'``: index after the matching ``}`` (or the end)."""
    depth = 0
    n = len(text)
    while i < n:
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def _read_substitution(text: str, i: int, pos, script: Script, chars: list[str], offs: list[int]) -> int:
    """``$( ... )`` or a backquoted command: kept in the word as written (so the word is not a
    literal value) and analysed as a script of its own."""
    n = len(text)
    if text[i] == "`":
        j = text.find("`", i + 1)
        j = n if j < 0 else j
        inner_start, inner_end, end = i + 1, j, min(j + 1, n)
    else:
        depth = 0
        j = i + 1
        q = ""
        while j < n:
            ch = text[j]
            if q:
                if ch == q:
                    q = ""
                elif ch == "\\" and q == '"':
                    j += 1
            elif ch in "'\"":
                q = ch
            elif ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        inner_start, inner_end, end = i + 2, j, min(j + 1, n)
    script.substitutions.append(split_script(text[inner_start:inner_end], offs=[pos(k) for k in range(inner_start, inner_end)] or None, base=pos(inner_start)))
    for k in range(i, end):
        chars.append(text[k])
        offs.append(pos(k))
    return end


# ------------------------------------------------------------------------------------------
# What was found
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """One finding at an absolute file offset. ``text`` is the string as written (quotes and
    secrets never included)."""

    kind: Kind
    id: str
    text: str
    offset: int
    form: str
    confidence: float
    provider: str = ""
    attributes: tuple[tuple[str, str], ...] = ()
    comment: bool = False

    def key(self) -> tuple:
        return (self.kind.value, self.id, self.offset, self.form)


def dedupe(hits: Iterable[Hit]) -> list[Hit]:
    """One hit per (kind, id, offset): the most confident one."""
    best: dict[tuple, Hit] = {}
    for h in hits:
        k = (h.kind, h.id, h.offset)
        prev = best.get(k)
        if prev is None or (h.confidence, not h.comment) > (prev.confidence, not prev.comment):
            best[k] = h
    return sorted(best.values(), key=lambda h: (h.offset, h.kind.value, h.id))


# ------------------------------------------------------------------------------------------
# Names that say "model", names that hold secrets
# ------------------------------------------------------------------------------------------

_NON_ALNUM_RE = re.compile(r"[^A-Za-z0-9]+")
_CAMEL_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_MODEL_SUFFIXES = frozenset({(), ("id",), ("name",), ("path",), ("repo",), ("repo", "id"), ("uri",), ("url",), ("name", "or", "path"),
                             ("identifier",), ("ref",), ("hf",), ("hub", "id"), ("source",)})
_SECRET_TOKENS = frozenset({"token", "tokens", "secret", "secrets", "password", "passwords", "passwd", "pwd", "pass", "passphrase",
                            "credential", "credentials", "creds", "apikey", "auth", "authorization", "cookie", "bearer", "pat",
                            "privatekey", "sas", "connectionstring", "dsn", "signature"})
_SECRET_SUBSTR_RE = re.compile(r"apikey|secret|passw|credential|accesstoken|authtoken|privatekey|bearer", re.IGNORECASE)


@functools.lru_cache(maxsize=1 << 16)
def _name_tokens(name: str) -> tuple[str, ...]:
    s = _CAMEL_RE.sub("_", name.strip().lstrip("-$").strip("{}"))
    return tuple(t for t in _NON_ALNUM_RE.split(s.lower()) if t)


def name_tokens(name: str) -> list[str]:
    """``LLM_MODEL_ID`` / ``servedModelName`` / ``--model-name`` -> lower-case words. Memoised: the
    same key names come back in every manifest and on every line."""
    return list(_name_tokens(name))


@functools.lru_cache(maxsize=1 << 16)
def is_model_key(name: str, plural: bool = False) -> bool:
    """Does a variable, key or flag name say that its value is a model? ``MODEL``, ``LLM_MODEL``,
    ``model_id``, ``modelName``, ``servedModelName``, ``--model-name-or-path``, ``embedding_model``;
    not ``max_model_len``, ``model_dir``, ``model_type``. ``plural`` also accepts ``models``."""
    toks = name_tokens(name)
    words = ("model", "models") if plural else ("model",)
    for idx in range(len(toks) - 1, -1, -1):
        if toks[idx] in words:
            return tuple(toks[idx + 1 :]) in _MODEL_SUFFIXES and not any(t in ("max", "min", "num", "n") for t in toks[:idx])
    return False


@functools.lru_cache(maxsize=1 << 16)
def is_secret_name(name: str) -> bool:
    """Names whose values must never be read or copied (API keys, tokens, passwords)."""
    toks = name_tokens(name)
    if any(t in _SECRET_TOKENS for t in toks) or _SECRET_SUBSTR_RE.search(name):
        return True
    # API_KEY, ACCESS_KEY, OPENAI_KEY, ssh_keys -- but not a bare "key" (a label key)
    return any(t in ("key", "keys") for t in toks[1:])


# ------------------------------------------------------------------------------------------
# Values
# ------------------------------------------------------------------------------------------

_DEFAULT_RE = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*:?[-=]")
_JSON_MODEL_RE = re.compile(r"""["']([A-Za-z_][A-Za-z0-9_]*)["']\s*:\s*["']([^"'\s]+)["']""")


def literal_part(w: Word) -> Word | None:
    """The literal value of a word: itself, or the default of ``${VAR:-default}``; None for a
    value that is (or contains) an expansion."""
    v = w.value
    m = _DEFAULT_RE.match(v)
    if m and v.endswith("}"):
        inner = w.sub(m.end(), len(v) - 1)
        return literal_part(inner) if inner.value else None
    if "$" in v or "`" in v:
        return None
    return w


_PARSE_CACHE: dict[tuple, object] = {}


def _parse(raw: str, kb: KnowledgeBase, hint: str):
    """``parse_model_string`` memoised: scripts and manifests repeat the same words a lot."""
    key = (id(kb), kb.version, raw, hint)
    try:
        return _PARSE_CACHE[key]
    except KeyError:
        pass
    if len(_PARSE_CACHE) > 100_000:
        _PARSE_CACHE.clear()
    ms = _PARSE_CACHE[key] = parse_model_string(raw, kb, hint)
    return ms


def model_hit(w: Word, kb: KnowledgeBase, hint: str, confidence: float = 1.0, attrs: dict[str, str] | None = None,
              form: str = "") -> Hit | None:
    """A model hit if ``w``'s literal value names a model under ``hint``."""
    lit = literal_part(w)
    if lit is None or not lit.value.strip():
        return None
    ms = _parse(lit.value, kb, hint)
    if ms is None:
        return None
    a = dict(ms.attributes)
    a.update(attrs or {})
    return Hit(Kind.MODEL, ms.id, lit.value, lit.start, form or ms.form, ms.confidence * confidence, ms.provider, tuple(sorted(a.items())))


def _safe_url_text(url: str) -> str:
    """The URL as written up to its query, with any user:password removed."""
    u = re.split(r"[?#]", url, maxsplit=1)[0]
    return re.sub(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@", r"\1", u)


def url_hits(w: Word, kb: KnowledgeBase, always: bool = False, confidence: float = 0.9) -> list[Hit]:
    """Endpoint hits for http(s) URLs in ``w`` whose host the knowledge base knows (every URL
    with ``always``, e.g. an ``api_base``)."""
    out = []
    for off, url in find_urls(w.value):
        if "$" in url or "{" in url:
            continue
        prov = kb.provider_for_url(url)
        if prov is None and not always:
            continue
        out.append(Hit(Kind.ENDPOINT, normalize_url(url), _safe_url_text(url), w.offs[off] if off < len(w.offs) else w.start, "url",
                       confidence, prov.id if prov is not None else ""))
    return out


def env_key_hit(name: str, offset: int, kb: KnowledgeBase, confidence: float = 0.9) -> Hit | None:
    """An environment variable that a provider's client reads (``OPENAI_API_KEY``) says the code
    talks to that provider. Only the name is recorded -- never the value."""
    prov = kb.provider_for_env(name)
    if prov is None:
        return None
    return Hit(Kind.ENDPOINT, prov.id, name, offset, "env", confidence, prov.id, (("env", name),))


def image_hits(w: Word, kb: KnowledgeBase, confidence: float = 0.9, image: str = "") -> list[Hit]:
    """A container image: the hardware and serving software its name reveals (``kb.images``),
    and the model an image carries when a serving image pattern ends in a wildcard that covers
    ``org/name`` (NIM: ``nvcr.io/nim/meta/llama-3.1-8b-instruct:1.0``)."""
    lit = literal_part(w)
    if lit is None:
        return []
    image = (image or lit.value).strip()
    if image.startswith("docker://"):
        image = image[len("docker://"):]
    if not image or any(ch.isspace() for ch in image):
        return []
    out: list[Hit] = []
    name = image_name(image).lower()
    for e in kb.images(image):
        if e.section == "hardware":
            out.append(Hit(Kind.HARDWARE, e.id, lit.value, lit.start, "image", confidence, e.id, (("image", name),)))
        else:
            out.append(Hit(Kind.PACKAGE, e.id, lit.value, lit.start, "image", confidence, "", (("image", name),)))
            mid = _model_in_image(name, e, kb)
            if mid is not None:
                out.append(Hit(Kind.MODEL, mid, lit.value, lit.start, "image", confidence, "", (("image", name), ("software", e.id))))
    return out


def _model_in_image(name: str, entry, kb: KnowledgeBase) -> str | None:
    import fnmatch

    if entry.get("kind") != "serving":
        return None
    for pat in entry.get("images", []):
        pat = pat.lower()
        star = pat.find("*")
        if star < 0 or not fnmatch.fnmatchcase(name, pat):
            continue
        prefix = pat[:star]
        if "/" not in prefix or not prefix.endswith("/") or not name.startswith(prefix):
            continue
        rest = name[len(prefix):]
        if rest.count("/") != 1:
            continue
        ms = parse_model_string(rest, kb, "model")
        if ms is not None and ms.form == "hf":
            return ms.id
    return None


# ------------------------------------------------------------------------------------------
# Commands
# ------------------------------------------------------------------------------------------

_ASSIGN_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(\+?=)")
_PYTHON_RE = re.compile(r"^python(\d+(\.\d+)?)?$")
_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ash", "ksh"})
_WRAPPERS = frozenset({"sudo", "exec", "nohup", "time", "nice", "stdbuf", "command", "builtin", "eval", "xargs", "setsid",
                       "doas", "chronic", "caffeinate", "srun", "mpirun"})
_RUNNERS = {("uv", "run"), ("poetry", "run"), ("pipenv", "run"), ("pdm", "run"), ("hatch", "run"), ("rye", "run"),
            ("pixi", "run"), ("conda", "run"), ("mamba", "run"), ("micromamba", "run"), ("uvx",), ("pipx", "run")}
_RUNNER_FIRST = frozenset(r[0] for r in _RUNNERS)
_DECLARE = frozenset({"export", "local", "declare", "readonly", "typeset", "set", "setenv"})
_CONTAINER_CLIS = frozenset({"docker", "podman", "nerdctl"})
_REPO_TOOLS = frozenset({"git", "gh", "hub", "glab"})
#: ``docker run`` options that take no value (everything else starting with '-' takes one).
_DOCKER_BOOL = frozenset({"-d", "--detach", "-i", "--interactive", "-t", "--tty", "-it", "-ti", "-dit", "-itd", "--rm", "--privileged",
                          "--init", "--read-only", "-P", "--publish-all", "--no-healthcheck", "--oom-kill-disable", "--sig-proxy",
                          "-q", "--quiet", "--disable-content-trust", "--help"})


def _base(v: str) -> str:
    return v.rsplit("/", 1)[-1]


def analyze_script(script: Script, kb: KnowledgeBase, comments: bool = True) -> list[Hit]:
    """Every hit in a split shell text: its commands, here-documents, command substitutions and
    (if ``comments``) strings in comments that the knowledge base vouches for."""
    out: list[Hit] = []
    for cmd in script.commands:
        out.extend(analyze_argv(cmd, kb, shell=True))
    for sub in script.substitutions:
        out.extend(analyze_script(sub, kb, comments))
    for body in script.heredocs:
        out.extend(text_hits(body, kb))
    if comments:
        for c in script.comments:
            out.extend(comment_hits(c.text, c.start, kb))
    return out


def analyze_shell(text: str, kb: KnowledgeBase, base: int = 0, offs: Sequence[int] | None = None, comments: bool = True) -> list[Hit]:
    """Split and analyse a shell text (a script, a ``RUN`` line, a CI ``run:`` block)."""
    return dedupe(analyze_script(split_script(text, base, offs, comments), kb, comments))


def analyze_argv(words: list[Word], kb: KnowledgeBase, shell: bool = False, depth: int = 0) -> list[Hit]:
    """Analyse one command given as words (an exec-form list, or one command of a script).
    ``shell`` says the words came from a shell text (so ``NAME=value`` prefixes are assignments)."""
    out: list[Hit] = []
    if depth > 4:
        return out
    i = 0
    n = len(words)
    # leading assignments, declarations and wrappers
    while i < n:
        v = words[i].value
        m = _ASSIGN_RE.match(v)
        if m and (shell or i == 0 and n == 1):
            out.extend(assignment_hits(m.group(1), words[i].sub(m.end()), kb, words[i].start))
            i += 1
            continue
        if v in _DECLARE:
            i += 1
            while i < n and (words[i].value.startswith("-") or _ASSIGN_RE.match(words[i].value)):
                m = _ASSIGN_RE.match(words[i].value)
                if m:
                    out.extend(assignment_hits(m.group(1), words[i].sub(m.end()), kb, words[i].start))
                i += 1
            if v == "setenv" and i + 1 < n:  # csh: setenv NAME value
                out.extend(assignment_hits(words[i].value, words[i + 1], kb, words[i].start))
            return out
        b = _base(v)
        if b in _WRAPPERS or b == "env" or b == "timeout":
            i += 1
            while i < n and words[i].value.startswith("-"):
                i += 1
            if b == "timeout" and i < n:
                i += 1
            continue
        runner = None
        if v in _RUNNER_FIRST:  # a runner's first word: only then compare whole runners
            runner = next((r for r in _RUNNERS if tuple(w.value for w in words[i : i + len(r)]) == r), None)
        if runner is not None:
            i += len(runner)
            while i < n and words[i].value.startswith("-"):
                flag = words[i].value
                i += 1
                if flag in ("-n", "--name", "-p", "--prefix", "--with", "--python", "-e", "--env") and i < n:
                    i += 1
            continue
        break
    words = words[i:]
    n = len(words)
    if not n:
        return out
    if words[0].value.startswith("-"):
        # arguments only (container ``args``, a ``CMD`` for an image's entrypoint)
        return out + flag_hits(words, kb, 0)
    argv0 = _base(words[0].value)
    # sh -c 'script'
    if argv0 in _SHELLS:
        for k in range(1, n):
            f = words[k].value
            if f.startswith("-") and not f.startswith("--") and "c" in f[1:]:
                if k + 1 < n:
                    w = words[k + 1]
                    out.extend(analyze_script(split_script(w.value, offs=w.offs or None, base=w.start), kb))
                return out
            if not f.startswith("-"):
                break
        return out
    # docker run IMAGE ARGS...
    if argv0 in _CONTAINER_CLIS and n > 1:
        return out + _docker(words, kb, depth)
    # pip install PACKAGE
    out.extend(_pip(words, kb))
    # python -m module ...: the words that name the command, each with its index in ``words``
    cmd: list[tuple[str, int]] = [(argv0.lower(), 0)]
    k = 1
    if _PYTHON_RE.match(argv0):
        cmd = [("python", 0)]
        while k < n and words[k].value.startswith("-"):
            f = words[k].value
            if f == "-m" and k + 1 < n:
                cmd += [("-m", k), (words[k + 1].value, k + 1)]
                k += 2
                break
            if f.startswith("-m") and len(f) > 2:
                cmd += [("-m", k), (f[2:], k)]
                k += 1
                break
            if f == "-c":
                if k + 1 < n:
                    out.extend(python_snippet_hits(words[k + 1], kb))
                return out
            k += 1
        else:
            if k < n:  # python script.py ...
                cmd.append((words[k].value, k))
                k += 1
    if argv0 in _REPO_TOOLS:  # `gh repo clone owner/repo` names GitHub repos; a Hub URL is a model
        for w in words[1:]:
            out.extend(url_hits(w, kb))
            if "://" in w.value:
                h = model_hit(w, kb, "hf")
                if h is not None and h.form == "hf-uri":
                    out.append(h)
        return out
    cmd += [(words[j].value, j) for j in range(k, n)]
    sw, used = _software([c for c, _ in cmd], kb)
    first_arg = k
    if sw is not None:
        label = " ".join(c for c, _ in cmd[:used])
        at = words[cmd[used - 1][1]] if cmd[0][0] == "python" else words[0]
        out.append(Hit(Kind.PACKAGE, sw.id, at.value, at.start, "command", 0.9, "", (("command", label),)))
        nxt = cmd[used - 1][1] + 1
        first_arg = max(first_arg, nxt)
        # the word right after a sub-command (`vllm serve X`, `ollama pull X`) names the model
        creates = cmd[used - 1][0].lower() in ("create", "cp", "copy", "push", "rm")  # `ollama create NAME`: a new name
        if used >= 2 and cmd[0][0] != "python" and nxt < n and not words[nxt].value.startswith("-") and not creates:
            # a Hub-shaped id, an Ollama name; any other bare word only if the kb vouches for it
            # (`serve run app:deployment` names an import path, not a model)
            val = words[nxt].value
            hint = "ollama" if sw.id.lower() == "ollama" else ("hf" if "/" in val else "")
            h = model_hit(words[nxt], kb, hint, 1.0, {"command": label})
            if h is not None:
                out.append(h)
                first_arg = nxt + 1
    out.extend(flag_hits(words, kb, first_arg, known=sw is not None))
    return _attach_aliases(out, _alias_words(words))


_SOFTWARE_INDEX: list = [None, {}]  # [the kb it was built for, first command word -> [(words, entry)]]


def _software_index(kb: KnowledgeBase) -> dict[str, list[tuple[list[str], Any]]]:
    if _SOFTWARE_INDEX[0] is not kb:
        index: dict[str, list[tuple[list[str], Any]]] = {}
        for s in kb.section("software"):
            for c in s.get("commands", []):
                cw = c.lower().split()
                if cw:
                    index.setdefault(cw[0], []).append((cw, s))
        _SOFTWARE_INDEX[0], _SOFTWARE_INDEX[1] = kb, index
    return _SOFTWARE_INDEX[1]


def _software(cmd_words: list[str], kb: KnowledgeBase):
    """The software entry whose ``commands`` best (longest) match the start of ``cmd_words``,
    and how many words matched (the first such entry in the kb's order when several do)."""
    best = (None, 0)
    if not cmd_words:
        return best
    candidates = _software_index(kb).get(cmd_words[0].lower())
    if not candidates:
        return best
    lw = [w.lower() for w in cmd_words]
    for cw, s in candidates:
        if lw[: len(cw)] == cw and len(cw) > best[1]:
            best = (s, len(cw))
    return best


def flag_hits(words: list[Word], kb: KnowledgeBase, start: int = 1, known: bool = False) -> list[Hit]:
    """Models given to flags: ``--model X``, ``--model=X`` (``kb.model_flags``), and flags whose
    name says model (``--model-name-or-path``, ``--base-model``)."""
    out: list[Hit] = []
    aliases: list[Word] = []
    flags = kb.model_flags
    n = len(words)
    k = start
    while k < n:
        w = words[k]
        v = w.value
        if not v.startswith("-") or v in ("-", "--") or w.quoted and not v.startswith("--"):
            out.extend(_word_hits(w, kb))
            k += 1
            continue
        name, eq, _ = v.partition("=")
        in_kb = name in flags
        alias = _is_alias_flag(name)
        if alias or in_kb or (name.startswith("--") and is_model_key(name) and name_tokens(name)[-1:] != ["name"]):
            if eq:
                val = w.sub(len(name) + 1)
                nxt = k + 1
            elif k + 1 < n and not words[k + 1].value.startswith("-"):
                val = words[k + 1]
                nxt = k + 2
            else:
                k += 1
                continue
            out.extend(url_hits(val, kb))
            k = nxt
            if alias:  # `--served-model-name chat`: the public alias, not a model
                aliases.append(val)
                continue
            if known and in_kb:
                hint = "hf"
            elif "/" in val.value or not in_kb:
                hint = "model"
            else:  # a bare word after a generic flag of an unknown tool (`lm_eval --model vllm`): kb-vouched only
                hint = ""
            h = model_hit(val, kb, hint, 1.0 if in_kb else 0.9, {"flag": name})
            if h is not None:
                out.append(h)
            continue
        if eq:
            out.extend(url_hits(w, kb))
        k += 1
    return _attach_aliases(out, aliases)


def _attach_aliases(hits: list[Hit], aliases: list[Word]) -> list[Hit]:
    """Keep the alias a model is served under (``--served-model-name``) beside the model."""
    from dataclasses import replace

    served = [a.value for a in aliases if literal_part(a) is not None]
    if not served:
        return hits
    return [replace(h, attributes=tuple(sorted(dict(h.attributes, served_name=",".join(served)).items())))
            if h.kind is Kind.MODEL and not h.comment else h for h in hits]


def _alias_words(words: list[Word]) -> list[Word]:
    out = []
    for k, w in enumerate(words):
        name, eq, _ = w.value.partition("=")
        if name.startswith("-") and _is_alias_flag(name):
            if eq:
                out.append(w.sub(len(name) + 1))
            elif k + 1 < len(words):
                out.append(words[k + 1])
    return out


def _is_alias_flag(name: str) -> bool:
    """``--served-model-name``, ``--model-alias``: the name a server exposes, not the model."""
    toks = name_tokens(name)
    return ("served" in toks or "alias" in toks) and ("model" in toks or "name" in toks)


def _word_hits(w: Word, kb: KnowledgeBase) -> list[Hit]:
    """An ordinary argument: known-provider URLs, JSON payloads with a model key (``curl -d``),
    and strings the knowledge base vouches for (a Hub id of a known publisher, a Hub URL)."""
    out = url_hits(w, kb)
    v = w.value
    if "{" in v and ":" in v:
        out.extend(json_hits(w, kb))
        return out
    lit = literal_part(w)
    if lit is not None and "/" in lit.value and not kb.images(lit.value):
        h = model_hit(lit, kb, "", 0.8)
        if h is not None and h.form in ("hf", "hf-uri"):
            out.append(h)
    return out


_PY_CALL_ARG_RE = re.compile(r"""([A-Za-z_][A-Za-z0-9_.]*)\(\s*(?:[A-Za-z_]+\s*=\s*)?(['"])([^'"\s]+)\2""")


def python_snippet_hits(w: Word, kb: KnowledgeBase) -> list[Hit]:
    """``python -c "...SentenceTransformer('org/name')..."``: a Hub-shaped string given to a call,
    or a model-named keyword (``model="gpt-4o"``); other strings only when the kb vouches."""
    out: list[Hit] = list(url_hits(w, kb))
    seen: set[int] = set()
    for m in _PY_CALL_ARG_RE.finditer(w.value):
        val = m.group(3)
        h = model_hit(w.sub(m.start(3), m.end(3)), kb, "hf" if "/" in val else "", 0.9, {"call": m.group(1).rsplit(".", 1)[-1]})
        if h is not None:
            out.append(h)
            seen.add(m.start(3))
    for m in re.finditer(r"""([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(['"])([^'"\s]+)\2""", w.value):
        if m.start(3) not in seen and is_model_key(m.group(1)):
            h = model_hit(w.sub(m.start(3), m.end(3)), kb, "model", 0.9, {"key": m.group(1)})
            if h is not None:
                out.append(h)
    return out


def json_hits(w: Word, kb: KnowledgeBase) -> list[Hit]:
    """``{"model": "gpt-4o", ...}`` inside a word or text: values of model-named keys."""
    out: list[Hit] = []
    for m in _JSON_MODEL_RE.finditer(w.value):
        key = m.group(1)
        if is_model_key(key):
            h = model_hit(w.sub(m.start(2), m.end(2)), kb, "model", 0.95, {"key": key})
            if h is not None:
                out.append(h)
    return out


def assignment_hits(name: str, value: Word, kb: KnowledgeBase, name_at: int | None = None, confidence: float = 1.0) -> list[Hit]:
    """``NAME=value`` (shell, ENV, compose environment, k8s env): a model when the name says
    so, a provider when the name is a provider's variable, an endpoint for a known-host URL.
    The value of a secret-named variable is never read."""
    out: list[Hit] = []
    key = env_key_hit(name, value.start if name_at is None else name_at, kb)
    if key is not None:
        out.append(key)
    if is_secret_name(name):
        return out
    if is_model_key(name):
        h = model_hit(value, kb, "model", confidence, {"env": name})
        if h is not None:
            out.append(h)
    lit = literal_part(value)
    if lit is not None:
        out.extend(url_hits(lit, kb, always=key is not None or is_endpoint_key(name, kb)))
    return out


_URL_TAILS = (("base", "url"), ("api", "base"), ("endpoint",), ("host",), ("url",), ("uri",), ("base", "uri"), ("api", "url"),
              ("address",), ("server",))
_AI_WORDS = frozenset({"llm", "llms", "model", "models", "inference", "embedding", "embeddings", "embed", "chat", "completion",
                       "completions", "ai", "genai", "gpt", "lm", "vllm", "tgi", "tei", "ollama", "serving", "triton", "rerank",
                       "reranker", "generation", "openai", "nim"})


def is_endpoint_key(name: str, kb: KnowledgeBase) -> bool:
    """``LLM_BASE_URL``, ``OLLAMA_HOST``, ``EMBEDDINGS_URL``, ``ANTHROPIC_BASE_URL``: a URL-valued
    name that says it reaches a model server (an AI word, or a provider's own prefix from the kb)."""
    toks = name_tokens(name)
    if not any(len(toks) >= len(t) and tuple(toks[-len(t):]) == t for t in _URL_TAILS):
        return False
    return bool(set(toks) & (_AI_WORDS | _provider_words(kb)))


def _provider_words(kb: KnowledgeBase) -> frozenset[str]:
    key = ("provider_words", id(kb), kb.version)
    hit = _PARSE_CACHE.get(key)
    if hit is None:
        words: set[str] = set()
        for var in kb.env_var_names:
            toks = name_tokens(var)
            while toks and toks[-1] in ("api", "key", "token", "secret", "host", "url", "base", "endpoint", "id", "access"):
                toks = toks[:-1]
            words.update(t for t in toks if len(t) > 2)
        hit = _PARSE_CACHE[key] = frozenset(words)
    return hit  # type: ignore[return-value]


def _docker(words: list[Word], kb: KnowledgeBase, depth: int) -> list[Hit]:
    out: list[Hit] = []
    n = len(words)
    sub = words[1].value
    k = 2
    if sub in ("container", "image") and n > 2:
        sub = words[2].value
        k = 3
    if sub == "pull" or sub == "push":
        while k < n and words[k].value.startswith("-"):
            k += 1
        if k < n:
            out.extend(image_hits(words[k], kb))
        return out
    if sub not in ("run", "create"):
        return out
    while k < n:
        v = words[k].value
        if not v.startswith("-"):
            break
        name, eq, _ = v.partition("=")
        if name in ("-e", "--env") and not eq and k + 1 < n:
            m = _ASSIGN_RE.match(words[k + 1].value)
            if m:
                out.extend(assignment_hits(m.group(1), words[k + 1].sub(m.end()), kb, words[k + 1].start))
            else:
                h = env_key_hit(words[k + 1].value, words[k + 1].start, kb)
                if h:
                    out.append(h)
            k += 2
            continue
        if name in _DOCKER_BOOL or eq or (name.startswith("-") and not name.startswith("--") and len(name) > 2 and name[1:].isalpha() and set(name[1:]) <= set("dit")):
            k += 1
            continue
        k += 2
    if k < n:
        out.extend(image_hits(words[k], kb))
        if k + 1 < n:
            rest = words[k + 1 :]
            if rest[0].value.startswith("-"):
                out.extend(flag_hits(rest, kb, 0, known=bool(kb.images(words[k].value))))
            else:
                out.extend(analyze_argv(rest, kb, shell=False, depth=depth + 1))
    return out


_PIP_CMDS = (("pip", "install"), ("pip3", "install"), ("uv", "pip", "install"), ("uv", "add"), ("poetry", "add"), ("pipx", "install"),
             ("conda", "install"), ("mamba", "install"))


def _pip(words: list[Word], kb: KnowledgeBase) -> list[Hit]:
    vals = [_base(words[0].value)] + [w.value for w in words[1:]]
    if _PYTHON_RE.match(vals[0]) and vals[1:3] == ["-m", "pip"]:
        vals = ["pip"] + vals[3:]
        words = words[2:]
    cmd = next((c for c in _PIP_CMDS if tuple(vals[: len(c)]) == c), None)
    if cmd is None:
        return []
    out = []
    skip_next = False
    for w in words[len(cmd):]:
        v = w.value
        if skip_next:
            skip_next = False
            continue
        if v.startswith("-"):
            skip_next = v in ("-r", "--requirement", "-c", "--constraint", "-i", "--index-url", "--extra-index-url", "-f",
                              "--find-links", "-t", "--target", "--python", "-c", "--channel", "-n", "--name")
            continue
        m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)", v)
        if not m or "/" in v or "://" in v:
            continue
        pkg = m.group(1)
        e = kb.package(pkg)
        if e is None:
            continue
        kind = Kind.HARDWARE if e.section == "hardware" else Kind.PACKAGE
        out.append(Hit(kind, e.id, pkg, w.start, "pip", 0.85, e.id if e.section != "software" else "", (("package", pkg),)))
    return out


# ------------------------------------------------------------------------------------------
# Free text: comments, here-documents
# ------------------------------------------------------------------------------------------

_TOKEN_RE = re.compile(r"[^\s'\"`,;()\[\]{}<>|*]+")


def comment_hits(text: str, start: int, kb: KnowledgeBase) -> list[Hit]:
    """Strings in a comment that the knowledge base vouches for (known publisher's Hub id, a
    Hub URL, an API model name) -- no hint, so a bare word is never a model. Marked comment."""
    out: list[Hit] = []
    w = Word.plain(text, start)
    for h in text_hits(w, kb, with_json=False):
        out.append(Hit(h.kind, h.id, h.text, h.offset, h.form, round(h.confidence * 0.6, 2), h.provider, h.attributes, True))
    return out


def text_hits(w: Word, kb: KnowledgeBase, with_json: bool = True) -> list[Hit]:
    """Vouched-for strings in free text (a here-document body, a comment)."""
    out: list[Hit] = list(url_hits(w, kb))
    if with_json:
        out.extend(json_hits(w, kb))
    for m in _TOKEN_RE.finditer(w.value):
        tok = m.group(0).rstrip(".:!?")
        if len(tok) < 3 or tok.startswith(("http://", "https://")) and "huggingface.co" not in tok and "hf.co" not in tok:
            continue
        if "://" in tok and not tok.startswith(("hf://", "http")):
            continue
        if "/" not in tok and not re.search(r"[0-9.-]", tok):
            continue  # a plain word: no API model name is one
        ms = _parse(tok, kb, "")
        if ms is None or ms.form == "hf" and kb.images(tok):  # `nvidia/cuda` names an image
            continue
        if ms.form == "litellm" and _parse(tok.split("/", 1)[1], kb, "") is None:
            continue  # `github/codeql-action/init`: a route prefix alone vouches for nothing
        if tok.count("/") > 1 and ms.form != "hf-uri":
            continue
        out.append(Hit(Kind.MODEL, ms.id, tok, w.offs[m.start()] if m.start() < len(w.offs) else w.start, ms.form,
                       ms.confidence * 0.9, ms.provider, tuple(sorted(ms.attributes.items()))))
    return out



# ------------------------------------------------------------------------------------------
# Hits to references
# ------------------------------------------------------------------------------------------


class LineIndex:
    """Offsets to 1-based (line, column), fast for many look-ups."""

    def __init__(self, text: str):
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def __call__(self, offset: int) -> tuple[int, int]:
        import bisect

        i = bisect.bisect_right(self.starts, offset) - 1
        return i + 1, offset - self.starts[i] + 1


def to_references(det, f, hits: Iterable[Hit], context: Context, index: LineIndex | None = None) -> list[Reference]:
    """Turn hits into references of detector ``det`` for file ``f``; comment hits get the
    comment context."""
    index = index or LineIndex(f.text)
    out = []
    for h in dedupe(hits):
        line, col = index(h.offset)
        out.append(det.ref(f, h.kind, h.id, h.text, line, col, h.form, Context.COMMENT if h.comment else context,
                           h.confidence, h.provider, dict(h.attributes)))
    return out


__all__ = [
    "Word", "Script", "Hit", "split_script", "analyze_shell", "analyze_script", "analyze_argv", "flag_hits",
    "assignment_hits", "image_hits", "url_hits", "env_key_hit", "model_hit", "comment_hits", "text_hits", "is_model_key",
    "is_secret_name", "literal_part", "dedupe", "LineIndex", "to_references",
]
