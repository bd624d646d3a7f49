"""`codefit init`: a commented starter config, written after looking at the repository."""

from __future__ import annotations

from pathlib import Path

from codefit.config import CONFIG_FILE
from codefit.errors import ConfigError
from codefit.init_detect import PytestConfig, pytest_config, src_packages
from codefit.testfiles import TEST_DIRS


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


def train_args(repo: Path, tests: str, pytest: PytestConfig) -> tuple[list[str], list[str]]:
    """The train sensor's pytest arguments and the comment lines that explain them.

    A src layout needs src/ on the path: the code under test cannot see an editable install that
    points into the user's checkout (the sandbox hides it), so `-o pythonpath=src` is added unless
    the pytest config already sets `pythonpath`. The config's `testpaths` are the tests to run."""
    notes = [f"# Found your pytest configuration in {pytest.file}." if pytest.file else ""]
    paths = list(pytest.testpaths) or [tests]
    args: list[str] = []
    packages = src_packages(repo)
    if packages and not pytest.pythonpath:
        args += ["-o", "pythonpath=src"]
        notes.append(f"# A src layout ({', '.join(packages)}): src/ is put on the tests' import path.")
    return [*args, *paths], [n for n in notes if n]


def protected_globs(tests: str, sources: list[str]) -> list[str]:
    """The tests' folder; only the test files in it where the folder is the package under test too
    (iso8601/test_iso8601.py beside iso8601/iso8601.py: protecting the folder made every fix an alert)."""
    if tests == ".":
        return ["test_*.py"]
    if f"{tests}/**" not in sources:
        return [f"{tests}/**"]
    return [f"{tests}/**/test_*.py", f"{tests}/**/*_test.py", f"{tests}/**/conftest.py"]


def args_text(args: list[str]) -> str:
    return ", ".join(f'"{a}"' for a in args)


def starter_config(repo: Path) -> str:
    tests = find_tests(repo)
    tests_arg = tests or "tests"
    sources = find_sources(repo)
    protected = ", ".join(f'"{g}"' for g in protected_globs(tests_arg, sources))
    found = f"# Found your tests in {tests_arg}/." if tests else "# No tests folder found: set `args` below."
    writable = ", ".join(f'"{w}"' for w in sources)
    args, notes = train_args(repo, tests_arg, pytest_config(repo))
    found = "\n".join([found, *notes])
    prefix = args[:2] if args[:2] == ["-o", "pythonpath=src"] else []
    holdout_args = f"\n# args = [{args_text([*prefix, '.codefit-heldout/holdout'])}]" if prefix else ""
    final_args = f"\n# args = [{args_text([*prefix, '.codefit-heldout/final'])}]" if prefix else ""
    return f"""# codefit configuration: the spec (loss) your codebase is trained against.
# Docs: README.md. Every key is checked; a typo is an error naming the key.

# The task given to the optimizer: prose, or a path to a file with it.
task = "Make the failing tests pass without changing the tests."

# What the optimizer may change, and what raises an alert when changed.
writable = [{writable}]
protected = [{protected}]

max_steps = 5

# The interpreter that runs your tests: the repository's .venv (or venv) when there is one, else
# the active virtual environment's ($VIRTUAL_ENV), else codefit's own. A path relative to this
# folder, or a name on PATH:
# python = ".venv/bin/python"

# Train split: visible to the optimizer, rendered into its feedback in full.
{found}
[[sensors]]
name = "unit"
kind = "pytest"
args = [{args_text(args)}]
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
# budget = 5            # queries per run{holdout_args}

# Test split: run once at the end on the chosen checkpoint; never feeds back.
# [[sensors]]
# name = "final"
# kind = "pytest"
# path = "../{repo.name}-heldout/test"
# split = "test"{final_args}

[optimizer]
kind = "search"         # search | command | claude-code | codex | aider | openai
"""


def write_starter_config(repo: Path, *, force: bool = False) -> Path:
    target = repo / CONFIG_FILE
    if target.exists() and not force:
        raise ConfigError("already exists; pass --force to overwrite it", where=str(target))
    target.write_text(starter_config(repo), encoding="utf-8")
    return target
