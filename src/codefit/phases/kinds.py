"""The phase kinds, a registry like sensors and optimizers (entry points: `codefit.phases`).

A kind turns its phase into sub-runs, each an ordinary run config: `plan` one run judged by an
`artifact` sensor, `generate` one run per plan item, `evaluate` one run judged by evaluator sensors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from codefit.config import LoadedConfig
from codefit.errors import ConfigError
from codefit.phases.plan_items import plan_items
from codefit.phases.subconfig import phase_key, phase_task, selected_sensors, sub_config
from codefit.registry import Registry
from codefit.spec import Split

PLAN_SENSOR = "plan_artifact"
ITEM_SENSOR = "item_check"
PLACEHOLDER_PLAN = "- (the plan's items, once written)"


@dataclass(frozen=True)
class SubRunConfig:
    item: str
    loaded: LoadedConfig


class PhaseKind(Protocol):
    name: ClassVar[str]

    def check(self, loaded: LoadedConfig, index: int) -> list[SubRunConfig]:
        """The sub-runs it would run (from placeholders where they depend on earlier phases), to
        validate; one ConfigError when the phase's settings cannot work."""

    def sub_runs(self, loaded: LoadedConfig, index: int, files: Mapping[str, str]) -> list[SubRunConfig]:
        """The phase's sub-runs, in order; `files` are the handed-over files (the plan among them)."""


class PlanPhase:
    """Writes a plan artifact from the task; done when it exists and the declared check passes."""

    name: ClassVar[str] = "plan"

    def check(self, loaded: LoadedConfig, index: int) -> list[SubRunConfig]:
        if loaded.config.phases[index].artifact is None:
            raise ConfigError(
                f"key '{phase_key(loaded, index)}.artifact': a plan phase needs the path of the file "
                "it writes",
                where=str(loaded.file),
            )
        return self.sub_runs(loaded, index, {})

    def sub_runs(self, loaded: LoadedConfig, index: int, files: Mapping[str, str]) -> list[SubRunConfig]:
        phase = loaded.config.phases[index]
        artifact: dict[str, Any] = {"name": PLAN_SENSOR, "kind": "artifact", "artifact": phase.artifact}
        if phase.check:
            artifact["check"] = phase.check
        sensors = [*selected_sensors(loaded, index, []), artifact]
        return [SubRunConfig("", sub_config(loaded, index, phase_task(loaded, index, files), sensors))]


class GeneratePhase:
    """Implements the plan item by item: one sub-run per item, on the tree the last one left.

    An item is done when its own check passes (`check: \\`...\\`` in the plan; an item without one
    after one step); the last item must also leave the phase's sensors passing."""

    name: ClassVar[str] = "generate"

    def check(self, loaded: LoadedConfig, index: int) -> list[SubRunConfig]:
        return self.sub_runs(loaded, index, {plan_artifact(loaded, index): PLACEHOLDER_PLAN})

    def sub_runs(self, loaded: LoadedConfig, index: int, files: Mapping[str, str]) -> list[SubRunConfig]:
        path = plan_artifact(loaded, index)
        items = plan_items(files.get(path, ""))
        if not items:
            raise ConfigError(f"the plan {path} has no items (Markdown list items) to generate")
        train = [s for s in loaded.config.sensors if s.get("split", "train") == Split.TRAIN.value]
        phase_sensors = selected_sensors(loaded, index, train)
        out = []
        for item in items:
            last = item.index == len(items)
            sensors = list(phase_sensors) if last else []
            if item.check or not last:  # an item with no check of its own is done after one step
                sensors.append({"name": ITEM_SENSOR, "kind": "command", "command": item.check or "true"})
            heading = f"## Plan item {item.index} of {len(items)}\n\n{item.text}\n\nImplement this item only."
            if item.check:
                heading += f" It is done when this check passes: `{item.check}`"
            task = phase_task(loaded, index, files, heading)
            out.append(SubRunConfig(f"{item.index}. {item.text}", sub_config(loaded, index, task, sensors)))
        return out


class EvaluatePhase:
    """Runs the evaluator sensors (held-out tests, a web app's HTTP and browser checks) on the tree
    the generator left; the phase's optimizer fixes what they find, within its steps."""

    name: ClassVar[str] = "evaluate"

    def check(self, loaded: LoadedConfig, index: int) -> list[SubRunConfig]:
        return self.sub_runs(loaded, index, {})

    def sub_runs(self, loaded: LoadedConfig, index: int, files: Mapping[str, str]) -> list[SubRunConfig]:
        sensors = selected_sensors(loaded, index, loaded.config.sensors)
        return [SubRunConfig("", sub_config(loaded, index, phase_task(loaded, index, files), sensors))]


def plan_artifact(loaded: LoadedConfig, index: int) -> str:
    """The plan a generate phase follows: its own `artifact`, else the last plan phase's before it."""
    phases = loaded.config.phases
    own = phases[index].artifact
    found = own or next((p.artifact for p in reversed(phases[:index]) if p.kind == "plan"), None)
    if found is None:
        raise ConfigError(
            f"key '{phase_key(loaded, index)}.artifact': a generate phase needs a plan: a plan phase "
            "before it, or the path of the plan file",
            where=str(loaded.file),
        )
    return found


phase_kinds: Registry[Any] = Registry(
    "phase",
    {
        "plan": "codefit.phases.kinds:PlanPhase",
        "generate": "codefit.phases.kinds:GeneratePhase",
        "evaluate": "codefit.phases.kinds:EvaluatePhase",
    },
)
