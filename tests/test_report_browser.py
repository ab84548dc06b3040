"""The HTML report as its reader uses it: opened from file:// in headless Chromium (the system
package, driven by Playwright's Python package; no browser is downloaded)."""

from __future__ import annotations

import shutil

import pytest

from sovaudit.report import html

from browser_support import CHROMIUM, open_report, visible
from report_support import EU_POLICY, EU_STACK, normalised, report_result

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs the Debian package chromium at /usr/bin/chromium (.ci/run installs it)"),
]


def test_report_opens_offline_filters_and_looks_right(browser, tmp_path, kb):
    result = normalised(report_result(EU_STACK, kb, (EU_POLICY,), "high"))
    path = tmp_path / "sovaudit.html"
    path.write_text(html.render(result), encoding="utf-8")
    page, seen = open_report(browser, path)

    assert seen["errors"] == [] and [c for c in seen["console"] if c[0] in ("error", "warning")] == []
    assert seen["requests"] == [path.as_uri()], "the report fetched something"
    total = visible(page, "details.finding[data-filter-row=findings]")
    assert total == len(result.findings) == 5
    assert page.inner_text("[data-count-for=findings]") == "5 of 5"

    page.click(".toolbar button[data-f=jur][data-v=CN]")
    cn = visible(page, "details.finding[data-filter-row=findings]")
    assert 0 < cn < total and cn == sum(1 for f in result.findings if f.jurisdiction == "CN")
    assert page.inner_text("[data-count-for=findings]") == f"{cn} of 5"
    assert "jurisdiction CN" in page.inner_text("#filter-status")

    page.click(".toolbar button[data-f=layer][data-v=hardware]")
    assert visible(page, "details.finding[data-filter-row=findings]") == 0
    assert visible(page, "[data-empty-for=findings]") == 1

    page.click(".toolbar button[data-f=layer][data-v='']")
    page.click(".toolbar button[data-f=jur][data-v='']")
    page.click(".toolbar button[data-f=sev][data-v=critical]")
    assert visible(page, "details.finding[data-filter-row=findings]") == 0  # all five are high
    page.click(".toolbar button[data-f=sev][data-v=high]")
    assert visible(page, "details.finding[data-filter-row=findings]") == total

    # a matrix cell filters by layer and jurisdiction at once
    page.click("#matrix button[data-cell][data-layer=inference-provider][data-jur=CN]")
    assert visible(page, "details.finding[data-filter-row=findings]") == sum(
        1 for f in result.findings if f.layer.value == "inference-provider" and f.jurisdiction == "CN")
    page.click(".toolbar button[data-f=layer][data-v='']")
    page.click(".toolbar button[data-f=jur][data-v='']")

    page.click("details.finding >> nth=0")  # open the first finding: its snippet shows
    assert page.is_visible("details.finding[open] pre.snip")
    page.evaluate("window.scrollTo(0, 0)")
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 20_000
    pdf = page.pdf(format="A4") if hasattr(page, "pdf") else b""
    assert pdf[:4] == b"%PDF"
    assert seen["dialogs"] == [] and seen["requests"] == [path.as_uri()]
    page.close()


def test_hostile_report_runs_nothing(browser, tmp_path, kb):
    from report_support import hostile_result

    path = tmp_path / "hostile.html"
    path.write_text(html.render(hostile_result(tmp_path, kb)), encoding="utf-8")
    page, seen = open_report(browser, path)
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    page.hover("text=javascript:alert(4).env >> nth=0")
    assert seen["dialogs"] == [] and seen["errors"] == []
    assert seen["requests"] == [path.as_uri()]
    assert page.evaluate("document.scripts.length") == 1
    page.close()


def test_a_large_report_opens_and_filters(browser, tmp_path, kb):
    """1,000 models, ~1,900 findings: the page loads and its filters work (how fast is measured by
    ``benchmarks/report_bench.py``, not asserted here)."""
    from report_support import synthetic_result

    path = tmp_path / "large.html"
    path.write_text(html.render(synthetic_result(kb, 1000, tmp_path)), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(path.as_uri(), wait_until="load")
    page.click(".toolbar button[data-f=sev][data-v=high]")
    assert visible(page, "details.finding[data-filter-row=findings]") > 0
    page.close()
    shutil.rmtree(tmp_path, ignore_errors=True)
