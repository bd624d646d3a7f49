"""One checkpoint as an ordinary run's config: the shared settings, the checkpoint's task, its own
tests, and every earlier checkpoint's visible tests kept as regression sensors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from codefit.checkpoints.settings import CheckpointSettings
from codefit.config import Config, LoadedConfig, resolve_task
from codefit.errors import ConfigError
from codefit.spec import Split


def check_checkpoints(loaded: LoadedConfig) -> None:
    """Every checkpoint builds a valid run config; names are unique. One error naming the key."""
    if loaded.config.canaries is not None:
        raise ConfigError(
            f"key '{loaded.key_prefix}canaries': not supported together with checkpoints",
            where=str(loaded.file),
        )
    seen: set[str] = set()
    for i, checkpoint in enumerate(loaded.config.checkpoints):
        if checkpoint.name in seen:
            raise ConfigError(
                f"key '{_key(loaded, i)}.name': duplicate checkpoint name {checkpoint.name!r}",
                where=str(loaded.file),
            )
        seen.add(checkpoint.name)
        checkpoint_config(loaded, i).build_spec()


def checkpoint_config(loaded: LoadedConfig, index: int) -> LoadedConfig:
    """The config of checkpoint `index` (0-based) as a plain run config, with no `checkpoints`."""
    cfg = loaded.config
    checkpoint = cfg.checkpoints[index]
    _check_paths(loaded, index)
    raw: dict[str, Any] = {k: v for k, v in loaded.raw.items() if k != "checkpoints"}
    raw["task"] = checkpoint_task(loaded, index)
    raw["max_steps"] = checkpoint.max_steps or cfg.max_steps
    raw["sensors"] = [*cfg.sensors, *checkpoint_sensors(cfg.checkpoints, index)]
    names = [str(s.get("name")) for s in raw["sensors"]]
    clash = next((n for n in names if names.count(n) > 1), None)
    if clash is not None:
        raise ConfigError(
            f"key '{_key(loaded, index)}.name': sensor name {clash!r} is already taken by another sensor",
            where=str(loaded.file),
        )
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(
            f"key '{_key(loaded, index)}': {exc.errors()[0]['msg']}", where=str(loaded.file)
        ) from None
    return LoadedConfig(root=loaded.root, file=loaded.file, config=config, raw=raw)


def checkpoint_task(loaded: LoadedConfig, index: int) -> str:
    """The shared task, then this checkpoint's, under a heading naming it ("Checkpoint 2 of 3: ...")."""
    checkpoints = loaded.config.checkpoints
    checkpoint = checkpoints[index]
    try:
        text = resolve_task(checkpoint.task, loaded.root, loaded.file)
    except ConfigError as exc:
        raise ConfigError(
            exc.message.replace("key 'task'", f"key '{_key(loaded, index)}.task'"), where=exc.where
        ) from None
    heading = f"## Checkpoint {index + 1} of {len(checkpoints)}: {checkpoint.name}"
    return f"{loaded.task_text.rstrip()}\n\n{heading}\n\n{text.strip()}\n"


def checkpoint_sensors(checkpoints: list[CheckpointSettings], index: int) -> list[dict[str, Any]]:
    """Earlier checkpoints' visible tests (regression sensors), then this one's own sensors."""
    sensors = [visible_sensor(c) for c in checkpoints[:index] if c.tests]
    return [*sensors, *own_sensors(checkpoints[index])]


def own_sensors(checkpoint: CheckpointSettings) -> list[dict[str, Any]]:
    """The checkpoint's visible, validation and test sensors (those it declares)."""
    _, validation, test = checkpoint.sensor_names()
    out = [visible_sensor(checkpoint)] if checkpoint.tests else []
    if checkpoint.validation is not None:
        sensor: dict[str, Any] = {
            "name": validation,
            "kind": "pytest",
            "split": Split.VALIDATION.value,
            "path": checkpoint.validation,
            "feedback": checkpoint.feedback.value,
            "args": [*checkpoint.args, *checkpoint.validation_args],
        }
        if checkpoint.budget is not None:
            sensor["budget"] = checkpoint.budget
        out.append(sensor)
    if checkpoint.test is not None:
        out.append(
            {
                "name": test,
                "kind": "pytest",
                "split": Split.TEST.value,
                "path": checkpoint.test,
                "args": list(checkpoint.args),
            }
        )
    return out


def visible_sensor(checkpoint: CheckpointSettings) -> dict[str, Any]:
    return {
        "name": checkpoint.name,
        "kind": "pytest",
        "split": "train",
        "args": [*checkpoint.args, *checkpoint.tests],
    }


def _check_paths(loaded: LoadedConfig, index: int) -> None:
    checkpoint = loaded.config.checkpoints[index]
    for rel in checkpoint.tests:
        if not (loaded.root / rel).exists():
            raise ConfigError(
                f"key '{_key(loaded, index)}.tests': visible test path {rel!r} is not in the repository",
                where=str(loaded.file),
            )
    for key in ("validation", "test"):
        rel = getattr(checkpoint, key)
        if rel is None:
            continue
        path = (loaded.root / rel).resolve()
        if not path.exists():
            raise ConfigError(
                f"key '{_key(loaded, index)}.{key}': held-out path {rel!r} does not exist ({path})",
                where=str(loaded.file),
            )
        if path == loaded.root or loaded.root in path.parents:
            raise ConfigError(
                f"key '{_key(loaded, index)}.{key}': held-out tests must live outside the repository "
                f"({path} is inside {loaded.root})",
                where=str(loaded.file),
            )


def _key(loaded: LoadedConfig, index: int) -> str:
    return f"{loaded.key_prefix}checkpoints[{index}]"


def future_tests(loaded: LoadedConfig, index: int) -> list[Path]:
    """Visible test paths of the checkpoints after `index`: kept out of its workspace."""
    return [Path(rel) for c in loaded.config.checkpoints[index + 1 :] for rel in c.tests]
