"""A run's trajectory: what each step saw and did, its loss terms and quality metrics, from a real run."""

from __future__ import annotations

import math

import pytest
from report_support import Project, copy_run

from codefit.errors import StoreError
from codefit.report.summary import run_summary
from codefit.report.trajectory import find_step, loss_terms, quality_metrics, run_trajectory
from codefit.sensors.base import Reading
from codefit.spec import Split
from codefit.store import Store


def test_each_step_carries_the_feedback_it_received_its_diff_and_transcript(project: Project) -> None:
    store = project.store
    t = run_trajectory(store, store.run(project.first))
    steps = {s["index"]: s for s in t["steps"]}
    assert sorted(steps) == [0, 1, 2]
    one, two = steps[1]["details"], steps[2]["details"]
    assert "if (a, b) == (1, 2):" in one["diff"]
    assert "+    return a + b" in two["diff"]
    # step 2 received what step 1 produced: the feedback chain is intact
    assert two["feedback"] == one["next_feedback"]
    assert "test_two_plus_two" in two["feedback"]
    assert one["transcript"][0]["kind"] == "command"
    assert "step 1: rewrote src/calc.py" in one["transcript"][0]["data"]["output"]


def test_loss_terms_sum_to_the_recorded_loss(project: Project) -> None:
    t = run_trajectory(project.store, project.store.run(project.first))
    for step in t["steps"]:
        assert set(step["loss_terms"]) == {"unit", "quality"}
        assert math.isclose(sum(step["loss_terms"].values()), step["loss"], abs_tol=1e-9)


def test_quality_metrics_are_collected_from_the_step_logs(project: Project) -> None:
    t = run_trajectory(project.store, project.store.run(project.first))
    quality = t["steps"][2]["quality"]
    assert quality["sloc"] > 0
    assert "erosion" in quality
    assert "loss" not in quality and "score_unit" not in quality


def test_final_readings_include_the_validation_split(project: Project) -> None:
    t = run_trajectory(project.store, project.store.run(project.first))
    splits = {r["split"] for r in t["final_readings"]}
    assert splits == {"train", "validation"}
    assert t["totals"]["steps"] == 2
    assert t["totals"]["alerts"] == len(project.store.alerts(project.first)) >= 1


def test_failing_tests_are_listed_in_a_step_reading(project: Project) -> None:
    t = run_trajectory(project.store, project.store.run(project.first))
    unit = next(r for r in t["steps"][1]["details"]["readings"] if r["sensor"] == "unit")
    assert [f["nodeid"] for f in unit["failing"]] == ["tests/test_calc.py::test_two_plus_two"]


def test_long_texts_are_clipped_keeping_head_and_tail(project: Project) -> None:
    t = run_trajectory(project.store, project.store.run(project.first), limit=80)
    diff = t["steps"][1]["details"]["diff"]
    assert "characters cut" in diff
    assert diff.startswith("diff --git")


def test_an_unknown_step_is_a_clear_store_error(project: Project) -> None:
    with pytest.raises(StoreError, match="has no step 7"):
        find_step(project.store, project.store.run(project.first), 7)


def test_loss_terms_weigh_each_train_sensor() -> None:
    readings = [
        Reading(sensor="a", split=Split.TRAIN, score=0.5, passed=False),
        Reading(sensor="b", split=Split.TRAIN, score=1.0, passed=True),
        Reading(sensor="v", split=Split.VALIDATION, score=0.0, passed=False),
    ]
    terms = loss_terms(readings, {"a": 3.0, "b": 1.0})
    assert terms == {"a": 3.0 * 0.5 / 4.0, "b": 0.0}


def test_quality_metrics_skip_booleans_and_core_keys() -> None:
    logs = {
        "loss": 0.1,
        "train_passed": True,
        "erosion": 0.2,
        "score_unit": 1.0,
        "status": "edited",
        "sensor_cost_usd_total": 0.0,
        "new_alerts": [],
    }
    assert quality_metrics(logs) == {"erosion": 0.2}


def test_the_test_splits_metrics_are_in_final_with_a_test_prefix(
    project: Project, scratch_store: Store
) -> None:
    run_id = copy_run(project.store, project.first, scratch_store, "r-test-split")
    kept = scratch_store.readings(run_id, phase="final")
    mutation = Reading(
        sensor="mutation",
        split=Split.TEST,
        score=0.75,
        passed=True,
        metrics={"mutation_score": 0.75, "mutants": 8},
    )
    scratch_store.record_final(run_id, 2, [*kept, mutation])
    final = run_summary(scratch_store, scratch_store.run(run_id))["final"]
    assert (final["test_mutation_score"], final["test_mutants"]) == (0.75, 8)
    assert not any(k.startswith("test_sloc") for k in final)  # train readings stay in the step logs
    assert final["gap_basis"] == "validation" and final["cheating_rate"] is None
