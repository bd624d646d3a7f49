"""`codefit split`: carve agent-blind validation and test cases out of a pytest suite."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from codefit.errors import CodefitError
from codefit.gate.split import (
    MANIFEST,
    By,
    ModulePlan,
    apply_split,
    plan_split,
    refuse_if_split,
    test_modules,
    train_command,
    undo_split,
)
from codefit.workspace.git import repo_root

if TYPE_CHECKING:
    from codefit.gate.collected import CaseCounts

console = Console(highlight=False, soft_wrap=True)


def split_command(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Test files/folders (default: the train sensor's, else tests/)."),
    ] = None,
    validation: Annotated[float, typer.Option(help="Share of the cases held out for validation.")] = 0.2,
    test: Annotated[float, typer.Option(help="Share of the cases held out for the test split.")] = 0.1,
    seed: Annotated[int, typer.Option(help="Seed of the deterministic assignment.")] = 0,
    by: Annotated[By, typer.Option(help="Unit: a parametrize case, a test, a file.")] = By.CASE,
    seal: Annotated[bool, typer.Option(help="Seal the held-out modules into the repository.")] = False,
    out: Annotated[Path | None, typer.Option(help="Held-out folder (outside the repo).")] = None,
    dry_run: Annotated[bool, typer.Option(help="Show what would move; change nothing.")] = False,
    undo: Annotated[bool, typer.Option(help="Restore the suite as it was before the split.")] = False,
    force: Annotated[bool, typer.Option(help="With --undo: also over files edited since the split.")] = False,
    verify: Annotated[
        bool,
        typer.Option(
            help="Run the suite before and after the split: same cases, same outcomes (split first if not)."
        ),
    ] = False,
    repo: Annotated[Path, typer.Option("--repo", "-C", help="The repository.")] = Path("."),
) -> None:
    """Keras' validation_split for a test suite: held-out cases the optimizer never sees."""
    root = repo_root(repo)
    if undo:
        for line in undo_split(root, force=force):
            console.print(line, markup=False)
        return
    if verify and (root / MANIFEST).exists():  # split already: verify it
        _verify(root)
        return
    refuse_if_split(root, verifying=verify)  # before the suite is collected (seconds, for nothing)
    if seal and out is not None:
        raise typer.BadParameter("give either --seal or --out, not both")
    target = None if seal else (out or root.parent / f"{root.name}-heldout").resolve()
    if target is not None and (target == root or root in target.parents):
        raise typer.BadParameter(f"--out {target} is inside the repository; held-out tests belong outside it")
    train = train_command(root)
    found = [Path(p) for p in (train.paths if train else ()) if "::" not in p and (root / p).exists()]
    # A path is the user's: from where they are, as a shell completes it; else from the repository's top.
    given = [p if p.is_absolute() or not p.exists() else p.resolve() for p in paths or []]
    chosen = given or found or [Path("tests") if (root / "tests").is_dir() else Path(".")]
    options = train.options if train else ()
    cases = _collected(root, chosen, options)
    plan = plan_split(root, chosen, validation=validation, test=test, seed=seed, by=by, cases=cases)
    for kept, why in plan.kept.items():
        console.print(f"{kept}: {why}", markup=False)
    for module in plan.modules:
        console.print(f"{module.path}: {_shares(module)}", markup=False)
        if dry_run:
            for split in ("validation", "test"):
                for label in module.moved[split]:
                    console.print(f"  -> {split}: {_shown(label)}", markup=False)
    counted = [m.cases for m in plan.modules if m.cases is not None]
    in_cases = ""
    if len(counted) == len(plan.modules):
        held = {s: sum(c[s] for c in counted) for s in ("validation", "test", "all")}
        in_cases = (
            f"; in cases: validation {held['validation']}, test {held['test']}, "
            f"visible {held['all'] - held['validation'] - held['test']}"
        )
    console.print(
        f"{plan.total()} units in {len(plan.modules)} modules: validation {plan.moved('validation')}, "
        f"test {plan.moved('test')}, visible {plan.total() - plan.moved('validation') - plan.moved('test')}"
        + in_cases,
        markup=False,
    )
    for name, share in (("validation", validation), ("test", test)):
        if share > 0 and not plan.moved(name):
            console.print(
                f"no unit went to the {name} split: {share:g} of units this coarse rounds to none "
                f"(--by {'function' if by == By.FILE else 'case'} deals smaller ones)",
                markup=False,
            )
    if dry_run:
        console.print("dry run: nothing changed", markup=False)
        return
    for line in apply_split(root, plan, out=target, seal=seal, options=options):
        console.print(line, markup=False)
    if train and not train.plain:
        console.print(
            f"check the held-out sensors' args in codefit.toml: they take the train sensor's options "
            f"({' '.join(options)}), some of which codefit does not know and may have read wrongly",
            markup=False,
        )
    if verify:
        _verify(root)


def _shown(label: str) -> str:
    """A case unit by its row, said to be a position: `test_x[5]` read as pytest's id would be
    `test_x[utils]`, or the row's values, not its place in the list."""
    target, bracket, index = label.partition("[")
    return f"{target}, row {index.rstrip(']')} of its list (from 0)" if bracket else label


def _collected(root: Path, chosen: list[Path], options: Sequence[str]) -> CaseCounts | None:
    """The suite's cases per test, which the shares are counted in; None (units) when pytest cannot
    collect it, as said."""
    from codefit.gate.collected import collect_cases

    top = root.resolve()
    modules = [path.relative_to(top).as_posix() for path in test_modules(root, chosen)]
    if not modules:
        return None  # nothing to split: plan_split says so
    console.print("collecting the suite (pytest --collect-only): shares are counted in cases", markup=False)
    try:
        return collect_cases(root, modules, options)
    except CodefitError as exc:
        console.print(f"could not collect the suite, so shares are counted in units: {exc}", markup=False)
        return None


def _shares(module: ModulePlan) -> str:
    """`12 units (40 cases); validation 2 (8 cases), test 1 (4 cases)`, cases where collected."""
    cases = module.cases

    def counted(units: int, key: str) -> str:
        return f"{units} ({_cases(cases[key])})" if cases is not None else str(units)

    moved = ", ".join(f"{s} {counted(len(module.moved[s]), s)}" for s in ("validation", "test"))
    total = f"{module.total} units" + (f" ({_cases(cases['all'])})" if cases is not None else "")
    return f"{total}; {moved}"


def _cases(n: int) -> str:
    return f"{n} case" if n == 1 else f"{n} cases"


def _verify(root: Path) -> None:
    """Exit 1 when the split suite does not run the original cases with their outcomes."""
    from codefit.gate.verify import verify_split

    found = verify_split(root, progress=lambda line: console.print(line, markup=False))
    for line in found.lines():
        console.print(line, markup=False)
    if found.errors:  # nothing to compare: the advice on splitting again would mislead
        console.print("not verified: a suite did not run (above); `codefit doctor` tells why", markup=False)
        raise typer.Exit(1)
    if not found.same:
        console.print(
            "the split changed what the suite runs: `codefit split --undo`, then split again "
            "(another --seed, or --by function / --by file keeps such tests together)",
            markup=False,
        )
        raise typer.Exit(1)
