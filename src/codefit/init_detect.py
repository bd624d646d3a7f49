"""What `codefit init` reads of a project before writing its config: the layout (src or flat, tests
inside the package) and the pytest configuration (pyproject.toml, setup.cfg, tox.ini, pytest.ini)."""

from __future__ import annotations

import configparser
import shlex
import tomllib
from dataclasses import dataclass
from pathlib import Path

# pytest's own order: the first file that holds a pytest section is the configuration.
INI_SECTIONS = (
    ("pytest.ini", "pytest"),
    ("pyproject.toml", ""),
    ("tox.ini", "pytest"),
    ("setup.cfg", "tool:pytest"),
)


@dataclass(frozen=True)
class PytestConfig:
    """The project's pytest configuration, where it has one."""

    file: str = ""
    testpaths: tuple[str, ...] = ()
    pythonpath: tuple[str, ...] = ()


def pytest_config(repo: Path) -> PytestConfig:
    for name, section in INI_SECTIONS:
        path = repo / name
        if not path.is_file():
            continue
        values = _pyproject(path) if name == "pyproject.toml" else _ini(path, section)
        if values is not None:
            return PytestConfig(name, _words(values.get("testpaths")), _words(values.get("pythonpath")))
    return PytestConfig()


def src_packages(repo: Path) -> list[str]:
    """Importable names under src/ (a src layout): packages and single modules."""
    src = repo / "src"
    if not src.is_dir():
        return []
    dirs = [p for p in src.iterdir() if p.is_dir() and not p.name.endswith(".egg-info")]
    names = [p.name for p in dirs if _is_package(p)]
    names += [p.stem for p in src.glob("*.py")]
    return sorted(names)


def _is_package(path: Path) -> bool:
    """A regular package, or a namespace package holding Python files."""
    return (path / "__init__.py").exists() or any(path.rglob("*.py"))


def _pyproject(path: Path) -> dict[str, object] | None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
    section = data.get("tool", {}).get("pytest", {}).get("ini_options")
    return dict(section) if isinstance(section, dict) else None


def _ini(path: Path, section: str) -> dict[str, object] | None:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return None
    return dict(parser[section]) if parser.has_section(section) else None


def _words(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    if isinstance(value, str):
        return tuple(shlex.split(value))
    return ()
