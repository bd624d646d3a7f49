"""A src-layout project installed in editable mode imports the tree read, never the user's checkout.

The editable install's `.pth` (or finder) points into the user's repository, which the sandbox
hides; the sandbox shows the tree at the repository's own path too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from codefit.optimizers.search.evaluator import ForkServer
from codefit.sensors.base import SensorContext
from tests.conftest import needs_bwrap, run_git

PYPROJECT = """\
[build-system]
requires = []
build-backend = "editable_backend"
backend-path = ["."]
"""
# A PEP 660 backend of the project's own (setuptools here lacks `wheel`): its editable wheel holds a
# `.pth` naming the repository's `src`, as setuptools', hatchling's and pdm's do for a src layout.
BACKEND = """\
import base64, hashlib, os, zipfile

NAME, VERSION = "edpkg", "0.1"
DIST = f"{NAME}-{VERSION}.dist-info"


def get_requires_for_build_editable(config_settings=None):
    return []


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    files = {
        f"__editable__.{NAME}-{VERSION}.pth": os.path.abspath("src") + "\\n",
        f"{DIST}/METADATA": f"Metadata-Version: 2.1\\nName: {NAME}\\nVersion: {VERSION}\\n",
        f"{DIST}/WHEEL": "Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    files[f"{DIST}/RECORD"] = "\\n".join([*record, f"{DIST}/RECORD,,"]) + "\\n"
    name = f"{NAME}-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as wheel:
        for path, text in files.items():
            wheel.writestr(path, text)
    return name
"""
TEST = "import edpkg\n\ndef test_where():\n    assert edpkg.where() == 'tree'\n"
CODE = "WHERE = {!r}\n\ndef where():\n    return WHERE\n"


@pytest.fixture(scope="module")
def editable(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A user repository with a src layout and a venv holding its editable install."""
    root = tmp_path_factory.mktemp("editable")
    repo = root / "repo"
    (repo / "src" / "edpkg").mkdir(parents=True)
    (repo / "tests").mkdir()
    (repo / "pyproject.toml").write_text(PYPROJECT)
    (repo / "editable_backend.py").write_text(BACKEND)
    (repo / "src" / "edpkg" / "__init__.py").write_text(CODE.format("checkout"))
    (repo / "tests" / "test_where.py").write_text(TEST)
    venv = repo / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    install = [python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index"]
    done = subprocess.run([*install, "-e", str(repo)], capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        pytest.skip(f"no editable install possible here: {done.stderr.strip()[-300:]}")
    return repo, python


def _tree(repo: Path, where: Path) -> Path:
    """The tree codefit reads: a copy of the repository (no venv) with the code changed."""
    shutil.copytree(repo, where, ignore=shutil.ignore_patterns(".venv", "*.egg-info", "__pycache__"))
    (where / "src" / "edpkg" / "__init__.py").write_text(CODE.format("tree"))
    return where


@needs_bwrap
def test_editable_install_imports_the_tree_not_the_checkout(
    editable: tuple[Path, str], tmp_path: Path
) -> None:
    repo, python = editable
    tree = _tree(repo, tmp_path / "ws")
    probe = [python, "-c", "import edpkg, os; print(edpkg.WHERE, os.path.realpath(edpkg.__file__))"]
    hidden_repo = SensorContext(python=python, hidden=(repo,))
    without_alias = hidden_repo.run(probe, tree, timeout_s=120)
    assert "ModuleNotFoundError" in without_alias.stderr  # issue 12: every test errors

    ctx = SensorContext(python=python, hidden=(repo,), repo=repo)
    done = ctx.run(probe, tree, timeout_s=120)
    assert done.returncode == 0, done.stderr
    where, path = done.stdout.split()
    assert where == "tree" and Path(path) == tree.resolve() / "src" / "edpkg" / "__init__.py"
    assert not any(tree.joinpath(".venv").iterdir()), "the venv is mounted, not copied into the tree"
    pytest_run = ctx.run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider"], tree, timeout_s=120)
    assert pytest_run.returncode == 0, pytest_run.stdout + pytest_run.stderr


@needs_bwrap
def test_fork_server_localises_against_the_tree(editable: tuple[Path, str], tmp_path: Path) -> None:
    repo, python = editable
    tree = _tree(repo, tmp_path / "ws")
    ctx = SensorContext(python=python, hidden=(repo,), repo=repo)
    with ForkServer(tree, python, ctx.env, ["tests"], sandbox=ctx.sandbox(tree.resolve())) as server:
        baseline = server.run({}, None, coverage=True)
        assert baseline.passes("tests/test_where.py::test_where"), baseline
        covered = set().union(*(files.keys() for files in baseline.coverage.values()))
        assert str(tree.resolve() / "src" / "edpkg" / "__init__.py") in covered
        assert not any(path.startswith(str(repo)) for path in covered)
        patched = {tree.resolve() / "src" / "edpkg" / "__init__.py": CODE.format("elsewhere")}
        assert not server.run(patched, None).passes("tests/test_where.py::test_where")


@needs_bwrap
def test_a_dependency_installed_editable_from_another_checkout_is_shown_without_its_git(
    editable: tuple[Path, str], tmp_path: Path, outside_tmp: Path
) -> None:
    repo, _ = editable
    dep = outside_tmp / "deplib"
    (dep / "src" / "deppkg").mkdir(parents=True)
    (dep / "src" / "deppkg" / "__init__.py").write_text("NAME = 'dep'\n")
    (dep / "pyproject.toml").write_text(PYPROJECT)
    (dep / "editable_backend.py").write_text(BACKEND.replace('"edpkg"', '"deppkg"'))
    run_git(dep, "init", "-q")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    install = [python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index"]
    subprocess.run([*install, "-e", str(dep)], check=True, capture_output=True, timeout=300)
    tree = _tree(repo, tmp_path / "ws")
    probe = "import deppkg, os; print(deppkg.NAME, os.path.exists(os.environ['DEP_GIT']))"
    env = {**os.environ, "DEP_GIT": str(dep / ".git")}
    ctx = SensorContext(python=python, env=env, hidden=(repo,), repo=repo)
    done = ctx.run([python, "-c", probe], tree, timeout_s=120)
    assert done.returncode == 0, done.stderr  # before: ModuleNotFoundError, nothing of it was shown
    assert done.stdout.split() == ["dep", "False"]
