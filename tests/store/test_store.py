from __future__ import annotations

import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from codefit.errors import StoreError
from codefit.guards.base import Alert, Severity
from codefit.sensors.base import Counts, Outcome, Reading, TestResult
from codefit.spec import Split
from codefit.store import QueryRecord, RunRecord, RunStatus, StepRecord, Store
from tests.conftest import MakeRepo


def run_record(run_id: str, created: float) -> RunRecord:
    return RunRecord(
        id=run_id,
        created=created,
        updated=created,
        status=RunStatus.RUNNING,
        repo="/repo",
        workspace="/ws",
        base_commit="abc",
        fingerprint="f" * 16,
        config={"max_steps": 3},
        optimizer="command",
        max_steps=3,
    )


def reading() -> Reading:
    return Reading(
        sensor="unit",
        split=Split.TRAIN,
        score=0.5,
        passed=False,
        counts=Counts(total=2, passed=1, failed=1),
        tests=(
            TestResult(nodeid="t::a", outcome=Outcome.PASSED),
            TestResult(nodeid="t::b", outcome=Outcome.FAILED, message="boom"),
        ),
        metrics={"erosion": 0.25},
    )


def test_runs_steps_readings_alerts_and_queries_round_trip(tmp_path: Path) -> None:
    store = Store(tmp_path / ".codefit")
    store.create_run(run_record("20260101-000000-aaaa", 1.0))
    step = StepRecord(
        run_id="20260101-000000-aaaa",
        idx=1,
        checkpoint="c1",
        started=1.0,
        ended=2.0,
        status="edited",
        loss=0.5,
        train_score=0.5,
        feedback_blob=store.blobs.put("feedback text"),
        logs={"loss": 0.5},
        session={"session_id": "s-1"},
    )
    alert = Alert(
        guard="tamper", kind="test_deleted", severity=Severity.WARN, message="m", path="t.py", line=3
    )
    query = QueryRecord(
        run_id=step.run_id,
        step=1,
        sensor="holdout",
        score=0.0,
        passed=False,
        reported="verdict",
        spent=True,
        budget_left=4,
        created=time.time(),
    )
    store.record_step(step, [reading()], [(alert, "warn")], [query])

    reopened = Store(tmp_path / ".codefit")
    [loaded] = reopened.steps("20260101-000000-aaaa")
    assert loaded == step
    assert reopened.blobs.text(loaded.feedback_blob) == "feedback text"
    assert reopened.readings("20260101-000000-aaaa", step=1) == [reading()]
    assert reopened.alerts("20260101-000000-aaaa") == [(1, alert, "warn")]
    assert reopened.queries("20260101-000000-aaaa") == [query]
    assert reopened.queries_spent("20260101-000000-aaaa", "holdout") == 1


def test_rerecording_a_step_replaces_it(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.create_run(run_record("r1", 1.0))
    first = StepRecord(run_id="r1", idx=1, checkpoint="a", started=0, ended=1, status="error")
    store.record_step(first, [reading()])
    store.record_step(first.model_copy(update={"checkpoint": "b"}), [reading()])
    assert [s.checkpoint for s in store.steps("r1")] == ["b"]
    assert len(store.readings("r1")) == 1


def test_run_lookup_by_prefix_latest_and_errors(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.create_run(run_record("20260101-000000-aaaa", 1.0))
    store.create_run(run_record("20260102-000000-bbbb", 2.0))
    assert store.run("20260102").id == "20260102-000000-bbbb"
    assert store.run("latest").id == "20260102-000000-bbbb"
    with pytest.raises(StoreError, match="ambiguous"):
        store.run("2026010")
    with pytest.raises(StoreError, match="no run 'zzz'"):
        store.run("zzz")
    store.update_run("20260101-000000-aaaa", status=RunStatus.MET, final={"met": True})
    assert store.run("20260101-000000-aaaa").final == {"met": True}
    assert [r.id for r in store.runs(status="met")] == ["20260101-000000-aaaa"]


def test_database_is_in_wal_mode(tmp_path: Path) -> None:
    Store(tmp_path)
    mode = sqlite3.connect(tmp_path / "codefit.db").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_blobs_are_content_addressed(tmp_path: Path) -> None:
    store = Store(tmp_path)
    a = store.blobs.put("same")
    assert store.blobs.put(b"same") == a
    assert store.blobs.get(a) == b"same"
    with pytest.raises(StoreError, match="missing"):
        store.blobs.get("0" * 64)


def test_a_new_store_keeps_itself_out_of_git_status(make_repo: MakeRepo) -> None:
    repo = make_repo({"a.py": "x = 1\n"})
    Store.for_repo(repo).close()
    assert (repo / ".codefit" / "codefit.db").is_file()
    status = subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True)
    assert status.stdout == ""


def test_reading_a_repository_without_runs_is_an_error_and_creates_nothing(make_repo: MakeRepo) -> None:
    repo = make_repo({"a.py": "x = 1\n"})
    with pytest.raises(StoreError, match="no codefit runs here yet"):
        Store.existing(repo)
    assert not (repo / ".codefit").exists()


def test_a_run_is_live_while_a_process_steps_it_and_only_one_may(tmp_path: Path) -> None:
    store = Store(tmp_path / ".codefit")
    assert not store.is_live("r1")
    with store.stepping("r1"):
        assert store.is_live("r1")
        with pytest.raises(StoreError, match="another codefit process"), store.stepping("r1"):
            pass
    assert not store.is_live("r1"), "the lock goes with the block (and with a killed process)"
