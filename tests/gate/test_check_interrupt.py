"""Ctrl-C during `codefit check`: it stops while the suite still runs, ends the confined pytest
processes its worker threads started (they are in sessions of their own: the terminal's signal
never reaches them) and says so, exit 130."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import MakeRepo

SLOW = "import time\n\ndef test_slow():\n    open('started', 'w').close()\n    time.sleep(600)\n"


def test_ctrl_c_stops_a_check_whose_suite_is_still_running(make_repo: MakeRepo, tmp_path: Path) -> None:
    repo = make_repo(
        {
            "calc.py": "def add(a, b):\n    return a + b\n",
            "tests/test_calc.py": SLOW,
            "codefit.toml": 'task = "add"\n[[sensors]]\nname = "unit"\nkind = "pytest"\nargs = ["tests"]\n',
        }
    )
    scratch = tmp_path / "scratch"  # the check's temporary folders, where the test can find them
    scratch.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "codefit", "check", "--base", "HEAD", "--head", "HEAD", "-C", str(repo)],
        env={**os.environ, "TMPDIR": str(scratch)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for _ in range(1200):  # the train split's test has started (in its sandbox), or the check ended
        if list(scratch.glob("codefit-check-*/train/started")) or proc.poll() is not None:
            break
        time.sleep(0.1)
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=120)  # long before the test's 600 s would end
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("the check went on after Ctrl-C: it waited for the suite") from None
    assert proc.returncode == 130, out + err
    assert err.strip().splitlines()[-1] == "codefit: interrupted", err
    assert not list(scratch.glob("codefit-*")), "temporary folders left behind"
