"""One tree's quality figures, computed from parsed sources: the pure core of the `quality` sensor."""

from __future__ import annotations

from collections.abc import Sequence

from codefit.quality.clones import CloneGroup, clone_lines, find_clones, maximal
from codefit.quality.complexity import ComplexitySummary, FunctionMetrics, Nesting, functions_of, summarise
from codefit.quality.deadcode import DeadCode, dead_code
from codefit.quality.sources import SourceFile
from codefit.quality.structure import StructuralFlag, flagged_lines, structural_flags
from codefit.records import Record


class QualitySettings(Record):
    erosion_threshold: int = 10
    nesting: Nesting = Nesting.SEPARATE
    clone_min_lines: int = 3
    helper_max_sloc: int = 3
    dead_code_confidence: int = 60
    dead_code: bool = True  # vulture's scan is the dearest figure; a caller showing none skips it


class QualityReport(Record):
    sloc: int
    functions: tuple[FunctionMetrics, ...]
    complexity: ComplexitySummary
    clones: tuple[CloneGroup, ...]
    structural: tuple[StructuralFlag, ...]
    dead: tuple[DeadCode, ...]
    duplication: float
    verbosity: float

    def metrics(self) -> dict[str, float]:
        """Flat figures for the step's logs."""
        return {
            "sloc": float(self.sloc),
            "functions": float(self.complexity.functions),
            "complexity_max": float(self.complexity.complexity_max),
            "complexity_mean": self.complexity.complexity_mean,
            "erosion": self.complexity.erosion,
            "concentration": self.complexity.concentration,
            "duplication": self.duplication,
            "verbosity": self.verbosity,
            "clone_groups": float(len(self.clones)),
            "structural_flags": float(len(self.structural)),
            "dead_code": float(len(self.dead)),
        }


def measure(
    sources: Sequence[SourceFile],
    settings: QualitySettings | None = None,
    usage: Sequence[SourceFile] = (),
) -> QualityReport:
    """The figures of `sources`; `usage` files (the tests) only count as uses of their code."""
    settings = settings or QualitySettings()
    functions = [f for s in sources for f in functions_of(s, settings.nesting)]
    groups = find_clones(sources, settings.clone_min_lines)
    flags = structural_flags(sources, settings.helper_max_sloc)
    sloc = sum(s.sloc for s in sources)
    cloned = clone_lines(groups, sources)
    verbose = cloned | flagged_lines(flags, sources)
    return QualityReport(
        sloc=sloc,
        functions=tuple(functions),
        complexity=summarise(functions, settings.erosion_threshold),
        clones=tuple(maximal(groups)),
        structural=tuple(flags),
        dead=tuple(dead_code(sources, settings.dead_code_confidence, usage)) if settings.dead_code else (),
        duplication=len(cloned) / sloc if sloc else 0.0,
        verbosity=len(verbose) / sloc if sloc else 0.0,
    )
