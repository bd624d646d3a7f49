"""Launching optimizer processes in isolation.

`wrap_command` turns an argv into one that runs confined to the workspace:

    env -u SECRET... -- bwrap [mounts] -- [drop to nobody, as root] -- prlimit [limits] -- ARGV

- the environment is scrubbed of codefit's keys *before* bubblewrap starts, so that not even
  the sandbox's PID 1 (whose /proc entry the command could read) holds them;
- under bubblewrap (`bwrap`, Debian package `bubblewrap`): nothing of the host is visible but
  what `codefit.workspace.sandbox_mounts` lists (system directories, codefit's toolchain, the
  interpreter prefix of the code under test, what the caller shows), a fresh empty /tmp, only the
  workspace (and `extra_rw`) writable, the workspace shown again at `also_at` (the user's
  repository, so that an editable install imports the workspace), every hidden path covered
  wherever a shown one would bring it back, a new PID namespace where the command is PID 1 (so
  /proc shows neither codefit nor bwrap's arguments), and no network unless the spec allows it;
- when codefit runs as root, the command runs as an unprivileged user in a user namespace of its
  own (`codefit.workspace.sandbox_user`; PID 1 is then `sandbox_init.py`), so that the limits
  bind (RLIMIT_NPROC spares root), after the writable trees are handed to that user;
- with `allow_hosts`, the network stays unshared and the command reaches the listed hosts only,
  through codefit's egress proxy (`codefit.workspace.egress`; run it with `egress_for`), whose
  relay is then PID 1 and runs the command as its child;
- `prlimit` sets resource limits (CPU seconds, private memory, processes, file size, open files).

The same machinery confines sensors and the code under test (`confined_spec`): a train sensor
may write only in the workspace, the grader only in its throw-away grading copy.

Where bubblewrap is missing, the command runs with the scrubbed environment and the limits only;
`sandbox_warning()` says so and `require_sandbox()` refuses. Where `prlimit` is missing, the
limits are not applied, and `sandbox_warning()` says that too.

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
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from codefit.errors import CodefitError
from codefit.workspace import sandbox_mounts, sandbox_user
from codefit.workspace.egress import AllowList, EgressProxy, relay_argv
from codefit.workspace.import_paths import import_paths

# Names always removed from an optimizer's environment; plus any CODEFIT_* name that looks like a secret.
SECRET_ENV = ("CODEFIT_SEAL_KEY",)
SECRET_PATTERN = re.compile(r"^CODEFIT_.*(KEY|SECRET|TOKEN|PASSWORD)")


class SandboxError(CodefitError):
    """Isolation was required but cannot be provided."""


@dataclass(frozen=True)
class ResourceLimits:
    """Per-process limits (None = inherit). Applied with `prlimit` to the process and its children.

    `memory_mb` caps private writable memory (RLIMIT_DATA), not address space: V8, the JVM, Go and
    CUDA reserve far more address space than they use, so an address-space cap would stop honest
    agents and tests, while an allocation bomb still gets MemoryError/ENOMEM.
    `processes` is RLIMIT_NPROC, which counts every thread of the user: give it what the user
    already runs plus a margin (`process_limit`).
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
            ("--data", self.memory_mb * mb if self.memory_mb else None),
            ("--nproc", self.processes),
            ("--fsize", self.file_size_mb * mb if self.file_size_mb else None),
            ("--nofile", self.open_files),
        ]
        return [f"{flag}={value}" for flag, value in pairs if value is not None]


def process_limit(margin: int) -> int | None:
    """An RLIMIT_NPROC leaving `margin` more threads than this user runs now (0 = no limit).

    For root, `margin` itself: sandboxed processes then run as an unprivileged user in a user
    namespace of their own, whose count starts at zero. None for root where the sandbox cannot
    drop root (the limit would not bind; `sandbox_warning()` says so)."""
    if not margin:
        return None
    if os.geteuid() == 0:
        return margin if sandbox_available() and sandbox_user.sandbox_identity() else None
    return user_threads() + margin


def user_threads() -> int:
    """Threads of the current user now (RLIMIT_NPROC counts them all, not only a run's)."""
    uid, total = os.getuid(), 0
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    total += len(os.listdir(f"/proc/{entry}/task"))
            except OSError:
                continue  # gone meanwhile
    return total


