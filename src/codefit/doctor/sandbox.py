"""Doctor check: can codefit confine the optimizer and the code under test here?"""

from __future__ import annotations

from collections.abc import Iterator

from codefit.doctor import DoctorContext, Finding, Level
from codefit.workspace.sandbox import limits_available, sandbox_available


def check_sandbox(ctx: DoctorContext) -> Iterator[Finding]:
    if sandbox_available():
        yield Finding("sandbox", Level.OK, "bubblewrap confines the optimizer and the code under test")
    else:
        yield Finding(
            "sandbox",
            Level.PROBLEM,
            "bubblewrap (bwrap) is missing or cannot create namespaces: nothing is confined",
            "install the `bubblewrap` package (Debian: apt-get install bubblewrap)",
        )
    if limits_available():
        yield Finding("sandbox", Level.OK, "prlimit applies the [limits]")
    else:
        yield Finding(
            "sandbox", Level.WARN, "prlimit is missing: the [limits] are not applied", "install util-linux"
        )
