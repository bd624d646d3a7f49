"""Each sub-run of a phased run continues the codebase but not the agent's session (a context
reset): a replay takes the session it is given, `{}` for a fresh one."""

from pathlib import Path
from typing import Any, ClassVar

from codefit.api import Codebase
from codefit.harness.loop import Trainer
from codefit.optimizers.base import StepResult, StepState, StepStatus
from codefit.records import Options
from codefit.workspace.git import git
from tests.conftest import MakeRepo

CONFIG = """task = "Write it."
max_steps = 1

[[sensors]]
name = "unit"
kind = "command"
command = "true"
"""


class SessionAgent:
    kind: ClassVar[str] = "session-agent"
    options_model: ClassVar[type[Options]] = Options

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    def step(self, state: StepState) -> StepResult:
        self.seen.append(dict(state.session))
        (Path(state.workspace) / f"step{len(self.seen)}.txt").write_text("x")
        return StepResult(status=StepStatus.EDITED, session={"agent_session": f"s{len(self.seen)}"})


def test_a_replay_keeps_the_session_unless_given_a_fresh_one(make_repo: MakeRepo) -> None:
    repo = make_repo({"codefit.toml": CONFIG})
    agent = SessionAgent()
    codebase = Codebase(repo).compile(optimizer=agent)
    first = codebase.fit()
    Trainer(codebase.plan, codebase.store).replay(first.run_id, 1)
    fresh = Trainer(codebase.plan, codebase.store).replay(first.run_id, 1, session={})
    assert agent.seen == [{}, {"agent_session": "s1"}, {}]
    # The fresh replay still starts from the codebase the first run left.
    assert "step1.txt" in git(repo, "ls-tree", "--name-only", fresh.branch or "")
