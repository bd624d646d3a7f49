"""Several held-out pytest sensors read in one pytest process, one reading each.

Each pytest process pays the interpreter's start, pytest's import, the project's import and the
boot's instrumentation before its first test; on a small suite that is most of its time. So where
the blind splits would run alike, `codefit check` grades them in one process.

Sensors share a process only when that cannot change what each would have read alone: held-out
pytest sensors with the same options, the same pytest options in their args (`pytest_args`), other
args that are plain paths (no node id) and no path of one sensor holding or lying in a path of
another. Each test goes to the sensor whose path holds its file. A collection error no sensor's
path holds (a conftest failing at a folder above them) goes to every sensor, as each would have
met it alone. Should any collected test belong to no sensor (a rootdir that names tests otherwise
than the args do), the process's results are dropped and each sensor reads alone.

The process's output is withheld from the readings: it names the tests of every sensor, and one
split may not learn another's.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeGuard, cast

from codefit.sensors.base import Reading, Sensor, SensorContext
from codefit.sensors.pytest_args import parse_args
from codefit.sensors.pytest_sensor import PytestSensor, build_reading, skip_declarations

WITHHELD = "(output withheld: this process also ran another split's held-out tests)"


def can_share(sensors: Sequence[Sensor]) -> TypeGuard[Sequence[PytestSensor]]:
    """Whether `sensors` may be read in one pytest process (see the module's docstring)."""
    if len(sensors) < 2 or not all(type(s) is PytestSensor and s.settings.heldout for s in sensors):
        return False
    pytest_sensors = cast("Sequence[PytestSensor]", sensors)
    first = pytest_sensors[0]
    alike = all(
        s.options.model_dump(exclude={"args"}) == first.options.model_dump(exclude={"args"})
        and parse_args(s.args()).options == parse_args(first.args()).options
        and s.test_timeout_s() == first.test_timeout_s()
        for s in pytest_sensors
    )
    selections = [_selection(s) for s in pytest_sensors]
    if not alike or any(not paths for paths in selections):
        return False
    return not any(
        _holds(a, b) or _holds(b, a)
        for i, mine in enumerate(selections)
        for theirs in selections[i + 1 :]
        for a in mine
        for b in theirs
    )


def read_together(sensors: Sequence[PytestSensor], tree: Path, ctx: SensorContext) -> list[Reading]:
    """One reading per sensor, from one pytest process on all their args (`can_share` holds)."""
    selections = [_selection(s) for s in sensors]
    declared = {}
    for sensor in sensors:
        declared.update(skip_declarations(tree, sensor.settings))
    entries = os.pathsep.join(s.heldout_entries() for s in sensors)
    timeout_s = min(sum(s.options.timeout for s in sensors), ctx.timeout_s)
    args = [*parse_args(sensors[0].args()).options, *(p for paths in selections for p in paths)]
    events, completed = sensors[0].launch(tree, ctx, args, entries, timeout_s)
    collected = [n for e in events if e.get("event") == "collected" for n in e.get("nodeids", [])]
    if any(not _owners(n, selections) for n in collected):
        return [sensor.read(tree, ctx) for sensor in sensors]
    withheld = dataclasses.replace(completed, stdout=WITHHELD, stderr="")
    return [
        build_reading(sensor.settings, _own_events(events, i, selections), withheld, declared)
        for i, sensor in enumerate(sensors)
    ]


def _selection(sensor: PytestSensor) -> tuple[str, ...]:
    """The tests the sensor's args name, as normalised relative paths; empty when an option is not
    known for certain (its value could be a path) or a test is named otherwise (a node id)."""
    parsed = parse_args(sensor.args())
    if not parsed.plain or any("::" in a or os.path.isabs(a) for a in parsed.paths):
        return ()
    return tuple(posixpath.normpath(a) for a in parsed.paths)


def _holds(folder: str, path: str) -> bool:
    return folder == "." or path == folder or path.startswith(folder + "/")


def _owners(nodeid: str, selections: Sequence[tuple[str, ...]]) -> list[int]:
    file = nodeid.split("::", 1)[0]
    return [i for i, paths in enumerate(selections) if any(_holds(p, file) for p in paths)]


def _own_events(
    events: list[dict[str, Any]], index: int, selections: Sequence[tuple[str, ...]]
) -> list[dict[str, Any]]:
    """The events sensor `index` would have had alone: its tests and collection errors, those no
    sensor owns, and every event about the process as a whole (finished, tampered)."""
    mine: list[dict[str, Any]] = []
    for event in events:
        kind = event.get("event")
        if kind == "collected":
            errors = [
                bad
                for bad in event.get("errors", [])
                if index in (_owners(bad["nodeid"], selections) or [index])
            ]
            nodeids = [n for n in event.get("nodeids", []) if index in _owners(n, selections)]
            mine.append({**event, "nodeids": nodeids, "errors": errors})
        elif kind == "test":
            if index in (_owners(event["nodeid"], selections) or [index]):
                mine.append(event)
        else:
            mine.append(event)
    return mine
