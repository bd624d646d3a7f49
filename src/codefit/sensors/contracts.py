"""The `contracts` sensor: architecture rules (layers, forbidden, independence, acyclic) on imports.

grimp builds the import graph in a separate, isolated interpreter (`python -I`), with the tree's
`src/` and root on its path: the code under test is parsed, never imported, and codefit's own
modules cannot shadow the project's. The graph comes back as JSON and is judged by
`codefit.quality.contracts`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from pydantic import Field

from codefit.errors import SensorError
from codefit.quality.contracts import Contract, ContractResult, ImportEdge, ImportGraph, check_all, describe
from codefit.records import Options
from codefit.sensors.base import Counts, Finding, Reading, SensorContext, SensorSettings, clip_output
from codefit.sensors.process import run_bounded

# Runs under `python -I -c`; argv: search paths as JSON, root packages as JSON, include externals.
_DUMP_GRAPH = """
import json, sys
paths, roots, external = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3] == "1"
sys.path[:0] = paths
import grimp
graph = grimp.build_graph(*roots, include_external_packages=external, cache_dir=None)
edges = []
for importer in sorted(graph.modules):
    for imported in sorted(graph.find_modules_directly_imported_by(importer)):
        details = graph.get_import_details(importer=importer, imported=imported)
        first = min(details, key=lambda d: d["line_number"]) if details else {}
        edges.append([importer, imported, first.get("line_number"), first.get("line_contents", "")])
json.dump({"modules": sorted(graph.modules), "edges": edges}, sys.stdout)
"""


class ContractsOptions(Options):
    contracts: list[Contract] = Field(min_length=1, description="The rules; each has a `type`.")
    root_packages: list[str] = Field(
        default_factory=list, description="Packages to graph; default: the top-level packages found."
    )
    timeout: float = Field(default=300.0, gt=0, description="Seconds for building the graph.")


class ContractsSensor:
    options_model: ClassVar[type[Options]] = ContractsOptions

    def __init__(self, settings: SensorSettings, options: ContractsOptions) -> None:
        self.settings = settings
        self.options = options

    def read(self, tree: Path, ctx: SensorContext) -> Reading:
        where = f"sensor {self.settings.name!r}"
        search = search_paths(tree)
        roots = self.options.root_packages or top_level_packages(search)
        if not roots:
            raise SensorError(f"no Python package found in {tree} (set `root_packages`)", where=where)
        external = any(c.type == "forbidden" for c in self.options.contracts)
        completed = run_bounded(
            [
                sys.executable,
                "-I",
                "-c",
                _DUMP_GRAPH,
                json.dumps([str(p) for p in search]),
                json.dumps(roots),
                "1" if external else "0",
            ],
            cwd=tree,
            env=ctx.env,
            timeout_s=min(self.options.timeout, ctx.timeout_s),
        )
        if "No module named 'grimp'" in completed.stderr:
            raise SensorError("grimp is not installed: `pip install codefit[quality]`", where=where)
        try:
            graph = parse_graph(completed.stdout)
        except (ValueError, KeyError, TypeError):
            return Reading(
                sensor=self.settings.name,
                split=self.settings.split,
                score=0.0,
                passed=False,
                duration_s=completed.duration_s,
                output=clip_output(completed.output),
                error="could not build the import graph" + (" (timed out)" if completed.timed_out else ""),
            )
        results = check_all(self.options.contracts, graph)
        kept = sum(r.kept for r in results)
        return Reading(
            sensor=self.settings.name,
            split=self.settings.split,
            score=kept / len(results),
            passed=kept == len(results),
            counts=Counts(total=len(results), passed=kept, failed=len(results) - kept),
            duration_s=completed.duration_s,
            findings=tuple(contract_findings(results, lambda m: module_path(m, search, tree))),
            metrics={
                "contracts_broken": float(len(results) - kept),
                "contract_violations": float(sum(len(r.violations) for r in results)),
                "import_edges": float(sum(len(v) for v in graph.imports.values())),
            },
        )


def search_paths(tree: Path) -> list[Path]:
    return [p for p in (tree / "src", tree) if p.is_dir()]


def top_level_packages(search: list[Path]) -> list[str]:
    """Directories with an `__init__.py` at the top of `src/` (or of the tree when it has none)."""
    base = search[0]
    return sorted(
        d.name
        for d in base.iterdir()
        if d.is_dir()
        and (d / "__init__.py").is_file()
        and d.name not in ("tests", "test")
        and d.name.isidentifier()
    )


def parse_graph(text: str) -> ImportGraph:
    data = json.loads(text)
    edges = [
        ImportEdge(importer=a, imported=b, line=line, text=src or "") for a, b, line, src in data["edges"]
    ]
    return ImportGraph.from_edges(data["modules"], edges)


def module_path(module: str, search: list[Path], tree: Path) -> str:
    """The file defining `module`, relative to the tree; the module name when none is found."""
    rel = Path(*module.split("."))
    for base in search:
        for candidate in (base / rel.with_suffix(".py"), base / rel / "__init__.py"):
            if candidate.is_file():
                return candidate.relative_to(tree).as_posix()
    return module


def contract_findings(results: list[ContractResult], path_of: Callable[[str], str]) -> list[Finding]:
    """One finding per violation, located at the first import of its chain."""
    findings = []
    for result in results:
        for violation in result.violations:
            first = violation.chain[0] if violation.chain else None
            steps = "; ".join(f"{e.importer}:{e.line} `{e.text.strip()}`" for e in violation.chain)
            findings.append(
                Finding(
                    path=path_of(first.importer) if first else "",
                    line=first.line if first else None,
                    rule=f"contract:{result.name}",
                    message=f"{violation.message}: {describe(violation.chain)} ({steps})",
                    severity="error",
                )
            )
    return findings
