"""The blind split's verdicts spent: plausible patches carried between steps, ranked by the prior."""

from __future__ import annotations

from codefit.optimizers.base import HiddenVerdict
from codefit.optimizers.search.carry import Carried, Verdict, blind_verdict, digest
from codefit.optimizers.search.ranking import Plausible, rank, reasons

BASE = {"m.py": "def f(n):\n    return n ** 0.5\n"}


def plausible(description: str, text: str, **extra: object) -> Plausible:
    fields: dict[str, object] = {
        "description": description,
        "edits": 1,
        "tokens": 2,
        "prior": 1,
        "copied_literals": (),
        "identities": 0,
        "diff": "",
        "files": {"m.py": text},
    }
    fields.update(extra)
    return Plausible.model_validate(fields)


def test_blind_verdict_reads_the_structured_answers_not_the_feedback_text() -> None:
    failed = HiddenVerdict(sensor="holdout", passed=False)
    passed = HiddenVerdict(sensor="other", passed=True)
    assert blind_verdict([failed]) == Verdict.REJECTED
    assert blind_verdict([passed]) == Verdict.ACCEPTED
    assert blind_verdict([failed, passed]) == Verdict.REJECTED
    assert blind_verdict([HiddenVerdict(sensor="holdout", passed=None)]) == Verdict.UNKNOWN  # level none
    assert blind_verdict([]) == Verdict.UNKNOWN


def test_the_next_pending_patch_skips_every_submitted_tree() -> None:
    a = plausible("a", "def f(n):\n    return n ** 2\n")
    b = plausible("b", "def f(n):\n    return n ** 0.25\n")
    carried = Carried(base=BASE, tests="t", ranked=(a, b)).submit(a)
    assert [(i, p.description) for i, p in carried.pending()] == [(2, "b")]
    after = carried.submit(b)
    assert after.pending() == []
    assert after.graded() == {(("m.py", a.files["m.py"]),), (("m.py", b.files["m.py"]),)}


def test_carried_patches_apply_to_their_base_or_a_submitted_tree_under_the_same_tests() -> None:
    a = plausible("a", "def f(n):\n    return n ** 2\n")
    carried = Carried(base=BASE, tests="t", ranked=(a,)).submit(a)
    assert carried.applies_to(BASE, "t")
    assert carried.applies_to(a.files, "t")
    assert not carried.applies_to(BASE, "other tests")
    assert not carried.applies_to({"m.py": "def f(n):\n    return 0\n"}, "t")


def test_carried_patches_survive_the_session_as_json() -> None:
    a = plausible("a", "def f(n):\n    return n ** 2\n")
    carried = Carried(base=BASE, tests="t", ranked=(a,)).submit(a)
    session = carried.to_session({"other": 1})
    assert session["other"] == 1
    assert Carried.from_session(session) == carried
    assert Carried.from_session({"search": {"base": "not a dict"}}) is None
    assert Carried.from_session({}) is None
    assert digest(carried.tree(a)) in carried.submitted


def test_the_prior_ranks_kind_changes_and_constant_substitutions_after_natural_edits() -> None:
    plus = plausible("`**` -> `+`", "p", kind_changes=1, tokens=1)
    constant = plausible("`0.5` -> `1`", "c", substitutions=1, tokens=1)
    swap = plausible("swap arguments", "s", tokens=4, prior=2)
    wide = plausible("wide", "w", tokens=4, prior=2, spread=3)
    copied = plausible("copies", "l", copied_literals=("17",), tokens=1)
    ordered = [p.description for p in rank([copied, plus, constant, wide, swap])]
    assert ordered == ["swap arguments", "wide", "`0.5` -> `1`", "`**` -> `+`", "copies"]
    assert "changes the kind of computation" in reasons(plus)
    assert "substitutes a constant" in reasons(constant)
    assert "3 passing tests run the edited lines" in reasons(wide)
