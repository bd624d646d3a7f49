"""A phased run viewed: `codefit diff RUN` gives the whole run's patch (it has no steps of its own),
`codefit show RUN --phase N` one phase with its runs' transcripts, and `codefit compare` one row per
phase."""

import json

from typer.testing import CliRunner

from codefit.api import Codebase
from codefit.cli import app
from codefit.store import Store
from tests.conftest import MakeRepo
from tests.phases.items_repo import FILES


def test_diff_show_and_compare_of_phased_runs(make_repo: MakeRepo) -> None:
    repo = make_repo(FILES)
    cli = CliRunner()
    fitted = cli.invoke(app, ["fit", str(repo)])  # a log, not a terminal: each phase and item gets a line
    assert fitted.exit_code == 0, fitted.output
    assert "phase 1 of 2, plan\n" in fitted.output and "phase 2 of 2, generate: 2. two\n" in fitted.output
    assert fitted.output.count("sensor unit (train): pass") >= 2  # the later sub-runs' sensors too
    (first,) = [r for r in Store.for_repo(repo).runs() if r.optimizer == "phases"]
    second = Codebase(repo).fit(steps=2)
    assert second.met

    patch = cli.invoke(app, ["diff", first.id, "-C", str(repo)])
    assert patch.exit_code == 0, patch.output
    for path in ("PLAN.md", "item1.txt", "item2.txt"):  # the plan phase's file and both items'
        assert f"+++ b/{path}" in patch.output

    shown = cli.invoke(app, ["show", first.id, "-C", str(repo)]).output
    assert f"each phase's transcripts: codefit show {first.id} --phase N" in shown
    last = cli.invoke(app, ["show", "latest", "-C", str(repo)]).output  # the second run's last sub-run
    assert f"a run of phase 2 (generate) of phased run {second.run_id}: codefit show {second.run_id}" in last
    phase = cli.invoke(app, ["show", first.id, "-C", str(repo), "--phase", "2"])
    assert phase.exit_code == 0, phase.output
    assert phase.output.startswith("phase 2 generate (generate): met in ")
    assert "1. one: run " in phase.output and "2. two: run " in phase.output
    assert "transcript (1 events)" in phase.output and "sh generate.sh" in phase.output
    detail = json.loads(cli.invoke(app, ["show", first.id, "-C", str(repo), "--phase", "1", "--json"]).output)
    assert detail["handed_over"] == {"PLAN.md": "- one\n- two\n"}
    (plan_run,) = detail["sub_runs"]
    assert plan_run["trajectory"][0]["details"]["transcript"][0]["kind"] == "command"
    missing = cli.invoke(app, ["show", first.id, "-C", str(repo), "--phase", "3"])
    assert "has no phase 3 (phases 1 to 2)" in str(missing.exception)

    compared = cli.invoke(app, ["compare", first.id, second.run_id, "-C", str(repo)])
    assert compared.exit_code == 0, compared.output
    rows = [line for line in compared.output.splitlines() if "generate (generate)" in line]
    assert len(rows) == 1 and rows[0].count("met: 2 run(s), 2 step(s), $0.0000") == 2
    as_json = json.loads(
        cli.invoke(app, ["compare", first.id, second.run_id, "-C", str(repo), "--json"]).output
    )
    assert [len(as_json["phases"][r]) for r in (first.id, second.run_id)] == [2, 2]
