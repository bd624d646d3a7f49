"""In the report's score chart a failing train score is drawn hollow, with its test counts: a
baseline at 0.998 (582/583) must not look like a passing 1.00."""

from __future__ import annotations

from pathlib import Path

from browser import chromium_page
from report_support import Project

from codefit.report.html import write_report


def test_failing_train_points_are_hollow_and_passing_ones_filled(project: Project, tmp_path: Path) -> None:
    out = write_report(project.store, [project.first], tmp_path / "report.html")
    steps = project.store.steps(project.first)
    failing = sum(1 for s in steps if s.logs.get("train_passed") is False)
    with chromium_page() as (page, errors):
        page.goto(out.as_uri())
        page.wait_for_selector("body[data-rendered='1']")
        hollow = page.locator("svg[data-chart='scores'] circle.failed")
        assert hollow.count() == failing > 0  # the baseline fails
        title = hollow.first.locator("title").text_content() or ""
        assert title.startswith("train @ step 0: ") and title.endswith(" FAIL") and "/" in title
        assert errors == []
