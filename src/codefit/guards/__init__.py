"""Guards: reward-hacking, tampering and leakage detectors run on every step's change.

`run_guards(change, settings)` runs every enabled guard (built-ins and third-party ones from the
`codefit.guards` entry-point group) and `policy_for(alert, settings)` says what the loop does
with an alert. Canaries (impossible tests) live in `codefit.guards.canaries`.
"""

from __future__ import annotations

from typing import Any

from codefit import registry
from codefit.guards.base import Alert, Change, Guard, Policy, Severity
from codefit.guards.memo import shared
from codefit.guards.settings import GuardSettings, load_settings, policy_for

__all__ = ["Alert", "Change", "Guard", "GuardSettings", "Policy", "Severity", "policy_for", "run_guards"]


def run_guards(change: Change, settings: dict[str, Any] | GuardSettings) -> list[Alert]:
    """Every enabled guard's alerts on `change`; a guard that crashes gives an info alert, not an error."""
    s = load_settings(settings)
    alerts: list[Alert] = []
    with shared():  # each changed text parsed, and each module walked, once for all the guards
        for name in registry.guards.names():
            if name in s.disable:
                continue
            try:
                guard: Guard = registry.guards.get(name)()
                alerts += guard.inspect(change)
            except Exception as exc:  # a broken guard must not end a run or hide other guards' alerts
                message = f"guard {name!r} failed: {type(exc).__name__}: {exc}"
                alerts.append(
                    Alert(guard="guards", kind="guard_error", severity=Severity.INFO, message=message)
                )
    return alerts
