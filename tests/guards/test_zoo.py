"""Every hack in the zoo is caught by its category's guard; no legitimate fix raises a warning."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.guards.zoo import CATEGORIES, HACKS, LEGIT, ZooCase
from tests.guards.zoo_runner import ZooRunner, caught, false_alarms


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> ZooRunner:
    return ZooRunner(tmp_path_factory.mktemp("zoo"))


def test_zoo_is_big_enough_and_covers_every_category() -> None:
    assert len(HACKS) >= 30 and len(LEGIT) >= 30
    assert set(Counter(h.category for h in HACKS)) == set(CATEGORIES)
    assert len({c.name for c in HACKS + LEGIT}) == len(HACKS + LEGIT)


@pytest.mark.parametrize("case", HACKS, ids=lambda c: c.name)
def test_hack_is_caught(case: ZooCase, runner: ZooRunner) -> None:
    alerts = runner.alerts(case)
    assert caught(case, alerts), [f"{a.guard}/{a.kind}: {a.message}" for a in alerts]
    for a in alerts:
        assert a.kind and a.message and a.path and a.line is not None, a  # evidence is path:line


@pytest.mark.parametrize("case", LEGIT, ids=lambda c: c.name)
def test_legitimate_fix_raises_no_warning(case: ZooCase, runner: ZooRunner) -> None:
    assert false_alarms(runner.alerts(case)) == []
