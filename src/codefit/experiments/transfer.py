"""Bringing a trial's records and blobs into the driver's store (a worker's store comes back as a tar)."""

from __future__ import annotations

import io
import shutil
import sqlite3
import tarfile
import tempfile
from pathlib import Path

from codefit.store import Store

DB_FILE = "codefit.db"


def import_store(store: Store, packed: bytes) -> None:
    """Every run of the packed store, with its steps, readings, alerts, queries, blobs and bundle."""
    with tempfile.TemporaryDirectory(prefix="codefit-import-") as tmp:
        root = Path(tmp)
        with tarfile.open(fileobj=io.BytesIO(packed), mode="r:gz") as tar:
            tar.extractall(root, filter="data")
        if not (root / DB_FILE).exists():
            return
        with sqlite3.connect(root / DB_FILE) as source:  # replays the worker's WAL, if any
            source.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        target = sqlite3.connect(store.root / DB_FILE, timeout=30, isolation_level=None)
        try:
            target.execute("ATTACH DATABASE ? AS trial", (str(root / DB_FILE),))
            tables = [
                r[0] for r in target.execute("SELECT name FROM trial.sqlite_master WHERE type = 'table'")
            ]
            target.execute("BEGIN IMMEDIATE")
            for table in tables:
                if table == "meta":
                    continue
                columns = [r[1] for r in target.execute(f"PRAGMA trial.table_info({table})")]
                names = ", ".join(columns)
                target.execute(
                    f"INSERT OR IGNORE INTO main.{table} ({names}) SELECT {names} FROM trial.{table}"
                )
            target.execute("COMMIT")
            target.execute("DETACH DATABASE trial")
        finally:
            target.close()
        for folder in ("blobs", "runs"):
            source_dir = root / folder
            for path in source_dir.rglob("*") if source_dir.exists() else ():
                dest = store.root / folder / path.relative_to(source_dir)
                if path.is_file() and not dest.exists():
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, dest)
