"""Launch an agent CLI for one step: sandboxed, bounded in time, never raising."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from codefit.errors import CodefitError
from codefit.optimizers.agents.common import find_binary
from codefit.optimizers.base import EventKind, TranscriptEvent
from codefit.progress import OutputNotes
from codefit.sensors.process import run_bounded
from codefit.workspace.sandbox import ResourceLimits, SandboxSpec, egress_for, wrap_command
from codefit.workspace.sandbox_lend import lent
from codefit.workspace.sandbox_mounts import program_paths


@dataclass(frozen=True)
class AgentRun:
    """What came out of the agent process; `error` is set when it could not run to the end."""

    stdout: str
    stderr: str
    returncode: int | None
    duration_s: float
    error: str | None = None
    refused: tuple[str, ...] = ()  # destinations the egress proxy refused (`host:port`)


def run_agent(
    argv: Sequence[str],
    *,
    workspace: Path,
    env: Mapping[str, str],
    timeout_s: float,
    allow_network: bool = True,
    allow_hosts: Sequence[str] = (),
    writable: Sequence[Path] = (),
    readable: Sequence[Path] = (),
    hidden: Sequence[Path] = (),
    stdin_text: str | None = None,
    limits: ResourceLimits | None = None,
    repo: Path | None = None,
) -> AgentRun:
    """Run `argv` in the workspace under the sandbox; a missing binary or a hang is an error, not a raise.

    Under bubblewrap only the workspace and `writable` can be written, /tmp is empty and nothing of
    the host is visible but the system, codefit's toolchain and what is shown: the agent's own
    state (config dir, chat history, the message file) goes in `writable`, `readable` and the
    program's own folders (`program_paths`) are shown read-only, and the workspace is shown at
    `repo` too. With `allow_hosts` the agent reaches only those hosts, through codefit's egress
    proxy, which lives as long as this call.
    """
    binary = find_binary(argv[0], env)
    if binary is None:
        return AgentRun(
            "", "", None, 0.0, error=f"agent executable {argv[0]!r} not found on PATH (set `binary`)"
        )
    visible = [*readable, *program_paths(Path(binary))]
    spec = SandboxSpec(
        workspace=workspace,
        allow_network=allow_network,
        allow_hosts=tuple(allow_hosts),
        extra_ro=tuple(p for p in visible if p.exists()),
        extra_rw=tuple(p for p in writable if p.exists()),
        hidden=tuple(hidden),
        limits=limits or ResourceLimits(),
        also_at=(repo,) if repo else (),
    )
    try:
        with egress_for(spec) as egress, lent(spec) as confined:  # the user's state: lent as a copy
            wrapped = wrap_command([binary, *argv[1:]], confined, egress)
            done = run_bounded(
                wrapped,
                cwd=workspace,
                env=env,
                timeout_s=timeout_s,
                stdin_text=stdin_text,
                on_output=OutputNotes(Path(binary).name).feed,  # shown live while it works
            )
        refused = egress.refused if egress else ()
    except (OSError, CodefitError) as exc:
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return AgentRun("", "", None, 0.0, error=f"cannot start {binary}: {detail}")
    error = None
    if done.timed_out:
        error = f"{Path(binary).name} did not finish within {timeout_s:.0f}s and was killed"
    return AgentRun(done.stdout, done.stderr, done.returncode, done.duration_s, error, refused)


def egress_events(refused: Sequence[str]) -> tuple[TranscriptEvent, ...]:
    """One error event per destination the egress proxy refused, for the step's transcript."""
    return tuple(
        TranscriptEvent(kind=EventKind.ERROR, name="egress", text=f"egress refused: {destination}")
        for destination in refused
    )


def exit_error(run: AgentRun, name: str) -> str | None:
    """A clear message for a non-zero exit, with the tail of stderr."""
    if run.error or run.returncode in (0, None):
        return run.error
    tail = run.stderr.strip().splitlines()[-3:]
    detail = " | ".join(tail) if tail else "no message on stderr (a crash worth one retry)"
    return f"{name} exited with status {run.returncode}: {detail}"


def hidden_paths(state: object) -> tuple[Path, ...]:
    """Paths the agent must not see (the user's repository, `.codefit/`, held-out tests), where the
    loop provides them as `StepState.hidden`."""
    return tuple(getattr(state, "hidden", ()) or ())
