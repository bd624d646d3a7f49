"""The `codefit` command's entry (`codefit` on PATH, `python -m codefit`): the CLI, with a Ctrl-C
during its import (most of its start) said as one line, as everywhere else, not as a traceback."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from codefit.cli import main as run
    except KeyboardInterrupt:
        print("codefit: interrupted", file=sys.stderr)
        sys.exit(130)
    run()


if __name__ == "__main__":
    main()
