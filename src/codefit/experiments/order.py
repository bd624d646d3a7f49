"""The order a sweep hands out its trials: the longest expected first.

With more trials than workers, a long trial handed out last keeps one worker busy while the others
sit idle (on the bundled suite a few tasks take 2-3 times the median). Handing out the longest first
leaves the short ones to fill in at the end. A trial's expected seconds come from the trials this
store has recorded before: the same setting on the same task, else the task under any setting; a
trial never seen is taken as the median, so a first sweep keeps the order it was given.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from statistics import mean, median
from typing import Any

from codefit.experiments.trial import Trial


def longest_first(todo: list[Trial], history: Iterable[dict[str, Any]]) -> list[Trial]:
    by_setting: dict[tuple[str, str], list[float]] = defaultdict(list)
    by_task: dict[str, list[float]] = defaultdict(list)
    for record in history:
        seconds = record.get("seconds")
        if record.get("status") == "infra_error" or not isinstance(seconds, int | float) or seconds <= 0:
            continue  # a failed attempt's seconds say nothing about the run's
        by_setting[(str(record.get("setting_id")), str(record.get("task")))].append(float(seconds))
        by_task[str(record.get("task"))].append(float(seconds))
    if not by_task:
        return list(todo)
    typical = median(s for values in by_task.values() for s in values)

    def expected(trial: Trial) -> float:
        seen = by_setting.get((trial.setting_id, trial.task.name)) or by_task.get(trial.task.name)
        return mean(seen) if seen else typical

    return sorted(todo, key=expected, reverse=True)  # stable: equal estimates keep their order
