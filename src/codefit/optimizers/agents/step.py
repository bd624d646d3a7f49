"""One step of an agent CLI, the parts every adapter shares: the prompt, the sandboxed run, the result."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from codefit.harness.context import build_prompt, history, remember
from codefit.optimizers.agents.common import (
    AgentOptions,
    change_events,
    changed_paths,
    decide_status,
    take_flag,
)
from codefit.optimizers.agents.process import AgentRun, egress_events, hidden_paths, run_agent
from codefit.optimizers.base import StepResult, StepState, TranscriptEvent, Usage


def step_prompt(state: StepState, *, resuming: bool) -> str:
    """The task, the feedback and the handoff note of earlier steps, as the agent's message."""
    return build_prompt(
        task=state.task,
        feedback=state.feedback,
        step=state.step,
        resuming=resuming,
        entries=history(state.session),
    )


def run_step(
    options: AgentOptions,
    state: StepState,
    argv: Sequence[str],
    *,
    env: dict[str, str],
    writable: Sequence[Path],
    readable: Sequence[Path] = (),
    stdin_text: str | None = None,
) -> AgentRun:
    """`run_agent` bounded by the options' and the step's time, with the configured sandbox extras."""
    return run_agent(
        argv,
        workspace=state.workspace,
        env=env,
        timeout_s=min(options.timeout, state.timeout_s),
        allow_network=options.allow_network,
        allow_hosts=options.allow_hosts,
        hidden=hidden_paths(state),
        writable=[*writable, *options.sandbox_rw],
        readable=[*readable, *options.sandbox_ro],
        stdin_text=stdin_text,
        limits=state.sensor_context.limits,
        repo=state.sensor_context.repo,
    )


def step_result(
    state: StepState,
    run: AgentRun,
    *,
    error: str | None,
    flag_text: str,
    summary: str,
    events: Sequence[TranscriptEvent],
    seen: set[str],
    usage: Usage,
    gave_up: bool = False,
    ignored: tuple[str, ...] = (),
    **session_ids: str | None,
) -> StepResult:
    """The step's result: a flag found in `flag_text` wins, then the edits git sees (paths starting
    with `ignored` are the agent's own files), then `gave_up`; the session remembers `session_ids`."""
    flag = take_flag(state.workspace, flag_text)
    changed = [p for p in changed_paths(state.workspace) if not p.startswith(ignored)]
    status = decide_status(error=error, flag=flag, changed=bool(changed), gave_up=gave_up)
    summary = flag or summary
    return StepResult(
        status=status,
        summary=summary,
        transcript=(*events, *change_events(changed, seen), *egress_events(run.refused)),
        usage=usage,
        raw=run.stdout + (f"\n[stderr]\n{run.stderr}" if run.stderr else ""),
        error=error,
        session=remember(state.session, step=state.step, status=status.value, summary=summary, **session_ids),
    )
