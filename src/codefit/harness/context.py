"""Context strategies: what an agent remembers from one step to the next.

`continue` resumes the agent's own session each step and sends only the new feedback; `reset`
starts a fresh session each step and gives it the task plus a handoff note codefit writes from
the steps so far (what was done, what still fails, what was tried). The step history lives in the
optimizer's session dict, so it survives `fit --resume` with the rest of the run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

from codefit.optimizers.base import StepResult, StepStatus

HISTORY_KEY = "history"
HISTORY_LIMIT = 8
SUMMARY_LIMIT = 600
FEEDBACK_LIMIT = 12_000

FLAG_FILE = "CODEFIT_FLAG.md"
FLAG_PHRASE = "CODEFIT_FLAG:"


class ContextStrategy(StrEnum):
    CONTINUE = "continue"
    RESET = "reset"


def resume_id(strategy: ContextStrategy, session: Mapping[str, Any], key: str) -> str | None:
    """The agent session to resume this step, or None for a fresh one."""
    if strategy != ContextStrategy.CONTINUE:
        return None
    value = session.get(key)
    return str(value) if value else None


def history(session: Mapping[str, Any]) -> list[dict[str, Any]]:
    raw = session.get(HISTORY_KEY, [])
    return [dict(entry) for entry in raw if isinstance(entry, Mapping)] if isinstance(raw, list) else []


def remember(
    session: Mapping[str, Any], *, step: int, status: str, summary: str, **ids: str | None
) -> dict[str, Any]:
    """The session dict to hand back: agent ids plus a bounded history of step summaries."""
    entries = history(session)
    entries.append({"step": step, "status": status, "summary": _clip(summary.strip(), SUMMARY_LIMIT)})
    out: dict[str, Any] = {k: v for k, v in session.items() if k != HISTORY_KEY}
    out.update({k: v for k, v in ids.items() if v})
    out[HISTORY_KEY] = entries[-HISTORY_LIMIT:]
    return out


def handoff_note(entries: Sequence[Mapping[str, Any]], feedback: str, step: int) -> str:
    """What a fresh session needs to pick up the work: done, failing, tried. Nothing before any
    step ran: there is no earlier work to hand off, and the first step's feedback is the baseline."""
    if not entries and step <= 1:
        return ""
    lines = ["## Handoff from earlier steps", ""]
    if entries:
        lines.append("Earlier steps (oldest first) and what the agent reported:")
        for entry in entries:
            summary = str(entry.get("summary") or "(no summary)").replace("\n", " ")
            lines.append(f"- step {entry.get('step')}: {entry.get('status')} - {summary}")
        lines.append("")
    if feedback.strip():
        lines += ["What still fails is in the feedback below.", ""]
    lines.append("Your edits from earlier steps are already in the working tree; do not redo them.")
    return "\n".join(lines) + "\n"


def build_prompt(
    *, task: str, feedback: str, step: int, resuming: bool, entries: Sequence[Mapping[str, Any]] = ()
) -> str:
    """The message of one step. A resumed session already knows the task."""
    feedback_block = _clip(feedback.strip(), FEEDBACK_LIMIT)
    rules = (
        "Follow AGENTS.md. Do not edit tests. If a test contradicts the task, do not work around it: "
        f"write the reason into {FLAG_FILE} (or end your answer with a line `{FLAG_PHRASE} <reason>`) "
        "and stop."
    )
    if resuming:
        head = f"Step {step}. Here are the visible checks after your last step."
        body = feedback_block or "(no checks ran)"
        return f"{head}\n\n{body}\n\nKeep working on the task. {rules}\n"
    parts = [f"# Task\n\n{task.strip()}\n"]
    note = handoff_note(entries, feedback_block, step)
    if note:
        parts.append(note)
    if feedback_block:
        parts.append(f"# Feedback from the visible checks\n\n{feedback_block}\n")
    parts.append(rules + "\n")
    return "\n".join(parts)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "\n... [truncated]"


def consume_flag(workspace: Path, result: StepResult) -> StepResult:
    """Any optimizer may flag a contradiction by leaving the flag file; the step becomes `flagged`."""
    marker = workspace / FLAG_FILE
    if not marker.is_file():
        return result
    reason = marker.read_text(encoding="utf-8", errors="replace").strip() or "no reason given"
    marker.unlink()
    if result.status == StepStatus.FLAGGED:
        return result
    return result.model_copy(update={"status": StepStatus.FLAGGED, "summary": reason})
