"""A phased run: its phases in order, each as ordinary fits chained on one codebase.

The first sub-run starts from the repository; each later one continues from the checkpoint the
previous one chose (a replay of it, with a fresh agent session: a context reset). Files a phase hands
over are kept in the store and written into every later phase's task. The phased run is a run row
of its own (optimizer `phases`); its phases are rows of the `phases` table, naming their sub-runs.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from codefit.config import LoadedConfig
from codefit.errors import CodefitError, Interrupted, StoreError
from codefit.harness.callbacks import Callback
from codefit.harness.continued import continue_run, recorded_history
from codefit.harness.loop import History, Trainer
from codefit.harness.plan import plan_from_config, preflight, workdir
from codefit.phases.kinds import GeneratePhase, PhaseKind, phase_kinds, plan_artifact
from codefit.phases.records import PHASED, PhaseRecord, PhaseStatus, SubRun, record_phase, stored_phases
from codefit.phases.settings import PhaseSettings
from codefit.progress import ProgressKind, note
from codefit.store import RunRecord, RunStatus, Store, new_run_id
from codefit.workspace.git import git, head_commit

OPTIMIZER = PHASED


@dataclass
class _Chain:
    """Where the next sub-run starts: nothing yet (the repository), or a run's chosen step."""

    run: str | None = None
    step: int = 0
    branch: str | None = None
    files: dict[str, str] = field(default_factory=dict)  # handed over so far
    steps: list[dict[str, object]] = field(default_factory=list)
    final: dict[str, object] = field(default_factory=dict)


