"""Grading blind and sealed splits in a throw-away copy of a candidate tree.

The held-out tests are materialised only here, never in the optimizer's workspace, and the copy
is made pristine first so that whatever the optimizer added to change how tests run is undone.
A held-out destination gets back the base tree's content first: the candidate may have planted
tests there (they would count) or a link that sends the held-out files out of the copy. The
sensors then run the code under test confined to the copy (`SensorContext.run`).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from codefit.errors import SensorError
from codefit.progress import measured, measured_together
from codefit.sensors.base import Reading, Sensor, SensorContext, SensorSettings
from codefit.sensors.pytest_shared import can_share, read_together
from codefit.workspace import twins
from codefit.workspace.pristine import make_pristine
from codefit.workspace.sources import TreeSource
from codefit.workspace.unchanged import with_own_code

TEST_MODULES = ("test_*.py", "*_test.py")  # pytest's default `python_files`


def grade(
    source: TreeSource, commit: str, sensors: Sequence[Sensor], ctx: SensorContext, *, shared: bool = False
) -> list[Reading]:
    """Readings of `sensors` on `commit` of `source` (a workspace, or a repository's own trees), each
    graded with its held-out files added.

    `shared`: read them in one pytest process where they can share one (`pytest_shared`) and their
    held-out files are disjoint; only for a caller that shows no reading's output."""
    if not sensors:
        return []
    with tempfile.TemporaryDirectory(prefix="codefit-grade-") as tmp:
        copy = Path(tmp) / "tree"
        source.export_tree(commit, copy)
        base_file = functools.partial(source.read, source.base)  # bytes: data files stay as they are
        make_pristine(copy, base_file)
        placed = []
        for sensor in sensors:
            reset_destination(copy, sensor.settings.heldout_dest(), base_file)
            placed.append(materialize_heldout(sensor.settings, copy))
        plans = plant_twins(sensors, placed)
        graded = with_own_code(
            dataclasses.replace(ctx, own_modules=base_names(source.files(source.base))), source, commit
        )
        # The progress shows each reading as judged: its twins out (a raw held-out reading counts
        # their failures, and said FAIL of a split that passed).
        if shared and can_share(sensors) and disjoint(placed):
            together = sensors  # narrowed to pytest sensors by `can_share`; a lambda would lose it
            return measured_together(
                together,
                lambda: [
                    twins.resolve(reading, plan)
                    for reading, plan in zip(read_together(together, copy, graded), plans, strict=True)
                ],
            )
        return [
            measured(sensor, copy, graded, functools.partial(twins.resolve, plan=plan))
            for sensor, plan in zip(sensors, plans, strict=True)
        ]


def disjoint(placed: Sequence[Sequence[Path]]) -> bool:
    """Whether no file was placed by two sensors (the later would have replaced the earlier's)."""
    files = [path for paths in placed for path in paths]
    return len(files) == len(set(files))


def plant_twins(sensors: Sequence[Sensor], placed: Sequence[Sequence[Path]]) -> list[twins.TwinPlan]:
    """Twins among each pytest sensor's own held-out files (see `twins`); none for other kinds.

    Only the files a sensor placed are rewritten, each once: with held-out files laid over the whole
    tree (dest "."), the visible tests and the other sensors' files are not that sensor's held-out
    tests, and a file rewritten twice would get twins of twins under names no plan knows."""
    planted: dict[Path, twins.TwinPlan] = {}
    plans = []
    for sensor, files in zip(sensors, placed, strict=True):
        own = files if sensor.settings.kind == "pytest" else []
        planted.update(twins.plant_files([path for path in own if path not in planted]))
        plan = twins.TwinPlan()
        for path in own:
            plan.merge(planted.get(path, twins.TwinPlan()))
        plans.append(plan)
    return plans


def base_names(files: Sequence[str]) -> frozenset[str]:
    """The name of every file and folder of the base tree (a module's without `.py`)."""
    names = set()
    for rel in files:
        for part in Path(rel).parts:
            names.add(part[:-3] if part.endswith(".py") else part)
    return frozenset(names)


def reset_destination(copy: Path, dest: str, base: Callable[[str], bytes | None]) -> None:
    """Leave at `dest` only what the base tree has there, and no link on the way to it.

    Where the base tree keeps code under test at `dest` (tests inside the package: `iso8601/`), the
    candidate's Python modules there are the code graded and stay; its test modules, links and
    other files go back to the base tree's (an honest iso8601 fix was undone before grading)."""
    current = copy
    for part in Path(dest).parts:
        current = current / part
        if current.is_symlink() or current.is_file():
            current.unlink()
    root = copy / dest
    if root == copy or not root.is_dir():
        return
    keep_code = holds_code(copy, root, base)
    for path in sorted(root.rglob("*"), reverse=True):  # files before their directories
        rel = path.relative_to(copy).as_posix()
        if path.is_dir() and not path.is_symlink():
            if not any(path.iterdir()):
                path.rmdir()
            continue
        if keep_code and not path.is_symlink() and is_code_module(path.name):
            continue
        original = base(rel)
        if original is not None and not path.is_symlink() and path.read_bytes() == original:
            continue
        path.unlink()
        if original is not None:
            path.write_bytes(original)


def holds_code(copy: Path, root: Path, base: Callable[[str], bytes | None]) -> bool:
    """Whether the base tree has a Python module at `root` that is not a test module."""
    modules = [p for p in root.rglob("*.py") if is_code_module(p.name) and p.name != "__init__.py"]
    return any(base(path.relative_to(copy).as_posix()) is not None for path in modules)


def is_code_module(name: str) -> bool:
    """A Python module pytest does not collect or load as tests by default."""
    if not name.endswith(".py") or name == "conftest.py":
        return False
    return not any(fnmatch.fnmatchcase(name, pattern) for pattern in TEST_MODULES)


def materialize_heldout(settings: SensorSettings, copy: Path) -> list[Path]:
    """Place a sensor's held-out files at their destination inside the grading copy; the files placed."""
    dest = copy / settings.heldout_dest()
    with tempfile.TemporaryDirectory(prefix="codefit-heldout-") as tmp:
        staging = Path(tmp) / "heldout"
        if settings.path is not None:
            if settings.path.is_dir():
                shutil.copytree(settings.path, staging)
            else:
                staging.mkdir()
                shutil.copy2(settings.path, staging / settings.path.name)
        elif settings.sealed is not None:
            try:
                from codefit.seal import decrypt_into
            except ImportError as exc:  # the sealing extra is not installed
                raise SensorError(
                    "sealed held-out tests need the `guards` extra (cryptography)",
                    where=f"sensor {settings.name!r}",
                ) from exc
            decrypt_into(settings.sealed, staging)
        else:
            return []
        files = sorted(
            p.relative_to(staging) for p in staging.rglob("*") if p.is_file() and not p.is_symlink()
        )
        shutil.copytree(staging, dest, symlinks=True, dirs_exist_ok=True)
    return [dest / rel for rel in files]
