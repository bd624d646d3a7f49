from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from codefit.config import load_config
from codefit.harness.guides import GuideInput, guide_from_config, render_guide, write_guides

CONFIG = """
task = "TASK.md"
writable = ["calc.py"]
protected = ["tests/**"]

[[sensors]]
name = "unit"
kind = "pytest"
args = ["tests", "-x"]

[[sensors]]
name = "style"
kind = "command"
command = "ruff check ."
"""


def test_guide_from_config_names_task_globs_checks_and_the_flag_exit(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"codefit.toml": CONFIG, "TASK.md": "Make add() return the sum.\n", "calc.py": ""})
    guide = guide_from_config(load_config(repo), mcp=True)
    assert guide.checks == ("python -m pytest tests -x", "ruff check .")
    text = render_guide(guide)
    assert "Make add() return the sum." in text
    assert "- `calc.py`" in text and "- `tests/**`" in text
    assert "`python -m pytest tests -x`" in text
    assert "Do not edit, skip, delete or weaken tests" in text
    assert "CODEFIT_FLAG.md" in text and "flag_contradiction" in text


def test_write_guides_never_overwrites_the_repositorys_own_guide(tmp_path: Path) -> None:
    (tmp_path / "CLAUDE.md").write_text("Use tabs.\n")
    guide = GuideInput(task="t", writable=("**",), protected=(), checks=())
    written = write_guides(tmp_path, guide)
    assert written == ["AGENTS.md", "CLAUDE.local.md"]
    assert (tmp_path / "CLAUDE.md").read_text() == "Use tabs.\n"
    local = (tmp_path / "CLAUDE.local.md").read_text()
    assert local.startswith("# Instructions for this workspace") and local.rstrip().endswith("Use tabs.")
    assert "MCP" not in (tmp_path / "AGENTS.md").read_text()
