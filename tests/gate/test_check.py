"""`codefit check` on pull-request branches of a real git repository built here.

The base holds the spec (codefit.toml) and the held-out tests sealed into the repository; the key
comes from the environment, as a CI secret would. Each branch is a pull request: honest, hard-coding,
weakening a test, overfitting the visible tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
KEY = "qwmVk0bgn5vBIvzJ_5V7cf84R0q-NK0lohpEk2kkJ4U="
IDENTITY = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@t",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@t",
}

CONFIG = """task = "Implement grade(score): 'A' from 90, 'B' from 80, 'C' from 70, else 'F'."
writable = ["shop/**"]
protected = ["tests/**"]

[[sensors]]
name = "unit"
kind = "pytest"
args = ["tests"]

[[sensors]]
name = "hidden"
kind = "pytest"
sealed = "SEALED"
split = "validation"
feedback = "verdict"
"""
VISIBLE = """from shop.grades import grade


def test_top():
    assert grade(95) == "A"


def test_b():
    assert grade(85) == "B"


def test_fail():
    assert grade(10) == "F"
"""
HELD_OUT = """from shop.grades import grade


def test_boundary_a():
    assert grade(90) == "A"


def test_c_band():
    assert grade(75) == "C"


def test_b_boundary():
    assert grade(80) == "B"
