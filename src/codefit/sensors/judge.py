"""The `judge` sensor: an LLM reviews the tree against a rubric over an OpenAI-compatible endpoint.

It returns a score in [0, 1] and findings with file and line, and records its own token usage and
cost in the reading's metrics. It is slow, costly and not deterministic, so by default it only
runs on a blind split (validation queries or the final test): a train-split judge must be asked
for with `allow_train = true`. Tokens are priced with the agents' table
(`codefit.optimizers.agents.pricing`, overridable with `price_table`); an unpriced model's cost is
left out of the metrics (unknown), not reported as 0.
"""

from __future__ import annotations

import fnmatch
import json
import os
import time
from pathlib import Path
from typing import Any, ClassVar

import openai
from pydantic import Field, ValidationInfo, field_validator

from codefit.errors import SensorError
from codefit.optimizers.agents import pricing
from codefit.records import Options
from codefit.sensors.base import Counts, Finding, Reading, SensorContext, SensorSettings
from codefit.spec import Split
from codefit.workspace.git import ls_files

DEFAULT_RUBRIC = (
    "Judge whether the code solves its task in general (not just for particular inputs), is "
    "correct, readable and simple, and contains no test special-casing or hard-coded answers."
)
INSTRUCTIONS = (
    "You review code against a rubric. Answer with one JSON object only: "
    '{"score": <number from 0 to 1>, "summary": "<one paragraph>", "findings": '
    '[{"path": "<file>", "line": <number>, "message": "<problem>", "rule": "<rubric item>"}]}.'
)


