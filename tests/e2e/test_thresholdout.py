"""Reusable holdout: a blind query answered with the train score spends no budget."""

from __future__ import annotations

from pathlib import Path

import pytest

from codefit.store import Store

from .project import HARDCODE, HONEST_FIX, KEEP_BLOCKS, codefit, make_project

pytestmark = pytest.mark.slow


def with_thresholdout(repo: Path) -> None:
    config = repo / "codefit.toml"
    text = config.read_text().replace(
        "budget = 3", "budget = 3\nthresholdout = { threshold = 0.05, sigma = 0.0, seed = 7 }"
    )
    config.write_text(text)


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEFIT_WORKDIR", str(tmp_path / "workdir"))


def test_agreeing_scores_are_answered_with_the_train_score_for_free(tmp_path: Path) -> None:
    repo = make_project(tmp_path, HONEST_FIX)
    with_thresholdout(repo)
    assert codefit("fit", cwd=repo).returncode == 0
    store = Store.for_repo(repo)
    [query] = store.queries(store.run("latest").id)
    assert (query.score, query.spent, query.budget_left) == (1.0, False, 3)
    assert query.reported == "score (thresholdout 1.000)"


def test_a_real_gap_reveals_the_holdout_score_and_spends_budget(tmp_path: Path) -> None:
    repo = make_project(tmp_path, HARDCODE, max_steps=1, extra=KEEP_BLOCKS)
    with_thresholdout(repo)
    assert codefit("fit", cwd=repo).returncode == 1
    store = Store.for_repo(repo)
    run = store.run("latest")
    [query] = store.queries(run.id)
    assert (query.score, query.spent, query.budget_left) == (0.0, True, 2)
    feedback = store.blobs.text(store.steps(run.id)[1].next_feedback_blob)
    assert "Score: 0.00" in feedback and "Verdict: FAILED" in feedback
