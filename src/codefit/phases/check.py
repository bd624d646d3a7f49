"""Validate `[[phases]]` when the config is loaded: every phase builds its sub-runs' specs and
optimizers, so a broken phase is one error naming its key before any run starts."""

from __future__ import annotations

from codefit.config import LoadedConfig, build_optimizer
from codefit.errors import ConfigError
from codefit.phases.kinds import phase_kinds
from codefit.phases.subconfig import phase_key


def check_phases(loaded: LoadedConfig) -> None:
    phases = loaded.config.phases
    if phases and getattr(loaded.config, "checkpoints", None):  # the checkpoints part of issue 17
        raise ConfigError(
            f"key '{loaded.key_prefix}phases': a run declares phases or checkpoints, not both",
            where=str(loaded.file),
        )
    seen: set[str] = set()
    for index, phase in enumerate(phases):
        key = phase_key(loaded, index)
        if phase.label in seen:
            raise ConfigError(
                f"key '{key}.name': duplicate phase name {phase.label!r}", where=str(loaded.file)
            )
        seen.add(phase.label)
        kind = phase_kinds.get(phase.kind, where=f"{loaded.file}: {key}.kind")()
        for sub in kind.check(loaded, index):
            try:
                sub.loaded.build_spec()
                build_optimizer(sub.loaded)
            except ConfigError as exc:
                raise ConfigError(f"in '{key}': {exc.message}", where=exc.where) from None
