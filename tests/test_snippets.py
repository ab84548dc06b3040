"""Snippets carry the source line into reports with secrets redacted; inline suppressions parse in
every comment syntax and need a reason."""

from __future__ import annotations

import pytest

from sovaudit.detect.snippets import redact, snippet, suppressions
from sovaudit.model import Suppression

SECRETS = [
    ('DEEPSEEK_API_KEY=sk-4f9a8b7c6d5e4f3a2b1c0d9e', "DEEPSEEK_API_KEY=[REDACTED]"),
    ('export OPENAI_API_KEY="sk-proj-abcdefghijklmnopqrstuv"', 'export OPENAI_API_KEY="[REDACTED]"'),
    ('client = OpenAI(api_key="sk-abcdefghijklmnopqrstuvwx", base_url=URL)', 'client = OpenAI(api_key="[REDACTED]", base_url=URL)'),
    ("  hf_token: hf_abcdefghijklmnopqrstuvwxyz12", "  hf_token: [REDACTED]"),
    ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCY", "aws_secret_access_key = [REDACTED]"),
    ("curl -H 'Authorization: Bearer sk-ant-api03-abcdefghijklmnop'", "curl -H 'Authorization: Bearer [REDACTED]'"),
]


@pytest.mark.parametrize("line, expected", SECRETS)
def test_secret_values_are_redacted(line, expected):
    assert redact(line) == expected


@pytest.mark.parametrize("line", [
    'api_key=os.environ["DEEPSEEK_API_KEY"]',
    "DEEPSEEK_API_KEY=${DEEPSEEK_API_KEY}",
    "model = AutoModel.from_pretrained('Qwen/Qwen2.5-7B-Instruct')",
    "- name: DEEPSEEK_API_KEY",
    "  valueFrom:",
])
def test_references_to_secrets_and_ordinary_code_are_kept(line):
    assert redact(line) == line


@pytest.mark.parametrize("line, expected", [
    # keys the quick word check sees in any letter case
    ("DB_PASSWORD=correct-horse-battery", "DB_PASSWORD=[REDACTED]"),
    ("X-Auth: Bearer abcdefghij", "X-Auth: Bearer [REDACTED]"),
    ("PrivateKey: abcdefghijk", "PrivateKey: [REDACTED]"),
    # non-ASCII lines always go through the full pattern: re's IGNORECASE folds U+017F (long s) to
    # "s" and U+212A (Kelvin sign) to "k", which str.lower() leaves as they are
    ("\u017fecret = abcdefghijk", "\u017fecret = [REDACTED]"),
    ("API_\u212aEY=abcdefghijk", "API_\u212aEY=[REDACTED]"),
    # no key word: only the token shapes apply
    ("url = 'https://x/?q=hf_abcdefghijklmnopqrstuvwxyz12'", "url = 'https://x/?q=[REDACTED]'"),
])
def test_redaction_needs_no_key_word_check_to_miss_anything(line, expected):
    assert redact(line) == expected


@pytest.mark.parametrize("line, expected", [
    # a '/' before any ':' ends a URL's authority: what follows '@' there is a revision or a tag
    ('source: "hf://zai-org/GLM-5-FP8@main"', 'source: "hf://zai-org/GLM-5-FP8@main"'),
    ("pip install git+https://github.com/org/repo@v1.0", "pip install git+https://github.com/org/repo@v1.0"),
    ("s3://bucket/weights@v2", "s3://bucket/weights@v2"),
    # user-info stays redacted, with or without a password, and a password may hold '/'
    ("https://user:pa/ss@host.example.org/v1", "https://[REDACTED]@host.example.org/v1"),
    ("https://ghtoken@github.com/org/repo@v1.0", "https://[REDACTED]@v1.0"),
    ("postgres://u:p@db/x", "postgres://[REDACTED]@db/x"),
])
def test_url_user_info_but_not_a_revision_is_redacted(line, expected):
    assert redact(line) == expected


def test_snippet_is_the_trimmed_line_and_bounded():
    lines = ["x", "    model = 'gpt-4o'   ", "y" * 1000]
    assert snippet(lines, 2) == "model = 'gpt-4o'"
    assert len(snippet(lines, 3)) == 240 and snippet(lines, 3).endswith("…")
    assert snippet(lines, 9) == ""


def test_suppressions_in_every_comment_syntax():
    text = "\n".join([
        'm = "deepseek-chat"  # sovaudit: ignore[CN-DATA] approved by DPO, ticket SEC-12',
        "// sovaudit: ignore[API-ONLY, CN-DATA] vendor contract signed 2026-10",
        "<!-- sovaudit: ignore[LIC-1] research use only -->",
        "/* sovaudit: ignore[X] */",
        "# sovaudit: ignore[] no rule given",
        "x = 1",
    ])
    assert suppressions("a.py", text) == [
        Suppression("a.py", 1, ("CN-DATA",), "approved by DPO, ticket SEC-12"),
        Suppression("a.py", 2, ("API-ONLY", "CN-DATA"), "vendor contract signed 2026-10"),
        Suppression("a.py", 3, ("LIC-1",), "research use only"),
        Suppression("a.py", 4, ("X",), "", valid=False),
        Suppression("a.py", 5, (), "no rule given", valid=False),
    ]


def test_scan_records_suppressions_and_snippets(tmp_path, kb):
    from sovaudit.detect.scan import scan
    from sovaudit.model import ScanConfig

    (tmp_path / "app.py").write_text(
        "from openai import OpenAI\n"
        "# sovaudit: ignore[CN-DATA] approved by the DPO\n"
        'client = OpenAI(base_url="https://api.deepseek.com", api_key="sk-abcdefghijklmnopqrstuvwxyz")\n'
    )
    res = scan(ScanConfig(root=str(tmp_path), cache_dir="-"), kb)
    assert res.suppressions == (Suppression("app.py", 2, ("CN-DATA",), "approved by the DPO"),)
    url = next(r for r in res.references if r.id == "https://api.deepseek.com")
    assert url.snippet == 'client = OpenAI(base_url="https://api.deepseek.com", api_key="[REDACTED]")'
