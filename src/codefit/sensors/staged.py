"""pytest runs with files codefit stages outside the tree under test (a generated test module, a
plugin): the staging folder is shown read-only inside the sandbox and put on the `PYTHONPATH`, so the
confined run imports them while the optimizer's workspace never holds them."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from pathlib import Path

from codefit.extras import missing_extra
from codefit.sensors.base import Reading, SensorContext, SensorSettings
from codefit.sensors.pytest_sensor import PytestOptions, PytestSensor
from codefit.workspace.sandbox import SandboxSpec


@dataclass(frozen=True)
class StagedContext(SensorContext):
    """A SensorContext whose confined runs also see `readonly` folders (read-only) and `scratch`
    folders (writable)."""

    readonly: tuple[Path, ...] = ()
    scratch: tuple[Path, ...] = ()

    def sandbox(self, tree: Path, *, writable: Sequence[Path] = (), at_repo: bool = False) -> SandboxSpec:
        spec = super().sandbox(tree, writable=(*writable, *self.scratch), at_repo=at_repo)
        return replace(spec, extra_ro=(*spec.extra_ro, *self.readonly))


def staged_context(
    ctx: SensorContext, folder: Path, *, scratch: Sequence[Path] = (), env: Mapping[str, str] | None = None
) -> StagedContext:
    """`ctx` with `folder` shown read-only and first on the `PYTHONPATH` of the run, `scratch`
    writable, and `env` added to the environment."""
    merged = {**ctx.env, **(env or {})}
    merged["PYTHONPATH"] = os.pathsep.join(p for p in (str(folder), merged.get("PYTHONPATH", "")) if p)
    values = {f.name: getattr(ctx, f.name) for f in fields(ctx) if f.name not in ("readonly", "scratch")}
    values["env"] = merged
    return StagedContext(**values, readonly=(folder,), scratch=tuple(scratch))


@contextmanager
def staging(prefix: str, files: Mapping[str, str]) -> Iterator[Path]:
    """A temporary folder outside any tree holding `files` ({name: text}), removed afterwards; its
    parent is the run's own to use (a scratch folder beside it)."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        folder = Path(tmp) / "staged"
        folder.mkdir()
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        yield folder


# pytest's own search order for a configuration file in one folder, with the section that makes it one.
CONFIG_FILES = (
    ("pytest.ini", ""),
    (".pytest.ini", ""),
    ("pyproject.toml", "[tool.pytest"),
    ("tox.ini", "[pytest]"),
    ("setup.cfg", "[tool:pytest]"),
)


def root_args(tree: Path) -> list[str]:
    """`--rootdir` (and `-c`, the tree root's pytest configuration) for a run whose arguments
    include a staged file: pytest would otherwise root the run at the common ancestor of the tree
    and the staging folder and miss the project's configuration."""
    for name, section in CONFIG_FILES:
        path = tree / name
        if path.is_file() and section in path.read_text(encoding="utf-8", errors="replace"):
            return ["--rootdir=.", "-c", name]
    return ["--rootdir=."]


class StagedPytest(PytestSensor):
    """The pytest sensor with arguments of its owner's `before` and `after` the configured ones; a
    held-out sensor adds its held-out files (as the pytest sensor does) only when it has them (a
    property sensor may declare all its properties in the config)."""

    def __init__(
        self,
        settings: SensorSettings,
        options: PytestOptions,
        before: Sequence[str] = (),
        after: Sequence[str] = (),
    ) -> None:
        super().__init__(settings, options)
        self.before = list(before)
        self.after = list(after)

    def args(self) -> list[str]:
        has_files = self.settings.path is not None or self.settings.sealed is not None
        configured = super().args() if has_files else list(self.options.args)
        return [*self.before, *configured, *self.after]


def missing_module(reading: Reading, module: str, what: str) -> str | None:
    """The install hint when the run could not import `module` (it must be installed for the
    interpreter of the code under test), else None."""
    text = " ".join([reading.output, *(t.message for t in reading.tests)])
    if f"No module named '{module}'" not in text:
        return None
    return install_hint(module, what)


def install_hint(module: str, what: str) -> str:
    """What to install for `module` (an extra's, where one provides it)."""
    error = missing_extra(ModuleNotFoundError(name=module), what)
    hint = error.message if error is not None else f"{what} needs the Python module {module!r}"
    return f"{hint} (in the interpreter of the code under test)"
