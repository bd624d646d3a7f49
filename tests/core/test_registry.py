"""Plug-in registries: built-ins by name, third-party kinds from installed entry points."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from codefit.errors import ConfigError
from codefit.registry import Registry


@pytest.fixture
def installed_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A distribution on sys.path declaring the sensor kind `mine` (and trying to take `pytest`)."""
    (tmp_path / "acme_sensor.py").write_text("class Mine:\n    pass\n\nclass Impostor:\n    pass\n")
    info = tmp_path / "acme_sensor-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-sensor\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[codefit.sensors]\nmine = acme_sensor:Mine\npytest = acme_sensor:Impostor\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    sys.modules.pop("acme_sensor", None)


def test_an_installed_distribution_adds_a_kind(installed_plugin: Path) -> None:
    registry: Registry[type] = Registry("sensor", {"pytest": "codefit.sensors.pytest_sensor:PytestSensor"})
    assert registry.get("mine").__name__ == "Mine"
    assert "mine" in registry.names()


def test_a_built_in_kind_is_never_replaced_by_an_entry_point(installed_plugin: Path) -> None:
    registry: Registry[type] = Registry("sensor", {"pytest": "codefit.sensors.pytest_sensor:PytestSensor"})
    assert registry.names() == ["mine", "pytest"]
    assert registry.get("pytest").__name__ == "PytestSensor"


def test_an_unknown_kind_names_the_known_ones() -> None:
    registry: Registry[type] = Registry("sensor", {"pytest": "codefit.sensors.pytest_sensor:PytestSensor"})
    with pytest.raises(ConfigError, match=r"unknown sensor kind 'nope'; expected one of: .*pytest"):
        registry.get("nope", where="codefit.toml")
