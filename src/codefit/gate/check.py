"""`codefit check`: judge a change made elsewhere (a pull request) the way `fit` judges a step.

The change is base..head of the user's repository. The harness comes from the BASE commit (its
`codefit.toml`, its sealed held-out tests): a pull request cannot weaken the spec that judges it.
Both trees are laid into one throw-away workspace (base, then head as one checkpoint), so the guards
see the diff a step would have, the train split runs on head, and the held-out splits are graded by
the pristine grader on head. What reaches the outputs of a held-out split never goes beyond its
configured feedback level.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from codefit.config import load_config
from codefit.errors import CodefitError, ConfigError
from codefit.gate.forked import Forked
from codefit.gate.result import CheckResult, verdict
from codefit.guards import policy_for
from codefit.guards.base import Alert, Policy, Severity
from codefit.harness.guarding import inspect_step, tampered_alerts
from codefit.harness.heldout import heldout_texts
from codefit.harness.plan import RunPlan, plan_from_config
from codefit.optimizers.base import StepResult, StepStatus
from codefit.seal import SEALED_DIR, SealError
from codefit.sensors.base import Reading, Sensor, SensorContext, SensorSettings
from codefit.sensors.pytest_shared import can_share
from codefit.spec import FeedbackLevel, Split
from codefit.testfiles import is_test_code
from codefit.workspace.git import git, git_bytes
from codefit.workspace.grading import grade
from codefit.workspace.lifetime import ending_launches_on_ctrl_c
from codefit.workspace.sources import RepositoryTrees
from codefit.workspace.trees import BLOB, EXECUTABLE, blobs, entries
from codefit.workspace.unchanged import with_own_code
from codefit.workspace.workspace import Workspace

QUALITY_FIGURES = ("erosion", "verbosity", "duplication", "concentration", "complexity_max")


class CheckError(CodefitError):
    """The change cannot be checked as asked."""


def run_check(
    repo: Path,
    base: str,
    head: str = "HEAD",
    *,
    mutation: bool = False,
    guards_only: bool = False,
    config_name: str = "codefit.toml",
) -> CheckResult:
    """Guards on base..head, train on head, held-out splits graded on head, quality drift.

    `head` may be a tree (the staged change, for a pre-commit hook); `guards_only` skips every
    sensor and judges the diff alone."""
    for name, ref in (("--base", base), ("--head", head)):
        if ".." in ref:
            raise CheckError(f"{name} takes one commit, not a range ({ref}): --base A --head B judges A..B")
    base_sha, head_sha = _commit(repo, base), _treeish(repo, head)
    with tempfile.TemporaryDirectory(prefix="codefit-check-") as tmp, _named_at_base(Path(tmp), base_sha):
        work = Path(tmp)
        plan, source = from_base(repo, base_sha, config_name, work)
        # Shown as the commit it is (a tree only for the staged change), so `git log` finds it.
        commit = git(repo, "rev-parse", "--verify", "-q", f"{head}^{{commit}}", check=False).strip()
        result = CheckResult(
            base=base_sha, head=commit or head_sha, gates=plan.spec.gates(), spec=config_name
        )
        result.notes += _unjudged(repo, base_sha, head_sha)
        blind = [*plan.spec.validation, *plan.spec.test]
        try:
            heldout = heldout_texts(blind)
        except CodefitError as exc:  # no key on a developer's machine: the leakage guard goes without
            if not guards_only:
                raise
            heldout = {}
            result.notes.append(f"held-out tests not read for the leakage guard: {exc}")
        sealed = [p.resolve().relative_to(repo.resolve()).as_posix() for p in source.excluded]
        changed_spec = spec_alerts(repo, base_sha, head_sha, config_name, plan, sealed)
        spec = [(a, policy_for(a, plan.guards)) for a in changed_spec]
        if guards_only:
            result.alerts = _alerts(plan, _workspace(source, head_sha, work), heldout) + spec
            result.notes += _hints(result.alerts)
            return result
        # A check shows outcomes and counts, never a test's message: no sensor need work for messages.
        shown = replace(plan.context, outcomes_only=True)
        # The train split and the held-out splits start at once, each in a forked child of its own,
        # on the repository's own trees: the longest parts of a check begin while the workspace is
        # built. The train split runs on a clean export of head (nothing its tests write reaches the
        # tree the guards read); the held-out splits are graded in a pristine copy of head, in
        # confined processes of their own. The quality figures and the guards need the workspace and
        # are computed meanwhile, each in a forked child too (every fork before any thread): pure
        # Python, they would otherwise take turns on this interpreter's lock. The train readings add
        # their tamper alerts once they are in.
        with (
            ending_launches_on_ctrl_c(),
            Forked(lambda: _train(source, head_sha, plan, shown, work / "train")) as train,
            Forked(lambda: _heldout(source, head_sha, blind, shown)) as graded,
        ):
            workspace = _workspace(source, head_sha, work)
            before, after = workspace.base, workspace.head()
            with (
                Forked(lambda: _quality(workspace, before, after, work)) as quality,
                Forked(lambda: _alerts(plan, workspace, heldout)) as guards,
            ):
                alerts = guards.result()
                result.quality, note = quality.result()
                result.notes += [note] if note else []
                result.train = train.result()
                result.notes += _interpreter_note(plan, result.train)
                tampered = tampered_alerts(result.train)
                result.alerts = alerts + [(a, policy_for(a, plan.guards)) for a in tampered] + spec
                result.notes += _hints(result.alerts)
                readings = graded.result()
        on_base = _failed_on_base(source, base_sha, blind, shown, readings)
        result.heldout = [
            verdict(reading, sensor.settings, before)
            for reading, sensor, before in zip(readings, blind, on_base, strict=True)
        ]
        if mutation:
            result.mutation_score, note = _mutation(workspace, before, after, plan)
            result.notes += [note] if note else []
        return result


@contextlib.contextmanager
def _named_at_base(work: Path, base: str) -> Iterator[None]:
    """A sealed file's error names it as the base commit has it, not as this check's copy of it."""
    copies = f"{work / 'base'}{os.sep}"
    try:
        yield
    except SealError as exc:
        if not (exc.where or "").startswith(copies):
            raise
        rel = Path(str(exc.where)[len(copies) :]).as_posix()
        raise SealError(exc.message, where=f"{rel} at the base commit {base[:12]}") from None


def _alerts(plan: RunPlan, workspace: Workspace, heldout: Mapping[str, str]) -> list[tuple[Alert, Policy]]:
    """The guards on the whole change, base to head, as on a step a run made (no guard reads the
    readings: the train split's tamper alerts are added from its readings)."""
    return inspect_step(
        plan,
        workspace,
        workspace.base,
        workspace.head(),
        (),
        StepResult(status=StepStatus.EDITED, summary="a change made outside codefit"),
        "",
        heldout,
    )


def spec_alerts(
    repo: Path, base: str, head: str, config_name: str, plan: RunPlan, sealed: Sequence[str]
) -> list[Alert]:
    """The change's edits to what judges changes: the spec and the sealed held-out tests. This check
    used the base's, but once merged the change's judge every change after it: one that drops a
    held-out sensor or deletes sealed tests takes the gate down for them."""
    blind = [s.settings for s in (*plan.spec.validation, *plan.spec.test)]
    listed = git(
        repo, "diff", "--name-status", "--no-renames", base, head, "--", config_name, SEALED_DIR, *sealed
    )
    alerts = []
    for line in listed.splitlines():
        status, _, path = line.partition("\t")
        verb = {"A": "adds", "D": "deletes"}.get(status[:1], "changes")
        if path == config_name:
            what = f"the spec {config_name}" + _dropped_sensors(repo, head, config_name, blind)
        else:
            what = f"the sealed held-out tests {path}"
        message = (
            f"the change {verb} {what}: this check judged it by the base's, but merged it judges every "
            "change after it (a maintainer's edit: review it, or set [guards.policy] spec_changed)"
        )
        alerts.append(
            Alert(guard="gate", kind="spec_changed", severity=Severity.BLOCK, message=message, path=path)
        )
    return alerts


def _dropped_sensors(repo: Path, head: str, config_name: str, blind: Sequence[SensorSettings]) -> str:
    """`, which drops the held-out sensor 'x'` for each of the base's held-out sensors head's spec lacks."""
    text = git(repo, "show", f"{head}:{config_name}", check=False)
    try:
        sensors = tomllib.loads(text).get("sensors", []) if text else []
    except tomllib.TOMLDecodeError:
        return " (which no longer parses)"
    kept = {
        str(s.get("name"))
        for s in sensors
        if isinstance(s, dict) and s.get("split") in ("validation", "test")
    }
    dropped = [repr(s.name) for s in blind if s.name not in kept]
    if not dropped:
        return ""
    return f", which drops the held-out sensor{'s' if len(dropped) > 1 else ''} {' and '.join(dropped)}"


def _interpreter_note(plan: RunPlan, train: Sequence[Reading]) -> list[str]:
    """Where no visible test ran and the tests had codefit's own interpreter (no `.venv` in the
    repository, none active, none configured), that is likely why: the author should know which ran."""
    ran_none = any(r.counts.total and not r.counts.passed for r in train)
    if not ran_none or plan.context.python != sys.executable:
        return []
    return [
        f"the tests ran with codefit's own interpreter ({sys.executable}): the repository has no "
        "`.venv` and no virtual environment is active; set `python` in codefit.toml or activate the "
        "project's environment"
    ]


def _hints(alerts: Sequence[tuple[Alert, Policy]]) -> list[str]:
    """What to do about an alert an honest pull request gets: a test added to a protected test file."""
    blocked = [a.path for a, policy in alerts if a.kind == "protected_changed" and policy != Policy.WARN]
    if not any(is_test_code(path) for path in blocked):
        return []
    return [
        "a protected test file changed: a change that adds tests to it is blocked too. To let such "
        'changes through, the base\'s codefit.toml can set [guards.policy] protected_changed = "warn" '
        "(a weakened, skipped or deleted test is still its own alert)"
    ]


def _unjudged(repo: Path, base: str, head: str) -> list[str]:
    """What the user may think judged and is not: no change at all, or edits not committed."""
    notes = []
    if git(repo, "rev-parse", f"{base}^{{tree}}").strip() == head:
        notes.append("base and head hold the same tree: there is no change to judge")
    at_head = git(repo, "rev-parse", "--verify", "-q", "HEAD^{tree}", check=False).strip() == head
    if at_head and git(repo, "status", "--porcelain", "--untracked-files=no", check=False).strip():
        notes.append("the working tree's uncommitted edits are not judged: commit them, or `--staged`")
    return notes


def staged_tree(repo: Path) -> str:
    """The tree the index holds now: what the next commit would record."""
    return git(repo, "write-tree").strip()


def _treeish(repo: Path, ref: str) -> str:
    sha = git(repo, "rev-parse", "--verify", "-q", f"{ref}^{{tree}}", check=False).strip()
    if not sha:
        raise CheckError(f"no such commit or tree: {ref}", where=str(repo))
    return sha


def _commit(repo: Path, ref: str) -> str:
    sha = git(repo, "rev-parse", "--verify", "-q", f"{ref}^{{commit}}", check=False).strip()
    if not sha:
        remote = git(repo, "for-each-ref", "--format=%(refname:short)", f"refs/remotes/*/{ref}", check=False)
        hint = f" (a clone has it as {remote.split()[0]})" if remote.strip() else ""
        raise CheckError(f"no such commit: {ref}{hint}", where=str(repo))
    return sha


def from_base(repo: Path, base: str, config_name: str, work: Path) -> tuple[RunPlan, RepositoryTrees]:
    """The harness as the base commit has it (its spec, its sealed held-out tests: a change cannot
    alter what judges it), and the repository's trees without the harness's files and those
    sealed files."""
    config = work / config_name
    text = git_bytes(repo, "show", f"{base}:{config_name}", check=False)
    if not text:
        raise CheckError(f"the base commit {base[:12]} has no {config_name}: the spec comes from the base")
    config.write_bytes(text)
    sealed = BaseSealed(repo, base, work / "base")
    try:
        plan = plan_from_config(load_config(repo, config, read_sealed=sealed))
    except ConfigError as exc:  # named as the user knows it, not as this check's copy
        where = f"{config_name} of the base commit {base[:12]}"
        raise ConfigError(
            exc.message, where=where if exc.where == str(config.resolve()) else exc.where
        ) from None
    return plan, RepositoryTrees(repo, base, sealed.places)


class BaseSealed:
    """Reads each sealed file the spec keeps inside the repository from the base commit, into
    `dest`, and keeps its place (no tree the check builds holds it). What judges a change is the
    base's: the checkout on disk (in CI, the pull request's own) could hold an older sealed file
    that judges less, or none at all."""

    def __init__(self, repo: Path, base: str, dest: Path) -> None:
        self.repo, self.base, self.dest = repo.resolve(), base, dest
        self.places: list[Path] = []

    def __call__(self, place: Path) -> Path:
        rel = place.relative_to(self.repo).as_posix()
        copy = self.dest / rel
        if place not in self.places:
            blob = git_bytes(self.repo, "cat-file", "blob", f"{self.base}:{rel}", check=False)
            if not blob:  # absent, or a folder: a sealed file is never empty (its header)
                raise CheckError(
                    f"the base commit has no {rel}: a check reads the held-out tests from the base "
                    f"commit, so they must be committed there (git-ignored? `git check-ignore -v {rel}`)",
                    where=f"{self.repo} at {self.base[:12]}",
                )
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(blob)
            self.places.append(place)
        return copy


def _workspace(source: RepositoryTrees, head: str, work: Path) -> Workspace:
    """A workspace whose base commit is the base's tree and whose head is `head`'s, held-out paths out.

    Both are written from the user's own objects (raw blobs: no attribute of either tree filters
    what is judged); head is laid over base, so only the files the change touches are rewritten."""
    workspace = Workspace.create(source.repo, work / "ws", exclude=source.excluded, commit=source.base)
    source.export_tree(head, workspace.path)
    workspace.snapshot(f"head {head[:12]}")
    return workspace


def _train(
    source: RepositoryTrees, head: str, plan: RunPlan, shown: SensorContext, tree: Path
) -> list[Reading]:
    """The train split on an export of head. What the change leaves as the base has it is the
    project's own code: its introspection is no tampering (`grade` tells the held-out gradings the
    same)."""
    source.export_tree(head, tree)
    own = with_own_code(shown, source, head)
    with ending_launches_on_ctrl_c():  # this child's own launches, when the check is stopped
        return [sensor.read(tree, own) for sensor in plan.spec.train]


def _heldout(
    source: RepositoryTrees, head: str, blind: Sequence[Sensor], shown: SensorContext
) -> list[Reading]:
    """The held-out splits graded on head, one reading per sensor of `blind`, in order. Splits that
    can share one pytest process do: one start and one import of the project instead of one per
    split (`pytest_shared`); a check shows verdicts, no output."""
    groups = [blind] if can_share(blind) else [[sensor] for sensor in blind]
    with (
        ThreadPoolExecutor(max_workers=len(groups) or 1, thread_name_prefix="codefit-check") as pool,
        ending_launches_on_ctrl_c(),  # left first: the pool's threads then have nothing to wait for
    ):
        graded = [pool.submit(grade, source, head, group, shown, shared=True) for group in groups]
        return [reading for future in graded for reading in future.result()]


def _failed_on_base(
    source: RepositoryTrees,
    base: str,
    blind: Sequence[Sensor],
    shown: SensorContext,
    readings: Sequence[Reading],
) -> list[Reading | None]:
    """Each held-out split that failed on head (and may say so) graded on base too, None for the
    others: whether the change broke it or found it broken is what its author asks first, and the
    answer costs a grading only when a split fails."""
    failed = [
        sensor
        for sensor, reading in zip(blind, readings, strict=True)
        if not reading.passed and sensor.settings.feedback != FeedbackLevel.NONE
    ]
    graded = dict(zip(map(id, failed), _heldout(source, base, failed, shown) if failed else [], strict=True))
    return [graded.get(id(sensor)) for sensor in blind]


def _inside(path: Path, repo: Path) -> bool:
    resolved = path.resolve()
    return resolved == repo or repo in resolved.parents


def _quality(
    workspace: Workspace, before: str, after: str, work: Path
) -> tuple[dict[str, tuple[float, float]], str]:
    """The quality figures of the Python files the change touches, their base and their head versions.

    Only those files are written and measured (a file the change adds or deletes counts on one side
    only): the drift is the change's own, not diluted by (nor paid for by measuring) the rest. The
    files are those the `quality` sensor measures by default (no tests); no figure a check shows
    needs vulture's dead-code scan, the dearest, so it is left out."""
    try:
        from codefit.quality.report import QualitySettings, measure
        from codefit.quality.sources import DEFAULT_EXCLUDE, discover, excluded, load
    except ImportError:
        return {}, "quality drift not measured: install codefit[quality]"
    changed = [rel for rel in workspace.changed_files(before, after) if rel.endswith(".py")]
    measured = [rel for rel in changed if not excluded(rel, DEFAULT_EXCLUDE)]  # the sensor's default
    if not measured:
        return {}, "quality drift not measured: the change touches no Python file outside the tests"
    figures: dict[str, list[float]] = {}
    for label, commit in (("base", before), ("head", after)):
        tree = work / f"quality-{label}"
        write_files(workspace, commit, measured, tree)
        sources, _unparsable = load(tree, discover(tree, exclude=DEFAULT_EXCLUDE))
        metrics = measure(sources, QualitySettings(dead_code=False)).metrics()
        for name in QUALITY_FIGURES:
            figures.setdefault(name, []).append(float(metrics.get(name, 0.0)))
    return {name: (values[0], values[1]) for name, values in figures.items()}, ""


def write_files(workspace: Workspace, commit: str, paths: Sequence[str], dest: Path) -> None:
    """The regular files among `paths` as `commit` has them (raw blobs) in a fresh folder; a path
    `commit` lacks (or holds as a link) is left out."""
    wanted = set(paths)
    listed = [
        e for e in entries(workspace.objects, commit) if e.path in wanted and e.mode in (BLOB, EXECUTABLE)
    ]
    content = blobs(workspace.objects, (e.sha for e in listed))
    dest.mkdir()
    for entry in listed:
        target = dest / entry.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content[entry.sha])


def _mutation(workspace: Workspace, before: str, after: str, plan: RunPlan) -> tuple[float | None, str]:
    from codefit.sensors.mutation import MutationOptions, MutationSensor

    changed = [p for p in workspace.changed_files(before, after) if p.endswith(".py") and not is_test_code(p)]
    if not changed:
        return None, "mutation score not measured: the change touches no module outside the tests"
    train_args: Sequence[str] = next(
        (list(args) for s in plan.spec.train if (args := _pytest_args(s)) is not None), []
    )
    sensor = MutationSensor(
        SensorSettings(name="mutation", kind="mutation", split=Split.VALIDATION),
        MutationOptions(include=changed, args=list(train_args), max_mutants=100),
    )
    reading = sensor.read(workspace.path, plan.context)
    return reading.metrics.get("mutation_score", reading.score), ""


def _pytest_args(sensor: object) -> list[str] | None:
    options = getattr(sensor, "options", None)
    args = getattr(options, "args", None)
    return list(args) if isinstance(args, list) else None
