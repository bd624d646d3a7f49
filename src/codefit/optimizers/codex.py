"""The `codex` optimizer: OpenAI's Codex CLI run headless (`codex exec --json`)."""

from __future__ import annotations

import json
from typing import Any, ClassVar, Literal

from pydantic import Field

from codefit.harness.context import resume_id
from codefit.optimizers.agents import pricing
from codefit.optimizers.agents.codex_stream import parse_codex_stream
from codefit.optimizers.agents.common import (
    ARGV_PROMPT_LIMIT,
    AgentOptions,
    agent_env,
    mcp_argv,
    option_args,
    state_dirs,
)
from codefit.optimizers.agents.process import exit_error
from codefit.optimizers.agents.step import run_step, step_prompt, step_result
from codefit.optimizers.base import StepResult, StepState
from codefit.records import Options

SESSION_KEY = "thread_id"
MCP_SERVER_NAME = "codefit"
SANDBOX_FLAGS = {
    "bypass": ["--dangerously-bypass-approvals-and-sandbox"],
    "full-auto": ["--full-auto"],
    "workspace-write": ["--sandbox", "workspace-write"],
    "read-only": ["--sandbox", "read-only"],
}


class CodexOptions(AgentOptions):
    """`[optimizer]` keys for `kind = "codex"`."""

    sandbox: Literal["bypass", "full-auto", "workspace-write", "read-only"] = Field(
        default="full-auto",
        description="Codex's own sandbox/approval mode; `bypass` when codefit's bubblewrap confines it.",
    )
    reasoning_effort: Literal["minimal", "low", "medium", "high"] | None = Field(
        default=None, description="`-c model_reasoning_effort=...`."
    )
    config: dict[str, Any] = Field(default_factory=dict, description="Extra `-c key=value` overrides.")
    price_table: dict[str, pricing.Price] = Field(
        default_factory=dict, description="USD per million tokens by model; overrides the built-in table."
    )


class CodexOptimizer:
    kind: ClassVar[str] = "codex"
    options_model: ClassVar[type[Options]] = CodexOptions

    def __init__(self, options: CodexOptions | None = None) -> None:
        self.options = options or CodexOptions()

    def argv(self, state: StepState, prompt: str, resume: str | None) -> list[str]:
        o = self.options
        argv = [o.binary or "codex", "exec", "--json", "--color", "never", "--skip-git-repo-check"]
        argv += option_args(("--model", o.model))
        argv += SANDBOX_FLAGS[o.sandbox]
        overrides = dict(o.config)
        if o.reasoning_effort:
            overrides["model_reasoning_effort"] = o.reasoning_effort
        if o.mcp:
            command = mcp_argv(o, state.workspace)
            overrides[f"mcp_servers.{MCP_SERVER_NAME}.command"] = command[0]
            overrides[f"mcp_servers.{MCP_SERVER_NAME}.args"] = command[1:]
        for key, value in overrides.items():
            argv += ["-c", f"{key}={toml_value(value)}"]
        argv += o.extra_args
        if resume:
            argv += ["resume", resume]
        return [*argv, "-" if len(prompt) > ARGV_PROMPT_LIMIT else prompt]  # "-": read it from stdin

    def step(self, state: StepState) -> StepResult:
        resume = resume_id(self.options.context, state.session, SESSION_KEY)
        prompt = step_prompt(state, resuming=resume is not None)
        env = agent_env(self.options.env)
        run = run_step(
            self.options,
            state,
            self.argv(state, prompt, resume),
            env=env,
            writable=state_dirs(env, "CODEX_HOME", ".codex"),
            stdin_text=prompt if len(prompt) > ARGV_PROMPT_LIMIT else None,
        )
        stream = parse_codex_stream(run.stdout, state.workspace)
        error = run.error or stream.error or exit_error(run, "codex")
        if error is None and not stream.turn_completed:
            error = "codex ended without turn.completed (stream cut short)"
        usage = pricing.priced_usage(
            self.options.model,
            self.options.price_table,
            input_tokens=stream.input_tokens,
            cached_tokens=stream.cached_tokens,
            output_tokens=stream.output_tokens,
        )
        return step_result(
            state,
            run,
            error=error,
            flag_text=stream.final_text,
            summary=stream.final_text,
            events=stream.events,
            seen=stream.edited_paths,
            usage=usage,
            thread_id=stream.thread_id or resume,
        )


def toml_value(value: Any) -> str:
    """A TOML literal for `-c key=value` (JSON strings, numbers, booleans and arrays are valid TOML)."""
    return json.dumps(value)
