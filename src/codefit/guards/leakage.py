"""Leakage: held-out test content (names, literals, distinctive n-grams) reaching the optimizer.

Fingerprints are what the held-out tests contain and the visible tree did not: a test name, a
string or number literal, or a 6-token run that includes a literal. They are searched in the
feedback the optimizer was given, in its transcript, and in the lines the step added. Messages
never quote the fingerprint (alerts reach the optimizer's next feedback); the snippet keeps it.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import ClassVar

from codefit import pysource
from codefit.guards.base import Alert, Change, Severity
from codefit.guards.memo import walk
from codefit.guards.source import Hit, read_after, snippet, tree_files
from codefit.guards.transcript import event_text

NGRAM = 6
MIN_LITERAL = 6
MIN_NAME = 10
LITERAL_TOKENS = (tokenize.STRING, tokenize.NUMBER)


@dataclass(frozen=True)
class Fingerprints:
    names: frozenset[str]
    literals: frozenset[str]
    ngrams: frozenset[tuple[str, ...]]

    def __bool__(self) -> bool:
        return bool(self.names or self.literals or self.ngrams)

    def found_in(self, text: str) -> str | None:
        """The first fingerprint present in `text`, or None."""
        for name in sorted(self.names):
            if re.search(rf"\b{re.escape(name)}\b", text):
                return name
        for lit in sorted(self.literals):
            if lit in text:
                return lit
        if self.ngrams:
            tokens = _tokens(text)
            for i in range(len(tokens) - NGRAM + 1):
                gram = tuple(tokens[i : i + NGRAM])
                if gram in self.ngrams:
                    return " ".join(gram)
        return None


def fingerprints(heldout: Mapping[str, str], visible: str) -> Fingerprints:
    """What identifies the held-out tests and is absent from the `visible` text."""
    names: set[str] = set()
    literals: set[str] = set()
    ngrams: set[tuple[str, ...]] = set()
    visible_tokens = _token_set(visible)
    for text in heldout.values():
        try:
            tree = pysource.parse(text)
        except SyntaxError:
            continue
        for node in walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and len(node.name) >= MIN_NAME:
                names.add(node.name)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str | int | float):
                value = str(node.value)
                if len(value) >= MIN_LITERAL and "\n" not in value:
                    literals.add(value)
        tokens = _tokens(text, keep_kind=True)
        for i in range(len(tokens) - NGRAM + 1):
            window = tokens[i : i + NGRAM]
            if any(kind in LITERAL_TOKENS and tok not in visible_tokens for kind, tok in window):
                ngrams.add(tuple(tok for _, tok in window))
    words = set(WORD_RUN.findall(visible))
    # A name is found as a whole word (`found_in`), so a whole word of the visible text shows it.
    in_words = "\n".join(words)
    shown = [v for v in literals if _holds(visible, in_words, v)]
    return Fingerprints(frozenset(names - words), frozenset(literals.difference(shown)), frozenset(ngrams))


WORD_RUN = re.compile(r"\w+")


def _holds(text: str, words: str, wanted: str) -> bool:
    """Whether `text` holds `wanted`. It does only if each of `wanted`'s runs of word characters is in
    one of the text's words (`words`, the distinct ones joined: a tenth of the text or less), so they
    are looked for there first (jinja2's tree, 690,000 characters, was searched in full for each of
    600 held-out names and literals: a fifth of a second)."""
    runs = WORD_RUN.findall(wanted)
    if not all(run in words for run in runs):
        return False
    return (len(runs) == 1 and runs[0] == wanted) or wanted in text


def _tokens(text: str, keep_kind: bool = False) -> list:  # type: ignore[type-arg]
    out: list[object] = []
    skip = (
        tokenize.NL,
        tokenize.NEWLINE,
        tokenize.INDENT,
        tokenize.DEDENT,
        tokenize.COMMENT,
        tokenize.ENDMARKER,
    )
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type not in skip:
                out.append((tok.type, tok.string) if keep_kind else tok.string)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass  # prose, feedback text or a cut-off file: use the tokens read so far
    return out


# A number is one token, as Python reads it: `1.0` split into `1` and `0` was never "visible", so
# every 6-gram of held-out code with a float in it fingerprinted the visible tests' own output.
WORD = re.compile(
    r"0[xXoObB][\da-fA-F_]+"
    r"|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][-+]?\d[\d_]*)?[jJ]?"
    r"|\w+"
)
# Quoted text is read apart from the words, one line at most: an apostrophe in prose ("it's") paired
# with the next quote far below hid every number and name between them (cachetools' `1.0, 2.0`).
QUOTED = re.compile(r"\"[^\"\n]*\"|'[^'\n]*'")


def _token_set(text: str) -> set[str]:
    return set(WORD.findall(text)) | set(QUOTED.findall(text))


def visible_text(change: Change) -> str:
    """The tree as the optimizer could see it before this step: unchanged files plus previous versions."""
    changed = set(change.changed_files)
    parts = []
    for path in tree_files(change.tree, (".py", ".md", ".txt", ".toml", ".cfg", ".ini", ".json")):
        rel = path.relative_to(change.tree).as_posix()
        if rel not in changed:
            parts.append(path.read_text(encoding="utf-8", errors="replace"))
    parts += [t for rel in changed if (t := change.before(rel)) is not None]
    return "\n".join(parts)


def added_lines(before: str | None, after: str) -> Iterable[tuple[int, str]]:
    old = set((before or "").splitlines())
    for number, line in enumerate(after.splitlines(), start=1):
        if line not in old:
            yield number, line


class LeakageGuard:
    name = "leakage"
    kinds: ClassVar[tuple[str, ...]] = ("heldout_in_feedback", "heldout_in_transcript", "heldout_in_code")

    def inspect(self, change: Change) -> list[Alert]:
        if not change.heldout:
            return []
        prints = fingerprints(change.heldout, visible_text(change))
        if not prints:
            return []
        alerts = []
        if change.feedback and (found := prints.found_in(change.feedback)):
            lines = change.feedback.splitlines()
            at = next((i for i, text in enumerate(lines, start=1) if prints.found_in(text)), None)
            message = "held-out test content appears in the optimizer's feedback"
            alerts.append(self._alert("heldout_in_feedback", message, "feedback", at, found))
        for index, event in enumerate(change.transcript):
            if found := prints.found_in(event_text(event)):
                message = "held-out test content appears in the transcript"
                alerts.append(self._alert("heldout_in_transcript", message, "transcript", index + 1, found))
        for rel in change.changed_files:
            after = read_after(change, rel)
            if after is None:
                continue
            for number, line in added_lines(change.before(rel), after):
                if found := prints.found_in(line):
                    h = Hit(key=found, line=number, snippet=snippet(after, number))
                    message = "held-out test content appears in the code"
                    alerts.append(self._alert("heldout_in_code", message, rel, h.line, h.snippet))
                    break
        return alerts

    def _alert(self, kind: str, message: str, path: str, line: int | None, snip: str) -> Alert:
        return Alert(
            guard=self.name,
            kind=kind,
            severity=Severity.BLOCK,
            message=message,
            path=path,
            line=line,
            snippet=snip,
        )
