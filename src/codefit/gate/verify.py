"""`codefit split --verify`: the split suite runs the cases the original suite ran, as it ran them.

Two copies of the working tree: one holds the suite as it was before the split (the split's record
keeps every file it changed), the other the split suite with its held-out modules put back where
they go. The train pytest sensors run on both, the held-out sensors on the split copy, all confined
as in a run. A held-out module `<module>_<split>.py` holds cases of `<module>.py`, so its cases are
named as they were before the split. Every case must run once, with the outcome it had: a case
lost, one run twice, or one that passes or fails otherwise than before (a test that needed a
module-level side effect, or an earlier test, that moved away from it) is a difference, named.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from codefit.config import load_config
from codefit.gate.split import MANIFEST, SPLITS, SplitError
from codefit.harness.plan import plan_from_config
from codefit.sensors.base import Outcome, SensorContext
from codefit.sensors.pytest_sensor import PytestSensor
from codefit.workspace.changes import visible_files
from codefit.workspace.generated import carried_in_checkout, write_carried
from codefit.workspace.grading import materialize_heldout


@dataclass
class Verification:
    """The cases each suite ran, by their names before the split, with their outcomes."""

    before: dict[str, Outcome] = field(default_factory=dict)
    after: dict[str, Outcome] = field(default_factory=dict)
    where: dict[str, str] = field(default_factory=dict)  # case -> the split that ran it after
    twice: list[str] = field(default_factory=list)  # cases the split suite ran more than once
    errors: list[str] = field(default_factory=list)  # a suite that did not run, and why
    unimportable: list[str] = field(default_factory=list)  # modules erring before and in held-out halves

    def lost(self) -> list[str]:
        renamed = self.renamed()
        return sorted(c for c in self.before.keys() - self.after.keys() if _test_of(c) not in renamed)

    def added(self) -> list[str]:
        renamed = self.renamed()
        return sorted(c for c in self.after.keys() - self.before.keys() if _test_of(c) not in renamed)

    def renamed(self) -> list[str]:
        """Tests whose cases ran under other ids after the split, as many as before and with the same
        outcomes: pytest made their ids from values computed at collection (marshmallow's
        `datetime.now()`), which differ from run to run. The split keeps every id it can (a test
        whose ids it would change moves whole), so such a test is compared by count and outcome."""
        gone: dict[str, list[Outcome]] = {}
        new: dict[str, list[Outcome]] = {}
        for case in self.before.keys() - self.after.keys():
            gone.setdefault(_test_of(case), []).append(self.before[case])
        for case in self.after.keys() - self.before.keys():
            new.setdefault(_test_of(case), []).append(self.after[case])
        return sorted(t for t in gone.keys() & new.keys() if sorted(gone[t]) == sorted(new[t]))

    def changed(self) -> list[str]:
        return sorted(c for c in self.before.keys() & self.after.keys() if self.before[c] != self.after[c])

    @property
    def same(self) -> bool:
        return not (self.errors or self.twice or self.lost() or self.added() or self.changed())

    def lines(self, limit: int = 20) -> list[str]:
        """What a user reads: the counts, then each difference (the first `limit` of each kind)."""
        counts = {split: sum(1 for w in self.where.values() if w == split) for split in ("train", *SPLITS)}
        # The share held out, in cases: tied units (classes inheriting tests, imported modules) can
        # hold many cases each, and leave far fewer held out than the split asked for.
        total = sum(counts.values()) or 1
        shown = ", ".join(
            f"{n} visible" if split == "train" else f"{n} {split} ({100 * n / total:.0f} %)"
            for split, n in counts.items()
        )
        out = [f"before the split: {len(self.before)} cases; after: {shown}"]
        if self.errors:  # nothing compared
            return out + [f"  {error}" for error in self.errors]
        says: list[tuple[str, list[str], Callable[[str], str]]] = [
            ("ran twice after the split", self.twice, lambda c: ""),
            ("lost: ran before the split, not after", self.lost(), lambda c: ""),
            ("new: ran after the split, not before", self.added(), lambda c: f" ({self.where[c]})"),
            (
                "outcome changed",
                self.changed(),
                lambda c: f": {self.before[c]} before, {self.after[c]} after ({self.where[c]})",
            ),
        ]
        for title, cases, say in says:
            if cases:
                out.append(f"{len(cases)} {title}:")
                out += [f"  {case}{say(case)}" for case in cases[:limit]]
                out += [f"  ... and {len(cases) - limit} more"] if len(cases) > limit else []
        for module in sorted(set(self.unimportable)):
            out.append(
                f"{module} does not import, before the split as after, nor do its held-out halves: every "
                "check fails their splits until it does (`codefit doctor` names the error; or split "
                "the other test paths alone)"
            )
        renamed = self.renamed()
        if renamed:
            out.append(
                f"{len(renamed)} test(s) named their cases otherwise from one run to the next (ids made "
                f"of values computed at collection, such as the time), compared by count and outcome: "
                f"{', '.join(renamed[:limit])}{' ...' if len(renamed) > limit else ''}"
            )
        if self.same:
            out.append("verified: every case ran once after the split, with the outcome it had before")
        failing = self.failing_heldout()
        if failing:
            out.append(
                f"{len(failing)} held-out case(s) fail on the code as it is now: `codefit check` fails "
                "their split on every change until they pass; fix them, or mark them xfail, before "
                "relying on it:"
            )
            out += [f"  {case} ({self.after[case]}, {self.where[case]})" for case in failing[:limit]]
            out += [f"  ... and {len(failing) - limit} more"] if len(failing) > limit else []
        return out

    def failing_heldout(self) -> list[str]:
        """Held-out cases that fail now: a check can tell no author which, only that the split failed
        (this, run by whoever split the suite, may)."""
        bad = (Outcome.FAILED, Outcome.ERROR)
        return sorted(c for c, outcome in self.after.items() if outcome in bad and self.where[c] in SPLITS)


def verify_split(root: Path, progress: Callable[[str], None] = lambda line: None) -> Verification:
    """Run the suite as it was before the split and as it is now (see the module)."""
    manifest_path = root / MANIFEST
    if not manifest_path.exists():
        raise SplitError(
            "nothing to verify: this suite was not split here (`codefit split` keeps its record in "
            f"{MANIFEST}, on the machine that split it)",
            where=str(root),
        )
    originals: dict[str, str] = json.loads(manifest_path.read_text())["originals"]
    plan = plan_from_config(load_config(root, root / "codefit.toml"))
    train = [s for s in plan.spec.train if isinstance(s, PytestSensor)]
    blind = [
        s
        for s in [*plan.spec.validation, *plan.spec.test]
        if isinstance(s, PytestSensor) and s.settings.name in _SPLIT_SENSORS
    ]
    if not train or not blind:
        raise SplitError(
            "codefit.toml has no train pytest sensor or no held-out sensor of the split "
            f"({', '.join(sorted(_SPLIT_SENSORS))})",
            where=str(root / "codefit.toml"),
        )
    found = Verification()
    with tempfile.TemporaryDirectory(prefix="codefit-verify-") as tmp:
        original, split, heldout = Path(tmp) / "original", Path(tmp) / "split", Path(tmp) / "heldout"
        for sensor in blind:  # first: no key, or the wrong one, is said before any suite runs
            materialize_heldout(sensor.settings, heldout)
        for tree in (original, split):
            working_copy(root, tree)
        for rel, data in originals.items():
            (original / rel).write_bytes(base64.b64decode(data))
        progress(f"running the suite as it was before the split ({len(train)} train sensor(s))")
        for case, outcome, _ in _cases(train, original, plan.context, found):
            found.before[case] = outcome
        broken = sorted(case for case, outcome in found.before.items() if "::" not in case)
        if broken and all(outcome == Outcome.ERROR for outcome in found.before.values()):
            found.errors.append(
                f"the suite before the split ran no test: {', '.join(broken)} did not import, and pytest "
                "stops at an error collecting (`codefit doctor` names it: a test dependency to install?)"
            )
            return found
        progress("running the visible suite")
        after = list(_cases(train, split, plan.context, found))
        shutil.copytree(heldout, split, symlinks=True, dirs_exist_ok=True)
        progress(f"running the held-out suites ({', '.join(s.settings.name for s in blind)})")
        after += _cases(blind, split, plan.context, found)
    for case, outcome, where in after:
        if case in found.after:
            # A module that did not import before the split does not in any half it went to.
            failed_to_import = "::" not in case and Outcome.ERROR == outcome == found.before.get(case)
            (found.unimportable if failed_to_import else found.twice).append(case)
        found.after[case], found.where[case] = outcome, where
    return found


_SPLIT_SENSORS = frozenset(f"split_{split}" for split in SPLITS)


def _cases(
    sensors: Sequence[PytestSensor], tree: Path, ctx: SensorContext, found: Verification
) -> list[tuple[str, Outcome, str]]:
    """(case as named before the split, outcome, split) of each test the sensors ran on `tree`. All
    of the tree is the user's own code: nothing it does is read as tampering."""
    own = dataclasses.replace(ctx, unchanged_blobs=blob_ids(tree), changed_bases={})
    out = []
    for sensor in sensors:
        reading = sensor.read(tree, own)
        if reading.error:
            found.errors.append(
                f"{sensor.settings.name} on the {tree.name} suite did not run: {reading.error}"
            )
        split = str(sensor.settings.split)
        out += [(name_before_split(t.nodeid, split), t.outcome, split) for t in reading.tests]
    return out


