"""PID 1 of a root codefit's sandbox: stays root, runs the command as an unprivileged user.

Run by codefit's interpreter (`python -I -S`, stdlib only) inside bubblewrap, as
`sandbox_init.py UID GID -- COMMAND...`. It forks; the child leaves root for UID/GID (no
supplementary groups; every capability goes with uid 0) and executes COMMAND. PID 1 itself stays
root because bubblewrap's parent-death signal reaches only a process of its own uid: when
codefit kills bubblewrap, PID 1 dies, and with it every process of the PID namespace. (A
`setpriv` in its place changes uid, which clears that signal and left the sandbox running.)

PID 1 forwards the usual termination signals to the command, reaps every orphan, and exits with
the command's status (128 + N when signal N ended it, as a shell says).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys

FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)


def main(args: list[str]) -> int:
    if len(args) < 4 or args[2] != "--" or not (args[0].isdigit() and args[1].isdigit()):
        print("usage: sandbox_init.py UID GID -- COMMAND [ARG...]", file=sys.stderr)
        return 2
    uid, gid, argv = int(args[0]), int(args[1]), args[3:]
    child = os.fork()
    if child == 0:
        try:
            os.setgroups([])
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)
            os.execvp(argv[0], argv)
        except OSError as exc:
            print(f"codefit sandbox: cannot run {argv[0]}: {exc.strerror or exc}", file=sys.stderr)
            os._exit(126 if isinstance(exc, PermissionError) else 127)
    for number in FORWARDED:
        signal.signal(number, lambda received, _frame: _forward(child, received))
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            return 1
        except InterruptedError:
            continue
        if pid == child:
            return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


def _forward(child: int, number: int) -> None:
    with contextlib.suppress(OSError):  # already gone
        os.kill(child, number)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
