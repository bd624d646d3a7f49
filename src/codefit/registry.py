"""Plug-ins by name: one mechanism for sensors, optimizers and guards.

A config string resolves through a registry to a class; built-ins are listed lazily as
"module:attribute" so that importing codefit stays cheap, and third-party packages add their own
through the entry-point groups `codefit.sensors`, `codefit.optimizers` and `codefit.guards`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from codefit.errors import ConfigError
from codefit.extras import missing_extra

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, group: str, builtins: dict[str, str]) -> None:
        self.group = group
        self._targets: dict[str, str | T] = dict(builtins)
        self._entry_points_loaded = False

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator: make `obj` available under `name`."""

        def add(obj: T) -> T:
            self._targets[name] = obj
            return obj

        return add

    def names(self) -> list[str]:
        self._load_entry_points()
        return sorted(self._targets)

    def get(self, name: str, *, where: str | None = None) -> T:
        target = self._targets.get(name)
        if target is None:  # built-ins win anyway: installed distributions are scanned only now
            self._load_entry_points()
            target = self._targets.get(name)
        if target is None:
            known = ", ".join(self.names())
            raise ConfigError(f"unknown {self.group} kind {name!r}; expected one of: {known}", where=where)
        if isinstance(target, str):
            try:
                target = self._import(target)
            except ImportError as exc:
                raise missing_extra(exc, f"{self.group} kind {name!r}", where=where) or exc from None
            self._targets[name] = target
        return target

    def _import(self, dotted: str) -> T:
        module_name, _, attr = dotted.partition(":")
        module = importlib.import_module(module_name)
        obj: T = getattr(module, attr)
        return obj

    def _load_entry_points(self) -> None:
        if self._entry_points_loaded:
            return
        self._entry_points_loaded = True
        from importlib.metadata import entry_points

        for ep in entry_points(group=f"codefit.{self.group}s"):
            self._targets.setdefault(ep.name, ep.value)


sensors: Registry[Any] = Registry(
    "sensor",
    {
        "pytest": "codefit.sensors.pytest_sensor:PytestSensor",
        "command": "codefit.sensors.command:CommandSensor",
        "ruff": "codefit.sensors.ruff:RuffSensor",
        "mypy": "codefit.sensors.mypy:MypySensor",
        "pyright": "codefit.sensors.pyright:PyrightSensor",
        "quality": "codefit.sensors.quality:QualitySensor",
        "contracts": "codefit.sensors.contracts:ContractsSensor",
        "coverage": "codefit.sensors.coverage:CoverageSensor",
        "mutation": "codefit.sensors.mutation:MutationSensor",
        "judge": "codefit.sensors.judge:JudgeSensor",
        "property": "codefit.sensors.property:PropertySensor",
        "runtime_contracts": "codefit.sensors.runtime_contracts:RuntimeContractsSensor",
        "artifact": "codefit.phases.artifact_sensor:ArtifactSensor",
        "webapp": "codefit.phases.webapp_sensor:WebAppSensor",
    },
)

optimizers: Registry[Any] = Registry(
    "optimizer",
    {
        "command": "codefit.optimizers.command:CommandOptimizer",
        "search": "codefit.optimizers.search:SearchOptimizer",
        "claude-code": "codefit.optimizers.claude_code:ClaudeCodeOptimizer",
        "codex": "codefit.optimizers.codex:CodexOptimizer",
        "aider": "codefit.optimizers.aider:AiderOptimizer",
        "openai": "codefit.optimizers.openai_chat:OpenAIOptimizer",
    },
)

guards: Registry[Any] = Registry(
    "guard",
    {
        "protected": "codefit.guards.protected:ProtectedGuard",
        "tests": "codefit.guards.tests_integrity:TestIntegrityGuard",
        "harness": "codefit.guards.harness:HarnessGuard",
        "exit": "codefit.guards.exits:ExitGuard",
        "always_equal": "codefit.guards.equality:AlwaysEqualGuard",
        "hardcoding": "codefit.guards.hardcoding:HardcodingGuard",
        "swallow": "codefit.guards.swallow:SwallowGuard",
        "peeking": "codefit.guards.peeking:PeekingGuard",
        "transcript": "codefit.guards.transcript:TranscriptGuard",
        "leakage": "codefit.guards.leakage:LeakageGuard",
        "patching": "codefit.guards.patching:PatchingGuard",
        "dynamic_code": "codefit.guards.dynamic:DynamicCodeGuard",
        "worktree": "codefit.guards.worktree:WorktreeGuard",
    },
)
