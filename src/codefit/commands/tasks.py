"""`codefit tasks mine`: task suites from a repository's own history; `tasks import-scb`: a
SlopCodeBench problem as a checkpoint task."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from codefit.workspace.git import repo_root

console = Console(highlight=False, soft_wrap=True)
tasks_app = typer.Typer(help="Task suites: mine them from git history.", no_args_is_help=True)


@tasks_app.command("mine")
def mine_command(
    repo: Annotated[Path, typer.Argument(help="The repository whose history to mine.")],
    out: Annotated[Path, typer.Option(help="The suite folder to write (must be empty or new).")],
    limit: Annotated[int | None, typer.Option(min=1, help="Stop after this many kept tasks.")] = None,
    since: Annotated[str | None, typer.Option(help="Only commits after this ref.")] = None,
    python: Annotated[str, typer.Option(help="Interpreter that runs the project's tests.")] = sys.executable,
) -> None:
    """Each commit that changes source and tests together, with tests failing before and passing after,
    becomes a task: base = its parent, task = its message, held out = its new or changed tests."""
    from codefit.experiments.mine import mine

    report = mine(repo_root(repo), out.resolve(), limit=limit, since=since, python=python)
    for line in report.lines():
        console.print(line, markup=False)
    console.print(f"suite: {out / 'suite.toml'}", markup=False)


@tasks_app.command("import-scb")
def import_scb_command(
    problem: Annotated[Path, typer.Argument(help="A SlopCodeBench problem folder (with config.yaml).")],
    out: Annotated[Path, typer.Option(help="Where to write the task (must be empty or new).")],
    python: Annotated[
        str, typer.Option(help="Interpreter that runs the entry file and the tests.")
    ] = sys.executable,
    optimizer: Annotated[
        str, typer.Option(help="The optimizer kind the task's config names.")
    ] = "claude-code",
    command: Annotated[
        str | None, typer.Option(help="A scripted agent: the `command` optimizer running this.")
    ] = None,
    max_steps: Annotated[int, typer.Option(min=1, help="Steps per checkpoint.")] = 5,
) -> None:
    """One SlopCodeBench problem as a codefit checkpoint task: OUT/repo and its held-out OUT/hidden."""
    from codefit.checkpoints.scb import import_problem

    settings = {"kind": "command", "command": command} if command else {"kind": optimizer}
    repo = import_problem(
        problem.resolve(), out.resolve(), python=python, optimizer=settings, max_steps=max_steps
    )
    console.print(
        f"task written: {repo} (held-out tests in {repo.parent / 'hidden'}); run it: codefit fit {repo}"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(tasks_app, name="tasks")
