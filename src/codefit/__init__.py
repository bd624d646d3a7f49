"""codefit: the Keras of agentic coding.

Train a codebase against a spec: visible tests as the train split, agent-blind held-out tests
as validation, sealed tests run once at the end, with every step recorded.
"""

from codefit.api import Codebase
from codefit.harness.callbacks import Budget, Callback, EarlyStopping
from codefit.harness.loop import History
from codefit.spec import FeedbackLevel, Spec, Split

__all__ = ["Budget", "Callback", "Codebase", "EarlyStopping", "FeedbackLevel", "History", "Spec", "Split"]
__version__ = "0.1.0"
