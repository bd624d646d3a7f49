"""The `aider` optimizer: Aider run once per step with the message from a file.

Aider prints prose, not events: the transcript is its text, the edits it reports, its token lines
and the files git sees changed (how that text is read: `agents/aider_output.py`). Aider often
exits 0 after an API error, so its own error lines count too.
"""

from __future__ import annotations

import fnmatch
import tempfile
from pathlib import Path
from typing import ClassVar

from pydantic import Field

from codefit.harness.context import ContextStrategy
from codefit.optimizers.agents.aider_output import (
    aider_reply,
    api_error,
    parse_aider_output,
    parse_usage,
    unknown_cost_event,
)
from codefit.optimizers.agents.common import (
    AgentOptions,
    agent_env,
    clip,
    git_config_env,
    option_args,
    state_dirs,
)
from codefit.optimizers.agents.process import exit_error
from codefit.optimizers.agents.step import run_step, step_prompt, step_result
from codefit.optimizers.base import StepResult, StepState
from codefit.records import Options
from codefit.workspace.changes import tracked_files

HISTORY_KEY = "chat_history_file"
AIDER_NOISE = (".aider",)  # .aider.tags.cache.v4/ and friends are Aider's, not the agent's edits
# rich wraps Aider's output at 80 columns when stdout is not a terminal (paths break across lines);
# LiteLLM's local price map spares a fetch from raw.githubusercontent.com at every start.
AIDER_ENV = {"COLUMNS": "100000", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
# Aider writes user.name/user.email into .git/config when git has none; under codefit's sandbox the
# workspace's .git is not writable (sandbox_user), and the step died on `.git/config.lock`.
# Configuration from the environment (git >= 2.31) answers its `git config --get` instead.
GIT_IDENTITY = {"user.name": "codefit agent", "user.email": "agent@codefit.invalid"}
# With --no-git, aider's root is the common folder of the chat files (aider/utils.py
# find_common_root), not the working directory: with only src/pkg/*.py in the chat it names files
# relative to src/pkg ("Applied edit to mod.py") and resolves the model's other paths there. An
# empty file at the top, in the chat, keeps the root at the workspace (under AIDER_NOISE).
ROOT_ANCHOR = ".aider.codefit-root"


class AiderOptions(AgentOptions):
    """`[optimizer]` keys for `kind = "aider"`."""

    edit_format: str | None = Field(default=None, description="`--edit-format` (diff, whole, udiff...).")
    files: list[str] = Field(
        default_factory=list, description="Globs of files added to the chat; default: the writable files."
    )
    max_files: int = Field(default=30, ge=1, description="At most this many files are added.")
    lint_cmd: str | None = Field(default=None, description="`--lint-cmd` (Aider lints after each edit).")
    state_dir: Path | None = Field(
        default=None, description="Where the chat history lives between steps; default: the run's folder."
    )


class AiderOptimizer:
    kind: ClassVar[str] = "aider"
    options_model: ClassVar[type[Options]] = AiderOptions

    def __init__(self, options: AiderOptions | None = None) -> None:
        self.options = options or AiderOptions()

    def argv(self, state: StepState, message_file: Path, history_file: Path, restore: bool) -> list[str]:
        o = self.options
        argv = [
            o.binary or "aider",
            "--message-file",
            str(message_file),
            "--yes-always",
            "--no-auto-commits",
            "--no-git",  # the workspace has no .git: codefit keeps its git directory out of reach
            "--no-gitignore",
            "--no-check-update",
            "--no-show-release-notes",
            "--analytics-disable",
            "--no-pretty",
            "--no-stream",
            "--chat-history-file",
            str(history_file),
            "--input-history-file",
            str(history_file.with_suffix(".input")),
        ]
        if restore:
            argv.append("--restore-chat-history")
        argv += option_args(("--model", o.model), ("--edit-format", o.edit_format))
        for guide in ("AGENTS.override.md", "AGENTS.md"):
            if (state.workspace / guide).is_file():
                argv += ["--read", guide]  # Aider reads no guide by itself
                break
        if o.lint_cmd:
            argv += ["--lint-cmd", o.lint_cmd, "--auto-lint"]
        return [*argv, *o.extra_args, *anchored(self.chat_files(state))]

    def chat_files(self, state: StepState) -> list[str]:
        patterns = self.options.files or list(state.writable) or ["*"]
        tracked = tracked_files(state.workspace)
        chosen = [
            p
            for p in tracked
            if any(fnmatch.fnmatch(p, g) for g in patterns)
            and not any(fnmatch.fnmatch(p, g) for g in state.protected)
        ]
        return chosen[: self.options.max_files]

    def step(self, state: StepState) -> StepResult:
        previous = state.session.get(HISTORY_KEY)
        restore = (
            self.options.context == ContextStrategy.CONTINUE
            and bool(previous)
            and Path(str(previous)).exists()
        )
        history_file = Path(str(previous)) if previous else self._new_history_file(state)
        history_file.parent.mkdir(parents=True, exist_ok=True)
        if not restore and history_file.exists():
            history_file.unlink()  # `reset`: a fresh chat, the handoff note carries what matters
        prompt = step_prompt(state, resuming=restore)
        anchor = state.workspace / ROOT_ANCHOR
        anchor.touch()  # in the chat only when needed (`anchored`); removed after the step
        with tempfile.TemporaryDirectory(prefix="codefit-aider-msg-") as tmp:
            message_file = Path(tmp) / "message.md"
            message_file.write_text(prompt, encoding="utf-8")
            env = git_config_env(agent_env({**AIDER_ENV, **self.options.env}), GIT_IDENTITY)
            run = run_step(
                self.options,
                state,
                self.argv(state, message_file, history_file, restore),
                env=env,
                writable=[*state_dirs(env, None, ".aider"), history_file.parent],
                readable=[Path(tmp)],
            )
        anchor.unlink(missing_ok=True)
        text = run.stdout
        events, applied = parse_aider_output(text)
        usage, priced = parse_usage(text)
        if not priced:
            events.append(unknown_cost_event(self.options.model))
        error = run.error or exit_error(run, "aider") or api_error(text, run.stderr)
        return step_result(
            state,
            run,
            error=error,
            flag_text=text,
            summary=clip(aider_reply(text), 2000),
            events=events,
            seen=applied,
            usage=usage,
            ignored=AIDER_NOISE,
            chat_history_file=str(history_file),
        )

    def _new_history_file(self, state: StepState) -> Path:
        # In the run's own folder (beside the task and feedback files), so it goes with the run.
        base = self.options.state_dir or state.task_file.parent / "aider"
        return base / "chat-history.md"


def anchored(files: list[str]) -> list[str]:
    """The chat files, plus ROOT_ANCHOR when none lies at the top of the workspace."""
    return files if not files or any("/" not in f for f in files) else [*files, ROOT_ANCHOR]
