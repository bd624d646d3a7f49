"""The pristine grader's clean-up of a candidate tree before held-out tests run in it.

This first version leaves the copy as it is; the guards issue restores the original test
configuration (conftest.py, pytest config, *.pth, sitecustomize, stdlib-shadowing modules).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def make_pristine(copy: Path, base: Callable[[str], str | None]) -> list[str]:
    """Undo in `copy` what can change how tests run; returns the paths it restored or removed."""
    return []
