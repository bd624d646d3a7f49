"""Comparing runs: settings diff, outcomes, convergence, fingerprint groups with bootstrap CIs."""

from __future__ import annotations

import io
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from report_support import Project
from rich.console import Console

from codefit.report.compare import (
    MISSING,
    bootstrap_mean,
    config_diff,
    curves,
    distinct_runs,
    flatten,
    group_by_fingerprint,
    run_outcome,
    steps_to_converge,
)
from codefit.report.compare_view import outcomes_table
from codefit.report.summary import run_summary


def test_flatten_names_nested_tables_and_list_items_by_dotted_keys() -> None:
    config = {"optimizer": {"kind": "command", "env": {"A": "1"}}, "sensors": [{"name": "u"}], "w": ["a"]}
    assert flatten(config) == {
        "optimizer.kind": "command",
        "optimizer.env.A": "1",
        "sensors[0].name": "u",
        "w": ["a"],
    }


def test_config_diff_keeps_only_keys_that_differ_and_marks_missing_ones() -> None:
    a = {"max_steps": 4, "optimizer": {"kind": "search"}, "task": "t"}
    b = {"max_steps": 6, "optimizer": {"kind": "search", "beam": 3}, "task": "t"}
    assert config_diff([a, b]) == {"max_steps": [4, 6], "optimizer.beam": [MISSING, 3]}
    assert config_diff([a, a]) == {}


def test_outcome_of_a_real_run(project: Project) -> None:
    summary = run_summary(project.store, project.store.run(project.first))
    outcome = run_outcome(summary)
    assert outcome.met is True
    assert outcome.steps == 2
    assert outcome.steps_to_converge == 2
    assert outcome.validation == 1.0
    assert outcome.alerts == len(project.store.alerts(project.first)) >= 1
    assert outcome.quality["sloc"] > 0


def test_runs_with_the_same_harness_share_a_fingerprint_group(project: Project) -> None:
    outcomes = [
        run_outcome(run_summary(project.store, project.store.run(r))) for r in (project.first, project.second)
    ]
    groups = group_by_fingerprint(outcomes)
    assert len(groups) == 1
    assert set(groups[0].runs) == {project.first, project.second}
    met = groups[0].estimates["met"]
    assert (met.mean, met.low, met.high, met.n) == (1.0, 1.0, 1.0, 2)


def test_steps_to_converge_uses_train_when_there_is_no_validation() -> None:
    def step(i: int, passed: bool) -> dict[str, object]:
        return {"index": i, "validation": None, "train": {"score": 1.0 if passed else 0.5, "passed": passed}}

    summary = {"steps": [step(0, False), step(1, False), step(2, True)], "final": {"validation": {}}}
    assert steps_to_converge(summary) == 2
    summary["steps"] = [step(0, False), step(1, False)]
    assert steps_to_converge(summary) is None


def test_bootstrap_is_seeded_and_brackets_the_mean() -> None:
    values = [0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0]
    a = bootstrap_mean(values, seed=3)
    assert a == bootstrap_mean(values, seed=3)
    assert a.low < a.mean < a.high
    assert a.mean == pytest.approx(5 / 8)
    assert a.low >= 0.0 and a.high <= 1.0


def test_bootstrap_interval_narrows_with_more_runs() -> None:
    small = bootstrap_mean([0.0, 1.0] * 3)
    large = bootstrap_mean([0.0, 1.0] * 50)
    assert (large.high - large.low) < (small.high - small.low)


@given(st.lists(st.floats(min_value=-1e6, max_value=1e6), min_size=1, max_size=30))
def test_bootstrap_interval_stays_within_the_sample_range(values: list[float]) -> None:
    e = bootstrap_mean(values, resamples=200)
    assert min(values) - 1e-6 <= e.low <= e.high <= max(values) + 1e-6


def test_bootstrap_of_nothing_is_refused() -> None:
    with pytest.raises(ValueError):
        bootstrap_mean([])


def render(renderable: object) -> str:
    console = Console(record=True, width=200, color_system=None, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def test_outcomes_show_counts_as_integers_scores_with_two_decimals_and_cost_with_four(
    project: Project,
) -> None:
    summaries = [run_summary(project.store, project.store.run(r)) for r in (project.first, project.second)]
    rows = {
        cells[1].strip(): [c.strip() for c in cells[2:-1]]
        for line in render(outcomes_table([run_outcome(s) for s in summaries])).splitlines()
        if len(cells := line.split("│")) > 3
    }
    assert rows["steps"] == ["2", "2"]
    assert rows["tokens"] == ["0", "0"]
    assert rows["cost $"] == ["0.0000", "0.0000"]
    assert rows["validation"] == ["1.00", "1.00"]
    assert rows["quality: sloc"] == ["2", "2"] and rows["quality: dead_code"] == ["0", "0"]
    assert rows["quality: erosion"] == ["0.00", "0.00"]
    assert rows["generalization gap (train - validation)"] == ["0.00", "0.00"]


def test_a_run_named_twice_is_compared_once(project: Project) -> None:
    summaries = [run_summary(project.store, project.store.run(r)) for r in (project.first, project.second)]
    summaries.append(run_summary(project.store, project.store.run(project.first)))
    assert [s["run"]["id"] for s in distinct_runs(summaries)] == [project.first, project.second]


def test_a_replay_curve_starts_at_the_step_it_replays_from() -> None:
    def summary(parent_step: int | None) -> dict[str, Any]:
        step = {"loss": 0.5, "train": {"score": 0.5}, "validation": None, "gap": None, "logs": {}}
        return {
            "run": {"id": "r", "parent_step": parent_step},
            "steps": [{"index": i, **step} for i in (0, 1)],
        }

    assert curves(summary(3), align_replay=True)["train"] == [None, None, None, 0.5, 0.5]
    assert curves(summary(3))["train"] == [0.5, 0.5]
    assert curves(summary(None), align_replay=True)["train"] == [0.5, 0.5]
