"""Two-edit patches from the best single edits: `n == 0` -> `n <= 1` needs two token edits."""

from __future__ import annotations

from pathlib import Path

from codefit.optimizers.base import StepStatus
from codefit.optimizers.search import SearchOptimizer, SearchOptions
from codefit.optimizers.search.pairs import best_singles, paired
from codefit.optimizers.search.patch import Edit
from codefit.optimizers.search.search import Tried
from tests.conftest import MakeRepo
from tests.optimizers.search.test_optimizer import state_for

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "fib_base_case" / "repo"


def edit(start: int, line: int, text: str = "x") -> Edit:
    return Edit(path="m.py", start=start, end=start + 1, text=text, line=line, op="op", description=text)


def tried(fixed: int, broke: int) -> Tried:
    return Tried(description="", status="ok", fixed=fixed, broke=broke)  # type: ignore[arg-type]


def test_the_single_edits_that_fixed_most_net_come_first_and_those_that_fixed_nothing_never() -> None:
    a, b, c = edit(0, 1), edit(2, 1), edit(4, 2)
    singles = [(tried(1, 1), a), (tried(0, 0), b), (tried(2, 0), c)]
    assert best_singles(singles) == [c, a]
    assert best_singles(singles, top=1) == [c]


def test_pairs_of_the_best_then_each_with_the_other_edits_of_its_line_never_overlapping() -> None:
    a, b, c = edit(0, 1, "a"), edit(2, 1, "b"), edit(10, 2, "c")
    overlapping = edit(0, 1, "z")
    pairs = [tuple(e.text for e in p.edits) for p in paired([a, c], [a, b, c, overlapping])]
    assert pairs == [("a", "c"), ("a", "b")]


def test_a_fix_of_two_tokens_on_one_line_is_found(make_repo: MakeRepo) -> None:
    files = {"fib.py": (EXAMPLE / "fib.py").read_text()}
    files["tests/test_fib.py"] = (EXAMPLE / "tests" / "test_fib.py").read_text()
    repo = make_repo(files)
    result = SearchOptimizer(SearchOptions(step_seconds=60)).step(state_for(repo))
    assert result.status == StepStatus.EDITED, result.summary
    assert "if n <= 1:" in (repo / "fib.py").read_text()
