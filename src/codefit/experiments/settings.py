"""Harness settings of a sweep: a grid or a random sample over config keys, applied to a task's spec.

Keys are dotted paths into the config (`optimizer.kind`, `optimizer.model`, `max_steps`,
`feedback.context`, `guards.policy.block`...), plus two names for every blind sensor at once:
`feedback` (the validation sensors' feedback level) and `budget` (their query budget).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from codefit.errors import ConfigError

Setting = dict[str, Any]
BLIND_KEYS = {"feedback", "budget"}


def expand(grid: dict[str, list[Any]], sample: int | None = None, seed: int = 0) -> list[Setting]:
    """Every combination of `grid` (or `sample` of them, drawn with `seed`), in a stable order."""
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            raise ConfigError(f"grid key {key!r} needs a non-empty list of values")
    keys = sorted(grid)
    combos = [dict(zip(keys, values, strict=True)) for values in itertools.product(*(grid[k] for k in keys))]
    if sample is not None and sample < len(combos):
        combos = random.Random(seed).sample(combos, sample)
    return combos


def setting_id(setting: Setting) -> str:
    return hashlib.sha256(json.dumps(setting, sort_keys=True).encode()).hexdigest()[:8]


def describe(setting: Setting) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(setting.items())) or "(defaults)"


def apply_setting(config_file: Path, setting: Setting) -> None:
    """Rewrite the task's config with the setting's values.

    A setting that changes `optimizer.kind` drops the task's other `[optimizer]` keys: they are
    options of the task's own optimizer (a command optimizer's `command`), which another kind refuses.
    """
    data = tomllib.loads(config_file.read_text(encoding="utf-8"))
    optimizer = data.get("optimizer")
    kind = setting.get("optimizer.kind")
    if kind is not None and isinstance(optimizer, dict) and optimizer.get("kind", "search") != kind:
        data["optimizer"] = {}
    for key, value in setting.items():
        if key in BLIND_KEYS:
            for sensor in data.get("sensors", []):
                if sensor.get("split") == "validation":
                    sensor[key] = value
            continue
        node = data
        *parents, leaf = key.split(".")
        for part in parents:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"setting {key!r}: {part!r} is not a table", where=str(config_file))
            node = child
        node[leaf] = value
    config_file.write_text(tomli_w.dumps(data), encoding="utf-8")
