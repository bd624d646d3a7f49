"""Thresholdout: the train score is answered while the holdout agrees; only divergence spends budget."""

from __future__ import annotations

from codefit.holdout import Answer, Thresholdout


def test_agreeing_scores_answer_with_train_and_spend_nothing() -> None:
    t = Thresholdout(threshold=0.1, sigma=0.0, seed=1)
    assert t.query(0.8, 0.75) == Answer(score=0.8, spent=False)


def test_diverging_scores_reveal_the_holdout_and_spend_budget() -> None:
    t = Thresholdout(threshold=0.1, sigma=0.0, seed=1)
    assert t.query(1.0, 0.4) == Answer(score=0.4, spent=True)


def test_answers_are_reproducible_from_the_seed_and_resumable() -> None:
    pairs = [(0.9, 0.5), (0.9, 0.88), (0.7, 0.2), (0.5, 0.5), (1.0, 0.6)]
    first = [Thresholdout(0.05, 0.05, seed=7).query(*p) for p in pairs[:1]]
    full = Thresholdout(0.05, 0.05, seed=7)
    answers = [full.query(*p) for p in pairs]
    again = Thresholdout(0.05, 0.05, seed=7)
    assert [again.query(*p) for p in pairs] == answers
    assert answers[:1] == first
    resumed = Thresholdout(0.05, 0.05, seed=7, start_index=3)
    assert [resumed.query(*p) for p in pairs[3:]] == answers[3:]
    assert [Thresholdout(0.05, 0.05, seed=8).query(*p) for p in pairs] != answers


def test_noise_keeps_scores_in_range_and_spends_mostly_on_real_gaps() -> None:
    t = Thresholdout(threshold=0.1, sigma=0.01, seed=3)
    small = [t.query(0.8, 0.78) for _ in range(200)]
    large = [t.query(0.9, 0.3) for _ in range(200)]
    assert sum(a.spent for a in small) < 30
    assert sum(a.spent for a in large) > 180
    assert all(0.0 <= a.score <= 1.0 for a in small + large)
    revealed = [a.score for a in large if a.spent]
    assert abs(sum(revealed) / len(revealed) - 0.3) < 0.05  # noise is centred on the holdout score


def test_threshold_and_sigma_must_not_be_negative() -> None:
    import pytest

    with pytest.raises(ValueError):
        Thresholdout(threshold=-0.1, sigma=0.0, seed=0)
