"""`codefit sweep show` for a suite whose tasks declare checkpoints: checkpoints met (and tests
forgotten) per setting and task, from the trial metrics a series leaves (`series_metrics`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any


def sweep_checkpoints(trials: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per setting and task with checkpoints: mean checkpoints met, their count, mean forgetting,
    over the task's repeats ([] when no trial trained checkpoints)."""
    found: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
    for trial in trials:
        metrics = trial.get("metrics") or {}
        if metrics.get("checkpoints_met") is not None:
            found[(str(trial["setting_id"]), str(trial["task"]))].append(metrics)
    return [
        {
            "setting": setting,
            "task": task,
            "repeats": len(runs),
            "checkpoints_met": _mean(m["checkpoints_met"] for m in runs),
            "checkpoints": max(int(m.get("checkpoints") or 0) for m in runs) or None,
            "forgetting": _mean(m.get("forgetting") or 0 for m in runs),
        }
        for (setting, task), runs in sorted(found.items())
    ]


def sweep_checkpoint_lines(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    if not rows:
        return []
    lines = ["checkpoints met per setting (mean over repeats; forgot: earlier checkpoints' tests broken)"]
    for row in rows:
        of = f"/{row['checkpoints']}" if row["checkpoints"] else ""
        lines.append(
            f"{row['setting']:9}  {row['task']}: {row['checkpoints_met']:.1f}{of} met, "
            f"forgot {row['forgetting']:.1f} ({row['repeats']} run(s))"
        )
    return lines


def _mean(values: Any) -> float:
    found = [float(v) for v in values]
    return sum(found) / len(found) if found else 0.0
