"""Time of codefit's quality sensors against the time of a real package's own test suite.

Downloads the sdist of a mid-sized PyPI package that ships its tests (default: more-itertools),
runs its test suite with pytest, then each quality sensor on the same tree, and prints each
sensor's time as a ratio of the test suite's time (all measured in this run, on this machine).

The cheap sensors (quality, ruff, mypy, contracts) are timed as the median of `--repeat` runs; the
costly ones (coverage runs the whole suite, mutation runs tests under each mutant) once.

    .venv/bin/python bench/quality_overhead.py [--package more-itertools==10.7.0] [--repeat 3]
        [--mutants 100]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from codefit.sensors.base import Sensor, SensorContext, SensorSettings
from codefit.sensors.contracts import ContractsOptions, ContractsSensor
from codefit.sensors.coverage import CoverageOptions, CoverageSensor
from codefit.sensors.mutation import MutationOptions, MutationSensor
from codefit.sensors.mypy import MypyOptions, MypySensor
from codefit.sensors.quality import QualityOptions, QualitySensor
from codefit.sensors.ruff import RuffOptions, RuffSensor


def fetch_sdist(spec: str, dest: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--no-binary",
            ":all:",
            spec,
            "-d",
            str(dest),
        ],
        check=True,
    )
    [archive] = list(dest.glob("*.tar.gz"))
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="data")
    [root] = [p for p in dest.iterdir() if p.is_dir()]
    return root


def timed(fn: object, repeat: int) -> tuple[float, object]:
    assert callable(fn)
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--package", default="more-itertools==10.7.0")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--mutants", type=int, default=100, help="Mutants the mutation sensor runs.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="codefit-bench-") as tmp:
        root = fetch_sdist(args.package, Path(tmp))
        tests = "tests" if (root / "tests").is_dir() else "test"
        code = [
            p.name for p in root.iterdir() if p.is_dir() and (p / "__init__.py").exists() and p.name != tests
        ]
        sloc = QualitySensor(SensorSettings(name="q", kind="quality"), QualityOptions()).read(
            root, SensorContext(python=sys.executable)
        )
        print(f"package {args.package}: {int(sloc.metrics['sloc'])} SLOC in {code}, tests in {tests}/")

        def suite() -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", tests],
                cwd=root,
                capture_output=True,
                text=True,
            )

        base, done = timed(suite, args.repeat)
        assert isinstance(done, subprocess.CompletedProcess)
        print(f"own test suite: {base:.2f} s  ({done.stdout.strip().splitlines()[-1]})")
        ctx = SensorContext(python=sys.executable)
        contracts = ContractsOptions.model_validate(
            {"contracts": [{"type": "acyclic", "packages": code}], "root_packages": code}
        )
        mutation = MutationOptions(
            args=["-p", "no:cacheprovider", tests], include=code, max_mutants=args.mutants
        )
        sensors: list[tuple[Sensor, int]] = [
            (QualitySensor(SensorSettings(name="quality", kind="quality"), QualityOptions()), args.repeat),
            (RuffSensor(SensorSettings(name="ruff", kind="ruff"), RuffOptions(paths=code)), args.repeat),
            (MypySensor(SensorSettings(name="mypy", kind="mypy"), MypyOptions(paths=code)), args.repeat),
            (ContractsSensor(SensorSettings(name="contracts", kind="contracts"), contracts), args.repeat),
            (
                CoverageSensor(
                    SensorSettings(name="coverage", kind="coverage"),
                    CoverageOptions(args=["-p", "no:cacheprovider", tests], source=code),
                ),
                1,
            ),
            (MutationSensor(SensorSettings(name="mutation", kind="mutation"), mutation), 1),
        ]
        total = 0.0
        for sensor, repeat in sensors:
            seconds, reading = timed(lambda s=sensor: s.read(root, ctx), repeat)
            total += seconds
            error = getattr(reading, "error", None)
            figures = {k: round(v, 3) for k, v in getattr(reading, "metrics", {}).items()}
            print(
                f"{sensor.settings.name:>9}: {seconds:.2f} s = {seconds / base:.2f} x the suite"
                f" (runs: {repeat})  {error or figures}"
            )
        print(f"all quality sensors: {total:.2f} s = {total / base:.2f} x the suite")


if __name__ == "__main__":
    main()
