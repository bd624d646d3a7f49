"""`codefit split` on real suites from PyPI: the halves run exactly the original cases (and
`--verify` says so), the shares hold per module, a second split is refused and `--undo` restores
the suite byte for byte."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path
from types import ModuleType

import pytest

from codefit.gate.collected import collect_cases, module_cases
from codefit.gate.split import (
    SPLITS,
    SplitError,
    apply_split,
    held_name,
    plan_split,
    train_command,
    undo_split,
    unit_weights,
)
from codefit.gate.units import module_units
from codefit.gate.verify import verify_split

pytestmark = pytest.mark.slow
BENCH = Path(__file__).resolve().parents[2] / "bench" / "realworld.py"
IDENTITY = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@t",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@t",
}


def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("realworld_bench_split", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def checkout(name: str, tmp_path: Path) -> tuple[Path, Path]:
    """The project's sdist, unbugged, as a git repository; and its environment's python."""
    rw = bench()
    project = next(p for p in rw.load_corpus() if p.name == name)
    with tarfile.open(rw.sdist(project)) as tar:
        tar.extractall(tmp_path / "unpack", filter="data")
    repo = tmp_path / name
    next((tmp_path / "unpack").iterdir()).rename(repo)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(
        ["git", "commit", "-qm", "x"], cwd=repo, check=True, env={**IDENTITY, "PATH": "/usr/bin:/bin"}
    )
    return repo, rw.venv(project)


RECORDER = """import json, os

seen = {}


def pytest_runtest_logreport(report):
    xfail = hasattr(report, "wasxfail")
    if report.when == "call":
        seen[report.nodeid] = ("xfailed" if report.skipped else "xpassed") if xfail else report.outcome
    elif report.when == "setup" and not report.passed:
        seen[report.nodeid] = "xfailed" if xfail else ("skipped" if report.skipped else "error")
    elif report.when == "teardown" and report.failed:
        seen[report.nodeid] = "error"


def pytest_sessionfinish(session):
    with open(os.environ["OUTCOMES_FILE"], "w") as fh:
        json.dump(sorted(seen.items()), fh)
"""


def outcomes(python: Path, repo: Path, paths: list[str]) -> list[tuple[str, str]]:
    """Every case's id and outcome, skips included (a plugin records them: `-rA`'s summary names a
    skip by its location, not its id)."""
    plugin = repo.parent / "recorder"
    plugin.mkdir(exist_ok=True)
    (plugin / "codefit_outcomes.py").write_text(RECORDER)
    found = repo.parent / "outcomes.json"
    env = {**os.environ, "PYTHONPATH": str(plugin), "OUTCOMES_FILE": str(found)}
    args = ["-p", "no:cacheprovider", "-p", "codefit_outcomes", "-q", "-o", "pythonpath=src", *paths]
    subprocess.run([str(python), "-m", "pytest", *args], cwd=repo, capture_output=True, text=True, env=env)
    # a held-out module's cases are the original module's cases
    return sorted(
        (re.sub(r"_(validation|test)\.py::", ".py::", nodeid), outcome)
        for nodeid, outcome in json.loads(found.read_text())
    )


@pytest.mark.parametrize(
    ("name", "paths"),
    [
        ("inflection", ["test_inflection.py"]),
        ("cachetools", ["tests"]),
        ("more-itertools", ["tests"]),
    ],  # parametrize tables; unittest classes with imported mixins; helper classes beside test classes
)
def test_split_halves_run_exactly_the_original_cases(
    name: str, paths: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, python = checkout(name, tmp_path)
    before = outcomes(python, repo, paths)
    assert before
    train = train_command(repo)  # as the command line does: the options of the config it will write
    monkeypatch.setenv("VIRTUAL_ENV", str(python.parent.parent))  # the project's environment collects
    options = train.options if train else ()
    cases = collect_cases(repo, [p for p in paths if p.endswith(".py")] or paths, options)
    plan = plan_split(repo, [Path(p) for p in paths], validation=0.2, test=0.1, seed=3, cases=cases)
    for module in plan.modules:  # stratified: within one case of the requested share, per module
        assert module.cases is not None, module.path
        tests = module_cases(cases, module.path)
        assert tests is not None and module.cases["all"] == sum(tests.values())
        # a unit moves whole: a module of heavy units comes within half the heaviest
        heaviest = max(unit_weights(module.original, module_units(module.original), tests, where=""))
        for split, share in (("validation", 0.2), ("test", 0.1)):
            off = abs(module.cases[split] - share * module.cases["all"])
            assert off <= max(1, heaviest / 2), (module.path, split, module.cases)
        assert module.cases["validation"] + module.cases["test"] < module.cases["all"]
    out = tmp_path / "heldout"
    apply_split(repo, plan, out=out, seal=False, options=train.options if train else ())
    visible = outcomes(python, repo, paths)
    assert len(visible) < len(before)
    held = [held_name(m.path, s) for s in SPLITS for m in plan.modules if m.held[s]]
    for split in SPLITS:
        for module in plan.modules:
            if module.held[split]:
                (repo / held_name(module.path, split)).write_text(
                    (out / split / held_name(module.path, split)).read_text()
                )
    together = outcomes(python, repo, sorted({*paths, *held}))
    assert together == before  # same ids, same outcomes, no case twice
    for split in SPLITS:
        for module in plan.modules:
            (repo / held_name(module.path, split)).unlink(missing_ok=True)
    # `split --verify` finds what this test found by itself, through codefit's confined sensors.
    verified = verify_split(repo)
    assert verified.same, verified.lines()
    assert sorted((case, str(outcome)) for case, outcome in verified.before.items()) == before

    with pytest.raises(SplitError, match="already split"):
        apply_split(repo, plan, out=tmp_path / "again", seal=False)
    undo_split(repo)
    status = subprocess.run(
        ["git", "status", "--porcelain", "--ignored=no"], cwd=repo, capture_output=True, text=True
    )
    assert status.stdout.strip() == ""  # byte for byte: git sees no change
    assert not (out / "validation").exists()
