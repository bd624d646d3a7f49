"""A run that a run made of runs (a checkpoint series, a phased run) had in flight when it stopped:
resumed where it stopped, or, when it had already finished, its recorded outcome as a History."""

from __future__ import annotations

from codefit.harness.loop import History, Trainer
from codefit.store import RunStatus, Store


def continue_run(trainer: Trainer, store: Store, run_id: str) -> History:
    """`trainer.resume(run_id)` for a run still running; the recorded History of a finished one."""
    if store.run(run_id).status == RunStatus.RUNNING:
        return trainer.resume(run_id)
    return recorded_history(store, run_id)


def recorded_history(store: Store, run_id: str) -> History:
    """A finished run's History, read back from the store."""
    run = store.run(run_id)
    final = run.final or {}
    return History(
        run_id=run.id,
        status=run.status,
        branch=run.branch,
        stop_reason=str(final.get("stop_reason") or ""),
        steps=[s.logs for s in store.steps(run.id) if s.idx > 0],
        final=final,
    )
