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

import _signal  # type: ignore[import-not-found]  # not `signal`: its enum import costs 4 ms a sandbox
import os
import sys

FORWARDED = (
    _signal.SIGTERM,
    _signal.SIGINT,
    _signal.SIGHUP,
    _signal.SIGQUIT,
    _signal.SIGUSR1,
    _signal.SIGUSR2,
)


def main(args: list[str]) -> int:
    if len(args) < 4 or args[2] != "--" or not (args[0].isdigit() and args[1].isdigit()):
        print("usage: sandbox_init.py UID GID -- COMMAND [ARG...]", file=sys.stderr)
        return 2
    uid, gid, argv = int(args[0]), int(args[1]), args[3:]
    child = os.fork()
    if child == 0:
        _become(uid, gid, argv)
    for number in FORWARDED:
        _signal.signal(number, lambda received, _frame: _forward(child, received))
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            return 1
        if pid == child:
            return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


def _become(uid: int, gid: int, argv: list[str]) -> None:
    """In the child: leave root for good, then run the command (never returns)."""
    try:
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
    except OSError as exc:
        print(f"codefit sandbox: cannot leave root: {exc.strerror or exc}", file=sys.stderr)
        os._exit(126)
    # Searched here: os.execvp imports modules, which might not be readable by the new user.
    paths = (
        [argv[0]]
        if "/" in argv[0]
        else [
            os.path.join(folder or ".", argv[0]) for folder in os.environ.get("PATH", os.defpath).split(":")
        ]
    )
    error: OSError = FileNotFoundError(2, "not found")
    for path in paths:
        try:
            os.execv(path, argv)
        except OSError as exc:
            error = exc if not isinstance(error, PermissionError) else error
    print(f"codefit sandbox: cannot run {argv[0]}: {error.strerror or error}", file=sys.stderr)
    os._exit(126 if isinstance(error, PermissionError) else 127)


def _forward(child: int, number: int) -> None:
    try:  # noqa: SIM105 - contextlib would add to every sandbox's start
        os.kill(child, number)
    except OSError:
        pass  # already gone


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
