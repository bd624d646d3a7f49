"""The `openai` optimizer: codefit's own small tool-using agent over any OpenAI-compatible endpoint.

Works with OpenAI and local servers (vLLM, llama.cpp, Ollama). The model edits the workspace
through file tools confined to it, runs the visible checks, and ends the step with `submit` or
`flag_contradiction`. Each way a step ends (limits, API errors) is caught in `step`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, ClassVar, Literal

import openai
from pydantic import Field

from codefit.harness.context import ContextStrategy, remember
from codefit.harness.feedback import FeedbackInput, render_feedback
from codefit.optimizers.agents import pricing
from codefit.optimizers.agents.chat_tools import TOOLS
from codefit.optimizers.agents.common import changed_paths, clip, decide_status
from codefit.optimizers.agents.file_tools import ToolError, WorkspaceFiles
from codefit.optimizers.agents.step import step_prompt
from codefit.optimizers.base import EventKind, StepResult, StepState, StepStatus, TranscriptEvent, Usage
from codefit.records import Options

SYSTEM_PROMPT = (
    "You are a careful software engineer working in a git workspace through tools. Read before you "
    "edit, keep changes small, run the checks, and call `submit` when the task is done. Never edit "
    "tests to make them pass. If a test contradicts the task, call `flag_contradiction` instead of "
    "working around it."
)
MESSAGES_KEY = "messages"
SESSION_CHARS_LIMIT = 400_000  # a longer conversation is not carried over: the next step gets a handoff note


class OpenAIOptions(Options):
    """`[optimizer]` keys for `kind = "openai"`."""

    model: str = Field(default="gpt-4.1-mini", description="Model name at the endpoint.")
    base_url: str | None = Field(default=None, description="Endpoint, e.g. http://localhost:8000/v1.")
    api_key: str | None = Field(default=None, description="API key (prefer api_key_env).")
    api_key_env: str = Field(default="OPENAI_API_KEY", description="Environment variable holding the key.")
    max_turns: int = Field(default=30, ge=1, description="Model calls per step.")
    max_tokens: int = Field(default=400_000, ge=1, description="Prompt + completion tokens per step.")
    max_output_tokens: int | None = Field(default=4096, ge=1, description="Per response.")
    output_tokens_param: Literal["max_tokens", "max_completion_tokens"] | None = Field(
        default=None,
        description="Request key for max_output_tokens; default: max_completion_tokens for OpenAI, "
        "max_tokens for other endpoints (local servers).",
    )
    temperature: float | None = Field(default=None, ge=0, description="Sampling temperature.")
    request_timeout: float = Field(default=300.0, gt=0, description="Seconds per model call.")
    max_retries: int = Field(default=2, ge=0, description="Retries of a failed call (by the openai client).")
    context: ContextStrategy = Field(default=ContextStrategy.CONTINUE, description="`continue` or `reset`.")
    system_prompt: str | None = Field(default=None, description="Appended to codefit's system prompt.")
    max_read_chars: int = Field(default=20_000, ge=100, description="Longest file excerpt one read returns.")
    price_table: dict[str, pricing.Price] = Field(default_factory=dict, description="USD per million tokens.")


class _BadResponse(Exception):
    """The endpoint answered with something that is not a usable chat completion."""


class _StepEnd(Exception):
    def __init__(self, status: StepStatus | None, summary: str) -> None:
        super().__init__(summary)
        self.status = status
        self.summary = summary


class OpenAIOptimizer:
    kind: ClassVar[str] = "openai"
    options_model: ClassVar[type[Options]] = OpenAIOptions

    def __init__(self, options: OpenAIOptions | None = None) -> None:
        self.options = options or OpenAIOptions()

    def client(self) -> openai.OpenAI:
        o = self.options
        key = o.api_key or os.environ.get(o.api_key_env) or "not-needed"  # local servers take any key
        return openai.OpenAI(
            base_url=o.base_url, api_key=key, timeout=o.request_timeout, max_retries=o.max_retries
        )

    def preflight(self, repo: Path) -> None:
        pricing.warn_if_unpriced("openai", self.options.model, self.options.price_table)

    def step(self, state: StepState) -> StepResult:
        run = _AgentRun(self.options, state)
        status: StepStatus | None = None
        error: str | None = None
        summary = ""
        try:
            run.loop(self.client())
            summary = f"stopped: {self.options.max_turns} turns used without submit"
        except _StepEnd as end:
            status, summary = end.status, end.summary
        except (openai.APIError, _BadResponse) as exc:
            error = _api_error(exc)
            run.events.append(TranscriptEvent(kind=EventKind.ERROR, text=error))
        changed = changed_paths(state.workspace)
        if status is None:
            status = decide_status(error=error, flag=None, changed=bool(changed), gave_up=True)
        elif status == StepStatus.EDITED and not changed:
            status = StepStatus.NO_CHANGE
        session = remember(state.session, step=state.step, status=status.value, summary=summary)
        session.pop(MESSAGES_KEY, None)
        carried = json.dumps(run.messages, default=str)
        if (
            self.options.context == ContextStrategy.CONTINUE
            and error is None
            and len(carried) < SESSION_CHARS_LIMIT
        ):
            session[MESSAGES_KEY] = json.loads(carried)  # the conversation continues next step
        cost_notes = pricing.unknown_cost_events("openai", self.options.model, self.options.price_table)
        return StepResult(
            status=status,
            summary=summary,
            transcript=(*run.events, *cost_notes),
            usage=run.usage,
            raw="\n".join(json.dumps(m, default=str) for m in run.messages),
            error=error,
            session=session,
        )


class _AgentRun:
    """One step's conversation: messages, tools, usage and the transcript."""

    def __init__(self, options: OpenAIOptions, state: StepState) -> None:
        self.o = options
        self.state = state
        self.files = WorkspaceFiles(
            state.workspace, state.writable, options.max_read_chars, protected=state.protected
        )
        self.usage = Usage()
        self.events: list[TranscriptEvent] = []
        raw = state.session.get(MESSAGES_KEY) if options.context == ContextStrategy.CONTINUE else None
        previous: list[dict[str, Any]] = list(raw) if isinstance(raw, list) else []
        resuming = bool(previous)
        prompt = step_prompt(state, resuming=resuming)
        system = SYSTEM_PROMPT + (f"\n\n{options.system_prompt}" if options.system_prompt else "")
        base = previous if resuming else [{"role": "system", "content": system}]
        self.messages: list[dict[str, Any]] = [*base, {"role": "user", "content": prompt}]

    def loop(self, client: openai.OpenAI) -> None:
        for _ in range(self.o.max_turns):
            kwargs: dict[str, Any] = {"model": self.o.model, "messages": self.messages, "tools": TOOLS}
            if self.o.max_output_tokens:
                default_param = "max_tokens" if self.o.base_url else "max_completion_tokens"
                kwargs[self.o.output_tokens_param or default_param] = self.o.max_output_tokens
            if self.o.temperature is not None:
                kwargs["temperature"] = self.o.temperature
            response = client.chat.completions.create(**kwargs)
            self._count(response.usage)
            if not response.choices:
                raise _BadResponse("the endpoint returned no choices")
            message = response.choices[0].message
            calls = list(message.tool_calls or [])
            self.messages.append(message.model_dump(exclude_none=True))
            if message.content:
                self.events.append(
                    TranscriptEvent(kind=EventKind.MESSAGE, role="assistant", text=message.content)
                )
            if not calls:
                raise _StepEnd(StepStatus.EDITED, message.content or "")
            end: _StepEnd | None = None
            for call in calls:
                function = getattr(call, "function", None)
                name = str(getattr(function, "name", "")) if function else ""
                if end is not None:  # every call gets its tool message, or the endpoint answers 400
                    self._reply(call.id, "not run: the step already ended")
                    continue
                try:
                    self._call(call.id, name, str(getattr(function, "arguments", "") or ""))
                except _StepEnd as ended:
                    self._reply(call.id, f"received: {ended.summary}" if ended.summary else "received")
                    end = ended
            if end is not None:
                raise end
            if self.usage.input_tokens + self.usage.output_tokens > self.o.max_tokens:
                raise _StepEnd(None, f"stopped: token limit of {self.o.max_tokens} reached")

    def _call(self, call_id: str, name: str, arguments: str) -> None:
        result: str | None
        try:
            args = json.loads(arguments or "{}")
            if not isinstance(args, dict):
                raise ToolError("arguments must be a JSON object")
        except (json.JSONDecodeError, ToolError) as exc:
            args, result = {}, f"error: unparsable arguments ({exc})"
        else:
            result = None
        self.events.append(TranscriptEvent(kind=EventKind.TOOL_CALL, name=name, call_id=call_id, data=args))
        if result is None:
            result = self._run_tool(name, args)  # submit and flag_contradiction end the step here
        self.events.append(TranscriptEvent(kind=EventKind.TOOL_RESULT, call_id=call_id, text=clip(result)))
        self._reply(call_id, result)

    def _reply(self, call_id: str, content: str) -> None:
        self.messages.append({"role": "tool", "tool_call_id": call_id, "content": content})

    def _run_tool(self, name: str, args: dict[str, Any]) -> str:
        if name == "submit":
            raise _StepEnd(StepStatus.EDITED, str(args.get("summary", "")))
        if name == "flag_contradiction":
            raise _StepEnd(StepStatus.FLAGGED, str(args.get("reason", "flagged without a reason")))
        try:
            if name == "run_checks":
                return render_feedback(FeedbackInput(step=self.state.step, train=self.state.run_checks()))
            if name == "list_files":
                return self.files.list_files(str(args.get("path", ".")))
            if name == "read_file":
                return self.files.read_file(str(args["path"]), args.get("start_line"), args.get("end_line"))
            if name in ("write_file", "edit_file"):
                path = str(args["path"])
                if name == "write_file":
                    out = self.files.write_file(path, str(args["content"]))
                else:
                    out = self.files.edit_file(path, str(args["old"]), str(args["new"]))
                self.events.append(
                    TranscriptEvent(kind=EventKind.FILE_CHANGE, name=path, data={"tool": name})
                )
                return out
        except KeyError as exc:
            return f"error: missing argument {exc}"
        except ToolError as exc:
            return f"error: {exc}"
        except (OSError, ValueError, TypeError) as exc:  # the model's odd call is its to fix, not a crash
            return f"error: {name} failed: {type(exc).__name__}: {exc}"
        return f"error: unknown tool {name!r}"

    def _count(self, raw: Any) -> None:
        if raw is None:
            return
        details = getattr(raw, "prompt_tokens_details", None)
        cached = int(getattr(details, "cached_tokens", 0) or 0)
        prompt, completion = int(raw.prompt_tokens or 0), int(raw.completion_tokens or 0)
        self.usage = self.usage + pricing.priced_usage(
            self.o.model,
            self.o.price_table,
            input_tokens=prompt,
            cached_tokens=cached,
            output_tokens=completion,
        )


def _api_error(exc: Exception) -> str:
    if isinstance(exc, openai.AuthenticationError):
        return f"authentication failed at the endpoint: {clip(str(exc), 300)}"
    if isinstance(exc, openai.RateLimitError):
        return f"rate limited by the endpoint: {clip(str(exc), 300)}"
    if isinstance(exc, openai.APIConnectionError):
        return f"cannot reach the endpoint: {clip(str(exc), 300)}"
    return f"endpoint error: {clip(str(exc), 300)}"
