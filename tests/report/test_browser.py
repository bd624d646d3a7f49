"""The HTML report and the live UI in a real headless chromium: charts, navigation, no console errors."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from browser import chart_points, chromium_page
from report_support import Project, copy_run

import codefit
from codefit.report.html import write_report
from codefit.report.ui import UIServer
from codefit.store import Store


def test_report_page_renders_every_chart_and_navigates_between_steps(
    project: Project, tmp_path: Path
) -> None:
    out = write_report(project.store, [project.first], tmp_path / "report.html")
    with chromium_page() as (page, errors):
        page.goto(out.as_uri())
        page.wait_for_selector("body[data-rendered='1']")
        charts = chart_points(page)
        assert {"scores", "loss", "gap", "cost", "tokens", "quality-sloc"} <= set(charts)
        assert "erosion = " in page.inner_text("#quality-constant")  # flat metrics: one line, no chart
        assert all(n > 0 for n in charts.values()), charts
        # the chosen step is shown first; navigation moves through the steps
        assert page.inner_text("#step-title").startswith("Step 2")
        page.click("#prev-step")
        assert page.inner_text("#step-title").startswith("Step 1")
        assert "if (a, b) == (1, 2):" in page.inner_text("#step-body")
        page.click("button[data-tab='feedback']")
        assert "test_two_plus_two" in page.inner_text("#step-body")
        page.click("button[data-tab='transcript']")
        body = page.inner_text("#step-body")
        assert "step 1: rewrote src/calc.py </script> <b>not bold</b>" in body  # text, never markup
        page.keyboard.press("ArrowLeft")
        assert page.inner_text("#step-title").startswith("Step 0")
        page.click(".step-item[data-step='2']")
        assert page.inner_text("#step-title").startswith("Step 2")
        # the alert list carries evidence, and its step link jumps to the step
        row = page.locator(".alert-row", has_text="special-cases").first
        assert "src/calc.py:2" in row.inner_text()
        row.locator("a").click()
        assert page.inner_text("#step-title").startswith("Step 1")
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        assert errors == []
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_report_of_several_runs_compares_them(project: Project, tmp_path: Path) -> None:
    out = write_report(project.store, [project.first, project.second], tmp_path / "two.html")
    with chromium_page() as (page, errors):
        page.goto(out.as_uri())
        page.wait_for_selector("body[data-rendered='2']")
        assert page.locator(".run-card").count() == 2
        assert "By harness fingerprint" in page.inner_text("#comparison")
        # counts are integers, scores two decimals, cost four
        cells = page.eval_on_selector_all(
            "#outcomes tr[data-figure]", "rows => rows.map(r => [r.dataset.figure, r.cells[1].textContent])"
        )
        shown = dict(cells)
        assert (shown["steps"], shown["tokens"], shown["alerts"]) == (
            "2",
            "0",
            str(len(project.store.alerts(project.first))),
        )
        assert (shown["validation"], shown["cost_usd"]) == ("1.00", "0.0000")
        assert "generalization gap (train - validation)" in page.inner_text("#outcomes")
        scores = page.locator("svg.chart[data-chart='scores']")
        assert int(scores.get_attribute("data-series") or 0) >= 4  # train and validation of both runs
        page.click(f"#run-tabs button[data-run='{project.second}']")
        assert project.second in page.inner_text("#steps h2")
        assert errors == []


def test_a_compared_replay_is_drawn_from_the_step_it_replays(
    project: Project, scratch_store: Store, tmp_path: Path
) -> None:
    copy_run(project.store, project.first, scratch_store, project.first)
    copy_run(project.store, project.first, scratch_store, "r-replay", parent_run=project.first, parent_step=1)
    out = write_report(scratch_store, [project.first, "r-replay"], tmp_path / "replay.html")
    with chromium_page() as (page, errors):
        page.goto(out.as_uri())
        page.wait_for_selector("body[data-rendered='2']")
        titles: list[str] = page.eval_on_selector_all(
            "svg.chart[data-chart='scores'] circle title", "ts => ts.map(t => t.textContent)"
        )
        steps = {t.split(" @ step ")[0]: [] for t in titles}
        for t in titles:
            steps[t.split(" @ step ")[0]].append(int(t.split(" @ step ")[1].split(":")[0]))
        assert steps[f"{project.first[-4:]} train"] == [0, 1, 2]
        assert steps["play train"] == [1, 2, 3]  # the replay's baseline is its parent's step 1
        assert errors == []


@pytest.fixture
def slow_fit(project: Project, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> threading.Thread:
    """A real run in the background whose optimizer takes a moment per step, so the UI can follow it."""
    monkeypatch.setenv("FIX_DELAY", "1.5")
    thread = threading.Thread(target=lambda: codefit.Codebase(project.repo).fit(), daemon=True)
    return thread


def test_live_ui_lists_runs_and_follows_a_running_run(
    project: Project, slow_fit: threading.Thread, tmp_path: Path
) -> None:
    server = UIServer(project.repo / ".codefit", port=0, poll_ms=300).start()
    try:
        with chromium_page() as (page, errors):
            page.goto(server.url)
            page.wait_for_selector(f".run-item[data-run='{project.first}']")
            before = page.locator(".run-item").count()
            slow_fit.start()
            # a new run appears at the top, is selected, and its steps show up as they are recorded
            page.wait_for_function(
                f"document.querySelectorAll('.run-item').length > {before}", timeout=30_000
            )
            page.click(".run-item >> nth=0")
            page.wait_for_selector(".run-item.selected .badge.running", timeout=30_000)
            page.wait_for_selector(".step-item[data-step='1']", timeout=30_000)
            page.wait_for_selector(".step-item[data-step='2']", timeout=30_000)
            page.wait_for_function(
                "document.querySelector('.run-item.selected .badge').textContent === 'met'", timeout=30_000
            )
            assert page.inner_text("#step-title").startswith("Step 2")
            assert all(n > 0 for n in chart_points(page).values())
            assert page.inner_text(f".run-item[data-run='{project.first}'] small").endswith("train 1.00")
            page.screenshot(path=str(tmp_path / "ui.png"), full_page=True)
            assert errors == []
    finally:
        slow_fit.join(timeout=60)
        server.close()
