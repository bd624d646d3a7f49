"""Through the real fit loop: code under test that steals held-out tests and the seal key, run by
the train sensor and by the grader, leaves nothing the optimizer can pick up later."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import needs_bwrap, run_git
from .project import codefit, make_project

pytestmark = [pytest.mark.slow, needs_bwrap]

HOST_LOOT = Path("/tmp/codefit-loot")  # the sandbox's /tmp is its own: a drop there stays inside

# Imported by every test run: steals what it can read and drops it where the optimizer may look.
PAYLOAD = """\
import glob, os

def _steal():
    loot = [os.environ.get("CODE" + "FIT_SEAL_KEY", "")]
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    patterns = [config + "/codefit/keys/*", "." + "codefit-held" + "out/*/*", HIDDEN + "/*/*"]
    for pattern in patterns:
        for path in glob.glob(pattern):
            try:
                loot.append(open(path).read())
            except OSError:
                pass
    data = "\\n".join(x for x in loot if x)
    if not data:
        return
    workdir = os.environ.get("CODE" + "FIT_WORKDIR", "/tmp/codefit")
    targets = ["stolen_by_tests.py", "/tmp/codefit-loot", DROP + "/loot"]
    targets += [g + "/loot" for g in glob.glob(workdir + "/**/.git", recursive=True)]
    for target in targets:
        try:
            with open(target, "a") as out:
                out.write(data)
        except OSError:
            pass

_steal()
"""


def _optimizer_script(hidden: Path, drop: Path) -> str:
    """Step 1 passes the visible tests only, so the run goes on; step 2 picks up the loot, fixes add."""

    def calc(body: str) -> str:
        code = (
            f"HIDDEN = {str(hidden)!r}\nDROP = {str(drop)!r}\n{PAYLOAD}\ndef add(a, b):\n    return {body}\n"
        )
        return f"cat > calc.py <<'PY'\n{code}PY\n"

    return (
        'case "$CODEFIT_STEP" in\n'
        f"1) {calc('a + b if a < 5 else 0')};;\n"
        f"*) cat .git/loot /tmp/codefit-loot {drop}/loot > loot_copied.py 2>/dev/null\n{calc('a + b')};;\n"
        "esac\n"
    )


def _committed_texts(repo: Path, ref: str) -> dict[str, str]:
    names = run_git(repo, "ls-tree", "-r", "--name-only", ref).split()
    return {name: run_git(repo, "show", f"{ref}:{name}") for name in names}


def test_stolen_heldout_tests_and_key_reach_neither_the_result_nor_the_workspace(outside_tmp: Path) -> None:
    repo = make_project(outside_tmp, "sh opt.sh", max_steps=3, budget=5)
    hidden, drop = outside_tmp / "hidden", outside_tmp / "drop"
    drop.mkdir()
    val_marker, test_marker = "VALIDATION-MARKER-7f3a", "TEST-MARKER-9c1e"
    for rel, marker in (
        ("validation/test_hidden_val.py", val_marker),
        ("test/test_hidden_test.py", test_marker),
    ):
        path = hidden / rel
        path.write_text(path.read_text() + f"# {marker}\n")
    (repo / "opt.sh").write_text(_optimizer_script(hidden, drop))
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-q", "-m", "optimizer script")
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(outside_tmp / "config"),
        "CODEFIT_WORKDIR": str(outside_tmp / "workdir"),
    }
    done = codefit("seal", str(hidden / "validation"), "--split", "validation", cwd=repo, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    shutil.rmtree(hidden / "validation")
    sealed = next((repo / ".codefit-sealed").glob("*.sealed")).relative_to(repo)
    config = repo / "codefit.toml"
    config.write_text(config.read_text().replace('path = "../hidden/validation"', f'sealed = "{sealed}"'))
    # The guards would roll the payload's steps back (runner_detection): let it through, so that
    # what is tested here is the sandbox, with the payload running in the train and grading runs.
    config.write_text(
        config.read_text().replace("[optimizer]", '[guards.policy]\nblock = "warn"\n\n[optimizer]', 1)
    )
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-q", "-m", "seal the validation tests")
    key = next((outside_tmp / "config" / "codefit" / "keys").glob("*.key")).read_text().strip()
    env["CODEFIT_SEAL_KEY"] = key
    secrets = (val_marker, test_marker, key)

    # Control: unconfined, the payload does steal held-out tests and the key, and drops them outside.
    control = outside_tmp / "control"
    (control / ".codefit-heldout" / "holdout").mkdir(parents=True)
    (control / ".codefit-heldout" / "holdout" / "t.py").write_text(val_marker)
    (control / "calc.py").write_text(f"HIDDEN = {str(hidden)!r}\nDROP = {str(drop)!r}\n{PAYLOAD}")
    subprocess.run([sys.executable, "-c", "import calc"], cwd=control, env=env, check=True, timeout=60)
    assert all(s in (drop / "loot").read_text() for s in secrets)
    shutil.rmtree(control)
    (drop / "loot").unlink()
    HOST_LOOT.unlink(missing_ok=True)  # the control's own drop; the sandboxed runs must leave none

    done = codefit("fit", cwd=repo, env=env)
    # The grader ran the payload (it is calc.py): the audit hook saw it read a held-out test file,
    # so the validation reading is tampered and the spec is not met.
    assert done.returncode == 1, done.stdout + done.stderr
    assert "tampered with the test run: read of the test file" in done.stdout
    data = json.loads(codefit("show", "--json", cwd=repo, env=env).stdout)
    assert data["final"]["validation"]["passed"] is False
    branch = data["run"]["branch"]
    # The payload's steps tie the base tree held-out and carry alerts: the result branch is the
    # base tree, and what the optimizer committed last is read from the run's bundle.
    bundle = next((repo / ".codefit" / "runs").glob("*.bundle"))
    run_git(repo, "fetch", "-q", str(bundle), "refs/heads/main")
    result = _committed_texts(repo, "FETCH_HEAD")
    assert "loot_copied.py" in result, "the optimizer did look for loot"
    for tree in (result, _committed_texts(repo, branch)):
        assert not [name for name, text in tree.items() if any(s in text for s in secrets)]
    assert not (drop / "loot").exists()
    # Every checkpoint of the run, not only the chosen one.
    clone = outside_tmp / "bundle-clone"
    subprocess.run(["git", "clone", "-q", str(bundle), str(clone)], check=True, capture_output=True)
    assert "stolen_by_tests.py" not in run_git(clone, "log", "--all", "--name-only", "--format=").split()
    history = run_git(clone, "log", "--all", "-p")
    assert not any(s in history for s in secrets)
    left = [p for p in (outside_tmp / "workdir").rglob("*") if p.is_file()]
    assert not [p for p in left if any(s.encode() in p.read_bytes() for s in secrets)]
    assert not HOST_LOOT.exists() or key not in HOST_LOOT.read_text(), "the host's /tmp was written"
