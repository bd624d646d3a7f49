"""What the scripted "model" does on each turn, independent of the API that carries it.

A script is a list of turns; the server answers each agent request with the next one. A turn is
either a `Turn` (text and/or tool calls, with the usage it bills) or a callable that receives the
request body (a dict) and returns a `Turn`: handy when the answer depends on what the CLI sent
(the workspace path in Claude's system prompt, the output of the previous tool call).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    """A unique id with an API's usual prefix (`toolu_`, `msg_`, `call_`, `resp_`...)."""
    return f"{prefix}{next(_ids):08d}scripted"


@dataclass(frozen=True)
class Billed:
    """The tokens one turn bills. `input` counts uncached input only (Anthropic's convention);
    `cache_read` and `cache_write` are billed on top of it; `reasoning` is part of `output`."""

    input: int = 100
    output: int = 20
    cache_read: int = 0
    cache_write: int = 0
    reasoning: int = 0


@dataclass(frozen=True)
class Call:
    """One tool call: the tool's name as the CLI declared it and its arguments.

    `custom=True` sends it as a Responses-API custom tool call (free-form `input` text, which is
    how Codex's `apply_patch` tool takes its patch); `args` must then be `{"input": TEXT}`."""

    name: str
    args: Mapping[str, Any] = field(default_factory=dict)
    custom: bool = False
    id: str = field(default_factory=lambda: new_id("call_"))


@dataclass(frozen=True)
class Turn:
    """One model response: optional text, then tool calls (none = the model's final answer).

    `status` other than 200 makes the turn an HTTP error with `error_type` and `text` as message
    (401 -> authentication failure, 429 -> rate limit, 529 -> overloaded); it bills nothing."""

    text: str = ""
    calls: tuple[Call, ...] = ()
    usage: Billed = Billed()
    status: int = 200
    error_type: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_error(self) -> bool:
        return self.status != 200


Step = Turn | Callable[[dict[str, Any]], Turn]


def say(text: str, usage: Billed = Billed()) -> Turn:
    """A final answer: text and no tool call."""
    return Turn(text=text, usage=usage)


def call(name: str, usage: Billed = Billed(), text: str = "", **args: Any) -> Turn:
    """A turn that calls one tool with keyword arguments."""
    return Turn(text=text, calls=(Call(name, args),), usage=usage)


def fail(status: int, message: str = "", error_type: str = "") -> Turn:
    """An HTTP error turn: 401 (bad key), 403, 429 (rate limit), 500, 529 (overloaded)...

    The response tells SDK clients not to retry (`x-should-retry: false`, `retry-after: 0`), so a
    CLI gives up at once instead of backing off for minutes."""
    kinds = {
        400: "invalid_request_error",
        401: "authentication_error",
        403: "permission_error",
        404: "not_found_error",
        429: "rate_limit_error",
        500: "api_error",
        529: "overloaded_error",
    }
    return Turn(
        text=message or f"scripted failure {status}",
        status=status,
        error_type=error_type or kinds.get(status, "api_error"),
        headers={"x-should-retry": "false", "retry-after": "0"},
    )


SCRIPT_EXHAUSTED = fail(500, "the scripted model has no turn left", "api_error")
