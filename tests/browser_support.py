"""Headless Chromium for the browser tests: the Debian package, driven by Playwright's Python
package (the test extra); no browser is downloaded. The ``browser`` fixture is in ``conftest.py``."""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")


ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]


def open_report(browser, path: Path):
    page = browser.new_page(viewport={"width": 1280, "height": 1600})
    seen = {"console": [], "requests": [], "dialogs": [], "errors": []}
    page.on("console", lambda m: seen["console"].append((m.type, m.text)))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.goto(path.as_uri(), wait_until="load")
    return page, seen


def visible(page, selector: str) -> int:
    return page.eval_on_selector_all(selector, "els => els.filter(e => !e.hidden && e.offsetParent !== null).length")
