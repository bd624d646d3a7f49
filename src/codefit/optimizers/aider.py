"""The `aider` optimizer: Aider run once per step with the message from a file.

Aider prints prose, not events: the transcript is its text, the edits it reports ("Applied edit
to PATH"), the token line ("Tokens: 2.4k sent, 61 received. Cost: $0.01 message, ...") and the
files git sees changed. Aider often exits 0 after an API error, so its own error lines
(`litellm.AuthenticationError: ...`) count too; code the agent writes (fenced or in SEARCH/REPLACE
blocks) is not Aider speaking, even when it says `raise AuthenticationError(...)`.
"""

from __future__ import annotations

import fnmatch
import re
import tempfile
from pathlib import Path
from typing import ClassVar

from pydantic import Field

from codefit.harness.context import ContextStrategy
from codefit.optimizers.agents.common import AgentOptions, agent_env, clip, option_args, state_dirs
from codefit.optimizers.agents.process import exit_error
from codefit.optimizers.agents.step import run_step, step_prompt, step_result
from codefit.optimizers.base import EventKind, StepResult, StepState, TranscriptEvent, Usage
from codefit.records import Options
from codefit.workspace.git import ls_files

HISTORY_KEY = "chat_history_file"
AIDER_NOISE = (".aider",)  # .aider.tags.cache.v4/ and friends are Aider's, not the agent's edits
TOKENS = re.compile(
    r"Tokens: ([\d.]+)(k?) sent(?:, ([\d.]+)(k?) cache hit)?.*?, ([\d.]+)(k?) received\."
    r"(?: Cost: \$([\d.]+) message)?"
)
APPLIED = re.compile(r"^Applied edit to (.+)$")
API_ERROR = re.compile(r"litellm\.\w*Error\b")  # how Aider prints a failed model call, at a line's start


class AiderOptions(AgentOptions):
    """`[optimizer]` keys for `kind = "aider"`."""

    edit_format: str | None = Field(default=None, description="`--edit-format` (diff, whole, udiff...).")
    files: list[str] = Field(
        default_factory=list, description="Globs of files added to the chat; default: the writable files."
    )
    max_files: int = Field(default=30, ge=1, description="At most this many files are added.")
    lint_cmd: str | None = Field(default=None, description="`--lint-cmd` (Aider lints after each edit).")
    state_dir: Path | None = Field(
        default=None, description="Where the chat history lives between steps; default: a temporary dir."
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
        return [*argv, *o.extra_args, *self.chat_files(state)]

    def chat_files(self, state: StepState) -> list[str]:
        patterns = self.options.files or list(state.writable) or ["*"]
        tracked = ls_files(state.workspace)
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
        history_file = Path(str(previous)) if previous else self._new_history_file()
        history_file.parent.mkdir(parents=True, exist_ok=True)
        if not restore and history_file.exists():
            history_file.unlink()  # `reset`: a fresh chat, the handoff note carries what matters
        prompt = step_prompt(state, resuming=restore)
        with tempfile.TemporaryDirectory(prefix="codefit-aider-msg-") as tmp:
            message_file = Path(tmp) / "message.md"
            message_file.write_text(prompt, encoding="utf-8")
            env = agent_env(self.options.env)
            run = run_step(
                self.options,
                state,
                self.argv(state, message_file, history_file, restore),
                env=env,
                writable=[*state_dirs(env, None, ".aider"), history_file.parent],
                readable=[Path(tmp)],
            )
        text = run.stdout
        events, applied = parse_aider_output(text)
        error = run.error or exit_error(run, "aider") or api_error(text, run.stderr)
        return step_result(
            state,
            run,
            error=error,
            flag_text=text,
            summary=clip(aider_reply(text), 2000),
            events=events,
            seen=applied,
            usage=parse_usage(text),
            ignored=AIDER_NOISE,
            chat_history_file=str(history_file),
        )

    def _new_history_file(self) -> Path:
        base = self.options.state_dir or Path(tempfile.mkdtemp(prefix="codefit-aider-"))
        return base / "chat-history.md"


def parse_aider_output(text: str) -> tuple[list[TranscriptEvent], set[str]]:
    """The reply as one message, plus one file-change event per applied edit."""
    events: list[TranscriptEvent] = []
    reply = aider_reply(text)
    if reply:
        events.append(TranscriptEvent(kind=EventKind.MESSAGE, role="assistant", text=reply))
    applied: set[str] = set()
    for line in text.splitlines():
        match = APPLIED.match(line.strip())
        if match:
            path = match.group(1).strip()
            applied.add(path)
            events.append(TranscriptEvent(kind=EventKind.FILE_CHANGE, name=path, data={"source": "aider"}))
    return events, applied


def aider_reply(text: str) -> str:
    """Aider's answer without its banner, token and 'Applied edit' lines."""
    banner = ("Aider v", "Model:", "Git repo:", "Repo-map:", "Added ", "Main model:", "Weak model:")
    kept = [
        line
        for line in text.splitlines()
        if not line.startswith(banner) and not TOKENS.search(line) and not APPLIED.match(line.strip())
    ]
    return "\n".join(kept).strip()


def parse_usage(text: str) -> Usage:
    """Sum of every token line (one per model call); cost is Aider's own per-message figure."""
    total = Usage()
    for match in TOKENS.finditer(text):
        sent = _count(match.group(1), match.group(2))
        cached = _count(match.group(3), match.group(4)) if match.group(3) else 0
        received = _count(match.group(5), match.group(6))
        cost = float(match.group(7)) if match.group(7) else 0.0
        total = total + Usage(input_tokens=sent, output_tokens=received, cached_tokens=cached, cost_usd=cost)
    return total


def api_error(stdout: str, stderr: str = "") -> str | None:
    """Aider's own report of a failed model call, outside the code of the reply."""
    for line in [*outside_code(stdout), *stderr.splitlines()]:
        if API_ERROR.match(line.strip()):
            return f"aider reported an API error: {clip(line.strip(), 300)}"
    return None


def outside_code(text: str) -> list[str]:
    """The lines not inside a ``` fence or a <<<<<<< SEARCH ... >>>>>>> REPLACE block."""
    kept: list[str] = []
    in_fence = in_block = False
    for line in text.splitlines():
        mark = line.strip()
        if mark.startswith("```"):
            in_fence = not in_fence
        elif mark.startswith("<<<<<<<"):
            in_block = True
        elif mark.startswith(">>>>>>>"):
            in_block = False
        elif not (in_fence or in_block):
            kept.append(line)
    return kept


def _count(number: str, suffix: str) -> int:
    return round(float(number) * (1000 if suffix == "k" else 1))
