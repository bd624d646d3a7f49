"""codefit's erosion and verbosity beside scb-check's (SlopCodeBench's metric tool) on real source trees.

    .venv/bin/python bench/scb_agreement.py [--only NAME ...] [--fetch-only]

Each tree is a pinned sdist from PyPI (`pip download` into `$CODEFIT_CORPUS_CACHE/sdists`, default
`.tools/corpus`, the cache bench/realworld.py uses): eight projects of realworld_corpus.toml and
four more. Of each, the package folder is measured, with the files codefit's quality sensor keeps
there (its default `exclude`: tests out). Those files are copied into a scratch folder and read by:
- codefit, in-process: `measure()` with `nesting = "separate"` (the default) and `"inclusive"`;
- scb-check (`.tools/scb/bin/scb-check check . --report`, from scripts/install-scb), once with its
  ast-grep slop rules and once with `--disable-sg`, which leaves clones and trivial wrappers: the two
  components codefit's verbosity also has.
It prints one Markdown table (the one in docs/sensors.md) and, per compared pair, Spearman's rank
correlation and the mean absolute difference. Exit 1 when a tree is outside TOLERANCE.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from realworld import fetch_sdist  # noqa: E402  (its corpus cache and lock)

from codefit.quality.complexity import Nesting  # noqa: E402
from codefit.quality.report import QualitySettings, measure  # noqa: E402
from codefit.quality.sources import discover, load  # noqa: E402

SCB_CHECK = ROOT / ".tools" / "scb" / "bin" / "scb-check"
# The largest |codefit - scb-check| this bench accepts per tree: erosion with `nesting = "inclusive"`,
# verbosity against scb-check without its ast-grep rules (docs/sensors.md says why the rest differ).
TOLERANCE = {"erosion": 0.06, "verbosity": 0.02}


@dataclass(frozen=True)
class Tree:
    name: str
    version: str
    package: str  # the folder measured, inside the unpacked sdist


TREES = (
    Tree("humanize", "4.11.0", "src/humanize"),
    Tree("inflection", "0.5.1", "inflection"),
    Tree("cachetools", "5.5.0", "src/cachetools"),
    Tree("more-itertools", "10.5.0", "more_itertools"),
    Tree("toolz", "1.0.0", "toolz"),
    Tree("boltons", "24.1.0", "boltons"),
    Tree("iso8601", "2.1.0", "iso8601"),
    Tree("jaraco.functools", "4.1.0", "jaraco"),
    Tree("tabulate", "0.9.0", "tabulate"),
    Tree("idna", "3.10", "idna"),
    Tree("packaging", "24.2", "src/packaging"),
    Tree("click", "8.1.7", "src/click"),
)


@dataclass(frozen=True)
class Row:
    tree: str
    files: int
    sloc: int
    scb_sloc: int
    erosion: float  # codefit, nesting = "separate"
    erosion_inclusive: float  # codefit, nesting = "inclusive"
    scb_erosion: float
    verbosity: float
    scb_verbosity_no_sg: float  # scb-check --disable-sg: clones and trivial wrappers
    scb_verbosity: float  # scb-check with its ast-grep slop rules

    def misses(self) -> list[str]:
        """What is outside TOLERANCE."""
        out = []
        if abs(self.erosion_inclusive - self.scb_erosion) > TOLERANCE["erosion"]:
            out.append(f"erosion {self.erosion_inclusive:.3f} vs {self.scb_erosion:.3f}")
        if abs(self.verbosity - self.scb_verbosity_no_sg) > TOLERANCE["verbosity"]:
            out.append(f"verbosity {self.verbosity:.3f} vs {self.scb_verbosity_no_sg:.3f}")
        return out


def sdist(tree: Tree) -> Path:
    """The cached sdist of `tree` (bench/realworld.py's cache), downloaded first when missing."""
    return fetch_sdist(tree.name, tree.version)


def unpack(tree: Tree, work: Path) -> tuple[Path, list[str]]:
    """A scratch folder holding only the files codefit measures in `tree`'s package, and their paths."""
    with tarfile.open(sdist(tree)) as tar:
        tar.extractall(work / "unpack", filter="data")
    top = next((work / "unpack").iterdir())
    files = discover(top, [tree.package])
    measured = work / "measured"
    for rel in files:
        (measured / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(top / rel, measured / rel)
    return measured, files


def scb_report(folder: Path, *flags: str) -> dict[str, float]:
    """`scb-check check . --report` run in `folder`; its JSON report."""
    env = {k: v for k, v in os.environ.items() if k != "SCB_CHECK_EXTRA_SLOP_RULES"}
    env["PATH"] = f"{SCB_CHECK.parent}{os.pathsep}{env.get('PATH', '')}"  # its own `sg`, not a system one
    proc = subprocess.run(
        [str(SCB_CHECK), "check", ".", "--report", *flags],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode not in (0, 1):  # 1: findings were reported
        raise RuntimeError(f"scb-check failed in {folder} ({proc.returncode}):\n{proc.stderr[-2000:]}")
    report: dict[str, float] = json.loads(proc.stdout)
    return report


def compare(tree: Tree, work: Path) -> Row:
    """Both tools' figures on the same files of `tree`."""
    folder, files = unpack(tree, work)
    sources, broken = load(folder, files)
    if broken:
        raise RuntimeError(f"{tree.name}: codefit cannot parse {[b.path for b in broken]}")
    separate = measure(sources)
    inclusive = measure(sources, QualitySettings(nesting=Nesting.INCLUSIVE))
    full, no_sg = scb_report(folder), scb_report(folder, "--disable-sg")
    return Row(
        tree=f"{tree.name} {tree.version}",
        files=len(files),
        sloc=separate.sloc,
        scb_sloc=int(full["total_loc"]),
        erosion=separate.complexity.erosion,
        erosion_inclusive=inclusive.complexity.erosion,
        scb_erosion=full["erosion"],
        verbosity=separate.verbosity,
        scb_verbosity_no_sg=no_sg["verbosity"],
        scb_verbosity=full["verbosity"],
    )


def spearman(xs: list[float], ys: list[float]) -> float:
    """Spearman's rank correlation: Pearson's over average ranks (nan when a side is constant)."""
    rx, ry = _ranks(xs), _ranks(ys)
    if len(set(rx)) < 2 or len(set(ry)) < 2:
        return float("nan")
    return statistics.correlation(rx, ry)


def _ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


PAIRS = (  # (label, codefit field, scb-check field)
    ("erosion, nesting = separate (default)", "erosion", "scb_erosion"),
    ("erosion, nesting = inclusive", "erosion_inclusive", "scb_erosion"),
    ("verbosity vs scb-check --disable-sg", "verbosity", "scb_verbosity_no_sg"),
    ("verbosity vs scb-check (with ast-grep rules)", "verbosity", "scb_verbosity"),
)


def table(rows: list[Row]) -> str:
    lines = [
        "| tree | files | SLOC codefit / scb | erosion codefit (separate / inclusive) | erosion scb | "
        "Δ inclusive | verbosity codefit | verbosity scb `--disable-sg` | Δ | verbosity scb | Δ |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.tree} | {r.files} | {r.sloc} / {r.scb_sloc} | {r.erosion:.3f} / {r.erosion_inclusive:.3f} "
            f"| {r.scb_erosion:.3f} | {r.erosion_inclusive - r.scb_erosion:+.3f} | {r.verbosity:.3f} "
            f"| {r.scb_verbosity_no_sg:.3f} | {r.verbosity - r.scb_verbosity_no_sg:+.3f} "
            f"| {r.scb_verbosity:.3f} | {r.verbosity - r.scb_verbosity:+.3f} |"
        )
    lines += ["", "| codefit vs scb-check | Spearman rho | mean abs. difference |", "|---|---|---|"]
    for label, ours, theirs in PAIRS:
        xs, ys = [getattr(r, ours) for r in rows], [getattr(r, theirs) for r in rows]
        mad = statistics.fmean(abs(x - y) for x, y in zip(xs, ys, strict=True))
        lines.append(f"| {label} | {spearman(xs, ys):.2f} | {mad:.3f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=[], help="tree names to compare")
    parser.add_argument("--fetch-only", action="store_true", help="download the sdists and stop")
    args = parser.parse_args()
    trees = [t for t in TREES if not args.only or t.name in args.only]
    if args.fetch_only:
        for tree in trees:
            sdist(tree)
        return 0
    if not SCB_CHECK.exists():
        print(f"scb-check is not installed at {SCB_CHECK}: run scripts/install-scb", file=sys.stderr)
        return 2
    rows = []
    for tree in trees:
        with tempfile.TemporaryDirectory(prefix="scb-agreement-") as work:
            rows.append(compare(tree, Path(work)))
    print(table(rows))
    missed = [f"{r.tree}: {m}" for r in rows for m in r.misses()]
    for line in missed:
        print(f"outside tolerance: {line}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
