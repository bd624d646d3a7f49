"""One sub-run of a phase as an ordinary run's config: the run's shared settings, the phase's
optimizer and step limit, the sensors that judge it, and a task that carries the handoff."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from codefit.config import Config, LoadedConfig, resolve_task
from codefit.errors import ConfigError
from codefit.phases.settings import PhaseSettings

STRIPPED = ("phases", "checkpoints")


def phase_key(loaded: LoadedConfig, index: int) -> str:
    return f"{loaded.key_prefix}phases[{index}]"


def selected_sensors(
    loaded: LoadedConfig, index: int, default: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The [[sensors]] tables the phase names (or `default`), each an error if it does not exist."""
    phase = loaded.config.phases[index]
    if phase.sensors is None:
        return [dict(s) for s in default]
    by_name = {str(s.get("name")): s for s in loaded.config.sensors}
    out = []
    for name in phase.sensors:
        if name not in by_name:
            known = ", ".join(by_name)
            raise ConfigError(
                f"key '{phase_key(loaded, index)}.sensors': no sensor named {name!r} (the sensors: {known})",
                where=str(loaded.file),
            )
        out.append(dict(by_name[name]))
    return out


def phase_task(loaded: LoadedConfig, index: int, handoff: Mapping[str, str], item: str = "") -> str:
    """The phase's own instructions, the run's task, the files handed over, then the item."""
    phase = loaded.config.phases[index]
    parts = [f"# Phase {index + 1} of {len(loaded.config.phases)}: {phase.label} ({phase.kind})"]
    if phase.task:
        try:
            parts.append(resolve_task(phase.task, loaded.root, loaded.file))
        except ConfigError as exc:
            key = f"key '{phase_key(loaded, index)}.task'"
            raise ConfigError(exc.message.replace("key 'task'", key), where=exc.where) from None
    parts.append("## The task\n\n" + loaded.task_text.strip())
    for path, text in handoff.items():
        parts.append(f"## Handed over: {path}\n\n{text.strip()}")
    if item:
        parts.append(item)
    return "\n\n".join(parts) + "\n"


def sub_config(
    loaded: LoadedConfig, index: int, task: str, sensors: Sequence[dict[str, Any]]
) -> LoadedConfig:
    """A plain run config (no phases) for one sub-run of phase `index`."""
    phase: PhaseSettings = loaded.config.phases[index]
    raw: dict[str, Any] = {k: v for k, v in loaded.raw.items() if k not in STRIPPED}
    raw["task"] = task
    raw["sensors"] = list(sensors)
    raw["max_steps"] = phase.max_steps or loaded.config.max_steps
    if phase.optimizer is not None:
        raw["optimizer"] = dict(phase.optimizer)
    names = [str(s.get("name")) for s in sensors]
    clash = next((n for n in names if names.count(n) > 1), None)
    if clash is not None:
        raise ConfigError(
            f"key '{phase_key(loaded, index)}': sensor name {clash!r} is taken twice in this phase",
            where=str(loaded.file),
        )
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ConfigError(
            f"key '{phase_key(loaded, index)}' ({where}): {err['msg']}", where=str(loaded.file)
        ) from None
    return LoadedConfig(root=loaded.root, file=loaded.file, config=config, raw=raw)
