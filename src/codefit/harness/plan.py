"""A compiled harness: everything a run needs, resolved from the config or given in Python."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codefit.config import CanarySettings, LimitSettings, LoadedConfig, build_optimizer
from codefit.errors import ConfigError
from codefit.optimizers.base import Optimizer
from codefit.sensors.base import SensorContext
from codefit.sensors.pytest_sensor import PytestSensor
from codefit.spec import Spec
from codefit.workspace.sandbox import ResourceLimits, limits_available, process_limit

WORKDIR_ENV = "CODEFIT_WORKDIR"


@dataclass(frozen=True)
class RunPlan:
    repo: Path
    task: str
    spec: Spec
    optimizer: Optimizer
    optimizer_kind: str
    max_steps: int
    context: SensorContext
    step_timeout: float = 1800.0
    writable: tuple[str, ...] = ("**",)
    protected: tuple[str, ...] = ("tests/**",)
    guards: dict[str, Any] = field(default_factory=dict)
    feedback: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    canaries: CanarySettings | None = None

    def fingerprint(self) -> str:
        """Equal fingerprints mean equal harness settings, so their runs can be compared."""
        canonical = json.dumps(
            {"config": self.config, "optimizer": self.optimizer_kind}, sort_keys=True, default=str
        )
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def heldout_paths(self) -> list[Path]:
        return self.spec.heldout_paths()


def plan_from_config(
    loaded: LoadedConfig, *, optimizer_kind: str | None = None, max_steps: int | None = None
) -> RunPlan:
    cfg = loaded.config
    kind = optimizer_kind or cfg.optimizer.kind
    python = resolve_python(loaded.root, cfg.python)
    raw = dict(loaded.raw)
    if optimizer_kind and optimizer_kind != cfg.optimizer.kind:
        raw["optimizer"] = {"kind": optimizer_kind}
    if max_steps is not None:
        raw["max_steps"] = max_steps
    spec = loaded.build_spec()
    context = SensorContext(
        python=python,
        env=dict(os.environ),
        # The code under test sees neither the user's repository (its history, .codefit/, sealed
        # files), nor held-out paths, nor other workspaces and grading copies.
        hidden=(loaded.root, workdir(), *spec.heldout_paths()),
        limits=resource_limits(cfg.limits),
        repo=loaded.root,
    )
    return RunPlan(
        repo=loaded.root,
        task=loaded.task_text,
        spec=spec,
        optimizer=build_optimizer(loaded, kind),
        optimizer_kind=kind,
        max_steps=max_steps or cfg.max_steps,
        context=context,
        step_timeout=cfg.step_timeout,
        writable=tuple(cfg.writable),
        protected=tuple(cfg.protected),
        guards=dict(cfg.guards),
        feedback=_resolve_template(cfg.feedback, loaded.root),
        config=raw,
        canaries=cfg.canaries,
    )


def resource_limits(settings: LimitSettings) -> ResourceLimits:
    """The `[limits]` table as prlimit values (none where prlimit is missing: the sandbox warns)."""
    if not limits_available():
        return ResourceLimits()
    memory = default_memory_mb() if settings.memory_mb is None else settings.memory_mb
    return ResourceLimits(
        cpu_s=settings.cpu_seconds or None,
        memory_mb=memory or None,
        processes=process_limit(settings.processes),
        file_size_mb=settings.output_mb or None,
    )


def default_memory_mb() -> int:
    """Half the machine's memory: an allocation bomb fails with MemoryError before it takes
    codefit (or the desktop) down with it, and honest tests rarely need more in one process."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return 0
    return max(2048, total // (2 * 1024 * 1024))


def _resolve_template(feedback: dict[str, Any], root: Path) -> dict[str, Any]:
    """A feedback template path in the config is relative to the project root."""
    template = feedback.get("template")
    if isinstance(template, str) and not Path(template).is_absolute():
        return {**feedback, "template": str(root / template)}
    return dict(feedback)


def resolve_python(root: Path, configured: str | None) -> str:
    """The interpreter of the code under test: the config's, the repo's .venv, the active virtual
    environment's ($VIRTUAL_ENV: codefit installed apart, with pipx, and the project's environment
    activated), or codefit's own."""
    if configured:
        # A path is relative to the project root (as the config checks it); a bare name is on PATH.
        return str(root / configured) if "/" in configured else configured
    active = [Path(os.environ["VIRTUAL_ENV"])] if os.environ.get("VIRTUAL_ENV") else []
    for venv in (root / ".venv", root / "venv", *active):
        # A symlinked environment is named by its target: the sandbox hides the repository, and
        # with it the link, but shows the interpreter's own prefix.
        candidate = venv.resolve() / "bin" / "python"
        if candidate.is_file():
            return str(candidate)
    return sys.executable


def preflight(plan: RunPlan) -> None:
    """Fail before a run starts when the target environment or the optimizer cannot run."""
    optimizer_preflight = getattr(plan.optimizer, "preflight", None)
    if optimizer_preflight is not None:
        optimizer_preflight(plan.repo)
    if any(isinstance(s, PytestSensor) for s in plan.spec.sensors):
        # Confined as the sensors will be, so an interpreter the sandbox cannot show fails here.
        with tempfile.TemporaryDirectory(prefix="codefit-preflight-") as tmp:
            done = plan.context.run([plan.context.python, "-c", "import pytest"], Path(tmp), timeout_s=60)
            if done.returncode != 0 and not _needs_the_repository(plan.context.python, done.stderr, tmp):
                why = (done.stderr.strip().splitlines() or ["it did not start"])[-1]
                raise ConfigError(
                    f"pytest is not importable by {plan.context.python} (the interpreter of the code "
                    f"under test: {why}); install pytest there or set `python` in the config",
                    where=str(plan.repo),
                )


def _needs_the_repository(python: str, confined_error: str, cwd: str) -> bool:
    """Whether pytest imports, only not with the repository hidden: a package pytest itself needs is
    the project, installed editable from the repository into its own environment (pluggy, packaging,
    iniconfig developed as usual). The sensors show the tree at the repository's path, where that
    install finds it; this check's empty tree cannot."""
    if "No module named 'pytest'" in confined_error:
        return False
    try:
        plain = subprocess.run([python, "-c", "import pytest"], cwd=cwd, capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return plain.returncode == 0


def workdir() -> Path:
    """Where workspaces live: outside every repository, in the system's temporary directory."""
    return Path(os.environ.get(WORKDIR_ENV) or Path(tempfile.gettempdir()) / "codefit")
