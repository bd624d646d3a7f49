"""Sweeps end to end: local pool, Ray (one node and a two-node cluster), retries, resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from codefit.experiments.results import summarise
from codefit.experiments.sweep import load_sweep, read_state, run_sweep
from codefit.experiments.trial import FAULT_ENV
from codefit.store import Store

pytestmark = pytest.mark.slow
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TASKS = ["wrong_variable", "off_by_one_sum"]


def write_sweep(folder: Path, tasks: list[str] = TASKS, grid: str = "max_steps = [1, 2]") -> Path:
    lines = ['name = "mini"']
    for task in tasks:
        lines += [
            "[[tasks]]",
            f'name = "{task}"',
            f'repo = "{EXAMPLES / task / "repo"}"',
            f'hidden = "{EXAMPLES / task / "hidden"}"',
        ]
    (folder / "suite.toml").write_text("\n".join(lines) + "\n")
    (folder / "sweep.toml").write_text(f'suite = "suite.toml"\nretries = 2\n[grid]\n{grid}\n')
    return folder / "sweep.toml"


def outcomes(store: Store, sweep_id: str) -> dict[str, str]:
    return {t["key"]: t["status"] for t in read_state(store, sweep_id).trials}


@pytest.fixture(scope="module")
def local_result(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, str]:
    folder = tmp_path_factory.mktemp("local")
    store = Store(folder / ".codefit")
    return store, run_sweep(load_sweep(write_sweep(folder)), store, executor="local", workers=2)


def test_a_local_sweep_runs_every_trial_as_a_recorded_run(local_result: tuple[Store, str]) -> None:
    store, sweep_id = local_result
    trials = read_state(store, sweep_id).trials
    assert len(trials) == 4 and all(t["status"] in ("met", "not_met") for t in trials)
    for trial in trials:  # every run came back into the driver's store, records and blobs
        run = store.run(trial["run_id"])
        assert run.status.value == trial["status"] and store.steps(run.id)
    summary = summarise(read_state(store, sweep_id))
    assert {s["values"]["max_steps"] for s in summary["settings"]} == {1, 2}
    first = summary["settings"][0]["met_share"]
    assert (
        set(first) == {"mean", "ci_low", "ci_high"} and first["ci_low"] <= first["mean"] <= first["ci_high"]
    )
    assert "validation only" in summary["note"]


def test_ray_on_one_node_and_on_a_two_node_cluster_gives_the_local_outcomes(
    local_result: tuple[Store, str], tmp_path: Path
) -> None:
    import ray
    from ray.cluster_utils import Cluster

    store, sweep_id = local_result
    expected = outcomes(store, sweep_id)
    ray_store = Store(tmp_path / "ray" / ".codefit")
    (tmp_path / "ray").mkdir(exist_ok=True)
    got = run_sweep(load_sweep(write_sweep(tmp_path / "ray")), ray_store, executor="ray", workers=2)
    assert outcomes(ray_store, got) == expected
    cluster = Cluster(
        initialize_head=True, head_node_args={"num_cpus": 1, "resources": {"codefit_sandbox": 1}}
    )
    cluster.add_node(num_cpus=1, resources={"codefit_sandbox": 1})
    try:
        (tmp_path / "cluster").mkdir()
        cluster_store = Store(tmp_path / "cluster" / ".codefit")
        got = run_sweep(
            load_sweep(write_sweep(tmp_path / "cluster")),
            cluster_store,
            executor="ray",
            workers=2,
            address=cluster.address,
        )
        assert outcomes(cluster_store, got) == expected
        assert cluster_store.run(read_state(cluster_store, got).trials[0]["run_id"])
    finally:
        ray.shutdown()
        cluster.shutdown()


def test_an_infrastructure_error_is_retried_and_an_optimizer_failure_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(FAULT_ENV, "wrong_variable:2")  # its first two attempts fail as infrastructure
    store = Store(tmp_path / ".codefit")
    sweep = write_sweep(tmp_path, ["wrong_variable", "overfit_grade_boundaries"], grid="max_steps = [1]")
    sweep_id = run_sweep(load_sweep(sweep), store, executor="local", workers=2)
    trials = {t["task"]: t for t in read_state(store, sweep_id).trials}
    assert trials["wrong_variable"]["attempts"] == 3 and trials["wrong_variable"]["status"] == "met"
    assert trials["overfit_grade_boundaries"]["status"] == "not_met"  # the optimizer's failure stands
    assert trials["overfit_grade_boundaries"]["attempts"] == 1


def test_a_killed_sweep_resumes_running_only_the_rest(tmp_path: Path) -> None:
    sweep = write_sweep(tmp_path, ["wrong_variable", "off_by_one_sum", "middle_item"], grid="max_steps = [1]")
    cmd = [
        sys.executable,
        "-m",
        "codefit",
        "sweep",
        str(sweep),
        "--workers",
        "1",
        "--store",
        str(tmp_path / ".codefit"),
    ]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    assert proc.stdout is not None
    sweep_id = ""
    deadline = time.monotonic() + 300
    for line in proc.stdout:
        if line.startswith("sweep ") and not sweep_id:
            sweep_id = line.split()[1].rstrip(":")
        if ": met" in line or ": not_met" in line:
            break
        assert time.monotonic() < deadline
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C, as a person would
    rest, _ = proc.communicate(timeout=120)
    assert f"`codefit sweep {sweep} --resume {sweep_id}` runs the rest" in rest  # the hint names the file
    store = Store(tmp_path / ".codefit")
    before = outcomes(store, sweep_id)
    assert 1 <= len(before) < 3
    resumed = subprocess.run([*cmd, "--resume", sweep_id], capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    after = read_state(store, sweep_id).trials
    assert len(after) == 3 and len({t["key"] for t in after}) == 3  # each trial once
    assert f"({len(before)} done before)" in resumed.stdout
    show = subprocess.run(
        [*cmd[:3], "sweep", "show", "latest", "--json", "--store", str(tmp_path / ".codefit")],
        capture_output=True,
        text=True,
    )
    assert json.loads(show.stdout)["sweep"]["id"] == sweep_id


def test_the_sweep_page_shows_the_leaderboard_and_the_task_grid(
    local_result: tuple[Store, str], tmp_path: Path
) -> None:
    from codefit.experiments.results import latest_trials
    from codefit.report.sweep_page import write_sweep_page

    store, sweep_id = local_result
    state = read_state(store, sweep_id)
    summary = summarise(state)
    page = write_sweep_page(summary, latest_trials(state), tmp_path / "sweep.html").read_text()
    assert page.count("<tr class=") == 2  # one leaderboard row per setting
    assert "best on validation" in page and "<th>max_steps</th>" in page
    for task in TASKS:
        assert f"<td>{task}</td>" in page
    assert "http" not in page.split("<body>")[0]  # self-contained: no external stylesheet
