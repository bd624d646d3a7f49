"""What the Ray executor sends per trial (a stand-in records the calls; real Ray runs in test_sweeps)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest

from codefit.experiments.executors import RayExecutor
from codefit.experiments.suite import Task
from codefit.experiments.trial import Trial


class FakeRay:
    def __init__(self, initialized: bool = True) -> None:
        self.puts: list[bytes] = []
        self.sent: list[tuple[Any, ...]] = []
        self.inits: list[dict[str, Any]] = []
        self.initialized = initialized

    def is_initialized(self) -> bool:
        return self.initialized

    def init(self, **options: Any) -> None:
        self.inits.append(options)

    def cluster_resources(self) -> dict[str, float]:
        return {"CPU": 2.0}

    def put(self, value: bytes) -> str:
        self.puts.append(value)
        return f"ref-{len(self.puts)}"

    def remote(self, **options: Any) -> Any:
        fake = self

        class Remote:
            def __init__(self, function: Any) -> None:
                pass

            def remote(self, *args: Any) -> int:
                fake.sent.append(args)
                return len(fake.sent)

        return Remote


def use(fake: FakeRay, monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.import_module
    monkeypatch.setattr(importlib, "import_module", lambda name: fake if name == "ray" else real(name))


def test_a_task_s_files_enter_the_object_store_once_for_all_its_trials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeRay()
    use(fake, monkeypatch)
    executor = RayExecutor(workers=2)
    tasks = {name: Task(name, tmp_path) for name in ("a", "b")}
    files = {"a": b"files of a" * 10_000, "b": b"files of b" * 10_000}
    for setting in ("s1", "s2", "s3"):
        for name, task in tasks.items():
            executor.submit(Trial("sweep", setting, {}, task, 0), files[name], 1)
    executor.submit(Trial("sweep", "s1", {}, tasks["a"], 0), files["a"], 2)  # a retry
    assert sorted(fake.puts) == sorted(files.values())
    assert len(fake.sent) == 7 and not any(isinstance(arg, bytes) for args in fake.sent for arg in args)


def test_without_an_address_the_sweep_starts_a_ray_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    # A plain ray.init() joins a Ray already running on the machine (another user's sweep, another
    # test's cluster), and then refuses num_cpus: the sweep failed whenever one was up.
    fake = FakeRay(initialized=False)
    use(fake, monkeypatch)
    RayExecutor(workers=2)
    assert fake.inits[0]["address"] == "local" and fake.inits[0]["num_cpus"] == 2
    RayExecutor(workers=2, address="ray://head:10001")
    assert fake.inits[1]["address"] == "ray://head:10001"
