"""Protected files changed: a hash comparison of every protected path the step touched."""

from __future__ import annotations

import hashlib
from typing import ClassVar

from codefit.guards.base import Alert, Change, Severity
from codefit.guards.source import Hit, alert, line_hit, matches, read_after, snippet


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", errors="replace")).hexdigest()


def first_difference(before: str, after: str) -> int:
    for i, (a, b) in enumerate(zip(before.splitlines(), after.splitlines(), strict=False), start=1):
        if a != b:
            return i
    return min(len(before.splitlines()), len(after.splitlines())) + 1


class ProtectedGuard:
    name = "protected"
    kinds: ClassVar[tuple[str, ...]] = ("protected_changed", "protected_deleted", "protected_added")

    def inspect(self, change: Change) -> list[Alert]:
        alerts = []
        for rel in change.changed_files:
            if not matches(rel, change.protected):
                continue
            before, after = change.before(rel), read_after(change, rel)
            if before is not None and after is None:
                message = f"protected file {rel} deleted"
                h = line_hit(rel, before)  # line 1 of the file as it was
                alerts.append(alert(self.name, "protected_deleted", Severity.BLOCK, message, rel, h))
            elif before is None and after is not None:
                # Adding a file next to protected ones (a new test) is not tampering by itself.
                message = f"new file in protected {rel}"
                h = line_hit(rel, after)
                alerts.append(alert(self.name, "protected_added", Severity.INFO, message, rel, h))
            elif before is not None and after is not None and digest(before) != digest(after):
                line = first_difference(before, after)
                h = Hit(key=rel, line=line, snippet=snippet(after, line))
                message = f"protected file {rel} changed (sha256 {digest(before)[:8]} -> {digest(after)[:8]})"
                alerts.append(alert(self.name, "protected_changed", Severity.BLOCK, message, rel, h))
        return alerts
