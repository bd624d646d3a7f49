"""`codefit replay`: re-run from a recorded checkpoint with changed harness settings.

The parent run's recorded config is the starting point; `--set key=value` overrides apply as dotted
keys (`optimizer.command=...`, `sensors[1].feedback=names`, `max_steps=3`), values parsed as TOML
(`3`, `true`, `"text"`, `["a", "b"]`) and taken as plain strings otherwise. The result is validated
like a config file, so a typo is one clear error before any work starts.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from copy import deepcopy
from typing import Any

from codefit.errors import ConfigError
from codefit.harness.callbacks import Callback
from codefit.harness.loop import History, Trainer
from codefit.harness.plan import RunPlan, plan_from_config, preflight
from codefit.harness.recorded import recorded_config
from codefit.store import RunRecord, Store

_PART = re.compile(r"^(?P<key>[^\[\]]+)(?:\[(?P<index>\d+)\])?$")


def parse_value(text: str) -> Any:
    """A TOML value where it parses as one (`3`, `true`, `[1, 2]`, `"x"`), else the text itself."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_set(assignment: str) -> tuple[str, Any]:
    key, sep, value = assignment.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set {assignment!r}: expected key=value, e.g. --set sensors[1].feedback=names")
    return key.strip(), parse_value(value.strip())


def apply_overrides(config: Mapping[str, Any], assignments: Sequence[str]) -> dict[str, Any]:
    """A copy of `config` with each `dotted.key[index]=value` applied in order."""
    out: dict[str, Any] = deepcopy(dict(config))
    for assignment in assignments:
        key, value = parse_set(assignment)
        _assign(out, key, value, assignment)
    return out


def _assign(config: dict[str, Any], key: str, value: Any, assignment: str) -> None:
    parts = key.split(".")
    node: Any = config
    for depth, part in enumerate(parts):
        match = _PART.match(part)
        if match is None:
            raise ConfigError(f"--set {assignment!r}: cannot parse key part {part!r}")
        name, index = match["key"], match["index"]
        last = depth == len(parts) - 1
        if index is None:
            if last:
                node[name] = value
                return
            node = node.setdefault(name, {})
        else:
            items = node.get(name)
            if not isinstance(items, list) or int(index) >= len(items):
                size = len(items) if isinstance(items, list) else 0
                raise ConfigError(f"--set {assignment!r}: {name} has {size} item(s), no [{index}]")
            if last:
                items[int(index)] = value
                return
            node = items[int(index)]
        if not isinstance(node, dict):
            raise ConfigError(f"--set {assignment!r}: {'.'.join(parts[: depth + 1])} is not a table")


def replay_plan(run: RunRecord, assignments: Sequence[str]) -> RunPlan:
    """The parent's harness with the overrides applied, validated like a config file."""
    raw = apply_overrides(run.config, assignments)
    return plan_from_config(recorded_config(run, raw, what="after --set"))


def replay(
    store: Store,
    run_ref: str,
    from_step: int,
    assignments: Sequence[str] = (),
    callbacks: Sequence[Callback] = (),
) -> History:
    """A new run, linked to `run_ref`, from its checkpoint `from_step`, with the changed settings."""
    parent = store.run(run_ref)
    plan = replay_plan(parent, assignments)
    preflight(plan)
    return Trainer(plan, store, callbacks).replay(parent.id, from_step)
