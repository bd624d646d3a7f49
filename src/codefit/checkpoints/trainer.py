"""The ordinary Trainer, with one checkpoint's starting tree laid before its base commit."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from codefit.harness.callbacks import Callback
from codefit.harness.loop import Trainer
from codefit.harness.plan import RunPlan
from codefit.store import Store


class CheckpointTrainer(Trainer):
    """A Trainer whose workspace starts from `lay(tree)`: the previous checkpoint's end, this
    checkpoint's visible tests, no later checkpoint's. The loop itself is untouched."""

    def __init__(
        self, plan: RunPlan, store: Store, callbacks: Sequence[Callback], lay: Callable[[Path], None]
    ) -> None:
        super().__init__(plan, store, callbacks)
        self._lay = lay

    def _plant_canaries(self, tree: Path) -> None:
        # The Trainer's hook on the tree before its base commit (Workspace.create's `prepare`).
        self._lay(tree)
        super()._plant_canaries(tree)


def lay_tree(dest: Path, carried: Path | None, own_tests: Sequence[str], future_tests: Sequence[str]) -> None:
    """Make `dest` (the repository's files) the checkpoint's starting tree: `carried` (the tree
    the previous checkpoint ended on) when there is one, plus this checkpoint's visible tests as
    the repository has them, minus every later checkpoint's visible tests."""
    with tempfile.TemporaryDirectory(prefix="codefit-lay-") as tmp:
        keep = Path(tmp)
        for rel in own_tests:
            if (dest / rel).exists():
                (keep / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.move(dest / rel, keep / rel)
        if carried is not None:
            for child in dest.iterdir():
                _remove(child)
            shutil.copytree(carried, dest, symlinks=True, dirs_exist_ok=True)
        for rel in [*future_tests, *own_tests]:
            _remove(dest / rel)
        for rel in own_tests:
            if (keep / rel).exists():
                (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.move(keep / rel, dest / rel)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.is_symlink() or path.exists():
        path.unlink()
