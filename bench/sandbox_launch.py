"""What the sandbox costs per launch, and what handing a tree to the sandbox user costs.

    python bench/sandbox_launch.py [--runs 20] [--files 2000]

Prints medians (ms) and ratios measured in this run:
- `true` run bare, under bubblewrap as codefit runs it for a non-root user (no drop), and, when
  this runs as root, with the drop to an unprivileged user (PID 1 `sandbox_init.py` + a nested
  user namespace);
- `grant` on a tree of `--files` files: the first call (everything chowned) and a repeated one
  (nothing to change), against a bare `os.walk` + `lstat` of the same tree.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from codefit.workspace import sandbox_user
from codefit.workspace.sandbox import SandboxSpec, sandbox_available, wrap_command


def median_ms(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run(argv: list[str]) -> None:
    subprocess.run(argv, check=True, capture_output=True)


def tree_of(root: Path, files: int) -> Path:
    for index in range(files):
        path = root / f"pkg{index % 40}" / f"mod{index}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")
    return root


def walk(root: Path) -> None:
    for folder, _dirs, names in os.walk(root):
        for name in names:
            os.lstat(os.path.join(folder, name))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--files", type=int, default=2000)
    args = parser.parse_args()
    if not sandbox_available():
        print("bubblewrap is not available here: nothing to measure")
        return 1
    identity = sandbox_user.sandbox_identity()
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        ws.mkdir()
        spec = SandboxSpec(workspace=ws)
        bare = median_ms(lambda: run(["true"]), args.runs)
        dropped = median_ms(lambda: run(wrap_command(["true"], spec)), args.runs)
        real = sandbox_user.sandbox_identity
        sandbox_user.sandbox_identity = lambda: None
        try:
            plain = median_ms(lambda: run(wrap_command(["true"], spec)), args.runs)
        finally:
            sandbox_user.sandbox_identity = real
        print(f"launch of `true`: bare {bare:.1f} ms, bubblewrap {plain:.1f} ms ({plain / bare:.1f}x)")
        if identity is not None:
            print(
                f"  as root, dropped to uid {identity.uid} ({identity.drop}): {dropped:.1f} ms "
                f"({dropped / plain:.2f}x bubblewrap alone, +{dropped - plain:.1f} ms)"
            )
            tree = tree_of(Path(tmp) / "tree", args.files)
            walked = median_ms(lambda: walk(tree), args.runs)
            start = time.perf_counter()
            sandbox_user.grant([tree], identity)
            first = (time.perf_counter() - start) * 1000
            again = median_ms(lambda: sandbox_user.grant([tree], identity), args.runs)
            print(
                f"grant on {args.files} files: first {first:.1f} ms ({first / walked:.1f}x a bare walk "
                f"of {walked:.1f} ms), repeated {again:.1f} ms ({again / walked:.2f}x)"
            )
        else:
            print("  not root: no drop, no grant (run as root to measure them)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
