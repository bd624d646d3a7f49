"""The `codex` optimizer: OpenAI's Codex CLI run headless (`codex exec --json`)."""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from codefit.harness.context import resume_id
from codefit.optimizers.agents import pricing
from codefit.optimizers.agents.codex_args import (
    SandboxMode,
    check_sandbox_mode,
    config_args,
    sandbox_flags,
    toml_value,
)
from codefit.optimizers.agents.codex_stream import parse_codex_stream
from codefit.optimizers.agents.codex_usage import recorded_total, step_tokens
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

SESSION_KEY = "thread_id"
MCP_SERVER_NAME = "codefit"
LOST_THREAD = "no rollout found for"  # `... thread id X` (exec resume of a thread Codex does not have)


class CodexOptions(AgentOptions):
    """`[optimizer]` keys for `kind = "codex"`."""

    sandbox: SandboxMode = Field(
        default="auto",
        description="Codex's own sandbox: `auto` = `bypass` (--dangerously-bypass-approvals-and-sandbox) "
        "when codefit's bubblewrap confines it, else `--sandbox workspace-write`.",
    )
    reasoning_effort: Literal["minimal", "low", "medium", "high", "xhigh"] | None = Field(
        default=None, description="`-c model_reasoning_effort=...`."
    )
    config: dict[str, Any] = Field(
        default_factory=dict, description="Extra `-c key=value` overrides (tables become TOML inline tables)."
    )
    price_table: dict[str, pricing.Price] = Field(
        default_factory=dict, description="USD per million tokens by model; overrides the built-in table."
    )
    mcp_startup_timeout_sec: int = Field(
        default=30, ge=1, description="`startup_timeout_sec` of codefit's MCP server (with `mcp = true`)."
    )
    mcp_tool_timeout_sec: int | None = Field(
        default=None,
        ge=1,
        description="`tool_timeout_sec` of codefit's MCP server; default: the step's time limit "
        "(run_checks and submit run whole test suites; Codex's own default is 60 s).",
    )

    _check_sandbox = field_validator("sandbox", mode="before")(check_sandbox_mode)

    @field_validator("config")
    @classmethod
    def _config_is_toml(cls, value: dict[str, Any]) -> dict[str, Any]:
        for key, item in value.items():
            try:
                toml_value(item)
            except ValueError as exc:
                raise ValueError(f"config.{key}: {exc}") from None
        return value


class CodexOptimizer:
    kind: ClassVar[str] = "codex"
    options_model: ClassVar[type[Options]] = CodexOptions

    def __init__(self, options: CodexOptions | None = None) -> None:
        self.options = options or CodexOptions()

    def argv(self, state: StepState, prompt: str, resume: str | None) -> list[str]:
        o = self.options
        argv = [o.binary or "codex", "exec", "--json", "--color", "never", "--skip-git-repo-check"]
        argv += option_args(("--model", o.model))
        argv += sandbox_flags(o.sandbox)
        overrides = dict(o.config)
        if o.reasoning_effort:
            overrides["model_reasoning_effort"] = o.reasoning_effort
        if o.mcp:
            command = mcp_argv(o, state.workspace)
            server = f"mcp_servers.{MCP_SERVER_NAME}"
            overrides[f"{server}.command"] = command[0]
            overrides[f"{server}.args"] = command[1:]
            overrides[f"{server}.startup_timeout_sec"] = o.mcp_startup_timeout_sec
            # Without `required`, `codex exec` (0.171.0) starts its first turns before the server is up
            # and offers the model no codefit tool until a later request.
            overrides[f"{server}.required"] = True
            step_limit = math.ceil(min(o.timeout, state.timeout_s))
            overrides[f"{server}.tool_timeout_sec"] = o.mcp_tool_timeout_sec or step_limit
        argv += config_args(overrides)
        argv += o.extra_args
        if resume:
            argv += ["resume", resume]
        return [*argv, "-" if len(prompt) > ARGV_PROMPT_LIMIT else prompt]  # "-": read it from stdin

    def preflight(self, repo: Path) -> None:
        pricing.warn_if_unpriced("codex", self.model(agent_env(self.options.env)), self.options.price_table)

    def model(self, env: Mapping[str, str]) -> str | None:
        """The model Codex runs, to price its tokens: ours, a `-c model=` override, or Codex's own
        config.toml (`$CODEX_HOME` or ~/.codex); None when only Codex's built-in default applies."""
        configured = self.options.model or self.options.config.get("model")
        if configured:
            return str(configured)
        home = Path(env["CODEX_HOME"]) if env.get("CODEX_HOME") else Path(env.get("HOME", "~")) / ".codex"
        try:
            model = tomllib.loads((home.expanduser() / "config.toml").read_text(encoding="utf-8"))["model"]
        except (KeyError, OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return None
        return model if isinstance(model, str) else None

    def _run(self, state: StepState, env: dict[str, str], resume: str | None) -> AgentRun:
        prompt = step_prompt(state, resuming=resume is not None)
        return run_step(
            self.options,
            state,
            self.argv(state, prompt, resume),
            env=env,
            writable=state_dirs(env, "CODEX_HOME", ".codex"),
            stdin_text=prompt if len(prompt) > ARGV_PROMPT_LIMIT else None,
        )

    def step(self, state: StepState) -> StepResult:
        resume = resume_id(self.options.context, state.session, SESSION_KEY)
        env = agent_env(self.options.env)
        run = self._run(state, env, resume)
        if resume and LOST_THREAD in run.stderr:
            # Codex no longer has the thread (its sessions were cleared, or CODEX_HOME moved): start
            # a fresh one in this step, with the full prompt and the handoff note.
            resume = None
            run = self._run(state, env, None)
        stream = parse_codex_stream(run.stdout, state.workspace)
        error = run.error or stream.error or exit_error(run, "codex")
        if error is None and not stream.turn_completed:
            error = "codex ended without turn.completed (stream cut short)"
        model = self.model(env)
        thread = stream.thread_id or resume
        tokens = step_tokens(stream.usage, thread, state.session, resumed=resume is not None)
        usage = pricing.priced_usage(
            model,
            self.options.price_table,
            input_tokens=tokens.input,
            cached_tokens=tokens.cached,
            output_tokens=tokens.output,
            cache_write_tokens=tokens.cache_write,
        )
        return step_result(
            state,
            run,
            error=error,
            flag_text=stream.final_text,
            summary=stream.final_text,
            events=stream.events + pricing.unknown_cost_events("codex", model, self.options.price_table),
            seen=stream.edited_paths,
            usage=usage,
            thread_id=thread,
            thread_usage=recorded_total(thread, stream.usage) if stream.turn_completed else None,
        )
