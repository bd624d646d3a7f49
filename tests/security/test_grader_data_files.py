"""The grading copy keeps the base tree's data files byte for byte where held-out tests land
(jinja2: `tests/res/package.zip`, decoded as text and written back, broke six held-out tests)."""

from __future__ import annotations

import sys
from pathlib import Path

from codefit.sensors.base import SensorContext, SensorSettings
from codefit.sensors.pytest_sensor import PytestOptions, PytestSensor
from codefit.spec import Split
from codefit.workspace.grading import grade
from codefit.workspace.workspace import Workspace
from tests.conftest import MakeRepo, run_git

DATA = bytes(range(256)) * 4  # no UTF-8 text: 0x80-0xff alone are invalid
LATIN1_CONFTEST = "# -*- coding: latin-1 -*-\n# caf\xe9\nimport pytest\n".encode("latin-1")
HELDOUT = (
    "from pathlib import Path\n\n"
    "def test_the_data_file_is_intact():\n"
    "    data = (Path(__file__).parent / 'res' / 'data.bin').read_bytes()\n"
    "    assert data == bytes(range(256)) * 4\n"
)


def test_binary_and_non_utf8_files_where_held_out_tests_land_stay_as_the_base_has_them(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    repo = make_repo(
        {
            "calc.py": "def add(a, b):\n    return a + b\n",
            "tests/test_calc.py": "from calc import add\n\ndef test_add():\n    assert add(1, 2) == 3\n",
        },
        commit=False,
    )
    (repo / "tests" / "res").mkdir()
    (repo / "tests" / "res" / "data.bin").write_bytes(DATA)
    (repo / "tests" / "conftest.py").write_bytes(LATIN1_CONFTEST)
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-q", "-m", "with data files")
    ws = Workspace.create(repo, tmp_path / "ws")
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "test_data.py").write_text(HELDOUT)
    settings = SensorSettings(name="held", kind="pytest", split=Split.VALIDATION, path=hidden, dest="tests")
    sensor = PytestSensor(settings, PytestOptions(test_timeout=30))
    (reading,) = grade(ws, ws.snapshot("candidate"), [sensor], SensorContext(python=sys.executable))
    assert reading.passed and reading.counts.errors == 0, reading.output
    assert "test_the_data_file_is_intact" in [t.nodeid.rsplit("::", 1)[1] for t in reading.tests]
