"""A phased run viewed: `codefit diff RUN` gives the whole run's patch (it has no steps of its own),
`codefit show RUN --phase N` one phase with its runs' transcripts, `codefit compare` one row per
phase, and `codefit report` a table of its phases."""

import json
from html.parser import HTMLParser
from pathlib import Path

from typer.testing import CliRunner

from codefit.api import Codebase
from codefit.cli import app
from codefit.store import Store
from tests.conftest import MakeRepo
from tests.phases.items_repo import FILES


class Tables(HTMLParser):
    """The text of every cell of every table, per table: [[row cells]]."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def test_diff_show_and_compare_of_phased_runs(make_repo: MakeRepo, tmp_path: Path) -> None:
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

    out = tmp_path / "report.html"
    reported = cli.invoke(app, ["report", first.id, "-C", str(repo), "-o", str(out)])
    assert reported.exit_code == 0, reported.output
    page = out.read_text()
    assert f"<h2>phases of run {first.id}</h2>" in page
    parser = Tables()
    parser.feed(page)
    (table,) = [t for t in parser.tables if t and t[0][:2] == ["#", "phase"]]
    head, plan_row, generate_row = table
    cell = dict(zip(head, generate_row, strict=True))
    assert (cell["#"], cell["phase"], cell["kind"], cell["status"]) == ("2", "generate", "generate", "met")
    assert cell["steps"] == "2" and cell["cost $"] == "0.0000"
    assert [line.split(": run ")[0] for line in cell["runs"].split("\n")] == ["1. one", "2. two"]
    assert dict(zip(head, plan_row, strict=True))["handed over"] == "PLAN.md"
    assert f"codefit show {first.id} --phase N" in page
