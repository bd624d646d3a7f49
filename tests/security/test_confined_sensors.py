"""Sensors run the code under test confined: it sees no key, no held-out source, and writes nowhere
but the tree it is measured in (the workspace, or the grader's throw-away copy)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from codefit.seal import KEY_ENV, keys_dir
from codefit.sensors.base import SensorContext, SensorSettings
from codefit.sensors.command import CommandOptions, CommandSensor
from codefit.sensors.coverage import CoverageOptions, CoverageSensor
from codefit.sensors.pytest_sensor import PytestOptions, PytestSensor
from codefit.spec import Split
from codefit.workspace.grading import grade
from codefit.workspace.sandbox import ResourceLimits
from codefit.workspace.workspace import Workspace
from tests.conftest import MakeRepo, needs_bwrap

BASE = {
    "src/calc.py": "def add(a, b):\n    return a - b\n",
    "tests/test_calc.py": "from calc import add\n\ndef test_add():\n    assert add(1, 1) == 2\n",
    "pyproject.toml": '[project]\nname = "calc"\n\n[tool.pytest.ini_options]\npythonpath = ["src"]\n',
}
# Code under test that copies whatever it can reach to every place it can think of.
THIEF = """\
import glob, os, shutil

def add(a, b):
    return a + b

def _steal():
    loot = [os.environ.get({key_env!r}, "")]
    for pattern in ({keys!r} + "/*", {heldout_src!r} + "/*", ".codefit-heldout/*/*"):
        for path in glob.glob(pattern):
            loot.append(open(path).read())
    data = "\\n".join(x for x in loot if x)
    for target in ({workspace_git!r} + "/loot", {outside_tmp!r} + "/loot"):
        try:
            with open(target, "a") as out:
                out.write(data)
        except OSError:
            pass

