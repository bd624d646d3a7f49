"""run_bounded reads output as it comes and keeps a bounded head and tail of each stream."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from codefit.sensors.process import BoundedCapture, run_bounded

MIB = 1024 * 1024
# Prints START, then `n` MiB of filler to stdout and n/2 MiB to stderr, then END on both.
FLOOD = (
    "import sys\n"
    "n = int(sys.argv[1])\n"
    "sys.stdout.write('START\\n')\n"
    "block = 'x' * (1024 * 1024 - 1) + '\\n'\n"
    "for _ in range(n):\n"
    "    sys.stdout.write(block)\n"
    "for _ in range(n // 2):\n"
    "    sys.stderr.write(block)\n"
    "sys.stdout.write('END\\n')\n"
    "sys.stderr.write('END\\n')\n"
)


def test_a_flood_of_output_keeps_its_head_and_tail_within_the_limit(tmp_path: Path) -> None:
    done = run_bounded(
        [sys.executable, "-c", FLOOD, "64"],
        cwd=tmp_path,
        env=dict(os.environ),
        timeout_s=120,
        max_output_bytes=MIB,
    )
    assert done.returncode == 0 and not done.timed_out
    marker = 200  # the "... [N bytes of output cut] ..." line
    assert len(done.stdout) <= MIB + marker and len(done.stderr) <= MIB + marker
    assert done.stdout.startswith("START\n") and done.stdout.endswith("END\n")
    assert done.stderr.endswith("END\n")
    printed = (6 + 64 * MIB + 4) + (32 * MIB + 4)
    assert done.cut_bytes == printed - 2 * MIB  # each stream kept exactly its limit


def test_output_under_the_limit_is_kept_whole_with_universal_newlines(tmp_path: Path) -> None:
    code = "import sys; sys.stdout.write('a\\r\\nb\\rc\\n'); sys.stderr.write('oops\\n'); sys.exit(3)"
    done = run_bounded([sys.executable, "-c", code], cwd=tmp_path, env=dict(os.environ), timeout_s=60)
    assert (done.stdout, done.stderr, done.returncode, done.cut_bytes) == ("a\nb\nc\n", "oops\n", 3, 0)


def test_no_limit_keeps_everything(tmp_path: Path) -> None:
    done = run_bounded(
        [sys.executable, "-c", FLOOD, "4"],
        cwd=tmp_path,
        env=dict(os.environ),
        timeout_s=120,
        max_output_bytes=None,
    )
    assert len(done.stdout) == 6 + 4 * MIB + 4 and done.cut_bytes == 0


def test_large_stdin_and_large_output_do_not_deadlock(tmp_path: Path) -> None:
    data = "line\n" * (2 * MIB)  # 10 MiB in, echoed back out
    code = "import sys; sys.stdout.write(sys.stdin.read())"
    done = run_bounded(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=dict(os.environ),
        timeout_s=120,
        stdin_text=data,
        max_output_bytes=MIB,
    )
    assert done.returncode == 0 and done.stdout.startswith("line\n") and done.stdout.endswith("line\n")
    assert done.cut_bytes == len(data) - MIB


def test_a_hang_is_killed_with_what_it_printed_so_far(tmp_path: Path) -> None:
    code = "import sys, time; print('before', flush=True); time.sleep(600)"
    done = run_bounded([sys.executable, "-c", code], cwd=tmp_path, env=dict(os.environ), timeout_s=1)
    assert done.timed_out and done.returncode is None and done.stdout == "before\n"


def test_a_child_holding_the_pipe_after_exit_counts_as_a_hang(tmp_path: Path) -> None:
    code = "import subprocess, sys; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])"
    done = run_bounded([sys.executable, "-c", code], cwd=tmp_path, env=dict(os.environ), timeout_s=2)
    assert done.timed_out


def test_capture_keeps_exactly_the_first_and_last_halves() -> None:
    capture = BoundedCapture(10)
    for chunk in (b"abc", b"defgh", b"ijklmnop", b"qrstuvwxyz"):
        capture.add(chunk)
    text, cut = capture.result()
    assert cut == 16
    assert text == "abcde\n... [16 bytes of output cut] ...\nvwxyz"
    assert BoundedCapture(0).result() == ("", 0)
    tiny = BoundedCapture(0)
    tiny.add(b"xyz")
    assert tiny.result() == ("\n... [3 bytes of output cut] ...\n", 3)