class PhasedRun:
    def __init__(
        self,
        loaded: LoadedConfig,
        store: Store,
        callbacks: Sequence[Callback] = (),
        *,
        max_steps: int | None = None,
    ) -> None:
        self.loaded = loaded
        self.store = store
        self.callbacks = list(callbacks)
        self.max_steps = max_steps  # overrides every sub-run's limit (`fit --steps`)

    def start(self, *, dirty: bool = False) -> History:
        run = self._create_run()
        return self._run(run.id, [], dirty=dirty)

    def resume(self, run_ref: str) -> History:
        """Continue an interrupted phased run at the phase (and plan item) where it stopped: the
        phases and sub-runs it finished are kept, the sub-run in flight is resumed."""
        run = self.store.run(run_ref)
        if run.optimizer != OPTIMIZER:
            raise StoreError(f"run {run.id} is not a phased run")
        if run.status != RunStatus.RUNNING:
            raise StoreError(f"run {run.id} already finished ({run.status}); nothing to resume")
        return self._run(run.id, stored_phases(self.store, run.id), dirty=False)

    def _run(self, run_id: str, recorded: Sequence[PhaseRecord], *, dirty: bool) -> History:
        chain = _Chain()
        status, reason = RunStatus.MET, "every phase met"
        phases = self.loaded.config.phases
        index = 0
        with self.store.stepping(run_id):
            try:
                for index, phase in enumerate(phases):
                    before = recorded[index] if index < len(recorded) else None
                    outcome = self._phase(run_id, index, phase, chain, before, dirty=dirty)
                    if outcome is not PhaseStatus.MET:
                        status = RunStatus.ERROR if outcome is PhaseStatus.ERROR else RunStatus.NOT_MET
                        reason = f"phase {index + 1} ({phase.label}) {outcome.value}"
                        break
            except KeyboardInterrupt:
                raise Interrupted(
                    f"phase {index + 1} of {len(phases)} ({phases[index].label}) of run {run_id} "
                    f"stopped; the phases and runs before it are recorded; continue with: "
                    f"codefit fit --resume {run_id}"
                ) from None
            except Exception as exc:
                self.store.update_run(run_id, status=RunStatus.ERROR, error=str(exc) or type(exc).__name__)
                raise
        queried = chain.run is not None and bool(self.store.queries(chain.run))
        final = {
            **chain.final,
            "stop_reason": reason,
            "met": status is RunStatus.MET,
            "validation_queried": queried,
        }
        self.store.update_run(run_id, status=status, branch=chain.branch, final=final)
        return History(
            run_id=run_id,
            status=status,
            branch=chain.branch,
            stop_reason=reason,
            steps=chain.steps,
            final=final,
        )

    def _phase(
        self,
        run_id: str,
        index: int,
        phase: PhaseSettings,
        chain: _Chain,
        before: PhaseRecord | None,
        *,
        dirty: bool,
    ) -> PhaseStatus:
        """Run one phase; `before`: what a resumed run recorded of it."""
        if before is not None and before.status is not PhaseStatus.RUNNING:
            return self._recorded_phase(before, chain)
        kind: PhaseKind = phase_kinds.get(phase.kind)()
        record = before or PhaseRecord(
            run_id=run_id,
            idx=index + 1,
            name=phase.label,
            kind=phase.kind,
            status=PhaseStatus.RUNNING,
            started=time.time(),
        )
        record_phase(self.store, record)
        try:
            if isinstance(kind, GeneratePhase):
                path = plan_artifact(self.loaded, index)
                chain.files.setdefault(path, self._read(chain, path) or "")
            sub_runs = kind.sub_runs(self.loaded, index, chain.files)
        except CodefitError as exc:
            return self._end(record, PhaseStatus.ERROR, exc.message)
        finished = [s for s in record.sub_runs if s.status != RunStatus.RUNNING.value]
        in_flight = next((s.run for s in record.sub_runs if s.status == RunStatus.RUNNING.value), None)
        kept: list[SubRun] = []
        for n, sub in enumerate(sub_runs):
            if n < len(finished):  # a resumed phase: this item's run ended before the interrupt
                history = recorded_history(self.store, finished[n].run)
                self._advance(chain, history)
            else:
                resumed = " (resumed)" if in_flight and n == len(finished) else ""
                what = f": {sub.item}" if sub.item else ""
                note(
                    ProgressKind.STAGE,
                    f"phase {index + 1} of {len(self.loaded.config.phases)}, {phase.label}{what}{resumed}",
                )
                history = self._fit(
                    sub.loaded,
                    chain,
                    dirty=dirty,
                    resume=in_flight if n == len(finished) else None,
                    begin=_InFlight(self.store, record.model_copy(update={"sub_runs": kept}), sub.item),
                )
            kept.append(finished[n] if n < len(finished) else self._sub_run(history, sub.item))
            record = record.model_copy(update={"sub_runs": list(kept)})
            record_phase(self.store, record)
            if not history.met:
                why = f"{sub.item or 'its run'} not met: {history.stop_reason}"
                return self._end(record, PhaseStatus.NOT_MET, why)
        handoff, missing = self._hand_over(phase, chain)
        record = record.model_copy(update={"handoff": handoff})
        if missing:
            return self._end(
                record, PhaseStatus.NOT_MET, f"handoff file(s) not written: {', '.join(missing)}"
            )
        return self._end(record, PhaseStatus.MET, f"{len(sub_runs)} run(s) met")

    def _recorded_phase(self, record: PhaseRecord, chain: _Chain) -> PhaseStatus:
        """A phase a resumed run had finished: its runs and handed-over files carry the chain on."""
        for sub in record.sub_runs:
            self._advance(chain, recorded_history(self.store, sub.run))
        chain.files.update({path: self.store.blobs.text(blob) for path, blob in record.handoff.items()})
        return record.status

    def _fit(
        self, loaded: LoadedConfig, chain: _Chain, *, dirty: bool, resume: str | None, begin: Callback
    ) -> History:
        plan = plan_from_config(loaded, max_steps=self.max_steps)
        preflight(plan)
        trainer = Trainer(plan, self.store, [*self.callbacks, begin])
        if resume is not None:
            history = continue_run(trainer, self.store, resume)
        elif chain.run is None:
            history = trainer.start(dirty=dirty)
        else:
            history = trainer.replay(chain.run, chain.step, session={})
        self._advance(chain, history)
        return history

    def _advance(self, chain: _Chain, history: History) -> None:
        """The next sub-run starts from the tree `history`'s run chose."""
        chosen = self.store.run(history.run_id).chosen_step
        chain.run, chain.step, chain.branch = history.run_id, chosen or 0, history.branch
        chain.steps += history.steps
        chain.final = dict(history.final)

    def _sub_run(self, history: History, item: str) -> SubRun:
        steps = [s for s in self.store.steps(history.run_id) if s.idx > 0]
        return SubRun(
            run=history.run_id,
            item=item,
            status=history.status.value,
            steps=len(steps),
            cost_usd=sum(s.cost_usd for s in steps),
            stop_reason=history.stop_reason,
            branch=history.branch,
            transcripts=[s.transcript_blob for s in steps if s.transcript_blob],
        )

    def _hand_over(self, phase: PhaseSettings, chain: _Chain) -> tuple[dict[str, str], list[str]]:
        """Keep the phase's handoff files (a plan phase's artifact among them) from its last tree."""
        paths = [*([phase.artifact] if phase.kind == "plan" and phase.artifact else []), *phase.handoff]
        kept, missing = {}, []
        for path in dict.fromkeys(paths):
            text = self._read(chain, path)
            if text is None:
                missing.append(path)
                continue
            kept[path] = self.store.blobs.put(text)
            chain.files[path] = text
        return kept, missing

    def _read(self, chain: _Chain, path: str) -> str | None:
        """A file of the tree the chain has reached (the repository's HEAD before any sub-run)."""
        spec = f"{chain.branch or 'HEAD'}:{path}"
        if git(self.loaded.root, "cat-file", "-t", spec, check=False).strip() != "blob":
            return None
        return git(self.loaded.root, "cat-file", "blob", spec)

    def _end(self, record: PhaseRecord, status: PhaseStatus, outcome: str) -> PhaseStatus:
        record_phase(
            self.store, record.model_copy(update={"status": status, "ended": time.time(), "outcome": outcome})
        )
        return status

    def _create_run(self) -> RunRecord:
        now = time.time()
        run_id = new_run_id()
        run = RunRecord(
            id=run_id,
            created=now,
            updated=now,
            status=RunStatus.RUNNING,
            repo=str(self.loaded.root),
            workspace=str(workdir() / run_id),
            base_commit=head_commit(self.loaded.root),
            fingerprint=self.loaded.fingerprint(),
            config=self.loaded.raw,
            optimizer=OPTIMIZER,
            max_steps=self.loaded.config.max_steps,
        )
        self.store.create_run(run)
        return run


class _InFlight(Callback):
    """Records a sub-run as `running` in its phase once its baseline is recorded (from then on
    `Trainer.resume` can continue it), so that a resumed phased run finds it."""

    def __init__(self, store: Store, record: PhaseRecord, item: str) -> None:
        self.store, self.record, self.item = store, record, item

    def on_run_begin(self, logs: Mapping[str, Any]) -> None:
        running = SubRun(
            run=str(logs["run_id"]), item=self.item, status=RunStatus.RUNNING.value, steps=0, cost_usd=0.0
        )
        record_phase(
            self.store, self.record.model_copy(update={"sub_runs": [*self.record.sub_runs, running]})
        )
