"""The allow-list's rules, without starting bubblewrap: which path decides, where mounts go."""

from __future__ import annotations

from pathlib import Path

from codefit.workspace.sandbox_mounts import Mount, View, hidden_set, plan, program_paths
from tests.conftest import run_git


def _dests(mounts: list[Mount], kind: str) -> list[Path]:
    return [m.dest for m in mounts if m.kind == kind]


def test_hiding_wins_at_the_same_path_and_the_more_specific_path_decides(tmp_path: Path) -> None:
    shown, inner = tmp_path / "shown", tmp_path / "shown" / "secret" / "tool"
    inner.mkdir(parents=True)
    (tmp_path / "tree").mkdir()
    mounts = plan(
        View(
            tree=tmp_path / "tree",
            readable=(shown, shown / "secret", inner),
            hidden=(shown / "secret",),
        )
    )
    order = [(m.kind, m.dest) for m in mounts]
    assert order.index(("ro", shown)) < order.index(("hide", shown / "secret")) < order.index(("ro", inner))
    assert ("ro", shown / "secret") not in order  # shown and hidden at once: hidden


def test_a_hidden_path_shown_nowhere_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "tree").mkdir()
    (tmp_path / "elsewhere").mkdir()
    assert _dests(plan(View(tree=tmp_path / "tree", hidden=(tmp_path / "elsewhere",))), "hide") == []


def test_a_shown_path_inside_the_repository_goes_inside_the_tree_unless_the_tree_has_it(
    tmp_path: Path,
) -> None:
    repo, tree = tmp_path / "repo", tmp_path / "tree"
    for folder in (repo / ".venv", repo / "src", tree / "src"):
        folder.mkdir(parents=True)
    (tree / "src" / "m.py").write_text("x = 1\n")
    mounts = plan(View(tree=tree, readable=(repo / ".venv", repo / "src"), hidden=(repo,), also_at=(repo,)))
    assert Mount("ro", tree / ".venv", repo / ".venv") in mounts
    assert not any(m.source == repo / "src" for m in mounts)  # the tree's own src is what is shown
    assert mounts[-1] == Mount("link", repo, tree)
    assert _dests(mounts, "hide") == []  # nothing is hidden inside the tree's own view


def test_the_repository_inside_a_shown_folder_gets_the_tree_bound_over_it(tmp_path: Path) -> None:
    shown, tree = tmp_path / "opt", tmp_path / "tree"
    (shown / "repo").mkdir(parents=True)
    tree.mkdir()
    mounts = plan(View(tree=tree, readable=(shown,), hidden=(shown / "repo",), also_at=(shown / "repo",)))
    assert mounts[-1] == Mount("rw", shown / "repo", tree.resolve())


def test_a_heldout_path_brings_its_whole_git_repository_into_the_hidden_set(tmp_path: Path) -> None:
    holder = tmp_path / "holder"
    (holder / "tests" / "hidden").mkdir(parents=True)
    run_git(holder, "init", "-q")
    hidden = (holder / "tests" / "hidden").resolve()
    assert hidden_set([holder / "tests" / "hidden"]) == [holder.resolve(), hidden]
    assert hidden_set([holder / ".git"]) == [(holder / ".git").resolve()]  # a .git alone stands for itself


def test_an_npm_cli_shows_its_whole_node_modules_and_a_venv_script_its_environment(tmp_path: Path) -> None:
    modules = tmp_path / "npm" / "node_modules"
    native = modules / "@scope" / "cli" / "bin"
    native.mkdir(parents=True)
    (modules / ".bin").mkdir()
    (native / "cli.js").write_text("#!/usr/bin/env node\n")
    (modules / ".bin" / "cli").symlink_to(native / "cli.js")
    assert modules in program_paths(modules / ".bin" / "cli")
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (venv / "bin" / "tool").write_text(f"#!{venv}/bin/python\n")
    assert venv in program_paths(venv / "bin" / "tool")
    assert Path.home() not in program_paths(Path.home() / "tool")
