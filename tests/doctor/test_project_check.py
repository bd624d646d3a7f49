"""The project check: `fit`'s preflight and `codefit doctor` run the same code, and stop a run whose
splits cannot collect a test before any step or budget is spent."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from codefit.doctor import DoctorContext, Level, run_checks
from codefit.doctor.collection import collected_count, read_collection

from ..conftest import run_git

COLLECTION_ERROR = """
==================================== ERRORS ====================================
\x1b[31m________________________ ERROR collecting tests/test_a.py ________________________\x1b[0m
ImportError while importing test module '/ws/tests/test_a.py'.
tests/test_a.py:1: in <module>
    from mypkg import add
\x1b[1m\x1b[31mE   ModuleNotFoundError: No module named 'mypkg'\x1b[0m
=========================== short test summary info ============================
ERROR tests/test_a.py
!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!
no tests collected, 1 error in 0.05s
"""


def test_a_module_under_src_that_no_test_can_import_names_the_pythonpath_fix(tmp_path: Path) -> None:
    (tmp_path / "src" / "mypkg").mkdir(parents=True)
    found = read_collection(COLLECTION_ERROR, 2, False, repo=tmp_path, heldout=False, args=["tests"])
    assert found.tests == 0
    assert found.cause == "ModuleNotFoundError: No module named 'mypkg'"  # no escape codes
    assert 'args = ["-o", "pythonpath=src", "tests"]' in found.fix


def test_a_generated_module_git_ignores_is_named_as_such(tmp_path: Path) -> None:
    """isodate 0.7.2: `src/isodate/version.py` is written by setuptools_scm at install and ignored by
    git, so no copy of the tracked files holds it; adding `-o pythonpath=src` (there already) is no fix."""
    (tmp_path / "src" / "isodate").mkdir(parents=True)
    (tmp_path / "src" / "isodate" / "version.py").write_text("version = '0.7.2'\n")
    error = COLLECTION_ERROR.replace("No module named 'mypkg'", "No module named 'isodate.version'")
    args = ["-o", "pythonpath=src", "tests"]
    found = read_collection(error, 2, False, repo=tmp_path, heldout=False, args=args)
    assert "`isodate.version` is in your checkout (src/isodate/version.py)" in found.fix
    assert "git add -f src/isodate/version.py" in found.fix and '"pythonpath=src", "-o"' not in found.fix


def test_a_generated_module_the_checkout_lacks_names_the_install(tmp_path: Path) -> None:
    """filelock before `pip install -e .`: the package is on the path (the args say so), its
    `version` module is nowhere; suggesting `-o pythonpath=src` again would send the user astray."""
    (tmp_path / "src" / "filelock").mkdir(parents=True)
    error = COLLECTION_ERROR.replace("No module named 'mypkg'", "No module named 'filelock.version'")
    found = read_collection(
        error, 2, False, repo=tmp_path, heldout=False, args=["-o", "pythonpath=src", "tests"]
    )
    assert "`filelock.version` is not in your checkout" in found.fix and "pip install -e ." in found.fix
    assert "pythonpath=src" not in found.fix


def test_doctor_says_what_becomes_of_each_version_module_the_build_declares(tmp_path: Path) -> None:
    from codefit.doctor.project import version_module_findings

    repo = tmp_path / "repo"
    (repo / "src" / "pkg").mkdir(parents=True)
    (repo / "pyproject.toml").write_text(
        '[tool.hatch.build.hooks.vcs]\nversion-file = "src/pkg/_version.py"\n'
        '[tool.setuptools_scm]\nwrite_to = "src/pkg/_scm.py"\n'
    )
    (repo / ".gitignore").write_text("_version.py\n_scm.py\n")
    (repo / "src" / "pkg" / "__init__.py").write_text("")
    run_git(repo.parent, "init", "-q", "-b", "main", str(repo))
    run_git(repo, "add", "-A")
    run_git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base")
    missing = list(version_module_findings(repo))
    assert [f.level for f in missing] == [Level.WARN, Level.WARN]
    assert all("pip install -e ." in f.fix for f in missing)
    (repo / "src" / "pkg" / "_version.py").write_text("__version__ = version = '1.0'\n")
    (repo / "src" / "pkg" / "_scm.py").write_text("import os\nversion = os.getcwd()\n")
    found = {f.message.split(",")[0]: f for f in version_module_findings(repo)}
    carried, computes = found["src/pkg/_version.py"], found["src/pkg/_scm.py"]
    assert carried.level == Level.OK and "src/pkg/_version.py" in carried.message
    assert computes.level == Level.WARN and "does more than give version names" in computes.message
    assert "git add -f src/pkg/_scm.py" in computes.fix


def test_a_module_that_is_nowhere_in_the_repository_names_the_interpreter_fix(tmp_path: Path) -> None:
    found = read_collection(COLLECTION_ERROR, 2, False, repo=tmp_path, heldout=False)
    assert "install `mypkg`" in found.fix and "`python`" in found.fix


def test_collected_tests_are_counted_at_every_verbosity() -> None:
    quiet = "tests/test_a.py::test_one\ntests/test_a.py::TestX::test_two\n\n2 tests collected"
    assert collected_count(quiet) == 2
    assert collected_count("tests/test_a.py: 3\ntests/test_b.py: 1\n") == 4
    assert collected_count("<Module test_a.py>\n  <Function test_one>\n  <Function test_two>\n") == 2
    partly = "tests/test_a.py::test_one\n" + COLLECTION_ERROR
    found = read_collection(partly, 2, False, repo=Path("."), heldout=False)
    assert found.tests == 1 and found.errors and not found.cause  # one module fails: the baseline shows it


def test_an_empty_split_collects_no_test() -> None:
    found = read_collection("no tests collected in 0.01s\n", 5, False, repo=Path("."), heldout=True)
    assert found.tests == 0 and found.cause == "it collects no test" and "held-out" in found.fix


def _project(tmp_path: Path, *, unit_args: str, heldout_test: str | None) -> Path:
    repo = tmp_path / "repo"
    files = {
        "src/mypkg/__init__.py": "def add(a, b):\n    return a - b\n",
        "tests/test_a.py": "from mypkg import add\n\ndef test_add():\n    assert add(1, 2) == 3\n",
        ".gitignore": ".codefit/\n",
        "codefit.toml": (
            'task = "Fix add."\nwritable = ["src/**"]\nmax_steps = 1\n\n'
            f'[[sensors]]\nname = "unit"\nkind = "pytest"\nargs = {unit_args}\n\n'
            '[[sensors]]\nname = "holdout"\nkind = "pytest"\npath = "../hidden"\nsplit = "validation"\n'
            'args = ["-o", "pythonpath=src", ".codefit-heldout/holdout"]\n\n'
            '[optimizer]\nkind = "command"\ncommand = "true"\n'
        ),
    }
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    (tmp_path / "hidden").mkdir()
    if heldout_test is not None:
        (tmp_path / "hidden" / "test_hidden.py").write_text(heldout_test)
    run_git(repo, "init", "-q", "-b", "main")
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-q", "-m", "base")
    return repo


def _codefit(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codefit.cli", *args], cwd=repo, capture_output=True, text=True, timeout=300
    )


HELDOUT = "from mypkg import add\n\ndef test_hidden():\n    assert add(2, 2) == 4\n"


def test_fit_stops_before_step_1_when_the_train_split_cannot_collect(tmp_path: Path) -> None:
    repo = _project(tmp_path, unit_args='["tests"]', heldout_test=HELDOUT)
    done = _codefit(repo, "fit")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "No module named 'mypkg'" in done.stderr and '"pythonpath=src"' in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "run " not in done.stdout  # no run was started


def test_fit_stops_before_step_1_when_a_heldout_folder_holds_no_test(tmp_path: Path) -> None:
    repo = _project(tmp_path, unit_args='["-o", "pythonpath=src", "tests"]', heldout_test=None)
    done = _codefit(repo, "fit")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "sensor 'holdout'" in done.stderr and "collects no test" in done.stderr
    runs = _codefit(repo, "runs", "--json")
    assert runs.returncode != 0 or json.loads(runs.stdout) == []  # no run, no budget spent


def test_doctor_runs_the_same_checks(tmp_path: Path) -> None:
    repo = _project(tmp_path, unit_args='["tests"]', heldout_test=None)
    findings = run_checks(DoctorContext(repo=repo), ["project"])
    problems = {f.message.split(":")[0]: f for f in findings if f.level == Level.PROBLEM}
    assert set(problems) == {"sensor 'unit' (train)", f"sensor 'holdout' (validation, {tmp_path / 'hidden'})"}
    assert "pythonpath=src" in problems["sensor 'unit' (train)"].fix


def test_a_project_that_collects_passes_the_check(tmp_path: Path) -> None:
    repo = _project(tmp_path, unit_args='["-o", "pythonpath=src", "tests"]', heldout_test=HELDOUT)
    findings = run_checks(DoctorContext(repo=repo), ["project"])
    assert [f.level for f in findings] == [Level.OK, Level.OK, Level.OK], findings
    assert "collects 1 tests" in findings[1].message


def test_an_addopts_option_of_a_missing_plugin_is_named_with_the_ways_around_it(tmp_path: Path) -> None:
    repo = _project(tmp_path, unit_args='["-o", "pythonpath=src", "tests"]', heldout_test=HELDOUT)
    # As a project whose pytest config asks for a plugin (pytest-cov: --cov) not installed here.
    (repo / "pytest.ini").write_text("[pytest]\naddopts = --a-plugins-option --another=1\n")
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-q", "-m", "coverage in addopts")
    findings = run_checks(DoctorContext(repo=repo), ["project"])
    unit = next(f for f in findings if f.message.startswith("sensor 'unit'"))
    assert unit.level == Level.PROBLEM
    assert unit.message.endswith("unrecognized arguments: --a-plugins-option --another=1")  # not the synopsis
    assert '"addopts="' in unit.fix and "plugin" in unit.fix


def test_uncommitted_changes_are_said_to_be_left_out_of_the_counts(tmp_path: Path) -> None:
    """webcolors: after an uncommitted `split`, doctor counted the train split at HEAD (38 tests)
    and the held-out splits on disk (7): 45 of 38. A run takes HEAD too (unless `fit --dirty`)."""
    repo = _project(tmp_path, unit_args='["-o", "pythonpath=src", "tests"]', heldout_test=HELDOUT)
    (repo / "tests" / "test_a.py").write_text("from mypkg import add\n")  # its test moved away, not committed
    findings = run_checks(DoctorContext(repo=repo), ["project"])
    warned = [f for f in findings if f.level == Level.WARN and "uncommitted" in f.message]
    assert len(warned) == 1, findings
    assert "tests/test_a.py" in warned[0].message and "--dirty" in warned[0].fix
    assert "collects 1 tests" in " ".join(f.message for f in findings)  # HEAD's, as a run takes it
