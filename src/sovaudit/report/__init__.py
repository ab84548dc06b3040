"""Stage 6: writers. Each consumes only the final ``ScanResult`` (see ``report.context`` for the
knowledge-base evidence, policy and report time copied into it before writing)."""

from __future__ import annotations

import importlib
from collections.abc import Callable

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


# ------------------------------------------------------------------------------------------
# Rendering several formats
# ------------------------------------------------------------------------------------------

_SHARED: dict[str, object] = {}  # the result handed to forked workers


def _groups(formats: list[str]) -> list[list[str]]:
    """Formats rendered together: both CycloneDX serialisations share one BOM. Slowest first."""
    cdx = [f for f in formats if f.startswith("cyclonedx")]
    rest = [f for f in formats if not f.startswith("cyclonedx")]
    order = {"json": 0, "html": 1, "sarif": 2, "md": 3}
    return ([cdx] if cdx else []) + [[f] for f in sorted(rest, key=lambda f: order.get(f, 9))]


#: Formats whose writer streams to a binary file instead of returning text: format -> (module, function).
STREAMING: dict[str, tuple[str, str]] = {"json": ("jsondoc", "write")}


def _write_format(fmt: str, result, path: str) -> None:
    if fmt in STREAMING:
        module, func = STREAMING[fmt]
        with open(path, "wb") as fh:
            getattr(importlib.import_module(f"sovaudit.report.{module}"), func)(result, fh)
    else:
        with open(path, "wb") as fh:
            fh.write(writer(fmt)(result).encode("utf-8"))


def _write_group(group: list[str], folder: str) -> list[tuple[str, str]]:
    import os

    from sovaudit.graph.build import gc_paused

    result = _SHARED["result"]
    out = []
    with gc_paused():
        for f in group:
            path = os.path.join(folder, file_name(f))
            _write_format(f, result, path)
            out.append((f, path))
    return out


def write_all(result, formats: list[str], folder: str, jobs: int = 0) -> dict[str, str]:
    """Write every requested format into ``folder`` (under its ``file_name``) and return format ->
    file. With more than one group of formats and ``jobs`` != 1, the groups are written by forked
    worker processes (the output does not depend on it); the JSON document is streamed, so no
    process holds it whole. Raises ``ReportError`` (a writer's validation) with nothing promised
    about ``folder``'s content: callers write into a staging folder and move files into place only
    when every format succeeded."""
    import os

    from sovaudit.report.common import ReportError

    if not result.assessment.assessed:
        # a result straight from the scan stage has no exposure yet, which a report would show as none
        raise ReportError("the result was not assessed: get it from sovaudit.audit() (or api.after_scan)")
    formats = [canonical(f) for f in formats]
    groups = _groups(formats)
    workers = min(len(groups), jobs or os.cpu_count() or 1)
    out: dict[str, str] = {}
    _SHARED["result"] = result
    try:
        if workers > 1:
            import concurrent.futures as cf
            import multiprocessing

            if "fork" in multiprocessing.get_all_start_methods():
                ctx = multiprocessing.get_context("fork")
                with cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
                    for files in pool.map(_write_group, groups, [folder] * len(groups)):
                        out.update(files)
                return {f: out[f] for f in formats}
        for g in groups:
            out.update(_write_group(g, folder))
    finally:
        _SHARED.clear()
    return {f: out[f] for f in formats}
