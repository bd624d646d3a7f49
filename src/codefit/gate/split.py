"""`codefit split`: Keras' `validation_split` for a pytest suite.

Carves validation and test cases out of the visible suite, stratified per module and per test, and
deterministic for a seed. A unit is, by default, one case: a parametrize case, or a test without
cases (`--by function` moves whole tests, `--by file` whole modules). Each module keeps at least one
visible unit. Shares are shares of cases where the suite's collection is known (`collected`): a unit
weighs the cases pytest collects of it (a test parametrized by a fixture moves whole, with all its
cases), and units are dealt until each split is as near its share of the module's cases as they
allow; otherwise every unit weighs one.

The held-out modules go outside the repository (`--out`) or are sealed into it (`--seal`), named
`<module>_<split>.py` beside where the module lives, so the grader runs them with the module's own
conftest and package. `codefit.toml` gains one sensor per split. Everything the split changed is
recorded in `.codefit/split.json` with the original bytes, so `--undo` restores the suite exactly.
The held-out sensors run with the train sensor's pytest options (`-o pythonpath=src`...), as the
cases did before the split.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import shutil
import tempfile
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from codefit.errors import CodefitError
from codefit.gate.carve import case_count, case_users, select, test_names
from codefit.gate.collected import CaseCounts, cases_of, module_cases
from codefit.gate.imported import imported_modules
from codefit.gate.units import Unit, module_units
from codefit.sensors.pytest_args import PytestArgs, parse_args

MANIFEST = Path(".codefit") / "split.json"
SPLITS = ("validation", "test")


class SplitError(CodefitError):
    """The suite cannot be split as asked."""


class By(StrEnum):
    CASE = "case"
    FUNCTION = "function"
    FILE = "file"


@dataclass
class ModulePlan:
    path: str  # relative to the repository
    original: str
    visible: str
    held: dict[str, str]  # split -> held-out module text ("" when nothing moved there)
    moved: dict[str, list[str]]  # split -> unit labels
    total: int
    cases: dict[str, int] | None = None  # split -> cases moved, and "all": the module's (when collected)


@dataclass
class SplitPlan:
    modules: list[ModulePlan] = field(default_factory=list)
    kept: dict[str, str] = field(default_factory=dict)  # module kept whole -> why

    def moved(self, split: str) -> int:
        return sum(len(m.moved[split]) for m in self.modules)

    def total(self) -> int:
        return sum(m.total for m in self.modules)


def plan_split(
    root: Path,
    paths: Sequence[Path],
    *,
    validation: float,
    test: float,
    seed: int = 0,
    by: By = By.CASE,
    cases: CaseCounts | None = None,
) -> SplitPlan:
    """What would move where; changes nothing. `cases`: the suite's collection, which the shares
    are counted in (`codefit.gate.collected`); without it, or for a module it lacks, units."""
    refuse_if_split(root)
    if not 0 <= validation < 1 or not 0 <= test < 1 or validation + test >= 1 or validation + test == 0:
        raise SplitError("--validation and --test must be fractions in [0, 1) with 0 < sum < 1")
    plan = SplitPlan()
    files: list[tuple[str, str, list[Unit]]] = []
    collected = cases or {}
    found = test_modules(root, paths)
    sources = {m.relative_to(root).as_posix(): m.read_bytes().decode("utf-8") for m in found}
    imported = imported_modules(sources)
    for rel, source in sources.items():  # as read: no newline translation, undo is byte-exact
        if rel in imported:
            plan.kept[rel] = f"imported by {imported[rel]}: kept whole in the visible suite"
            continue
        units = module_units(source, by=by.value, where=rel)
        if not units:
            continue  # no test: nothing to move
        if by != By.FILE and len(units) < 2:  # said, so that the counts add up to the suite
            plan.kept[rel] = "one unit: kept whole in the visible suite (every module keeps a visible case)"
            continue
        if by == By.FILE:
            files.append((rel, source, units))
            continue
        tests = module_cases(collected, rel)
        weights = unit_weights(source, units, tests, where=rel) if tests is not None else None
        chosen = _assign(units, validation, test, seed=seed, key=rel, weights=weights)
        plan.modules.append(_carve_module(rel, source, units, chosen, by, weights))
    if files:
        whole = [Unit(rel, None, "file") for rel, _, _ in files]
        counted = [module_cases(collected, rel) for rel, _, _ in files]
        sizes = [float(sum(t.values())) for t in counted if t is not None]
        sizes_known = sizes if len(sizes) == len(counted) else None
        chosen_files = _assign(whole, validation, test, seed=seed, key="files", weights=sizes_known)
        for (rel, source, units), tests in zip(files, counted, strict=True):
            split_of = {s: [u for u in chosen_files[s] if u.target == rel] for s in SPLITS}
            plan.modules.append(
                _carve_module(
                    rel,
                    source,
                    units,
                    {s: units if split_of[s] else [] for s in SPLITS},
                    by,
                    unit_weights(source, units, tests, where=rel) if tests is not None else None,
                )
            )
    if not plan.modules:
        raise SplitError("no test module with two or more tests to split", where=", ".join(map(str, paths)))
    return plan


def test_modules(root: Path, paths: Sequence[Path]) -> list[Path]:
    """The test modules under `paths` (all in the repository, or a SplitError says which is not)."""
    found: set[Path] = set()
    for path in paths or [root]:
        full = (root / path).resolve()
        if not full.exists():
            raise SplitError("no such file or directory", where=str(path))
        if full != root.resolve() and root.resolve() not in full.parents:
            raise SplitError(f"outside the repository {root}: split the tests it holds", where=str(path))
        candidates = [full] if full.is_file() else full.rglob("*.py")
        for candidate in candidates:
            name = candidate.name
            is_test = name.startswith("test_") or name.endswith("_test.py")
            if is_test and not any(part.startswith(".") for part in candidate.relative_to(root).parts):
                found.add(candidate)
    return sorted(found)


def _assign(
    units: list[Unit],
    validation: float,
    test: float,
    *,
    seed: int,
    key: str,
    weights: Sequence[float] | None = None,
) -> dict[str, list[Unit]]:
    """Stratified per test: units are dealt round-robin over the module's tests in a seeded order.
    Each unit weighing one, the first round(n x share) dealt go to each split; weighing its cases,
    each split takes the units, earliest dealt first, whose cases come nearest its share."""
    n = len(units)
    rng = random.Random(int.from_bytes(hashlib.sha256(f"{seed}:{key}".encode()).digest()[:8], "big"))
    by_stratum: dict[str, list[Unit]] = {}
    for unit in units:
        by_stratum.setdefault(unit.stratum, []).append(unit)
    for members in by_stratum.values():
        rng.shuffle(members)
    strata = list(by_stratum.values())
    rng.shuffle(strata)
    dealt = [members[i] for i in range(max(map(len, strata))) for members in strata if i < len(members)]
    if weights is not None:
        shares = {"validation": validation, "test": test}
        return _assign_cases(dealt, dict(zip(units, weights, strict=True)), shares)
    n_val, n_test = round(n * validation), round(n * test)
    while n_val + n_test > n - 1:  # every module keeps a visible unit
        if n_test >= n_val and n_test:
            n_test -= 1
        else:
            n_val -= 1
    return {"validation": dealt[:n_val], "test": dealt[n_val : n_val + n_test]}


def _assign_cases(
    dealt: list[Unit], weight: Mapping[Unit, float], shares: Mapping[str, float]
) -> dict[str, list[Unit]]:
    """Per split, the units (earliest dealt first) whose cases sum nearest its share of the module's
    cases (a subset sum), from those the splits before it left; a case stays visible."""
    total = sum(weight.values())
    left = [u for u in dealt if weight[u] > 0]  # a test collected with no case moves nowhere
    chosen: dict[str, list[Unit]] = {}
    for split in SPLITS:
        wanted = total * shares[split]
        cases = {u: max(1, round(weight[u])) for u in left}
        limit = wanted + max(cases.values(), default=0)
        reach: dict[int, tuple[int, Unit | None]] = {0: (0, None)}  # cases -> (cases before, unit)
        for unit in left:
            for held in sorted(reach, reverse=True):  # each unit once: sums grow from the largest
                more = held + cases[unit]
                if more not in reach and more <= limit:
                    reach[more] = (held, unit)
        best = min(reach, key=lambda held: (abs(held - wanted), held))
        picked: list[Unit] = []
        while best:
            best, step = reach[best]
            picked += [step] if step is not None else []
        if picked and len(picked) == len(left):  # the module keeps a visible case
            picked.remove(max(picked, key=dealt.index))
        chosen[split] = sorted(picked, key=dealt.index)
        left = [u for u in left if u not in picked]
    return chosen


def unit_weights(source: str, units: Sequence[Unit], tests: Mapping[str, int], *, where: str) -> list[float]:
    """The cases pytest collected of each unit: a whole test's (a class's: its tests'); a row's, an
    equal part of the cases of each test its table parametrizes."""
    weights = []
    for unit in units:
        if unit.index is None:
            weights.append(float(sum(cases_of(tests, name) for name in unit.tests)))
        else:
            users = case_users(source, unit.target, where=where)
            rows = case_count(source, unit.target, where=where)
            weights.append(sum(cases_of(tests, user) for user in users) / rows)
    return weights


def _carve_module(
    rel: str,
    source: str,
    units: list[Unit],
    chosen: dict[str, list[Unit]],
    by: By,
    weights: Sequence[float] | None = None,
) -> ModulePlan:
    moved_units = {u for split in SPLITS for u in chosen[split]}
    kept = [u for u in units if u not in moved_units]
    visible = _select_units(source, kept, rel, by) if moved_units else source
    held = {
        split: _select_units(source, chosen[split], rel, by, conditional=False) if chosen[split] else ""
        for split in SPLITS
    }
    cases = None
    if weights is not None:
        weight = dict(zip(units, weights, strict=True))
        cases = {split: round(sum(weight[u] for u in chosen[split])) for split in SPLITS}
        cases["all"] = round(sum(weights))
    return ModulePlan(
        path=rel,
        original=source,
        visible=visible,
        held=held,
        moved={split: [u.label for u in chosen[split]] for split in SPLITS},
        total=len(units),
        cases=cases,
    )


def _select_units(source: str, units: Iterable[Unit], where: str, by: By, *, conditional: bool = True) -> str:
    cases: dict[str, set[int]] = {}
    tests: list[str] = []
    for unit in units:
        if unit.index is None:
            tests += unit.tests
        else:
            cases.setdefault(unit.target, set()).add(unit.index)
    # Split by case, a case target with nothing kept still needs an entry, or its users would stay
    # with every case; split by test or file, its cases go whole with the tests that use them.
    dealt = module_units(source, by="case", where=where) if by == By.CASE else []
    for target in {u.target for u in dealt if u.index is not None}:
        if target not in cases and case_count(source, target, where=where):
            cases[target] = set()
    return select(source, cases, tests, where=where, conditional=conditional)


def held_name(rel: str, split: str) -> str:
    path = Path(rel)
    return (path.parent / f"{path.stem}_{split}{path.suffix}").as_posix()


def refuse_if_split(root: Path, *, verifying: bool = False) -> None:
    """A split suite is not split again: its record says so here, its config in any clone (the
    record is codefit's own, never committed; the sensors a split wrote are). `verifying`: asked by
    `--verify`, which compares with the suite before the split and so needs that record."""
    if (root / MANIFEST).exists():
        raise SplitError(
            "this suite is already split; run `codefit split --undo` first", where=str(root / MANIFEST)
        )
    written = [
        name for name in _sensor_names(root / "codefit.toml") if name in {f"split_{s}" for s in SPLITS}
    ]
    if written:
        needed = f" (--verify needs the record, {MANIFEST}: run it where the split was made)"
        raise SplitError(
            f"this suite is already split: codefit.toml has the sensors {', '.join(written)} that "
            "`codefit split` wrote, and this clone lacks the split's record; the suite before the split "
            "is in your git history" + (needed if verifying else ""),
            where=str(root / "codefit.toml"),
        )


def _sensor_names(config: Path) -> list[str]:
    return [str(s.get("name")) for s in _config_sensors(config)]


def _config_sensors(config: Path) -> list[dict[str, Any]]:
    try:
        return _sensors(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return []


def _sensors(text: str) -> list[dict[str, Any]]:
    try:
        sensors = tomllib.loads(text).get("sensors", [])
    except tomllib.TOMLDecodeError:
        return []
    return [s for s in sensors if isinstance(s, dict)] if isinstance(sensors, list) else []


def train_command(root: Path) -> PytestArgs | None:
    """The pytest command line of the config's (first) train pytest sensor: the held-out sensors
    need its options (`-o pythonpath=src`...) to run as the visible suite does, and its paths are
    the suite to split. Without a config, that of the config the split will write (`codefit init`'s:
    a src layout's held-out tests need its `-o pythonpath=src` as much). None without such a sensor."""
    config = root / "codefit.toml"
    if config.exists():
        sensors = _config_sensors(config)
    else:
        from codefit.init import starter_config

        sensors = _sensors(starter_config(root))
    for sensor in sensors:
        if (
            sensor.get("kind") == "pytest"
            and sensor.get("split", "train") == "train"
            and isinstance(args := sensor.get("args", []), list)
        ):
            return parse_args([str(a) for a in args])
    return None


def apply_split(
    root: Path,
    plan: SplitPlan,
    *,
    out: Path | None,
    seal: bool,
    options: Sequence[str] = (),
) -> list[str]:
    """Write the visible suite, the held-out suites and the config; returns what it did, line by line."""
    refuse_if_split(root)
    manifest_path = root / MANIFEST
    config = root / "codefit.toml"
    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="codefit-split-") as tmp:
        staging = Path(tmp)
        for module in plan.modules:
            for split in SPLITS:
                if module.held[split]:
                    target = staging / split / held_name(module.path, split)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_text(module.held[split], encoding="utf-8")
        splits = [split for split in SPLITS if (staging / split).exists()]
        if out is not None and not seal:
            for split in splits:
                if (out / split).exists() and any((out / split).iterdir()):
                    raise SplitError("the held-out folder is not empty", where=str(out / split))
        sealed: dict[str, str] = {}
        if seal:
            from codefit.seal import SEALED_DIR, key_for_sealing

            key = key_for_sealing(root)  # no key, no change
            sealed = {split: f"{SEALED_DIR}/split.{split}.sealed" for split in splits}
        # What the split will change is on disk before its first change: should it stop anywhere
        # after this, it undoes what it did, and where even that is cut short `--undo` finishes it.
        manifest: dict[str, Any] = {
            "originals": {m.path: _b64(m.original) for m in plan.modules},
            "config": _b64(config.read_bytes().decode("utf-8")) if config.exists() else None,
            "out": str(out) if out is not None and not seal else None,
            "sealed": list(sealed.values()),
        }
        _write_manifest(manifest_path, manifest)
        try:
            sensors = []
            for split in splits:
                files = sorted(
                    p.relative_to(staging / split).as_posix() for p in (staging / split).rglob("*.py")
                )
                if seal:
                    where = _seal_into(staging / split, root, sealed[split], split, key)
                    lines.append(f"sealed {len(files)} {split} module(s) into {sealed[split]}")
                else:
                    assert out is not None
                    shutil.copytree(staging / split, out / split, dirs_exist_ok=True)
                    where = f'path = "{out / split}"'
                    lines.append(f"wrote {len(files)} {split} module(s) to {out / split}")
                sensors.append(_sensor_toml(split, where, [*options, *files]))
            for module in plan.modules:
                (root / module.path).write_bytes(module.visible.encode("utf-8"))
            _write_config(root, config, sensors)
            # What the split left in each file, so that `--undo` can tell the user's later edits.
            manifest["written"] = {rel: _digest(root / rel) for rel in [*manifest["originals"], config.name]}
            _write_manifest(manifest_path, manifest)
        except BaseException:
            undo_split(root)
            raise
    lines.append(f"updated {config.name} with {len(sensors)} held-out sensor(s); undo: codefit split --undo")
    return lines + ignored_warnings(root, list(sealed.values()))


def ignored_warnings(root: Path, paths: Sequence[str]) -> list[str]:
    """A warning for each of `paths` that git ignores: `git add -A` would leave it out, and a check
    reads the sealed tests from the base commit (a `.*` rule in .gitignore covers .codefit-sealed)."""
    if not paths:
        return []
    from codefit.workspace.git import git

    found = git(root, "check-ignore", "--verbose", "--no-index", "--", *paths, check=False)
    warnings = []
    for line in found.splitlines():
        source, _, path = line.partition("\t")
        file, number, pattern = source.split(":", 2)
        if not pattern.startswith("!"):  # a negated pattern matched: the path is not ignored
            warnings.append(
                f"warning: {path} is git-ignored ({file}:{number}: {pattern}); commit it with "
                f"`git add -f {path}`: `codefit check` reads the sealed tests from the base commit"
            )
    return warnings


def _seal_into(folder: Path, root: Path, sealed: str, split: str, key: bytes) -> str:
    """Seal `folder` at `root / sealed`; the config line that names it."""
    from codefit.seal import seal

    seal(folder, root / sealed, split=split, key=key)
    return f'sealed = "{sealed}"'


def _write_manifest(path: Path, manifest: dict[str, object]) -> None:
    """Written whole or not at all (a temporary file renamed over it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ignore = path.parent / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")  # codefit's own folder never shows in git status
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(manifest, indent=1))
    os.replace(partial, path)


def _sensor_toml(split: str, where: str, args_list: list[str]) -> str:
    feedback = 'feedback = "verdict"\nbudget = 5\n' if split == "validation" else ""
    args = ", ".join(json.dumps(a) for a in args_list)
    return (
        f'\n[[sensors]]            # written by `codefit split`\nname = "split_{split}"\nkind = "pytest"\n'
        f'{where}\ndest = "."\nargs = [{args}]\nsplit = "{split}"\n{feedback}'
    )


def _write_config(root: Path, config: Path, sensors: list[str]) -> None:
    if not config.exists():
        from codefit.init import write_starter_config

        write_starter_config(root, force=False)
    text = config.read_text(encoding="utf-8")
    # Sensors are array-of-tables entries: they must come before any other table ([optimizer]...).
    cut = _first_plain_table(text)
    block = "".join(sensors)
    config.write_text(text[:cut].rstrip("\n") + "\n" + block + ("\n" + text[cut:] if cut < len(text) else ""))


def _first_plain_table(text: str) -> int:
    offset = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith("[") and not stripped.startswith("[["):
            return offset
        offset += len(line)
    return len(text)


def undo_split(root: Path, *, force: bool = False) -> list[str]:
    """Put back every file the split changed, byte for byte, and remove what it wrote; a file edited
    since the split is not overwritten unless `force`."""
    manifest_path = root / MANIFEST
    if not manifest_path.exists():
        split_sensors = {f"split_{s}" for s in SPLITS}
        if (root / "codefit.toml").exists() and split_sensors & set(_sensor_names(root / "codefit.toml")):
            raise SplitError(
                f"nothing to undo here: codefit.toml has the sensors `codefit split` wrote, but its record "
                f"({MANIFEST}) stays on the machine that split; undo there, or revert the split's commit",
                where=str(root),
            )
        raise SplitError("nothing to undo: this suite was not split by `codefit split`", where=str(root))
    manifest = json.loads(manifest_path.read_text())
    edited = [rel for rel, digest in manifest.get("written", {}).items() if _digest(root / rel) != digest]
    if edited and not force:
        raise SplitError(
            f"edited since the split: {', '.join(edited)}; undo would put back the originals over those "
            "edits (`codefit split --undo --force` does)",
            where=str(root),
        )
    lines = []
    for rel, data in manifest["originals"].items():
        original = base64.b64decode(data)
        if not (root / rel).is_file() or (root / rel).read_bytes() != original:  # named only if changed
            (root / rel).write_bytes(original)
            lines.append(f"restored {rel}")
    config = root / "codefit.toml"
    if manifest["config"] is None:
        config.unlink(missing_ok=True)
        lines.append("removed codefit.toml (the split wrote it)")
    else:
        config.write_bytes(base64.b64decode(manifest["config"]))
        lines.append("restored codefit.toml")
    for sealed in manifest["sealed"]:
        (root / sealed).unlink(missing_ok=True)
        lines.append(f"removed {sealed}")
    if manifest["out"]:
        for split in SPLITS:
            shutil.rmtree(Path(manifest["out"]) / split, ignore_errors=True)
        lines.append(f"removed the held-out folders under {manifest['out']}")
    manifest_path.unlink()
    return lines


def _digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


__all__ = ["By", "SplitError", "SplitPlan", "apply_split", "plan_split", "test_names", "undo_split"]
