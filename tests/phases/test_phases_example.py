"""The bundled phases example end to end: a scripted planner, generator and evaluator, the browser
check in a real headless Chromium; and a phased run that stops at the phase it did not meet."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codefit.api import Codebase
from codefit.cli import app
from codefit.demo import prepare_example
from codefit.phases.records import stored_phases
from codefit.store import RunStatus, Store
from tests.conftest import MakeRepo

CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (scripts/install-browser)")
def test_plan_generate_evaluate_on_the_todo_web_app(tmp_path: Path) -> None:
    pytest.importorskip("playwright.sync_api")
    repo = prepare_example("phases_todo", tmp_path)
    history = Codebase(repo).fit()
    assert history.met, history.stop_reason
    store = Store.for_repo(repo)
    plan, generate, evaluate = stored_phases(store, history.run_id)
    assert [(p.kind, p.status.value) for p in (plan, generate, evaluate)] == [
        ("plan", "met"),
        ("generate", "met"),
        ("evaluate", "met"),
    ]
    # The plan is kept with the run and shown to the next phase's optimizer.
    assert store.blobs.text(plan.handoff["PLAN.md"]).startswith("# Plan")
    items = [s.item for s in generate.sub_runs]
    assert [i.split(".")[0] for i in items] == ["1", "2", "3"]
    first_item = store.run(generate.sub_runs[0].run)
    assert "## Handed over: PLAN.md" in first_item.config["task"]
    assert "## Plan item 1 of 3" in first_item.config["task"]
    # One codebase: each sub-run continues from the one before it.
    chain = [s.run for p in (plan, generate, evaluate) for s in p.sub_runs]
    assert [store.run(r).parent_run for r in chain[1:]] == chain[:-1]
    assert all(s.transcripts for p in (plan, generate, evaluate) for s in p.sub_runs)
    # The evaluator ran the app and drove it in Chromium: the generator's page did not show a todo
    # once added (no unit test looks at the page); its finding reached the generator, which fixed it.
    evaluated = evaluate.sub_runs[0].run
    before = next(r for r in store.readings(evaluated, step=0) if r.sensor == "app")
    assert not before.passed
    assert before.findings[0].message.startswith("browser step 4 (expect_text): ")
    assert "browser step 4 (expect_text)" in store.blobs.text(store.steps(evaluated)[1].feedback_blob)
    after = next(r for r in store.readings(evaluated, step=1) if r.sensor == "app")
    assert after.passed and after.counts.total == 11
    assert store.run(history.run_id).branch == evaluate.sub_runs[0].branch

    shown = CliRunner().invoke(app, ["show", history.run_id, "-C", str(repo), "--json"])
    assert shown.exit_code == 0, shown.output
    phases = json.loads(shown.output)["phases"]
    assert [(p["name"], p["status"], len(p["sub_runs"])) for p in phases] == [
        ("plan", "met", 1),
        ("generate", "met", 3),
        ("evaluate", "met", 1),
    ]
    assert phases[1]["steps"] == 3 and phases[1]["cost_usd"] == 0.0
    text = CliRunner().invoke(app, ["show", history.run_id, "-C", str(repo)]).output
    assert "phase 2 generate (generate): met in " in text and ", 3 run(s), 3 step(s), $0.0000" in text
    # The whole run's patch (the phased run has no steps of its own), and one phase in full: the
    # evaluator's browser finding is the feedback its run received.
    patch = CliRunner().invoke(app, ["diff", history.run_id, "-C", str(repo)]).output
    assert all(f"+++ b/{path}" in patch for path in ("PLAN.md", "todo/store.py", "todo/server.py"))
    evaluated_phase = (
        CliRunner().invoke(app, ["show", history.run_id, "-C", str(repo), "--phase", "3"]).output
    )
    assert "browser step 4 (expect_text)" in evaluated_phase and "transcript (" in evaluated_phase
    assert "validation 1.00" in text  # queried by the evaluate phase's run
    assert "┏" not in text  # no empty step table: the phased run has no steps of its own


def test_a_phase_not_met_stops_the_run_there(make_repo: MakeRepo) -> None:
    repo = make_repo(
        {
            "codefit.toml": """task = "Plan it."
max_steps = 1

[[sensors]]
name = "unit"
kind = "command"
command = "true"

[optimizer]
kind = "command"
command = "true"

[[phases]]
kind = "plan"
artifact = "PLAN.md"

[[phases]]
kind = "generate"
""",
        }
    )
    history = Codebase(repo).fit(steps=2)  # --steps: every sub-run's limit (the config says 1)
    assert history.status == RunStatus.NOT_MET
    assert history.stop_reason == "phase 1 (plan) not_met"
    (plan,) = stored_phases(Store.for_repo(repo), history.run_id)
    assert plan.status.value == "not_met" and len(plan.sub_runs) == 1
    assert plan.sub_runs[0].steps == 2
    assert "not met" in plan.outcome


def test_a_handoff_file_not_written_fails_its_phase(make_repo: MakeRepo) -> None:
    repo = make_repo(
        {
            "codefit.toml": """task = "Plan it."
max_steps = 1

[[sensors]]
name = "unit"
kind = "command"
command = "true"

[[phases]]
kind = "plan"
artifact = "PLAN.md"
handoff = ["NOTES.md"]
optimizer = { kind = "command", command = "echo '- one' > PLAN.md" }
""",
        }
    )
    history = Codebase(repo).fit()
    assert history.status == RunStatus.NOT_MET
    (plan,) = stored_phases(Store.for_repo(repo), history.run_id)
    assert plan.outcome == "handoff file(s) not written: NOTES.md"
    assert list(plan.handoff) == ["PLAN.md"]
