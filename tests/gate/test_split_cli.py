"""`codefit split` from the command line on a small suite: dry run, split, grading, refusal, undo."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

SUITE = """import pytest

from calc import add

CASES = [(1, 1, 2), (2, 2, 4), (3, 3, 6), (4, 4, 8), (5, 5, 10),
         (6, 6, 12), (7, 7, 14), (8, 8, 16), (9, 9, 18), (0, 0, 0)]


@pytest.mark.parametrize(("a", "b", "total"), CASES)
def test_add(a, b, total):
    assert add(a, b) == total


def test_zero():
    assert add(0, 0) == 0
"""


def codefit(repo: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codefit", *args], cwd=repo, capture_output=True, text=True, env=env
    )


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "proj"
    (root / "tests").mkdir(parents=True)
    (root / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    (root / "tests" / "test_calc.py").write_bytes(
        SUITE.replace("\n", "\r\n").encode()
    )  # CRLF: undo is byte-exact
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "x"]):
        subprocess.run(
            cmd,
            cwd=root,
            check=True,
            env={
                "GIT_AUTHOR_NAME": "t",
                "GIT_AUTHOR_EMAIL": "t@t",
                "GIT_COMMITTER_NAME": "t",
                "GIT_COMMITTER_EMAIL": "t@t",
                "PATH": "/usr/bin:/bin",
            },
        )
    return root


def env_for(tmp_path: Path) -> dict[str, str]:
    import os

    return {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")}


def test_dry_run_changes_nothing_and_names_the_moves(repo: Path, tmp_path: Path) -> None:
    proc = codefit(repo, "split", "--dry-run", "--seed", "1", env=env_for(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "-> validation: CASES, row " in proc.stdout and "of its list (from 0)" in proc.stdout
    assert "dry run: nothing changed" in proc.stdout
    assert (
        subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True).stdout
        == ""
    )


def test_a_split_left_empty_by_coarse_units_is_said(repo: Path, tmp_path: Path) -> None:
    """webcolors, `--by file`: 4 modules, `--test 0.1` rounds to none; only `split_validation` was
    written, without a word."""
    proc = codefit(repo, "split", "--by", "file", "--dry-run", env=env_for(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "no unit went to the test split: 0.1 of units this coarse rounds to none" in proc.stdout
    assert "(--by function deals smaller ones)" in proc.stdout


def test_split_grades_held_out_cases_and_undo_restores_bytes(repo: Path, tmp_path: Path) -> None:
    env = env_for(tmp_path)
    original = (repo / "tests" / "test_calc.py").read_bytes()
    out = tmp_path / "held"
    proc = codefit(repo, "split", "--validation", "0.3", "--test", "0.2", "--out", str(out), env=env)
    assert proc.returncode == 0, proc.stderr
    visible = (repo / "tests" / "test_calc.py").read_text()
    held = (out / "validation" / "tests" / "test_calc_validation.py").read_text()
    assert visible.count("), (") + held.count("), (") < original.decode().count("), (")
    graded = codefit(repo, "evaluate", "--split", "validation", "--json", env=env)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    assert '"passed": true' in graded.stdout
    (reading,) = json.loads(graded.stdout)
    assert reading["counts"]["total"] == 3  # round(0.3 x 11 units): the held-out cases, not the visible suite
    again = codefit(repo, "split", "--out", str(tmp_path / "again"), env=env)
    assert again.returncode == 2 and "already split" in again.stderr
    # A module the split planned but left as it was (nothing of it moved) is kept in the record too.
    record = repo / ".codefit" / "split.json"
    manifest = json.loads(record.read_text())
    (repo / "tests" / "test_same.py").write_text("def test_same():\n    pass\n")
    manifest["originals"]["tests/test_same.py"] = base64.b64encode(b"def test_same():\n    pass\n").decode()
    manifest["written"]["tests/test_same.py"] = hashlib.sha256(b"def test_same():\n    pass\n").hexdigest()
    record.write_text(json.dumps(manifest))
    undone = codefit(repo, "split", "--undo", env=env)
    assert undone.returncode == 0, undone.stderr
    assert (repo / "tests" / "test_calc.py").read_bytes() == original
    assert not (repo / "codefit.toml").exists() and not (out / "validation").exists()
    said = undone.stdout.splitlines()
    assert "restored tests/test_calc.py" in said and "removed codefit.toml (the split wrote it)" in said
    assert "restored tests/test_same.py" not in said  # named only where undo changed something
    (repo / "tests" / "test_same.py").unlink()


def test_undo_does_not_overwrite_a_test_edited_since_the_split_unless_forced(
    repo: Path, tmp_path: Path
) -> None:
    env = env_for(tmp_path)
    original = (repo / "tests" / "test_calc.py").read_bytes()
    assert codefit(repo, "split", "--out", str(tmp_path / "held"), env=env).returncode == 0
    edited = (
        repo / "tests" / "test_calc.py"
    ).read_bytes() + b"\r\ndef test_new():\r\n    assert add(2, 3) == 5\r\n"
    (repo / "tests" / "test_calc.py").write_bytes(edited)  # the user's work after the split
    refused = codefit(repo, "split", "--undo", env=env)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "edited since the split: tests/test_calc.py" in refused.stderr and "--force" in refused.stderr
    assert (repo / "tests" / "test_calc.py").read_bytes() == edited and (repo / "codefit.toml").exists()
    forced = codefit(repo, "split", "--undo", "--force", env=env)
    assert forced.returncode == 0, forced.stderr
    assert (repo / "tests" / "test_calc.py").read_bytes() == original


def test_sealed_split_keeps_plaintext_out_of_the_repository(repo: Path, tmp_path: Path) -> None:
    env = env_for(tmp_path)
    proc = codefit(repo, "split", "--seal", env=env)
    assert proc.returncode == 0, proc.stderr
    sealed = list((repo / ".codefit-sealed").glob("*.sealed"))
    assert sealed and b"add(" not in b"".join(p.read_bytes() for p in sealed)
    assert "sealed = " in (repo / "codefit.toml").read_text()
    assert list((tmp_path / "config" / "codefit" / "keys").glob("*.key"))  # the key lives outside the repo
    assert "git-ignored" not in proc.stdout + proc.stderr


def test_a_sealed_file_git_ignores_is_warned_of(repo: Path, tmp_path: Path) -> None:
    """A `.*` rule (tabulate's .gitignore) covers .codefit-sealed: `git add -A` would leave the sealed
    files out of the commit a check reads them from; a negated rule lets them in again."""
    (repo / ".gitignore").write_text(".*\n!.gitignore\n")
    proc = codefit(repo, "split", "--seal", env=env_for(tmp_path))
    assert proc.returncode == 0, proc.stderr
    for split in ("validation", "test"):
        path = f".codefit-sealed/split.{split}.sealed"
        assert f"warning: {path} is git-ignored (.gitignore:1: .*); commit it with `git add -f {path}`" in (
            proc.stdout
        )
    assert codefit(repo, "split", "--undo", env=env_for(tmp_path)).returncode == 0
    (repo / ".gitignore").write_text(".*\n!.gitignore\n!.codefit-sealed/\n")
    again = codefit(repo, "split", "--seal", env=env_for(tmp_path))
    assert again.returncode == 0 and "git-ignored" not in again.stdout, again.stdout


def test_check_grades_both_sealed_splits_in_one_process(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The suite (CRLF line endings) split by `split --seal`, then `check` on a pull request: the
    train split and both blind splits run in two pytest processes, each split with its own verdict;
    an honest change passes, a broken one fails both blind splits."""
    from codefit.gate.check import run_check
    from codefit.sensors.pytest_sensor import PytestSensor

    env = env_for(tmp_path)
    assert codefit(repo, "split", "--validation", "0.3", "--test", "0.2", "--seal", env=env).returncode == 0
    monkeypatch.setenv("XDG_CONFIG_HOME", env["XDG_CONFIG_HOME"])  # where split put the key
    identity = {**env, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t"}
    identity["GIT_COMMITTER_EMAIL"] = "t@t"
    for cmd in (["git", "add", "-A"], ["git", "commit", "-qm", "split"], ["git", "checkout", "-qb", "pr"]):
        subprocess.run(cmd, cwd=repo, check=True, env=identity)
    base = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True
    ).stdout.strip()
    log = tmp_path / "launches.jsonl"  # a file: the train split runs in a forked child
    launch = PytestSensor.launch

    def counted(self: PytestSensor, *args: object) -> object:
        with log.open("a") as out:
            out.write(json.dumps(list(args[2])) + "\n")  # type: ignore[call-overload]
        return launch(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(PytestSensor, "launch", counted)
    for code, honest in (("return b + a", True), ("return a - b", False)):
        (repo / "calc.py").write_text(f"def add(a, b):\n    {code}\n")
        subprocess.run(["git", "commit", "-qam", code], cwd=repo, check=True, env=identity)
        log.unlink(missing_ok=True)
        result = run_check(repo, base, "pr")
        launches = [json.loads(line) for line in log.read_text().splitlines()]
        # Train, the held-out splits together; splits that fail are graded on base too, together.
        assert len(launches) == (2 if honest else 3), launches
        assert sorted(v.split for v in result.heldout) == ["test", "validation"]
        assert [v.passed for v in result.heldout] == [honest, honest]
        assert [v.as_on_base for v in result.heldout] == [None if honest else False] * 2
        assert result.passed == honest, result.reasons()


def tree_bytes(repo: Path) -> dict[Path, bytes]:
    return {
        p: p.read_bytes() for p in repo.rglob("*") if p.is_file() and not {".git", ".codefit"} & set(p.parts)
    }


@pytest.mark.parametrize("stage", ["sealing", "writing the config"])
@pytest.mark.parametrize("second_ctrl_c", [False, True], ids=["rolled back", "rollback cut short"])
def test_a_split_interrupted_midway_leaves_the_suite_as_it_was(
    repo: Path, monkeypatch: pytest.MonkeyPatch, stage: str, second_ctrl_c: bool
) -> None:
    """Ctrl-C while the split writes: it puts back what it changed; a second Ctrl-C during that
    leaves the record of the originals, written before the first change, for `--undo` to finish.
    The held-out cases are never only in a sealed file."""
    from codefit.gate import split

    monkeypatch.setenv("CODEFIT_SEAL_KEY", "qwmVk0bgn5vBIvzJ_5V7cf84R0q-NK0lohpEk2kkJ4U=")
    before = tree_bytes(repo)
    plan = split.plan_split(repo, [repo / "tests"], validation=0.2, test=0.1)

    def ctrl_c(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    if stage == "sealing":
        import codefit.seal

        monkeypatch.setattr(codefit.seal, "seal", ctrl_c)
    else:
        monkeypatch.setattr(split, "_write_config", ctrl_c)
    undo = split.undo_split
    if second_ctrl_c:
        monkeypatch.setattr(split, "undo_split", ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        split.apply_split(repo, plan, out=None, seal=True)
    if second_ctrl_c:
        with pytest.raises(split.SplitError, match="already split"):
            split.apply_split(repo, plan, out=None, seal=True)
        undo(repo)  # what `codefit split --undo` runs
    assert not (repo / split.MANIFEST).exists()
    assert tree_bytes(repo) == before


def test_a_src_layout_suite_split_runs_every_case_with_the_train_sensors_options(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A src layout whose config `codefit init` wrote (`-o pythonpath=src`): the held-out sensors take
    the train sensor's options, so visible and held-out together run every case, each passing; and
    `check` still grades both blind splits in one process."""
    from codefit.gate.check import run_check

    env = env_for(tmp_path)
    identity = {**env, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t"}
    identity["GIT_COMMITTER_EMAIL"] = "t@t"
    (repo / "src" / "calc").mkdir(parents=True)
    subprocess.run(["git", "mv", "calc.py", "src/calc/__init__.py"], cwd=repo, check=True, env=identity)
    assert codefit(repo, "init", env=env).returncode == 0
    assert '"-o", "pythonpath=src", "tests"' in (repo / "codefit.toml").read_text()
    done = codefit(repo, "split", "--validation", "0.3", "--test", "0.2", "--seal", env=env)
    assert done.returncode == 0, done.stderr
    totals = []
    for split in ("train", "validation", "test"):
        graded = codefit(repo, "evaluate", "--split", split, "--json", env=env)
        assert graded.returncode == 0, graded.stdout + graded.stderr
        (reading,) = json.loads(graded.stdout)
        assert reading["passed"] and reading["counts"]["errors"] == 0, (split, reading["error"])
        totals.append(reading["counts"]["total"])
    assert sum(totals) == 11 and totals[1:] == [3, 2]  # every case, once: 10 parametrized and test_zero
    for cmd in (["git", "add", "-A"], ["git", "commit", "-qm", "split"], ["git", "checkout", "-qb", "pr"]):
        subprocess.run(cmd, cwd=repo, check=True, env=identity)
    (repo / "src" / "calc" / "__init__.py").write_text("def add(a, b):\n    return b + a\n")
    subprocess.run(["git", "commit", "-qam", "commute"], cwd=repo, check=True, env=identity)
    monkeypatch.setenv("XDG_CONFIG_HOME", env["XDG_CONFIG_HOME"])
    result = run_check(repo, "HEAD~1", "pr")
    assert result.passed, result.reasons()
    assert [v.passed for v in result.heldout] == [True, True]


def test_a_clone_of_a_split_suite_is_not_split_again(repo: Path, tmp_path: Path) -> None:
    """The split's record stays in the clone that split; another clone knows the split by the
    sensors it wrote, and refuses (a second split would carve the visible suite again)."""
    env = env_for(tmp_path)
    identity = {**env, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t"}
    identity["GIT_COMMITTER_EMAIL"] = "t@t"
    assert codefit(repo, "split", "--seal", env=env).returncode == 0
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=identity)
    subprocess.run(["git", "commit", "-qm", "split"], cwd=repo, check=True, env=identity)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True, env=identity)
    before = tree_bytes(clone)
    for args in (["split", "--seal"], ["split", "--dry-run"], ["split", "--verify"]):
        refused = codefit(clone, *args, env=env)
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert "already split" in refused.stderr and "split_validation" in refused.stderr
        assert "collecting" not in refused.stdout  # refused before the suite is collected
    assert "--verify needs the record" in refused.stderr
    undo = codefit(clone, "split", "--undo", env=env)  # the clone knows it is split: says where the record is
    assert undo.returncode == 2 and "stays on the machine that split; undo there" in undo.stderr, undo.stderr
    assert tree_bytes(clone) == before