@dataclass(frozen=True)
class SandboxSpec:
    """What an optimizer process may see and reach."""

    workspace: Path
    hidden: tuple[Path, ...] = ()
    allow_network: bool = False
    # Non-empty: only these hosts, through codefit's egress proxy; wins over allow_network.
    allow_hosts: tuple[str, ...] = ()
    extra_ro: tuple[Path, ...] = field(default_factory=tuple)
    extra_rw: tuple[Path, ...] = ()
    limits: ResourceLimits = ResourceLimits()
    secret_env: tuple[str, ...] = ()
    # Where the workspace is shown too (the user's repository): an editable install finds it there.
    also_at: tuple[Path, ...] = ()
    # (copy, path): writable, shown at `path` (a root run lends the user's own state so: `sandbox_lend`).
    rw_at: tuple[tuple[Path, Path], ...] = ()
    # One of `also_at` where the workspace is seen alone and the command runs (the user's
    # repository, for a test run: the paths its tests see are the ones a plain run there sees).
    run_at: Path | None = None


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
    """A one-line warning when optimizers or the code under test would run unconfined, else None."""
    problems = []
    if not sandbox_available():
        problems.append(
            "bubblewrap (bwrap) is not available: the optimizer and the code under test run without "
            "file-system and network isolation, and an optimizer's `allow_hosts` is not enforced "
            "(install the `bubblewrap` package, or pass --require-sandbox to refuse)"
        )
    if not limits_available():
        problems.append("prlimit (util-linux) is not available: the [limits] are not applied")
    elif os.geteuid() == 0 and not problems and sandbox_user.sandbox_identity() is None:
        problems.append(
            "codefit runs as root and cannot drop to an unprivileged user in the sandbox: the "
            "process limit does not bind"
        )
    return "; ".join(problems) or None


def require_sandbox() -> None:
    """Refuse to go on without bubblewrap (`--require-sandbox`)."""
    if not sandbox_available():
        raise SandboxError("bubblewrap (bwrap) is not available; --require-sandbox refuses to run without it")


def limits_available() -> bool:
    return shutil.which("prlimit") is not None


@contextmanager
def egress_for(spec: SandboxSpec) -> Iterator[EgressProxy | None]:
    """The egress proxy enforcing `spec.allow_hosts` while the block runs (one optimizer step);
    None when the spec lists no host, or without bubblewrap, where nothing could enforce the list
    (`sandbox_warning()` says so)."""
    if not spec.allow_hosts or not sandbox_available():
        yield None
        return
    try:
        allow = AllowList.parse(spec.allow_hosts)
    except ValueError as exc:
        raise SandboxError(str(exc)) from None
    with EgressProxy(allow) as proxy:
        yield proxy


def wrap_command(argv: Sequence[str], spec: SandboxSpec, egress: EgressProxy | None = None) -> list[str]:
    """The argv to execute so that `argv` runs under `spec` (with `allow_hosts`, give the proxy
    `egress_for(spec)` runs)."""
    inner = limit_argv(argv, spec.limits)
    if sandbox_available():
        if spec.allow_hosts and egress is None:
            raise SandboxError(
                "allow_hosts needs codefit's egress proxy running: wrap inside egress_for(spec)"
            )
        if egress is not None:
            inner = relay_argv(egress.socket_path, inner)
        identity = sandbox_user.sandbox_identity()
        if identity is not None:
            egress_dirs = [egress.socket_dir, egress.socket_path] if egress else []
            # Never the user's own files: nothing inside a hidden path (the repository) changes owner.
            hidden = [h.resolve() for h in spec.hidden]
            mine = [p for p in (spec.workspace, *spec.extra_rw) if not _inside(p.resolve(), hidden)]
            mine += [copy for copy, _ in spec.rw_at]
            sandbox_user.grant([*mine, *egress_dirs], identity)
            sandbox_user.open_to_read(spec.extra_ro, identity)
            inner = [*sandbox_user.drop_argv(identity), *inner]
        inner = [*bwrap_args(spec, egress.socket_dir if egress else None), "--", *inner]
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


def toolchain_paths() -> list[Path]:
    """codefit's own interpreter and package, kept visible: they may live under /tmp (a fresh CI
    clone) where the sandbox shows an empty directory, and hooks and agents run through them."""
    import codefit

    candidates = {Path(sys.prefix), Path(sys.base_prefix), Path(codefit.__file__).resolve().parents[1]}
    candidates |= set(shim_roots())
    return sorted({p.resolve() for p in candidates if p.exists()}, key=lambda p: len(p.parts))


