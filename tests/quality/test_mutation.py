"""Mutants built with the search optimizer's operators, run through its fork server."""

from __future__ import annotations

from pathlib import Path

import pytest

from codefit.errors import SensorError
from codefit.quality.mutants import (
    Mutant,
    MutantResult,
    MutantStatus,
    covering_tests,
    mutants_of,
    mutated,
    sample,
)
from codefit.sensors.base import SensorContext, SensorSettings
from codefit.sensors.mutation import MutationOptions, MutationSensor, survivor_findings
from tests.quality.trees import write_tree

OPS = (
    "def sign(x):\n"  # 1
    "    if x > 0:\n"  # 2
    "        return 1\n"  # 3
    "    if x < 0:\n"  # 4
    "        return -1\n"  # 5
    "    return 0\n"  # 6
    "\n"
    "\n"
    "def big(a):\n"  # 9
    "    return a > 100\n"  # 10
)
PROJECT = {
    "src/calc/__init__.py": "",
    "src/calc/ops.py": OPS,
    "tests/test_ops.py": "from calc.ops import sign\n\n\ndef test_sign():\n"
    "    assert sign(5) == 1\n    assert sign(-5) == -1\n",
    "pyproject.toml": "[tool.pytest.ini_options]\npythonpath = ['src']\n",
}


def _sensor(**options: object) -> MutationSensor:
    return MutationSensor(
        SensorSettings(name="mutation", kind="mutation"), MutationOptions.model_validate(options)
    )


def test_comparison_mutants_killed_survived_and_uncovered(tmp_path: Path, python: str) -> None:
    tree = write_tree(tmp_path, PROJECT)
    reading = _sensor(operators=["comparison"]).read(tree, SensorContext(python=python))
    # x > 0: only `>=` survives (no test calls sign(0)); x < 0: `!=` and `<=` survive; big() is never run.
    m = reading.metrics
    assert (m["mutants"], m["mutants_killed"], m["mutants_survived"], m["mutants_no_coverage"]) == (
        15,
        7,
        3,
        5,
    )
    assert m["mutation_score"] == pytest.approx(7 / 15)
    assert reading.score == pytest.approx(7 / 15)
    survivors = [(f.line, f.message) for f in reading.findings if f.rule == "surviving-mutant"]
    assert survivors == [
        (2, "mutant survives (comparison_operator: `>` -> `>=`): 1 covering test still passes"),
        (4, "mutant survives (comparison_operator: `<` -> `!=`): 1 covering test still passes"),
        (4, "mutant survives (comparison_operator: `<` -> `<=`): 1 covering test still passes"),
    ]
    uncovered = {(f.path, f.line) for f in reading.findings if f.rule == "uncovered-mutant"}
    assert uncovered == {("src/calc/ops.py", 10)}
    assert reading.passed  # min_score defaults to 0


def test_two_servers_judge_every_mutant_as_one_does(tmp_path: Path, python: str) -> None:
    tree = write_tree(tmp_path, PROJECT)
    one, two = (
        _sensor(operators=["comparison", "constant"], workers=n).read(tree, SensorContext(python=python))
        for n in (1, 2)
    )
    assert one.metrics == two.metrics
    assert [(f.line, f.message) for f in one.findings] == [(f.line, f.message) for f in two.findings]


def test_a_stronger_suite_kills_the_survivors(tmp_path: Path, python: str) -> None:
    stronger = "\n\ndef test_zero():\n    assert sign(0) == 0\n"
    tree = write_tree(tmp_path, {**PROJECT, "tests/test_ops.py": PROJECT["tests/test_ops.py"] + stronger})
    reading = _sensor(operators=["comparison"], include=["src/calc/ops.py"], min_score=0.6).read(
        tree, SensorContext(python=python)
    )
    # `x < 0` -> `x != 0` is an equivalent mutant here (x > 0 returned already): no test can kill it
    assert (reading.metrics["mutants_killed"], reading.metrics["mutants_survived"]) == (9, 1)
    assert reading.score == pytest.approx(9 / 15)
    assert reading.passed


def test_a_failing_suite_is_an_error_reading(tmp_path: Path, python: str) -> None:
    broken = {**PROJECT, "tests/test_ops.py": "def test_fail():\n    assert False\n"}
    reading = _sensor().read(write_tree(tmp_path, broken), SensorContext(python=python))
    assert not reading.passed
    assert reading.error is not None and "no visible test passes" in reading.error


def test_without_fork_each_mutant_gets_a_fresh_process(tmp_path: Path, python: str) -> None:
    tree = write_tree(tmp_path, PROJECT)
    reading = _sensor(operators=["comparison"], include=["src/calc/ops.py"], max_mutants=2, fork=False).read(
        tree, SensorContext(python=python)
    )
    assert reading.metrics["mutants"] == 2
    assert reading.error is None


def test_unknown_operators_are_a_configuration_error() -> None:
    with pytest.raises(SensorError, match="unknown mutation operators"):
        _sensor(operators=["teleport"])


def test_annotations_docstrings_and_decorators_are_not_mutated() -> None:
    source = (
        '"""Module 1."""\n\n\n@cache(2)\ndef f(x: Annotated[int, 3] = 4) -> Literal[5]:\n'
        '    """6"""\n    y: Tuple[7] = 8\n    return y\n'
    )
    descriptions = sorted(m.description for m in mutants_of("m.py", source))
    expected = [(4, 0), (4, 1), (4, 3), (4, 5), (8, 0), (8, 1), (8, 7), (8, 9)]
    assert descriptions == [f"`{a}` -> `{b}`" for a, b in expected]


def test_mutated_text_and_covering_tests() -> None:
    [mutant] = [
        m for m in mutants_of("ops.py", OPS, ["comparison"]) if m.description == "`>` -> `>=`" and m.line == 2
    ]
    assert mutated(OPS, mutant).splitlines()[1] == "    if x >= 0:"
    coverage = {"t::a": frozenset({1, 2}), "t::b": frozenset({9, 10})}
    assert covering_tests(mutant, coverage) == ["t::a"]


def test_sample_is_reproducible_and_keeps_source_order() -> None:
    mutants: list[Mutant] = mutants_of("ops.py", OPS)
    first, again = sample(mutants, 5, seed=3), sample(mutants, 5, seed=3)
    assert first == again and len(first) == 5
    assert [mutants.index(m) for m in first] == sorted(mutants.index(m) for m in first)
    assert sample(mutants, 1000) == mutants


def test_survivor_messages_agree_with_the_number_of_covering_tests() -> None:
    mutant = mutants_of("m.py", OPS, ["comparison"])[0]
    results = [MutantResult(mutant=mutant, status=MutantStatus.SURVIVED, tests_run=n) for n in (1, 2)]
    assert [f.message.split(": ")[-1] for f in survivor_findings(results)] == [
        "1 covering test still passes",
        "2 covering tests still pass",
    ]
