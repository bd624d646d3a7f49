"""The `command` optimizer: runs a shell command in the workspace once per step.

This is also how any agent CLI plugs in before it has an adapter. The command gets
CODEFIT_STEP (1-based), CODEFIT_TASK_FILE and CODEFIT_FEEDBACK_FILE (the previous step's
feedback; before step 1, the baseline's: what the visible checks say of the untouched tree), and
the same paths as `{task}` and `{feedback}` placeholders.
"""

from __future__ import annotations

import os
import shlex
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from pydantic import Field, field_validator

from codefit.errors import CodefitError, OptimizerError
from codefit.optimizers.agents.process import egress_events
from codefit.optimizers.base import EventKind, StepResult, StepState, StepStatus, TranscriptEvent
from codefit.progress import OutputNotes
from codefit.records import Options
from codefit.sensors.base import clip_output
from codefit.sensors.process import DISPLAY_OUTPUT_BYTES, run_bounded
from codefit.workspace.changes import changed_paths
from codefit.workspace.egress import check_allow_hosts
from codefit.workspace.sandbox import (
    SandboxSpec,
    egress_for,
    sandbox_available,
    toolchain_paths,
    wrap_command,
)
from codefit.workspace.sandbox_mounts import program_paths

# Variables codefit itself uses for secrets never reach an optimizer.
SCRUBBED_PREFIXES = ("CODEFIT_SEAL", "CODEFIT_KEY")
SHELL_WORDS = frozenset(
    {"cd", "exit", "export", "if", "for", "while", "case", "set", "true", "false", "test", "[", ":", "."}
)


class CommandOptimizerOptions(Options):
    command: str = Field(description="Shell command run in the workspace each step.")
    timeout: float | None = Field(default=None, gt=0, description="Seconds per step (default: step_timeout).")
    give_up_exit_code: int = Field(default=3, description="Exit status meaning 'I give up'.")
    env: dict[str, str] = Field(default_factory=dict, description="Extra environment variables.")
    network: bool = Field(default=False, description="Allow network access inside the sandbox.")
    allow_hosts: list[str] = Field(
        default_factory=list,
        description="Only these hosts (`host`, `host:port`, `*.suffix`), through codefit's egress "
        "proxy; when set, wins over network.",
    )

    _check_allow_hosts = field_validator("allow_hosts")(check_allow_hosts)


