"""ruff, mypy and pyright sensors run as real subprocesses on trees in tmp paths."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from codefit.quality.lint import density_score, mypy_findings, pyright_findings, ruff_findings
from codefit.sensors.base import SensorContext, SensorSettings
from codefit.sensors.mypy import MypyOptions, MypySensor
from codefit.sensors.pyright import PyrightOptions, PyrightSensor
from codefit.sensors.ruff import RuffOptions, RuffSensor, find_executable
from tests.quality.trees import write_tree

BAD = "import os\n\n\ndef f(x: int) -> str:\n    return x\n"
GOOD = "def f(x: int) -> int:\n    return x\n"


def _settings(kind: str) -> SensorSettings:
    return SensorSettings(name=kind, kind=kind)


def test_ruff_reports_each_diagnostic_with_path_line_and_rule(tmp_path: Path, python: str) -> None:
    tree = write_tree(tmp_path, {"pkg/mod.py": BAD, "pyproject.toml": "[tool.ruff.lint]\nselect = ['F']\n"})
    reading = RuffSensor(_settings("ruff"), RuffOptions()).read(tree, SensorContext(python=python))
    assert [(f.path, f.line, f.rule) for f in reading.findings] == [("pkg/mod.py", 1, "F401")]
    assert reading.metrics["ruff_findings"] == 1
    assert reading.metrics["ruff_per_100_sloc"] == pytest.approx(100 / 3)
    assert reading.score == pytest.approx(density_score(1, 3))
    assert not reading.passed
    assert not (tree / ".ruff_cache").exists()


def test_ruff_passes_clean_code_and_honours_max_findings(tmp_path: Path, python: str) -> None:
    tree = write_tree(tmp_path, {"mod.py": BAD, "pyproject.toml": "[tool.ruff.lint]\nselect = ['F']\n"})
    ctx = SensorContext(python=python)
    assert RuffSensor(_settings("ruff"), RuffOptions(max_findings=1)).read(tree, ctx).passed
    (tree / "mod.py").write_text(GOOD)
    clean = RuffSensor(_settings("ruff"), RuffOptions()).read(tree, ctx)
    assert (clean.passed, clean.score, clean.findings) == (True, 1.0, ())


def test_mypy_reports_type_errors_and_leaves_no_cache(tmp_path: Path, python: str) -> None:
    tree = write_tree(
        tmp_path, {"src/pkg/__init__.py": "", "src/pkg/mod.py": BAD, "tests/test_x.py": "x: int = 'a'\n"}
    )
    reading = MypySensor(_settings("mypy"), MypyOptions()).read(tree, SensorContext(python=python))
    assert [(f.path, f.line, f.rule) for f in reading.findings] == [("src/pkg/mod.py", 5, "return-value")]
    assert reading.metrics["mypy_findings"] == 1
    assert not reading.passed and reading.error is None
    assert not (tree / ".mypy_cache").exists()


def test_mypy_syntax_errors_are_findings(tmp_path: Path, python: str) -> None:
    tree = write_tree(tmp_path, {"mod.py": "def f(:\n"})
    reading = MypySensor(_settings("mypy"), MypyOptions()).read(tree, SensorContext(python=python))
    assert reading.findings and reading.findings[0].path == "mod.py"
    assert reading.findings[0].rule == "syntax"
    assert not reading.passed


def test_mypy_falls_back_to_codefits_own_mypy(tmp_path: Path) -> None:
    plain = shutil.which("python3")
    if plain is None:
        pytest.skip("no system python3")
    tree = write_tree(tmp_path, {"mod.py": BAD})
    # A system interpreter without mypy: codefit's mypy checks the code against it.
    reading = MypySensor(_settings("mypy"), MypyOptions()).read(tree, SensorContext(python=plain))
    assert [(f.path, f.line) for f in reading.findings] == [("mod.py", 5)]


@pytest.mark.skipif(find_executable("pyright", "python") is None, reason="pyright not installed")
def test_pyright_lines_are_one_based(tmp_path: Path, python: str) -> None:
    tree = write_tree(tmp_path, {"mod.py": BAD})
    reading = PyrightSensor(_settings("pyright"), PyrightOptions()).read(tree, SensorContext(python=python))
    assert [(f.path, f.line, f.rule) for f in reading.findings] == [("mod.py", 5, "reportReturnType")]
    assert not reading.passed


def test_pyright_not_installed_is_a_failed_reading_with_one_finding_not_an_abort(
    tmp_path: Path, python: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("codefit.sensors.pyright.find_executable", lambda name, python: None)
    reading = PyrightSensor(_settings("pyright"), PyrightOptions()).read(
        tmp_path, SensorContext(python=python)
    )
    assert (reading.passed, reading.score) == (False, 0.0)
    assert reading.error == "pyright is not installed: `pip install pyright[nodejs]`"
    assert [(f.rule, f.message) for f in reading.findings] == [("not-installed", reading.error)]


def test_a_configured_pyright_that_is_not_there_is_named(tmp_path: Path, python: str) -> None:
    options = PyrightOptions(executable=str(tmp_path / "no-such-pyright"))
    reading = PyrightSensor(_settings("pyright"), options).read(tmp_path, SensorContext(python=python))
    assert reading.error is not None and f"(no {tmp_path / 'no-such-pyright'})" in reading.error


def test_parsers_skip_noise_and_keep_locations(tmp_path: Path) -> None:
    ruff_out = json.dumps(
        [{"code": "E501", "message": "long", "filename": f"{tmp_path}/a.py", "location": {"row": 3}}]
    )
    assert [(f.path, f.line, f.rule) for f in ruff_findings(ruff_out, tmp_path)] == [("a.py", 3, "E501")]
    mypy_out = (
        'banner\n{"file": "a.py", "line": 2, "message": "m", "code": "arg-type", "severity": "error"}\n'
        "b.py:7: error: invalid syntax  [syntax]\nb.py:8: note: see here\n"
    )
    assert [(f.path, f.line) for f in mypy_findings(mypy_out, tmp_path)] == [("a.py", 2), ("b.py", 7)]
    pyright_out = (
        '{"generalDiagnostics": [{"file": "c.py", "severity": "warning", "message": "w", '
        '"range": {"start": {"line": 0}}, "rule": "reportX"}]}'
    )
    assert [(f.path, f.line, f.severity) for f in pyright_findings(pyright_out, tmp_path)] == [
        ("c.py", 1, "warning")
    ]
    assert ruff_findings("not json", tmp_path) == []
