"""Where trials run: `local` (a process pool, default) or `ray` (Ray tasks, locally or on a cluster).

Both run the same `run_trial` on the same payloads (the task's files travel as bytes), so a sweep
gives the same per-run outcomes on either. Each executor hands back finished trials one at a time;
a worker that dies comes back as an infrastructure error, never as an exception in the driver.
"""

from __future__ import annotations

import concurrent.futures as cf
import importlib
import multiprocessing
import os
from typing import Any, Protocol

from codefit.errors import ConfigError
from codefit.experiments.trial import Trial, TrialOutcome, TrialStatus, run_trial

SANDBOX_RESOURCE = "codefit_sandbox"  # one per trial: a node offers as many as it has sandbox slots


class Executor(Protocol):
    def submit(self, trial: Trial, files: bytes, attempt: int) -> Any: ...

    def next_done(self, pending: dict[Any, Trial]) -> tuple[Any, TrialOutcome]: ...

    def shutdown(self) -> None: ...


class LocalExecutor:
    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._pool = cf.ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        self._attempts: dict[Any, int] = {}

    def submit(self, trial: Trial, files: bytes, attempt: int) -> Any:
        future = self._pool.submit(run_trial, trial, files, attempt)
        self._attempts[future] = attempt
        return future

    def next_done(self, pending: dict[Any, Trial]) -> tuple[Any, TrialOutcome]:
        done, _ = cf.wait(list(pending), return_when=cf.FIRST_COMPLETED)
        future = next(iter(done))
        attempt = self._attempts.pop(future)
        try:
            return future, future.result()
        except Exception as exc:  # a dead worker, a broken pool
            if isinstance(exc, cf.process.BrokenProcessPool):
                self._pool = cf.ProcessPoolExecutor(
                    self.workers, mp_context=multiprocessing.get_context("spawn")
                )
            return future, TrialOutcome(
                pending[future].key, TrialStatus.INFRA, error=repr(exc), attempt=attempt
            )

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def start_local_ray(ray: Any, cpus: int) -> None:
    """A Ray of this process's own with `cpus` CPUs and as many sandbox slots."""
    # "local": without it, ray.init joins any Ray already running on this machine (another
    # user's, another test's) and refuses num_cpus for it.
    ray.init(
        address="local",
        num_cpus=cpus,
        resources={SANDBOX_RESOURCE: cpus},
        include_dashboard=False,
        log_to_driver=False,
    )


class RayExecutor:
    def __init__(self, workers: int | None = None, address: str | None = None) -> None:
        try:
            ray: Any = importlib.import_module("ray")
        except ImportError:
            raise ConfigError("the ray executor needs Ray: pip install 'codefit[ray]'") from None
        self.ray = ray
        if not ray.is_initialized():
            if address:
                ray.init(address=address, include_dashboard=False, log_to_driver=False)
            else:
                start_local_ray(ray, workers or os.cpu_count() or 1)
        slots = {SANDBOX_RESOURCE: 1} if ray.cluster_resources().get(SANDBOX_RESOURCE) else {}
        self._remote = ray.remote(num_cpus=1, resources=slots, max_retries=0)(run_trial)
        self._attempts: dict[Any, int] = {}
        self._files: dict[str, Any] = {}  # task name -> its files in Ray's object store
        self._owns = not address

    def submit(self, trial: Trial, files: bytes, attempt: int) -> Any:
        # A task's files go into the object store once; its trials (settings, repeats, retries) pass
        # the reference, so a node fetches them once instead of every task spec carrying a copy.
        if trial.task.name not in self._files:
            self._files[trial.task.name] = self.ray.put(files)
        ref = self._remote.remote(trial, self._files[trial.task.name], attempt)
        self._attempts[ref] = attempt
        return ref

    def next_done(self, pending: dict[Any, Trial]) -> tuple[Any, TrialOutcome]:
        done, _ = self.ray.wait(list(pending), num_returns=1)
        ref = done[0]
        attempt = self._attempts.pop(ref)
        try:
            return ref, self.ray.get(ref)
        except Exception as exc:  # RayTaskError, WorkerCrashedError, a lost node
            return ref, TrialOutcome(
                pending[ref].key, TrialStatus.INFRA, error=repr(exc)[:500], attempt=attempt
            )

    def shutdown(self) -> None:
        for ref in self._attempts:
            self.ray.cancel(ref, force=True)
        if self._owns:
            self.ray.shutdown()


def make_executor(kind: str, workers: int | None = None, address: str | None = None) -> Executor:
    if kind == "local":
        return LocalExecutor(workers)
    if kind == "ray":
        return RayExecutor(workers, address)
    raise ConfigError(f"unknown executor {kind!r}; expected local or ray")
