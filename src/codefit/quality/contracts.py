"""Architecture fitness functions as import rules, judged on an import graph.

The graph comes from grimp (built in a subprocess by the `contracts` sensor); the judging here is
pure. Module names in a contract stand for the module and everything under it. Each broken rule
yields the shortest offending import chain as evidence: importer, imported, line, source text.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Literal

from pydantic import Field

from codefit.records import Options, Record


class ImportEdge(Record):
    importer: str
    imported: str
    line: int | None = None
    text: str = ""


class ImportGraph(Record):
    """Modules and their direct imports, each import with the first line that makes it."""

    modules: frozenset[str]
    imports: Mapping[str, tuple[ImportEdge, ...]]

    @classmethod
    def from_edges(cls, modules: Iterable[str], edges: Iterable[ImportEdge]) -> ImportGraph:
        by_importer: dict[str, dict[str, ImportEdge]] = {}
        for edge in edges:
            by_importer.setdefault(edge.importer, {}).setdefault(edge.imported, edge)
        return cls(
            modules=frozenset(modules),
            imports={
                k: tuple(sorted(v.values(), key=lambda e: e.imported)) for k, v in sorted(by_importer.items())
            },
        )

    def under(self, name: str) -> frozenset[str]:
        """`name` and its descendants."""
        return frozenset(m for m in self.modules if m == name or m.startswith(name + "."))


class Violation(Record):
    message: str
    chain: tuple[ImportEdge, ...]


class LayersContract(Options):
    type: Literal["layers"]
    name: str = ""
    layers: list[str] = Field(min_length=2, description="Highest first; a layer may not import one above it.")
    containers: list[str] = Field(
        default_factory=list, description="Packages the layer names are relative to."
    )


class ForbiddenContract(Options):
    type: Literal["forbidden"]
    name: str = ""
    source_modules: list[str] = Field(min_length=1)
    forbidden_modules: list[str] = Field(
        min_length=1, description="Internal or external (top-level) modules."
    )


class IndependenceContract(Options):
    type: Literal["independence"]
    name: str = ""
    modules: list[str] = Field(min_length=2, description="None of these may import another, even indirectly.")


class AcyclicContract(Options):
    type: Literal["acyclic"]
    name: str = ""
    packages: list[str] = Field(
        default_factory=list, description="Where cycles are banned; empty = everywhere."
    )


Contract = Annotated[
    LayersContract | ForbiddenContract | IndependenceContract | AcyclicContract, Field(discriminator="type")
]


class ContractResult(Record):
    name: str
    kind: str
    violations: tuple[Violation, ...]

    @property
    def kept(self) -> bool:
        return not self.violations


def check(contract: Contract, graph: ImportGraph) -> ContractResult:
    name = contract.name or contract.type
    if isinstance(contract, LayersContract):
        violations = _layers(contract, graph)
    elif isinstance(contract, ForbiddenContract):
        violations = _forbidden(contract, graph)
    elif isinstance(contract, IndependenceContract):
        violations = _independence(contract, graph)
    else:
        violations = _acyclic(contract, graph)
    return ContractResult(name=name, kind=contract.type, violations=tuple(violations))


def check_all(contracts: Sequence[Contract], graph: ImportGraph) -> list[ContractResult]:
    results = []
    for i, contract in enumerate(contracts):
        result = check(contract, graph)
        if not contract.name:
            result = result.model_copy(update={"name": f"{contract.type} #{i + 1}"})
        results.append(result)
    return results


def shortest_chain(
    graph: ImportGraph, sources: frozenset[str], targets: frozenset[str], avoid: frozenset[str] = frozenset()
) -> tuple[ImportEdge, ...] | None:
    """The fewest imports leading from any source to any target, not passing through `avoid`."""
    parent: dict[str, ImportEdge | None] = {s: None for s in sources}
    queue = deque(sorted(sources))
    while queue:
        module = queue.popleft()
        for edge in graph.imports.get(module, ()):
            nxt = edge.imported
            if nxt in parent:
                continue
            parent[nxt] = edge
            if nxt in targets:
                return _unwind(parent, nxt)
            if nxt not in avoid:
                queue.append(nxt)
    return None


def _unwind(parent: Mapping[str, ImportEdge | None], end: str) -> tuple[ImportEdge, ...]:
    chain = []
    edge = parent[end]
    while edge is not None:
        chain.append(edge)
        edge = parent[edge.importer]
    return tuple(reversed(chain))


def describe(chain: Sequence[ImportEdge]) -> str:
    return " -> ".join([chain[0].importer, *(e.imported for e in chain)]) if chain else ""


def _layers(contract: LayersContract, graph: ImportGraph) -> list[Violation]:
    groups = [[f"{c}.{layer}" for layer in contract.layers] for c in contract.containers] or [contract.layers]
    found = []
    for names in groups:
        sets = [graph.under(n) for n in names]
        every = frozenset().union(*sets)
        for hi, higher in enumerate(names):
            for lower_index in range(hi + 1, len(names)):
                lower = names[lower_index]
                others = every - sets[hi] - sets[lower_index]
                chain = shortest_chain(graph, sets[lower_index], sets[hi], avoid=others)
                if chain:
                    found.append(Violation(message=f"{lower} is below {higher} but imports it", chain=chain))
    return found


def _forbidden(contract: ForbiddenContract, graph: ImportGraph) -> list[Violation]:
    found = []
    for source in contract.source_modules:
        for forbidden in contract.forbidden_modules:
            chain = shortest_chain(graph, graph.under(source), graph.under(forbidden))
            if chain:
                found.append(Violation(message=f"{source} must not import {forbidden}", chain=chain))
    return found


def _independence(contract: IndependenceContract, graph: ImportGraph) -> list[Violation]:
    sets = {m: graph.under(m) for m in contract.modules}
    every = frozenset().union(*sets.values())
    found = []
    for a in contract.modules:
        for b in contract.modules:
            if a == b:
                continue
            chain = shortest_chain(graph, sets[a], sets[b], avoid=every - sets[a] - sets[b])
            if chain:
                found.append(
                    Violation(message=f"{a} and {b} must be independent, but {a} imports {b}", chain=chain)
                )
    return found


def _acyclic(contract: AcyclicContract, graph: ImportGraph) -> list[Violation]:
    scope = (
        frozenset().union(*(graph.under(p) for p in contract.packages))
        if contract.packages
        else graph.modules
    )
    found = []
    for component in strongly_connected(graph, scope):
        start = min(component)
        others = frozenset(component) - {start}
        inner = ImportGraph.from_edges(
            component, (e for m in component for e in graph.imports.get(m, ()) if e.imported in component)
        )
        first = shortest_chain(inner, frozenset({start}), others)
        back = shortest_chain(inner, frozenset({first[-1].imported}), frozenset({start})) if first else None
        chain = (*(first or ()), *(back or ()))
        found.append(Violation(message=f"import cycle among {len(component)} modules", chain=chain))
    return found


def strongly_connected(graph: ImportGraph, scope: frozenset[str]) -> list[list[str]]:
    """Components of more than one module (Tarjan's algorithm, iterative), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def successors(m: str) -> list[str]:
        return [e.imported for e in graph.imports.get(m, ()) if e.imported in scope]

    for root in sorted(scope):
        if root in index:
            continue
        work = [(root, iter(successors(root)))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(successors(child))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))
    return sorted(components)
