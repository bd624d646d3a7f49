"""How many cases pytest collects for each test a split deals out: what its shares are counted in.

A unit may stand for many cases: a test parametrized by a fixture, by stacked decorators or by a
list whose rows the split cannot carve one by one moves whole, and a row of a table two tests use
is two cases. Counted in units, a module's held-out share could be twice what was asked, or none.
So the suite is collected once (`pytest --collect-only`), confined as in a run, on a copy of the
working tree, with the interpreter and options of the train sensor, and each unit weighs the cases
it holds. A suite that cannot be collected is split by units, as said on the terminal.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from codefit.ansi import strip_ansi
from codefit.config import load_config
from codefit.errors import CodefitError
from codefit.harness.plan import plan_from_config

COLLECT_TIMEOUT_S = 300.0
# Writes the collected node ids to a file: a large suite's ids (packaging's 27,000) are more than
# the output a confined run keeps.
RECORDER = """import os


def pytest_collection_finish(session):
    with open(os.environ["CODEFIT_COLLECTED"], "w", encoding="utf-8") as out:
        out.write("".join(item.nodeid + "\\n" for item in session.items))
"""
# {module path in the repository: {test ("test_f", "Class.test_m"): cases collected}}
CaseCounts = dict[str, dict[str, int]]


def collect_cases(root: Path, modules: Sequence[str], options: Sequence[str]) -> CaseCounts:
    """The cases of each test of `modules`, as the config's interpreter collects them (the config
    `codefit init` would write where there is none yet). Raises CodefitError when none is listed."""
    from codefit.gate.verify import working_copy  # verify reads the split's record: split imports this

    with tempfile.TemporaryDirectory(prefix="codefit-split-collect-") as tmp:
        config = root / "codefit.toml"
        if not config.exists():
            from codefit.init import starter_config

            config = Path(tmp) / "codefit.toml"
            config.write_text(starter_config(root), encoding="utf-8")
        ctx = plan_from_config(load_config(root, config)).context
        tree, out = Path(tmp) / "tree", Path(tmp) / "out"
        working_copy(root, tree)
        out.mkdir()
        (out / "codefit_collected.py").write_text(RECORDER, encoding="utf-8")
        env = {k: v for k, v in ctx.env.items() if k != "PYTEST_ADDOPTS"}
        path = os.pathsep.join(p for p in (str(out), env.get("PYTHONPATH", "")) if p)
        collect = [ctx.python, "-m", "pytest", "-p", "no:cacheprovider", "-p", "codefit_collected"]
        done = ctx.run(
            [*collect, "--collect-only", "-q", "--color=no", *options, *modules],
            tree,
            env={
                **env,
                "PYTHONPATH": path,
                "CODEFIT_COLLECTED": str(out / "ids"),
                "PYTHONDONTWRITEBYTECODE": "1",
            },
            timeout_s=COLLECT_TIMEOUT_S,
            writable=[out],
            at_repo=True,
        )
        ids = out / "ids"
        counts = read_cases(ids.read_text(encoding="utf-8") if ids.exists() else "")
    if not counts:
        last = next((line for line in reversed(done.output.splitlines()) if line.strip()), "no output")
        raise CodefitError(f"pytest --collect-only listed no test ({strip_ansi(last).strip()})")
    return counts


def read_cases(output: str) -> CaseCounts:
    """Node ids (`tests/t.py::Class::test_m[3]`, one a line) counted per module and test."""
    counts: CaseCounts = {}
    for line in output.splitlines():
        path, sep, rest = strip_ansi(line).strip().partition("::")
        if sep and path.endswith(".py"):
            tests = counts.setdefault(path, {})
            test = rest.partition("[")[0].replace("::", ".")
            tests[test] = tests.get(test, 0) + 1
    return counts


def module_cases(counts: CaseCounts, module: str) -> dict[str, int] | None:
    """The counts of `module` (a path in the repository); node ids are relative to pytest's rootdir,
    which may lie below the repository's top."""
    found = [tests for path, tests in counts.items() if module == path or module.endswith("/" + path)]
    return found[0] if len(found) == 1 else None


def cases_of(tests: Mapping[str, int], name: str) -> int:
    """The cases of `name`: a test (`test_f`, `Class.test_m`), or a class (its tests, nested too)."""
    return sum(n for test, n in tests.items() if test == name or test.startswith(name + "."))
