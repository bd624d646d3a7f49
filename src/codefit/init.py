"""`codefit init`: a commented starter config, written after looking at the repository."""

from __future__ import annotations

from pathlib import Path

from codefit.config import CONFIG_FILE
from codefit.errors import ConfigError

TEST_DIRS = ("tests", "test", "testing")


def find_tests(repo: Path) -> str | None:
    """The repository's tests folder, or the folder holding its first test file."""
    for name in TEST_DIRS:
        if (repo / name).is_dir():
            return name
    for path in sorted(repo.rglob("test_*.py")):
        rel = path.relative_to(repo)
        if not any(part.startswith(".") or part in ("venv", ".venv", "node_modules") for part in rel.parts):
            return str(rel.parent) if str(rel.parent) != "." else "."
    return None


def find_sources(repo: Path) -> list[str]:
    if (repo / "src").is_dir():
        return ["src/**"]
    packages = sorted(
        p.name
        for p in repo.iterdir()
        if p.is_dir() and (p / "__init__.py").exists() and p.name not in TEST_DIRS
    )
    return [f"{p}/**" for p in packages] or ["*.py"]


def starter_config(repo: Path) -> str:
    tests = find_tests(repo)
    tests_arg = tests or "tests"
    protected = f"{tests_arg}/**" if tests_arg != "." else "test_*.py"
    found = f"# Found your tests in {tests_arg}/." if tests else "# No tests folder found: set `args` below."
    writable = ", ".join(f'"{w}"' for w in find_sources(repo))
    return f"""# codefit configuration: the spec (loss) your codebase is trained against.
# Docs: README.md. Every key is checked; a typo is an error naming the key.

# The task given to the optimizer: prose, or a path to a file with it.
task = "Make the failing tests pass without changing the tests."

# What the optimizer may change, and what raises an alert when changed.
writable = [{writable}]
protected = ["{protected}"]

max_steps = 5

# Train split: visible to the optimizer, rendered into its feedback in full.
{found}
[[sensors]]
name = "unit"
kind = "pytest"
args = ["{tests_arg}"]
split = "train"
# test_timeout = 5.0    # a hard limit per test; unset: 10x the baseline's slowest test, at least 10 s

# Validation split: agent-blind held-out tests, queried only when every train gate passes.
# Keep them OUTSIDE this repository, then uncomment:
# [[sensors]]
# name = "holdout"
# kind = "pytest"
# path = "../{repo.name}-heldout/validation"
# split = "validation"
# feedback = "verdict"  # none | verdict | score | names | full
# budget = 5            # queries per run

# Test split: run once at the end on the chosen checkpoint; never feeds back.
# [[sensors]]
# name = "final"
# kind = "pytest"
# path = "../{repo.name}-heldout/test"
# split = "test"

[optimizer]
kind = "search"         # search | command | claude-code | codex | aider | openai
"""


def write_starter_config(repo: Path, *, force: bool = False) -> Path:
    target = repo / CONFIG_FILE
    if target.exists() and not force:
        raise ConfigError("already exists; pass --force to overwrite it", where=str(target))
    target.write_text(starter_config(repo), encoding="utf-8")
    return target
