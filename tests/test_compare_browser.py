"""The compare page as its reader uses it: opened from file:// in headless Chromium (Debian's
package, driven by Playwright), no console error, no request, filters that change the rows."""

from __future__ import annotations

import pytest

from sovaudit.report.compare import WRITERS

from browser_support import CHROMIUM, open_report, visible
from report_support import EU_POLICY, comparison

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs the Debian package chromium at /usr/bin/chromium (.ci/run installs it)"),
]


def test_compare_page_opens_offline_and_filters(browser, tmp_path, kb):
    c = comparison(kb, policies=(EU_POLICY,), fail_on="high")
    path = tmp_path / "compare.html"
    path.write_text(WRITERS["html"](c), encoding="utf-8")
    page, seen = open_report(browser, path)
    assert seen["errors"] == [] and [m for m in seen["console"] if m[0] in ("error", "warning")] == []
    assert seen["requests"] == [path.as_uri()], "the page fetched something"

    total = visible(page, "[data-filter-row=changes]")
    assert total == len(c.changes) > 0
    assert page.inner_text("[data-count-for=changes]") == f"{total} of {total}"
    # three stacks side by side, verdicts as judged
    assert page.eval_on_selector_all("th.stack", "els => els.map(e => e.firstChild.textContent.trim())") == \
        ["eu-stack", "eu-sovereign", "us-closed"]
    assert "FAIL" in page.inner_text("#side-by-side") and "PASS" in page.inner_text("#side-by-side")

    page.click(".toolbar button[data-f=jur][data-v=CN]")
    cn = visible(page, "[data-filter-row=changes]")
    assert 0 < cn < total and cn == sum(1 for ch in c.changes if ch.subject == "jurisdiction CN")
    page.click(".toolbar button[data-f=jur][data-v='']")
    page.click(".toolbar button[data-f=layer][data-v=api-only]")
    assert visible(page, "[data-filter-row=changes]") == sum(1 for ch in c.changes if ch.topic == "api-only") == 3
    page.click(".toolbar button[data-f=layer][data-v='']")
    assert visible(page, "[data-filter-row=changes]") == total

    shot = tmp_path / "compare.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
    assert page.pdf(format="A4")[:4] == b"%PDF"
    assert seen["dialogs"] == [] and seen["requests"] == [path.as_uri()]
    page.close()