class JudgeOptions(Options):
    model: str = Field(default="gpt-4.1-mini", description="Model name at the endpoint.")
    base_url: str | None = Field(default=None, description="OpenAI-compatible endpoint.")
    api_key: str | None = Field(default=None, description="API key (prefer api_key_env).")
    api_key_env: str = Field(default="OPENAI_API_KEY", description="Environment variable with the key.")
    rubric: str | None = Field(default=None, description="The rubric text.")
    rubric_file: Path | None = Field(
        default=None, description="A file with the rubric (relative to the project root)."
    )
    include: list[str] = Field(default_factory=lambda: ["*.py"], description="Globs of files reviewed.")
    exclude: list[str] = Field(default_factory=lambda: ["tests/*", "test_*.py"], description="Globs skipped.")
    max_chars: int = Field(default=60_000, ge=1000, description="Code sent at most (files in order).")
    threshold: float = Field(default=0.7, ge=0, le=1, description="Score at or above which it passes.")
    temperature: float = Field(default=0.0, ge=0)
    json_mode: bool = Field(default=True, description="Ask for response_format json_object.")
    request_timeout: float = Field(default=300.0, gt=0)
    max_retries: int = Field(default=2, ge=0)
    price_table: dict[str, pricing.Price] = Field(
        default_factory=dict, description="USD per million tokens by model; overrides the built-in table."
    )
    allow_train: bool = Field(default=False, description="Allow this judge on the train split.")

    @field_validator("rubric_file")
    @classmethod
    def _from_project_root(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        """A relative rubric_file is the project's: resolved against the `root` the config loader
        passes as validation context (without one, against the working directory)."""
        root = (info.context or {}).get("root")
        if value is None or root is None or value.expanduser().is_absolute():
            return value
        return Path(root) / value


class JudgeSensor:
    options_model: ClassVar[type[Options]] = JudgeOptions
    default_split: ClassVar[Split] = Split.VALIDATION  # the config loader's split when none is given

    def __init__(self, settings: SensorSettings, options: JudgeOptions) -> None:
        if settings.split == Split.TRAIN and not options.allow_train:
            raise SensorError(
                f"sensor {settings.name!r}: the judge runs on validation or test only "
                '(set split = "validation", or allow_train = true)'
            )
        self.settings = settings
        self.options = options
        self.rubric = _rubric(settings.name, options)

    def read(self, tree: Path, ctx: SensorContext) -> Reading:
        started = time.monotonic()
        code = self.code(tree)
        try:
            content, usage = self._ask(code)
            verdict = parse_verdict(content)
        except (openai.APIError, ValueError) as exc:
            return self._reading(0.0, False, time.monotonic() - started, error=f"judge failed: {exc}")
        score = verdict["score"]
        findings = tuple(verdict["findings"])
        return self._reading(
            score,
            score >= self.options.threshold,
            time.monotonic() - started,
            findings=findings,
            output=str(verdict["summary"]),
            metrics=self._cost(usage),
        )

    def code(self, tree: Path) -> str:
        """The reviewed files with line numbers, in path order, up to `max_chars`."""
        o = self.options
        paths = (
            ls_files(tree)
            if (tree / ".git").exists()
            else [str(p.relative_to(tree)) for p in sorted(tree.rglob("*")) if p.is_file()]
        )
        chosen = [
            p
            for p in sorted(paths)
            if any(fnmatch.fnmatch(p, g) for g in o.include)
            and not any(fnmatch.fnmatch(p, g) for g in o.exclude)
        ]
        parts: list[str] = []
        size = 0
        for rel in chosen:
            lines = (tree / rel).read_text(encoding="utf-8", errors="replace").splitlines()
            block = f"=== {rel}\n" + "\n".join(f"{n:4d}  {line}" for n, line in enumerate(lines, 1))
            if size + len(block) > o.max_chars:
                parts.append(f"=== ({len(chosen) - len(parts)} more files not shown: size limit)")
                break
            parts.append(block)
            size += len(block)
        return "\n\n".join(parts)

    def _ask(self, code: str) -> tuple[str, Any]:
        o = self.options
        client = openai.OpenAI(
            base_url=o.base_url,
            api_key=o.api_key or os.environ.get(o.api_key_env) or "not-needed",
            timeout=o.request_timeout,
            max_retries=o.max_retries,
        )
        kwargs: dict[str, Any] = {}
        if o.json_mode:
            kwargs["response_format"] = {"type": "json_object"}
        response = client.chat.completions.create(
            model=o.model,
            temperature=o.temperature,
            messages=[
                {"role": "system", "content": INSTRUCTIONS},
                {"role": "user", "content": f"# Rubric\n\n{self.rubric}\n\n# Code\n\n{code}"},
            ],
            **kwargs,
        )
        if not response.choices:
            raise ValueError("the endpoint returned no choices")
        return response.choices[0].message.content or "", response.usage

    def _cost(self, usage: Any) -> dict[str, float]:
        prompt = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion = int(getattr(usage, "completion_tokens", 0) or 0)
        cached = int(getattr(getattr(usage, "prompt_tokens_details", None), "cached_tokens", 0) or 0)
        metrics = {"input_tokens": float(prompt), "output_tokens": float(completion)}
        price = pricing.lookup(self.options.model, self.options.price_table)
        if price is not None:
            metrics["cost_usd"] = pricing.cost_usd(
                price, input_tokens=prompt, cached_tokens=cached, output_tokens=completion
            )
        return metrics

    def _reading(self, score: float, passed: bool, duration: float, **kw: Any) -> Reading:
        return Reading(
            sensor=self.settings.name,
            split=self.settings.split,
            score=score,
            passed=passed,
            counts=Counts(total=1, passed=int(passed), failed=int(not passed)),
            duration_s=duration,
            **kw,
        )


def parse_verdict(content: str) -> dict[str, Any]:
    """Score, summary and findings from the model's answer (the outermost JSON object in it)."""
    start, end = content.find("{"), content.rfind("}")
    if start < 0 or end <= start:
        raise ValueError(f"no JSON object in the judge's answer: {content[:200]!r}")
    try:
        data = json.loads(content[start : end + 1])
        score = min(1.0, max(0.0, float(data["score"])))
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"unusable judge answer ({exc}): {content[:200]!r}") from None
    findings = []
    for item in data.get("findings") or []:
        if isinstance(item, dict) and item.get("message"):
            line = item.get("line")
            findings.append(
                Finding(
                    path=str(item.get("path") or ""),
                    line=int(line) if isinstance(line, int | float) else None,
                    message=str(item["message"]),
                    rule=str(item.get("rule") or ""),
                )
            )
    return {"score": score, "summary": str(data.get("summary") or ""), "findings": findings}


def _rubric(name: str, options: JudgeOptions) -> str:
    if options.rubric_file is not None:
        path = options.rubric_file.expanduser().resolve()
        if not path.is_file():
            raise SensorError(f"sensor {name!r}: rubric file {str(options.rubric_file)!r} not found ({path})")
        return path.read_text(encoding="utf-8")
    return options.rubric or DEFAULT_RUBRIC
