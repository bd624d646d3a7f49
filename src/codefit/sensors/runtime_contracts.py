"""The `runtime_contracts` sensor: icontract's contracts checked while the tests run.

The tests (`args`; a held-out sensor's own folder too) run as under the pytest sensor, with a small
plugin (`runtime_contracts_watch.py`, staged outside the tree) that fails a test during which any
`icontract.ViolationError` was raised, even one the test caught. Every violation becomes a
`contract-violation` finding at the contract's decorator (`path:line`, relative to the tree), with
the contract's condition and the values that broke it. icontract must be installed for the
interpreter of the code under test (`codefit[runtime-contracts]`). With a `crosshair` table, CrossHair
also checks the contracts of the changed functions symbolically (`crosshair_check.py`). (The
`contracts` kind is the import-architecture contracts.)
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

from pydantic import Field

from codefit.errors import SensorError
from codefit.records import Options
from codefit.sensors.base import Finding, Outcome, Reading, SensorContext, SensorSettings
from codefit.sensors.crosshair_check import CrosshairSettings, changed_functions, check, relative_path
from codefit.sensors.pytest_sensor import PytestOptions
from codefit.sensors.staged import StagedPytest, install_hint, missing_module, staged_context, staging

PLUGIN = "codefit_contracts_watch"
SOURCE = Path(__file__).with_name("runtime_contracts_watch.py")
# icontract's message: "File <path>, line <n> in <function>:\n<condition or description>: <values>"
# then one line per value ("x was -1"), until the next violation.
HEADER = r"File (?P<path>[^\n]+?), line (?P<line>\d+) in [^\n]+?:\n"
VIOLATION = re.compile(HEADER + r"(?P<body>.*?)(?=\nFile [^\n]+, line \d+ in |\Z)", re.DOTALL)


class RuntimeContractsOptions(PytestOptions):
    crosshair: CrosshairSettings | None = Field(
        default=None, description="Also check the changed functions' contracts symbolically."
    )


class RuntimeContractsSensor:
    options_model: ClassVar[type[Options]] = RuntimeContractsOptions

    def __init__(self, settings: SensorSettings, options: RuntimeContractsOptions) -> None:
        self.settings = settings
        self.options = options
        self._runner = StagedPytest(settings, options, before=["-p", PLUGIN])

    def read(self, tree: Path, ctx: SensorContext) -> Reading:
        with staging("codefit-contracts-", {f"{PLUGIN}.py": SOURCE.read_text(encoding="utf-8")}) as folder:
            reading = self._runner.read(tree, staged_context(ctx, folder))
        hint = missing_module(reading, "icontract", f"sensor {self.settings.name!r} (kind runtime_contracts)")
        if hint is not None:
            raise SensorError(hint, where=f"sensor {self.settings.name!r}")
        roots = [str(tree.resolve()), str(tree), *([str(ctx.repo)] if ctx.repo else [])]
        found = violations(reading, roots)
        metrics = {**reading.metrics, "contract_violations": float(len(found))}
        reading = reading.model_copy(update={"findings": (*found, *reading.findings), "metrics": metrics})
        return self._symbolic(reading, tree, ctx) if self.options.crosshair is not None else reading

    def _symbolic(self, reading: Reading, tree: Path, ctx: SensorContext) -> Reading:
        settings = self.options.crosshair or CrosshairSettings()
        targets = changed_functions(tree, ctx.base_tree, settings.include)
        found, note = check(tree, ctx, targets, settings)
        if "No module named crosshair" in note:
            what = f"sensor {self.settings.name!r} (kind runtime_contracts, crosshair)"
            raise SensorError(install_hint("crosshair", what), where=f"sensor {self.settings.name!r}")
        metrics = {
            **reading.metrics,
            "crosshair_targets": float(len(targets)),
            "crosshair_counterexamples": float(len(found)),
        }
        return reading.model_copy(
            update={
                "findings": (*found, *reading.findings),
                "passed": reading.passed and not found,
                "metrics": metrics,
                "output": "\n".join(p for p in (reading.output, note) if p),
            }
        )


def violations(reading: Reading, roots: list[str]) -> tuple[Finding, ...]:
    """One finding per contract broken (at its decorator), naming the tests that broke it."""
    tests_of: dict[tuple[str, int, str], list[str]] = {}
    values_of: dict[tuple[str, int, str], str] = {}
    for test in reading.tests:
        if test.outcome not in (Outcome.FAILED, Outcome.ERROR):
            continue
        for match in VIOLATION.finditer(test.message):
            contract, _, values = match["body"].strip().partition("\n")
            key = (relative_path(match["path"], roots), int(match["line"]), contract.rstrip(":").strip())
            values_of.setdefault(key, "; ".join(v.strip() for v in values.splitlines() if v.strip()))
            tests = tests_of.setdefault(key, [])
            if test.nodeid not in tests:
                tests.append(test.nodeid)
    return tuple(
        Finding(
            path=path,
            line=line,
            message=f"contract `{contract}` violated ({values_of[path, line, contract]}) "
            f"in {', '.join(tests)}",
            rule="contract-violation",
            severity="error",
        )
        for (path, line, contract), tests in tests_of.items()
    )
