"""The property sensor: declared and user-written Hypothesis properties, budget, seed, staging."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from codefit import registry
from codefit.config import load_config
from codefit.errors import ConfigError, SensorError
from codefit.harness.feedback import BlindVerdict, FeedbackInput, render_feedback
from codefit.sensors.base import Outcome, Reading, SensorContext, SensorSettings
from codefit.sensors.property import MODULE_FILE, PropertyOptions, PropertySensor
from codefit.sensors.pytest_sensor import PytestOptions, PytestSensor
from codefit.spec import FeedbackLevel
from tests.conftest import needs_bwrap
from tests.sensors.pytest_only_python import pytest_only_python

# A run-length codec hard-coded for the two inputs the visible tests use.
HARD_CODED = (
    "def encode(s):\n"
    "    return {'ab': 'a1b1', 'aab': 'a2b1'}.get(s, '')\n"
    "def decode(t):\n"
    "    return {'a1b1': 'ab', 'a2b1': 'aab'}.get(t, '')\n"
)
HONEST = (
    "import itertools\n"
    "def encode(s):\n"
    "    return ''.join(f'{c}{len(list(g))}' for c, g in itertools.groupby(s))\n"
    "def decode(t):\n"
    "    return ''.join(t[i] * int(t[i + 1]) for i in range(0, len(t), 2))\n"
    "def norm(s):\n"
    "    return ' '.join(s.split())\n"
    "def biggest(xs):\n"
    "    return max(xs)\n"
    "def add(a, b):\n"
    "    return a + b\n"
)
VISIBLE = (
    "import codec\n"
    "def test_ab(): assert codec.encode('ab') == 'a1b1'\n"
    "def test_aab(): assert codec.encode('aab') == 'a2b1'\n"
)
ROUND_TRIP = {
    "name": "round_trip",
    "function": "codec:encode",
    "kind": "round_trip",
    "inverse": "codec:decode",
    "strategy": "st.text(alphabet='ab', min_size=1, max_size=9)",
}


def write(tree: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_text(text)
    return tree


def sensor(split: str = "train", feedback: str = "verdict", **options: Any) -> PropertySensor:
    settings = SensorSettings(name="props", kind="property", split=split, feedback=feedback)
    return PropertySensor(settings, PropertyOptions.model_validate(options))


def ctx(**env: str) -> SensorContext:
    return SensorContext(python=sys.executable, env={**SensorContext(python="").env, **env})


def outcomes(reading: Reading) -> dict[str, Outcome]:
    return {t.nodeid: t.outcome for t in reading.tests}


def test_catches_a_hard_coded_implementation_that_the_visible_examples_accept(tmp_path: Path) -> None:
    write(tmp_path, {"codec.py": HARD_CODED, "tests/test_codec.py": VISIBLE})
    visible = PytestSensor(SensorSettings(name="unit", kind="pytest"), PytestOptions(args=["tests"]))
    assert visible.read(tmp_path, ctx()).passed

    reading = sensor(properties=[ROUND_TRIP], max_examples=50).read(tmp_path, ctx())

    assert not reading.passed
    assert outcomes(reading) == {"props::round_trip": Outcome.FAILED}
    [finding] = [f for f in reading.findings if f.rule == "counterexample"]
    # The shrunk counterexample: the smallest string the hard-coded table does not know.
    assert "round trip broken for input 'a'" in finding.message
    assert "seed 0, max_examples 50" in finding.message


def test_an_honest_implementation_holds_every_kind_of_property(tmp_path: Path) -> None:
    write(tmp_path, {"codec.py": HONEST})
    properties: list[dict[str, Any]] = [
        {**ROUND_TRIP, "strategy": "st.text(alphabet='abc', min_size=1, max_size=9)"},
        {"name": "norm_twice", "function": "codec:norm", "kind": "idempotent", "strategy": "st.text()"},
        {
            "name": "biggest_is_in",
            "function": "codec:biggest",
            "kind": "invariant",
            "invariant": "result in x and all(v <= result for v in x)",
            "strategy": "st.lists(st.integers(), min_size=1)",
        },
        {
            "name": "adds",
            "function": "codec:add",
            "kind": "reference",
            "reference": "operator:add",
            "unpack": True,
            "strategy": "st.tuples(st.integers(), st.integers())",
        },
    ]
    reading = sensor(properties=properties, max_examples=30, seed=7).read(tmp_path, ctx())

    assert reading.passed, reading.output
    assert set(outcomes(reading)) == {f"props::{p['name']}" for p in properties}
    assert reading.metrics["properties"] == 4
    assert reading.metrics["property_seed"] == 7
    assert reading.metrics["property_max_examples"] == 30


@pytest.mark.parametrize(
    ("prop", "says"),
    [
        ({"kind": "idempotent", "function": "buggy:step"}, "not idempotent for input"),
        (
            {"kind": "invariant", "function": "buggy:step", "invariant": "result >= x"},
            "invariant 'result >= x' broken for input",
        ),
        ({"kind": "reference", "function": "buggy:step", "reference": "builtins:abs"}, "not the reference"),
    ],
)
def test_each_kind_reports_its_own_violation(tmp_path: Path, prop: dict[str, str], says: str) -> None:
    write(tmp_path, {"buggy.py": "def step(x):\n    return x - 1 if x > 3 else abs(x)\n"})
    declared = {"name": "p", "strategy": "st.integers(min_value=-10, max_value=10)", **prop}
    reading = sensor(properties=[declared]).read(tmp_path, ctx())
    assert outcomes(reading) == {"props::p": Outcome.FAILED}
    assert says in reading.tests[0].message


def test_the_example_budget_bounds_declared_and_user_written_properties(tmp_path: Path) -> None:
    counting = "def count(x):\n    with open('calls.txt', 'a') as f:\n        f.write('.')\n    return x\n"
    user_test = (
        "from hypothesis import given, strategies as st\n"
        "import counted\n"
        "@given(st.integers())\n"
        "def test_user(x):\n"
        "    with open('user.txt', 'a') as f:\n"
        "        f.write('.')\n"
    )
    write(tmp_path, {"counted.py": counting, "tests/test_user.py": user_test})
    declared = {"name": "same", "function": "counted:count", "kind": "reference",
                "reference": "builtins:int", "strategy": "st.integers()"}  # fmt: skip
    reading = sensor(properties=[declared], args=["tests"], max_examples=7).read(tmp_path, ctx())
    assert reading.passed, reading.output
    assert 0 < len((tmp_path / "calls.txt").read_text()) <= 7
    assert 0 < len((tmp_path / "user.txt").read_text()) <= 7


def test_the_seed_makes_user_written_property_tests_reproducible(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With CI set, Hypothesis loads its `ci` profile, which derandomizes and ignores the seed.
    monkeypatch.delenv("CI", raising=False)
    user_test = (
        "from hypothesis import given, strategies as st\n"
        "@given(st.integers())\n"
        "def test_user(x):\n"
        "    with open('seen.txt', 'a') as f:\n"
        "        f.write(f'{x}\\n')\n"
    )
    write(tmp_path, {"tests/test_user.py": user_test})

    def seen(seed: int) -> str:
        reading = sensor(args=["tests"], seed=seed, max_examples=10).read(tmp_path, ctx())
        assert reading.passed, reading.output
        values = (tmp_path / "seen.txt").read_text()
        (tmp_path / "seen.txt").unlink()
        return values

    first = seen(12345)
    assert seen(12345) == first
    assert seen(54321) != first


def test_the_generated_module_is_never_written_into_the_tree(tmp_path: Path) -> None:
    write(tmp_path, {"codec.py": HARD_CODED})
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    sensor(properties=[ROUND_TRIP], max_examples=5).read(tmp_path, ctx())
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if "__pycache__" not in p.parts)
    assert after == before
    assert not list(tmp_path.rglob(MODULE_FILE))


@needs_bwrap
def test_the_code_under_test_cannot_rewrite_the_generated_module(tmp_path: Path) -> None:
    sneaky = (
        "import sys\n"
        "def rewrite(x):\n"
        "    path = sys.modules['codefit_property_tests'].__file__\n"
        "    try:\n"
        "        open(path, 'a').close()\n"
        "    except OSError:\n"
        "        return False\n"
        "    return True\n"
    )
    write(tmp_path, {"sneaky.py": sneaky})
    declared = {"name": "read_only", "function": "sneaky:rewrite", "kind": "invariant",
                "invariant": "result is False", "strategy": "st.just(0)"}  # fmt: skip
    reading = sensor(properties=[declared], max_examples=1).read(tmp_path, ctx())
    assert reading.passed, reading.output


def test_a_missing_hypothesis_names_the_extra_to_install(tmp_path: Path) -> None:
    python = pytest_only_python(tmp_path / "venv")
    write(tmp_path / "tree", {"codec.py": HONEST})
    with pytest.raises(SensorError, match=r"codefit\[property\]"):
        sensor(properties=[ROUND_TRIP]).read(tmp_path / "tree", SensorContext(python=python))


@pytest.mark.parametrize(
    ("prop", "says"),
    [
        ({**ROUND_TRIP, "inverse": None}, "needs `inverse`"),
        ({**ROUND_TRIP, "strategy": "st.text("}, "`strategy` is not a Python expression"),
        ({**ROUND_TRIP, "function": "codec.encode"}, "should match pattern"),
        ({**ROUND_TRIP, "unpack": True}, "`unpack` does not apply"),
    ],
)
def test_a_malformed_declared_property_is_a_config_error(prop: dict[str, Any], says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        PropertyOptions.model_validate({"properties": [prop]})


def test_a_sensor_with_nothing_to_check_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="needs `properties`"):
        sensor()


def test_the_config_resolves_the_property_kind(tmp_path: Path) -> None:
    (tmp_path / "codefit.toml").write_text(
        'task = "Make it right."\n'
        "[[sensors]]\n"
        'name = "props"\n'
        'kind = "property"\n'
        "max_examples = 20\n"
        "seed = 4\n"
        "[[sensors.properties]]\n"
        'name = "round_trip"\n'
        'function = "codec:encode"\n'
        'kind = "round_trip"\n'
        'inverse = "codec:decode"\n'
        "strategy = \"st.text(alphabet='ab')\"\n"
    )
    [built] = load_config(tmp_path).build_spec().sensors
    assert isinstance(built, PropertySensor)
    assert registry.sensors.get("property") is PropertySensor
    assert built.options.properties[0].inverse == "codec:decode"


def test_a_held_out_property_shows_its_counterexample_only_at_feedback_full(tmp_path: Path) -> None:
    held_out = (
        "from hypothesis import given, strategies as st\n"
        "import codec\n"
        "@given(st.sampled_from(['ab', 'aab', 'abb']))\n"
        "def test_known_words(s):\n"
        "    assert codec.decode(codec.encode(s)) == s\n"
    )
    write(tmp_path, {"codec.py": HARD_CODED, ".codefit-heldout/props/test_words.py": held_out})
    settings = SensorSettings(
        name="props", kind="property", split="validation", feedback="names", path=tmp_path / "elsewhere"
    )
    options = PropertyOptions.model_validate({"properties": [ROUND_TRIP], "max_examples": 30})
    reading = PropertySensor(settings, options).read(tmp_path, ctx())
    assert outcomes(reading) == {
        "props::round_trip": Outcome.FAILED,
        ".codefit-heldout/props/test_words.py::test_known_words": Outcome.FAILED,
    }

    def shown(level: FeedbackLevel) -> str:
        verdict = BlindVerdict(sensor="props", level=level, reading=reading, budget_left=2)
        return render_feedback(FeedbackInput(step=1, train=(), blind=(verdict,)))

    assert "props::round_trip" not in shown(FeedbackLevel.SCORE)
    names = shown(FeedbackLevel.NAMES)
    assert "props::round_trip" in names
    assert "test_known_words" in names
    assert "'a'" not in names
    assert "'abb'" not in names
    full = shown(FeedbackLevel.FULL)
    assert "round trip broken for input 'a'" in full
    assert "s='abb'" in full


def test_declared_properties_run_under_the_projects_pytest_configuration(tmp_path: Path) -> None:
    # A src layout found only through the project's `pythonpath` setting: pytest must root the run
    # at the tree (with its configuration), not at the common ancestor of the tree and the staging folder.
    write(
        tmp_path,
        {
            "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\n',
            "src/textkit/__init__.py": "",
            "src/textkit/norm.py": "def squash(s):\n    return ' '.join(s.split())\n",
        },
    )
    declared = {"name": "squash_twice", "function": "textkit.norm:squash", "kind": "idempotent",
                "strategy": "st.text()"}  # fmt: skip
    reading = sensor(properties=[declared], max_examples=20).read(tmp_path, ctx())
    assert reading.passed, reading.output
    assert outcomes(reading) == {"props::squash_twice": Outcome.PASSED}
