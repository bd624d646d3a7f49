"""A deterministic stand-in for a coding agent working through an evolving spec.

codefit's `command` optimizer runs it once per step. It reads the task codefit wrote (its heading
"Checkpoint K of N" says which checkpoint is being trained) and writes `inventory.py` with what
checkpoints 1..K ask for. With INVENTORY_AGENT=careless it rewrites `parse_line` from scratch at
the last checkpoint and forgets that whitespace is ignored: the visible tests still pass, and the
series reports the earlier checkpoint's held-out test it broke (forgetting).
"""

import os
import re
from pathlib import Path

PARSE = """

def parse_line(line):
    name, quantity = line.split(",")
    return name.strip(), int(quantity)
"""
CARELESS_PARSE = """

def parse_line(line):
    name, quantity = line.split(",")
    return name, int(quantity)
"""
TOTALS = """

def totals(lines):
    summed = {}
    for line in lines:
        if not line.strip() or line.startswith("#"):
            continue
        name, quantity = parse_line(line)
        summed[name] = summed.get(name, 0) + quantity
    return summed
"""
REPORT = """

def report(totals):
    return "\\n".join(f"{name}: {totals[name]}" for name in sorted(totals) if totals[name])
"""
HEADER = '"""Stock lines and their summaries."""\n'


def main():
    task = Path(os.environ["CODEFIT_TASK_FILE"]).read_text()
    found = re.search(r"Checkpoint (\d+) of (\d+)", task)
    checkpoint = int(found.group(1)) if found else 1
    careless = os.environ.get("INVENTORY_AGENT") == "careless" and checkpoint == 3
    parts = [CARELESS_PARSE if careless else PARSE, TOTALS, REPORT][:checkpoint]
    Path("inventory.py").write_text(HEADER + "".join(parts))


if __name__ == "__main__":
    main()
