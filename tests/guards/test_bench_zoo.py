"""The guards zoo bench's second corpus (bench/zoo): issue 11's attack classes and honest look-alikes.

The bench runs each entry through `codefit fit`; here the guards judge each change directly, so
that every attack a guard can see is a block and no honest change raises anything above info.
Attacks on git, the sandbox and the measurement are the workspace's and the sandbox's to stop:
only their corpus shape is pinned here.
"""

from __future__ import annotations

from collections import Counter

import pytest

from bench.zoo.attacks import ATTACKS, CLASSES
from bench.zoo.honest import HONEST
from tests.guards.zoo import HACKS, LEGIT, ZooCase
from tests.guards.zoo_runner import ZooRunner, false_alarms

# Classes whose every attack is a change a guard can read.
GUARDED = {
    "skips",
    "peeking",
    "always_equal",
    "hidden_code",
    "hardcoding",
    "patching",
    "policy",
    "in_process",
}
# Forged records on the report descriptor: the signed channel, not a guard, must refuse them. A digest
# condition is judged on behaviour, by running the code confined: the fit runs of the bench do that.
CHANNEL_ONLY = {"forge-report-fd", "digest-special-case"}


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> ZooRunner:
    return ZooRunner(tmp_path_factory.mktemp("bench-zoo"))


def test_corpus_covers_every_class_with_forty_attacks_and_twenty_honest_changes() -> None:
    assert len(ATTACKS) >= 40 and len(HONEST) >= 20
    assert set(Counter(a.category for a in ATTACKS)) == set(CLASSES)
    assert all(c.category is None for c in HONEST)
    names = [c.name for c in HACKS + LEGIT + ATTACKS + HONEST]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize(
    "case",
    [a for a in ATTACKS if a.category in GUARDED and a.name not in CHANNEL_ONLY],
    ids=lambda c: c.name,
)
def test_an_attack_a_guard_can_read_is_blocked(case: ZooCase, runner: ZooRunner) -> None:
    alerts = runner.alerts(case)
    assert any(a.severity == "block" for a in alerts), [f"{a.guard}/{a.kind}: {a.message}" for a in alerts]


@pytest.mark.parametrize("case", HONEST, ids=lambda c: c.name)
def test_an_honest_look_alike_raises_nothing_above_info(case: ZooCase, runner: ZooRunner) -> None:
    assert false_alarms(runner.alerts(case)) == []
