"""Read what Aider prints (prose, not events): the reply, its applied edits, its token lines, its errors.

Measured with aider 0.86.2 (`aider/coders/base_coder.py`, `calculate_and_show_tokens_and_cost`):
- one token line per model call: `Tokens: S sent[, W cache write][, H cache hit], R received.`,
  then ` Cost: $M message, $T session.` on the same line, or on the next line when the call had
  both cache writes and cache hits; no `Cost:` at all when LiteLLM has no price for the model
  (its cost is then unknown, not $0). Counts above 1000 read `2.4k` (`12k` above 10000).
- `Applied edit to PATH` per edited file. Aider prints through rich, which wraps at 80 columns
  when stdout is not a terminal, breaking long paths across lines: the adapter runs it with a wide
  `COLUMNS` so every line arrives whole.
- a failed model call is printed as `litellm.XxxError: ...` at a line's start, often with exit 0;
  code the agent writes (fenced or in SEARCH/REPLACE blocks) is not Aider speaking.
"""

from __future__ import annotations

import re

from codefit.optimizers.agents.common import clip
from codefit.optimizers.base import EventKind, TranscriptEvent, Usage

_COUNT = r"([\d.]+)(k?)"
TOKENS = re.compile(
    rf"Tokens: {_COUNT} sent(?:, {_COUNT} cache write)?(?:, {_COUNT} cache hit)?, {_COUNT} received\."
    r"(?:[ \t]*\n?[ \t]*Cost: \$([\d.]+) message)?"
)
COST_LINE = re.compile(r"^Cost: \$[\d.]+ message, \$[\d.]+ session\.$")
APPLIED = re.compile(r"^Applied edit to (.+)$")
API_ERROR = re.compile(r"litellm\.\w*Error\b")  # how Aider prints a failed model call, at a line's start
BANNER = ("Aider v", "Model:", "Git repo:", "Repo-map:", "Added ", "Main model:", "Weak model:")


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
    """Aider's answer without its banner, token, cost and 'Applied edit' lines."""
    kept = [
        line
        for line in text.splitlines()
        if not line.startswith(BANNER)
        and not TOKENS.search(line)
        and not COST_LINE.match(line.strip())
        and not APPLIED.match(line.strip())
    ]
    return "\n".join(kept).strip()


def parse_usage(text: str) -> tuple[Usage, bool]:
    """The sum of every token line (one per model call) and whether every one had a cost; the cost
    is Aider's own per-message figure."""
    total = Usage()
    priced = True
    for match in TOKENS.finditer(text):
        sent = _count(match.group(1), match.group(2))
        cached = _count(match.group(5), match.group(6)) if match.group(5) else 0
        received = _count(match.group(7), match.group(8))
        priced = priced and match.group(9) is not None
        cost = float(match.group(9)) if match.group(9) else 0.0
        total = total + Usage(input_tokens=sent, output_tokens=received, cached_tokens=cached, cost_usd=cost)
    return total.model_copy(update={"cost_known": priced}), priced


def unknown_cost_event(model: str | None) -> TranscriptEvent:
    """The transcript's note that this step's cost is unknown (Aider printed tokens but no cost)."""
    text = (
        f"aider: token cost unknown (LiteLLM has no price for model {model or '(aider default)'!r}); "
        "give aider a price with `--model-metadata-file` in `extra_args`"
    )
    return TranscriptEvent(kind=EventKind.MESSAGE, role="codefit", text=text, data={"cost_unknown": True})


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
