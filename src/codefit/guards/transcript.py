"""Peeking in the transcript: leaving the workspace, mining git history, probing for held-out tests.

A command is judged by what it does, not by every slash in it. The command line is split into
simple commands with shell syntax (`shlex`); in each one, the program (argv[0] once wrappers such
as `env`, `timeout` or `xargs` are skipped, or a module run with `python -m`) may live wherever
programs live: the workspace, system directories, sys.prefix / sys.base_prefix, PATH directories,
any `bin/` directory. What the program reads or writes (its path arguments, redirections, the
script given to an interpreter, paths quoted in `python -c` code, a tool's `file_path`) must stay
in the workspace, in read-only system and library places, or in scratch temp space (not codefit's
own temp directories). What programs printed is not judged here; the leakage guard reads it.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar

from codefit.guards.base import Alert, Change, Severity
from codefit.guards.git_commands import GIT_DIR_FILES, GIT_IN_CODE, GIT_INTERNALS, judge_git
from codefit.guards.shell_syntax import PATTERN_FIRST, heredocs, pattern_command_files, simple_commands
from codefit.optimizers.base import EventKind, TranscriptEvent

ACTIONS = (EventKind.COMMAND, EventKind.TOOL_CALL, EventKind.FILE_CHANGE)
PROBE = re.compile(
    # `.codefit` itself (the store), not a name that starts with it (the docs' `.codefit-done`)
    r"held[-_ ]?out|holdout|hidden[-_]?tests|codefit-sealed|\.codefit(?![-\w])|CODEFIT_SEAL_KEY|\bsealed\b",
    re.I,
)
# Other processes' views of the host: their working directories, roots, environments and files.
PROC_OTHER = re.compile(
    r"^/proc/(?!self(/|$)|thread-self(/|$))[^/]+/(cwd|root|environ|fd|mem|maps|map_files)"
)

# Tool-call arguments: which hold a shell command, which a path, which code or text being written.
COMMAND_KEYS = frozenset({"command", "cmd", "script"})
PATH_KEYS = frozenset({"file_path", "notebook_path", "path", "paths", "directory", "dir", "cwd", "filename"})
CONTENT_KEYS = frozenset({"content", "new_string", "old_string", "new_str", "old_str", "file_text", "edits"})
OUTPUT_KEYS = frozenset({"output", "aggregated_output", "stdout", "stderr", "result", "content"})

# Programs that run another program given as their arguments, and their options that take a value.
WRAPPERS: dict[str, frozenset[str]] = {
    name: frozenset(values.split())
    for name, values in {
        "env": "-u --unset -C --chdir -S",
        "sudo": "-u -g -C",
        "doas": "-u",
        "nice": "-n",
        "ionice": "-c -n",
        "timeout": "-s --signal -k --kill-after",
        "xargs": "-I -n -P -L -d -s -E",
        **dict.fromkeys(("nohup", "time", "exec", "command", "builtin", "stdbuf", "setsid"), ""),
    }.items()
}
PYTHON = re.compile(r"^(python|pypy)[\d.]*$")
SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh"})
SHELL_SCRIPT_FLAG = re.compile(r"^-[a-z]*c[a-z]*$")
CODE_FLAGS: dict[str, str] = {"node": "-e", "ruby": "-e", "perl": "-e"}
TEXT_ONLY = frozenset({"echo", "printf", ":", "true", "false", "export", "alias", "set", "unset"})
ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*=")
HOME_VARIABLE = re.compile(r"\$\{?HOME\b")
QUOTED_PATH = re.compile(r"""(['"])((?:/|~/|\.\./)[^'"\s]*)\1""")
DEVICES = frozenset("/dev/" + d for d in re.split(" ", "null zero stdin stdout stderr tty urandom random"))
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/dev/fd")
PROGRAM_ONLY_DIRS = ("/opt", "/snap")
GLOB = "\x00glob"  # stands in for a wildcard path component: it cannot occur in a real path
LIBRARY_PART = re.compile(r"/(site|dist)-packages(/|$)")


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def _normal(path: str) -> str:
    return "/" + os.path.normpath(path).lstrip("/")


class Places:
    """Where an action may point: the workspace, the files the run hands the optimizer (`run_files`:
    its task and feedback), and places that hold programs, libraries and scratch."""

    def __init__(
        self, workspace: Path, program_dirs: Sequence[str] | None = None, run_files: Sequence[str] = ()
    ) -> None:
        self.workspaces = tuple({_normal(str(workspace)), _normal(str(workspace.resolve()))})
        self.run_files = frozenset(_normal(p) for f in run_files for p in (f, str(Path(f).resolve())))
        self.tmp = _normal(tempfile.gettempdir())
        # The temp tree the workspace itself lives in holds its siblings: other runs, grading copies.
        self.near = tuple(_tmp_root(w, self.tmp) for w in self.workspaces if _under(w, self.tmp))
        dirs = program_dirs if program_dirs is not None else default_program_dirs()
        self.system = tuple(d for d in {_normal(d) for d in (*SYSTEM_DIRS, *dirs)} if d != "/")

    def allows(self, path: str, *, program: bool = False) -> bool:
        if any(_under(path, w) for w in self.workspaces) or path in DEVICES or path in self.run_files:
            return True
        if _under(path, self.tmp) and path != self.tmp:
            # Scratch files are fine; codefit's own temp trees (grading copies, other runs) are not,
            # nor a wildcard over every temp tree.
            rest = path[len(self.tmp) :].lower()
            near = any(_under(path, n) for n in self.near) or rest.startswith("/" + GLOB)
            if not near and "codefit" not in rest:
                return True
        if LIBRARY_PART.search(path) or any(_under(path, d) for d in self.system):
            return True
        parent = PurePosixPath(path).parent.name
        return program and (parent in ("bin", "sbin") or any(_under(path, d) for d in PROGRAM_ONLY_DIRS))


def _wildcard(part: str) -> str:
    """A path component with a wildcard, as its literal prefix followed by GLOB."""
    cut = next((i for i, c in enumerate(part) if c in "*?["), None)
    return part if cut is None else part[:cut] + GLOB


def _tmp_root(path: str, tmp: str) -> str:
    """The top directory of the temp tree `path` lies in (`/tmp/codefit` for `/tmp/codefit/run/ws`)."""
    rest = PurePosixPath(path).relative_to(tmp).parts
    return str(PurePosixPath(tmp, *rest[:1]))


def default_program_dirs() -> list[str]:
    """Interpreter prefixes and PATH directories (not `/` or the home directory itself)."""
    home = _normal(str(Path.home()))
    path_dirs = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d.startswith("/")]
    dirs = [sys.prefix, sys.base_prefix, sys.exec_prefix, str(Path(sys.executable).parent), *path_dirs]
    return [d for d in dirs if _normal(d) not in ("/", home)]


