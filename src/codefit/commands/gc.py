"""`codefit gc`: prune what ended runs leave behind: their workspaces and their `codefit/*` branches.

A dry run by default (it prints what it would remove); `--yes` removes. Never touched: a live run
(another process holds its lock), the workspace of a run whose processes still run (`codefit
doctor` names them), the branch checked out now, the store's records and bundles (so `show`,
`report` and `replay` still work), anything that is not named after the run.
"""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from codefit.store import RunRecord, RunStatus, Store
from codefit.workspace.git import git, repo_root
from codefit.workspace.lifetime import LEDGER_NAME, Ledger, Proc, all_procs

console = Console(highlight=False)
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"(\d+)([smhdw])")


@dataclass(frozen=True)
class Removal:
    """One thing to remove: a run's directory (`path`) or branch (`branch`), and why it may go."""

    run: str
    note: str
    path: Path | None = None
    branch: str | None = None

    def describe(self) -> str:
        what = f"workspace {self.path}" if self.path else f"branch {self.branch}"
        return f"{what} (run {self.run}, {self.note})"


def parse_duration(text: str) -> float:
    """`30m`, `12h`, `7d`, `2w` in seconds."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise typer.BadParameter(
            f"{text!r} is not a duration like 30m, 12h, 7d or 2w", param_hint="--older-than"
        )
    return int(match.group(1)) * UNITS[match.group(2)]


def plan(store: Store, repo: Path, *, keep: int, older_than: float | None, now: float) -> list[Removal]:
    """What gc would remove, newest run first: ended runs beyond the `keep` newest, old enough."""
    branches = set(_lines(git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads/codefit/")))
    current = git(repo, "symbolic-ref", "--short", "-q", "HEAD", check=False).strip()
    ended = [r for r in store.runs() if not store.is_live(r.id)]
    ended.sort(key=lambda r: r.created, reverse=True)
    procs = all_procs()
    removals: list[Removal] = []
    for run in ended[keep:]:
        if older_than is not None and now - run.updated < older_than:
            continue
        note = _note(run)
        run_dir = Path(run.workspace).parent
        if run_dir.name == run.id and run_dir.is_dir() and not _strays(run_dir, procs):
            removals.append(Removal(run.id, note, path=run_dir))
        branch = run.branch or f"codefit/{run.id}"
        if branch in branches and branch != current:
            removals.append(Removal(run.id, note, branch=branch))
    return removals


def remove(repo: Path, removal: Removal) -> None:
    if removal.path is not None:
        shutil.rmtree(removal.path)
    if removal.branch is not None:
        git(repo, "branch", "-D", "-q", removal.branch)


def gc_command(
    path: Annotated[Path, typer.Argument(help="The repository whose runs to prune.")] = Path("."),
    yes: Annotated[bool, typer.Option("--yes", help="Remove; without it, only print what would go.")] = False,
    keep: Annotated[int, typer.Option(min=0, help="Keep the N newest ended runs untouched.")] = 0,
    older_than: Annotated[
        str | None, typer.Option(help="Only runs last updated longer ago than this (30m, 12h, 7d, 2w).")
    ] = None,
) -> None:
    """Prune ended runs' workspaces (interrupted ones too) and `codefit/*` branches; a dry run by default."""
    age = parse_duration(older_than) if older_than is not None else None
    repo = repo_root(path)
    store = Store.existing(repo)
    removals = plan(store, repo, keep=keep, older_than=age, now=time.time())
    if not removals:
        console.print("nothing to prune")
        return
    for removal in removals:
        if yes:
            remove(repo, removal)
        console.print(
            f"{'removed' if yes else 'would remove'} {removal.describe()}", markup=False, soft_wrap=True
        )
    if not yes:
        console.print(
            f"dry run: `codefit gc --yes` removes these {len(removals)}", markup=False, soft_wrap=True
        )


def _note(run: RunRecord) -> str:
    if run.status == RunStatus.RUNNING:
        return "interrupted; `fit --resume` will no longer be possible"
    return str(run.status.value)


def _strays(run_dir: Path, procs: list[Proc]) -> bool:
    """True while processes of the run outlive it there (`codefit doctor` names them): its
    workspace stays until they are ended."""
    ledger = Ledger.read(run_dir / LEDGER_NAME)
    return ledger is not None and bool(ledger.strays(procs))


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]
