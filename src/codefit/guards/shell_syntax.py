"""Shell syntax as the transcript guard reads it: heredocs, tokens, simple commands, pattern arguments.

Pure functions over command text; what a command may touch is judged in `transcript.py`.
"""

from __future__ import annotations

import re
import shlex
from pathlib import PurePosixPath

HEREDOC = re.compile(r"<<-?\s*(['\"]?)(\w+)\1")
COMMENT = re.compile(r"(?m)(^|[ \t;])#.*$")
OPERATOR_CHARS = frozenset("();<>|&\n")
# Programs whose first positional argument is a pattern or script, not a file; options taking a value.
PATTERN_FIRST: dict[str, frozenset[str]] = {
    name: frozenset(values.split())
    for name, values in {
        **dict.fromkeys(("grep", "egrep", "fgrep"), "-A -B -C -m -e -f --regexp --file"),
        "rg": "-A -B -C -m -e -f -g -t -T --glob --type --regexp",
        "ag": "-A -B -C -m -G",
        "sed": "-e -f --expression --file",
        **dict.fromkeys(("awk", "gawk"), "-f -v -F"),
        "jq": "--arg --argjson",
    }.items()
}
PATTERN_GIVEN = frozenset({"-e", "-f", "--regexp", "--file", "--expression"})
FILE_OPTIONS = frozenset({"-f", "--file"})


def heredocs(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The command text without heredoc bodies, and each body with the program it feeds."""
    lines = text.split("\n")
    kept: list[str] = []
    bodies: list[tuple[str, str]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        kept.append(line)
        i += 1
        match = HEREDOC.search(line)
        if match is None:
            continue
        body: list[str] = []
        while i < len(lines) and lines[i].strip() != match.group(2):
            body.append(lines[i])
            i += 1
        i += 1  # the delimiter line
        words = line[: match.start()].split()
        feeds = PurePosixPath(words[-1]).name if words and words[-1] != "-" else ""
        if words and words[-1] == "-" and len(words) > 1:
            feeds = PurePosixPath(words[-2]).name
        bodies.append((feeds, "\n".join(body)))
    return "\n".join(kept), bodies


def _tokens(text: str) -> list[str]:
    text = COMMENT.sub(r"\1", text.replace("`", " ; "))
    lexer = shlex.shlex(text, posix=True, punctuation_chars="".join(sorted(OPERATOR_CHARS)))
    lexer.whitespace = " \t\r"
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError:  # an unclosed quote: judge the words as they stand
        return [t.strip("'\"") for t in re.findall(r"[^\s;|&()<>]+|[;|&()<>\n]+", text)]


def simple_commands(text: str) -> list[tuple[list[str], list[str]]]:
    """(words, redirection targets) of each simple command in a command line."""
    commands: list[tuple[list[str], list[str]]] = [([], [])]
    tokens = _tokens(text)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        words, targets = commands[-1]
        if token and set(token) <= OPERATOR_CHARS:
            if "<" in token or ">" in token:
                nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
                fd_copy = token.endswith("&") and (nxt.isdigit() or nxt == "-")
                if token not in ("<<", "<<-", "<<<") and not fd_copy:
                    targets.append(nxt)
                i += 2
                continue
            commands.append(([], []))
        else:
            words.append(token)
        i += 1
    return [c for c in commands if c[0] or c[1]]


def pattern_command_files(args: list[str], value_options: frozenset[str]) -> list[str]:
    """A grep/sed/awk command's file arguments: without its pattern/script and option values."""
    files: list[str] = []
    pattern_needed = not any(a in PATTERN_GIVEN or a.startswith("--regexp=") for a in args)
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in value_options:
            if arg in FILE_OPTIONS and i + 1 < len(args):
                files.append(args[i + 1])
            i += 2
            continue
        if pattern_needed and not arg.startswith("-"):
            pattern_needed = False
        else:
            files.append(arg)
        i += 1
    return files
