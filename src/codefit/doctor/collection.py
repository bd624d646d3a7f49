"""What `pytest --collect-only` says of a split: how many tests it collects and, when it cannot
collect any, why and what to change. Pure functions of pytest's output (easy to test)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from codefit.ansi import strip_ansi
from codefit.sensors.pytest_sensor import exception_line, usage_reason

NO_TESTS = 5  # pytest.ExitCode.NO_TESTS_COLLECTED
USAGE_ERROR = 4
_NODEID = re.compile(r"^[^\s:][^:]*::\S")  # -q: one node id a line
_PER_FILE = re.compile(r"^(\S+\.py): (\d+)$")  # -qq: `path: count`
_VERBOSE = re.compile(r"^\s*<(Function|TestCaseFunction) ")  # no -q: the collection tree
_MISSING_MODULE = re.compile(r"No module named '([^']+)'")


@dataclass(frozen=True)
class Collection:
    """How many tests one split collects; `cause` names why none could be, `fix` what to do."""

    tests: int
    errors: bool
    cause: str = ""
    fix: str = ""
    timed_out: bool = False  # not known to be broken: it may only be slow to import


def collected_count(output: str) -> int:
    count = 0
    for line in output.splitlines():
        per_file = _PER_FILE.match(line)
        if per_file:
            count += int(per_file.group(2))
        elif _NODEID.match(line) or _VERBOSE.match(line):
            count += 1
    return count


def first_error(output: str) -> str:
    """The first exception line of a collection error (`ModuleNotFoundError: No module named 'x'`),
    else why pytest refused its command line, else the output's last line."""
    found = exception_line(output) or usage_reason(output)
    if found:
        return found
    lines = [strip_ansi(line).rstrip() for line in output.splitlines()]
    return next((line for line in reversed(lines) if line.strip()), "no output")


def read_collection(
    output: str,
    returncode: int | None,
    timed_out: bool,
    *,
    repo: Path,
    heldout: bool,
    args: Sequence[str] = ("tests",),
) -> Collection:
    """The collection `output` (exit status `returncode`) of a split, judged."""
    output = strip_ansi(output)
    tests = collected_count(output)
    errors = returncode not in (0, NO_TESTS)
    if timed_out:
        return Collection(tests, True, "collecting the tests timed out", "fix an import that hangs", True)
    if tests:
        return Collection(tests, errors)
    if returncode == NO_TESTS or not errors:
        fix = (
            "put the held-out test files (test_*.py) in that folder, or point `path` at them"
            if heldout
            else 'point the sensor\'s `args` at your tests (e.g. args = ["tests"])'
        )
        return Collection(0, False, "it collects no test", fix)
    cause = first_error(output)
    if "No module named" in cause:
        fix = import_fix(cause, repo, args)
    elif "unrecognized arguments" in cause:
        fix = (
            "an option from your pytest config (addopts) or the sensor's args needs a plugin that the "
            "interpreter of the code under test lacks: install it there, set `python` in the config to "
            "the project's own environment, or drop the options for codefit with "
            'args = ["-o", "addopts=", ...]'
        )
    else:
        fix = _generic_fix()
    return Collection(0, True, cause, fix)


def import_fix(cause: str, repo: Path, args: Sequence[str] = ("tests",)) -> str:
    """How to make a module the tests import importable in the workspace; `args` are the sensor's
    pytest arguments (a held-out sensor's name its own test folder, which must stay)."""
    match = _MISSING_MODULE.search(cause)
    dotted = match.group(1) if match else ""
    module = dotted.split(".")[0]
    for where, folder in (("under src/ (a src layout)", "src"), ("at the repository root", ".")):
        if module and ((repo / folder / module).exists() or (repo / folder / f"{module}.py").exists()):
            inner = Path(folder, *dotted.split("."))
            found = [p for p in (inner.with_suffix(".py"), inner) if "." in dotted and (repo / p).exists()]
            if found:  # the package is found; a module of it is only in the checkout, not in git
                rel = found[0].as_posix()
                return (
                    f"`{dotted}` is in your checkout ({rel}) but not among the files git tracks: codefit "
                    "runs the tests on a copy of the tracked files, with a version module the build "
                    "writes only where pyproject.toml declares it (`version_file` of "
                    "[tool.setuptools_scm], `version-file` of [tool.hatch.build.hooks.vcs]) and it "
                    f"only sets version names; declare it, commit it (`git add -f {rel}`), or make "
                    "the package import without it"
                )
            if "." in dotted and (f"pythonpath={folder}" in args or folder == "."):
                # The package imports; a module of it is in no copy, nor in the checkout.
                return (
                    f"`{dotted}` is not in your checkout: a module your build writes (a version module?) "
                    "appears when the project is installed (`pip install -e .`); codefit carries it into "
                    "its copies where the build configuration declares it (`codefit doctor` says so)"
                )
            suggested = ", ".join(f'"{a}"' for a in ["-o", f"pythonpath={folder}", *args])
            return (
                f"`{module}` lives {where}: set the sensor's args = [{suggested}], or "
                f'pythonpath = ["{folder}"] in your pytest config (an editable install pointing into '
                "your checkout is not seen by the code under test)"
            )
    return (
        f"install `{module or 'it'}` in the interpreter of the code under test, or set `python` in the "
        'config to the project\'s own environment (e.g. python = ".venv/bin/python")'
    )


def _generic_fix() -> str:
    return "run the sensor's pytest command in your checkout and fix what stops it collecting"
