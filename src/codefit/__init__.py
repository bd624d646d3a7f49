"""codefit: the Keras of agentic coding.

Train a codebase against a spec: visible tests as the train split, agent-blind held-out tests
as validation, sealed tests run once at the end, with every step recorded.
"""

from typing import TYPE_CHECKING

from codefit.api import Codebase
from codefit.harness.callbacks import Budget, Callback, EarlyStopping
from codefit.spec import FeedbackLevel, Spec, Split

__all__ = ["Budget", "Callback", "Codebase", "EarlyStopping", "FeedbackLevel", "History", "Spec", "Split"]
__version__ = "0.1.0"

if TYPE_CHECKING:
    from codefit.harness.loop import History


def __getattr__(name: str) -> object:
    """`codefit.History`, loaded on first use: the loop's modules cost every command startup time."""
    if name == "History":
        from codefit.harness.loop import History

        return History
    raise AttributeError(f"module 'codefit' has no attribute {name!r}")
