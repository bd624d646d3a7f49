"""A module named like the standard library shadows it only where it imports by its bare name:
`jaraco/functools/__init__.py` in a namespace package does not (jaraco.functools was rolled back on
every honest step), `tests/functools.py` beside test modules and `functools.py` at the root do."""

from __future__ import annotations

from pathlib import Path

from codefit.workspace.pristine import is_harness_sensitive


def make(root: Path, files: list[str]) -> None:
    for rel in files:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("")


def test_a_namespace_package_module_is_not_a_shadow(tmp_path: Path) -> None:
    make(tmp_path, ["jaraco/functools/__init__.py", "test_functools.py"])
    assert not is_harness_sensitive("jaraco/functools/__init__.py", tmp_path)


def test_bare_name_folders_still_shadow(tmp_path: Path) -> None:
    make(
        tmp_path,
        [
            "functools.py",
            "tests/test_x.py",
            "tests/json.py",
            "src/inspect.py",
            "suite/__init__.py",
            "suite/unit/__init__.py",
            "suite/unit/test_y.py",
            "pkgs/json/__init__.py",
        ],
    )
    assert is_harness_sensitive("functools.py", tmp_path)
    assert is_harness_sensitive("tests/json.py", tmp_path)
    assert is_harness_sensitive("src/inspect.py", tmp_path)
    assert not is_harness_sensitive("pkgs/json/__init__.py", tmp_path)  # pkgs/ holds no tests
