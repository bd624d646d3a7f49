"""What every sensor shares: its settings, its context, and the Reading it returns."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import ClassVar, Protocol, runtime_checkable

from pydantic import Field

from codefit.records import Options, Record
from codefit.sensors.process import DISPLAY_OUTPUT_BYTES, Completed, run_bounded
from codefit.spec import FeedbackLevel, Split
from codefit.workspace.sandbox import (
    ResourceLimits,
    SandboxSpec,
    confined_env,
    confined_spec,
    wrap_command,
)

OUTPUT_LIMIT = 20_000


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"
    XFAILED = "xfailed"
    XPASSED = "xpassed"


class TestResult(Record):
    """One test's outcome, as recorded by codefit's pytest plugin."""

    __test__ = False  # not a pytest test class

    nodeid: str
    outcome: Outcome
    duration_s: float = 0.0
    message: str = ""


class Finding(Record):
    """A located observation: a lint message, a failing test's assertion, a guard's evidence."""

    path: str = ""
    line: int | None = None
    message: str
    rule: str = ""
    severity: str = "warn"


class Counts(Record):
    total: int = 0
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0


class Reading(Record):
    """One sensor's measurement of one tree."""

    sensor: str
    split: Split
    score: float = Field(ge=0.0, le=1.0)
    passed: bool
    counts: Counts = Counts()
    duration_s: float = 0.0
    findings: tuple[Finding, ...] = ()
    tests: tuple[TestResult, ...] = ()
    output: str = ""
    metrics: Mapping[str, float] = Field(default_factory=dict)
    error: str | None = None

    def failing_tests(self) -> tuple[TestResult, ...]:
        """Failed and erred tests, as pytest judges a run: an xfail that passes fails only when strict,
        and then pytest reports it failed."""
        return tuple(t for t in self.tests if t.outcome in (Outcome.FAILED, Outcome.ERROR))


class ThresholdoutSettings(Record):
    """Reusable-holdout answers for a blind `score` sensor (Dwork et al. 2015)."""

    threshold: float = Field(
        default=0.05, ge=0.0, description="Train/holdout gap answered by the train score."
    )
    sigma: float = Field(default=0.01, ge=0.0, description="Scale of the Laplace noise.")
    seed: int = Field(default=0, description="Seed mixed with the run id: answers are reproducible.")


class SensorSettings(Record):
    """The keys every sensor has in the config, whatever its kind."""

    name: str
    kind: str
    split: Split = Split.TRAIN
    weight: float = Field(default=1.0, ge=0.0)
    gate: bool = True
    feedback: FeedbackLevel = FeedbackLevel.VERDICT
    budget: int | None = Field(default=None, ge=0)
    path: Path | None = None
    sealed: Path | None = None
    dest: str | None = None
    thresholdout: ThresholdoutSettings | None = None

    @property
    def heldout(self) -> bool:
        return self.split != Split.TRAIN

    def heldout_dest(self) -> str:
        """Where held-out files land inside a grading copy."""
        return self.dest or f".codefit-heldout/{self.name}"


@dataclass(frozen=True)
class SensorContext:
    """How to run things against a tree: the interpreter of the code under test, env, limits,
    and what the code under test must not see."""

    python: str
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    timeout_s: float = 600.0
    base_tree: Path | None = None
    # The user's repository, held-out paths, codefit's workdir: invisible to the code under test.
    hidden: tuple[Path, ...] = ()
    limits: ResourceLimits = field(default_factory=ResourceLimits)
    # The user's repository: the tree read is shown at this path too, so that an editable install
    # (whose finder points into the repository) imports the tree, never the user's checkout.
    repo: Path | None = None
    # The names of the files and folders of the project's base tree (None: those of the tree read). A
    # module the candidate adds under a new name that shadows an installed one marks a reading tampered.
    own_modules: frozenset[str] | None = None
    # {path: git blob id} of the files the tree read holds as the base tree does (None: none): their
    # own code is the user's, so its frame introspection is no tampering (pytest's audit hook).
    unchanged_blobs: Mapping[str, str] | None = None
    # {path: text} the base tree holds for each Python file the tree read changed: the functions
    # such a file keeps as the base wrote them, wherever they moved in it, are the user's code too.
    changed_bases: Mapping[str, str] | None = None
    # The caller shows outcomes only, never a message or output (`codefit check`): a sensor may skip
    # what serves only those (pytest's assertion introspection, half of a small suite's time).
    outcomes_only: bool = False

    def sandbox(self, tree: Path, *, writable: Sequence[Path] = (), at_repo: bool = False) -> SandboxSpec:
        """How code under test runs at `tree`: see `run` (also for long-lived servers)."""
        return confined_spec(
            tree,
            python=self.python,
            hidden=self.hidden,
            limits=self.limits,
            writable=writable,
            also_at=(self.repo,) if self.repo else (),
            run_at=self.repo if at_repo else None,
        )

    def run(
        self,
        argv: Sequence[str],
        tree: Path,
        *,
        timeout_s: float,
        env: Mapping[str, str] | None = None,
        writable: Sequence[Path] = (),
        stdin_text: str | None = None,
        at_repo: bool = False,
    ) -> Completed:
        """Run code under test at `tree`'s root, confined: only `tree` and `writable` writable,
        `hidden` and codefit's keys invisible, a private /tmp, no network, the limits applied.
        `at_repo`: under bubblewrap, `tree` is seen (and run) at the user's repository path alone,
        so the paths the code sees are those of a plain run there."""
        spec = self.sandbox(tree, writable=writable, at_repo=at_repo)
        return run_bounded(
            wrap_command(argv, spec),
            cwd=tree,
            env=confined_env(self.env if env is None else env, spec),
            timeout_s=timeout_s,
            stdin_text=stdin_text,
            max_output_bytes=DISPLAY_OUTPUT_BYTES,
        )


@runtime_checkable
class Sensor(Protocol):
    """Measures a tree. Never raises for a failing codebase: a crash is a reading."""

    options_model: ClassVar[type[Options]]
    settings: SensorSettings

    def read(self, tree: Path, ctx: SensorContext) -> Reading: ...


def clip_output(text: str, limit: int = OUTPUT_LIMIT) -> str:
    """Keep the head and tail of long output, so neither the cause nor the summary is lost."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n... [{len(text) - limit} characters cut] ...\n{text[-half:]}"
