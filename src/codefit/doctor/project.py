"""Doctor check and `fit`'s preflight: does the project's config load, can the code under test's
interpreter run pytest, and does each pytest split collect tests in a workspace copy, confined as
the sensors will run it? When the train split collects nothing (every module failing to import, as
on a src layout without its path) or a held-out split collects no test, a run would spend its steps
and budget on a 0.00; this says why, and the fix, before step 1."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from codefit.config import load_config
from codefit.doctor import DoctorContext, Finding, Level
from codefit.doctor.collection import Collection, read_collection
from codefit.errors import CodefitError, ConfigError
from codefit.harness.plan import RunPlan, plan_from_config, preflight
from codefit.sensors.pytest_sensor import PytestSensor
from codefit.workspace.generated import left_behind, untracked_declared
from codefit.workspace.git import GitDir, git, head_commit
from codefit.workspace.grading import materialize_heldout
from codefit.workspace.workspace import Workspace

CHECK = "project"
COLLECT_TIMEOUT_S = 300.0


def check_project(ctx: DoctorContext) -> Iterator[Finding]:
    try:
        plan = plan_from_config(load_config(ctx.repo, ctx.config))
        preflight(plan)
    except CodefitError as exc:
        yield Finding(CHECK, Level.PROBLEM, str(exc), "fix the config (`codefit init` writes a starter one)")
        return
    yield Finding(CHECK, Level.OK, f"the config loads; pytest runs under {plan.context.python}")
    yield from version_module_findings(plan.repo)
    yield from collection_findings(plan)
    yield from uncommitted_findings(plan.repo)


def uncommitted_findings(repo: Path) -> Iterator[Finding]:
    """The counts above, and a run, take HEAD's tree: edits not committed (a split just made) are in
    neither, which is easy to miss right after `codefit split`."""
    listed = git(repo, "status", "--porcelain", "--untracked-files=no", check=False).splitlines()
    changed = sorted(line[3:] for line in listed if line.strip())
    if changed:
        shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
        yield Finding(
            CHECK,
            Level.WARN,
            f"uncommitted changes ({shown}): the counts above and a run take HEAD's tree without them",
            "commit them, or `codefit fit --dirty` to run with them",
        )


def version_module_findings(repo: Path) -> Iterator[Finding]:
    """What becomes of each version module the build declares and git does not track: carried into
    every tree codefit builds, or left behind and why (then the package may not import there)."""
    try:
        user_git = GitDir(Path(git(repo, "rev-parse", "--absolute-git-dir").strip()), repo)
        declared = untracked_declared(user_git, head_commit(repo))
    except CodefitError:  # no commit yet: the collection below says so
        return
    why = left_behind(repo, declared)
    for rel in declared:
        if rel not in why:
            yield Finding(
                CHECK,
                Level.OK,
                f"{rel}, which your build writes and git ignores, is carried into codefit's copies",
            )
            continue
        fix = (
            "install the project (`pip install -e .`) so that its build writes it"
            if not (repo / rel).exists()
            else f"commit it (`git add -f {rel}`), or write it with the build's default template"
        )
        yield Finding(
            CHECK,
            Level.WARN,
            f"{rel}, declared by your build, is not carried into codefit's copies: {why[rel]}",
            fix,
        )


def collection_findings(plan: RunPlan, *, dirty: bool = False) -> list[Finding]:
    """One finding per pytest sensor: how many tests it collects, or why it collects none."""
    sensors = [s for s in plan.spec.sensors if isinstance(s, PytestSensor)]
    if not sensors:
        return []
    findings = []
    with tempfile.TemporaryDirectory(prefix="codefit-preflight-") as tmp:
        workspace = Workspace.create(plan.repo, Path(tmp) / "ws", dirty=dirty, exclude=plan.heldout_paths())
        for sensor in sensors:
            tree = workspace.path
            if sensor.settings.heldout:
                tree = Path(tmp) / f"grade-{sensor.settings.name}"
                workspace.export_tree(workspace.head(), tree)
                materialize_heldout(sensor.settings, tree)
            findings.append(_finding(sensor, collect(sensor, tree, plan)))
    return findings


def collect(sensor: PytestSensor, tree: Path, plan: RunPlan) -> Collection:
    ctx = plan.context
    env = {k: v for k, v in ctx.env.items() if k != "PYTEST_ADDOPTS"}
    argv = [ctx.python, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "--color=no"]
    done = ctx.run(
        [*argv, *sensor.args()],
        tree,
        env={**env, "PYTHONDONTWRITEBYTECODE": "1"},
        timeout_s=min(sensor.options.timeout, COLLECT_TIMEOUT_S),
    )
    return read_collection(
        done.output,
        done.returncode,
        done.timed_out,
        repo=plan.repo,
        heldout=sensor.settings.heldout,
        args=sensor.args(),
    )


def _finding(sensor: PytestSensor, found: Collection) -> Finding:
    s = sensor.settings
    where = f"sensor {s.name!r} ({s.split.value}" + (f", {s.path})" if s.path else ")")
    if found.timed_out:
        return Finding(CHECK, Level.WARN, f"{where}: {found.cause}", found.fix)
    if found.tests:
        level, note = Level.OK, ""
        if found.errors:
            level, note = Level.WARN, " (some modules fail to collect: the baseline will show them)"
        return Finding(CHECK, level, f"{where} collects {found.tests} tests{note}")
    return Finding(CHECK, Level.PROBLEM, f"{where}: {found.cause}", found.fix)


def stop_on_problems(findings: Sequence[Finding], repo: Path) -> None:
    """`fit`'s preflight: one error naming each problem and its fix, before any step is spent."""
    problems = [f for f in findings if f.level == Level.PROBLEM]
    if problems:
        lines = "; ".join(f"{f.message} -> {f.fix}" if f.fix else f.message for f in problems)
        raise ConfigError(f"the project is not ready for a run: {lines}", where=str(repo))
