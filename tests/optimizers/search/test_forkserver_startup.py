"""A fork server stuck collecting gives up within the step's time budget, saying collection hung."""

from __future__ import annotations

import os
import sys

import pytest

from codefit.errors import OptimizerError
from codefit.optimizers.base import StepStatus
from codefit.optimizers.search.evaluator import ForkServer, Limits
from codefit.optimizers.search.optimizer import SearchOptimizer, SearchOptions
from tests.conftest import MakeRepo

from .test_optimizer import state_for

HANGS = "import time\ntime.sleep(120)\n\ndef test_add():\n    assert False\n"


def test_the_server_waits_for_collection_no_longer_than_its_startup_limit(make_repo: MakeRepo) -> None:
    repo = make_repo({"calc.py": "x = 1\n", "tests/test_calc.py": HANGS})
    server = ForkServer(repo, sys.executable, dict(os.environ), ["tests"], limits=Limits(startup_s=1))
    with pytest.raises(OptimizerError, match=r"collection hung: .* in 1s"):
        server.start()
    assert server._proc is None, "the hung server was ended"


def test_the_search_step_spends_its_own_time_budget_on_a_hung_collection(make_repo: MakeRepo) -> None:
    repo = make_repo({"calc.py": "x = 1\n", "tests/test_calc.py": HANGS})
    result = SearchOptimizer(SearchOptions(step_seconds=1, workers=1)).step(state_for(repo))
    assert result.status == StepStatus.ERROR
    assert result.error is not None and "collection hung" in result.error and "in 1s" in result.error