class Verdict:
    """What one event did wrong: the first evidence per alert kind."""

    def __init__(self, places: Places) -> None:
        self.places = places
        self.found: dict[str, str] = {}
        self.escaped = False

    def flag(self, kind: str, where: str) -> None:
        self.found.setdefault(kind, where)

    def escape(self, where: str) -> None:
        """Outside the workspace by climbing out of the run, into the home directory or other processes."""
        if not self.escaped:
            self.found["outside_workspace"] = where
        self.escaped = True

    def path(self, token: str, cwd: str, *, program: bool = False) -> None:
        """Flag `token` when it names a place outside the workspace (relative paths resolve against cwd)."""
        if GIT_INTERNALS.search(token):
            self.flag("git_mining", token)
        elif GIT_DIR_FILES.search(token.split("$", 1)[0]) and not program:
            self.flag("git_tamper", token)
        if not token or "://" in token:
            return
        if HOME_VARIABLE.search(token) or token.startswith("~"):
            if not (program and self.places.allows(_normal(os.path.expanduser(token)), program=True)):
                self.escape(token)
            return
        if PROC_OTHER.match(token):
            self.escape(token)
            return
        literal = token.split("$", 1)[0]  # an unknown variable: judge the part before it
        # A wildcard stands for one unknown directory entry (its literal prefix + GLOB), so `*/..` climbs.
        parts = [_wildcard(p) for p in PurePosixPath(literal).parts]
        if not literal.startswith("/") and ".." not in parts:
            return  # a plain relative path stays where the command runs
        base = "/" if literal.startswith("/") else cwd
        target = _normal(os.path.join(base, *parts))
        if ".." in parts and not self._inside(target) and target not in self.places.run_files:
            # Climbing out of the workspace through `..` is never an accident, whatever lies above it.
            steps = (_normal(os.path.join(base, *parts[:i])) for i in range(len(parts) + 1))
            if any(self._inside(step) for step in steps):
                self.escape(token)
                return
        if not self.places.allows(target, program=program):
            self.flag("outside_workspace", token)

    def _inside(self, path: str) -> bool:
        return any(_under(path, w) for w in self.places.workspaces)

    def code(self, code: str, cwd: str) -> None:
        """Inline program text (python -c, a heredoc): quoted paths and git history commands."""
        if mining := GIT_IN_CODE.search(code):
            self.flag("git_mining", mining.group(0))
        for _, literal in QUOTED_PATH.findall(code):
            self.path(literal, cwd)

    def shell(self, text: str, cwd: str) -> None:
        """A shell command line: each simple command in it, with `cd` moving the working directory."""
        text, bodies = heredocs(text)
        for feeds, body in bodies:
            if feeds in SHELLS:
                self.shell(body, cwd)
            elif PYTHON.match(feeds):
                self.code(body, cwd)
        for words, targets in simple_commands(text):
            for target in targets:
                self.path(target, cwd)
            cwd = self.simple(words, cwd)

    def simple(self, words: list[str], cwd: str) -> str:
        """Judge one simple command; returns the working directory after it."""
        argv = self._program_argv(words, cwd)
        if not argv:
            return cwd
        program, args = argv[0], argv[1:]
        name = PurePosixPath(program).name
        if "/" in program or program.startswith("~"):
            self.path(program, cwd, program=True)
        if name in ("cd", "pushd"):
            dest = args[0] if args else "~"
            if dest != "-":
                self.path(dest, cwd)
                return _normal(os.path.join(cwd, os.path.expanduser(dest)))
            return cwd
        if name == "git":
            self._git(args, cwd)
        elif PYTHON.match(name):
            self._files(self._python(args, cwd), cwd)
        elif name in SHELLS:
            # `bash -c SCRIPT`, `bash -lc SCRIPT` (codex): the script is a command line of its own.
            flag = next((i for i, a in enumerate(args[:-1]) if SHELL_SCRIPT_FLAG.match(a)), None)
            if flag is not None:
                self.shell(args[flag + 1], cwd)
            else:
                self._files(args, cwd)
        elif name in CODE_FLAGS and CODE_FLAGS[name] in args[:-1]:
            self.code(args[args.index(CODE_FLAGS[name]) + 1], cwd)
        elif name in PATTERN_FIRST:
            self._files(pattern_command_files(args, PATTERN_FIRST[name]), cwd)
        elif name not in TEXT_ONLY:
            self._files(args, cwd)
        return cwd

    def _program_argv(self, words: list[str], cwd: str) -> list[str]:
        """`words` without leading assignments and wrappers (their values judged as paths)."""
        i = 0
        while i < len(words):
            word = words[i]
            if word in ("{", "}", "!"):
                i += 1
            elif ASSIGNMENT.match(word):
                for value in word.split("=", 1)[1].split(":"):
                    self.path(value, cwd)
                i += 1
            elif PurePosixPath(word).name in WRAPPERS:
                name = PurePosixPath(word).name
                if "/" in word:
                    self.path(word, cwd, program=True)
                i += 1
                while i < len(words) and (words[i].startswith("-") or (name == "env" and "=" in words[i])):
                    i += 2 if words[i] in WRAPPERS[name] else 1
                if name == "timeout":
                    i += 1  # the duration
            else:
                break
        return words[i:]

    def _files(self, args: Iterable[str], cwd: str) -> None:
        for arg in args:
            if arg.startswith("-"):
                if "=" in arg:
                    self.path(arg.split("=", 1)[1], cwd)
            else:
                self.path(arg, cwd)

    def _python(self, args: list[str], cwd: str) -> list[str]:
        """The arguments of a python command that may be paths (a script counts; a module does not)."""
        i = 0
        while i < len(args):
            arg = args[i]
            if arg in ("-m", "-c") and i + 1 < len(args):
                if arg == "-c":
                    self.code(args[i + 1], cwd)
                return args[i + 2 :]
            if arg.startswith(("-m", "-c")) and len(arg) > 2 and not arg.startswith("--"):
                if arg.startswith("-c"):
                    self.code(arg[2:], cwd)
                return args[i + 1 :]
            if arg in ("-W", "-X"):
                i += 2
            elif arg.startswith("-") and arg != "-":
                i += 1
            else:
                return args[i:]
        return []

    def _git(self, args: list[str], cwd: str) -> None:
        verdict = judge_git(args)
        for value in verdict.paths:
            self.path(value, cwd)
        for kind, where in verdict.findings:
            self.flag(kind, where)
        self._files(verdict.files, cwd)


