"""Replay: dotted overrides onto a recorded config, validated; a real replay makes a linked run."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_support import Project

from codefit.errors import ConfigError
from codefit.report.replay import apply_overrides, parse_value, replay, replay_plan


def test_values_parse_as_toml_or_stay_text() -> None:
    assert parse_value("3") == 3
    assert parse_value("true") is True
    assert parse_value('["a", "b"]') == ["a", "b"]
    assert parse_value("names") == "names"
    assert parse_value("python fix.py --x") == "python fix.py --x"


def test_overrides_set_nested_keys_and_list_items_without_touching_the_original() -> None:
    config = {"max_steps": 4, "sensors": [{"name": "u"}, {"name": "h", "feedback": "score"}]}
    out = apply_overrides(config, ["max_steps=2", "sensors[1].feedback=names", "optimizer.kind=search"])
    assert out == {
        "max_steps": 2,
        "sensors": [{"name": "u"}, {"name": "h", "feedback": "names"}],
        "optimizer": {"kind": "search"},
    }
    assert config["sensors"][1]["feedback"] == "score"


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("max_steps", "expected key=value"),
        ("sensors[5].name=x", "sensors has 2 item"),
        ("task.inner=x", "task is not a table"),
    ],
)
def test_bad_overrides_are_config_errors_naming_the_assignment(assignment: str, message: str) -> None:
    config = {"task": "t", "sensors": [{"name": "u"}, {"name": "h"}]}
    with pytest.raises(ConfigError, match=message):
        apply_overrides(config, [assignment])


def test_an_override_that_breaks_the_config_fails_before_any_work(project: Project) -> None:
    run = project.store.run(project.first)
    with pytest.raises(ConfigError, match="max_steps"):
        replay_plan(run, ["max_steps=0"])
    with pytest.raises(ConfigError, match="unknown_key"):
        replay_plan(run, ["unknown_key=1"])


def test_replay_starts_a_linked_run_from_the_checkpoint_with_the_changed_settings(
    project: Project, workdir: Path
) -> None:
    store = project.open_store()
    history = replay(store, project.first, 1, ["max_steps=2", "sensors[2].feedback=names"])
    run = store.run(history.run_id)
    parent = store.run(project.first)
    assert (run.parent_run, run.parent_step) == (project.first, 1)
    assert run.config["sensors"][2]["feedback"] == "names"
    assert run.fingerprint != parent.fingerprint
    steps = store.steps(run.id)
    # the baseline of the replay is the parent's step-1 tree: train score 0.5, the special case in place
    assert steps[0].train_score == pytest.approx(store.steps(parent.id)[1].train_score)
    assert history.met
    store.close()
