"""The Python API, in the Keras shape.

import codefit as cf
history = cf.Codebase("path/to/repo").compile(optimizer="search").fit(steps=5)
cf.Codebase("path/to/repo").evaluate(split="validation")
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from codefit.config import LoadedConfig, load_config
from codefit.errors import ConfigError
from codefit.harness.callbacks import Budget, Callback, EarlyStopping
from codefit.harness.plan import RunPlan, plan_from_config, preflight
from codefit.harness.recorded import recorded_config
from codefit.optimizers.base import Optimizer
from codefit.sensors.base import Reading
from codefit.spec import Spec, Split
from codefit.workspace.git import repo_root
from codefit.workspace.grading import grade
from codefit.workspace.unchanged import with_own_code
from codefit.workspace.workspace import Workspace

if TYPE_CHECKING:  # loaded where used: `evaluate` (and the CLI's other commands) never need them
    from codefit.checkpoints.record import SeriesRecord
    from codefit.harness.loop import History
    from codefit.store import Store


class Codebase:
    """A git repository to be trained against its spec."""

    def __init__(self, path: str | Path = ".", config: str | Path | None = None) -> None:
        self.repo = repo_root(Path(path))
        self._config_file = Path(config) if config else None
        self._loaded: LoadedConfig | None = None
        self._plan: RunPlan | None = None

    @property
    def loaded(self) -> LoadedConfig:
        if self._loaded is None:
            self._loaded = load_config(self.repo, self._config_file)
        return self._loaded

    @property
    def store(self) -> Store:
        from codefit.store import Store

        return Store.for_repo(self.repo)

    @property
    def plan(self) -> RunPlan:
        """The compiled harness (compiled from the config when `compile` was not called)."""
        return self._plan or self.compile()._require_plan()

    def compile(
        self,
        optimizer: str | Optimizer | None = None,
        spec: Spec | None = None,
        *,
        max_steps: int | None = None,
        from_run: str | None = None,
    ) -> Codebase:
        """Resolve the harness: the config's settings, overridden by what is passed here.

        `from_run` takes the settings recorded by that run instead of the config file's (as
        `fit(resume=...)` does when no config file was named): a resumed run keeps its harness."""
        if from_run is not None:
            self._loaded = recorded_config(self.store.run(from_run))
        kind = optimizer if isinstance(optimizer, str) else None
        plan = plan_from_config(self.loaded, optimizer_kind=kind, max_steps=max_steps)
        if optimizer is not None and not isinstance(optimizer, str):
            plan = replace(plan, optimizer=optimizer, optimizer_kind=type(optimizer).__name__)
        if spec is not None:
            plan = replace(plan, spec=spec)
        self._plan = plan
        return self

    def fit(
        self,
        steps: int | None = None,
        callbacks: Sequence[Callback] = (),
        *,
        dirty: bool = False,
        resume: str | None = None,
    ) -> History:
        """Run the loop; returns the run's History. `resume` continues a killed run, with the
        settings it recorded unless a config file was named or `compile` was called."""
        if self.loaded.config.checkpoints and not resume:
            raise ConfigError(
                "the config declares [[checkpoints]]: train them with Codebase.fit_checkpoints() "
                "(or `codefit fit`)",
                where=str(self.loaded.file),
            )
        if self._plan is None:
            from_run = resume if self._config_file is None else None
            self.compile(from_run=from_run)
        if self.loaded.config.phases:
            return self._fit_phases(callbacks, steps=steps, dirty=dirty, resume=resume)
        plan = self._require_plan()
        if steps is None and resume:
            steps = self.store.run(resume).max_steps  # a resumed run keeps its own limit
        if steps is not None:
            plan = replace(plan, max_steps=steps, config={**plan.config, "max_steps": steps})
        preflight(plan)
        from codefit.doctor.agents import require_agent_cli  # the agent CLI accepts what codefit passes

        require_agent_cli(plan.optimizer, plan.repo)
        if not resume:  # a new run: its splits must collect tests before any step or budget is spent
            from codefit.doctor.project import collection_findings, stop_on_problems

            stop_on_problems(collection_findings(plan, dirty=dirty), self.repo)
        from codefit.harness.loop import Trainer

        trainer = Trainer(plan, self.store, [*self._config_callbacks(), *callbacks])
        return trainer.resume(resume) if resume else trainer.start(dirty=dirty)

    def fit_checkpoints(
        self, *, optimizer: str | None = None, steps: int | None = None, dirty: bool = False
    ) -> SeriesRecord:
        """Train the config's [[checkpoints]] in order, one run each (docs/checkpoints.md)."""
        from codefit.checkpoints.series import fit_series

        return fit_series(self.loaded, self.store, optimizer=optimizer, steps=steps, dirty=dirty)

    def evaluate(self, split: str | Split = Split.TRAIN, *, dirty: bool = True) -> list[Reading]:
        """Grade the current tree on one split, without an optimizer and without spending budget."""
        plan = self._plan or self.compile()._require_plan()
        try:
            chosen = Split(split)
        except ValueError:
            raise ConfigError(f"unknown split {split!r}; expected train, validation or test") from None
        sensors = plan.spec.split(chosen)
        if not sensors:
            raise ConfigError(f"the spec has no {chosen.value} sensors", where=str(self.loaded.file))
        with tempfile.TemporaryDirectory(prefix="codefit-evaluate-") as tmp:
            workspace = Workspace.create(
                self.repo, Path(tmp) / "ws", dirty=dirty, exclude=plan.heldout_paths()
            )
            if chosen == Split.TRAIN:
                # The tree is the user's own: its code's introspection is no tampering.
                own = with_own_code(plan.context, workspace, workspace.head())
                readings = [s.read(workspace.path, own) for s in sensors]
            else:
                readings = grade(workspace, workspace.head(), sensors, plan.context)
        if any(r.error for r in readings):
            # Only now the environment check (a confined interpreter start, a second launch on every
            # evaluation otherwise): a pytest the interpreter cannot import is named as the cause.
            preflight(plan)
        return readings

    def _fit_phases(
        self, callbacks: Sequence[Callback], *, steps: int | None, dirty: bool, resume: str | None
    ) -> History:
        """A run with `[[phases]]`: each phase as ordinary fits chained on one codebase (`steps`:
        the limit of every sub-run)."""
        from codefit.phases.runner import PhasedRun

        callbacks = [*self._config_callbacks(), *callbacks]
        phased = PhasedRun(self.loaded, self.store, callbacks, max_steps=steps)
        return phased.resume(resume) if resume else phased.start(dirty=dirty)

    def _require_plan(self) -> RunPlan:
        assert self._plan is not None
        return self._plan

    def _config_callbacks(self) -> list[Callback]:
        cfg = self.loaded.config
        out: list[Callback] = []
        if cfg.early_stopping is not None:
            es = cfg.early_stopping
            out.append(EarlyStopping(monitor=es.monitor, patience=es.patience, restore_best=es.restore_best))
        if cfg.max_wall_time is not None or cfg.max_cost_usd is not None:
            out.append(Budget(max_seconds=cfg.max_wall_time, max_cost_usd=cfg.max_cost_usd))
        return out
