"""`codefit init` writes a config that collects on the common project shapes: src layout, flat layout,
tests inside the package, pytest config in pyproject.toml / setup.cfg / tox.ini / pytest.ini."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from codefit.config import load_config
from codefit.doctor import Level
from codefit.doctor.project import collection_findings
from codefit.harness.plan import plan_from_config
from codefit.init import write_starter_config
from codefit.init_detect import pytest_config

from ..conftest import MakeRepo

CODE = "def add(a, b):\n    return a + b\n"
TEST = "from {module} import add\n\ndef test_add():\n    assert add(1, 2) == 3\n"


def train_args(repo: Path) -> list[str]:
    config = tomllib.loads(write_starter_config(repo).read_text())
    return list(config["sensors"][0]["args"])


def collects(repo: Path) -> bool:
    plan = plan_from_config(load_config(repo))
    return all(f.level == Level.OK for f in collection_findings(plan, dirty=True))


def test_src_layout_puts_src_on_the_import_path_and_collects(make_repo: MakeRepo) -> None:
    repo = make_repo({"src/mypkg/__init__.py": CODE, "tests/test_add.py": TEST.format(module="mypkg")})
    assert train_args(repo) == ["-o", "pythonpath=src", "tests"]
    assert collects(repo)


def test_src_layout_whose_pytest_config_sets_pythonpath_keeps_it(make_repo: MakeRepo) -> None:
    repo = make_repo(
        {
            "src/mypkg/__init__.py": CODE,
            "tests/test_add.py": TEST.format(module="mypkg"),
            "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\naddopts = "--color=yes"\n',
        }
    )
    assert train_args(repo) == ["tests"]
    assert collects(repo)


def test_flat_layout_collects_as_it_is(make_repo: MakeRepo) -> None:
    repo = make_repo({"mypkg/__init__.py": CODE, "tests/test_add.py": TEST.format(module="mypkg")})
    assert train_args(repo) == ["tests"]
    assert collects(repo)


def test_tests_inside_the_package_are_found(make_repo: MakeRepo) -> None:
    repo = make_repo({"mypkg/__init__.py": CODE, "mypkg/tests/test_add.py": TEST.format(module="mypkg")})
    assert train_args(repo) == ["mypkg/tests"]
    assert collects(repo)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("pyproject.toml", '[tool.pytest.ini_options]\ntestpaths = ["checks"]\n'),
        ("setup.cfg", "[tool:pytest]\ntestpaths = checks\n"),
        ("tox.ini", "[pytest]\ntestpaths = checks\n"),
        ("pytest.ini", "[pytest]\ntestpaths = checks\n"),
    ],
)
def test_testpaths_are_read_from_every_pytest_config_file(make_repo: MakeRepo, name: str, text: str) -> None:
    repo = make_repo({"calc.py": CODE, "checks/test_add.py": TEST.format(module="calc"), name: text})
    assert pytest_config(repo).file == name
    assert train_args(repo) == ["checks"]
    assert collects(repo)
