"""The `claude-code` optimizer: Claude Code run headless (`claude --print --output-format stream-json`)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field

from codefit.harness.context import resume_id
from codefit.harness.guides import check_prefixes
from codefit.optimizers.agents.claude_cost import (
    cost_before,
    remember_session_cost,
    step_usage,
    unknown_cost_events,
)
from codefit.optimizers.agents.claude_stream import parse_claude_stream
from codefit.optimizers.agents.common import (
    ARGV_PROMPT_LIMIT,
    AgentOptions,
    agent_env,
    mcp_argv,
    option_args,
    state_dirs,
)
from codefit.optimizers.agents.process import AgentRun, exit_error
from codefit.optimizers.agents.step import run_step, step_prompt, step_result
from codefit.optimizers.base import StepResult, StepState
from codefit.records import Options
from codefit.workspace.sandbox import sandbox_available

SESSION_KEY = "session_id"
MCP_SERVER_NAME = "codefit"
MCP_TOOLS_RULE = f"mcp__{MCP_SERVER_NAME}__*"  # every tool of that server (Claude Code permission rules)


class ClaudeCodeOptions(AgentOptions):
    """`[optimizer]` keys for `kind = "claude-code"`."""

    permission_mode: Literal[
        "acceptEdits", "auto", "bypassPermissions", "manual", "dontAsk", "plan", "default"
    ] = Field(
        default="acceptEdits",
        description="`--permission-mode` (claude 2.1.332's choices; `default` still accepted); "
        "headless runs need edits accepted.",
    )
    skip_permissions: bool = Field(
        default=False,
        description="Pass `--dangerously-skip-permissions` (as root: only under codefit's bubblewrap, "
        "which tells the CLI it is sandboxed with IS_SANDBOX=1).",
    )
    allowed_tools: list[str] | None = Field(
        default=None,
        description="`--allowedTools`, e.g. Bash(make test:*); default: the visible checks the guide "
        "names (`Bash(python -m pytest:*)`). codefit's MCP tools are added when `mcp = true`.",
    )
    disallowed_tools: list[str] = Field(default_factory=list, description="`--disallowedTools`.")
    max_turns: int | None = Field(default=None, ge=1, description="`--max-turns` per step.")
    max_budget_usd: float | None = Field(default=None, gt=0, description="`--max-budget-usd` per step.")
    append_system_prompt: str | None = Field(default=None, description="`--append-system-prompt`.")
    bare: bool = Field(default=False, description="`--bare`: skip CLAUDE.md, hooks and MCP discovery.")
    crash_retries: int = Field(
        default=1,
        ge=0,
        description="Re-runs after an exit 1 with empty stderr and no result (a known crash).",
    )


class ClaudeCodeOptimizer:
    kind: ClassVar[str] = "claude-code"
    options_model: ClassVar[type[Options]] = ClaudeCodeOptions

    def __init__(self, options: ClaudeCodeOptions | None = None) -> None:
        self.options = options or ClaudeCodeOptions()

    def argv(self, state: StepState, prompt: str, resume: str | None, new_session: str) -> list[str]:
        o = self.options
        argv = [o.binary or "claude", "--print", "--output-format", "stream-json", "--verbose"]
        argv += option_args(("--model", o.model))
        argv += ["--resume", resume] if resume else ["--session-id", new_session]
        argv += ["--permission-mode", o.permission_mode]
        if o.skip_permissions:
            argv.append("--dangerously-skip-permissions")
        argv += option_args(
            ("--allowedTools", self.allowed_tools(state)),
            ("--disallowedTools", o.disallowed_tools),
            ("--max-turns", o.max_turns),
            ("--max-budget-usd", o.max_budget_usd),
            ("--append-system-prompt", o.append_system_prompt),
        )
        if o.bare:
            argv.append("--bare")
        if o.mcp:
            argv += ["--mcp-config", mcp_config_json(mcp_argv(o, state.workspace)), "--strict-mcp-config"]
        on_stdin = len(prompt) > ARGV_PROMPT_LIMIT  # `claude --print` reads the prompt from stdin then
        return [*argv, *o.extra_args] if on_stdin else [*argv, *o.extra_args, "--", prompt]

    def allowed_tools(self, state: StepState) -> list[str]:
        """Tools Claude may use without asking; headless, it cannot ask, so anything else is refused.
        Edits are accepted by the permission mode; the guide's checks and codefit's MCP tools are not."""
        o = self.options
        if o.allowed_tools is not None:
            tools = list(o.allowed_tools)
        else:
            tools = [f"Bash({prefix}:*)" for prefix in check_prefixes(state.train_sensors)]
        return [*tools, MCP_TOOLS_RULE] if o.mcp else tools

    def _run(
        self, state: StepState, env: dict[str, str], writable: list[Path], resume: str | None
    ) -> tuple[AgentRun, str]:
        """One call of the CLI (retried after its known silent crash); the run and the new session id."""
        prompt = step_prompt(state, resuming=resume is not None)
        new_session = str(uuid.uuid4())
        for attempt in range(self.options.crash_retries + 1):
            if attempt:
                new_session = str(uuid.uuid4())  # the crashed one may never have been saved
            run = run_step(
                self.options,
                state,
                self.argv(state, prompt, resume, new_session),
                env=env,
                writable=writable,
                stdin_text=prompt if len(prompt) > ARGV_PROMPT_LIMIT else None,
            )
            if not silent_crash(run.returncode, run.stderr, run.stdout):
                break
        return run, new_session

    def bypasses_permissions(self) -> bool:
        return self.options.skip_permissions or self.options.permission_mode == "bypassPermissions"

    def step(self, state: StepState) -> StepResult:
        resume = resume_id(self.options.context, state.session, SESSION_KEY)
        env = agent_env({"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", **self.options.env})
        if self.options.mcp:
            env.setdefault("MCP_CONNECTION_NONBLOCKING", "false")  # wait for codefit's tools at start
        if self.bypasses_permissions() and sandbox_available():
            # As root the CLI refuses to bypass permissions unless told it is sandboxed, which it is.
            env.setdefault("IS_SANDBOX", "1")
        writable = state_dirs(env, "CLAUDE_CONFIG_DIR", ".claude", (".claude.json",))
        run, new_session = self._run(state, env, writable, resume)
        if resume and lost_session(run.stderr):
            # Claude no longer has the session (expired, or saved elsewhere): start afresh, once,
            # with the full prompt and the handoff note instead of failing every later step.
            resume = None
            run, new_session = self._run(state, env, writable, None)
        stream = parse_claude_stream(run.stdout, state.workspace)
        # A run stopped by --max-turns / --max-budget-usd exits 1 by design: its edits stand and its
        # session can be resumed, so the step is not an error (it gave up if it changed nothing).
        error = run.error or stream.error or (None if stream.limit_reached else exit_error(run, "claude"))
        if error is None and not stream.has_result:
            error = "claude ended without a result line (stream cut short)"
        confirmed = stream.has_result and error is None
        result = step_result(
            state,
            run,
            error=error,
            flag_text=stream.final_text,
            summary=stream.final_text or (f"stopped: {stream.limit_reached}" if stream.limit_reached else ""),
            events=[*stream.events, *unknown_cost_events(stream)],
            seen=stream.edited_paths,
            usage=step_usage(stream, cost_before(state.session, resumed=resume is not None)),
            gave_up=bool(stream.limit_reached),
            # Only a session the CLI finished is worth resuming: after a crash or an error (no
            # result, or a failed one) it may never have been saved, and --resume would fail.
            session_id=(stream.session_id or resume or new_session) if confirmed else None,
        )
        return remember_session_cost(result, stream, SESSION_KEY)


def lost_session(stderr: str) -> bool:
    """Claude Code's answer to `--resume` of a session it does not have."""
    return "No conversation found with session ID" in stderr


def silent_crash(returncode: int | None, stderr: str, stdout: str) -> bool:
    """Exit 1, nothing on stderr, no result line: Claude Code's known transient crash."""
    return returncode == 1 and not stderr.strip() and '"type":"result"' not in stdout.replace(" ", "")


def mcp_config_json(command: list[str]) -> str:
    """The `--mcp-config` value (inline JSON) that starts codefit's MCP server over stdio."""
    server = {"type": "stdio", "command": command[0], "args": command[1:], "env": {}}
    return json.dumps({"mcpServers": {MCP_SERVER_NAME: server}})
