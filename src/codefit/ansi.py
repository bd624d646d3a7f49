"""Terminal escape codes out of text that is shown elsewhere (feedback, reports, error lines):
a project's `addopts = "--color=yes"` must not put them into what the optimizer or a person reads."""

from __future__ import annotations

import re

# CSI sequences (colours, cursor moves), OSC sequences (titles, links) and lone two-byte escapes.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text) if "\x1b" in text else text
