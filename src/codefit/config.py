"""Load and validate `codefit.toml` or `[tool.codefit]` in `pyproject.toml`.

Every problem is one ConfigError naming the file, the key and what was expected.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from codefit import registry
from codefit.checkpoints.settings import CheckpointSettings
from codefit.errors import ConfigError
from codefit.phases.settings import PhaseSettings
from codefit.records import Options
from codefit.sensors.base import Sensor, SensorSettings
from codefit.spec import FeedbackLevel, Spec, Split

CONFIG_FILE = "codefit.toml"
PYPROJECT = "pyproject.toml"


class OptimizerSettings(BaseModel):
    """`[optimizer]`: the kind, plus keys of that kind (validated by the optimizer's Options)."""

    model_config = ConfigDict(extra="allow")

    kind: str = "search"


class EarlyStoppingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    monitor: str = "loss"
    patience: int = Field(default=3, ge=1)
    restore_best: bool = True


class CanarySettings(BaseModel):
    """Impossible tests mixed into the train split: passing one is cheating."""

    model_config = ConfigDict(extra="forbid")

    count: int = Field(default=2, ge=1, description="How many visible tests to turn into canaries.")
    seed: int = Field(default=0, description="Which tests, reproducibly.")
    tests: list[str] = Field(
        default_factory=lambda: ["tests/**/test_*.py", "tests/test_*.py", "test_*.py"],
        description="Globs of the visible test files to plant them in.",
    )


class LimitSettings(BaseModel):
    """`[limits]`: resource limits on each process of the optimizer, the sensors and the code under
    test (0 turns one off). The defaults never stop an honest run; see docs/guards.md."""

    model_config = ConfigDict(extra="forbid")

    cpu_seconds: int = Field(default=14400, ge=0, description="CPU seconds per process.")
    memory_mb: int | None = Field(
        default=None, ge=0, description="Private memory per process in MiB (default: half the machine's)."
    )
    processes: int = Field(default=2048, ge=0, description="Threads beyond those the user already runs.")
    output_mb: int = Field(default=4096, ge=0, description="Largest file a process may write, in MiB.")


class Config(BaseModel):
    """The whole harness configuration."""

    model_config = ConfigDict(extra="forbid")

    task: str = Field(description="Prose given to the optimizer, or a path to a file holding it.")
    writable: list[str] = Field(default_factory=lambda: ["**"], description="Globs it may change.")
    protected: list[str] = Field(
        default_factory=lambda: ["tests/**"], description="Globs whose change raises an alert."
    )
    sensors: list[dict[str, Any]] = Field(min_length=1, description="The spec's sensors.")
    optimizer: OptimizerSettings = Field(default_factory=OptimizerSettings)
    max_steps: int = Field(default=10, ge=1, description="Steps before the run stops.")
    step_timeout: float = Field(default=1800.0, gt=0, description="Seconds one step may take.")
    python: str | None = Field(default=None, description="Interpreter of the code under test.")
    early_stopping: EarlyStoppingSettings | None = None
    max_wall_time: float | None = Field(default=None, gt=0, description="Seconds for a run.")
    max_cost_usd: float | None = Field(default=None, gt=0, description="Dollars a run may spend.")
    guards: dict[str, Any] = Field(
        default_factory=dict, description="Policy per guard, kind or severity (block rolls back by default)."
    )
    feedback: dict[str, Any] = Field(default_factory=dict, description="Feedback rendering.")
    canaries: CanarySettings | None = Field(default=None, description="Impossible tests (off by default).")
    limits: LimitSettings = Field(default_factory=LimitSettings, description="Per-process resource limits.")
    phases: list[PhaseSettings] = Field(
        default_factory=list, description="Plan, generate and evaluate phases (docs/phases.md)."
    )
    checkpoints: list[CheckpointSettings] = Field(
        default_factory=list, description="Ordered checkpoints of an evolving spec (docs/checkpoints.md)."
    )


class LoadedConfig(BaseModel):
    """A validated config with its origin, ready to build a spec and an optimizer."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    root: Path
    file: Path
    config: Config
    raw: dict[str, Any]
    # Where a sealed file inside the repository is read from, given its place there (a check: a copy
    # from the base commit, whatever the checkout holds); None: the file on disk.
    read_sealed: Callable[[Path], Path] | None = None

    @property
    def task_text(self) -> str:
        return resolve_task(self.config.task, self.root, self.file)

    @property
    def key_prefix(self) -> str:
        """How a key is spelt in the file: under [tool.codefit] in pyproject.toml."""
        return "tool.codefit." if self.file.name == PYPROJECT else ""

    def fingerprint(self) -> str:
        """A stable hash of the harness settings: runs with equal fingerprints are comparable."""
        canonical = json.dumps(self.raw, sort_keys=True, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def build_spec(self) -> Spec:
        return Spec(tuple(build_sensor(self, i) for i in range(len(self.config.sensors))))


def find_config(root: Path) -> Path:
    candidate = root / CONFIG_FILE
    if candidate.is_file():
        return candidate
    pyproject = root / PYPROJECT
    if pyproject.is_file() and "codefit" in _read_toml(pyproject).get("tool", {}):
        return pyproject
    raise ConfigError(
        f"no {CONFIG_FILE} and no [tool.codefit] in {PYPROJECT}; run `codefit init` to write one",
        where=str(root),
    )


def load_config(
    root: Path, file: Path | None = None, *, read_sealed: Callable[[Path], Path] | None = None
) -> LoadedConfig:
    root = root.resolve()
    file = (file or find_config(root)).resolve()
    data = _read_toml(file)
    if file.name == PYPROJECT and "tool" in data:
        data = data["tool"].get("codefit", {})
        prefix = "tool.codefit."
    else:
        prefix = ""
    data = _hoist_max_steps(data)
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise _config_error(exc, file, prefix) from None
    _check_guard_settings(config, file, prefix)
    from codefit.harness.feedback import feedback_settings

    feedback_settings(config.feedback, where=str(file))
    loaded = LoadedConfig(root=root, file=file, config=config, raw=data, read_sealed=read_sealed)
    loaded.task_text  # noqa: B018 - validates that the task file exists
    _check_python(config.python, root, file, prefix)
    spec = loaded.build_spec()
    _check_sensor_names(spec, file, prefix)
    build_optimizer(loaded)
    if config.phases:
        from codefit.phases.check import check_phases

        check_phases(loaded)
    if config.checkpoints:
        from codefit.checkpoints.plan import check_checkpoints

        check_checkpoints(loaded)
    return loaded


def resolve_task(task: str, root: Path, file: Path) -> str:
    """The task is prose, or a relative path to a file with the prose."""
    looks_like_path = "\n" not in task and task.strip().endswith((".md", ".txt", ".rst"))
    if not looks_like_path:
        return task
    path = root / task.strip()
    if not path.is_file():
        raise ConfigError(
            f"key 'task': file {task!r} not found (expected a path relative to {root})",
            where=str(file),
        )
    return path.read_text(encoding="utf-8")


def build_sensor(loaded: LoadedConfig, index: int) -> Sensor:
    raw = dict(loaded.config.sensors[index])
    where_key = f"{loaded.key_prefix}sensors[{index}]"
    common_keys = set(SensorSettings.model_fields)
    common = {k: v for k, v in raw.items() if k in common_keys}
    extra = {k: v for k, v in raw.items() if k not in common_keys}
    kind = common.get("kind")
    where_kind = f"{loaded.file}: {where_key}.kind"
    cls = registry.sensors.get(kind, where=where_kind) if isinstance(kind, str) else None
    if cls is not None and "split" not in common:
        # Costly sensors (mutation) default to the blind splits.
        common["split"] = getattr(cls, "default_split", Split.TRAIN)
    try:
        settings = SensorSettings.model_validate(common)
    except ValidationError as exc:
        raise _config_error(exc, loaded.file, where_key + ".") from None
    cls = cls or registry.sensors.get(settings.kind, where=where_kind)
    options_cls: type[Options] = cls.options_model
    try:
        # Relative paths among a sensor's own keys (a rubric file) are relative to the project root.
        options = options_cls.model_validate(extra, context={"root": loaded.root})
    except ValidationError as exc:
        raise _config_error(exc, loaded.file, where_key + ".") from None
    settings = _resolve_heldout(settings, loaded, where_key)
    if settings.thresholdout is not None and settings.feedback in (FeedbackLevel.NAMES, FeedbackLevel.FULL):
        # Thresholdout answers with the train score; naming the failing held-out tests would leak
        # the very answers it rations.
        raise ConfigError(
            f'key \'{where_key}.thresholdout\': needs feedback = "score" or "verdict", '
            f"not {settings.feedback.value!r}",
            where=str(loaded.file),
        )
    sensor: Sensor = cls(settings, options)
    return sensor


def build_optimizer(loaded: LoadedConfig, kind: str | None = None) -> Any:
    settings = loaded.config.optimizer
    from_config = kind is None or kind == settings.kind
    kind = kind or settings.kind
    where = f"{loaded.file}: {loaded.key_prefix}optimizer.kind" if from_config else "--optimizer"
    cls = registry.optimizers.get(kind, where=where)
    extra = dict(settings.model_extra or {}) if from_config else {}
    try:
        options = cls.options_model.model_validate(extra)
    except ValidationError as exc:
        raise _config_error(exc, loaded.file, f"{loaded.key_prefix}optimizer.") from None
    return cls(options)


def _resolve_heldout(settings: SensorSettings, loaded: LoadedConfig, where_key: str) -> SensorSettings:
    if settings.sealed is not None:
        sealed = (loaded.root / settings.sealed).resolve()
        if loaded.read_sealed is not None and loaded.root in sealed.parents:
            sealed = loaded.read_sealed(sealed)
        elif not sealed.is_file():
            raise ConfigError(
                f"key '{where_key}.sealed': sealed file {str(settings.sealed)!r} does not exist",
                where=str(loaded.file),
            )
        settings = settings.model_copy(update={"sealed": sealed})
    if settings.path is None:
        return settings
    path = (loaded.root / settings.path).resolve()
    if not path.exists():
        raise ConfigError(
            f"key '{where_key}.path': held-out path {str(settings.path)!r} does not exist "
            f"(resolved to {path})",
            where=str(loaded.file),
        )
    if settings.split == Split.TRAIN:
        raise ConfigError(
            f"key '{where_key}.path': only validation and test sensors take a held-out path",
            where=str(loaded.file),
        )
    if path == loaded.root or loaded.root in path.parents:
        raise ConfigError(
            f"key '{where_key}.path': held-out tests must live outside the repository "
            f"({path} is inside {loaded.root}); move them out or seal them",
            where=str(loaded.file),
        )
    return settings.model_copy(update={"path": path})


def _check_python(python: str | None, root: Path, file: Path, prefix: str) -> None:
    """The interpreter of the code under test must exist before a run starts."""
    if python is None:
        return
    found = (root / python).is_file() if "/" in python else shutil.which(python) is not None
    if not found:
        raise ConfigError(
            f"key '{prefix}python': interpreter {python!r} not found "
            "(expected an executable path, relative to the project root, or a name on PATH)",
            where=str(file),
        )


def _check_guard_settings(config: Config, file: Path, prefix: str) -> None:
    from codefit.guards.settings import load_settings

    try:
        load_settings(config.guards)
    except ConfigError as exc:
        raise ConfigError(exc.message.replace("key '", f"key '{prefix}guards."), where=str(file)) from None


def _check_sensor_names(spec: Spec, file: Path, prefix: str) -> None:
    seen: set[str] = set()
    for i, sensor in enumerate(spec.sensors):
        name = sensor.settings.name
        if name in seen:
            raise ConfigError(
                f"key '{prefix}sensors[{i}].name': duplicate sensor name {name!r}", where=str(file)
            )
        seen.add(name)


def _hoist_max_steps(data: dict[str, Any]) -> dict[str, Any]:
    """DESIGN.md's sketch puts max_steps under [optimizer]; accept it there too."""
    optimizer = data.get("optimizer")
    if isinstance(optimizer, dict) and "max_steps" in optimizer and "max_steps" not in data:
        data = dict(data)
        optimizer = dict(optimizer)
        data["max_steps"] = optimizer.pop("max_steps")
        data["optimizer"] = optimizer
    return data


def _read_toml(file: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", where=str(file)) from None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", where=str(file)) from None


def _config_error(exc: ValidationError, file: Path, prefix: str) -> ConfigError:
    err = exc.errors()[0]
    key = prefix + _format_loc(err["loc"])
    if err["type"] == "extra_forbidden":
        detail = "unknown key"
    elif err["type"] == "missing":
        detail = "required key is missing"
    else:
        detail = f"{err['msg']} (got {err.get('input')!r})"
    more = f" (and {len(exc.errors()) - 1} more problem(s))" if len(exc.errors()) > 1 else ""
    return ConfigError(f"key '{key}': {detail}{more}", where=str(file))


def _format_loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
