from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from loopback import serve, text

from codefit.config import load_config
from codefit.errors import SensorError
from codefit.optimizers.agents import pricing
from codefit.sensors.base import SensorContext, SensorSettings
from codefit.sensors.judge import JudgeOptions, JudgeSensor
from codefit.spec import Split

VALIDATION = SensorSettings(name="review", kind="judge", split=Split.VALIDATION)


def judge(base_url: str, **kw: Any) -> JudgeSensor:
    options = JudgeOptions(base_url=base_url, api_key="k", max_retries=0, **kw)
    return JudgeSensor(VALIDATION, options)


def tree(tmp_path: Path) -> Path:
    (tmp_path / "tests").mkdir()
    (tmp_path / "calc.py").write_text("def add(a, b):\n    if (a, b) == (2, 3):\n        return 5\n")
    (tmp_path / "tests" / "test_calc.py").write_text("assert True\n")
    return tmp_path


def test_judge_scores_the_code_against_the_rubric_with_located_findings(tmp_path: Path) -> None:
    answer = {
        "score": 0.2,
        "summary": "add() hard-codes the tested input.",
        "findings": [{"path": "calc.py", "line": 2, "message": "special-cases (2, 3)", "rule": "general"}],
    }
    with serve([text("Here you go:\n" + json.dumps(answer), usage=(1000, 50))]) as server:
        reading = judge(
            server.base_url,
            rubric="No hard-coded answers.",
            model="house-judge",
            price_table={"house-judge": pricing.Price(input=2.0, output=8.0)},
        ).read(tree(tmp_path), SensorContext(python=sys.executable))
    assert reading.score == 0.2 and not reading.passed and reading.error is None
    assert reading.findings[0].path == "calc.py" and reading.findings[0].line == 2
    assert reading.output == "add() hard-codes the tested input."
    assert reading.metrics["cost_usd"] == pytest.approx((1000 * 2.0 + 50 * 8.0) / 1e6)
    prompt = server.requests[0]["messages"][1]["content"]
    assert "No hard-coded answers." in prompt
    assert "   2      if (a, b) == (2, 3):" in prompt and "test_calc" not in prompt
    assert server.requests[0]["response_format"] == {"type": "json_object"}


def test_unusable_answer_or_endpoint_error_is_a_failed_reading_not_a_crash(tmp_path: Path) -> None:
    with serve([text("I think it is fine."), (500, {"error": {"message": "boom"}})]) as server:
        sensor = judge(server.base_url)
        first = sensor.read(tree(tmp_path), SensorContext(python=sys.executable))
        second = sensor.read(tmp_path, SensorContext(python=sys.executable))
    assert first.error is not None and "no JSON object" in first.error and not first.passed
    assert second.error is not None and "judge failed" in second.error


def test_judge_on_the_train_split_must_be_asked_for_and_rubric_file_must_exist(tmp_path: Path) -> None:
    train = SensorSettings(name="review", kind="judge")
    with pytest.raises(SensorError, match="validation or test only"):
        JudgeSensor(train, JudgeOptions())
    JudgeSensor(train, JudgeOptions(allow_train=True))
    with pytest.raises(SensorError, match="rubric file"):
        JudgeSensor(VALIDATION, JudgeOptions(rubric_file=tmp_path / "missing.md"))


def test_a_judge_in_the_config_defaults_to_the_validation_split(make_repo: Callable[..., Path]) -> None:
    toml = 'task = "t"\n[[sensors]]\nname = "review"\nkind = "judge"\nrubric = "be general"\n'
    spec = load_config(make_repo({"codefit.toml": toml})).build_spec()
    assert [s.settings.split for s in spec.sensors] == [Split.VALIDATION]


def test_judge_prices_tokens_with_the_agents_table_and_leaves_an_unpriced_cost_out(tmp_path: Path) -> None:
    answer = text(json.dumps({"score": 1.0, "summary": "fine", "findings": []}), usage=(1_000_000, 0))
    with serve([answer, answer]) as server:
        default = judge(server.base_url).read(tree(tmp_path), SensorContext(python=sys.executable))
        unpriced = judge(server.base_url, model="local-model").read(
            tmp_path, SensorContext(python=sys.executable)
        )
    assert default.metrics["cost_usd"] == pricing.DEFAULT_PRICES["gpt-4.1-mini"].input  # the default model
    assert "cost_usd" not in unpriced.metrics and unpriced.metrics["input_tokens"] == 1_000_000


def test_relative_rubric_file_is_the_projects_whatever_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    project.mkdir()
    elsewhere.mkdir()
    (project / "rubric.md").write_text("Judge the naming.\n")
    monkeypatch.chdir(elsewhere)
    options = JudgeOptions.model_validate({"rubric_file": "rubric.md"}, context={"root": project})
    assert JudgeSensor(VALIDATION, options).rubric == "Judge the naming.\n"
