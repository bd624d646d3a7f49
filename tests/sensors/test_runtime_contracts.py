"""The runtime_contracts sensor: icontract violations while the tests run, located at the contract."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from codefit import registry
from codefit.config import load_config
from codefit.errors import SensorError
from codefit.sensors.base import Outcome, Reading, SensorContext, SensorSettings
from codefit.sensors.crosshair_check import changed_functions
from codefit.sensors.runtime_contracts import RuntimeContractsOptions, RuntimeContractsSensor
from tests.sensors.pytest_only_python import pytest_only_python

SHOP = (
    "import icontract\n"
    "\n"
    "\n"
    "@icontract.require(lambda qty: qty > 0, 'quantity is positive')\n"
    "def total(price: int, qty: int) -> int:\n"
    "    return price * qty\n"
    "\n"
    "\n"
    "@icontract.ensure(lambda result: result >= 0)\n"
    "def discount(price: int, off: int) -> int:\n"
    "    return price - off\n"
)
HONEST_TESTS = "import shop\ndef test_total(): assert shop.total(2, 3) == 6\n"


def write(tree: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_text(text)
    return tree


def read(tree: Path, settings: SensorSettings | None = None, args: tuple[str, ...] = ("tests",)) -> Reading:
    settings = settings or SensorSettings(name="contracts", kind="runtime_contracts")
    sensor = RuntimeContractsSensor(settings, RuntimeContractsOptions(args=list(args)))
    return sensor.read(tree, SensorContext(python=sys.executable))


def violations(reading: Reading) -> list[tuple[str, int | None, str]]:
    return [(f.path, f.line, f.message) for f in reading.findings if f.rule == "contract-violation"]


def test_a_contract_violation_is_reported_with_its_location(tmp_path: Path) -> None:
    write(
        tmp_path, {"shop.py": SHOP, "tests/test_shop.py": "import shop\ndef test_zero(): shop.total(2, 0)\n"}
    )
    reading = read(tmp_path)
    assert not reading.passed
    [(path, line, message)] = violations(reading)
    assert (path, line) == ("shop.py", 4)  # the contract's decorator
    assert "contract `quantity is positive: qty > 0` violated" in message
    assert "qty was 0" in message
    assert "tests/test_shop.py::test_zero" in message
    assert reading.metrics["contract_violations"] == 1


def test_a_violation_the_test_catches_still_fails_it(tmp_path: Path) -> None:
    catching = (
        "import shop\n"
        "def test_discount():\n"
        "    try:\n"
        "        shop.discount(1, 5)\n"
        "    except Exception:\n"
        "        pass\n"
    )
    write(tmp_path, {"shop.py": SHOP, "tests/test_shop.py": catching})
    reading = read(tmp_path)
    assert [t.outcome for t in reading.tests] == [Outcome.FAILED]
    assert "the violation was caught" in reading.tests[0].message
    [(path, line, message)] = violations(reading)
    assert (path, line) == ("shop.py", 9)
    assert "contract `result >= 0` violated (off was 5; price was 1; result was -4)" in message


def test_tests_that_keep_the_contracts_pass(tmp_path: Path) -> None:
    write(tmp_path, {"shop.py": SHOP, "tests/test_shop.py": HONEST_TESTS})
    reading = read(tmp_path)
    assert reading.passed, reading.output
    assert violations(reading) == []
    assert reading.metrics["contract_violations"] == 0


def test_held_out_tests_are_checked_against_the_contracts(tmp_path: Path) -> None:
    held_out = "import shop\ndef test_refund(): shop.discount(1, 2)\n"
    write(
        tmp_path,
        {"shop.py": SHOP, "tests/test_shop.py": HONEST_TESTS, ".codefit-heldout/hidden/test_h.py": held_out},
    )
    settings = SensorSettings(
        name="hidden", kind="runtime_contracts", split="validation", path=tmp_path / "x"
    )
    reading = read(tmp_path, settings, args=())
    assert [t.nodeid for t in reading.tests] == [".codefit-heldout/hidden/test_h.py::test_refund"]
    [(path, line, _)] = violations(reading)
    assert (path, line) == ("shop.py", 9)


def test_a_missing_icontract_names_the_extra_to_install(tmp_path: Path) -> None:
    python = pytest_only_python(tmp_path / "venv")
    write(tmp_path / "tree", {"shop.py": SHOP, "tests/test_shop.py": HONEST_TESTS})
    sensor = RuntimeContractsSensor(
        SensorSettings(name="contracts", kind="runtime_contracts"), RuntimeContractsOptions(args=["tests"])
    )
    with pytest.raises(SensorError, match=r"codefit\[runtime-contracts\]"):
        sensor.read(tmp_path / "tree", SensorContext(python=python))


def test_the_config_resolves_the_runtime_contracts_kind(tmp_path: Path) -> None:
    (tmp_path / "codefit.toml").write_text(
        'task = "Keep the contracts."\n'
        "[[sensors]]\n"
        'name = "contracts"\n'
        'kind = "runtime_contracts"\n'
        'args = ["tests"]\n'
    )
    [built] = load_config(tmp_path).build_spec().sensors
    assert isinstance(built, RuntimeContractsSensor)
    assert registry.sensors.get("runtime_contracts") is RuntimeContractsSensor


PRICING = (
    "import icontract\n"
    "\n"
    "\n"
    "@icontract.ensure(lambda result: result >= 0)\n"
    "def discount(price: int, off: int) -> int:\n"
    "    return max(price - off, 0)\n"
    "\n"
    "\n"
    "def untouched(x: int) -> int:\n"
    "    return x\n"
)
# The candidate's change: a special case that breaks the postcondition on inputs no test uses.
PRICING_CHANGED = PRICING.replace(
    "    return max(price - off, 0)\n",
    "    if off > price and price > 3:\n        return price - off\n    return max(price - off, 0)\n",
)


def test_changed_functions_are_those_whose_code_differs_from_the_base(tmp_path: Path) -> None:
    write(tmp_path / "base", {"pricing.py": PRICING})
    added = PRICING_CHANGED + "\n\ndef added():\n    return 1\n"
    write(tmp_path / "tree", {"pricing.py": added, "tests/test_pricing.py": "def test_new():\n    pass\n"})
    assert changed_functions(tmp_path / "tree", tmp_path / "base", ["."]) == ["pricing.py:5", "pricing.py:15"]
    assert changed_functions(tmp_path / "tree", None, ["."]) == [
        "pricing.py:5",
        "pricing.py:11",
        "pricing.py:15",
    ]


def test_crosshair_finds_a_counterexample_in_a_changed_function_the_tests_miss(tmp_path: Path) -> None:
    write(tmp_path / "base", {"pricing.py": PRICING})
    tests = "import pricing\ndef test_discount(): assert pricing.discount(5, 2) == 3\n"
    write(tmp_path / "tree", {"pricing.py": PRICING_CHANGED, "tests/test_pricing.py": tests})
    options = RuntimeContractsOptions.model_validate({"args": ["tests"], "crosshair": {"timeout": 120}})
    sensor = RuntimeContractsSensor(SensorSettings(name="contracts", kind="runtime_contracts"), options)
    ctx = SensorContext(python=sys.executable, base_tree=tmp_path / "base")
    reading = sensor.read(tmp_path / "tree", ctx)
    assert [t.outcome for t in reading.tests] == [Outcome.PASSED]
    assert not reading.passed
    [found] = [f for f in reading.findings if f.rule == "crosshair"]
    assert (found.path, found.line) == ("pricing.py", 4)
    assert "when calling discount(" in found.message
    assert reading.metrics["crosshair_targets"] == 1


def test_a_missing_crosshair_names_the_extra_to_install(tmp_path: Path) -> None:
    python = pytest_only_python(tmp_path / "venv", also=("icontract", "asttokens", "six.py"))
    tests = "import pricing\ndef test_discount(): assert pricing.discount(5, 2) == 3\n"
    write(tmp_path / "tree", {"pricing.py": PRICING, "tests/test_pricing.py": tests})
    options = RuntimeContractsOptions.model_validate({"args": ["tests"], "crosshair": {}})
    sensor = RuntimeContractsSensor(SensorSettings(name="contracts", kind="runtime_contracts"), options)
    with pytest.raises(SensorError, match=r"codefit\[crosshair\]"):
        sensor.read(tmp_path / "tree", SensorContext(python=python))
