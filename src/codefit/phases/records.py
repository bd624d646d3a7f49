"""What the store keeps of a phased run's phases: one row per phase in the project's SQLite file,
beside the runs table (the phased run itself is a run row with optimizer `phases`, and each of its
sub-runs an ordinary run)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field

from codefit.records import Record
from codefit.store import Store

PHASED = "phases"  # the optimizer kind a phased run's own row records

TABLE = """
CREATE TABLE IF NOT EXISTS phases (
    run_id TEXT NOT NULL REFERENCES runs(id),
    idx INTEGER NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (run_id, idx)
)
"""


class PhaseStatus(StrEnum):
    RUNNING = "running"
    MET = "met"
    NOT_MET = "not_met"
    ERROR = "error"


class SubRun(Record):
    """One ordinary fit inside a phase (a generate phase has one per plan item)."""

    run: str
    item: str = ""
    status: str
    steps: int
    cost_usd: float
    stop_reason: str = ""
    branch: str | None = None
    transcripts: list[str] = Field(default_factory=list, description="Each step's transcript blob.")


class PhaseRecord(Record):
    run_id: str
    idx: int  # 1-based
    name: str
    kind: str
    status: PhaseStatus
    started: float
    ended: float | None = None
    outcome: str = ""
    sub_runs: list[SubRun] = Field(default_factory=list)
    handoff: dict[str, str] = Field(default_factory=dict, description="Path -> blob of each handed-off file.")

    @property
    def steps(self) -> int:
        return sum(s.steps for s in self.sub_runs)

    @property
    def cost_usd(self) -> float:
        return sum(s.cost_usd for s in self.sub_runs)


def record_phase(store: Store, phase: PhaseRecord) -> None:
    with store.transaction() as db:
        db.execute(TABLE)
        db.execute(
            "INSERT OR REPLACE INTO phases (run_id, idx, name, kind, status, data) VALUES (?, ?, ?, ?, ?, ?)",
            (phase.run_id, phase.idx, phase.name, phase.kind, phase.status.value, phase.model_dump_json()),
        )


def stored_phases(store: Store, run_id: str) -> list[PhaseRecord]:
    with store.transaction() as db:
        db.execute(TABLE)
        rows = db.execute("SELECT data FROM phases WHERE run_id = ? ORDER BY idx", (run_id,)).fetchall()
    return [PhaseRecord.model_validate_json(r[0]) for r in rows]


def phased_run_of(store: Store, run_id: str) -> str | None:
    """The phased run that `run_id` is a sub-run of (finished or in flight), or None."""
    with store.transaction() as db:
        db.execute(TABLE)
        rows = db.execute("SELECT run_id, data FROM phases").fetchall()
    for parent, data in rows:
        if any(sub.run == run_id for sub in PhaseRecord.model_validate_json(data).sub_runs):
            return str(parent)
    return None


def phase_summaries(store: Store, run_id: str) -> list[dict[str, Any]]:
    """The `phases` list of `codefit show --json` (empty for a run without phases)."""
    return [
        {
            **p.model_dump(mode="json"),
            "steps": p.steps,
            "cost_usd": p.cost_usd,
        }
        for p in stored_phases(store, run_id)
    ]
