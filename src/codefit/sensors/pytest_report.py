"""Reading the signed report of a pytest run (written by `codefit_pytest_channel`).

Each line is `<mac> <json>`, the MAC chained over the previous line's. A run is trusted up to the
first line that does not verify: that line and everything after it were not written by the
reporter, so the reading is tampered. A last line cut short (a kill mid-write) is only dropped.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KEY_BYTES = 32


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


@dataclass(frozen=True)
class Report:
    events: list[dict[str, Any]]
    forged: str | None  # why the report cannot be trusted past its events, or None


def read_report(path: Path, key: bytes) -> Report:
    if not path.exists():
        return Report([], None)
    data = path.read_bytes()
    lines = data.split(b"\n")
    if lines and not data.endswith(b"\n"):
        lines = lines[:-1]  # cut by a kill mid-write
    events: list[dict[str, Any]] = []
    previous = b""
    for number, line in enumerate(lines, start=1):
        if not line:
            continue
        signature, _, body = line.partition(b" ")
        expected = hmac.new(key, previous + b"\n" + body, hashlib.sha256).hexdigest().encode()
        if not hmac.compare_digest(signature, expected):
            return Report(events, f"line {number} of the report was not written by codefit's reporter")
        previous = signature
        try:
            record = json.loads(body)
        except json.JSONDecodeError:
            return Report(events, f"line {number} of the report is not a record")
        if isinstance(record, dict):
            events.append(record)
    return Report(events, None)
