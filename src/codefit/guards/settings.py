"""The `[guards]` table: which guards run and what the loop does with their alerts.

    [guards]
    disable = ["swallow"]          # guard names
    default = "warn"               # policy for every alert not named below
    [guards.policy]
    protected = "rollback"         # a guard name, an alert kind, or a severity (info|warn|block)
    hard_exit = "stop"

Precedence: alert kind, then guard name, then severity, then codefit's defaults, then `default`.
codefit's defaults roll back every block-severity alert (a passed canary among them: an honest
optimizer cannot pass an impossible test), so a hack is never chosen or exported; warn and info
alerts only warn. `[guards.policy] block = "warn"` keeps block alerts as warnings.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from codefit import registry
from codefit.errors import ConfigError
from codefit.guards.base import Alert, Policy, Severity

DEFAULT_POLICIES: dict[str, Policy] = {"canary": Policy.ROLLBACK}  # by guard
DEFAULT_SEVERITY_POLICIES: dict[Severity, Policy] = {Severity.BLOCK: Policy.ROLLBACK}
# Names that are not change guards but do raise alerts: the canaries, and a guard that crashed.
OTHER_SOURCES = {"canary": ("canary_passed",), "guards": ("guard_error",), "gate": ("spec_changed",)}


class GuardSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    disable: list[str] = Field(default_factory=list, description="Guards that do not run.")
    default: Policy = Field(default=Policy.WARN, description="Policy for alerts not named in `policy`.")
    policy: dict[str, Policy] = Field(default_factory=dict, description="Policy per guard, kind or severity.")

    @field_validator("disable")
    @classmethod
    def _known_guards(cls, names: list[str]) -> list[str]:
        known = set(guard_names())
        for name in names:
            if name not in known:
                raise ValueError(f"unknown guard {name!r}; expected one of: {', '.join(sorted(known))}")
        return names

    @field_validator("policy")
    @classmethod
    def _known_keys(cls, policy: dict[str, Policy]) -> dict[str, Policy]:
        known = known_policy_keys()
        for key in policy:
            if key not in known:
                raise ValueError(f"unknown guard, alert kind or severity {key!r}")
        return policy


def guard_names() -> list[str]:
    return registry.guards.names()


def known_policy_keys() -> set[str]:
    keys = {s.value for s in Severity} | set(OTHER_SOURCES)
    for kinds in OTHER_SOURCES.values():
        keys |= set(kinds)
    for name in guard_names():
        keys.add(name)
        keys |= set(getattr(registry.guards.get(name), "kinds", ()))
    return keys


def load_settings(raw: dict[str, Any] | GuardSettings) -> GuardSettings:
    if isinstance(raw, GuardSettings):
        return raw
    try:
        return GuardSettings.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = "guards." + ".".join(str(p) for p in err["loc"])
        detail = (
            "unknown key" if err["type"] == "extra_forbidden" else err["msg"].removeprefix("Value error, ")
        )
        raise ConfigError(f"key '{key}': {detail}", where="config [guards]") from None


def policy_for(alert: Alert, settings: dict[str, Any] | GuardSettings) -> Policy:
    s = load_settings(settings)
    for key in (alert.kind, alert.guard, alert.severity.value):
        if key in s.policy:
            return s.policy[key]
    if alert.guard in DEFAULT_POLICIES:
        return DEFAULT_POLICIES[alert.guard]
    return DEFAULT_SEVERITY_POLICIES.get(alert.severity, s.default)
