"""The `property` sensor: Hypothesis property tests with a fixed example budget and a recorded seed.

Two sources, one run: user-written property tests (`args`, as for the pytest sensor) and properties
declared in the config over a function of the code under test (round trip, idempotence, an
invariant, agreement with a reference implementation). The declared ones become a test module
(`property_module.py` and a JSON file) staged outside the tree and shown read-only to the confined
pytest run, so the optimizer's workspace never holds it. A failing property's shrunk counterexample
is in its test's message and in a `counterexample` finding: a held-out property shows it only at
feedback level `full`, and its test's name (shown at `names`) carries no input.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from pathlib import Path
from typing import ClassVar

from pydantic import Field, model_validator

from codefit.errors import ConfigError, SensorError
from codefit.records import Options
from codefit.sensors.base import Finding, Outcome, Reading, SensorContext, SensorSettings, TestResult
from codefit.sensors.pytest_sensor import PytestOptions
from codefit.sensors.staged import (
    StagedPytest,
    install_hint,
    missing_module,
    root_args,
    staged_context,
    staging,
)

MODULE_FILE = "codefit_property_tests.py"
SPEC_FILE = "codefit_properties.json"  # the name property_module.py reads
TEMPLATE = Path(__file__).with_name("property_module.py")
TARGET = r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$"
FALSIFYING = re.compile(r"Falsifying example:.*", re.DOTALL)


class PropertyKind(StrEnum):
    ROUND_TRIP = "round_trip"
    IDEMPOTENT = "idempotent"
    INVARIANT = "invariant"
    REFERENCE = "reference"


class DeclaredProperty(Options):
    """One property over a function of the code under test, checked on `strategy`'s inputs."""

    name: str = Field(pattern=r"^[A-Za-z_]\w*$", description="The property's name (its test's name).")
    function: str = Field(pattern=TARGET, description="`pkg.mod:func`, the function under test.")
    kind: PropertyKind = Field(description="round_trip | idempotent | invariant | reference.")
    strategy: str = Field(description="An expression over `st` (hypothesis.strategies) giving the input.")
    inverse: str | None = Field(default=None, pattern=TARGET, description="round_trip: `pkg.mod:func`.")
    invariant: str | None = Field(default=None, description="invariant: an expression over `x` and `result`.")
    reference: str | None = Field(default=None, pattern=TARGET, description="reference: `pkg.mod:func`.")
    unpack: bool = Field(default=False, description="Call `function(*x)`: the strategy gives a tuple.")

    @model_validator(mode="after")
    def _complete(self) -> DeclaredProperty:
        needs = {PropertyKind.ROUND_TRIP: "inverse", PropertyKind.INVARIANT: "invariant"}
        needs[PropertyKind.REFERENCE] = "reference"
        key = needs.get(self.kind)
        if key is not None and getattr(self, key) is None:
            raise ValueError(f"a {self.kind.value} property needs `{key}`")
        if self.unpack and self.kind in (PropertyKind.ROUND_TRIP, PropertyKind.IDEMPOTENT):
            raise ValueError(f"`unpack` does not apply to a {self.kind.value} property")
        for label, text in (("strategy", self.strategy), ("invariant", self.invariant)):
            if text is not None:
                try:
                    compile(text, f"<{label}>", "eval")
                except SyntaxError as exc:
                    raise ValueError(f"`{label}` is not a Python expression: {exc.msg}") from None
        return self


class PropertyOptions(PytestOptions):
    properties: list[DeclaredProperty] = Field(default_factory=list, description="Declared properties.")
    max_examples: int = Field(default=100, ge=1, description="Examples per property test (the budget).")
    seed: int = Field(default=0, ge=0, description="Hypothesis's seed, recorded in the reading.")

    @model_validator(mode="after")
    def _unique(self) -> PropertyOptions:
        names = [p.name for p in self.properties]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"duplicate property names: {', '.join(twice)}")
        return self


