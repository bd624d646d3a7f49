"""Peak memory of capturing a flood of output: run_bounded reading everything vs a bounded capture.

    .venv/bin/python bench/output_cap.py [MiB]

Each variant runs in a fresh interpreter that captures a child printing MiB mebibytes, and
reports its own peak RSS (ru_maxrss); the ratio is against the unbounded read, same run.
"""

from __future__ import annotations

import json
import subprocess
import sys

CHILD = "import sys\nb = b'x' * (1 << 20)\nfor _ in range({n}):\n    sys.stdout.buffer.write(b)\n"
PROBE = (
    "import json, os, resource, sys, time\n"
    "from pathlib import Path\n"
    "from codefit.sensors.process import run_bounded\n"
    "kw = json.loads(sys.argv[1])\n"
    "t = time.perf_counter()\n"
    "done = run_bounded([sys.executable, '-c', sys.argv[2]], cwd=Path('.'), env=dict(os.environ),"
    " timeout_s=600, **kw)\n"
    "print(json.dumps({'rss_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,"
    " 'kept': len(done.stdout), 's': time.perf_counter() - t}))\n"
)


def measure(n: int, kwargs: dict[str, object]) -> dict[str, float]:
    child = CHILD.format(n=n)
    out = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(kwargs), child], capture_output=True, text=True, check=True
    )
    result: dict[str, float] = json.loads(out.stdout)
    return result


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 512
    rows = [
        (f"{n} MiB, keep all", measure(n, {"max_output_bytes": None})),
        (f"{n} MiB, default", measure(n, {})),
        (f"{4 * n} MiB, default", measure(4 * n, {})),
        (f"{4 * n} MiB, 1 MiB cap", measure(4 * n, {"max_output_bytes": 1 << 20})),
    ]
    base = rows[0][1]
    print(f"{'child prints':<22} {'peak RSS MiB':>12} {'kept MiB':>9} {'vs keep all':>11}")
    for name, r in rows:
        ratio = r["rss_mib"] / base["rss_mib"]
        print(f"{name:<22} {r['rss_mib']:>12.1f} {r['kept'] / 2**20:>9.1f} {ratio:>11.3f}")


if __name__ == "__main__":
    main()
