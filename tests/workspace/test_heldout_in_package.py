"""Held-out tests placed inside the package under test (iso8601 keeps its tests beside its module).

The grader put back everything at the held-out destination as the base tree had it, the package's
own modules included: the honest fix was undone before grading (iso8601's validation read 0.925 for
a correct fix). And the audit hook took every file there for a test file, so the candidate's code
could inspect the test's frames unseen. Now the candidate's modules there are graded as it wrote
them and watched as code under test; tests it plants there still do not count.
"""

from __future__ import annotations

import sys
from pathlib import Path

from codefit.sensors.base import Reading, SensorContext, SensorSettings
from codefit.sensors.pytest_sensor import PytestOptions, PytestSensor
from codefit.spec import Split
from codefit.workspace.grading import grade
from codefit.workspace.workspace import Workspace
from tests.conftest import MakeRepo

BASE = {
    "pkg/__init__.py": "from pkg.core import negate\n",
    "pkg/core.py": "def negate(x):\n    return x\n",
    "pkg/test_core.py": "from pkg import negate\n\ndef test_zero():\n    assert negate(0) == 0\n",
}
HELDOUT = "from pkg import negate\n\ndef test_one():\n    expected = -1\n    assert negate(1) == expected\n"


def graded(make_repo: MakeRepo, tmp_path: Path, candidate: dict[str, str]) -> Reading:
    ws = Workspace.create(make_repo(BASE), tmp_path / "ws")
    for rel, text in candidate.items():
        (ws.path / rel).write_text(text)
    commit = ws.snapshot("candidate")
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "test_core_validation.py").write_text(HELDOUT)
    settings = SensorSettings(name="held", kind="pytest", split=Split.VALIDATION, path=hidden, dest="pkg")
    sensor = PytestSensor(settings, PytestOptions())
    (reading,) = grade(ws, commit, [sensor], SensorContext(python=sys.executable))
    return reading


def test_the_candidates_fix_beside_the_held_out_tests_is_what_is_graded(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    reading = graded(make_repo, tmp_path, {"pkg/core.py": "def negate(x):\n    return -x\n"})
    assert reading.passed, [t.message for t in reading.tests]
    assert {t.nodeid.split("::")[1] for t in reading.tests} == {"test_one", "test_zero"}


def test_tests_planted_beside_the_held_out_tests_still_do_not_count(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    planted = {
        "pkg/test_free.py": "def test_free():\n    pass\n",
        "pkg/test_core.py": "def test_zero():\n    pass\n",
    }
    reading = graded(make_repo, tmp_path, planted)
    assert {t.nodeid.split("::")[1] for t in reading.tests} == {"test_one", "test_zero"}
    assert reading.counts.passed == 1  # test_zero as the base tree has it; test_one fails on the bug


def test_the_candidates_module_there_is_watched_as_code_under_test(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    peek = "import sys\n\ndef negate(x):\n    return sys._getframe(1).f_locals.get('expected', -x)\n"
    reading = graded(make_repo, tmp_path, {"pkg/core.py": peek})
    assert any(f.rule == "tampered" and "pkg/core.py" in f.message for f in reading.findings), (
        reading.findings
    )
    assert not reading.passed