class CommandOptimizer:
    kind: ClassVar[str] = "command"
    options_model: ClassVar[type[Options]] = CommandOptimizerOptions

    def __init__(self, options: CommandOptimizerOptions) -> None:
        self.options = options

    def preflight(self, repo: Path) -> None:
        """Refuse to start a run whose command cannot be found."""
        try:
            words = shlex.split(self.options.command)
        except ValueError as exc:
            raise OptimizerError(f"optimizer.command cannot be parsed: {exc}") from None
        program = next((w for w in words if "=" not in w), "")
        if not program or program in SHELL_WORDS or any(c in program for c in "$`(){}"):
            return
        if "/" in program:
            found = (repo / program).exists() or Path(program).exists()
        else:
            found = shutil.which(program) is not None
        if not found:
            raise OptimizerError(
                f"optimizer.command: program {program!r} not found (on PATH or in the repository)"
            )
        unseen = _inside_repository(Path(program), repo) if Path(program).is_absolute() else None
        if unseen is not None:
            raise OptimizerError(
                f"optimizer.command: program {program!r} is under {unseen}, so the command would not "
                "find it; commit it to the repository and name it by a relative path, or move it elsewhere"
            )
        for word in words[words.index(program) + 1 :]:
            _check_argument(word, repo)

    def own_files(self, hidden: Sequence[Path]) -> tuple[Path, ...]:
        """The files the user's configured command names by absolute path (its program, its script),
        outside every hidden place: the sandbox shows them, and reading them is not the command
        reaching outside its workspace."""
        return _absolute_files(self.options.command, hidden)

    def step(self, state: StepState) -> StepResult:
        command = self.options.command.replace("{task}", shlex.quote(str(state.task_file))).replace(
            "{feedback}", shlex.quote(str(state.feedback_file))
        )
        spec = SandboxSpec(
            workspace=state.workspace,
            hidden=state.hidden,
            allow_network=self.options.network,
            allow_hosts=tuple(self.options.allow_hosts),
            # The run's task and feedback files (not their folder, where the run's other files
            # are), the target interpreter's environment, and the program itself when it lives
            # where the sandbox shows nothing.
            extra_ro=(
                *(f for f in (state.task_file, state.feedback_file) if f.exists()),
                Path(state.sensor_context.python).parent.parent,
                *_absolute_files(self.options.command, state.hidden),
                *_program_on_path(self.options.command),
            ),
            limits=state.sensor_context.limits,
            also_at=(state.sensor_context.repo,) if state.sensor_context.repo else (),
        )
        timeout = self.options.timeout or state.timeout_s
        try:
            with egress_for(spec) as egress:
                done = run_bounded(
                    wrap_command(["/bin/sh", "-c", command], spec, egress),
                    cwd=state.workspace,
                    env=self._env(state),
                    timeout_s=timeout,
                    max_output_bytes=DISPLAY_OUTPUT_BYTES,
                    on_output=OutputNotes("command").feed,  # shown live while it works
                )
            refused = egress_events(egress.refused if egress else ())
        except (OSError, CodefitError) as exc:
            return StepResult(status=StepStatus.ERROR, error=f"cannot start the command: {exc}")
        output = clip_output(done.output)
        command_event = TranscriptEvent(
            kind=EventKind.COMMAND,
            text=command,
            name=command,
            data={
                "output": output,
                "exit_code": done.returncode,
                "duration_s": done.duration_s,
                "timed_out": done.timed_out,
            },
        )
        events = (command_event, *refused)
        if done.timed_out:
            return StepResult(
                status=StepStatus.ERROR,
                transcript=events,
                raw=output,
                error=f"command timed out after {timeout:g}s",
            )
        if done.returncode == 127 or (done.returncode == 126 and "not found" in output):
            return StepResult(
                status=StepStatus.ERROR,
                transcript=events,
                raw=output,
                error=f"command not found: {output.strip()}",
            )
        if done.returncode == self.options.give_up_exit_code:
            return StepResult(status=StepStatus.GAVE_UP, summary=output[-500:], transcript=events, raw=output)
        if done.returncode != 0:
            return StepResult(
                status=StepStatus.ERROR,
                transcript=events,
                raw=output,
                error=f"command exited with status {done.returncode}",
            )
        changed = bool(changed_paths(state.workspace))
        return StepResult(
            status=StepStatus.EDITED if changed else StepStatus.NO_CHANGE,
            summary=output[-500:],
            transcript=events,
            raw=output,
        )

    def _env(self, state: StepState) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(SCRUBBED_PREFIXES)}
        env.update(self.options.env)
        env.update(
            CODEFIT_STEP=str(state.step),
            CODEFIT_TASK_FILE=str(state.task_file),
            CODEFIT_FEEDBACK_FILE=str(state.feedback_file),
            CODEFIT_WORKSPACE=str(state.workspace),
            CODEFIT_PYTHON=state.sensor_context.python,
        )
        return env


def _inside_repository(program: Path, repo: Path) -> str | None:
    """Why an absolute program inside the user's repository cannot run: the sandbox hides it."""
    if not sandbox_available() or any(p == program or p in program.parents for p in toolchain_paths()):
        return None
    if repo.resolve() in program.parents or repo in program.parents:
        return f"the repository {str(repo)!r}, which the sandbox hides"
    return None


def _program_on_path(command: str) -> tuple[Path, ...]:
    """What the command's program found on PATH needs to run (the sandbox shows no home folder)."""
    try:
        words = shlex.split(command)
    except ValueError:
        return ()
    program = next((w for w in words if "=" not in w), "")
    found = shutil.which(program) if program and "/" not in program else None
    return program_paths(Path(found)) if found else ()


def _check_argument(word: str, repo: Path) -> None:
    """Refuse a file argument the command would not find in the sandbox: one under the repository
    (hidden: the command runs in the workspace, a copy of its committed files), or one reached
    by climbing out of the workspace."""
    if "{" in word or "$" in word or word.startswith("-"):
        return
    path = Path(word)
    if path.is_absolute():
        unseen = _inside_repository(path, repo) if path.exists() else None
        if unseen is not None:
            raise OptimizerError(
                f"optimizer.command: {word!r} is under {unseen}, so the command would not find it; "
                "name it relative to the repository root (committed), or keep it outside the repository"
            )
        return
    target = repo / path
    if ".." in path.parts and target.exists() and not target.resolve().is_relative_to(repo.resolve()):
        raise OptimizerError(
            f"optimizer.command: {word!r} climbs out of the repository; the command runs in the "
            "workspace (a copy of the repository), where it does not exist: use an absolute path"
        )


def _absolute_files(command: str, hidden: Sequence[Path]) -> tuple[Path, ...]:
    """The command's program and file arguments named by absolute paths outside every hidden place:
    shown read-only, since they may live where the sandbox shows nothing (an empty /tmp)."""
    try:
        words = shlex.split(command)
    except ValueError:
        return ()
    found = []
    for word in words:
        path = Path(word)
        if not path.is_absolute() or not path.is_file():
            continue
        real = path.resolve()
        if not any(h.resolve() == real or h.resolve() in real.parents for h in hidden):
            found.append(path)
    return tuple(found)
