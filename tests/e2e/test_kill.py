"""`kill -9` of `codefit fit` mid-step leaves no process of the run behind (issue 18), per kind of process.

Where the sandbox is off (a host without bubblewrap) nothing but codefit's own mechanisms can end
them, so most kinds are killed that way; the fork server never runs under bubblewrap.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from codefit.workspace.sandbox import sandbox_available

from ..conftest import run_git
from .killing import killed_fit, without_sandbox

pytestmark = pytest.mark.slow

# Each starts a marker process (`sleep 310`), then hangs: nothing more comes out of it.
HANGS_IN_A_TEST = (
    "import subprocess, time\n\ndef test_add():\n"
    "    subprocess.Popen(['sleep', '310'])\n    time.sleep(300)\n"
)
# Only in the search's fork server (preflight and baseline collect, the server hangs collecting).
HANGS_IN_SERVER_COLLECTION = (
    "import subprocess, sys, time\nif 'forkserver_main' in sys.argv[0]:\n"
    "    subprocess.Popen(['sleep', '310'])\n    time.sleep(300)\n\n"
    "def test_add():\n    assert False\n"
)
PASSES = "def test_add():\n    assert True\n"


def _project(tmp_path: Path, test_text: str, optimizer: str) -> Path:
    repo = tmp_path / "repo"
    (repo / "tests").mkdir(parents=True)
    (repo / "calc.py").write_text("def add(a, b):\n    return a - b\n")
    (repo / "tests" / "test_calc.py").write_text(test_text)
    (repo / ".gitignore").write_text(".codefit/\n")
    (repo / "codefit.toml").write_text(
        'task = "Fix add."\nwritable = ["*.py"]\nmax_steps = 1\n\n'
        f'[[sensors]]\nname = "unit"\nkind = "pytest"\nargs = ["tests"]\ntimeout = 120\ntest_timeout = 0\n\n'
        f"[optimizer]\n{optimizer}\n"
    )
    run_git(repo, "init", "-q", "-b", "main")
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-q", "-m", "base")
    return repo


def _sandbox_env(tmp_path: Path, sandbox: bool) -> dict[str, str]:
    if sandbox and not sandbox_available():
        pytest.skip("bubblewrap cannot run here")
    return {} if sandbox else without_sandbox(tmp_path / "nobwrap")


def _command(text: str) -> str:
    return 'kind = "command"\ncommand = "' + text.replace('"', '\\"') + '"'


def test_fork_servers_stuck_in_collection_die_with_fit(tmp_path: Path) -> None:
    repo = _project(tmp_path, HANGS_IN_SERVER_COLLECTION, 'kind = "search"\nworkers = 2')
    with killed_fit(repo, tmp_path / "work") as fit:
        fit.wait_running("forkserver_main.py")
        fit.wait_running("sleep 310")  # the collection hangs
        fit.kill()
        assert fit.survivors() == {}


def test_sensor_subprocess_dies_with_fit(tmp_path: Path) -> None:
    repo = _project(tmp_path, HANGS_IN_A_TEST, _command("true"))
    with killed_fit(repo, tmp_path / "work", without_sandbox(tmp_path / "nobwrap")) as fit:
        fit.wait_running("-m codefit_pytest_boot")  # the baseline, stuck in a test
        fit.wait_running("sleep 310")  # the test hangs
        fit.kill()
        assert fit.survivors() == {}


@pytest.mark.parametrize("sandbox", [False, True], ids=["bare", "sandboxed"])
def test_command_optimizer_and_its_children_die_with_fit(tmp_path: Path, sandbox: bool) -> None:
    env = _sandbox_env(tmp_path, sandbox)
    repo = _project(tmp_path, PASSES, _command("sleep 301 & sleep 302; wait"))
    with killed_fit(repo, tmp_path / "work", env) as fit:
        fit.wait_running("sleep 302")
        fit.kill()
        assert fit.survivors() == {}


def test_egress_relay_dies_with_fit(tmp_path: Path) -> None:
    env = _sandbox_env(tmp_path, True)
    optimizer = _command("sleep 303") + '\nallow_hosts = ["example.com"]'
    repo = _project(tmp_path, PASSES, optimizer)
    with killed_fit(repo, tmp_path / "work", env) as fit:
        fit.wait_running("sleep 303")
        assert fit.running("egress.py")(), "the relay runs the command"
        fit.kill()
        assert fit.survivors() == {}


@pytest.mark.parametrize("sandbox", [False, True], ids=["bare", "sandboxed"])
def test_mcp_server_an_agent_started_dies_with_fit(tmp_path: Path, sandbox: bool) -> None:
    env = _sandbox_env(tmp_path, sandbox)
    # An agent that starts `codefit mcp` and keeps its stdin open, as an agent CLI does.
    command = f"sleep 304 | {sys.executable} -m codefit.cli mcp --workspace ."
    repo = _project(tmp_path, PASSES, _command(command))
    with killed_fit(repo, tmp_path / "work", env) as fit:
        fit.wait_running("codefit.cli mcp")
        fit.kill()
        assert fit.survivors() == {}


def test_sigterm_ends_the_command_optimizer_and_its_children(tmp_path: Path) -> None:
    repo = _project(tmp_path, PASSES, _command("sleep 311 & sleep 312; wait"))
    with killed_fit(repo, tmp_path / "work", without_sandbox(tmp_path / "nobwrap")) as fit:
        fit.wait_running("sleep 312")
        fit.proc.terminate()
        fit.proc.communicate(timeout=60)
        assert fit.survivors() == {}


def test_a_run_that_ends_normally_leaves_no_daemon_its_command_started(tmp_path: Path) -> None:
    # The command returns at once and leaves a background process behind: a stray of the run.
    repo = _project(tmp_path, PASSES, _command("sleep 313 > /dev/null 2>&1 &"))
    with killed_fit(repo, tmp_path / "work", without_sandbox(tmp_path / "nobwrap")) as fit:
        out, err = fit.proc.communicate(timeout=300)
        assert fit.proc.returncode in (0, 1), out + err
        assert fit.survivors(grace=0) == {}
