"""The ready workflow docs/gate.md gives for pull requests: the project goes into the interpreter the
action runs codefit and the tests with (installed into the runner's system Python, the tests would
miss their dependencies, and a system Python marked externally managed refuses the install)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def workflow() -> dict[str, object]:
    text = (ROOT / "docs" / "gate.md").read_text()
    block = re.search(r"```yaml\n(# \.github/workflows/codefit\.yml\n.*?)```", text, re.S)
    assert block, "docs/gate.md holds no workflow block"
    loaded = yaml.safe_load(block.group(1))
    assert isinstance(loaded, dict)
    return loaded


def test_the_documented_workflow_installs_the_project_where_the_action_runs_its_tests() -> None:
    steps = workflow()["jobs"]["check"]["steps"]  # type: ignore[index]
    kinds = [step.get("uses", "").split("@")[0] for step in steps]  # "" for a `run` step
    setup = kinds.index("actions/setup-python")
    install = next(i for i, step in enumerate(steps) if "pip install" in step.get("run", ""))
    ours = kinds.index("OWNER/codefit")
    assert kinds[0] == "actions/checkout" and setup < install < ours
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert steps[setup]["with"]["python-version"] == action["inputs"]["python-version"]["default"]
    assert steps[0]["with"]["fetch-depth"] == 0  # the base commit must be there
