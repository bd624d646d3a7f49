"""How each phase kind turns into sub-run configs (no run needed)."""

import pytest

from codefit.config import load_config
from codefit.errors import ConfigError
from codefit.phases.kinds import GeneratePhase, PlanPhase
from tests.conftest import MakeRepo

CONFIG = """task = "Build it."

[[sensors]]
name = "unit"
kind = "command"
command = "true"

[[sensors]]
name = "holdout"
kind = "command"
command = "true"
split = "validation"

[[phases]]
kind = "plan"
artifact = "PLAN.md"
check = "true"
handoff = ["NOTES.md"]

[[phases]]
kind = "generate"
"""

PLAN = "- the store (check: `pytest -q tests/test_store.py`)\n- the notes\n- the page\n"


def test_generate_makes_one_run_per_item_and_the_last_keeps_the_phase_sensors(make_repo: MakeRepo) -> None:
    loaded = load_config(make_repo({"codefit.toml": CONFIG}))
    runs = GeneratePhase().sub_runs(loaded, 1, {"PLAN.md": PLAN, "NOTES.md": "use sqlite"})
    assert [r.item for r in runs] == ["1. the store", "2. the notes", "3. the page"]
    sensors = [[(s["name"], s.get("command")) for s in r.loaded.config.sensors] for r in runs]
    assert sensors == [
        [("item_check", "pytest -q tests/test_store.py")],
        [("item_check", "true")],  # no check of its own: done after one step
        [("unit", "true")],  # the last item: the phase's sensors (the train ones by default)
    ]
    task = runs[0].loaded.task_text
    assert "## Handed over: NOTES.md\n\nuse sqlite" in task and "## Plan item 1 of 3\n\nthe store" in task
    assert "phases" not in runs[0].loaded.raw


def test_plan_is_judged_by_its_artifact_and_a_plan_without_items_is_an_error(make_repo: MakeRepo) -> None:
    loaded = load_config(make_repo({"codefit.toml": CONFIG}))
    (plan,) = PlanPhase().sub_runs(loaded, 0, {})
    assert plan.loaded.config.sensors == [
        {"name": "plan_artifact", "kind": "artifact", "artifact": "PLAN.md", "check": "true"}
    ]
    with pytest.raises(ConfigError, match=r"the plan PLAN\.md has no items"):
        GeneratePhase().sub_runs(loaded, 1, {"PLAN.md": "# Plan\n\nprose only\n"})
