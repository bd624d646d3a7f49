"""A trial's store comes back into the driver's, whatever tables the worker's codefit keeps."""

from __future__ import annotations

import io
import sqlite3
import tarfile
from pathlib import Path

from codefit.experiments.transfer import import_store
from codefit.store import Store


def execute(store: Store, *statements: str) -> None:
    with sqlite3.connect(store.root / "codefit.db") as db:
        for statement in statements:
            db.execute(statement)


def packed(store: Store) -> bytes:
    store.close()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(store.root.rglob("*")):
            if path.is_file():
                tar.add(path, arcname=str(path.relative_to(store.root)))
    return buffer.getvalue()


def test_a_table_only_the_worker_has_is_made_and_filled_in_the_driver_s_store(tmp_path: Path) -> None:
    worker = Store(tmp_path / "worker")
    execute(
        worker,
        "CREATE TABLE IF NOT EXISTS phases (run_id TEXT, idx INTEGER, data TEXT, PRIMARY KEY (run_id, idx))",
        "INSERT INTO phases VALUES ('r1', 0, '{}')",
        "CREATE TABLE extra (id TEXT PRIMARY KEY, added TEXT)",  # no IF NOT EXISTS
        "INSERT INTO extra VALUES ('a', 'new column')",
    )
    data = packed(worker)
    driver = Store(tmp_path / "driver")
    execute(driver, "CREATE TABLE extra (id TEXT PRIMARY KEY)")  # an older shape of that table
    import_store(driver, data)
    import_store(driver, data)  # again: nothing twice, nothing refused
    with sqlite3.connect(driver.root / "codefit.db") as db:
        assert db.execute("SELECT run_id, idx, data FROM phases").fetchall() == [("r1", 0, "{}")]
        assert db.execute("SELECT * FROM extra").fetchall() == [("a",)]
