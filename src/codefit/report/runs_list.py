"""The run list: which runs a filter selects, and each run as one JSON-ready row (`runs --json`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from codefit.errors import ConfigError
from codefit.store import RunRecord, RunStatus, Store

INTERRUPTED = "interrupted"  # `running` in the store, but no process is stepping it
STATUSES = (*(s.value for s in RunStatus), INTERRUPTED)


def check_status(status: str | None) -> None:
    """A status filter must be one of STATUSES (a typo would otherwise match nothing, silently)."""
    if status is not None and status not in STATUSES:
        raise ConfigError(f"unknown run status {status!r}; expected one of: {', '.join(STATUSES)}")


def select_runs(
    store: Store,
    *,
    status: str | None = None,
    optimizer: str | None = None,
    fingerprint: str | None = None,
    parent: str | None = None,
    limit: int | None = None,
) -> list[RunRecord]:
    """The runs matching every given filter, newest first."""
    check_status(status)
    stored = store.runs(status=RunStatus.RUNNING.value if status == INTERRUPTED else status)
    found = [
        run
        for run in stored
        if (optimizer is None or run.optimizer == optimizer)
        and (fingerprint is None or run.fingerprint.startswith(fingerprint))
        and (parent is None or (run.parent_run or "").startswith(parent))
        and (status != INTERRUPTED or not store.is_live(run.id))
    ]
    return found[:limit] if limit else found


def shown_status(store: Store, run: RunRecord) -> str:
    if run.status == RunStatus.RUNNING and not store.is_live(run.id):
        return INTERRUPTED
    return run.status.value


def run_rows(store: Store, runs: Sequence[RunRecord]) -> list[dict[str, Any]]:
    """One dict per run: the columns of `codefit runs`, with full ids and unrounded scores."""
    rows = []
    for run in runs:
        final = run.final or {}
        rows.append(
            {
                "id": run.id,
                "status": shown_status(store, run),
                "optimizer": run.optimizer,
                "created": run.created,
                "steps": max(len(store.steps(run.id)) - 1, 0),
                "max_steps": run.max_steps,
                "train": (final.get("train") or {}).get("score"),
                "validation": (final.get("validation") or {}).get("score"),
                "test": (final.get("test") or {}).get("score"),
                "generalization_gap": final.get("generalization_gap"),
                "branch": run.branch,
                "fingerprint": run.fingerprint,
                "parent_run": run.parent_run,
            }
        )
    return rows
