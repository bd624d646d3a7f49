"""The command optimizer as a new user configures it: a script it cannot see is refused before step 1;
the user's own command raises no transcript alert (it is not the agent's action)."""

from __future__ import annotations

from pathlib import Path

import pytest

import codefit
from codefit.errors import OptimizerError
from codefit.optimizers.command import CommandOptimizer, CommandOptimizerOptions
from codefit.workspace.sandbox import sandbox_available

from ..e2e.project import HONEST_FIX, make_project

FIX = "import pathlib\np = pathlib.Path('calc.py')\np.write_text(p.read_text().replace('a - b', 'a + b'))\n"


def preflight(command: str, repo: Path) -> None:
    CommandOptimizer(CommandOptimizerOptions(command=command)).preflight(repo)


@pytest.mark.skipif(not sandbox_available(), reason="only the sandbox hides the repository")
def test_a_script_argument_inside_the_repository_by_absolute_path_is_refused(tmp_path: Path) -> None:
    repo = make_project(tmp_path, "true")
    (repo / "fix.py").write_text(FIX)
    with pytest.raises(OptimizerError, match=r"fix\.py' is under the repository .* would not find it"):
        preflight(f"python3 {repo / 'fix.py'}", repo)


def test_a_script_argument_that_climbs_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    repo = make_project(tmp_path, "true")
    (tmp_path / "fix.py").write_text(FIX)
    with pytest.raises(OptimizerError, match=r"'../fix.py' climbs out of the repository"):
        preflight("python3 ../fix.py", repo)
    preflight("python3 fix.py {feedback}", repo)  # relative, inside: the workspace has it once committed


def test_a_script_outside_every_hidden_place_runs_and_no_alert_is_raised_for_the_users_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEFIT_WORKDIR", str(tmp_path / "work"))
    script = tmp_path / "scripts" / "fix.py"  # under /tmp: an empty tmpfs in the sandbox unless shown
    script.parent.mkdir()
    script.write_text(FIX)
    # The docs' interactive recipe waits on `.codefit-done`: a word the held-out probe looks for.
    command = f"touch .codefit-done; rm -f .codefit-done; python3 {script} {{feedback}}"
    repo = make_project(tmp_path, command, max_steps=1)
    history = codefit.Codebase(repo).fit()
    assert history.met, history.final
    alerts = [a for _, a, _ in codefit.Codebase(repo).store.alerts(history.run_id)]
    assert not [a for a in alerts if a.guard == "transcript"], alerts


def test_an_honest_command_still_fits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEFIT_WORKDIR", str(tmp_path / "work"))
    assert codefit.Codebase(make_project(tmp_path, HONEST_FIX, max_steps=1)).fit().met
