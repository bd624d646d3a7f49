"""A sweep's results: per setting, each figure's mean over tasks with a paired-bootstrap 95 % interval,
pairwise differences, and which setting wins on which task.

The best setting is chosen on validation only (met share, then validation score): the test split is
graded once per run and never used to choose, and the table says so."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from codefit.experiments.settings import describe
from codefit.experiments.stats import draws, interval, paired_difference
from codefit.experiments.sweep import SweepState

FIGURES = ("met_share", "val_score", "test_score", "gap", "cheating_rate", "cost_usd", "seconds")
CHOICE_NOTE = "best setting chosen on validation only (met share, then validation score); test never chooses"


def latest_trials(state: SweepState) -> list[dict[str, Any]]:
    """One line per trial (a re-run after an infrastructure error replaces the earlier line)."""
    by_key: dict[str, dict[str, Any]] = {}
    for trial in state.trials:
        by_key[trial["key"]] = trial
    return list(by_key.values())


def per_task(trials: list[dict[str, Any]], figure: str) -> dict[str, dict[str, float]]:
    """setting id -> task -> the figure averaged over the task's repeats (missing values left out)."""
    values: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for t in trials:
        if t["status"] == "infra_error":
            continue
        metrics = t.get("metrics") or {}
        value = (
            float(t["status"] == "met")
            if figure == "met_share"
            else t.get("seconds")
            if figure == "seconds"
            else metrics.get(figure)
        )
        if value is not None:
            values[t["setting_id"]][t["task"]].append(float(value))
    return {s: {task: sum(v) / len(v) for task, v in tasks.items()} for s, tasks in values.items()}


def summarise(state: SweepState, seed: int = 0) -> dict[str, Any]:
    trials = latest_trials(state)
    tasks = sorted({t["task"] for t in trials})
    samples = draws(tasks, seed)
    settings: dict[str, dict[str, Any]] = {}
    for t in trials:
        settings.setdefault(
            t["setting_id"], {"id": t["setting_id"], "values": t["setting"], "trials": 0, "infra_errors": 0}
        )
        settings[t["setting_id"]]["trials"] += 1
        settings[t["setting_id"]]["infra_errors"] += t["status"] == "infra_error"
    tables = {figure: per_task(trials, figure) for figure in FIGURES}
    for sid, entry in settings.items():
        entry["label"] = describe(entry["values"])
        for figure in FIGURES:
            found = interval(tables[figure].get(sid, {}), samples)
            entry[figure] = found.as_dict() if found else None
    ids = sorted(settings)
    pairs = []
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            pair: dict[str, Any] = {"a": a, "b": b}
            for figure in ("met_share", "val_score", "test_score"):
                diff = paired_difference(tables[figure].get(a, {}), tables[figure].get(b, {}), samples)
                pair[figure] = diff.as_dict() if diff else None
            pairs.append(pair)
    winners = {}
    for task in tasks:
        scored = [
            (
                tables["met_share"].get(s, {}).get(task, -1.0),
                tables["val_score"].get(s, {}).get(task) or 0.0,
                s,
            )
            for s in ids
        ]
        top = max(scored)
        winners[task] = [s for m, v, s in scored if (m, v) == top[:2]]
    best = max(
        ids,
        key=lambda s: (
            (settings[s]["met_share"] or {}).get("mean", -1.0),
            (settings[s]["val_score"] or {}).get("mean", -1.0),
        ),
        default=None,
    )
    return {
        "sweep": {
            "id": state.id,
            "status": state.status,
            "suite": state.spec.get("suite_name"),
            "tasks": tasks,
        },
        "settings": [settings[s] for s in ids],
        "pairs": pairs,
        "winners": winners,
        "best_by_validation": best,
        "note": CHOICE_NOTE,
    }


def table_lines(summary: dict[str, Any]) -> list[str]:
    def cell(value: dict[str, float] | None, digits: int = 2) -> str:
        if value is None:
            return "-"
        return f"{value['mean']:.{digits}f} [{value['ci_low']:.{digits}f}, {value['ci_high']:.{digits}f}]"

    sweep = summary["sweep"]
    lines = [f"sweep {sweep['id']} ({sweep['status']}) on {sweep['suite']}: {len(sweep['tasks'])} tasks"]
    head = (
        f"{'setting':10} {'met share':>20} {'validation':>20} {'test':>20} {'gap':>20} {'s/task':>8}  values"
    )
    lines += [head, "-" * len(head)]
    for s in summary["settings"]:
        seconds = s["seconds"]["mean"] if s["seconds"] else 0.0
        mark = "*" if s["id"] == summary["best_by_validation"] else " "
        lines.append(
            f"{s['id']:9}{mark} {cell(s['met_share']):>20} {cell(s['val_score']):>20} "
            f"{cell(s['test_score']):>20} {cell(s['gap']):>20} {seconds:>8.1f}  {s['label']}"
        )
    for pair in summary["pairs"]:
        lines.append(
            f"{pair['a']} - {pair['b']}: met share {cell(pair['met_share'])}, "
            f"validation {cell(pair['val_score'])}"
        )
    lines.append(f"* {summary['note']}")
    return lines
