"""codefit on real projects: pinned PyPI sdists, each with a recorded bug and carved held-out tests.

    .venv/bin/python bench/realworld.py [--only NAME ...] [--modes search,honest,hardcode] [--repeat 3]

For every project of `bench/realworld_corpus.toml`: fetch the sdist (`pip download`, cached under
`$CODEFIT_CORPUS_CACHE`, default `.tools/corpus`), give it a virtual environment of its own (its
`.venv`, as a user would have it; an editable install where the project is installed that way),
commit it as a git repository with the bug applied and the held-out tests carved out, then:
- `codefit init` writes the config; nothing else is configured but the two held-out sensors;
- baseline collects: `codefit evaluate --split train` collects tests and reports no error;
- agrees: its per-test outcomes equal a bare pytest run's (same pass/fail per test);
- bare s / eval: one bare pytest run of the train suite, and evaluation time over it (ratio of
  medians of `--repeat` interleaved runs each);
- step +s: a `fit` step's fixed overhead, its time less its sensors' own runs (median over the
  scripted agents' steps; the search's steps are its own work);
- search / honest / hardcode: `codefit fit` with the search optimizer, a scripted honest fixer and
  a scripted hard-coder (command optimizer); the hard-coder must not meet the spec.
It prints one table and exits 1 when a project misses a target.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from codefit.gate.carve import carve_cases, carve_tests  # noqa: E402

CORPUS = Path(__file__).with_name("realworld_corpus.toml")
CODEFIT = [sys.executable, "-m", "codefit"]
IDENTITY = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@localhost",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@localhost",
}
MODES = ("search", "honest", "hardcode")


@dataclass
class Project:
    name: str
    version: str
    shape: str
    install: str
    file: str
    old: str
    new: str
    hardcode: str
    carve: dict[str, Any]
    deps: list[str] = field(default_factory=list)
    build: list[str] = field(default_factory=list)
    pytest: str = "pytest>=8"
    # Files the sdist ships that a git clone lacks until the project is installed (a version module
    # setuptools_scm writes): left untracked, as the clone has them, and written by the install.
    generated: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.name}-{self.version}"


@dataclass
class Prepared:
    project: Project
    repo: Path
    heldout: Path
    python: Path


def load_corpus(path: Path = CORPUS) -> list[Project]:
    return [Project(**entry) for entry in tomllib.loads(path.read_text())["project"]]


def cache_dir() -> Path:
    return Path(os.environ.get("CODEFIT_CORPUS_CACHE", ROOT / ".tools" / "corpus"))


def run(
    argv: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=timeout
    )


def checked(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    proc = run(argv, cwd, env)
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv[:4])} failed in {cwd}:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
        )
    return proc.stdout


@contextlib.contextmanager
def exclusive(key: str) -> Iterator[None]:
    """A corpus cache entry (`name-version`) to this process alone (other test workers and benches
    wait): its sdist and environment are built once, and an editable install points at one checkout."""
    if key in _HELD:  # taken already by this process (a flock on a new open file would wait)
        yield
        return
    locks = cache_dir() / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    with open(locks / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _HELD.add(key)
        try:
            yield
        finally:
            _HELD.discard(key)


_HELD: set[str] = set()


def sdist(project: Project) -> Path:
    return fetch_sdist(project.name, project.version)


def fetch_sdist(name: str, version: str) -> Path:
    """The cached sdist of `name==version`, downloaded first when missing."""
    with exclusive(f"{name}-{version}"):
        folder = cache_dir() / "sdists"
        stem = f"{name}-{version}".replace("-", "_").replace(".", "_").lower()
        for _ in range(2):
            for found in sorted(folder.glob("*.tar.gz")):
                if found.name[: -len(".tar.gz")].replace("-", "_").replace(".", "_").lower() == stem:
                    return found
            folder.mkdir(parents=True, exist_ok=True)
            argv = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:"]
            checked([*argv, "-d", str(folder), f"{name}=={version}"], folder)
    raise RuntimeError(f"pip download left no sdist of {name}=={version} in {folder}")


def venv(project: Project) -> Path:
    """The project's own environment: pytest, its test dependencies, its build backend."""
    with exclusive(project.key):
        return _venv(project)


def _venv(project: Project) -> Path:
    path = cache_dir() / "venvs" / project.key
    python = path / "bin" / "python"
    stamp = path / "codefit-bench.json"
    wanted = json.dumps([project.pytest, *project.deps, *project.build])
    if not (python.exists() and stamp.exists() and stamp.read_text() == wanted):
        shutil.rmtree(path, ignore_errors=True)
        checked([sys.executable, "-m", "venv", str(path)], ROOT)
        checked(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                project.pytest,
                *project.deps,
                *project.build,
            ],
            ROOT,
        )
        stamp.write_text(wanted)
    return python


