"""SlopCodeBench problems as codefit checkpoint tasks (`codefit tasks import-scb`).

A SlopCodeBench problem (github.com/SprocketLab/slop-code-bench, `problems/<name>/`) is
`config.yaml` (name, description, entry_file, timeout, `checkpoints: {checkpoint_N: {order,
include_prior_tests, ...}}`, test_dependencies, static_assets), one `checkpoint_N.md` spec per
checkpoint, and `tests/` (`conftest.py` adding the required `--entrypoint` and `--checkpoint`
options, `test_checkpoint_N.py`, data). Its tests are hidden from the agent, which gets the specs.

Imported, it becomes `OUT/repo` (a git repository holding the shared description as TASK.md, the
specs under `checkpoints/`, a codefit.toml with one `[[checkpoints]]` each) and `OUT/hidden/<N>`
(the tests with checkpoint N's test file and no other). Checkpoint N's validation split is its
core tests (unmarked: not `functionality`, not `error`), its test split all of them, both run as
SlopCodeBench runs them: `pytest --entrypoint="PYTHON ENTRY.py" --checkpoint=checkpoint_N`.
Prior checkpoints' tests are graded at every later checkpoint's end (codefit's forgetting), where
SlopCodeBench runs them as regression tests.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from codefit.errors import ConfigError
from codefit.extras import require
from codefit.workspace.git import git

CORE_ONLY = "not functionality and not error"


class ScbCheckpoint(BaseModel):
    model_config = ConfigDict(extra="allow")

    order: int
    version: int = 1
    state: str | None = None
    timeout: int | None = None
    include_prior_tests: bool = True


class ScbProblem(BaseModel):
    """The fields of a problem's config.yaml that an import needs (others are kept out)."""

    model_config = ConfigDict(extra="allow")

    name: str
    entry_file: str
    description: str = ""
    timeout: int = 30
    checkpoints: dict[str, ScbCheckpoint] = Field(min_length=1)
    test_dependencies: list[str] = Field(default_factory=list)
    static_assets: dict[str, Any] = Field(default_factory=dict)

    def ordered(self) -> list[str]:
        return sorted(self.checkpoints, key=lambda name: self.checkpoints[name].order)

    def entry(self) -> str:
        """The entry file the agent writes (`migrate` -> `migrate.py`, as its environments format it)."""
        return self.entry_file if self.entry_file.endswith(".py") else f"{self.entry_file}.py"


def read_problem(problem: Path) -> ScbProblem:
    """Parse and check `problem/config.yaml` and the files it names; one clear error naming what."""
    require("importing a SlopCodeBench problem", "yaml")
    import yaml  # type: ignore[import-untyped]

    config = problem / "config.yaml"
    if not config.is_file():
        raise ConfigError("not a SlopCodeBench problem: no config.yaml", where=str(problem))
    try:
        data = yaml.safe_load(config.read_text(encoding="utf-8"))
        parsed = ScbProblem.model_validate(data)
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}", where=str(config)) from None
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"key {key!r}: {err['msg']}", where=str(config)) from None
    if parsed.static_assets:
        raise ConfigError(
            "key 'static_assets': problems with static assets are not supported by the import yet",
            where=str(config),
        )
    for name in parsed.ordered():
        for needed in (problem / f"{name}.md", problem / "tests" / f"test_{name}.py"):
            if not needed.is_file():
                raise ConfigError(
                    f"checkpoint {name!r} has no {needed.relative_to(problem)}", where=str(problem)
                )
    return parsed


def import_problem(
    problem: Path,
    out: Path,
    *,
    python: str = sys.executable,
    optimizer: dict[str, Any] | None = None,
    max_steps: int = 5,
) -> Path:
    """Write the codefit task for `problem` under `out` (new or empty); returns its repository."""
    import tomli_w

    parsed = read_problem(problem)
    if out.exists() and any(out.iterdir()):
        raise ConfigError("the output folder is not empty", where=str(out))
    repo, hidden = out / "repo", out / "hidden"
    (repo / "checkpoints").mkdir(parents=True)
    names = parsed.ordered()
    for name in names:
        shutil.copy2(problem / f"{name}.md", repo / "checkpoints" / f"{name}.md")
        _copy_tests(
            problem / "tests", hidden / name, keep=f"test_{name}.py", drop={f"test_{n}.py" for n in names}
        )
    (repo / "TASK.md").write_text(_task_text(parsed), encoding="utf-8")
    config = _config(parsed, python, optimizer or {"kind": "claude-code"}, max_steps)
    (repo / "codefit.toml").write_text(tomli_w.dumps(config), encoding="utf-8")
    (repo / ".gitignore").write_text(".codefit/\n__pycache__/\n", encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"SlopCodeBench problem {parsed.name}")
    return repo


def _config(parsed: ScbProblem, python: str, optimizer: dict[str, Any], max_steps: int) -> dict[str, Any]:
    entrypoint = f"--entrypoint={python} {parsed.entry()}"
    return {
        "task": "TASK.md",
        "writable": ["**"],
        "protected": ["checkpoints/**", "TASK.md", "codefit.toml"],
        "max_steps": max_steps,
        "sensors": [
            {"name": "quality", "kind": "quality", "gate": False, "weight": 0.0},
        ],
        "checkpoints": [
            {
                "name": name,
                "task": f"checkpoints/{name}.md",
                "validation": f"../hidden/{name}",
                "test": f"../hidden/{name}",
                "args": [entrypoint, f"--checkpoint={name}"],
                "validation_args": ["-m", CORE_ONLY],
            }
            for name in parsed.ordered()
        ],
        "optimizer": optimizer,
    }


def _task_text(parsed: ScbProblem) -> str:
    return (
        f"# {parsed.name}\n\n{parsed.description.strip()}\n\n"
        f"Write the program as `{parsed.entry()}` at the root of the repository; it is run as "
        f"`python {parsed.entry()} ARGS...`. Each checkpoint below extends the specification; "
        "what earlier checkpoints asked for must keep working.\n"
    )


def _copy_tests(tests: Path, dest: Path, *, keep: str, drop: set[str]) -> None:
    """The problem's tests folder with `keep` as its only checkpoint test file."""
    skipped = drop - {keep}
    shutil.copytree(
        tests,
        dest,
        ignore=lambda _folder, names: [
            n for n in names if n in skipped or n in ("__pycache__", ".pytest_cache")
        ],
    )
