"""Bringing a trial's records and blobs into the driver's store (a worker's store comes back as a tar)."""

from __future__ import annotations

import io
import re
import shutil
import sqlite3
import tarfile
import tempfile
from pathlib import Path

from codefit.store import Store

DB_FILE = "codefit.db"
_CREATE_TABLE = re.compile(r"^\s*CREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?", re.IGNORECASE)


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
            tables = target.execute(
                "SELECT name, sql FROM trial.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            ).fetchall()
            target.execute("BEGIN IMMEDIATE")
            for table, create in tables:
                if table == "meta":
                    continue
                # A table the driver's store does not have yet (a plug-in's, or a newer codefit's on
                # the worker) is made as the worker made it; columns are those both sides know.
                target.execute(_in_main(create))
                mine = {r[1] for r in target.execute(f"PRAGMA main.table_info({table})")}
                columns = [r[1] for r in target.execute(f"PRAGMA trial.table_info({table})") if r[1] in mine]
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


def _in_main(create: str) -> str:
    """The worker's CREATE TABLE statement, made harmless where the driver has the table already."""
    return _CREATE_TABLE.sub("CREATE TABLE IF NOT EXISTS ", create, count=1)
