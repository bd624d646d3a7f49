import json
import subprocess
import sys
from pathlib import Path

from codefit.doctor import DoctorContext, Level, run_checks
from codefit.workspace.sandbox import sandbox_available


def test_sandbox_check_agrees_with_the_sandbox_probe(tmp_path: Path) -> None:
    findings = run_checks(DoctorContext(repo=tmp_path), ["sandbox"])
    bwrap = [f for f in findings if "bubblewrap" in f.message]
    assert bwrap and (bwrap[0].level == Level.OK) == sandbox_available()


def test_doctor_prints_json_and_exits_by_the_worst_finding(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "codefit", "doctor", str(tmp_path), "--json"], capture_output=True, text=True
    )
    findings = json.loads(proc.stdout)
    assert {f["check"] for f in findings} >= {"sandbox"}
    worst_is_problem = any(f["level"] == "problem" for f in findings)
    assert proc.returncode == (1 if worst_is_problem else 0)
