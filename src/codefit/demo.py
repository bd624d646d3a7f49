"""`codefit demo`: set a bundled example up as a fresh git repository, with its held-out tests beside it."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from codefit.errors import ConfigError
from codefit.workspace.git import git

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
DEFAULT_EXAMPLE = "wrong_variable"


def examples_dir() -> Path:
    if not EXAMPLES_DIR.is_dir():
        raise ConfigError(
            "the bundled examples are not here; run codefit from its source checkout", where=str(EXAMPLES_DIR)
        )
    return EXAMPLES_DIR


def example_names() -> list[str]:
    return sorted(p.name for p in examples_dir().iterdir() if (p / "repo").is_dir())


def prepare_example(name: str | None, directory: Path | None) -> Path:
    """Copy `examples/NAME/repo` into a new git repository and `hidden/` beside it; return the repo."""
    names = example_names()
    name = name or (DEFAULT_EXAMPLE if DEFAULT_EXAMPLE in names else names[0])
    if name not in names:
        raise ConfigError(f"no example {name!r}; `codefit demo --list` lists them")
    source = examples_dir() / name
    root = (directory or Path(tempfile.mkdtemp(prefix="codefit-demo-"))).resolve() / name
    if root.exists():
        raise ConfigError("already exists; choose another --dir", where=str(root))
    shutil.copytree(source / "repo", root / "repo")
    if (source / "hidden").is_dir():
        shutil.copytree(source / "hidden", root / "hidden")
    repo = root / "repo"
    (repo / ".gitignore").write_text(".codefit/\n__pycache__/\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"example {name}")
    return repo
