"""A scripted model server for running the real agent CLIs offline (tests only, stdlib only).

One HTTP listener on loopback (127.0.0.2, an ephemeral port) speaks three APIs at once:
- the Anthropic Messages API (`anthropic.py`: `POST /v1/messages`, SSE, tool use) for Claude Code;
- the OpenAI Responses API (`responses.py`: `POST /v1/responses`, SSE, function and custom tool
  calls) for Codex;
- chat completions (`chat.py`: `POST /v1/chat/completions`, tools, streamed or not) for aider and
  the `openai` SDK.
Whatever API a request comes through, it takes the next turn of one shared script.

Start it (the `model_server` fixture in tests/real_agents/conftest.py does this):

    with serving(default_server()) as server:   # or: def test_x(model_server): ...
        server.url                   # http://127.0.0.2:PORT  (ANTHROPIC_BASE_URL)
        server.url + "/v1"           # OpenAI base_url (codex provider, aider, openai SDK)
        server.host                  # 127.0.0.2:PORT        (an optimizer's allow_hosts entry)

Why 127.0.0.2: under codefit's sandbox with `allow_hosts`, the egress relay sets
NO_PROXY=localhost,127.0.0.1, and the sandbox's 127.0.0.1 is its own (nothing listens there);
any other loopback address goes through the proxy to this server.

Write a script of turns (`script.py`); each agent request takes the next one:

    server.add(
        call("Read", file_path="calc.py"),                         # one tool call
        Turn(calls=(Call("Edit", {...}), Call("Bash", {...}))),    # several, in one response
        lambda body: call("Edit", file_path=workspace_of(body) + "/calc.py", ...),  # computed
        say("Fixed.", usage=Billed(input=1200, output=80)),        # the final answer, billed
        fail(429), fail(401),                                      # rate limit, bad key
    )

Tool names are the CLI's own (Claude: Read/Edit/Write/Bash, `mcp__codefit__run_checks`; Codex:
whatever its request's `tools` list names, `tool_names(body)`: 0.171.0 offers `exec_command`
{"cmd": "..."} and no `shell`; `Call(..., custom=True)` for a
free-form tool such as `apply_patch`). When the script runs out, the server answers 500 "no turn
left", so a CLI that asks for more than the test planned fails loudly. Error turns carry
`x-should-retry: false` so that SDK clients give up at once.

Read what happened:

    server.requests            # every request (method, path, headers, body, api, turn, index)
    server.turns("anthropic")  # those that consumed a turn, in order
    server.script.discard()    # drop the turns left (a CLI stopped by a limit never asked)
    server.script.served       # how many turns were served: note it before a step, then
    server.billed(since=n)     # the tokens the turns from position n on billed (Billed)
    tool_results(body)         # the tool results a request carried back (what the CLI's tools said)

Claude Code's own side requests (no `tools` in the body: titles, quota probes) get a short text
answer and consume no turn; so do GET probes (/v1/models) and count_tokens.
"""

from __future__ import annotations

from .anthropic import AnthropicApi
from .chat import ChatApi
from .core import ModelServer, Request, serving
from .helpers import tool_names, tool_results, workspace_of
from .responses import ResponsesApi
from .script import Billed, Call, Step, Turn, call, fail, say


def default_server(anthropic_model: str = "claude-sonnet-4-5", openai_model: str = "gpt-5") -> ModelServer:
    """A server speaking all three APIs (chat and responses paths first: Anthropic owns the rest of /v1)."""
    return ModelServer([ChatApi(openai_model), ResponsesApi(openai_model), AnthropicApi(anthropic_model)])


__all__ = [
    "AnthropicApi",
    "Billed",
    "Call",
    "ChatApi",
    "ModelServer",
    "Request",
    "ResponsesApi",
    "Step",
    "Turn",
    "call",
    "default_server",
    "fail",
    "say",
    "serving",
    "tool_names",
    "tool_results",
    "workspace_of",
]
