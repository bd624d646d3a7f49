"""Every bundled example is a complete, loadable task with visible and held-out tests."""

import ast
from pathlib import Path

import pytest

from codefit.checkpoints.plan import checkpoint_config
from codefit.config import load_config
from codefit.spec import Split

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NAMES = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())


def test_there_are_at_least_twelve_examples_and_three_overfitting_ones() -> None:
    assert len(NAMES) >= 12
    assert len([n for n in NAMES if n.startswith("overfit_")]) >= 3


@pytest.mark.parametrize("name", NAMES)
def test_example_is_well_formed(name: str) -> None:
    repo = EXAMPLES / name / "repo"
    loaded = load_config(repo)
    sensors = list(loaded.build_spec().sensors)
    for i in range(len(loaded.config.checkpoints)):  # a checkpoint's run has its own held-out splits
        sensors += checkpoint_config(loaded, i).build_spec().sensors
    splits = {s.settings.split for s in sensors}
    assert splits == {Split.TRAIN, Split.VALIDATION, Split.TEST}
    # Repair examples use the built-in search; the drift example scripts a reward-hacking agent.
    assert loaded.config.optimizer.kind in ("search", "command")
    assert loaded.task_text.strip()
    modules = [p for p in repo.glob("*.py")]
    # A phased example starts from no code: its generator writes the package.
    assert modules or loaded.config.phases, "a flat module at the repo root"
    for path in [*modules, *repo.glob("tests/test_*.py"), *(EXAMPLES / name / "hidden").rglob("*.py")]:
        ast.parse(path.read_text(), filename=str(path))
    # A checkpoints example keeps each checkpoint's held-out tests in hidden/NAME/validation and /test.
    assert list((EXAMPLES / name / "hidden").glob("**/validation/test_*.py"))
    assert list((EXAMPLES / name / "hidden").glob("**/test/test_*.py"))
