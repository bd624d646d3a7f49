"""Ctrl-C on `codefit fit` mid-step: exit 130, what happened, the resume command, nothing left running."""

from __future__ import annotations

import re
import signal
from pathlib import Path

import pytest

from .killing import killed_fit
from .test_kill import PASSES, _command, _project

pytestmark = pytest.mark.slow


def test_ctrl_c_mid_step_says_how_to_resume_and_leaves_no_process(tmp_path: Path) -> None:
    repo = _project(tmp_path, PASSES, _command("sleep 309"))
    with killed_fit(repo, tmp_path / "work") as fit:
        fit.wait_running("sleep 309")
        fit.proc.send_signal(signal.SIGINT)
        out, err = fit.proc.communicate(timeout=60)
        assert fit.proc.returncode == 130, out + err
        assert out.startswith("baseline: measuring the base tree...")
        assert "sensor unit (train): running..." in out and "sensor unit (train): pass 1.00" in out
        match = re.search(r"interrupted during step 1 of run (\S+):.*codefit fit --resume (\S+)", out)
        assert match and match.group(1) == match.group(2), out
        assert fit.survivors() == {}
