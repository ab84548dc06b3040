"""Source lines for reports (snippets) and inline suppressions, read from text the scanner already
holds. Secret-looking values are redacted from snippets: no secret may reach any output."""

from __future__ import annotations

import re

from sovaudit import sanitize as _sanitize
from sovaudit.model import Suppression

SNIPPET_MAX = 240

#: One secrets policy for the whole tool: ``sovaudit.sanitize`` (linear-time patterns, google-re2).
redact = _sanitize.redact

def clean_line(raw: bytes, column: int = 1) -> str:
    """One source line as report text: decoded, cut to ``SNIPPET_MAX`` characters around
    ``column`` *before* anything else runs on it (so every later step is bounded), control and
    bidirectional-override characters removed, secret-looking values redacted."""
    if len(raw) > 4 * SNIPPET_MAX:
        lo = max(0, column - 1 - SNIPPET_MAX // 2)
        raw = raw[lo:lo + 2 * SNIPPET_MAX]
    text = raw.decode("utf-8", "replace")
    cut = len(text) > SNIPPET_MAX
    # cut (with a little slack, so a secret at the edge is still seen whole), clean, redact, cut
    text = _sanitize.clean(text[:SNIPPET_MAX + 160].replace("\t", " "), SNIPPET_MAX + 160).strip()
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
