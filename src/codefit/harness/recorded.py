"""A recorded run's own config: what `fit --resume` and `replay` start from, whatever the config file
says now (it may have changed, or name another optimizer, since the run began)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from codefit.config import Config, LoadedConfig, find_config
from codefit.errors import ConfigError
from codefit.store import RunRecord


def recorded_config(run: RunRecord, raw: Mapping[str, Any] | None = None, *, what: str = "") -> LoadedConfig:
    """`run`'s recorded config (or `raw`, derived from it), validated as a config file would be;
    `what` names where a changed key came from in an error (e.g. "after --set")."""
    repo = Path(run.repo)
    settings = dict(run.config if raw is None else raw)
    where = _config_file(repo)
    try:
        config = Config.model_validate(settings)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        prefix = f"{what}, key" if what else f"run {run.id}'s recorded config, key"
        raise ConfigError(f"{prefix} {key!r}: {err['msg']}", where=str(where)) from None
    return LoadedConfig(root=repo, file=where, config=config, raw=settings)


def _config_file(repo: Path) -> Path:
    try:
        return find_config(repo)
    except ConfigError:
        return repo / "codefit.toml"  # only used to name where an error is, and to resolve the task
