"""Localisation widens while nothing plausible is found: a one-token bug ranked just past `max_lines`
is still repaired, and the step says how far it looked."""

from __future__ import annotations

from collections.abc import Sequence

from codefit.optimizers.search.evaluator import EvalStatus, Evaluation, TestRun
from codefit.optimizers.search.localise import Suspect
from codefit.optimizers.search.search import Budget, Problem, Request, search
from codefit.sensors.base import Outcome

LINES = 20
BUG_LINE = 16  # ranked 16th: one past the first window of 15
SOURCE = "".join("bug = 1 + 1\n" if i == BUG_LINE else f"x{i} = {i}\n" for i in range(1, LINES + 1))
FIXED = "bug = 1 - 1"


def problem() -> Problem:
    suspects = [
        Suspect(path="m.py", line=line, score=1.0 - line / 100, failed=1, passed=0)
        for line in range(1, LINES + 1)
    ]
    return Problem(
        sources={"m.py": SOURCE},
        failing=["test_m.py::test_bug"],
        passing=[],
        coverage={"test_m.py::test_bug": {"m.py": list(range(1, LINES + 1))}},
        suspects=suspects,
    )


def evaluate(batch: Sequence[Request]) -> list[Evaluation]:
    """The failing test passes exactly when the bug line is fixed."""
    out = []
    for files, _tests, _gate in batch:
        fixed = FIXED in files.get("m.py", SOURCE)
        outcome = Outcome.PASSED if fixed else Outcome.FAILED
        result = TestRun(nodeid="test_m.py::test_bug", outcome=outcome)
        out.append(Evaluation(status=EvalStatus.OK, results={result.nodeid: result}))
    return out


def test_a_bug_ranked_past_max_lines_is_found_by_widening() -> None:
    result = search(problem(), evaluate, Budget(max_lines=15, seconds=60))
    assert result.plausible and FIXED in result.plausible[0].files["m.py"]
    assert (result.first_window, result.lines_searched, result.lines_ranked) == (15, 20, 20)
    assert result.localisation_note() == "widened from the 15 most suspicious lines to 20"


def test_giving_up_with_ranked_lines_left_says_so() -> None:
    result = search(problem(), evaluate, Budget(max_lines=5, max_candidates=3, seconds=60))
    assert not result.plausible
    assert "more ranked line(s) not searched" in result.localisation_note()


def test_giving_up_after_every_ranked_line_says_so() -> None:
    unfixable = problem()
    unfixable.sources = {"m.py": SOURCE.replace("bug = 1 + 1", "bug = 7")}
    result = search(unfixable, evaluate, Budget(max_lines=15, max_edits=1, seconds=60))
    assert not result.plausible and result.lines_searched == 20
    assert result.localisation_note().endswith("of 20 ranked: every line a failing test runs")
