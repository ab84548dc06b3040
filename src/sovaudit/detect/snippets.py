"""Source lines for reports (snippets) and inline suppressions, read from text the scanner already
holds. Secret-looking values are redacted from snippets: no secret may reach any output."""

from __future__ import annotations

import re

from sovaudit.model import Suppression

SNIPPET_MAX = 240

# KEY=value / key: value where the key names a secret, and common token shapes anywhere.
_SECRET_ASSIGN = re.compile(
    r"(?P<key>[A-Za-z0-9_.-]*(?:api[_-]?key|apikey|token|secret|passw(?:or)?d|credential|private[_-]?key|access[_-]?key|auth)[A-Za-z0-9_.-]*)"
    r"(?P<sep>[\"']?\s*(?:=|:|:=|=>)\s*)(?P<q>[\"']?)(?P<scheme>(?:Bearer|Basic|Token)\s+)?(?P<val>[^\s\"',;)}\[\]]+)",
    re.IGNORECASE,
)
_TOKEN_SHAPES = re.compile(
    r"\b(?:sk-[A-Za-z0-9_-]{16,}|sk-ant-[A-Za-z0-9_-]{16,}|hf_[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{30,}"
    r"|gh[pousr]_[A-Za-z0-9]{30,}|xox[abpr]-[A-Za-z0-9-]{10,}|eyJ[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})"
)
# values that name where a secret comes from rather than being one
_REFERENCE_VALUE = re.compile(r"^(?:\$|os\.environ|os\.getenv|getenv\(|process\.env|env\(|Deno\.env|secretKeyRef|valueFrom|var\.|settings\.|config\.|<)")


#: Every key ``_SECRET_ASSIGN`` accepts holds one of these (lower-cased). The pattern's leading
#: ``[A-Za-z0-9_.-]*`` makes it try every position of a line (about 27 us for a 50-character line);
#: an ASCII line without any of them cannot match, and is not searched. Other lines are: under
#: IGNORECASE ``re`` folds a few non-ASCII letters (U+017F, U+212A) that ``str.lower`` keeps.
_SECRET_KEY_WORDS = ("key", "token", "secret", "passw", "credential", "auth")


def _assign(m: re.Match) -> str:
    val = m.group("val")
    if _REFERENCE_VALUE.match(val) or len(val) < 4:
        return m.group(0)
    return f"{m.group('key')}{m.group('sep')}{m.group('q')}{m.group('scheme') or ''}[REDACTED]"


def redact(line: str) -> str:
    if not line.isascii() or any(w in line.lower() for w in _SECRET_KEY_WORDS):
        line = _SECRET_ASSIGN.sub(_assign, line)
    return _TOKEN_SHAPES.sub("[REDACTED]", line)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def clean_line(raw: bytes, column: int = 1) -> str:
    """One source line as report text: decoded, cut to ``SNIPPET_MAX`` characters around
    ``column`` *before* anything else runs on it (so every later step is bounded), control and
    bidirectional-override characters removed, secret-looking values redacted."""
    if len(raw) > 4 * SNIPPET_MAX:
        lo = max(0, column - 1 - SNIPPET_MAX // 2)
        raw = raw[lo:lo + 2 * SNIPPET_MAX]
    text = _CONTROL.sub("", raw.decode("utf-8", "replace").replace("\t", " ")).strip()
    cut = len(text) > SNIPPET_MAX
    text = text[:SNIPPET_MAX]
    text = redact(text)
    if cut or len(text) > SNIPPET_MAX:
        text = text[: SNIPPET_MAX - 1] + "…"
    return text


def snippet(lines: list[str], line: int) -> str:
    if not 1 <= line <= len(lines):
        return ""
    return clean_line(lines[line - 1].encode("utf-8", "surrogatepass"))


def with_snippets(refs: list, data: bytes) -> list:
    """``refs`` with the (cleaned, redacted) source line of each as its snippet; lines shared by
    several references are cut and redacted once."""
    from dataclasses import replace

    starts: list[int] | None = None
    by_line: dict[tuple[int, int], str] = {}
    out = []
    for r in refs:
        if r.snippet:
            out.append(r)
            continue
        key = (r.line, r.column if r.column > SNIPPET_MAX // 2 else 0)
        snip = by_line.get(key)
        if snip is None:
            if starts is None:
                starts = [0] + [m.end() for m in re.finditer(b"\n", data)]
            if 1 <= r.line <= len(starts):
                s = starts[r.line - 1]
                e = starts[r.line] - 1 if r.line < len(starts) else len(data)
                snip = clean_line(data[s:e], r.column)
            else:
                snip = ""
            by_line[key] = snip
        out.append(replace(r, snippet=snip))
    return out


_SUPPRESS = re.compile(r"sovaudit:\s*ignore\[(?P<rules>[^\]]*)\](?P<reason>[^\n]*)")
_COMMENT_END = re.compile(r"\s*(?:\*/|-->|#\}|%\}|\"\"\"|''')\s*$")


def suppressions(path: str, text: str) -> list[Suppression]:
    """Every ``sovaudit: ignore[RULE-ID, ...] reason`` in any comment syntax. No reason, or no rule
    id, makes it invalid: it is kept (reports show it) but suppresses nothing."""
    if "sovaudit:" not in text:
        return []
    out: list[Suppression] = []
    for n, line in enumerate(text.splitlines(), 1):
        for m in _SUPPRESS.finditer(line):
            rules = tuple(sorted({r.strip() for r in m.group("rules").split(",") if r.strip()}))
            reason = _COMMENT_END.sub("", m.group("reason")).strip(" \t-:—")
            out.append(Suppression(path, n, rules, reason, valid=bool(rules and reason)))
    return out
