"""Launching optimizer processes in isolation.

`wrap_command` turns an argv into one that runs confined to the workspace:

    env -u SECRET... -- bwrap [mounts] -- prlimit [limits] -- ARGV

- the environment is scrubbed of codefit's keys *before* bubblewrap starts, so that not even
  the sandbox's PID 1 (whose /proc entry the command could read) holds them;
- under bubblewrap (`bwrap`, Debian package `bubblewrap`): the whole file system read-only, a fresh
  empty /tmp, only the workspace (and `extra_rw`) writable, every hidden path (the user's
  repository, `.codefit/`, held-out tests, key directories) covered by an empty tmpfs, a new PID
  namespace where the command is PID 1 (so /proc shows neither codefit nor bwrap's arguments),
  and no network unless the spec allows it;
- `prlimit` sets resource limits (CPU seconds, address space, processes, file size, open files).

Where bubblewrap is missing, the command runs with the scrubbed environment and the limits only;
`sandbox_warning()` says so and `require_sandbox()` refuses.

Output size is not a limit here, on purpose: RLIMIT_FSIZE (`file_size_mb`) applies to regular
files, not to the pipes codefit reads, and relaying output through a capping process would cost
a process per run and hide the command's own exit status. Whoever reads the pipes bounds what it
keeps: `codefit.sensors.process.run_bounded` must read as output comes and keep a bounded head
and tail of each stream, never `communicate()` everything and clip afterwards.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from codefit.errors import CodefitError

# Names always removed from an optimizer's environment; plus any CODEFIT_* name that looks like a secret.
SECRET_ENV = ("CODEFIT_SEAL_KEY",)
SECRET_PATTERN = re.compile(r"^CODEFIT_.*(KEY|SECRET|TOKEN|PASSWORD)")


class SandboxError(CodefitError):
    """Isolation was required but cannot be provided."""


@dataclass(frozen=True)
class ResourceLimits:
    """Per-process limits (None = inherit). Applied with `prlimit` to the process and its children.

    `file_size_mb` caps each file the process writes; it does not cap what it prints to a pipe
    (see the module docstring: output is bounded by the reader).
    """

    cpu_s: int | None = None
    memory_mb: int | None = None
    processes: int | None = None
    file_size_mb: int | None = None
    open_files: int | None = None

    def prlimit_args(self) -> list[str]:
        mb = 1024 * 1024
        pairs = [
            ("--cpu", self.cpu_s),
            ("--as", self.memory_mb * mb if self.memory_mb else None),
            ("--nproc", self.processes),
            ("--fsize", self.file_size_mb * mb if self.file_size_mb else None),
            ("--nofile", self.open_files),
        ]
        return [f"{flag}={value}" for flag, value in pairs if value is not None]


@dataclass(frozen=True)
class SandboxSpec:
    """What an optimizer process may see and reach."""

    workspace: Path
    hidden: tuple[Path, ...] = ()
    allow_network: bool = False
    # bubblewrap cannot filter by host: any allowed host shares the network (see docs/guards.md).
    allow_hosts: tuple[str, ...] = ()
    extra_ro: tuple[Path, ...] = field(default_factory=tuple)
    extra_rw: tuple[Path, ...] = ()
    limits: ResourceLimits = ResourceLimits()
    secret_env: tuple[str, ...] = ()


def sandbox_available() -> bool:
    """True when bubblewrap is installed and can create namespaces here."""
    return _bwrap_works(shutil.which("bwrap"))


@functools.lru_cache(maxsize=4)
def _bwrap_works(bwrap: str | None) -> bool:
    if bwrap is None:
        return False
    probe = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--unshare-pid", "--unshare-net", "true"]
    try:
        return subprocess.run(probe, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def sandbox_warning() -> str | None:
    """A one-line warning when optimizers would run unconfined, else None."""
    if sandbox_available():
        return None
    return (
        "bubblewrap (bwrap) is not available: the optimizer runs without file-system and network "
        "isolation (install the `bubblewrap` package, or pass --require-sandbox to refuse)"
    )


def require_sandbox() -> None:
    """Refuse to go on without bubblewrap (`--require-sandbox`)."""
    warning = sandbox_warning()
    if warning is not None:
        raise SandboxError(warning.split(":")[0] + "; --require-sandbox refuses to run without it")


def wrap_command(argv: Sequence[str], spec: SandboxSpec) -> list[str]:
    """The argv to execute so that `argv` runs under `spec`."""
    inner = limit_argv(argv, spec.limits)
    if sandbox_available():
        inner = [*bwrap_args(spec), "--", *inner]
    return [*scrub_argv(spec), *inner]


def limit_argv(argv: Sequence[str], limits: ResourceLimits) -> list[str]:
    """`argv` under `prlimit` when any limit is set (also usable for sensors and the code under test)."""
    args = limits.prlimit_args()
    if not args:
        return list(argv)
    prlimit = shutil.which("prlimit")
    if prlimit is None:
        raise SandboxError("resource limits need `prlimit` (util-linux), which is not installed")
    return [prlimit, *args, "--", *argv]


def secret_names(spec: SandboxSpec, environ: Mapping[str, str] | None = None) -> list[str]:
    env = os.environ if environ is None else environ
    names = {*SECRET_ENV, *spec.secret_env, *(n for n in env if SECRET_PATTERN.match(n))}
    return sorted(names)


def scrub_env(env: Mapping[str, str], spec: SandboxSpec) -> dict[str, str]:
    """`env` without codefit's secrets (for callers that build the child's environment themselves)."""
    drop = set(secret_names(spec, env))
    return {k: v for k, v in env.items() if k not in drop}


def scrub_argv(spec: SandboxSpec) -> list[str]:
    env = shutil.which("env") or "/usr/bin/env"
    out = [env]
    for name in secret_names(spec):
        out += ["-u", name]
    return [*out, "--"]


def hidden_paths(spec: SandboxSpec) -> list[Path]:
    """The spec's hidden paths plus codefit's key locations, resolved, existing, outermost only."""
    from codefit.seal import keys_dir

    candidates = [*spec.hidden, keys_dir().parent]
    resolved = sorted({p.resolve() for p in candidates if p.exists()}, key=lambda p: len(p.parts))
    kept: list[Path] = []
    for path in resolved:
        if path == Path("/tmp") or Path("/tmp") in path.parents:
            continue  # /tmp is replaced by an empty tmpfs anyway
        if not any(k == path or k in path.parents for k in kept):
            kept.append(path)
    return kept


def toolchain_paths() -> list[Path]:
    """codefit's own interpreter and package, kept visible: they may live under /tmp (a fresh CI
    clone) where the sandbox shows an empty directory, and hooks and agents run through them."""
    import codefit

    candidates = {Path(sys.prefix), Path(sys.base_prefix), Path(codefit.__file__).resolve().parents[1]}
    return sorted({p.resolve() for p in candidates if p.exists()}, key=lambda p: len(p.parts))


def bwrap_args(spec: SandboxSpec) -> list[str]:
    bwrap = shutil.which("bwrap") or "bwrap"
    args = [bwrap, "--die-with-parent", "--new-session", "--unshare-pid", "--as-pid-1", "--unshare-ipc"]
    if not (spec.allow_network or spec.allow_hosts):
        args.append("--unshare-net")
    args += ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    for path in hidden_paths(spec):
        if path.is_dir():
            args += ["--tmpfs", str(path)]
        else:
            args += ["--ro-bind", "/dev/null", str(path)]
    for path in toolchain_paths():
        args += ["--ro-bind", str(path), str(path)]
    for path in spec.extra_ro:
        args += ["--ro-bind", str(path.resolve()), str(path.resolve())]
    workspace = str(spec.workspace.resolve())
    args += ["--bind", workspace, workspace]
    for path in spec.extra_rw:
        args += ["--bind", str(path.resolve()), str(path.resolve())]
    return [*args, "--chdir", workspace]
