"""`codefit check`: the gate for a change made elsewhere; exit 0 pass, 1 fail, 2 usage."""

from __future__ import annotations

import os
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated

import typer

from codefit.errors import CodefitError
from codefit.workspace.git import repo_root


def check_command(
    base: Annotated[
        str | None, typer.Option(help="The change's base (a branch, tag or commit); HEAD with --staged.")
    ] = None,
    head: Annotated[str, typer.Option(help="The change's head.")] = "HEAD",
    staged: Annotated[bool, typer.Option(help="Judge the staged change (head = the index).")] = False,
    guards_only: Annotated[bool, typer.Option(help="Only the guards on the diff; no sensor runs.")] = False,
    repo: Annotated[Path, typer.Option("--repo", "-C", help="The repository.")] = Path("."),
    mutation: Annotated[bool, typer.Option(help="Also measure the visible tests' mutation score.")] = False,
    junit_file: Annotated[Path | None, typer.Option("--junit", help="Write JUnit XML here.")] = None,
    sarif_file: Annotated[Path | None, typer.Option("--sarif", help="Write SARIF 2.1.0 here.")] = None,
    markdown_file: Annotated[
        Path | None, typer.Option("--markdown", help="Write the Markdown summary here.")
    ] = None,
) -> None:
    """Judge base..head like a fit step: guards, train, the blind splits (from base's spec), drift."""
    from codefit.gate.check import run_check, staged_tree
    from codefit.gate.outputs import junit, markdown, sarif_text, summary_lines, workflow_annotations

    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    outputs = _targets(
        {
            "--markdown": markdown_file,
            "$GITHUB_STEP_SUMMARY": Path(summary) if summary else None,
            "--junit": junit_file,
            "--sarif": sarif_file,
        }
    )
    root = repo_root(repo)
    if base is None and not staged:  # HEAD..HEAD would judge no change and pass
        raise CodefitError(
            "name the change's base: `codefit check --base main` (a branch, tag or commit), "
            "or `--staged` for what you are about to commit"
        )
    base = base or "HEAD"
    if staged:
        head = staged_tree(root)
    result = run_check(root, base, head, mutation=mutation, guards_only=guards_only)
    # The files first: a reader of the terminal summary that stops early (`| head`) loses none.
    texts = {
        "--markdown": lambda: markdown(result),
        "$GITHUB_STEP_SUMMARY": lambda: markdown(result),
        "--junit": lambda: junit(result),
        "--sarif": lambda: sarif_text(result, _version()),
    }
    for option, target in outputs.items():  # only the outputs asked for are made
        _write(option, target, texts[option]())
    annotations = workflow_annotations(result) if os.environ.get("GITHUB_ACTIONS") == "true" else []
    _print_lines([*summary_lines(result), *annotations])
    raise typer.Exit(0 if result.passed else 1)


APPENDED = ("--markdown", "$GITHUB_STEP_SUMMARY")  # a job summary collects every step's


def _targets(wanted: dict[str, Path | None]) -> dict[str, Path]:
    """The output files asked for, each checked before the check's work rather than after it."""
    for option, target in wanted.items():
        if target is not None and (target.is_dir() or not target.parent.is_dir()):
            raise CodefitError(
                "not a file in an existing folder: nowhere to write", where=f"{option} {target}"
            )
    return {option: target for option, target in wanted.items() if target is not None}


def _write(option: str, target: Path, text: str) -> None:
    try:
        with target.open("a" if option in APPENDED else "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise CodefitError(f"cannot write: {exc.strerror}", where=f"{option} {target}") from exc


def _print_lines(lines: list[str]) -> None:
    """Print to stdout as they are (plain text: no markup or emoji codes read into them); a reader
    gone early silences the rest. The exit status stays the verdict's (rich and click would turn the
    broken pipe into 1, which here means a failed check)."""
    try:
        for line in lines:
            print(line)
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the interpreter's final flush must not fail again
        os.close(devnull)


def _version() -> str:
    try:
        return version("codefit")
    except PackageNotFoundError:
        return "0"