def _test_of(case: str) -> str:
    """The test a case belongs to: its id without the parameters (`t.py::test_f[1]` -> `t.py::test_f`)."""
    return case.partition("[")[0]


def name_before_split(nodeid: str, split: str) -> str:
    """`tests/test_a_validation.py::test_f[1]` -> `tests/test_a.py::test_f[1]` (`split` its split)."""
    path, sep, rest = nodeid.partition("::")
    suffix = f"_{split}.py"
    if split in SPLITS and path.endswith(suffix):
        path = path[: -len(suffix)] + ".py"
    return path + sep + rest


def working_copy(root: Path, dest: Path) -> None:
    """The working tree's files (tracked, and untracked ones git does not ignore) into `dest`, with
    a version module the build writes (`codefit.workspace.generated`)."""
    files = visible_files(root)
    for rel in files:
        source = root / rel
        if not source.is_file() and not source.is_symlink():
            continue  # deleted since it was committed
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
    write_carried(carried_in_checkout(root, set(files)), dest)


def blob_ids(tree: Path) -> dict[str, str]:
    """{path: git blob id} of the tree's Python files (how the grader's audit hook knows own code)."""
    ids = {}
    for path in tree.rglob("*.py"):
        data = path.read_bytes()
        ids[path.relative_to(tree).as_posix()] = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
    return ids
