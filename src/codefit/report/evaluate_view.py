"""`codefit evaluate`'s lines: each reading's verdict and counts, its metrics (the quality
figures), and, when it failed, why: the failing tests, its findings, or the error and its cause."""

from __future__ import annotations

from collections.abc import Sequence

from codefit.ansi import strip_ansi
from codefit.doctor.collection import first_error
from codefit.report.terminal import fmt, metric_text
from codefit.sensors.base import Reading

FINDINGS_SHOWN = 10


def reading_lines(readings: Sequence[Reading]) -> list[str]:
    lines: list[str] = []
    for r in readings:
        c = r.counts
        lines.append(
            f"{r.sensor} ({r.split.value}): {fmt(r.passed)} score {r.score:.2f} "
            f"({c.passed} passed, {c.failed} failed, {c.errors} errors, {c.skipped} skipped)"
        )
        if r.metrics:
            figures = ", ".join(f"{k} {metric_text(k, v)}" for k, v in sorted(r.metrics.items()))
            lines.append(f"  metrics: {figures}")
        if r.error:
            lines.append(f"  error: {strip_ansi(r.error)}")
            if not r.tests and r.output.strip():
                lines.append(f"  cause: {first_error(r.output)}")
        failing = r.failing_tests()
        lines += [f"  {t.outcome}: {t.nodeid}" for t in failing]
        if not r.passed:
            restated = tuple(f"{t.nodeid}: " for t in failing)
            own = [f for f in r.findings if not f.message.startswith(restated)]
            for f in own[:FINDINGS_SHOWN]:
                where = f"{f.path}:{f.line}" if f.line is not None else f.path
                lines.append(f"  {where} {f.rule}: {strip_ansi(f.message)}".replace("   ", " "))
            if len(own) > FINDINGS_SHOWN:
                lines.append(f"  ... and {len(own) - FINDINGS_SHOWN} more findings (--json lists them all)")
    return lines
