"""A pytest command line taken apart: the options (with their values) and the tests it names.

`-o pythonpath=src tests` is one option (`-o` takes the next word) and one path. An option that
carries its value (`--tb=short`, `-rA`) is one word. pytest's own options that take a separate
value are listed; a plugin's long option without `=` is taken as a flag, and the command line is
then `plain` no more: a caller that must know what names a test (sharing one process between
sensors) does not guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# pytest's options that take their value as the next word (`pytest --help`, pytest 8).
VALUED = frozenset(
    {
        *("-k", "-m", "-r", "-W", "-c", "-o", "-p"),
        *("--report-chars", "--pythonwarnings", "--config-file", "--override-ini", "--maxfail"),
        *("--capture", "--durations", "--durations-min", "--verbosity", "--tb", "--color"),
        *("--junit-xml", "--junit-prefix", "--ignore", "--ignore-glob", "--deselect", "--confcutdir"),
        *("--doctest-glob", "--rootdir", "--basetemp", "--assert", "--import-mode", "--log-level"),
        *("--log-cli-level", "--log-file", "--log-file-level", "--pdbcls", "--max-warnings"),
    }
)
# Short options pytest reads as flags, several of which may share one word (`-vx`, `-qq`).
FLAGS = frozenset("vqxslh")


@dataclass(frozen=True)
class PytestArgs:
    options: tuple[str, ...]  # in their order, each value after its option
    paths: tuple[str, ...]  # the test files, folders and node ids
    plain: bool  # every option is one pytest is known to read as written


def parse_args(args: Sequence[str]) -> PytestArgs:
    options: list[str] = []
    paths: list[str] = []
    plain = True
    words = iter(args)
    for word in words:
        if word == "--":  # what follows names tests, whatever it looks like
            paths += list(words)
        elif not word.startswith("-") or word == "-":
            paths.append(word)
        elif word in VALUED:
            options += [word, next(words, "")]
        else:
            options.append(word)
            plain = plain and _known(word)
    return PytestArgs(tuple(options), tuple(paths), plain)


def _known(word: str) -> bool:
    if word.startswith("--"):
        return "=" in word or word in _LONG_FLAGS
    # A short option with its value attached (`-ofoo`, `-rA`), or flags in one word (`-vv`).
    return word[1] in "kmrWcop" or all(c in FLAGS for c in word[1:])


_LONG_FLAGS = frozenset(
    {
        *("--verbose", "--quiet", "--exitfirst", "--strict-markers", "--strict-config", "--strict"),
        *("--showlocals", "--no-header", "--no-summary", "--disable-warnings", "--lf", "--ff", "--nf"),
        *("--last-failed", "--failed-first", "--new-first", "--sw", "--stepwise", "--runxfail"),
        *("--doctest-modules", "--doctest-continue-on-failure", "--full-trace", "--co", "--collect-only"),
        *("--noconftest", "--keep-duplicates", "--collect-in-virtualenv", "--setup-show", "--trace"),
        *("--pdb", "--no-showlocals", "--fulltrace", "--cache-clear", "--pyargs", "--sw-skip"),
        *("--stepwise-skip", "--continue-on-collection-errors", "--setup-only", "--setup-plan"),
    }
)
