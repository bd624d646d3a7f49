"""The trajectory store's SQLite schema. One file per project: `.codefit/codefit.db` (WAL)."""

from __future__ import annotations

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    status TEXT NOT NULL,
    repo TEXT NOT NULL,
    workspace TEXT NOT NULL,
    base_commit TEXT NOT NULL,
    branch TEXT,
    fingerprint TEXT NOT NULL,
    config TEXT NOT NULL,
    optimizer TEXT NOT NULL,
    max_steps INTEGER NOT NULL,
    chosen_step INTEGER,
    parent_run TEXT,
    parent_step INTEGER,
    final TEXT,
    error TEXT,
    canaries TEXT NOT NULL DEFAULT '[]'
);

CREATE TABLE IF NOT EXISTS steps (
    run_id TEXT NOT NULL REFERENCES runs(id),
    idx INTEGER NOT NULL,
    checkpoint TEXT NOT NULL,
    started REAL NOT NULL,
    ended REAL NOT NULL,
    status TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    error TEXT,
    loss REAL,
    train_score REAL,
    val_score REAL,
    val_passed INTEGER,
    gates_passed INTEGER NOT NULL DEFAULT 0,
    rolled_back INTEGER NOT NULL DEFAULT 0,
    feedback_blob TEXT,
    next_feedback_blob TEXT,
    transcript_blob TEXT,
    raw_blob TEXT,
    diff_blob TEXT,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cached_tokens INTEGER NOT NULL DEFAULT 0,
    cost_usd REAL NOT NULL DEFAULT 0,
    logs TEXT NOT NULL DEFAULT '{}',
    session TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (run_id, idx)
);

CREATE TABLE IF NOT EXISTS readings (
    run_id TEXT NOT NULL REFERENCES runs(id),
    step INTEGER NOT NULL,
    phase TEXT NOT NULL,
    sensor TEXT NOT NULL,
    split TEXT NOT NULL,
    score REAL NOT NULL,
    passed INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS readings_by_step ON readings (run_id, step);

CREATE TABLE IF NOT EXISTS alerts (
    run_id TEXT NOT NULL REFERENCES runs(id),
    step INTEGER NOT NULL,
    guard TEXT NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    message TEXT NOT NULL,
    path TEXT NOT NULL DEFAULT '',
    line INTEGER,
    snippet TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL DEFAULT 'warn'
);
CREATE INDEX IF NOT EXISTS alerts_by_run ON alerts (run_id, step);

CREATE TABLE IF NOT EXISTS queries (
    run_id TEXT NOT NULL REFERENCES runs(id),
    step INTEGER NOT NULL,
    sensor TEXT NOT NULL,
    score REAL NOT NULL,
    passed INTEGER NOT NULL,
    reported TEXT NOT NULL,
    spent INTEGER NOT NULL,
    budget_left INTEGER,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS queries_by_run ON queries (run_id, step);
"""
