"""Driving Debian's chromium through Playwright (never `playwright install`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@contextmanager
def chromium_page() -> Iterator[tuple[Any, list[str]]]:
    """A page, and the console errors and page errors it logs."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium); run scripts/install-browser")
    sync_api = pytest.importorskip("playwright.sync_api")
    errors: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
            yield page, errors
        finally:
            browser.close()


def chart_points(page: Any) -> dict[str, int]:
    """Each rendered chart's id and the number of data points it drew."""
    found: list[list[str]] = page.eval_on_selector_all(
        "svg.chart",
        "els => els.map(e => [e.dataset.chart, e.dataset.points, e.querySelectorAll('circle').length])",
    )
    return {name: min(int(points), int(circles)) for name, points, circles in found}
