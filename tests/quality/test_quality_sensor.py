"""The `quality` sensor on real trees in tmp paths."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from codefit.quality.drift import DRIFT_RISES
from codefit.sensors.base import SensorContext, SensorSettings
from codefit.sensors.quality import QualityOptions, QualitySensor, drift_window
from codefit.sensors.ruff import RuffOptions, RuffSensor
from tests.quality.trees import write_tree

BRANCHY = (
    "def classify(n):\n"
    + "".join(f"    {'if' if i == 0 else 'elif'} n == {i}:\n        return {i}\n" for i in range(11))
    + "    return -1\n"
)
TWINS = (
    "def f(xs):\n    t = 0\n    for x in xs:\n        t += x\n    return t\n\n\n"
    "def g(ys):\n    s = 1\n    for y in ys:\n        s += y\n    return s\n"
)


def _sensor(**options: object) -> QualitySensor:
    return QualitySensor(
        SensorSettings(name="quality", kind="quality"), QualityOptions.model_validate(options)
    )


def test_reading_carries_exact_figures_and_located_findings(tmp_path: Path, python: str) -> None:
    tree = write_tree(
        tmp_path,
        {
            "pkg/branchy.py": BRANCHY,
            "pkg/twins.py": TWINS,
            "pkg/unused.py": "import os\n",
            "tests/test_x.py": BRANCHY.replace("classify", "ignored"),  # tests are excluded by default
            ".venv/lib/site.py": BRANCHY,
        },
    )
    reading = _sensor().read(tree, SensorContext(python=python))
    m = reading.metrics
    assert m["sloc"] == 24 + 10 + 1
    assert m["functions"] == 3
    assert m["complexity_max"] == 12
    heavy, light = 12 * math.sqrt(24), 2 * math.sqrt(5)
    assert m["erosion"] == pytest.approx(heavy / (heavy + 2 * light))
    assert m["duplication"] == pytest.approx(10 / 35)
    assert m["verbosity"] == pytest.approx(10 / 35)
    assert m["dead_code"] >= 1
    rules = {(f.rule, f.path, f.line) for f in reading.findings}
    assert ("complexity", "pkg/branchy.py", 1) in rules
    assert ("clone", "pkg/twins.py", 1) in rules
    assert ("dead-code", "pkg/unused.py", 1) in rules
    assert reading.passed
    assert reading.score == pytest.approx((1 - m["erosion"]) * (1 - m["verbosity"]))


def test_limits_turn_the_sensor_into_a_gate(tmp_path: Path, python: str) -> None:
    tree = write_tree(tmp_path, {"m.py": BRANCHY})
    ctx = SensorContext(python=python)
    assert _sensor(max_complexity=12).read(tree, ctx).passed
    failing = _sensor(max_complexity=11, max_erosion=0.5).read(tree, ctx)
    assert not failing.passed
    assert failing.output.splitlines() == ["erosion 1.000 > 0.5", "complexity 12 > 11"]


def test_a_file_that_does_not_parse_is_a_finding_not_a_crash(tmp_path: Path, python: str) -> None:
    tree = write_tree(tmp_path, {"ok.py": "def f():\n    return 1\n", "bad.py": "def f(:\n"})
    reading = _sensor().read(tree, SensorContext(python=python))
    assert not reading.passed
    assert reading.metrics["unparsable_files"] == 1
    [syntax] = [f for f in reading.findings if f.rule == "syntax"]
    assert (syntax.path, syntax.line) == ("bad.py", 1)


def test_include_limits_the_measured_paths(tmp_path: Path, python: str) -> None:
    tree = write_tree(tmp_path, {"src/a.py": "def f():\n    return 1\n", "scripts/b.py": BRANCHY})
    reading = _sensor(include=["src"]).read(tree, SensorContext(python=python))
    assert reading.metrics["complexity_max"] == 1
    assert reading.metrics["sloc"] == 2


PRICING = (
    "def parcel_price(weight):\n    return _base(weight) * 2\n\n\n"
    "def _base(weight):\n    return weight + 1\n\n\n"
    "def forgotten():\n    return 0\n"
)
PRICING_TEST = (
    "from pricing import parcel_price\n\n\n"
    "def test_price():\n    unused_local = 1\n    assert parcel_price(1) == 4\n"
)


def test_code_used_only_by_the_tests_is_not_dead_and_the_tests_are_not_measured(
    tmp_path: Path, python: str
) -> None:
    tree = write_tree(tmp_path, {"pricing.py": PRICING, "tests/test_pricing.py": PRICING_TEST})
    reading = _sensor().read(tree, SensorContext(python=python))
    dead = [(f.path, f.line, f.message) for f in reading.findings if f.rule == "dead-code"]
    assert dead == [("pricing.py", 9, "unused function 'forgotten' (60% confidence)")]
    assert reading.metrics["dead_code"] == 1
    assert reading.metrics["sloc"] == 6  # the test file only counts as uses


def test_without_usage_files_the_function_under_test_looks_dead(tmp_path: Path, python: str) -> None:
    tree = write_tree(tmp_path, {"pricing.py": PRICING, "tests/test_pricing.py": PRICING_TEST})
    reading = _sensor(usage=[]).read(tree, SensorContext(python=python))
    assert {f.message.split("'")[1] for f in reading.findings if f.rule == "dead-code"} == {
        "parcel_price",
        "forgotten",
    }


def test_drift_window_is_a_key_of_the_quality_sensor() -> None:
    ruff = RuffSensor(SensorSettings(name="ruff", kind="ruff"), RuffOptions())
    assert drift_window([ruff, _sensor(drift_window=5)]) == 5
    assert drift_window([ruff, _sensor()]) == DRIFT_RISES == 3
    assert drift_window([ruff]) == DRIFT_RISES


def test_inclusive_nesting_makes_a_decorator_factory_with_branchy_wrappers_erode(
    tmp_path: Path, python: str
) -> None:
    wrapped = BRANCHY.replace("def classify(n):", "    def wrapper(n):").replace("\n    ", "\n        ")
    factory = "def decorate(fn):\n" + wrapped + "    return wrapper\n"
    tree = write_tree(tmp_path, {"pkg/deco.py": factory})
    separate = _sensor().read(tree, SensorContext(python=python)).metrics
    inclusive = _sensor(nesting="inclusive").read(tree, SensorContext(python=python)).metrics
    # separate: only the wrapper is heavy; inclusive: the factory carries the wrapper's branches too
    assert separate["erosion"] == pytest.approx(12 * math.sqrt(24) / (12 * math.sqrt(24) + math.sqrt(2)))
    assert inclusive["erosion"] == 1.0
