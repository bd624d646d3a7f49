"""The held-out tests' text, read once per run for the leakage guard (never shown to the optimizer)."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from codefit.sensors.base import Sensor
from codefit.workspace.grading import materialize_heldout

TEXT_SUFFIXES = (".py", ".txt", ".json", ".toml", ".cfg", ".ini", ".md")


def heldout_texts(sensors: Sequence[Sensor]) -> dict[str, str]:
    """{'<sensor>/<relative path>': text} for every held-out file of the blind splits."""
    texts: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="codefit-heldout-") as tmp:
        for sensor in sensors:
            settings = sensor.settings
            if settings.path is None and settings.sealed is None:
                continue
            root = Path(tmp) / settings.name
            materialize_heldout(settings.model_copy(update={"dest": "."}), root)
            for path in sorted(root.rglob("*")):
                if path.is_file() and path.suffix in TEXT_SUFFIXES:
                    rel = f"{settings.name}/{path.relative_to(root)}"
                    texts[rel] = path.read_text(encoding="utf-8", errors="replace")
    return texts