class TranscriptGuard:
    name = "transcript"
    kinds: ClassVar[tuple[str, ...]] = (
        "git_mining",
        "outside_workspace",
        "heldout_probe",
        "git_tamper",
    )
    MESSAGES: ClassVar[dict[str, str]] = {
        "git_mining": "the agent mined git history",
        "heldout_probe": "the agent probed for held-out tests or codefit's files",
        "outside_workspace": "the agent reached outside its workspace",
        "git_tamper": "the agent changed the workspace's git hooks, config or index bits",
    }

    def __init__(self, program_dirs: Sequence[str] | None = None) -> None:
        self.program_dirs = program_dirs

    def inspect(self, change: Change) -> list[Alert]:
        places = Places(change.tree, self.program_dirs, change.run_files)
        alerts = []
        for index, event in enumerate(change.transcript):
            if event.kind not in ACTIONS:
                continue
            verdict = judge_event(event, places)
            text = action_text(event)
            for kind, where in verdict.found.items():
                shown = kind in ("outside_workspace", "git_tamper")
                message = self.MESSAGES[kind] + (f" ({where})" if shown else "")
                # Tampering with the git directory, climbing out of the workspace (`..`), into the
                # home directory or other processes' /proc entries are never honest work: they roll back.
                # So is searching for the held-out tests or codefit's own files.
                blocking = kind in ("git_tamper", "heldout_probe") or (
                    kind == "outside_workspace" and verdict.escaped
                )
                alerts.append(
                    Alert(
                        guard=self.name,
                        kind=kind,
                        severity=Severity.BLOCK if blocking else Severity.WARN,
                        message=message,
                        path="transcript",
                        line=index + 1,
                        snippet=text[:200],
                    )
                )
        return alerts


