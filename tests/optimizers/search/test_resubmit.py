"""Steps after a hidden check said no: the next-ranked plausible patch, never a graded tree again."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest

import codefit
from codefit.optimizers.base import HiddenVerdict, StepStatus
from codefit.optimizers.search import SearchOptimizer, SearchOptions
from codefit.optimizers.search.carry import SESSION_KEY
from tests.conftest import MakeRepo
from tests.optimizers.search.test_optimizer import STATS, STATS_TESTS, events, state_for

REJECTED = (HiddenVerdict(sensor="holdout", passed=False),)
ACCEPTED = (HiddenVerdict(sensor="holdout", passed=True),)


def test_a_rejected_patch_is_followed_by_the_next_ranked_one_never_a_graded_tree(make_repo: MakeRepo) -> None:
    repo = make_repo({"stats.py": STATS, "tests/test_stats.py": STATS_TESTS})
    optimizer = SearchOptimizer(SearchOptions(step_seconds=60))
    first = optimizer.step(state_for(repo))
    assert first.status == StepStatus.EDITED
    carried = first.session[SESSION_KEY]
    assert len(carried["ranked"]) >= 2, "the stats bug has several plausible patches (`>`, `>=`)"
    assert "kept for the next step" in first.summary
    assert "[SUBMITTED]" in events(first, "submission")[0]
    trees = [(repo / "stats.py").read_text()]

    session = first.session
    for _ in range(len(carried["ranked"]) - 1):
        state = dataclasses.replace(state_for(repo), step=1, blind=REJECTED, session=session)
        result = optimizer.step(state)
        assert result.status == StepStatus.EDITED
        assert result.summary.startswith("a hidden check rejected")
        assert "rejected" in events(result, "submission")[0]
        assert not events(result, "search"), "no new search: the carried patches are spent first"
        trees.append((repo / "stats.py").read_text())
        session = result.session
    assert len(set(trees)) == len(trees), "no tree is submitted twice"
    assert STATS not in trees


def test_without_a_rejection_a_repaired_tree_has_nothing_to_repair(make_repo: MakeRepo) -> None:
    repo = make_repo({"stats.py": STATS, "tests/test_stats.py": STATS_TESTS})
    optimizer = SearchOptimizer(SearchOptions(step_seconds=60))
    first = optimizer.step(state_for(repo))
    chosen = (repo / "stats.py").read_text()
    for answers in (ACCEPTED, ()):
        state = dataclasses.replace(state_for(repo), step=1, blind=answers, session=first.session)
        assert optimizer.step(state).status == StepStatus.NO_CHANGE
        assert (repo / "stats.py").read_text() == chosen


def test_when_every_carried_patch_was_rejected_the_search_goes_on_past_them(make_repo: MakeRepo) -> None:
    repo = make_repo({"stats.py": STATS, "tests/test_stats.py": STATS_TESTS})
    optimizer = SearchOptimizer(SearchOptions(step_seconds=60, max_plausible=1))
    first = optimizer.step(state_for(repo))
    submitted = (repo / "stats.py").read_text()
    assert len(first.session[SESSION_KEY]["ranked"]) == 1
    state = dataclasses.replace(state_for(repo), step=1, blind=REJECTED, session=first.session)
    second = optimizer.step(state)
    assert second.status == StepStatus.EDITED
    assert events(second, "search"), "searched again from the base"
    second_tree = (repo / "stats.py").read_text()
    assert second_tree not in (submitted, STATS)
    state = dataclasses.replace(state_for(repo), step=2, blind=REJECTED, session=second.session)
    third = optimizer.step(state)
    assert third.status == StepStatus.EDITED
    assert (repo / "stats.py").read_text() not in (submitted, second_tree, STATS), "no graded tree again"


def test_endless_candidates_are_cut_at_a_multiple_of_the_baseline(make_repo: MakeRepo) -> None:
    source = textwrap.dedent(
        """\
        def countdown(n):
            total = 0
            while n > 0:
                total += n
                n += 1
            return total
        """
    )
    tests = textwrap.dedent(
        """\
        from countdown import countdown


        def test_three():
            assert countdown(3) == 6


        def test_zero():
            assert countdown(0) == 0
        """
    )
    repo = make_repo({"countdown.py": source, "tests/test_countdown.py": tests})
    state = state_for(repo)
    options = SearchOptions(step_seconds=180, candidate_timeout=5.0)  # a budget, ample on a loaded machine
    result = SearchOptimizer(options).step(state)
    assert result.status == StepStatus.EDITED, result.summary
    search = next(e for e in result.transcript if e.name == "search")
    assert search.data["candidate_timeout_s"] < options.candidate_timeout
    assert result.status == StepStatus.EDITED
    assert "n -= 1" in (repo / "countdown.py").read_text()


# A feedback template that words the hidden check its own way: no `Verdict:` line to read back.
OWN_TEMPLATE = """\
Step {{ step }}.
{% for b in blind %}The {{ b.sensor }} check {{ "was happy" if b.verdict == "PASSED" else "was not happy" }}.
{% endfor %}
"""
CONFIG = """\
task = "Make largest return the largest item."
writable = ["*.py"]
max_steps = 2

[feedback]
template = "own.j2"

[[sensors]]
name = "unit"
kind = "pytest"
args = ["tests"]

[[sensors]]
name = "holdout"
kind = "pytest"
path = "../hidden/validation"
split = "validation"
feedback = "verdict"
budget = 3

[guards.policy]
block = "warn"

[optimizer]
kind = "search"
step_seconds = 60
"""
# Every patch fails it (it asks for the smallest item): each step's submission is rejected.
NEVER = "from stats import largest\n\n\ndef test_never():\n    assert largest([3, 1]) == 1\n"


def test_a_rejection_is_read_from_the_structured_answer_whatever_the_feedback_template(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_repo: MakeRepo
) -> None:
    monkeypatch.setenv("CODEFIT_WORKDIR", str(tmp_path / "work"))
    files = {
        "stats.py": STATS,
        "tests/test_stats.py": STATS_TESTS,
        "codefit.toml": CONFIG,
        "own.j2": OWN_TEMPLATE,
        ".gitignore": ".codefit/\n",
    }
    repo = make_repo(files)
    (tmp_path / "hidden" / "validation").mkdir(parents=True)
    (tmp_path / "hidden" / "validation" / "test_never.py").write_text(NEVER)
    codebase = codefit.Codebase(repo)
    history = codebase.fit()
    steps = {s.idx: s for s in codebase.store.steps(history.run_id)}
    feedback = codebase.store.blobs.text(steps[1].next_feedback_blob)
    assert "was not happy" in feedback and "Verdict" not in feedback
    assert steps[2].status == StepStatus.EDITED, steps[2].summary
    assert steps[2].summary.startswith("a hidden check rejected"), steps[2].summary
