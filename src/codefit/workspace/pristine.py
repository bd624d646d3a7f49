"""The pristine grader's clean-up of a candidate tree before held-out tests run in it.

Whatever can change how pytest collects, runs or reports tests is put back as it was in the base
tree: `conftest.py` files, pytest configuration, `*.pth` files, `sitecustomize`/`usercustomize`
and modules that would shadow the standard library or pytest. A file the optimizer added is
removed; a file it changed gets its base text back. Every `__pycache__` directory and `*.pyc`/`*.pyo`
file goes, whatever the base holds: an unchecked-hash pyc is imported instead of its source, so a
committed one would grade code other than the candidate's. Everything else (the code under
grading) stays.
"""

from __future__ import annotations

import configparser
import shutil
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

# Files read by pytest (or by Python at start-up) whose whole text decides how tests run.
CONFIG_FILES = frozenset({"pytest.ini", ".pytest.ini", "pytest.toml", ".pytest.toml"})
STARTUP_MODULES = frozenset({"sitecustomize", "usercustomize"})
TEST_RUNNER_MODULES = frozenset({"pytest", "_pytest", "pluggy", "py", "conftest"})
RUNNER_MODULE_PREFIX = "codefit_pytest_"  # the boot, the reporter, the audit hook, the channel
# Sections of shared config files that belong to pytest; other sections are left alone.
INI_SECTIONS = {"tox.ini": "pytest", "setup.cfg": "tool:pytest"}
SKIPPED_DIRS = frozenset({".git", "__pycache__", ".venv", "venv", "node_modules"})
BYTECODE_SUFFIXES = (".pyc", ".pyo")


def make_pristine(copy: Path, base: Callable[[str], bytes | None]) -> list[str]:
    """Undo in `copy` what can change how tests run; returns the paths it restored or removed."""
    touched = strip_bytecode(copy)
    for path in sorted(_files(copy)):
        rel = path.relative_to(copy).as_posix()
        if not is_harness_sensitive(rel, copy):
            continue
        original = base(rel)
        # A link is never trusted: it may point at anything, inside the copy or out of it.
        if original is not None and not path.is_symlink():
            text = path.read_bytes().decode("utf-8", errors="replace")
            if same_for_pytest(rel, text, original.decode("utf-8", errors="replace")):
                continue
        path.unlink()
        if original is not None:
            path.write_bytes(original)
        touched.append(rel)
    return touched


def strip_bytecode(root: Path) -> list[str]:
    """Remove every `__pycache__` directory and stray bytecode file under `root`."""
    removed: list[str] = []
    for path in sorted(root.rglob("*")):
        if path.name != "__pycache__" and path.suffix not in BYTECODE_SUFFIXES:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.is_symlink() or path.exists():  # not already gone with a removed directory
            path.unlink()
        else:
            continue
        removed.append(path.relative_to(root).as_posix())
    return removed


def is_harness_sensitive(rel: str, root: Path) -> bool:
    """Whether the file at `rel` can change how tests are collected, run or reported."""
    path = Path(rel)
    name, stem = path.name, path.stem
    if name == "conftest.py" or name in CONFIG_FILES or name in INI_SECTIONS or name == "pyproject.toml":
        return True
    if path.suffix in (".pth", ".pyc", ".pyo") and (path.suffix == ".pth" or _top_level(path, root)):
        return True
    if path.suffix != ".py":
        return False
    if stem in STARTUP_MODULES:
        return True
    module = path.parent.name if stem == "__init__" else stem
    importable_dir = path.parent.parent if stem == "__init__" else path.parent
    return shadows_runner(module) and _top_level_dir(importable_dir, root)


def shadows_runner(module: str) -> bool:
    return (
        module in sys.stdlib_module_names
        or module in TEST_RUNNER_MODULES
        or module.startswith(RUNNER_MODULE_PREFIX)
    )


def _top_level(path: Path, root: Path) -> bool:
    return _top_level_dir(path.parent, root)


def _top_level_dir(directory: Path, root: Path) -> bool:
    """Whether modules right in `directory` import by their bare name: the tree's root and `src/`
    (on sys.path in the common layouts), or a folder without `__init__.py` that pytest puts on
    sys.path itself (prepend import mode: the first folder above a test module that is not a
    package). A namespace package's folder (`jaraco/` holding `jaraco/functools/`) is neither."""
    folder = root / directory
    if folder.resolve() in (root.resolve(), (root / "src").resolve()):
        return True
    return not (folder / "__init__.py").exists() and _holds_tests(folder)


def _holds_tests(folder: Path) -> bool:
    """Test modules right here, or inside packages right here (whose tests pytest roots here)."""
    if any(_is_test_module(p) for p in folder.glob("*.py")):
        return True
    return (
        any(
            (sub / "__init__.py").exists() and any(_is_test_module(p) for p in sub.rglob("*.py"))
            for sub in folder.iterdir()
            if sub.is_dir() and not sub.is_symlink()
        )
        if folder.is_dir()
        else False
    )


def _is_test_module(path: Path) -> bool:
    return path.name == "conftest.py" or path.name.startswith("test_") or path.name.endswith("_test.py")


def same_for_pytest(rel: str, text: str, original: str) -> bool:
    """Equal for pytest's purposes: shared config files are compared on their pytest part only."""
    name = Path(rel).name
    if name == "pyproject.toml":
        return _pyproject_pytest(text) == _pyproject_pytest(original)
    if name in INI_SECTIONS:
        section = INI_SECTIONS[name]
        return _ini_section(text, section) == _ini_section(original, section)
    return text == original


def _pyproject_pytest(text: str) -> object:
    try:
        return tomllib.loads(text).get("tool", {}).get("pytest")
    except tomllib.TOMLDecodeError:
        return "<unparsable>"


def _ini_section(text: str, section: str) -> object:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return "<unparsable>"
    return dict(parser[section]) if parser.has_section(section) else None


def _files(root: Path) -> list[Path]:
    out: list[Path] = []
    for path in root.rglob("*"):
        rel_parts = path.relative_to(root).parts
        if any(part in SKIPPED_DIRS for part in rel_parts[:-1]):
            continue
        if path.is_symlink() or path.is_file():
            out.append(path)
    return out
