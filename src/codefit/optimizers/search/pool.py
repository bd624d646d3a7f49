"""Several fork servers on one tree: a batch of candidates evaluated in parallel, one server per core.

Results come back in the order of the jobs, never of completion, so a search that reads them in
order makes the same choices with one worker or many. Each server collects the same session; one
whose collection differs from the first (a nondeterministic test suite) is dropped, and the pool
goes on with the rest.
"""

from __future__ import annotations

import os
import select
import time
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path

from pydantic import Field

from codefit.errors import OptimizerError
from codefit.optimizers.search.evaluator import Collected, Evaluation, ForkServer, Limits
from codefit.records import Record
from codefit.workspace.sandbox import SandboxSpec


def default_workers() -> int:
    """One server per core the process may use, two at most (each holds a pytest session)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(2, cores))


class Job(Record):
    """One candidate: the files it replaces (absolute path -> source) and the tests to run."""

    files: dict[Path, str] = Field(default_factory=dict)
    tests: tuple[str, ...] | None = None
    coverage: bool = False
    details: bool = False
    gate: int = 0


class EvaluatorPool:
    """`workers` fork servers; `run` uses the first, `run_many` spreads a batch over all of them.

    Without fork (`fork=False`) every candidate is a fresh process anyway, and the pool runs them
    one at a time.
    """

    def __init__(
        self,
        tree: Path,
        python: str,
        env: Mapping[str, str],
        args: Sequence[str],
        *,
        limits: Limits | None = None,
        fork: bool = True,
        workers: int = 1,
        sandbox: SandboxSpec | None = None,
    ) -> None:
        first = ForkServer(tree, python, env, args, limits=limits, fork=fork, sandbox=sandbox)
        count = max(1, workers) if first.fork else 1
        self.servers = [first] + [
            ForkServer(tree, python, env, args, limits=limits, fork=fork, sandbox=sandbox)
            for _ in range(count - 1)
        ]
        self._joined = count == 1  # the other servers' collections are checked on first use

    def __enter__(self) -> EvaluatorPool:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def collected(self) -> Collected:
        return self.servers[0].collected

    @property
    def limits(self) -> Limits:
        return self.servers[0].limits

    @property
    def workers(self) -> int:
        return len(self.servers)

    def start(self) -> Collected:
        """Start every server; wait for the first only (the others collect while it works)."""
        for server in self.servers[1:]:
            server.launch()
        return self.servers[0].start()

    def close(self) -> None:
        for server in self.servers:
            server.close()

    def set_limits(self, limits: Limits) -> None:
        """Limits for the jobs that follow (a candidate deadline measured from the baseline, say)."""
        for server in self.servers:
            server.limits = limits

    def run(
        self,
        files: Mapping[Path, str],
        tests: Sequence[str] | None = None,
        *,
        coverage: bool = False,
        details: bool = False,
        gate: int = 0,
    ) -> Evaluation:
        """One job on the first server; see ForkServer.run."""
        return self.servers[0].run(files, tests, coverage=coverage, details=details, gate=gate)

    def run_many(self, jobs: Sequence[Job]) -> list[Evaluation]:
        """Every job, spread over the servers; the evaluations in the order of `jobs`."""
        self._join()
        if len(self.servers) == 1 or len(jobs) <= 1:
            return [
                self.run(j.files, j.tests, coverage=j.coverage, details=j.details, gate=j.gate) for j in jobs
            ]
        results: list[Evaluation | None] = [None] * len(jobs)
        queue = deque(enumerate(jobs))
        idle = list(reversed(self.servers))
        busy: dict[ForkServer, tuple[int, float]] = {}  # server -> (job index, deadline)
        while queue or busy:
            while queue and idle:
                server = idle.pop()
                index, job = queue.popleft()
                request = server.request(
                    job.files, job.tests, coverage=job.coverage, details=job.details, gate=job.gate
                )
                if server.submit(request):
                    busy[server] = (index, time.monotonic() + server.reply_timeout(request))
                else:
                    results[index] = server.finish(None)
                    idle.append(server)
            self._wait(busy, idle, results)
        return [r for r in results if r is not None]

    def _wait(
        self,
        busy: dict[ForkServer, tuple[int, float]],
        idle: list[ForkServer],
        results: list[Evaluation | None],
    ) -> None:
        """Collect whatever replies arrive next; a server past its deadline is closed (it restarts)."""
        if not busy:
            return
        timeout = max(0.0, min(deadline for _, deadline in busy.values()) - time.monotonic())
        ready, _, _ = select.select(list(busy), [], [], timeout)
        for server in ready:
            answered, reply = server.poll()
            if answered:
                index, _ = busy.pop(server)
                results[index] = server.finish(reply)
                idle.append(server)
        now = time.monotonic()
        for server, (index, deadline) in list(busy.items()):
            if now >= deadline:
                del busy[server]
                results[index] = server.finish(None)
                idle.append(server)

    def _join(self) -> None:
        """Wait for the other servers' collections; drop those that differ from the first."""
        if self._joined:
            return
        self._joined = True
        kept = [self.servers[0]]
        for server in self.servers[1:]:
            try:
                same = server.wait_ready().items == self.collected.items
            except OptimizerError:
                same = False
            if same:
                kept.append(server)
            else:
                server.close()
        self.servers = kept


def jobs_for(root: Path, batch: Sequence[tuple[Mapping[str, str], Sequence[str] | None, int]]) -> list[Job]:
    """Jobs for (relative path -> source, tests, gate) triples, as the search produces them."""
    return [
        Job(
            files={root / p: t for p, t in files.items()},
            tests=None if tests is None else tuple(tests),
            gate=gate,
        )
        for files, tests, gate in batch
    ]