class PropertySensor:
    options_model: ClassVar[type[Options]] = PropertyOptions

    def __init__(self, settings: SensorSettings, options: PropertyOptions) -> None:
        if not options.args and not options.properties and settings.path is None and settings.sealed is None:
            raise ConfigError(
                "a property sensor needs `properties`, `args` (property tests) or a held-out `path`",
                where=f"sensor {settings.name!r}",
            )
        self.settings = settings
        self.options = options
        self._runner = StagedPytest(settings, options, after=[f"--hypothesis-seed={options.seed}"])

    def read(self, tree: Path, ctx: SensorContext) -> Reading:
        spec = {
            "seed": self.options.seed,
            "max_examples": self.options.max_examples,
            "properties": [p.model_dump(mode="json") for p in self.options.properties],
        }
        files = {SPEC_FILE: json.dumps(spec), MODULE_FILE: TEMPLATE.read_text(encoding="utf-8")}
        with staging("codefit-property-", files) as folder:
            # The declared properties' module first, so its Hypothesis profile is loaded before any user test.
            declared = [str(folder / MODULE_FILE)] if self.options.properties else []
            self._runner.before = [*root_args(tree), *declared] if declared else []
            # Hypothesis's own files (its constants cache, unicode data) outside the tree too.
            storage = folder.parent / "hypothesis"
            storage.mkdir()
            env = {"HYPOTHESIS_STORAGE_DIRECTORY": str(storage)}
            reading = self._runner.read(tree, staged_context(ctx, folder, scratch=[storage], env=env))
        what = f"sensor {self.settings.name!r} (kind property)"
        hint = missing_module(reading, "hypothesis", what)
        if hint is None and "unrecognized arguments: --hypothesis-seed" in reading.output:  # no plugin
            hint = install_hint("hypothesis", what)
        if hint is not None:
            raise SensorError(hint, where=f"sensor {self.settings.name!r}")
        return relabel(reading, str(folder), self.settings.name, self.options)


def relabel(reading: Reading, folder: str, sensor: str, options: PropertyOptions) -> Reading:
    """Declared properties' tests named `<sensor>::<property>` (no staging path), their messages
    without the staged module's location, and a `counterexample` finding per failing property test."""
    tests = tuple(_relabel_test(t, folder, sensor) for t in reading.tests)
    budget = f"seed {options.seed}, max_examples {options.max_examples}"
    found = [
        Finding(
            path="" if t.nodeid.startswith(sensor + "::") else t.nodeid.split("::", 1)[0],
            message=f"{t.nodeid}: counterexample ({budget}): {counterexample(t.message)}",
            rule="counterexample",
            severity="error",
        )
        for t in tests
        if t.outcome == Outcome.FAILED
    ]
    failing = {t.nodeid for t in reading.tests if t.outcome in (Outcome.FAILED, Outcome.ERROR)}
    others = [f for f in reading.findings if not any(f.message.startswith(n + ": ") for n in failing)]
    kept = [f.model_copy(update={"message": f.message.replace(folder + "/", "")}) for f in others]
    errors = [_finding_of_error(t) for t in tests if t.outcome == Outcome.ERROR]
    metrics = {
        **reading.metrics,
        "properties": float(reading.counts.total - reading.counts.skipped),
        "properties_failed": float(reading.counts.failed + reading.counts.errors),
        "property_seed": float(options.seed),
        "property_max_examples": float(options.max_examples),
    }
    return reading.model_copy(
        update={
            "tests": tests,
            "findings": (*kept, *found, *errors),
            "metrics": metrics,
            "output": reading.output.replace(folder + "/", ""),
        }
    )


def counterexample(message: str) -> str:
    """The shrunk input of a failing property test: Hypothesis's `Falsifying example` when the
    message has it, else the assertion (a declared property's names its input)."""
    match = FALSIFYING.search(message)
    return (match.group(0) if match else message).strip()


def _relabel_test(test: TestResult, folder: str, sensor: str) -> TestResult:
    path, sep, rest = test.nodeid.partition("::")
    if not sep or (path and not path.endswith(MODULE_FILE)):  # outside the rootdir: no path
        return test
    name = rest.removeprefix("test_")
    message = re.sub(rf"^\S*{re.escape(MODULE_FILE)}:\d+: ", "", test.message).replace(folder + "/", "")
    return test.model_copy(update={"nodeid": f"{sensor}::{name}", "message": message})


def _finding_of_error(test: TestResult) -> Finding:
    return Finding(message=f"{test.nodeid}: {test.outcome}: {test.message}", rule=str(test.outcome))