def shim_roots(path: str | None = None) -> list[Path]:
    """Version managers whose shims are on PATH (pyenv, rbenv, asdf: `ROOT/shims`): their ROOT,
    read-only, so that `python3` on PATH still runs in the sandbox (a pyenv shim execs
    `ROOT/libexec/pyenv` and reads `ROOT/versions`). Never a home folder itself."""
    homes = {Path.home().resolve(), Path("/home"), Path("/")}
    roots = []
    for entry in (os.environ.get("PATH", "") if path is None else path).split(os.pathsep):
        folder = Path(entry)
        if folder.name == "shims" and folder.is_absolute() and folder.is_dir() and folder.parent not in homes:
            roots.append(folder.parent)
    return roots


def interpreter_paths(python: str) -> tuple[Path, ...]:
    """The prefix of the code under test's interpreter (a venv inside a hidden repository, or
    under /tmp), as named and as resolved, to keep visible read-only."""
    found = shutil.which(python) or python
    prefixes = {Path(found).absolute().parent.parent, Path(found).resolve().parent.parent}
    # Binding / or /tmp again would undo the fresh /tmp and every hidden path.
    return tuple(sorted(p for p in prefixes if p.is_dir() and p not in (Path("/"), Path("/tmp"))))


def confined_spec(
    tree: Path,
    *,
    python: str,
    hidden: Sequence[Path] = (),
    limits: ResourceLimits = ResourceLimits(),
    writable: Sequence[Path] = (),
    also_at: Sequence[Path] = (),
    run_at: Path | None = None,
) -> SandboxSpec:
    """How a sensor runs the code under test in `tree`: only `tree` (and `writable`) writable,
    `hidden` and codefit's keys invisible, `tree` shown at `also_at` too (at `run_at`, one of
    them, alone, and run there), a private /tmp, no network. The interpreter's prefix is shown,
    and what it imports from other checkouts (editable installs) without their `.git`."""
    prefixes = interpreter_paths(python)
    covered = [h.resolve() for h in hidden if h.exists()]
    imports = [p for p in import_paths(prefixes) if not any(h == p or h in p.parents for h in covered)]
    repos = {sandbox_mounts.enclosing_repository(p) for p in imports}
    return SandboxSpec(
        workspace=tree,
        hidden=(*hidden, *(repo / ".git" for repo in repos if repo is not None)),
        extra_ro=(*prefixes, *imports),
        extra_rw=tuple(writable),
        limits=limits,
        also_at=tuple(also_at),
        run_at=run_at,
    )


def confined_env(env: Mapping[str, str], spec: SandboxSpec) -> dict[str, str]:
    """`env` scrubbed of codefit's secrets; under bubblewrap, temporary files go to the private /tmp
    (a TMPDIR elsewhere is read-only there)."""
    out = scrub_env(env, spec)
    if sandbox_available():
        out["TMPDIR"] = "/tmp"
    return out


def bwrap_args(spec: SandboxSpec, egress_dir: Path | None = None) -> list[str]:
    """bubblewrap's arguments for `spec`; `egress_dir` (the egress proxy's socket directory) is shown
    read-only, which still lets the relay connect to the socket."""
    bwrap = shutil.which("bwrap") or "bwrap"
    args = [bwrap, "--die-with-parent", "--new-session", "--unshare-pid", "--as-pid-1", "--unshare-ipc"]
    if spec.allow_hosts or not spec.allow_network:
        args.append("--unshare-net")  # with allow_hosts, only loopback: all else goes through the proxy
    if os.geteuid() == 0 and sandbox_user.sandbox_identity() is not None:
        args += sandbox_user.OUTER_CAPS  # for sandbox_init only: the command itself runs without any
    view = sandbox_mounts.View(
        tree=spec.workspace,
        readable=(*spec.extra_ro, *([egress_dir] if egress_dir else [])),
        essential=tuple(toolchain_paths()),
        writable=spec.extra_rw,
        hidden=(*spec.hidden, _keys_home()),
        also_at=spec.also_at,
        writable_at=spec.rw_at,
        run_at=spec.run_at,
    )
    args += sandbox_mounts.system_args()
    args += sandbox_mounts.mount_args(sandbox_mounts.plan(view))
    return [*args, "--chdir", str(sandbox_mounts.running_dir(view))]


def _inside(path: Path, folders: Sequence[Path]) -> bool:
    return any(path == folder or folder in path.parents for folder in folders)


def _keys_home() -> Path:
    from codefit.seal import keys_dir

    return keys_dir().parent
