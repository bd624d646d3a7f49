"""Doctor check: processes of an earlier run that outlived it (issue 18), with the command to end them."""

from __future__ import annotations

from collections.abc import Iterator

from codefit.doctor import DoctorContext, Finding, Level
from codefit.harness.plan import workdir
from codefit.workspace.lifetime import all_procs, kill_command, ledgers


def check_processes(ctx: DoctorContext) -> Iterator[Finding]:
    procs = all_procs()
    found = False
    for ledger in ledgers(workdir()):
        strays = ledger.strays(procs)
        if not strays:
            continue
        found = True
        shown = "; ".join(f"{p.pid} {p.argv[:80]}" for p in strays[:5])
        more = f" and {len(strays) - 5} more" if len(strays) > 5 else ""
        yield Finding(
            "processes",
            Level.WARN,
            f"run {ledger.path.parent.name} ended but {len(strays)} of its processes still run: "
            f"{shown}{more}",
            f"end them with `{kill_command(strays)}`",
        )
    if not found:
        yield Finding("processes", Level.OK, "no process of an earlier run is left running")
