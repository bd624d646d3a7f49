"""Train readings are of the checkpoint's export, made exact again before each reading."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import ClassVar

import pytest

from codefit.records import Options
from codefit.sensors.base import Reading, SensorContext, SensorSettings
from codefit.sensors.pytest_sensor import PytestOptions, PytestSensor
from codefit.spec import Split
from codefit.workspace.measure import read_committed
from codefit.workspace.sandbox_user import sandbox_identity
from codefit.workspace.workspace import Workspace

from ..conftest import MakeRepo


class Lister:
    """A train sensor that reports the files it was given, with their absolute paths, and then
    leaves things behind in its tree, as code under test may."""

    options_model: ClassVar[type[Options]] = Options
    settings = SensorSettings(name="lister", kind="lister", split=Split.TRAIN)

    def read(self, tree: Path, ctx: SensorContext) -> Reading:
        seen = sorted(str(p) for p in tree.rglob("*") if p.is_file())
        (tree / "left_behind.py").write_text("x = 1\n")
        (tree / "calc.py").write_text("tampered\n")
        os.chmod(tree / "calc.py", 0o777)
        return Reading(sensor="lister", split=Split.TRAIN, score=1.0, passed=True, output="\n".join(seen))


def test_a_train_reading_sees_the_checkpoint_alone_at_the_workspaces_paths(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    ws = Workspace.create(make_repo({".gitignore": "conftest.py\n", "calc.py": "x = 1\n"}), tmp_path / "ws")
    (ws.path / "conftest.py").write_text("import calc\n")  # ignored: not in the checkpoint
    (ws.path / "__pycache__").mkdir()
    (ws.path / "__pycache__" / "calc.cpython-311.pyc").write_bytes(b"bytecode")
    ctx = SensorContext(python=sys.executable)
    for _ in range(2):  # the second reading finds what the first one's code left, undone
        (reading,) = read_committed(ws, ws.snapshot("step"), [Lister()], ctx)
        assert reading.output.split() == [str(ws.path / ".gitignore"), str(ws.path / "calc.py")]
    assert (ws.path / "calc.py").read_text() == "x = 1\n", "the work tree itself is not read"


def test_an_export_into_a_used_folder_is_exact_again(make_repo: MakeRepo, tmp_path: Path) -> None:
    ws = Workspace.create(make_repo({"pkg/a.py": "A\n", "pkg/b.py": "B\n", "c.py": "C\n"}), tmp_path / "ws")
    dest = tmp_path / "copy"
    ws.export_tree(ws.head(), dest)
    (dest / "pkg" / "a.py").write_text("changed\n")
    os.chmod(dest / "pkg" / "b.py", 0o755)
    (dest / "c.py").unlink()
    (dest / "c.py").symlink_to(tmp_path / "elsewhere")
    (dest / "junk" / "deep").mkdir(parents=True)
    os.chmod(dest / "junk", 0o000)
    ws.export_tree(ws.head(), dest)
    found = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*"))
    assert found == ["c.py", "pkg", "pkg/a.py", "pkg/b.py"]
    assert (dest / "pkg" / "a.py").read_text() == "A\n" and not (dest / "c.py").is_symlink()
    assert not os.access(dest / "pkg" / "b.py", os.X_OK)


# jinja2's test_caches_template_based_on_mtime touches a template of its tree (`os.utime` with
# explicit times, which only the file's owner may): under a root codefit the export lies in the
# workspace's git folder, which is hidden, and was never handed to the sandbox user.
TOUCHING_TESTS = (
    "import os\n"
    "from pathlib import Path\n\n"
    "def test_touches_and_writes_its_tree():\n"
    "    here = Path(__file__).parent\n"
    "    os.utime(here / 'data.txt', (1, 1))\n"
    "    (here / 'data.txt').write_text('rewritten')\n"
    "    (here / 'new.txt').write_text('new')\n"
)


@pytest.mark.skipif(os.geteuid() != 0 or sandbox_identity() is None, reason="runs as root only")
def test_a_root_runs_train_tests_may_write_their_own_tree(make_repo: MakeRepo, tmp_path: Path) -> None:
    ws = Workspace.create(make_repo({"data.txt": "x\n", "test_touch.py": TOUCHING_TESTS}), tmp_path / "ws")
    ctx = SensorContext(python=sys.executable, hidden=(ws.git_dir,))  # as the loop hides it
    sensor = PytestSensor(SensorSettings(name="unit", kind="pytest"), PytestOptions())
    (reading,) = read_committed(ws, ws.snapshot("step"), [sensor], ctx)
    assert reading.passed, reading.output
