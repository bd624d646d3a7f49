"""The `quality` sensor: complexity, erosion, concentration, clones, verbosity and dead code.

Parses the tree's Python files in-process (nothing is imported or run), so it is cheap enough to
read on every step. Its figures go to the step's logs; the optional `max_*` limits make it a gate.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from codefit.extras import require
from codefit.quality.drift import DRIFT_RISES
from codefit.quality.sources import DEFAULT_EXCLUDE, SourceFile, UnparsableFile, discover, excluded, load
from codefit.records import Options
from codefit.sensors.base import Counts, Finding, Reading, Sensor, SensorContext, SensorSettings

if TYPE_CHECKING:  # the measures need the `quality` extra: imported when the sensor reads
    from codefit.quality.report import QualityReport


class QualityOptions(Options):
    include: list[str] = Field(default_factory=list, description="Paths to measure; empty = the whole tree.")
    exclude: list[str] = Field(default_factory=lambda: list(DEFAULT_EXCLUDE), description="Globs left out.")
    usage: list[str] = Field(
        default_factory=lambda: list(DEFAULT_EXCLUDE),
        description="Globs of files (the tests) not measured whose uses of the code count for dead code.",
    )
    erosion_threshold: int = Field(default=10, ge=1, description="CC above which a function erodes.")
    nesting: Literal["separate", "inclusive"] = Field(
        default="separate",
        description="Whether nested functions also count in the enclosing one (scb-check: inclusive).",
    )
    clone_min_lines: int = Field(default=3, ge=1, description="Smallest clone, in source lines.")
    helper_max_sloc: int = Field(default=3, ge=0, description="Largest body of a flagged single-use helper.")
    dead_code_confidence: int = Field(default=60, ge=0, le=100, description="vulture's minimum confidence.")
    max_erosion: float | None = Field(default=None, ge=0, le=1, description="Fail above this erosion.")
    max_verbosity: float | None = Field(default=None, ge=0, description="Fail above this verbosity.")
    max_complexity: int | None = Field(default=None, ge=1, description="Fail when a function exceeds it.")
    drift_window: int = Field(
        default=DRIFT_RISES, ge=1, description="Rises in a row of erosion or verbosity before a drift alert."
    )


class QualitySensor:
    options_model: ClassVar[type[Options]] = QualityOptions

    def __init__(self, settings: SensorSettings, options: QualityOptions) -> None:
        require(f"sensor {settings.name!r} (kind quality)", "radon", "vulture")
        self.settings = settings
        self.options = options

    def read(self, tree: Path, ctx: SensorContext) -> Reading:
        from codefit.quality.complexity import Nesting
        from codefit.quality.report import QualitySettings, measure

        start = time.monotonic()
        measured = discover(tree, self.options.include, self.options.exclude)
        sources, broken = load(tree, measured)
        report = measure(
            sources,
            QualitySettings(
                erosion_threshold=self.options.erosion_threshold,
                nesting=Nesting(self.options.nesting),
                clone_min_lines=self.options.clone_min_lines,
                helper_max_sloc=self.options.helper_max_sloc,
                dead_code_confidence=self.options.dead_code_confidence,
            ),
            usage=self._usage(tree, measured),
        )
        breaches = self._breaches(report)
        findings = [*_broken_findings(broken), *report_findings(report, self.options.erosion_threshold)]
        metrics = report.metrics()
        metrics["unparsable_files"] = float(len(broken))
        return Reading(
            sensor=self.settings.name,
            split=self.settings.split,
            score=quality_score(report),
            passed=not breaches and not broken,
            counts=Counts(total=len(sources) + len(broken), passed=len(sources), errors=len(broken)),
            duration_s=time.monotonic() - start,
            findings=tuple(findings),
            output="\n".join(breaches),
            metrics=metrics,
        )

    def _usage(self, tree: Path, measured: list[str]) -> list[SourceFile]:
        """The parsable files the `usage` globs name, outside the measured ones."""
        skip = set(measured)
        paths = [p for p in discover(tree, exclude=()) if p not in skip and excluded(p, self.options.usage)]
        return load(tree, paths)[0]

    def _breaches(self, report: QualityReport) -> list[str]:
        o = self.options
        out = []
        if o.max_erosion is not None and report.complexity.erosion > o.max_erosion:
            out.append(f"erosion {report.complexity.erosion:.3f} > {o.max_erosion}")
        if o.max_verbosity is not None and report.verbosity > o.max_verbosity:
            out.append(f"verbosity {report.verbosity:.3f} > {o.max_verbosity}")
        if o.max_complexity is not None and report.complexity.complexity_max > o.max_complexity:
            out.append(f"complexity {report.complexity.complexity_max} > {o.max_complexity}")
        return out


def drift_window(sensors: Iterable[Sensor]) -> int:
    """Rises in a row before a drift alert: the first `quality` sensor's `drift_window`, else the default."""
    for sensor in sensors:
        if isinstance(sensor, QualitySensor):
            return sensor.options.drift_window
    return DRIFT_RISES


def quality_score(report: QualityReport) -> float:
    """1 for code with no eroded complexity and no verbose lines; each share lowers it."""
    return (1.0 - report.complexity.erosion) * (1.0 - min(report.verbosity, 1.0))


def report_findings(report: QualityReport, threshold: int) -> list[Finding]:
    findings = [
        Finding(
            path=f.path,
            line=f.line,
            rule="complexity",
            message=f"{f.name} has cyclomatic complexity {f.complexity} (> {threshold}) over {f.sloc} lines",
        )
        for f in report.functions
        if f.complexity > threshold
    ]
    for group in report.clones:
        first, *others = group.instances
        where = ", ".join(f"{i.path}:{i.line}-{i.end_line}" for i in others)
        findings.append(
            Finding(
                path=first.path,
                line=first.line,
                rule="clone",
                message=f"{first.kind} of {group.sloc} lines duplicated at {where}",
            )
        )
    findings += [
        Finding(path=s.path, line=s.line, rule=s.rule, message=f"{s.name}: {s.rule.replace('-', ' ')}")
        for s in report.structural
    ]
    findings += [
        Finding(
            path=d.path, line=d.line, rule="dead-code", message=f"{d.message} ({d.confidence}% confidence)"
        )
        for d in report.dead
    ]
    return findings


def _broken_findings(broken: list[UnparsableFile]) -> list[Finding]:
    return [
        Finding(path=b.path, line=b.line, rule="syntax", message=b.message, severity="error") for b in broken
    ]
