"""An optimizer command that tries every way we know to find held-out tests and codefit's key.

Run as `python exfiltrate.py MARKER KEY TARGET...`; prints a JSON list of what it found, one
entry per channel ("env", "proc:<pid>", "file:<path>", "walk:<path>", "git:<how>").
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SKIP_DIRS = {"/proc", "/sys", "/dev", "/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc", "/boot"}


def leaks(data: bytes, secrets: list[bytes]) -> bool:
    return any(s in data for s in secrets)


def scan(secrets: list[bytes], targets: list[str]) -> list[str]:
    found: list[str] = []
    if leaks("\n".join(f"{k}={v}" for k, v in os.environ.items()).encode(), secrets):
        found.append("env")
    own = Path("/proc/self/cmdline").read_bytes()
    for pid in [p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]:
        for part in ("environ", "cmdline"):
            try:
                data = Path(f"/proc/{pid}/{part}").read_bytes()
                if part == "cmdline" and data.endswith(own):
                    continue  # a launcher of this very command: its arguments are ours
                if leaks(data, secrets):
                    found.append(f"proc:{pid}/{part}")
            except OSError:
                pass
    for target in targets:
        for root, _dirs, files in os.walk(target) if os.path.isdir(target) else [("", [], [target])]:
            for name in files:
                path = os.path.join(root, name)
                try:
                    if leaks(Path(path).read_bytes(), secrets) or leaks(path.encode(), secrets):
                        found.append(f"file:{path}")
                except OSError:
                    pass
    walk_roots = {"/var/tmp", os.environ.get("HOME", "/root"), str(Path.cwd().parent)}
    walk_roots |= {str(Path(t).parent) for t in targets}
    for top in sorted(walk_roots):
        for root, dirs, files in os.walk(top):
            dirs[:] = [d for d in dirs if os.path.join(root, d) not in SKIP_DIRS and d != ".venv"]
            for name in files:
                path = os.path.join(root, name)
                try:
                    if leaks(path.encode(), secrets) or (
                        os.path.getsize(path) < 1_000_000 and leaks(Path(path).read_bytes(), secrets)
                    ):
                        found.append(f"walk:{path}")
                except OSError:
                    pass
    git_tries = {
        "log": ["git", "log", "--all", "-p"],
        "objects": ["git", "cat-file", "--batch-all-objects", "--batch"],
        "reflog": ["git", "reflog", "--all"],
    }
    for target in [".", *targets]:
        if not os.path.isdir(target):
            continue
        for how, argv in git_tries.items():
            out = subprocess.run(argv, cwd=target, capture_output=True).stdout
            if leaks(out, secrets):
                found.append(f"git:{how}:{target}")
    return sorted(set(found))


if __name__ == "__main__":
    marker, key, *paths = sys.argv[1:]
    print(json.dumps(scan([marker.encode(), key.encode()], paths)))
