"""Doctor check: the agent CLIs codefit drives, their versions, the flags codefit would pass to them
and whether the configured optimizer reaches its endpoint through the sandbox.

`fit` runs `require_agent_cli` for the configured optimizer before step 1: a missing CLI or a flag
its version refuses (Codex 0.147 removed `--full-auto`, and every step would fail with exit 2) stops
the run with one line naming the flag and the version.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from codefit import registry
from codefit.config import build_optimizer, load_config
from codefit.doctor import DoctorContext, Finding, Level
from codefit.doctor.agent_cli import CLIS, CliSpec, help_flags, locate, version
from codefit.doctor.agent_endpoint import probe
from codefit.doctor.agent_flags import passed_flags
from codefit.errors import CodefitError, OptimizerError
from codefit.optimizers.agents.common import agent_env

CHECK = "agents"
INSTALL_FIX = "run scripts/install-agents (pinned versions into .tools/) or set `binary` under [optimizer]"


def check_agents(ctx: DoctorContext) -> Iterator[Finding]:
    kind, configured = _configured(ctx)
    for spec in CLIS.values():
        optimizer = configured if spec.kind == kind else _default(spec.kind)
        yield from cli_findings(spec, optimizer, ctx.repo, in_use=spec.kind == kind)
    if configured is not None and kind in (*CLIS, "openai"):
        reach = probe(kind, configured.options)
        level = Level.OK if reach.ok else Level.PROBLEM
        fix = (
            ""
            if reach.ok
            else "check the endpoint's URL, and add its host to `allow_hosts` under [optimizer]"
        )
        yield Finding(CHECK, level, f"{kind}: endpoint {reach.detail}", fix)


def require_agent_cli(optimizer: Any, repo: Path) -> None:
    """Refuse to start a run whose agent CLI is missing or refuses a flag codefit would pass."""
    kind = getattr(optimizer, "kind", None)
    if kind not in CLIS:
        return
    for finding in cli_findings(CLIS[kind], optimizer, repo, in_use=True):
        if finding.level == Level.PROBLEM:
            raise OptimizerError(f"{finding.message}; {finding.fix}", where=f"optimizer {kind!r}")


def cli_findings(spec: CliSpec, optimizer: Any, repo: Path, *, in_use: bool) -> Iterator[Finding]:
    """Where the CLI is, its version, and each flag codefit would pass that its help does not list."""
    env = agent_env(optimizer.options.env)
    found = locate(spec, repo, optimizer.options.binary, env)
    if found is None:
        where = (
            f"binary {optimizer.options.binary!r}" if optimizer.options.binary else f"`{spec.name}` on PATH"
        )
        level = Level.PROBLEM if in_use else Level.WARN
        yield Finding(CHECK, level, f"{spec.kind}: {where} not found (nor {spec.tools_path})", INSTALL_FIX)
        return
    ver = version(found.path, env)
    label = f"{spec.name} {ver or '(version unknown)'}"
    if not found.on_run_path:
        message = f"{label} is in {spec.tools_path} but `{spec.name}` is not on PATH"
        fix = f'set binary = "{repo / spec.tools_path}" under [optimizer] (or put it on PATH)'
        yield Finding(CHECK, Level.PROBLEM if in_use else Level.OK, message, fix)
        if not in_use:
            return
    else:
        yield Finding(CHECK, Level.OK, f"{label} at {found.path} ({found.how})")
    accepted = help_flags(spec, found.path, env)
    for command in accepted.missing_commands:
        fix = "install the tested version (scripts/install-agents)"
        yield Finding(
            CHECK, Level.PROBLEM, f"{label} has no `{spec.name} {command}`, which codefit runs", fix
        )
    if len(accepted.flags - spec.hidden_flags) == 0:
        yield Finding(CHECK, Level.WARN, f"{label}: its --help lists no flags, so codefit cannot check them")
        return
    for flag in passed_flags(spec.kind, optimizer):
        if flag not in accepted.flags:
            fix = (
                "change the [optimizer] option that adds it (or `extra_args`), or install the tested version"
            )
            yield Finding(
                CHECK, Level.PROBLEM, f"{label} does not accept `{flag}`, which codefit would pass", fix
            )


def _configured(ctx: DoctorContext) -> tuple[str | None, Any]:
    """The configured optimizer's kind and the optimizer itself, when the project has a config."""
    try:
        loaded = load_config(ctx.repo, ctx.config)
        return loaded.config.optimizer.kind, build_optimizer(loaded)
    except CodefitError:
        return None, None


def _default(kind: str) -> Any:
    cls = registry.optimizers.get(kind, where="doctor")
    return cls(cls.options_model())
