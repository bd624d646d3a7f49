"""The project's own introspection is not tampering; the candidate's is, however it borrows the name.

A library may inspect frames or walk the garbage collector for its own purposes (boltons does).
The base tree's unchanged code is trusted by what it compiles to (`codefit_pytest_trust`); every
attack below reaches the test's frame through that trust (the project's helper, its file name, its
file on disk, its bytecode, code made from a string) and must still end as a tampered reading.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

from codefit.sensors.base import Outcome, Reading, SensorContext, SensorSettings
from codefit.sensors.pytest_sensor import PytestOptions, PytestSensor
from codefit.spec import Split
from codefit.workspace.grading import grade
from codefit.workspace.measure import read_committed
from codefit.workspace.workspace import Workspace
from tests.conftest import MakeRepo, run_git

# The project's own library: frames and the garbage collector, as boltons' tbutils/gcutils do.
HELPER = (
    "import gc, sys\n"
    "\n"
    "def caller_locals(depth=1):\n"
    "    return sys._getframe(depth + 1).f_locals\n"
    "\n"
    "def instances(kind):\n"
    "    return [o for o in gc.get_objects() if isinstance(o, kind)]\n"
    "\n"
    "def calling_module():\n"
    "    return sys._getframe(2).f_globals['__name__']\n"
)
NAMES = "import helper\n\ndef caller():\n    return helper.calling_module()\n"
HONEST = "def add(a, b):\n    return a + b\n"
BUGGY = "def add(a, b):\n    return a - b\n"
TESTS = (
    "import calc, helper, names\n"
    "\n"
    "def test_add():\n"
    "    expected = 3\n"
    "    assert calc.add(1, 2) == expected\n"
    "\n"
    "def test_the_projects_own_helpers():\n"
    "    marker = 5\n"
    "    assert helper.caller_locals(0)['marker'] == 5\n"
    "    assert helper.instances(type)\n"
    "    assert names.caller() == __name__\n"
)
BASE = {"helper.py": HELPER, "names.py": NAMES, "calc.py": BUGGY, "test_calc.py": TESTS}

# Called by the test in place of `add`: no code of the step's files is on the stack when it runs.
PEEK = "import sys\n\ndef peek(a, b):\n    return sys._getframe(1).f_locals['expected']\n"
ATTACKS = {
    "the step's own frame introspection": (
        "import sys\n\ndef add(a, b):\n    return sys._getframe(1).f_locals['expected']\n"
    ),
    "the project's helper called by the step": (
        "import helper\n\ndef add(a, b):\n    return helper.caller_locals(1)['expected']\n"
    ),
    "code compiled under the helper's file name": (
        "import helper\n"
        "namespace = {}\n"
        f"exec(compile({PEEK!r}, helper.__file__, 'exec'), namespace)\n"
        "add = namespace['peek']\n"
    ),
    "the helper rewritten on disk around its import": (
        "import os\n"
        "path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'helper.py')\n"
        "original = open(path).read()\n"
        f"open(path, 'w').write(original + {PEEK!r})\n"
        "import helper\n"
        "open(path, 'w').write(original)\n"
        "add = helper.peek\n"
    ),
    "a planted unchecked .pyc for the helper": (
        "import importlib.util, os, py_compile\n"
        "here = os.path.dirname(os.path.abspath(__file__))\n"
        "evil = os.path.join(here, '_evil_src.py')\n"
        f"open(evil, 'w').write(open(os.path.join(here, 'helper.py')).read() + {PEEK!r})\n"
        "py_compile.compile(evil, cfile=importlib.util.cache_from_source(os.path.join(here, 'helper.py')),\n"
        "                   invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)\n"
        "import helper\n"
        "add = helper.peek\n"
    ),
    "a function made from a string, called by the test": (
        "add = eval(\"lambda a, b: __import__('sys')._getframe(1).f_locals['expected']\")\n"
    ),
    "a string's code given to the project's own function": (
        "import helper\n"
        "helper.calling_module.__code__ = compile(\n"
        "    \"def f(a, b):\\n    return __import__('sys')._getframe(1).f_locals['expected']\",\n"
        "    '<x>', 'exec'\n"
        ").co_consts[0]\n"
        "add = helper.calling_module\n"
    ),
}


def write(tree: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (tree / rel).write_text(text)


def blob(text: str) -> str:
    data = text.encode()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def read(tree: Path, unchanged: dict[str, str] | None, bases: dict[str, str] | None = None) -> Reading:
    sensor = PytestSensor(SensorSettings(name="unit", kind="pytest"), PytestOptions())
    ctx = SensorContext(python=sys.executable, unchanged_blobs=unchanged, changed_bases=bases)
    return sensor.read(tree, ctx)


def tampered(reading: Reading) -> list[str]:
    return [f.message for f in reading.findings if f.rule == "tampered"]


def test_the_projects_own_introspection_is_read_as_tampering_only_without_trust(tmp_path: Path) -> None:
    write(tmp_path, BASE)
    assert tampered(read(tmp_path, None))  # control: the old grader took boltons' helpers for attacks
    reading = read(tmp_path, {rel: blob(text) for rel, text in BASE.items()})
    assert not tampered(reading)
    assert reading.counts.passed == 1 and reading.counts.failed == 1  # the bug, and the helpers work


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_the_steps_introspection_through_the_projects_trust_is_caught(tmp_path: Path, attack: str) -> None:
    write(tmp_path, {**BASE, "calc.py": ATTACKS[attack]})
    unchanged = {rel: blob(BASE[rel]) for rel in ("helper.py", "names.py", "test_calc.py")}
    reading = read(tmp_path, unchanged)
    found = tampered(reading)
    assert found, reading.output
    add = next(t for t in reading.tests if t.nodeid.endswith("test_add"))
    assert add.outcome == Outcome.FAILED


def test_a_project_with_its_own_introspection_is_graded_and_the_steps_is_caught(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    repo = make_repo(BASE)
    ws = Workspace.create(repo, tmp_path / "ws")
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "test_heldout.py").write_text(
        "import calc\n\ndef test_more():\n    expected = 9\n    assert calc.add(4, 5) == expected\n"
    )
    heldout = PytestSensor(
        SensorSettings(name="holdout", kind="pytest", split=Split.VALIDATION, path=hidden), PytestOptions()
    )
    train = PytestSensor(SensorSettings(name="unit", kind="pytest"), PytestOptions())
    ctx = SensorContext(python=sys.executable)

    (baseline,) = read_committed(ws, ws.base, [train], ctx)
    assert not tampered(baseline) and baseline.counts.total == 2 and baseline.counts.failed == 1

    write(ws.path, {"calc.py": HONEST})
    honest = ws.snapshot("honest fix")
    (graded,) = grade(ws, honest, [heldout], ctx)
    assert not tampered(graded) and graded.passed
    (trained,) = read_committed(ws, honest, [train], ctx)
    assert not tampered(trained) and trained.passed

    write(ws.path, {"calc.py": ATTACKS["the project's helper called by the step"]})
    cheat = ws.snapshot("the helper reads the test's locals")
    (graded,) = grade(ws, cheat, [heldout], ctx)
    assert any("through the project's own code at helper.py" in m for m in tampered(graded))
    assert not graded.passed


# click: a test hands its own file to the project (`click.File(default=__file__)`), whose `LazyFile`
# opens it; a pull request that changed another function of click/utils.py was blocked as tampering.
FILES = (
    "def first_line(path):\n"
    "    with open(path) as fh:\n"
    "        return fh.readline()\n"
    "\n"
    "def shout(text):\n"
    "    return text.upper()\n"
)
FILES_TESTS = (
    "import files, helper\n"
    "\n"
    "def test_reads_the_file_it_is_given():\n"
    "    assert files.first_line(__file__) == 'import files, helper\\n'\n"
    "\n"
    "def test_shout():\n"
    "    assert files.shout('a') == 'A'\n"
    "\n"
    "def test_the_projects_own_helpers():\n"
    "    marker = 5\n"
    "    assert helper.caller_locals(0)['marker'] == 5\n"
)
# The step changes one function of each file and moves the others down: they stay the user's code.
FILES_STEP = "import string\n\n" + FILES.replace("text.upper()", "string.capwords(text).upper()")
HELPER_STEP = '"""Frames and objects."""\n\n\n' + HELPER.replace("isinstance(o, kind)]", "type(o) is kind]")


def test_functions_a_step_left_as_they_were_in_a_changed_file_are_still_the_users(tmp_path: Path) -> None:
    base = {"files.py": FILES, "helper.py": HELPER, "test_files.py": FILES_TESTS}
    write(tmp_path, {**base, "files.py": FILES_STEP, "helper.py": HELPER_STEP})
    unchanged = {"test_files.py": blob(FILES_TESTS)}
    assert tampered(read(tmp_path, unchanged))  # control: trust by whole files distrusted both
    reading = read(tmp_path, unchanged, {"files.py": FILES, "helper.py": HELPER})
    assert not tampered(reading), reading.output
    assert reading.counts.passed == 3


PEEKING_HELPER = HELPER.replace(
    "def calling_module():",
    "def peek(a, b):\n    return sys._getframe(1).f_locals['expected']\n\n\ndef calling_module():",
)
CHANGED_FILE_ATTACKS = {
    "a function the step added to the helper's file": (
        PEEKING_HELPER,
        "import helper\n\nadd = helper.peek\n",
    ),
    "the helper's function changed in place": (
        HELPER.replace("f_locals\n", "f_locals | {}\n", 1),
        "import functools, helper, operator\n\n"
        "def add(a, b):\n    return helper.caller_locals(1)['expected']\n",
    ),
    "the base's function given another's code in the file": (
        HELPER + "\ncaller_locals.__code__ = (lambda depth=1: sys._getframe(depth + 1).f_locals).__code__\n",
        "import helper\n\ndef add(a, b):\n    return helper.caller_locals(1)['expected']\n",
    ),
}


@pytest.mark.parametrize("attack", sorted(CHANGED_FILE_ATTACKS))
def test_what_a_step_changed_in_a_file_stays_the_steps(tmp_path: Path, attack: str) -> None:
    helper, calc = CHANGED_FILE_ATTACKS[attack]
    write(tmp_path, {**BASE, "helper.py": helper, "calc.py": calc})
    unchanged = {rel: blob(BASE[rel]) for rel in ("names.py", "test_calc.py")}
    reading = read(tmp_path, unchanged, {"helper.py": HELPER, "calc.py": BUGGY})
    assert tampered(reading), reading.output
    add = next(t for t in reading.tests if t.nodeid.endswith("test_add"))
    assert add.outcome == Outcome.FAILED


def test_a_changed_file_in_another_encoding_is_judged_function_by_function(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    latin = "# -*- coding: latin-1 -*-\n"
    accented = ("fh.readline()", "fh.readline() or 'caf\xe9'")  # a constant of the trusted function
    base = {
        "files.py": latin + FILES.replace(*accented),
        "helper.py": latin + HELPER,
        "calc.py": BUGGY,
        "names.py": NAMES,
        "test_files.py": FILES_TESTS,
        "test_calc.py": TESTS,
    }
    repo = make_repo({}, commit=False)
    for rel, text in base.items():
        (repo / rel).write_bytes(text.encode("latin-1"))
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-q", "-m", "latin-1")
    ws = Workspace.create(repo, tmp_path / "ws")
    step = {
        "files.py": latin + FILES_STEP.replace(*accented),
        "helper.py": latin + PEEKING_HELPER,
        "calc.py": "import helper\n\nadd = helper.peek\n",
    }
    for rel, text in step.items():
        (ws.path / rel).write_bytes(text.encode("latin-1"))
    sensor = PytestSensor(SensorSettings(name="unit", kind="pytest"), PytestOptions())
    (reading,) = read_committed(ws, ws.snapshot("step"), [sensor], SensorContext(python=sys.executable))
    found = tampered(reading)
    assert any("helper.py" in f for f in found), reading.output  # the function the step added
    assert not any("files.py" in f for f in found), found  # what it left as it was
