"""Stage 6: writers. Each consumes only the final ``ScanResult`` (see ``report.context`` for the
knowledge-base evidence, policy and report time copied into it before writing)."""

from __future__ import annotations

import importlib
from typing import Callable

#: format -> (module, function, file name written by --output-dir)
FORMATS: dict[str, tuple[str, str, str]] = {
    "json": ("jsondoc", "dumps", "sovaudit.json"),
    "html": ("html", "render", "sovaudit.html"),
    "sarif": ("sarif", "dumps", "sovaudit.sarif"),
    "cyclonedx": ("cyclonedx", "dumps_json", "sovaudit.cdx.json"),
    "cyclonedx-xml": ("cyclonedx", "dumps_xml", "sovaudit.cdx.xml"),
    "md": ("markdown", "render", "sovaudit.md"),
}
ALIASES = {"cyclonedx-json": "cyclonedx", "cdx": "cyclonedx", "cdx-xml": "cyclonedx-xml", "markdown": "md"}
_BY_SUFFIX = ((".cdx.json", "cyclonedx"), (".cdx.xml", "cyclonedx-xml"), (".bom.json", "cyclonedx"),
              (".bom.xml", "cyclonedx-xml"), (".sarif.json", "sarif"), (".sarif", "sarif"), (".html", "html"),
              (".htm", "html"), (".md", "md"), (".json", "json"), (".xml", "cyclonedx-xml"))


def canonical(name: str) -> str:
    n = name.strip().lower()
    return ALIASES.get(n, n)


def format_for_path(path: str) -> str:
    """The format a file name implies (``report.html`` -> html); "" when it implies none."""
    low = path.lower()
    for suffix, fmt in _BY_SUFFIX:
        if low.endswith(suffix):
            return fmt
    return ""


def writer(fmt: str) -> Callable:
    module, func, _ = FORMATS[canonical(fmt)]
    return getattr(importlib.import_module(f"sovaudit.report.{module}"), func)


def file_name(fmt: str) -> str:
    return FORMATS[canonical(fmt)][2]
