"""The `codefit` command. Thin: parses, calls the library, prints; the only place errors become exit codes."""

from __future__ import annotations

import contextlib
import errno
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from codefit.api import Codebase
from codefit.errors import CodefitError
from codefit.workspace.git import repo_root

if TYPE_CHECKING:  # the store and the views load in the commands that use them: not `evaluate`'s start
    from codefit.store import Store

app = typer.Typer(
    name="codefit",
    help="Train a codebase against a spec: visible tests, agent-blind validation, sealed tests.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
# Piped output gets a wide page: the step tables have a dozen columns.
console = Console(highlight=False, width=None if sys.stdout.isatty() else 140)


def _print_version(asked: bool) -> None:
    if asked:
        from codefit import __version__

        print(f"codefit {__version__}")
        raise typer.Exit(0)


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Train a codebase against a spec: visible tests, agent-blind validation, sealed tests."""


RepoOption = Annotated[
    Path, typer.Option("--repo", "-C", help="The repository (default: current directory).")
]


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Repository to configure.")] = Path("."),
    force: Annotated[bool, typer.Option(help="Overwrite an existing codefit.toml.")] = False,
) -> None:
    """Write a commented starter codefit.toml after looking at the repository."""
    from codefit.init import write_starter_config

    target = write_starter_config(repo_root(path), force=force)
    console.print(f"wrote {target}; edit the task and the held-out paths, then run `codefit fit`")


@app.command()
def fit(
    path: Annotated[Path, typer.Argument(help="Repository to train.")] = Path("."),
    steps: Annotated[int | None, typer.Option(min=1, help="Override max_steps.")] = None,
    optimizer: Annotated[str | None, typer.Option(help="Override the optimizer kind.")] = None,
    resume: Annotated[str | None, typer.Option(help="Continue an interrupted run.")] = None,
    dirty: Annotated[bool, typer.Option(help="Include uncommitted changes in the base tree.")] = False,
    config: Annotated[Path | None, typer.Option(help="Config file (default: codefit.toml).")] = None,
    require_sandbox: Annotated[
        bool, typer.Option(help="Refuse to run when bubblewrap cannot confine the optimizer.")
    ] = False,
) -> None:
    """Run the optimizer step by step against the spec. Exit 0 when the spec is met, 1 when not."""
    from codefit.report.summary import run_summary
    from codefit.report.terminal import ProgressPrinter, final_lines

    check_sandbox(require_sandbox)
    if resume:  # a checkpoint series is resumed (and ends) here; a phase's run names its phased run
        from codefit.commands.resume import resume_long_run

        resume = resume_long_run(console, path, config, resume, steps=steps)
    # A resumed run keeps the harness it recorded, unless --config names a file to take instead.
    recorded = resume if config is None else None
    codebase = Codebase(path, config).compile(optimizer=optimizer, from_run=recorded)
    if codebase.loaded.config.checkpoints and not resume:
        _fit_checkpoints(codebase, optimizer=optimizer, steps=steps, dirty=dirty)
    resumed = codebase.store.run(resume) if resume else None
    max_steps = steps or (resumed.max_steps if resumed else None) or codebase.loaded.config.max_steps
    # On Ctrl-C the printer says what was interrupted and the exact command that resumes it.
    with ProgressPrinter(console, max_steps, run_id=resumed.id if resumed else None) as progress:
        history = codebase.fit(steps=steps, callbacks=[progress], dirty=dirty, resume=resume)
    summary = run_summary(codebase.store, codebase.store.run(history.run_id))
    for line in final_lines(summary):
        console.print(line)
    raise typer.Exit(0 if history.met else 1)


@app.command()
def evaluate(
    path: Annotated[Path, typer.Argument(help="Repository to grade.")] = Path("."),
    split: Annotated[str, typer.Option(help="train, validation or test.")] = "train",
    as_json: Annotated[bool, typer.Option("--json", help="Print readings as JSON.")] = False,
    require_sandbox: Annotated[
        bool, typer.Option(help="Refuse to run when bubblewrap cannot confine the code under test.")
    ] = False,
    config: Annotated[Path | None, typer.Option(help="Config file (default: codefit.toml).")] = None,
) -> None:
    """Grade the current tree on one split, with no optimizer. Exit 0 when every reading passed."""
    from codefit.report.evaluate_view import reading_lines

    check_sandbox(require_sandbox)
    readings = Codebase(path, config).evaluate(split=split)
    if as_json:
        print(json.dumps([r.model_dump(mode="json") for r in readings], indent=2))
    else:
        for line in reading_lines(readings):
            console.print(line, markup=False)
    raise typer.Exit(0 if all(r.passed for r in readings) else 1)


@app.command()
def runs(
    repo: RepoOption = Path("."),
    status: Annotated[
        str | None,
        typer.Option(help="Only runs with this status: running, met, not_met, error, interrupted."),
    ] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many runs.")] = None,
    optimizer: Annotated[str | None, typer.Option(help="Only runs of this optimizer kind.")] = None,
    fingerprint: Annotated[str | None, typer.Option(help="Only runs with this harness fingerprint.")] = None,
    parent: Annotated[str | None, typer.Option(help="Only replays of this run.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list, one object per run.")] = False,
) -> None:
    """List the runs recorded in this repository, newest first."""
    from codefit.report.runs_list import check_status, run_rows, select_runs
    from codefit.report.terminal import runs_view

    try:
        check_status(status)
    except CodefitError as exc:
        raise typer.BadParameter(exc.message, param_hint="'--status'") from None
    store = _store(repo)
    found = select_runs(
        store, status=status, optimizer=optimizer, fingerprint=fingerprint, parent=parent, limit=limit
    )
    if as_json:
        print(json.dumps(run_rows(store, found), indent=2, default=str))
        return
    console.print(runs_view(store, found))


@app.command()
def show(
    run: Annotated[str, typer.Argument(help="Run id, unique prefix, or 'latest'.")] = "latest",
    repo: RepoOption = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    phase: Annotated[
        int | None, typer.Option(help="A phased run's phase N in full: its runs' steps and transcripts.")
    ] = None,
) -> None:
    """A run's step table: losses, scores, gap, alerts, cost, status."""
    from codefit.report.summary import run_summary
    from codefit.report.terminal import alert_lines, final_lines, steps_table

    store = _store(repo)
    if phase is not None:
        from codefit.commands.phase import show_phase

        show_phase(console, store, run, phase, as_json=as_json)
        return
    summary = run_summary(store, store.run(run))
    from codefit.checkpoints.view import checkpoints_table, forgetting_lines, series_summary

    series = series_summary(store, summary["run"]["id"])
    if as_json:
        if series is not None:
            summary["checkpoints"], summary["series"] = series["checkpoints"], series
        print(json.dumps(summary, indent=2, default=str))
        return
    if summary["steps"]:  # a phased run has none of its own: its phases list their runs
        console.print(steps_table(summary))
    for line in [*final_lines(summary), *alert_lines(summary)]:
        console.print(line, markup=False)
    if series is not None:
        console.print(
            checkpoints_table(series["checkpoints"], title=f"checkpoints of series {series['series']}")
        )
        for line in forgetting_lines(series["checkpoints"]):
            console.print(line, markup=False)
    from codefit.phases.view import parent_line

    for line in parent_line(store, summary["run"]["id"]):  # a phase's sub-run names its phased run
        console.print(line, markup=False)


@app.command()
def demo(
    name: Annotated[str | None, typer.Argument(help="Example name (default: wrong_variable).")] = None,
    directory: Annotated[Path | None, typer.Option("--dir", help="Where to set the example up.")] = None,
    steps: Annotated[int | None, typer.Option(min=1, help="Override max_steps.")] = None,
    list_examples: Annotated[bool, typer.Option("--list", help="List the bundled examples.")] = False,
) -> None:
    """Run a bundled example offline (most use the built-in search optimizer) and print the outcome."""
    from codefit.demo import example_names, prepare_example
    from codefit.report.summary import run_summary
    from codefit.report.terminal import ProgressPrinter, alert_lines, final_lines, steps_table

    if list_examples:
        for example in example_names():
            console.print(example)
        return
    repo = prepare_example(name, directory)
    console.print(f"example set up in {repo} (a fresh git repository; held-out tests beside it)")
    codebase = Codebase(repo).compile()
    check_sandbox(False)
    if codebase.loaded.config.checkpoints:
        _fit_checkpoints(codebase, steps=steps)
    max_steps = steps or codebase.loaded.config.max_steps
    with ProgressPrinter(console, max_steps) as progress:
        history = codebase.fit(steps=steps, callbacks=[progress])
    store = codebase.store
    summary = run_summary(store, store.run(history.run_id))
    if summary["steps"]:
        console.print(steps_table(summary))
    for line in [*final_lines(summary), *alert_lines(summary)]:
        console.print(line, markup=False)
    console.print("patch:")
    from codefit.workspace.git import git

    console.print(git(repo, "diff", "--no-color", "HEAD", history.branch or "HEAD"), markup=False)
    console.print(f"inspect it: codefit show {history.run_id} -C {repo}")
    raise typer.Exit(0 if history.met else 1)


@app.command()
def mcp(
    workspace: Annotated[Path, typer.Option(help="The workspace of a running step.")] = Path("."),
) -> None:
    """Serve codefit's tools to an agent over stdio MCP: spec, run_checks, submit, status, flag."""
    from codefit.harness.bridge import call
    from codefit.mcp_server import build_server, flag_writer, serve

    ws = workspace.resolve()
    server = build_server(
        spec_text=call(ws, "spec"),
        run_checks=lambda: call(ws, "run_checks"),
        submit=lambda: call(ws, "submit"),
        status=lambda: call(ws, "status"),
        flag=flag_writer(ws),
    )
    serve(server)


def _mount_command_groups() -> None:
    from codefit.commands import check, doctor, seal, split, sweep, tasks, trajectory

    app.command("check")(check.check_command)
    app.command("doctor")(doctor.doctor_command)
    app.command("seal")(seal.seal_command)
    app.command("split")(split.split_command)
    app.command("sweep")(sweep.sweep_command)
    app.command("unseal")(seal.unseal_command)
    trajectory.register(app)
    tasks.register(app)
    from codefit.commands import gc

    app.command("gc")(gc.gc_command)


_mount_command_groups()


def check_sandbox(required: bool) -> None:
    """Refuse to go on without bubblewrap when `required`; otherwise warn when it is missing."""
    from codefit.workspace.sandbox import require_sandbox, sandbox_warning

    if required:
        require_sandbox()
    warning = sandbox_warning()
    if warning:
        print(f"codefit: warning: {warning}", file=sys.stderr)


def _fit_checkpoints(
    codebase: Codebase, *, optimizer: str | None = None, steps: int | None = None, dirty: bool = False
) -> None:
    """A config with [[checkpoints]]: train them in order (docs/checkpoints.md); exit 0 when all are met."""
    from codefit.checkpoints.command import fit_checkpoints

    series = fit_checkpoints(console, codebase.loaded, optimizer=optimizer, steps=steps, dirty=dirty)
    console.print(f"inspect it: codefit show {series.checkpoints[-1].run_id} -C {codebase.repo}")
    raise typer.Exit(0 if series.met else 1)


def _store(repo: Path) -> Store:
    from codefit.store import Store

    return Store.existing(repo_root(repo))


def main() -> None:
    try:
        app()
    except CodefitError as exc:
        print(f"codefit: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        _interrupted()
    except OSError as exc:
        if exc.errno not in STORAGE_FULL:
            raise
        _cannot_write(exc)
    except SystemExit as exc:  # typer turns a Ctrl-C into a silent exit 130
        if exc.code == 130 and _caused_by_ctrl_c(exc):
            _interrupted()
        raise


# A disk or quota that is full, or a file system gone read-only or failing: said in one line, where
# the traceback would bury it (`codefit show ... > /dev/full` printed rich's stack).
STORAGE_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO})


def _cannot_write(exc: OSError) -> None:
    where = f": {exc.filename}" if exc.filename else " (the command's output)"
    with contextlib.suppress(OSError):  # standard error may be on the same full disk
        print(f"codefit: error: cannot write{where}: {exc.strerror}", file=sys.stderr)
    sys.exit(1)


def _interrupted() -> None:
    # Only this: `fit`'s progress has already said what was cut short and how to resume it (or that
    # nothing was taken yet), and no other command keeps a state to continue from.
    print("codefit: interrupted", file=sys.stderr)
    sys.exit(130)


def _caused_by_ctrl_c(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


if __name__ == "__main__":
    main()
