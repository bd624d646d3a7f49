"""What codefit passes to `codex exec`: the sandbox flag and `-c key=VALUE` overrides as TOML.

Measured against codex-cli 0.171.0:
- `--full-auto` was removed in 0.147 ("unexpected argument", exit 2). `codex exec` never asks for
  approval; the sandbox is chosen with `--sandbox read-only|workspace-write|danger-full-access`, or
  switched off with `--dangerously-bypass-approvals-and-sandbox` ("for environments that are
  externally sandboxed").
- Codex's own `workspace-write` sandbox is bubblewrap started through a helper it links into
  `$CODEX_HOME`; it refuses to create that helper under the temporary directory ("Refusing to
  create helper binaries under temporary dir"), and then every command fails with
  `bwrap: execvp codex-linux-sandbox`. Nested inside codefit's bubblewrap it works only when
  user namespaces may nest. So `auto` (the default) lets codefit's bubblewrap be the one
  confinement where it is available (the workspace alone writable, held-out paths hidden, egress
  allow-listed) and uses Codex's own `workspace-write` sandbox where it is not.
- `-c key=VALUE` parses VALUE as TOML (a raw string when it does not parse): a JSON object is not
  TOML, an inline table is.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any, Literal

from codefit.workspace.sandbox import sandbox_available

SandboxMode = Literal["auto", "bypass", "workspace-write", "read-only", "danger-full-access"]
SANDBOX_FLAGS: dict[str, list[str]] = {
    "bypass": ["--dangerously-bypass-approvals-and-sandbox"],
    "workspace-write": ["--sandbox", "workspace-write"],
    "read-only": ["--sandbox", "read-only"],
    "danger-full-access": ["--sandbox", "danger-full-access"],
}
REMOVED_MODES = {"full-auto": "`full-auto` was removed from Codex in 0.147 (`--full-auto` is refused)"}
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def resolved_sandbox(mode: str, confined: bool | None = None) -> str:
    """The concrete mode: `auto` is `bypass` under codefit's bubblewrap, else `workspace-write`."""
    if mode != "auto":
        return mode
    confined = sandbox_available() if confined is None else confined
    return "bypass" if confined else "workspace-write"


def sandbox_flags(mode: str, confined: bool | None = None) -> list[str]:
    return list(SANDBOX_FLAGS[resolved_sandbox(mode, confined)])


def check_sandbox_mode(value: Any) -> Any:
    """A pydantic `before` validator: a removed mode is one clear error, with what to use instead."""
    if isinstance(value, str) and value in REMOVED_MODES:
        raise ValueError(
            f"{REMOVED_MODES[value]}; use `auto` (the default: codefit's bubblewrap, else Codex's "
            "`workspace-write`), `workspace-write`, `read-only` or `bypass`"
        )
    return value


def toml_value(value: Any) -> str:
    """`value` as a TOML literal for `-c key=VALUE`: tables become inline tables."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a TOML basic string (same escapes)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        items = (f"{toml_key(str(k))} = {toml_value(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    raise ValueError(f"cannot pass {type(value).__name__} {value!r} to codex -c (TOML has no such value)")


def toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key)


def config_args(overrides: Mapping[str, Any]) -> list[str]:
    """`-c key=VALUE` for each override, VALUE in TOML."""
    args: list[str] = []
    for key, value in overrides.items():
        args += ["-c", f"{key}={toml_value(value)}"]
    return args