"""
BASE_CODE = "def grade(score):\n    raise NotImplementedError\n"
HONEST = (
    "def grade(score):\n    for floor, letter in ((90, 'A'), (80, 'B'), (70, 'C')):\n"
    "        if score >= floor:\n            return letter\n    return 'F'\n"
)
HARDCODED = (
    "def grade(score):\n    if score == 95:\n        return 'A'\n    if score == 85:\n        return 'B'\n"
    "    if score == 10:\n        return 'F'\n    return 'F'\n"
)
OVERFIT = (
    "def grade(score):\n    if score > 90:\n        return 'A'\n    if score > 80:\n"
    "        return 'B'\n    return 'F'\n"
)
# The overfit code, its answers made equal to any string (what passed a check on tabulate).
EQUAL_TO_ANY = (
    "class _Letter(str):\n    __hash__ = str.__hash__\n\n    def __eq__(self, other):\n"
    "        return isinstance(other, str)\n\n\n"
    + OVERFIT.replace("def grade(score):", "def _grade(score):")
    + "\n\ndef grade(score):\n    return _Letter(_grade(score))\n"
)


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd, cwd=cwd, capture_output=True, text=True, env={**os.environ, **IDENTITY, **(env or {})}
    )


def commit(repo: Path, message: str) -> None:
    assert run(["git", "add", "-A"], repo).returncode == 0
    assert run(["git", "commit", "-qm", message], repo).returncode == 0


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("check") / "shop"
    (root / "shop").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "grades.py").write_text(BASE_CODE)
    (root / "tests" / "test_grades.py").write_text(VISIBLE)
    held = root.parent / "held"
    held.mkdir()
    (held / "test_hidden_grades.py").write_text(HELD_OUT)
    assert run(["git", "init", "-q", "-b", "main"], root).returncode == 0
    env = {"CODEFIT_SEAL_KEY": KEY}
    sealed = run(
        [sys.executable, "-m", "codefit", "seal", str(held), "--split", "validation", "--repo", str(root)],
        root,
        env,
    )
    assert sealed.returncode == 0, sealed.stderr
    rel = next((root / ".codefit-sealed").glob("*.sealed")).relative_to(root)
    (root / "codefit.toml").write_text(CONFIG.replace("SEALED", str(rel)))
    commit(root, "base")
    for branch, files in {
        "honest": {"shop/grades.py": HONEST},
        "hardcode": {"shop/grades.py": HARDCODED},
        "weaken": {
            "shop/grades.py": HONEST.replace("(70, 'C')", "(75, 'C')"),
            "tests/test_grades.py": VISIBLE.replace('grade(85) == "B"', 'grade(85) in ("A", "B")'),
        },
        "overfit": {"shop/grades.py": OVERFIT},
        "equal_to_any": {"shop/grades.py": EQUAL_TO_ANY},
        "missing_dependency": {"shop/grades.py": "import a_dependency_nobody_installed\n" + HONEST},
    }.items():
        assert run(["git", "checkout", "-q", "-b", branch, "main"], root).returncode == 0
        for rel_path, text in files.items():
            (root / rel_path).write_text(text)
        commit(root, branch)
    # Pull requests on top of those: one breaks what its base passes, one leaves a failing base as it is.
    for branch, parent, files in (
        ("regress", "honest", {"shop/grades.py": OVERFIT}),
        ("overfit_docs", "overfit", {"README.md": "Grades, as letters.\n"}),
    ):
        assert run(["git", "checkout", "-q", "-b", branch, parent], root).returncode == 0
        for rel_path, text in files.items():
            (root / rel_path).write_text(text)
        commit(root, branch)
    # An honest fix that also takes the gate down for every pull request after it.
    assert run(["git", "checkout", "-q", "-b", "dropgate", "honest"], root).returncode == 0
    (root / "codefit.toml").write_text(CONFIG.split('[[sensors]]\nname = "hidden"')[0])
    (root / rel).unlink()
    commit(root, "dropgate")
    assert run(["git", "checkout", "-q", "main"], root).returncode == 0
    return root


def check(
    repo: Path, head: str, tmp_path: Path, base: str = "main"
) -> tuple[subprocess.CompletedProcess[str], dict[str, object], str]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    sarif, junit, md = tmp_path / "out.sarif", tmp_path / "out.xml", tmp_path / "summary.md"
    proc = run(
        [
            sys.executable,
            "-m",
            "codefit",
            "check",
            "--base",
            base,
            "--head",
            head,
            "--sarif",
            str(sarif),
            "--junit",
            str(junit),
            "-C",
            str(repo),
        ],
        repo,
        {"CODEFIT_SEAL_KEY": KEY, "GITHUB_STEP_SUMMARY": str(md), "GITHUB_ACTIONS": "true"},
    )
    return (
        proc,
        json.loads(sarif.read_text()) if sarif.exists() else {},
        md.read_text() if md.exists() else "",
    )


def rule_ids(sarif: dict[str, object]) -> set[str]:
    runs = sarif["runs"]  # type: ignore[index]
    return {r["ruleId"] for r in runs[0]["results"]}  # type: ignore[index]


def test_an_honest_pull_request_passes(repo: Path, tmp_path: Path) -> None:
    proc, _sarif, md = check(repo, "honest", tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PASS" in proc.stdout and "codefit check: ✅ passed" in md
    base, head = (run(["git", "rev-parse", ref], repo).stdout[:12] for ref in ("main", "honest"))
    assert proc.stdout.startswith(f"codefit check {base}..{head}: PASS")  # commits `git log` shows


def test_hard_coding_fails_with_its_alert(repo: Path, tmp_path: Path) -> None:
    proc, sarif, _md = check(repo, "hardcode", tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    results = sarif["runs"][0]["results"]  # type: ignore[index]
    assert any(r["properties"]["guard"] == "hardcoding" and r["level"] == "error" for r in results), results
    assert "codefit/special_case" in rule_ids(sarif)
    assert "::error" in proc.stdout  # a workflow annotation for GitHub


def test_a_suite_that_runs_none_under_codefits_own_interpreter_says_which_interpreter_ran(
    repo: Path, tmp_path: Path
) -> None:
    proc, _sarif, _md = check(repo, "missing_dependency", tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "cause: ModuleNotFoundError: No module named 'a_dependency_nobody_installed'" in proc.stdout
    assert f"the tests ran with codefit's own interpreter ({sys.executable})" in proc.stdout
    honest, _sarif, _md = check(repo, "honest", tmp_path / "honest")
    assert "own interpreter" not in honest.stdout  # some tests ran: nothing to explain


def test_weakening_a_test_fails_with_a_tamper_alert(repo: Path, tmp_path: Path) -> None:
    proc, sarif, _ = check(repo, "weaken", tmp_path)
    assert proc.returncode == 1, proc.stdout
    results = sarif["runs"][0]["results"]  # type: ignore[index]
    assert any(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "tests/test_grades.py"
        for r in results
        if r.get("locations")
    ), results
    # the protected file's alert says how a change that only adds tests gets through
    assert (
        "note: a protected test file changed" in proc.stdout and 'protected_changed = "warn"' in proc.stdout
    )


def test_overfitting_fails_on_the_blind_split_without_naming_its_tests(repo: Path, tmp_path: Path) -> None:
    proc, sarif, md = check(repo, "overfit", tmp_path)
    assert proc.returncode == 1, proc.stdout
    assert "held-out hidden (validation): failed" in proc.stdout
    for secret in ("test_boundary_a", "test_c_band", "test_b_boundary", "grade(90)"):
        assert secret not in proc.stdout + md + json.dumps(sarif)


def test_a_change_to_the_spec_or_its_sealed_tests_fails_with_its_alert(repo: Path, tmp_path: Path) -> None:
    """The base's spec judges this change, but a merged change that drops held-out sensors or
    sealed tests judges every change after it: taking the gate down is itself an alert."""
    proc, sarif, _md = check(repo, "dropgate", tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "codefit/spec_changed" in rule_ids(sarif)
    assert "codefit.toml" in proc.stdout and "the held-out sensor 'hidden'" in proc.stdout
    assert "deletes the sealed held-out tests .codefit-sealed/" in proc.stdout
    assert "note: quality drift not measured" not in proc.stdout  # the change touches Python


def test_a_missing_or_malformed_key_names_the_sealed_file_as_the_repository_has_it(
    repo: Path, tmp_path: Path
) -> None:
    """Not the check's throw-away copy of it (`/tmp/codefit-check-.../base/...`)."""
    sealed = next((repo / ".codefit-sealed").glob("*.sealed")).relative_to(repo).as_posix()
    argv = [sys.executable, "-m", "codefit", "check", "--base", "main", "--head", "honest", "-C", str(repo)]
    for key in ("", "notakey"):
        env = {**os.environ, "CODEFIT_SEAL_KEY": key, "XDG_CONFIG_HOME": str(tmp_path / "config")}
        proc = subprocess.run(argv, cwd=repo, capture_output=True, text=True, env=env)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert f"{sealed} at the base commit " in proc.stderr and "codefit-check-" not in proc.stderr, (
            proc.stderr
        )
    assert "CODEFIT_SEAL_KEY is not a key" in proc.stderr


