"""The scripted server itself, through the official SDKs' clients (what the CLIs build on)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from openai import OpenAI

from .server import Billed, Call, ModelServer, Turn, call, fail, say, tool_results


def post(server: ModelServer, path: str, body: dict[str, object]) -> tuple[int, str]:
    request = urllib.request.Request(
        server.url + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_chat_completions_stream_tool_calls_and_usage(model_server: ModelServer) -> None:
    model_server.add(call("run_checks", usage=Billed(input=70, output=7)), say("done"))
    client = OpenAI(base_url=model_server.url + "/v1", api_key="k")
    chunks = list(
        client.chat.completions.create(
            model="m",
            messages=[{"role": "user", "content": "hi"}],
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    calls = [tc for c in chunks for ch in c.choices for tc in (ch.delta.tool_calls or [])]
    assert [c.function.name for c in calls if c.function] == ["run_checks"]
    assert chunks[-1].usage is not None and chunks[-1].usage.prompt_tokens == 70
    answer = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    assert answer.choices[0].message.content == "done"


def test_responses_stream_function_and_custom_calls(model_server: ModelServer) -> None:
    patch = "*** Begin Patch\n*** End Patch\n"
    model_server.add(
        Turn(
            calls=(Call("shell", {"command": ["ls"]}), Call("apply_patch", {"input": patch}, custom=True)),
            usage=Billed(input=50, output=5, cache_read=30, reasoning=2),
        )
    )
    client = OpenAI(base_url=model_server.url + "/v1", api_key="k")
    events = list(client.responses.create(model="gpt-5", input="hi", stream=True))
    done = next(e for e in events if e.type == "response.completed").response
    kinds = [(item.type, getattr(item, "name", "")) for item in done.output]
    assert kinds == [("function_call", "shell"), ("custom_tool_call", "apply_patch")]
    assert done.usage is not None
    assert (done.usage.input_tokens, done.usage.input_tokens_details.cached_tokens) == (80, 30)


def test_anthropic_stream_carries_tool_use_and_usage(model_server: ModelServer) -> None:
    model_server.add(call("Read", usage=Billed(input=10, output=3), file_path="a.py"))
    status, text = post(
        model_server,
        "/v1/messages",
        {
            "model": "claude-sonnet-4-5",
            "stream": True,
            "tools": [{"name": "Read"}],
            "messages": [{"role": "user", "content": "hi"}],
        },
    )
    data = [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")]
    assert status == 200 and next(d["type"] for d in data) == "message_start"
    block = next(d["content_block"] for d in data if d["type"] == "content_block_start")
    assert (block["type"], block["name"]) == ("tool_use", "Read")
    assert data[-2]["delta"]["stop_reason"] == "tool_use" and data[-2]["usage"]["output_tokens"] == 3


def test_side_requests_consume_no_turn_and_errors_bill_nothing(model_server: ModelServer) -> None:
    model_server.add(fail(429), say("ok", Billed(input=5, output=1)))
    status, _ = post(model_server, "/v1/messages", {"model": "claude-haiku", "messages": []})  # no tools
    assert status == 200 and model_server.script.served == 0
    status, text = post(model_server, "/v1/messages", {"tools": [{"name": "Bash"}], "messages": []})
    assert status == 429 and json.loads(text)["error"]["type"] == "rate_limit_error"
    post(model_server, "/v1/messages", {"tools": [{"name": "Bash"}], "messages": []})
    assert model_server.billed(since=0) == Billed(input=5, output=1, cache_read=0, cache_write=0, reasoning=0)
    status, text = post(model_server, "/v1/messages", {"tools": [{"name": "Bash"}], "messages": []})
    assert status == 500 and "no turn left" in text


def test_tool_results_reads_every_api() -> None:
    anthropic = {"messages": [{"role": "user", "content": [{"type": "tool_result", "content": "A"}]}]}
    chat = {"messages": [{"role": "tool", "content": "B"}]}
    responses = {"input": [{"type": "function_call_output", "output": "C"}]}
    assert [tool_results(b) for b in (anthropic, chat, responses)] == [["A"], ["B"], ["C"]]


@pytest.mark.parametrize("status", [401, 429])
def test_chat_errors_have_openai_shape(model_server: ModelServer, status: int) -> None:
    model_server.add(fail(status))
    code, text = post(model_server, "/v1/chat/completions", {"messages": []})
    assert code == status and json.loads(text)["error"]["message"]


def test_claudes_start_up_probe_is_answered_without_a_turn(model_server: ModelServer) -> None:
    request = urllib.request.Request(model_server.url + "/api/hello", method="HEAD")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200 and response.read() == b""
    assert model_server.script.served == 0 and model_server.requests[0].path == "/api/hello"
