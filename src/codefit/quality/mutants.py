"""Mutants of the code under test, built with the search optimizer's edit operators, and the score.

A mutant is one small edit (a flipped comparison, a changed constant, a negated condition). A
mutant that no covering test notices marks a place where the loss is blind: code the tests do not
really check. Generating and judging mutants is pure; running them is the `mutation` sensor's job.
"""

from __future__ import annotations

import ast
import random
import warnings
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum

from codefit.optimizers.search import operators as ops
from codefit.optimizers.search.patch import Edit
from codefit.optimizers.search.source import SourceFile as EditableSource
from codefit.records import Record

# The classic mutation operators, in the search optimizer's implementation.
OPERATORS: dict[str, ops.Operator] = {
    "comparison": ops.comparison_operator,
    "arithmetic": ops.binary_operator,
    "boolean": ops.boolean_operator,
    "augmented": ops.augmented_assignment,
    "integer": ops.integer_constant,
    "constant": ops.constant_replacement,
    "call": ops.call_replacement,
    "negation": ops.negation,
}


class MutantStatus(StrEnum):
    KILLED = "killed"
    SURVIVED = "survived"
    NO_COVERAGE = "no_coverage"  # no passing test runs its line: survives by construction
    TIMEOUT = "timeout"  # counted as killed: the tests noticed something
    INVALID = "invalid"  # does not compile or import: not a mutant at all
    NOT_RUN = "not_run"  # the time budget ran out first


class Mutant(Record):
    path: str
    line: int
    end_line: int
    statement_line: int
    op: str
    description: str
    edit: Edit

    @property
    def lines(self) -> frozenset[int]:
        """Lines whose execution means the mutated code ran."""
        return frozenset({self.statement_line, *range(self.line, self.end_line + 1)})


class MutantResult(Record):
    mutant: Mutant
    status: MutantStatus
    tests_run: int = 0
    killed_by: str = ""


class MutationSummary(Record):
    mutants: int
    killed: int
    survived: int
    no_coverage: int
    timeout: int
    invalid: int
    not_run: int

    @property
    def score(self) -> float:
        """Killed (timeouts included) over every mutant judged; 1 when there were none."""
        judged = self.killed + self.timeout + self.survived + self.no_coverage
        return (self.killed + self.timeout) / judged if judged else 1.0


def mutants_of(path: str, text: str, operators: Iterable[str] = tuple(OPERATORS)) -> list[Mutant]:
    """Every mutant the operators make of one file, skipping annotations and docstrings."""
    try:
        source = EditableSource(path, text)
    except SyntaxError:
        return []
    skipped = _untouchable(source.tree)
    chosen = [OPERATORS[name] for name in operators]
    found: list[Mutant] = []
    seen: set[tuple[int, int, str]] = set()
    for node in ast.walk(source.tree):
        if not isinstance(node, ast.expr | ast.stmt) or id(node) in skipped:
            continue
        statement = source.statement_of(node)
        for operator in chosen:
            for edit in operator(source, node):
                key = (edit.start, edit.end, edit.text)
                if key in seen or not _compiles(text, edit):
                    continue
                seen.add(key)
                found.append(
                    Mutant(
                        path=path,
                        line=node.lineno,
                        end_line=node.end_lineno or node.lineno,
                        statement_line=statement.lineno if statement is not None else node.lineno,
                        op=edit.op,
                        description=edit.description,
                        edit=edit,
                    )
                )
    return sorted(found, key=lambda m: (m.path, m.edit.start, m.edit.end, m.edit.text))


def mutated(text: str, mutant: Mutant) -> str:
    edit = mutant.edit
    return text[: edit.start] + edit.text + text[edit.end :]


def sample(mutants: Sequence[Mutant], limit: int, seed: int = 0) -> list[Mutant]:
    """At most `limit` mutants, chosen reproducibly, in source order."""
    if len(mutants) <= limit:
        return list(mutants)
    picked = sorted(random.Random(seed).sample(range(len(mutants)), limit))
    return [mutants[i] for i in picked]


def covering_tests(mutant: Mutant, coverage: Mapping[str, frozenset[int]]) -> list[str]:
    """Tests (by node id) whose run executed one of the mutant's lines; `coverage` is for its file."""
    lines = mutant.lines
    return sorted(test for test, covered in coverage.items() if covered & lines)


def summarise(results: Sequence[MutantResult]) -> MutationSummary:
    def count(status: MutantStatus) -> int:
        return sum(1 for r in results if r.status == status)

    return MutationSummary(
        mutants=len(results),
        killed=count(MutantStatus.KILLED),
        survived=count(MutantStatus.SURVIVED),
        no_coverage=count(MutantStatus.NO_COVERAGE),
        timeout=count(MutantStatus.TIMEOUT),
        invalid=count(MutantStatus.INVALID),
        not_run=count(MutantStatus.NOT_RUN),
    )


def _untouchable(tree: ast.AST) -> set[int]:
    """ids of nodes inside annotations, docstrings and decorators: mutating them tests nothing."""
    roots: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            roots += [a.annotation for a in _all_args(node.args) if a.annotation is not None]
            roots += [*node.decorator_list, *([node.returns] if node.returns else [])]
        elif isinstance(node, ast.ClassDef):
            roots += node.decorator_list
        elif isinstance(node, ast.AnnAssign):
            roots.append(node.annotation)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                roots.append(first)
    return {id(n) for root in roots for n in ast.walk(root)}


def _all_args(args: ast.arguments) -> list[ast.arg]:
    extra = [a for a in (args.vararg, args.kwarg) if a is not None]
    return [*args.posonlyargs, *args.args, *args.kwonlyargs, *extra]


def _compiles(text: str, edit: Edit) -> bool:
    try:
        with warnings.catch_warnings():  # `x is 0` and the like compile: their warnings are noise here
            warnings.simplefilter("ignore", SyntaxWarning)
            compile(text[: edit.start] + edit.text + text[edit.end :], "<mutant>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True
