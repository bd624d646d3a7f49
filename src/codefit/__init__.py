"""codefit: the Keras of agentic coding.

Train a codebase against a spec: visible tests as the train split, agent-blind held-out tests
as validation, sealed tests run once at the end, with every step recorded.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__all__ = ["Budget", "Callback", "Codebase", "EarlyStopping", "FeedbackLevel", "History", "Spec", "Split"]
__version__ = "0.1.0"

if TYPE_CHECKING:
    from codefit.api import Codebase
    from codefit.harness.callbacks import Budget, Callback, EarlyStopping
    from codefit.harness.loop import History
    from codefit.spec import FeedbackLevel, Spec, Split

# Loaded on first use: every command (and every `import codefit.x`) would otherwise pay for them.
_HOMES = {
    "Codebase": "codefit.api",
    "Budget": "codefit.harness.callbacks",
    "Callback": "codefit.harness.callbacks",
    "EarlyStopping": "codefit.harness.callbacks",
    "History": "codefit.harness.loop",
    "FeedbackLevel": "codefit.spec",
    "Spec": "codefit.spec",
    "Split": "codefit.spec",
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'codefit' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