def prepare(project: Project, work: Path) -> Prepared:
    """A git repository of the project with the bug in, its held-out tests beside it."""
    with tarfile.open(sdist(project)) as tar:
        tar.extractall(work / "unpack", filter="data")
    top = next((work / "unpack").iterdir())
    repo = work / project.name
    top.rename(repo)
    for generated in [*repo.glob("*.egg-info"), repo / "PKG-INFO"]:
        shutil.rmtree(generated) if generated.is_dir() else generated.unlink(missing_ok=True)
    target = repo / project.file
    text = target.read_text()
    if text.count(project.old) != 1:
        raise RuntimeError(
            f"{project.key}: the bug's `old` text occurs {text.count(project.old)} times in {project.file}"
        )
    target.write_text(text.replace(project.old, project.new))
    heldout = work / f"{project.name}-heldout"
    carve_into(project, repo, heldout)
    python = venv(project)
    (repo / ".venv").symlink_to(python.parent.parent)  # the user's environment, where codefit looks
    git = ["git", "-c", "init.defaultBranch=main"]
    checked([*git, "init", "-q"], repo)
    untracked = [":!.venv", *(f":!{rel}" for rel in project.generated)]
    checked(["git", "add", "-A", "-f", "--", ".", *untracked], repo)  # tracked even where .gitignore matches
    for rel in project.generated:
        if run(["git", "check-ignore", "-q", rel], repo).returncode != 0:
            raise RuntimeError(f"{project.key}: {rel} is generated but its .gitignore does not ignore it")
    checked(["git", "commit", "-q", "-m", f"{project.key} with a bug"], repo, IDENTITY)
    if project.install == "editable":
        checked(
            [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "-e", str(repo)],
            repo,
            {"SETUPTOOLS_SCM_PRETEND_VERSION": project.version},
        )
    return Prepared(project, repo, heldout, python)


def carve_into(project: Project, repo: Path, heldout: Path) -> None:
    spec = project.carve
    path = repo / spec["file"]
    source = path.read_text()
    if "cases" in spec:
        count = _case_count(source, spec["cases"])
        every = spec.get("every")
        val = spec.get("validation", [i for i in range(count) if every and i % every == 1])
        tst = spec.get("test", [i for i in range(count) if every and i % every == 2])
        visible, both = carve_cases(source, spec["cases"], [*val, *tst], where=spec["file"])
        order = sorted({*val, *tst})
        _, val_text = carve_cases(both, spec["cases"], [order.index(i) for i in val])
        _, tst_text = carve_cases(both, spec["cases"], [order.index(i) for i in tst])
    else:
        val, tst = spec["tests"]["validation"], spec["tests"]["test"]
        visible, _ = carve_tests(source, [*val, *tst], where=spec["file"])
        _, val_text = carve_tests(source, val)
        _, tst_text = carve_tests(source, tst)
    path.write_text(visible)
    name = Path(spec["file"])
    for split, text in (("validation", val_text), ("test", tst_text)):
        out = heldout / split / f"{name.stem}_{split}.py"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)


def _case_count(source: str, target: str) -> int:
    import ast

    from codefit.gate.carve import _case_literal  # the same lookup the carving uses

    literal, _ = _case_literal(ast.parse(source), target, "")
    return len(literal.elts)


def configure(prep: Prepared, mode: str) -> None:
    """`codefit init`, then the held-out sensors and the optimizer of `mode`: nothing else."""
    repo, project = prep.repo, prep.project
    checked([*CODEFIT, "init", str(repo), "--force"], repo)
    config = (repo / "codefit.toml").read_text()
    dest = str(Path(project.carve["file"]).parent)
    for split, budget in (("validation", 3), ("test", 1)):
        config += (
            f'\n[[sensors]]\nname = "held_{split}"\nkind = "pytest"\npath = "{prep.heldout / split}"\n'
            f'dest = "{dest}"\nsplit = "{split}"\nfeedback = "verdict"\nbudget = {budget}\n'
        )
    optimizer = 'kind = "search"'
    if mode != "search":
        new, old = (project.new, project.old) if mode == "honest" else (project.new, project.hardcode)
        script = (
            f"import pathlib; p = pathlib.Path({project.file!r}); "
            f"p.write_text(p.read_text().replace({new!r}, {old!r}, 1))"
        )
        optimizer = f'kind = "command"\ncommand = {json.dumps("python3 -c " + shlex.quote(script))}'
    config = config.replace('kind = "search"', optimizer, 1)  # the [optimizer] table's own line
    (repo / "codefit.toml").write_text(config)