_steal()
"""


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


@needs_bwrap
def test_grader_code_under_test_can_neither_read_secrets_nor_write_outside_its_copy(
    make_repo: MakeRepo, tmp_path: Path, outside_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker, key = f"HELDOUT_{uuid.uuid4().hex}", f"KEY_{uuid.uuid4().hex}"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(outside_tmp / "config"))
    keys_dir().mkdir(parents=True)
    (keys_dir() / "k.key").write_text(key)
    heldout = outside_tmp / "hidden"
    test = f"from calc import add\n\ndef test_more():\n    assert add(2, 3) == 5  # {marker}\n"
    _write(heldout, {"test_holdout.py": test})
    repo = make_repo(BASE)
    workspace = Workspace.create(repo, outside_tmp / "workdir" / "ws")
    (outside_tmp / "drop").mkdir()
    thief = THIEF.format(
        key_env=KEY_ENV,
        keys=str(keys_dir()),
        heldout_src=str(heldout),
        workspace_git=str(workspace.git_dir),
        outside_tmp=str(outside_tmp / "drop"),
    )
    _write(workspace.path, {"src/calc.py": thief})
    commit = workspace.snapshot("thief")
    settings = SensorSettings(name="holdout", kind="pytest", split=Split.VALIDATION, path=heldout)
    sensor = PytestSensor(settings, PytestOptions())
    env = {**dict(os.environ), KEY_ENV: key}

    # Control: unconfined, the same code really does steal the key and the held-out tests.
    copy = tmp_path / "control"
    workspace.export_tree(commit, copy)
    _write(copy, {".codefit-heldout/holdout/test_holdout.py": (heldout / "test_holdout.py").read_text()})
    subprocess.run(
        [sys.executable, "-c", "import calc"],
        cwd=copy,
        env={**env, "PYTHONPATH": str(copy / "src")},
        check=True,
    )
    stolen = (outside_tmp / "drop" / "loot").read_text()
    assert marker in stolen and key in stolen
    (outside_tmp / "drop" / "loot").unlink()
    (workspace.git_dir / "loot").unlink()

    ctx = SensorContext(python=sys.executable, env=env, hidden=(repo, heldout, outside_tmp / "workdir"))
    (reading,) = grade(workspace, commit, [sensor], ctx)
    # The code under test ran: reading the held-out tests from inside the run is tamper evidence.
    assert not reading.passed and reading.error is not None, reading.output
    assert "read of the test file .codefit-heldout/holdout/test_holdout.py" in reading.error
    assert not (outside_tmp / "drop" / "loot").exists()
    assert not (workspace.git_dir / "loot").exists()


@needs_bwrap
def test_train_sensor_code_under_test_sees_no_key_and_writes_only_the_workspace(
    tmp_path: Path, outside_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(outside_tmp / "config"))
    keys_dir().mkdir(parents=True)
    (keys_dir() / "k.key").write_text("the-key")
    probe = (
        "import os, pathlib\n"
        "def test_no_key_no_outside():\n"
        f"    assert {KEY_ENV!r} not in os.environ\n"
        f"    assert not list(pathlib.Path({str(keys_dir())!r}).glob('*'))\n"
        f"    assert not pathlib.Path({str(outside_tmp / 'repo')!r}).joinpath('answer.txt').exists()\n"
        "    pathlib.Path('written.txt').write_text('ok')\n"
        "    try:\n"
        f"        pathlib.Path({str(outside_tmp)!r}, 'escaped.txt').write_text('x')\n"
        "    except OSError:\n"
        "        pass\n"
    )
    _write(outside_tmp / "repo", {"answer.txt": "42"})
    _write(tmp_path, {"test_probe.py": probe})
    ctx = SensorContext(
        python=sys.executable, env={**dict(os.environ), KEY_ENV: "k"}, hidden=(outside_tmp / "repo",)
    )
    reading = PytestSensor(SensorSettings(name="unit", kind="pytest"), PytestOptions()).read(tmp_path, ctx)
    assert reading.passed, reading.output
    assert (tmp_path / "written.txt").read_text() == "ok"
    assert not (outside_tmp / "escaped.txt").exists()


@needs_bwrap
def test_command_sensor_is_confined_too(tmp_path: Path, outside_tmp: Path) -> None:
    settings = SensorSettings(name="cmd", kind="command")
    command = f"echo x > {outside_tmp}/escaped.txt; echo y > inside.txt"
    reading = CommandSensor(settings, CommandOptions(command=command)).read(
        tmp_path, SensorContext(python=sys.executable)
    )
    # Outside the tree nothing is shown (the write finds no folder) or nothing is writable.
    assert "Read-only file system" in reading.output or "nonexistent" in reading.output
    assert (tmp_path / "inside.txt").read_text() == "y\n"
    assert not (outside_tmp / "escaped.txt").exists()


@needs_bwrap
def test_coverage_sensor_is_confined_too(tmp_path: Path, outside_tmp: Path) -> None:
    probe = (
        "import pathlib\n"
        "def test_escape():\n"
        "    try:\n"
        f"        pathlib.Path({str(outside_tmp)!r}, 'escaped.txt').write_text('x')\n"
        "    except OSError:\n"
        "        pass\n"
    )
    _write(tmp_path, {"test_probe.py": probe})
    settings = SensorSettings(name="cov", kind="coverage")
    reading = CoverageSensor(settings, CoverageOptions()).read(tmp_path, SensorContext(python=sys.executable))
    assert reading.error is None, reading.output  # the figures still come back from the confined run
    assert not (outside_tmp / "escaped.txt").exists()


def test_code_under_test_sees_the_resource_limits(tmp_path: Path) -> None:
    probe = (
        "import resource\n"
        "def test_limits():\n"
        "    assert resource.getrlimit(resource.RLIMIT_CPU)[0] == 1234\n"
        "    assert resource.getrlimit(resource.RLIMIT_DATA)[0] == 3000 * 1024 * 1024\n"
        "    assert resource.getrlimit(resource.RLIMIT_FSIZE)[0] == 77 * 1024 * 1024\n"
    )
    _write(tmp_path, {"test_probe.py": probe})
    limits = ResourceLimits(cpu_s=1234, memory_mb=3000, file_size_mb=77)
    ctx = SensorContext(python=sys.executable, limits=limits)
    reading = PytestSensor(SensorSettings(name="unit", kind="pytest"), PytestOptions()).read(tmp_path, ctx)
    assert reading.passed, reading.output


def test_allocation_bomb_is_a_failed_test_not_a_crash(tmp_path: Path) -> None:
    bomb = (
        "def test_bomb():\n"
        "    hoard = [bytearray(64 * 1024 * 1024) for _ in range(64)]  # 4 GiB\n"
        "    assert hoard\n"
        "def test_after():\n"
        "    pass\n"
    )
    _write(tmp_path, {"test_bomb.py": bomb})
    ctx = SensorContext(python=sys.executable, limits=ResourceLimits(memory_mb=768))
    reading = PytestSensor(SensorSettings(name="unit", kind="pytest"), PytestOptions()).read(tmp_path, ctx)
    outcomes = {t.nodeid.split("::")[1]: t.outcome for t in reading.tests}
    assert outcomes == {"test_bomb": "failed", "test_after": "passed"}
    assert "MemoryError" in next(t.message for t in reading.tests if t.nodeid.endswith("test_bomb"))
    assert not reading.passed and reading.error is None
