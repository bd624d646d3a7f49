"""The real aider inside codefit's loop (`Codebase.fit`), its chat files in a package folder: the
edit lands in the sandboxed workspace and the run meets the spec."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from codefit.api import Codebase
from codefit.optimizers.agents.codex_args import toml_value

from .aider_support import MODEL, aider_home, search_replace
from .server import ModelServer

pytestmark = pytest.mark.skipif(
    subprocess.run(["bwrap", "--version"], capture_output=True).returncode != 0, reason="needs bubblewrap"
)
FILES = {
    "pkg/calc.py": "def add(a, b):\n    return a - b\n",
    "pkg/__init__.py": "",
    "tests/test_calc.py": "from pkg.calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n",
}


def test_fit_with_the_real_aider_edits_a_package_file_and_meets_the_spec(
    aider_binary: Path, model_server: ModelServer, make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    optimizer = {
        "kind": "aider",
        "binary": str(aider_binary),
        "model": MODEL,
        "files": ["pkg/calc.py"],
        "allow_hosts": [model_server.host],
        "env": {"OPENAI_API_BASE": model_server.url + "/v1", "OPENAI_API_KEY": "sk-scripted"},
        "sandbox_ro": [str(p) for p in aider_home(aider_binary)],
        "state_dir": str(tmp_path / "aider-state"),
        "timeout": 180,
    }
    toml = (
        'task = "Make add() return the sum of its arguments."\nwritable = ["pkg/**"]\n\n'
        '[[sensors]]\nname = "unit"\nkind = "pytest"\nargs = ["tests"]\n\n[optimizer]\n'
        + "".join(f"{key} = {toml_value(value)}\n" for key, value in optimizer.items())
    )
    repo = make_repo({**FILES, "codefit.toml": toml}, name="repo-aider")
    # aider, rooted at the workspace, names the file pkg/calc.py (not calc.py, as it did without git)
    model_server.add(search_replace("pkg/calc.py", "    return a - b", "    return a + b"))
    history = Codebase(repo).compile().fit(steps=1)

    step = history.steps[-1]
    assert history.met and (step["status"], step["train_score"]) == ("edited", 1.0), step
    assert step["cost_usd_total"] == pytest.approx((1000 * 2.5 + 50 * 10.0) / 1e6)