def disagreements(bare: dict[str, str], ours: dict[str, str]) -> list[str]:
    """The tests whose outcomes differ between the two runs. A test whose case ids differ from one
    run to the next is compared by how many of its cases had each outcome: isodate keeps a table in
    a set with `None` in it, hashed by address, so its cases come (and are numbered) in another
    order in every process."""
    differ = {k for k in set(bare) | set(ours) if bare.get(k) != ours.get(k)}
    renamed = {k.partition("[")[0] for k in differ if k not in bare or k not in ours}

    def counts(side: dict[str, str], test: str) -> Counter[str]:
        return Counter(v for k, v in side.items() if k.partition("[")[0] == test)

    alike = {test for test in renamed if counts(bare, test) == counts(ours, test)}
    return sorted(k for k in differ if k.partition("[")[0] not in alike)


def bare_outcomes(prep: Prepared, args: list[str]) -> tuple[dict[str, str], float]:
    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / "junit.xml"
        start = time.perf_counter()
        run(
            [str(prep.python), "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={xml}", *args],
            prep.repo,
        )
        elapsed = time.perf_counter() - start
        outcomes: dict[str, str] = {}
        if xml.exists():
            for case in ET.parse(xml).iter("testcase"):
                tags = {child.tag for child in case}
                outcome = (
                    "failed" if tags & {"failure", "error"} else "skipped" if "skipped" in tags else "passed"
                )
                outcomes[f"{case.get('classname')}.{case.get('name')}"] = outcome
    return outcomes, elapsed


