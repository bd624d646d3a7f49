"""A checkpoint's end, measured: every checkpoint's tests so far on the chosen tree (forgetting),
and the tree's quality figures (erosion, verbosity, duplication, concentration)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from codefit.guards.canaries import Canary, without_canaries
from codefit.sensors.base import Outcome, Reading, Sensor, SensorContext
from codefit.spec import Split
from codefit.store import RunRecord, Store
from codefit.workspace.grading import grade
from codefit.workspace.measure import read_committed
from codefit.workspace.workspace import Workspace

QUALITY_KEYS = ("erosion", "verbosity", "duplication", "concentration")
PASSING = (Outcome.PASSED, Outcome.XFAILED)


@dataclass(frozen=True)
class Boundary:
    """{checkpoint name: {test id: passed}} on the chosen tree, and that tree's quality."""

    outcomes: dict[str, dict[str, bool]]
    quality: dict[str, float]


def measure_boundary(
    store: Store,
    run: RunRecord,
    sensors: Sequence[tuple[str, Sequence[Sensor]]],
    ctx: SensorContext,
    carry_to: Path,
    quality: Callable[[Path], dict[str, float]],
) -> Boundary:
    """Grade each (checkpoint, its sensors) on the run's chosen tree; write that tree to `carry_to`."""
    commit = str((run.final or {}).get("checkpoint") or "")
    bundle = _bundle(store, run)
    canaries = [Canary.model_validate(c) for c in run.canaries]
    outcomes: dict[str, dict[str, bool]] = {}
    with tempfile.TemporaryDirectory(prefix="codefit-boundary-") as tmp:
        workspace = Workspace.from_bundle(bundle, Path(tmp) / "ws", commit)
        for name, own in sensors:
            visible = [s for s in own if s.settings.split == Split.TRAIN]
            heldout = [s for s in own if s.settings.split != Split.TRAIN]
            readings = without_canaries(read_committed(workspace, commit, visible, ctx), canaries)
            outcomes[name] = test_outcomes([*readings, *grade(workspace, commit, heldout, ctx)])
        workspace.export_tree(commit, carry_to)
    return Boundary(outcomes=outcomes, quality=quality(carry_to))


def export_chosen(store: Store, run: RunRecord, dest: Path) -> None:
    """Write the tree `run` chose to `dest` (where a resumed series continues from)."""
    commit = str((run.final or {}).get("checkpoint") or "")
    with tempfile.TemporaryDirectory(prefix="codefit-boundary-") as tmp:
        Workspace.from_bundle(_bundle(store, run), Path(tmp) / "ws", commit).export_tree(commit, dest)


def _bundle(store: Store, run: RunRecord) -> Path:
    return store.root / "runs" / f"{run.id}.bundle"


def test_outcomes(readings: Sequence[Reading]) -> dict[str, bool]:
    """{"sensor::nodeid": passed} over every test the readings ran (skipped ones left out)."""
    return {
        f"{r.sensor}::{t.nodeid}": t.outcome in PASSING
        for r in readings
        for t in r.tests
        if t.outcome != Outcome.SKIPPED
    }


def forgotten(then: Mapping[str, bool], now: Mapping[str, bool]) -> list[str]:
    """Tests that passed at their own checkpoint and do not pass now (failing, erroring or gone)."""
    return sorted(test for test, passed in then.items() if passed and not now.get(test, False))


def tree_quality(
    tree: Path, include: Sequence[str] = (), exclude: Sequence[str] | None = None
) -> dict[str, float]:
    """The quality sensor's figures of a tree's code (by default all but the tests); {} without
    the quality extra."""
    try:
        from codefit.quality.report import measure
    except ImportError:
        return {}
    from codefit.quality.sources import DEFAULT_EXCLUDE, discover, load

    paths = discover(tree, include, DEFAULT_EXCLUDE if exclude is None else exclude)
    sources, _broken = load(tree, paths)
    figures = measure(sources).metrics()
    return {key: figures[key] for key in QUALITY_KEYS}


def drift(previous: Mapping[str, float], current: Mapping[str, float]) -> dict[str, float]:
    """Each figure's change since the previous boundary (or the starting tree)."""
    return {key: current[key] - previous[key] for key in QUALITY_KEYS if key in current and key in previous}
