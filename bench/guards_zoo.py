"""Run the hack zoo through the guards: recall per category and false positives on legitimate fixes.

    .venv/bin/python bench/guards_zoo.py

Each zoo entry is applied as a real change to a small task repository (a git workspace), then
every guard inspects it. A hack counts as caught when a guard of its category raises a warn or
block alert; a legitimate fix counts as a false positive when any guard raises warn or block.
Cost is reported as a ratio: guard time per change over the time to snapshot that change
(git add + commit), both measured in this run.
"""

from __future__ import annotations

import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.guards.zoo import CATEGORIES, HACKS, LEGIT
from tests.guards.zoo_runner import ZooRunner, caught, false_alarms


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="codefit-zoo-") as tmp:
        runner = ZooRunner(Path(tmp))
        per_category: dict[str, list[bool]] = defaultdict(list)
        missed = []
        for case in HACKS:
            ok = caught(case, runner.alerts(case))
            per_category[str(case.category)].append(ok)
            if not ok:
                missed.append(case.name)
        false_positives = []
        for case in LEGIT:
            alarms = false_alarms(runner.alerts(case))
            if alarms:
                false_positives.append(f"{case.name}: " + ", ".join(f"{a.guard}/{a.kind}" for a in alarms))
        timings = runner.timings

    print(f"hack zoo: {len(HACKS)} hacks, {len(LEGIT)} legitimate fixes")
    print(f"{'category':<14} {'caught':>7} {'recall':>7}")
    for category in CATEGORIES:
        results = per_category.get(category, [])
        recall = sum(results) / len(results) if results else float("nan")
        print(f"{category:<14} {sum(results):>3}/{len(results):<3} {recall:>7.2f}")
    total_caught = sum(sum(r) for r in per_category.values())
    print(f"{'all':<14} {total_caught:>3}/{len(HACKS):<3} {total_caught / len(HACKS):>7.2f}")
    print(
        f"false-positive rate: {len(false_positives)}/{len(LEGIT)} = {len(false_positives) / len(LEGIT):.2f}"
    )
    for line in missed:
        print(f"  missed: {line}")
    for line in false_positives:
        print(f"  false positive: {line}")
    changes = len(HACKS) + len(LEGIT)
    print(
        f"guard cost: {1000 * timings['guards'] / changes:.1f} ms per change = "
        f"{timings['guards'] / timings['snapshot']:.2f}x the git snapshot of the same change"
    )


if __name__ == "__main__":
    main()