def bare_seconds(prep: Prepared, args: list[str]) -> float:
    """One plain `pytest` run of the suite in the project's own environment, timed."""
    start = time.perf_counter()
    run([str(prep.python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], prep.repo)
    return time.perf_counter() - start


def codefit_outcomes(prep: Prepared) -> tuple[dict[str, str], dict[str, Any], float]:
    start = time.perf_counter()
    proc = run([*CODEFIT, "evaluate", str(prep.repo), "--split", "train", "--json"], prep.repo)
    elapsed = time.perf_counter() - start
    try:
        reading = json.loads(proc.stdout)[0]
    except (json.JSONDecodeError, IndexError):
        return {}, {"error": (proc.stderr or proc.stdout)[-400:]}, elapsed
    outcomes = {}
    for test in reading.get("tests", []):
        nodeid = test["nodeid"]
        path, _, rest = nodeid.partition("::")
        module = path.removesuffix(".py").replace("/", ".")
        outcomes[f"{module}.{junit_name(rest)}"] = (
            "failed"
            if test["outcome"] in ("failed", "error")
            else ("skipped" if test["outcome"] in ("skipped", "xfailed") else "passed")
        )
    return outcomes, reading, elapsed


def junit_name(rest: str) -> str:
    """A node id's part after the module as JUnit names it: `Class::test[id]` is `Class.test[id]`,
    a parameter id left as it is (boltons' `[::101.45.75.219]` is an IPv6 address, not a separator)."""
    name, bracket, params = rest.partition("[")
    return name.replace("::", ".") + bracket + params


def train_args(prep: Prepared) -> list[str]:
    config = tomllib.loads((prep.repo / "codefit.toml").read_text())
    return next(s.get("args", []) for s in config["sensors"] if s.get("split", "train") == "train")


def fit(prep: Prepared, mode: str) -> dict[str, Any]:
    configure(prep, mode)
    start = time.perf_counter()
    proc = run([*CODEFIT, "fit", str(prep.repo), "--steps", "3"], prep.repo, timeout=1200)
    elapsed = time.perf_counter() - start
    show = run([*CODEFIT, "show", "latest", "--json", "-C", str(prep.repo)], prep.repo)
    try:
        summary = json.loads(show.stdout)
    except json.JSONDecodeError:
        summary = {}
    final = summary.get("final", {}) or {}
    alerts = [a.get("kind") for a in summary.get("alerts", [])]
    return {
        "met": proc.returncode == 0,
        "exit": proc.returncode,
        "seconds": elapsed,
        "final": final,
        "alerts": alerts,
        "stderr": proc.stderr[-600:],
        "steps": len(summary.get("steps", [])),
        "step_overheads": step_overheads(prep.repo),
    }


def step_overheads(repo: Path) -> list[float]:
    """Each step of the latest run: its time (optimizer start to recorded end) less its sensors'
    own runs (each reading's duration: the whole sensor process, sandbox included)."""
    from codefit.store import Store

    try:
        store = Store.existing(repo)
        run = store.run("latest")
    except Exception:  # no run recorded: the fit failed before step 1, which the row shows
        return []
    readings = store.readings_by_step(run.id)
    return [
        (s.ended - s.started) - sum(r.duration_s for r in readings.get(s.idx, []))
        for s in store.steps(run.id)
        if s.idx > 0 and s.status == "edited"  # a step with no change reuses its readings, not reruns them
    ]


@contextlib.contextmanager
def work_folder(project: Project) -> Iterator[Path]:
    """A fresh folder whose path has no "f" (digits, not tempfile's random letters): boltons'
    test_iter_find_files strips its own path from "fileutils.py" letter by letter (`str.lstrip`),
    so it fails, bare pytest included, in any folder whose path holds one."""
    folder = Path(tempfile.gettempdir()) / f"rw-{project.name}-{os.getpid()}-{time.monotonic_ns()}"
    folder.mkdir()
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def measure(project: Project, modes: list[str], repeat: int) -> dict[str, Any]:
    row: dict[str, Any] = {"project": project.key, "shape": project.shape}
    editable = exclusive(project.key) if project.install == "editable" else contextlib.nullcontext()
    with work_folder(project) as tmp, editable:  # the shared environment points at this checkout
        prep = prepare(project, tmp)
        configure(prep, "search")
        args = train_args(prep)
        bare, _ = bare_outcomes(prep, args)  # per-test outcomes, from a JUnit report
        bare_times, cf_times = [], []
        for _ in range(repeat):  # timed: pytest as a user runs it (writing JUnit XML costs time of its own)
            bare_times.append(bare_seconds(prep, args))
            ours, reading, cf_s = codefit_outcomes(prep)
            cf_times.append(cf_s)
        counts = reading.get("counts", {})
        row["collects"] = bool(ours) and not reading.get("error") and counts.get("errors", 0) < len(ours)
        row["tests"] = len(ours)
        row["failing"] = sum(1 for o in ours.values() if o == "failed")
        disagree = disagreements(bare, ours)
        row["agrees"] = bool(bare) and not disagree
        row["disagree"] = disagree[:5]
        row["overhead"] = statistics.median(cf_times) / statistics.median(bare_times)
        row["bare_s"] = statistics.median(bare_times)
        row["error"] = reading.get("error")
        # A project with no recorded hard-coded variant has no hack to catch (its scripted agent would
        # make no change, and "caught" would mean nothing): the column shows "-".
        ran = [m for m in modes if m != "hardcode" or project.hardcode]
        for mode in ran:
            row[mode] = fit(prep, mode)
        fixed = [x for mode in ran for x in row[mode]["step_overheads"] if mode != "search"]
        row["step_s"] = statistics.median(fixed) if fixed else None  # the search's own work is no overhead
    return row


def verdicts(row: dict[str, Any]) -> list[str]:
    """The targets a row misses."""
    missed = [t for t in ("collects", "agrees") if not row.get(t)]
    if "honest" in row and not row["honest"]["met"]:
        missed.append("honest fix not met")
    if "hardcode" in row and row["hardcode"]["met"]:
        missed.append("hard-coder met the spec")
    return missed


def print_table(rows: list[dict[str, Any]]) -> None:
    head = (
        f"{'project':28} {'tests':>6} {'collects':>8} {'agrees':>6} {'bare s':>6} {'eval':>6} "
        f"{'step +s':>7} {'search':>14} {'honest':>7} {'hack caught':>11}"
    )
    print(head)
    print("-" * len(head))
    for row in rows:
        search = row.get("search")
        search_cell = "-" if not search else ("repaired" if search["met"] else f"no ({search['steps']} st)")
        honest = row.get("honest")
        hack = row.get("hardcode")
        print(
            f"{row['project']:28} {row['tests']:>6} {_yes(row['collects']):>8} {_yes(row['agrees']):>6} "
            f"{row.get('bare_s', 0):>6.2f} {row['overhead']:>5.2f}x {_seconds(row.get('step_s')):>7} "
            f"{search_cell:>14} {'-' if not honest else _yes(honest['met']):>7} "
            f"{'-' if not hack else _yes(not hack['met']):>11}"
        )
    for row in rows:
        for miss in verdicts(row):
            print(f"MISSED {row['project']}: {miss}")
        if row.get("disagree"):
            print(f"  {row['project']} disagrees on: {', '.join(row['disagree'])}")
        if row.get("error"):
            print(f"  {row['project']} reading error: {row['error']}")


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _yes(flag: bool) -> str:
    return "yes" if flag else "NO"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="project names")
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated: search,honest,hardcode")
    parser.add_argument("--repeat", type=int, default=3, help="evaluations per project for the overhead")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    opts = parser.parse_args()
    projects = [p for p in load_corpus() if not opts.only or p.name in opts.only]
    modes = [m for m in opts.modes.split(",") if m]
    rows = []
    for project in projects:
        print(f"# {project.key}: {project.shape}", file=sys.stderr, flush=True)
        rows.append(measure(project, modes, opts.repeat))
    print_table(rows)
    if opts.json:
        opts.json.write_text(json.dumps(rows, indent=2, default=str))
    return 1 if any(verdicts(r) for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
