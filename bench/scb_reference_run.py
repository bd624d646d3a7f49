"""Run a real SlopCodeBench problem through codefit with its reference solutions as the agent.

    python bench/scb_reference_run.py PATH/TO/slop-code-bench/problems/etl_pipeline [--steps 1]

Imports the problem (`codefit tasks import-scb`) into a temporary folder, writes a scripted agent
that lays `solutions/checkpoint_K/` (its tests left out) when codefit's task names checkpoint K,
trains every checkpoint and prints the checkpoints table. What the reference solutions fail is
what the import (or the machine: a test dependency not installed) does not reproduce. The leakage
guard only warns here: a reference solution shares literals (messages, schemas) with the tests
by construction, and an undone step would measure the guard, not the import.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from rich.console import Console

from codefit.checkpoints.command import print_series
from codefit.checkpoints.scb import import_problem, read_problem
from codefit.checkpoints.series import fit_series
from codefit.config import load_config
from codefit.store import Store
from codefit.workspace.git import git

AGENT = """
import json, os, re
from pathlib import Path
SOLUTIONS = json.loads(Path({data!r}).read_text())
task = Path(os.environ["CODEFIT_TASK_FILE"]).read_text()
name = "checkpoint_" + re.search(r"Checkpoint (\\d+) of", task).group(1)
for rel, text in SOLUTIONS[name].items():
    Path(rel).parent.mkdir(parents=True, exist_ok=True)
    Path(rel).write_text(text)
"""


def solutions(problem: Path) -> dict[str, dict[str, str]]:
    out = {}
    for name in read_problem(problem).ordered():
        root = problem / "solutions" / name
        out[name] = {
            p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(root.rglob("*"))
            if p.is_file()
            and "tests" not in p.relative_to(root).parts
            and p.suffix in (".py", ".json", ".txt")
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("problem", type=Path)
    parser.add_argument("--steps", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="codefit-scb-") as tmp:
        root = Path(tmp)
        os.environ.setdefault("CODEFIT_WORKDIR", str(root / "workdir"))
        data = root / "solutions.json"
        data.write_text(json.dumps(solutions(args.problem.resolve())))
        agent = root / "agent.py"
        agent.write_text(AGENT.format(data=str(data)))
        optimizer = {"kind": "command", "command": f'"$CODEFIT_PYTHON" {agent} {data}'}
        repo = import_problem(
            args.problem.resolve(),
            root / "task",
            python=sys.executable,
            optimizer=optimizer,
            max_steps=args.steps,
        )
        with (repo / "codefit.toml").open("a", encoding="utf-8") as config:
            config.write('\n[guards.policy]\nleakage = "warn"\n')
        git(repo, "commit", "-q", "-am", "reference run: leakage only warns")
        series = fit_series(load_config(repo), Store.for_repo(repo))
        print_series(Console(width=200), series)


if __name__ == "__main__":
    main()