def judge_event(event: TranscriptEvent, places: Places) -> Verdict:
    """What an action did: its commands, paths and tool arguments (never its output)."""
    verdict = Verdict(places)
    cwd = places.workspaces[0]
    if event.kind is EventKind.COMMAND:
        if command := shell_command(event):
            verdict.shell(command, cwd)
            _probe(verdict, command)
    elif event.kind is EventKind.FILE_CHANGE:
        for path in (event.name, *_strings(event.data.get("path")), *_strings(event.data.get("paths"))):
            verdict.path(path, cwd)
    else:
        _probe(verdict, event.name)
        for key, value in event.data.items():
            if key in COMMAND_KEYS:
                for command in _strings(value):
                    verdict.shell(command, cwd)
                    _probe(verdict, command)
            elif key in PATH_KEYS:
                for path in _strings(value):
                    verdict.path(path, cwd)
                    _probe(verdict, path)
            elif key not in CONTENT_KEYS | OUTPUT_KEYS:
                for text in _strings(value):
                    if text.startswith(("/", "~", "../")):
                        verdict.path(text, cwd)
                    _probe(verdict, text)
    return verdict


def shell_command(event: TranscriptEvent) -> str:
    """The command line a command event ran (agents' streams set text; the command optimizer both)."""
    return event.text or event.name


def _probe(verdict: Verdict, text: str) -> None:
    match = PROBE.search(text)
    if match:
        verdict.flag("heldout_probe", match.group(0))


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str)]
    return []


def action_text(event: TranscriptEvent) -> str:
    """The command or tool input of an event, without what it printed."""
    data = {k: v for k, v in event.data.items() if k not in OUTPUT_KEYS}
    encoded = json.dumps(data, sort_keys=True, default=str) if data else ""
    return " ".join(dict.fromkeys(part for part in (event.name, event.text, encoded) if part))


def event_text(event: TranscriptEvent) -> str:
    """Everything an event carries, outputs included."""
    encoded = json.dumps(event.data, sort_keys=True, default=str) if event.data else ""
    return " ".join(part for part in (event.name, event.text, encoded) if part)
