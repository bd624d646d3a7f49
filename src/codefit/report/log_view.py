"""Terminal views of one step: the feedback the optimizer received, its transcript, and its diff."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.rule import Rule
from rich.syntax import Syntax
from rich.text import Text

EVENT_STYLES = {
    "message": "bold cyan",
    "reasoning": "dim",
    "tool_call": "bold magenta",
    "tool_result": "magenta",
    "command": "bold yellow",
    "file_change": "bold green",
    "error": "bold red",
}


def event_title(event: Mapping[str, Any]) -> str:
    """`kind role name`, e.g. `tool_call Bash` or `message assistant`."""
    parts = [str(event.get("kind", "")), str(event.get("role") or ""), str(event.get("name") or "")]
    return " ".join(p for p in parts if p)


def event_lines(event: Mapping[str, Any]) -> Iterator[str]:
    """The readable body of one transcript event: its text, then the data fields worth reading."""
    if event.get("text"):
        yield str(event["text"]).rstrip()
    data = event.get("data") or {}
    for key, value in data.items():
        if value not in (None, "", {}, []):
            yield f"{key}: {value}"


def diff_view(diff: str) -> RenderableType:
    if not diff.strip():
        return Text("(no change)", style="dim")
    return Syntax(diff, "diff", theme="ansi_dark", word_wrap=True, background_color="default")


def log_view(run_id: str, step: Mapping[str, Any]) -> RenderableType:
    """The feedback the step started from, what the optimizer did, and the feedback it produced."""
    details = step["details"]
    parts: list[RenderableType] = [
        Rule(f"run {run_id} step {step['index']}: {step['status']}"),
        Panel(
            Text(details["feedback"] or "(none: the first step starts from the baseline feedback)"),
            title="feedback received",
            title_align="left",
        ),
    ]
    if step.get("summary"):
        parts.append(Panel(Text(step["summary"]), title="optimizer summary", title_align="left"))
    if step.get("error"):
        parts.append(Text(f"error: {step['error']}", style="bold red"))
    parts.append(Rule(f"transcript ({len(details['transcript'])} events)"))
    for event in details["transcript"]:
        style = EVENT_STYLES.get(str(event.get("kind")), "bold")
        parts.append(Text(event_title(event), style=style))
        body = "\n".join(event_lines(event))
        if body:
            parts.append(Text(_indent(body), style="default"))
    for alert in details["alerts"]:
        where = f" ({alert['path']}:{alert['line']})" if alert.get("path") else ""
        parts.append(Text(f"alert [{alert['severity']}] {alert['guard']}: {alert['message']}{where}", "red"))
    parts.append(Panel(Text(details["next_feedback"]), title="feedback produced", title_align="left"))
    return Group(*parts)


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())