def test_a_failing_held_out_split_says_whether_the_change_or_its_base_broke_it(
    repo: Path, tmp_path: Path
) -> None:
    secrets = ("test_boundary_a", "test_c_band", "test_b_boundary", "grade(90)")
    proc, sarif, md = check(repo, "regress", tmp_path / "regress", base="honest")
    assert proc.returncode == 1, proc.stdout
    assert "held-out hidden (validation): failed (the change's: tests of it that pass on base" in proc.stdout
    assert "fail, not on base" in md
    # A base that already fails the split: a pull request that leaves the code alone is told so.
    proc, sarif, md = check(repo, "overfit_docs", tmp_path / "docs", base="overfit")
    assert proc.returncode == 1, proc.stdout
    assert "held-out hidden (validation): failed (as on base: no test of it that passes" in proc.stdout
    assert "fail as on base" in md
    for secret in secrets:
        assert secret not in proc.stdout + md + json.dumps(sarif)


def test_answers_equal_to_any_string_fail_with_their_alert(repo: Path, tmp_path: Path) -> None:
    proc, sarif, _md = check(repo, "equal_to_any", tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "codefit/always_equal" in rule_ids(sarif)
    assert "_Letter.__eq__ answers from what it is compared with alone" in proc.stdout


def test_a_check_without_a_base_or_with_a_branch_only_a_remote_has_says_what_to_name(
    repo: Path, tmp_path: Path
) -> None:
    """`codefit check` alone would judge HEAD..HEAD, no change, and pass; in a CI clone the pull
    request's base branch is often only a remote's (`origin/main`)."""
    plain = run([sys.executable, "-m", "codefit", "check", "-C", str(repo)], repo)
    assert plain.returncode == 2 and "name the change's base: `codefit check --base main`" in plain.stderr
    clone = tmp_path / "clone"
    assert run(["git", "clone", "-q", str(repo), str(clone)], tmp_path).returncode == 0
    argv = [sys.executable, "-m", "codefit", "check", "--base", "honest", "--guards-only"]
    remote = run(argv, clone, {"CODEFIT_SEAL_KEY": KEY})
    assert remote.returncode == 2, remote.stdout + remote.stderr
    assert "no such commit: honest (a clone has it as origin/honest)" in remote.stderr
    ranged = run([*argv, "--base", "main..honest"], repo, {"CODEFIT_SEAL_KEY": KEY})
    assert ranged.returncode == 2 and "--base takes one commit, not a range (main..honest)" in ranged.stderr


def test_no_change_and_uncommitted_edits_are_said_not_to_be_judged(repo: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    assert run(["git", "clone", "-q", "-b", "main", str(repo), str(clone)], tmp_path).returncode == 0
    argv = [sys.executable, "-m", "codefit", "check", "--base", "main", "--guards-only"]
    same = run(argv, clone, {"CODEFIT_SEAL_KEY": KEY})
    assert (
        same.returncode == 0 and "note: base and head hold the same tree: there is no change" in same.stdout
    )
    assert "uncommitted" not in same.stdout
    (clone / "shop" / "grades.py").write_text(HARDCODED)  # edited, not committed: not judged
    dirty = run(argv, clone, {"CODEFIT_SEAL_KEY": KEY})
    assert "note: the working tree's uncommitted edits are not judged" in dirty.stdout, dirty.stdout


ACTION = Path(__file__).resolve().parents[2] / "action.yml"


def action_steps(inputs: dict[str, str]) -> list[str]:
    """The action's shell steps with its inputs filled in, as GitHub would run them."""
    import re

    import yaml

    action = yaml.safe_load(ACTION.read_text())
    defaults = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    values = {**defaults, **inputs}
    scripts = []
    for step in action["runs"]["steps"]:
        if "run" in step:
            script = re.sub(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda m: values[m.group(1)], step["run"])
            assert "${{" not in script, script
            scripts.append(script)
    return scripts


def test_the_action_steps_run_as_the_shell_commands_they_are(repo: Path, tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    install, fetch, check_step = action_steps(
        {
            "base": "main",
            "head": "overfit",
            "codefit-spec": f"{root}[guards]",
            "sarif": str(tmp_path / "pr.sarif"),
        }
    )
    fresh = tmp_path / "runner"  # a clean Python, as actions/setup-python gives
    assert run([sys.executable, "-m", "venv", str(fresh)], tmp_path).returncode == 0
    env = {"PATH": f"{fresh / 'bin'}:{os.environ['PATH']}", "CODEFIT_SEAL_KEY": KEY}
    installed = run(["bash", "-ec", install], repo, env)
    assert installed.returncode == 0, installed.stderr
    assert (fresh / "bin" / "codefit").exists()
    assert run(["bash", "-ec", fetch], repo, env).returncode == 0  # no remote here: tolerated by design
    checked = run(["bash", "-ec", check_step], repo, env)
    assert checked.returncode == 1, checked.stdout + checked.stderr  # the overfit pull request fails
    assert json.loads((tmp_path / "pr.sarif").read_text())["version"] == "2.1.0"
    assert (repo / "codefit-junit.xml").exists()
    (repo / "codefit-junit.xml").unlink()


def test_the_pre_commit_hook_runs_through_real_pre_commit(repo: Path, tmp_path: Path) -> None:
    """pre-commit installs codefit from this repository's hook manifest and runs it on a staged hack."""
    root = Path(__file__).resolve().parents[2]
    work = tmp_path / "clone"
    assert run(["git", "clone", "-q", str(repo), str(work)], tmp_path).returncode == 0
    (work / "tests" / "test_grades.py").write_text(
        VISIBLE.replace('grade(10) == "F"', 'grade(10) in "ABCDF"')
    )
    assert run(["git", "add", "tests/test_grades.py"], work).returncode == 0
    env = {"PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "CODEFIT_SEAL_KEY": KEY}
    hooked = run([sys.executable, "-m", "pre_commit", "try-repo", str(root), "codefit-guards"], work, env)
    assert hooked.returncode == 1, hooked.stdout + hooked.stderr
    assert "codefit guards on the staged change" in hooked.stdout and "Failed" in hooked.stdout
    assert "tests/test_grades.py" in hooked.stdout


def test_a_reader_that_stops_early_changes_neither_the_verdict_nor_the_files(
    repo: Path, tmp_path: Path
) -> None:
    """`codefit check ... | head -1`: the summary's reader is gone before the first line; the exit
    status is still the verdict (not click's 1 for a broken pipe) and every file is written."""
    sarif, junit = tmp_path / "out.sarif", tmp_path / "out.xml"
    argv = [sys.executable, "-m", "codefit", "check", "--base", "main", "--head", "honest"]
    argv += ["--sarif", str(sarif), "--junit", str(junit), "-C", str(repo)]
    env = {**os.environ, **IDENTITY, "CODEFIT_SEAL_KEY": KEY, "GITHUB_ACTIONS": "true"}
    proc = subprocess.Popen(argv, cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first line
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 0, stderr
    assert "Traceback" not in stderr and "Broken pipe" not in stderr
    assert json.loads(sarif.read_text())["runs"] and junit.read_text().startswith("<?xml")


def test_an_output_with_nowhere_to_go_is_refused_before_the_check_runs(repo: Path, tmp_path: Path) -> None:
    """A typo in an output path costs nothing and says so: no check is run, exit 2 (usage)."""
    missing = tmp_path / "no-such-folder" / "out.sarif"
    argv = [sys.executable, "-m", "codefit", "check", "--base", "main", "--head", "honest", "-C", str(repo)]
    proc = run([*argv, "--sarif", str(missing)], repo, {"CODEFIT_SEAL_KEY": KEY})
    assert proc.returncode == 2 and proc.stdout == "", proc.stdout + proc.stderr
    assert f"--sarif {missing}: not a file in an existing folder" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (a device that is always full)")
def test_an_output_that_cannot_be_written_is_a_usage_error_not_a_failed_check(repo: Path) -> None:
    argv = [sys.executable, "-m", "codefit", "check", "--base", "main", "--head", "honest", "-C", str(repo)]
    proc = run([*argv, "--junit", "/dev/full"], repo, {"CODEFIT_SEAL_KEY": KEY})
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "--junit /dev/full: cannot write: No space left on device" in proc.stderr
    assert "Traceback" not in proc.stderr
