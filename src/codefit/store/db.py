"""The trajectory store: SQLite (WAL) + content-addressed blobs under `.codefit/`.

Each step is written in one transaction as soon as it ends, so a killed run loses at most the
step in flight.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

from codefit.errors import StoreError
from codefit.guards.base import Alert
from codefit.sensors.base import Reading
from codefit.store import lock
from codefit.store.blobs import BlobStore
from codefit.store.records import QueryRecord, RunRecord, RunStatus, StepRecord
from codefit.store.schema import SCHEMA, SCHEMA_VERSION

STORE_DIR = ".codefit"
DB_FILE = "codefit.db"

_JSON_RUN_FIELDS = ("config", "final", "canaries")
_JSON_STEP_FIELDS = ("logs", "session")

R = TypeVar("R", RunRecord, StepRecord)


def new_run_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)


class Store:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        ignore = root / ".gitignore"
        if not ignore.exists():  # runs are records, not sources: never in the user's `git status`
            ignore.write_text("*\n", encoding="utf-8")
        self.blobs = BlobStore(root / "blobs")
        self._db = sqlite3.connect(root / DB_FILE, timeout=30, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._db.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
        )

    @classmethod
    def for_repo(cls, repo: Path) -> Store:
        return cls(repo / STORE_DIR)

    def stepping(self, run_id: str) -> AbstractContextManager[None]:
        """Hold the run's lock while this process steps it (see store/lock.py)."""
        return lock.hold(self._lock_path(run_id))

    def is_live(self, run_id: str) -> bool:
        """True while some process is stepping the run; a `running` run that is not live was killed."""
        return lock.is_held(self._lock_path(run_id))

    def _lock_path(self, run_id: str) -> Path:
        return self.root / "runs" / f"{run_id}.lock"

    @classmethod
    def existing(cls, repo: Path) -> Store:
        """The repository's store for reading; an error, not a new empty store, when it has none."""
        if not (repo / STORE_DIR / DB_FILE).is_file():
            raise StoreError("no codefit runs here yet; `codefit fit` records one", where=str(repo))
        return cls.for_repo(repo)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # runs

    def create_run(self, run: RunRecord) -> None:
        with self.transaction() as db:
            _insert(db, "runs", _dump(run, _JSON_RUN_FIELDS))

    def update_run(self, run_id: str, **fields: Any) -> None:
        fields["updated"] = time.time()
        for key in _JSON_RUN_FIELDS:
            if key in fields and fields[key] is not None:
                fields[key] = json.dumps(fields[key])
        for key, value in list(fields.items()):
            if isinstance(value, RunStatus):
                fields[key] = value.value
        assignments = ", ".join(f"{k} = ?" for k in fields)
        with self.transaction() as db:
            db.execute(f"UPDATE runs SET {assignments} WHERE id = ?", (*fields.values(), run_id))

    def run(self, run_ref: str) -> RunRecord:
        """A run by id, unique id prefix, or 'latest'."""
        if run_ref == "latest":
            row = self._db.execute("SELECT * FROM runs ORDER BY created DESC LIMIT 1").fetchone()
            rows = [row] if row else []
        else:
            rows = self._db.execute(
                "SELECT * FROM runs WHERE id = ? OR id LIKE ? ORDER BY created", (run_ref, run_ref + "%")
            ).fetchall()
            exact = [r for r in rows if r["id"] == run_ref]
            rows = exact or rows
        if not rows:
            raise StoreError(f"no run {run_ref!r}; `codefit runs` lists them", where=str(self.root))
        if len(rows) > 1:
            ids = ", ".join(r["id"] for r in rows[:5])
            raise StoreError(f"run {run_ref!r} is ambiguous: {ids}", where=str(self.root))
        return _load(RunRecord, rows[0], _JSON_RUN_FIELDS)

    def runs(self, status: str | None = None, limit: int | None = None) -> list[RunRecord]:
        sql = "SELECT * FROM runs"
        args: list[Any] = []
        if status:
            sql += " WHERE status = ?"
            args.append(status)
        sql += " ORDER BY created DESC"
        if limit:
            sql += " LIMIT ?"
            args.append(limit)
        return [_load(RunRecord, r, _JSON_RUN_FIELDS) for r in self._db.execute(sql, args)]

    # steps, readings, alerts, queries

    def record_step(
        self,
        step: StepRecord,
        readings: Sequence[Reading] = (),
        alerts: Sequence[tuple[Alert, str]] = (),
        queries: Sequence[QueryRecord] = (),
    ) -> None:
        """Everything a step produced, in one transaction."""
        with self.transaction() as db:
            db.execute("DELETE FROM steps WHERE run_id = ? AND idx = ?", (step.run_id, step.idx))
            # Queries are never deleted: a blind answer the optimizer saw stays spent, even when the
            # step that asked is re-run after a crash.
            for table in ("readings", "alerts"):
                db.execute(
                    f"DELETE FROM {table} WHERE run_id = ? AND step = ? AND {_phase_filter(table)}",
                    (step.run_id, step.idx),
                )
            _insert(db, "steps", _dump(step, _JSON_STEP_FIELDS))
            self._insert_readings(db, step.run_id, step.idx, "step", readings)
            for alert, action in alerts:
                _insert(
                    db,
                    "alerts",
                    {
                        "run_id": step.run_id,
                        "step": step.idx,
                        "action": action,
                        **alert.model_dump(mode="json"),
                    },
                )
            for query in queries:
                _insert(db, "queries", query.model_dump(mode="json"))

    def record_queries(self, queries: Sequence[QueryRecord]) -> None:
        with self.transaction() as db:
            for query in queries:
                _insert(db, "queries", query.model_dump(mode="json"))

    def record_final(self, run_id: str, step: int, readings: Sequence[Reading]) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM readings WHERE run_id = ? AND phase = 'final'", (run_id,))
            self._insert_readings(db, run_id, step, "final", readings)

    def steps(self, run_id: str) -> list[StepRecord]:
        rows = self._db.execute("SELECT * FROM steps WHERE run_id = ? ORDER BY idx", (run_id,))
        return [_load(StepRecord, r, _JSON_STEP_FIELDS) for r in rows]

    def readings(self, run_id: str, *, step: int | None = None, phase: str = "step") -> list[Reading]:
        sql = "SELECT data FROM readings WHERE run_id = ? AND phase = ?"
        args: list[Any] = [run_id, phase]
        if step is not None:
            sql += " AND step = ?"
            args.append(step)
        rows = self._db.execute(sql + " ORDER BY step, rowid", args)
        return [Reading.model_validate_json(r["data"]) for r in rows]

    def readings_by_step(self, run_id: str) -> dict[int, list[Reading]]:
        out: dict[int, list[Reading]] = {}
        rows = self._db.execute(
            "SELECT step, data FROM readings WHERE run_id = ? AND phase = 'step' ORDER BY step, rowid",
            (run_id,),
        )
        for row in rows:
            out.setdefault(row["step"], []).append(Reading.model_validate_json(row["data"]))
        return out

    def alerts(self, run_id: str) -> list[tuple[int, Alert, str]]:
        rows = self._db.execute("SELECT * FROM alerts WHERE run_id = ? ORDER BY step, rowid", (run_id,))
        out = []
        for r in rows:
            data = {k: r[k] for k in ("guard", "kind", "severity", "message", "path", "line", "snippet")}
            out.append((r["step"], Alert.model_validate(data), r["action"]))
        return out

    def queries(self, run_id: str) -> list[QueryRecord]:
        rows = self._db.execute("SELECT * FROM queries WHERE run_id = ? ORDER BY step, rowid", (run_id,))
        return [QueryRecord.model_validate(dict(r)) for r in rows]

    def queries_spent(self, run_id: str, sensor: str) -> int:
        row = self._db.execute(
            "SELECT COUNT(*) FROM queries WHERE run_id = ? AND sensor = ? AND spent = 1", (run_id, sensor)
        ).fetchone()
        return int(row[0])

    def _insert_readings(
        self, db: sqlite3.Connection, run_id: str, step: int, phase: str, readings: Sequence[Reading]
    ) -> None:
        for r in readings:
            _insert(
                db,
                "readings",
                {
                    "run_id": run_id,
                    "step": step,
                    "phase": phase,
                    "sensor": r.sensor,
                    "split": r.split.value,
                    "score": r.score,
                    "passed": int(r.passed),
                    "data": r.model_dump_json(),
                },
            )


def _phase_filter(table: str) -> str:
    return "phase = 'step'" if table == "readings" else "1 = 1"


def _insert(db: sqlite3.Connection, table: str, row: dict[str, Any]) -> None:
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(row.values()))


def _dump(record: RunRecord | StepRecord, json_fields: tuple[str, ...]) -> dict[str, Any]:
    row = record.model_dump(mode="json")
    for key in json_fields:
        if row.get(key) is not None:
            row[key] = json.dumps(row[key])
    return {k: (int(v) if isinstance(v, bool) else v) for k, v in row.items()}


def _load(cls: type[R], row: sqlite3.Row, json_fields: tuple[str, ...]) -> R:
    data = dict(row)
    for key in json_fields:
        if data.get(key) is not None:
            data[key] = json.loads(data[key])
    return cls.model_validate(data)
