"""A plan artifact's items: its top-level Markdown list items, each with an optional check.

- [ ] Store of todos in todo/store.py (check: `"$CODEFIT_PYTHON" -m pytest -q tests/test_store.py`)
- [ ] JSON API: GET and POST /api/todos
  (lines indented under an item belong to it)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ITEM = re.compile(r"^(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?(?P<text>.*)$")
CHECK = re.compile(r"\(?\s*check:\s*`(?P<command>[^`]+)`\s*\)?")


@dataclass(frozen=True)
class PlanItem:
    index: int  # 1-based
    text: str
    check: str | None = None


def plan_items(markdown: str) -> list[PlanItem]:
    """The items in order; an empty list when the plan has none."""
    texts: list[list[str]] = []
    fenced = open_item = False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            fenced, open_item = not fenced, False
            continue
        match = None if fenced else ITEM.match(line)
        if match:
            texts.append([match["text"].strip()])
            open_item = True
        elif open_item and line.startswith((" ", "\t")) and line.strip():
            texts[-1].append(line.strip())
        elif line.strip():
            open_item = False  # prose (or a heading) between items ends the item
    items = []
    for i, lines in enumerate(texts, start=1):
        text = " ".join(lines)
        found = CHECK.search(text)
        check = found["command"].strip() if found else None
        if found:
            text = " ".join((text[: found.start()] + text[found.end() :]).split())
        items.append(PlanItem(index=i, text=text, check=check))
    return items
