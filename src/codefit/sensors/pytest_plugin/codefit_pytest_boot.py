"""Start one pytest run for codefit: `python -m codefit_pytest_boot [pytest args]` (safe path on).

Before pytest or any file of the tree is imported, it
1. reads the report key from stdin and opens the report file ($CODEFIT_PYTEST_REPORT, then removed
   from the environment): records go to that descriptor, signed (`codefit_pytest_channel`); then,
   on the next line of stdin, the git blob ids of the files left unchanged since the base tree
   (JSON, {path: id}), and on the next the base tree's text of the Python files changed since
   (JSON, {path: text}; `codefit_pytest_trust`);
2. takes the tree out of `sys.path` (with PYTHONSAFEPATH the interpreter never put it first);
3. installs the audit hook (`codefit_pytest_audit`), which trusts those files' own code;
4. loads the pytest plugins of the interpreter's installed distributions (`pytest11` entry points
   of distributions outside the tree) itself, with PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 set by the
   sensor, so that no `*.egg-info` or module in the tree can add or replace a plugin;
and puts the tree root at the END of `sys.path` only once those plugins are loaded, so that
flat-layout projects import their modules while nothing installed can be shadowed by them. In a
held-out split's run ($CODEFIT_HELDOUT_RUN=1) `PYTEST_CURRENT_TEST` names no parameter id.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import sys
from typing import Any


def main(argv: list[str]) -> int:
    added = [name for name in os.environ.pop("CODEFIT_ADDED_ENV", "").split(",") if name]
    if "PYTHONSAFEPATH" in added:
        del os.environ["PYTHONSAFEPATH"]  # this process has it (sys.flags.safe_path); children need not
    key = bytes.fromhex(sys.stdin.readline().strip() or "00")
    unchanged = json.loads(sys.stdin.readline().strip() or "{}")
    changed = json.loads(sys.stdin.readline().strip() or "{}")
    fd = os.open(
        os.environ.pop("CODEFIT_PYTEST_REPORT"), os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600
    )
    root = os.path.realpath(os.getcwd())
    sys.path[:] = [p for p in sys.path if os.path.realpath(p or ".") != root]
    heldout = held_out_entries(root, os.environ.pop("CODEFIT_HELDOUT_DIRS", ""))
    grading = os.environ.pop("CODEFIT_HELDOUT_RUN", "") == "1"  # a held-out split's run
    own = [m for m in os.environ.pop("CODEFIT_OWN_MODULES", "").split(",") if m]

    from codefit_pytest_audit import install
    from codefit_pytest_channel import open_channel
    from codefit_pytest_trust import Trust

    # Bound now: the boot runs as `__main__`, whose names the code under test could rebind.
    tests = functools.partial(is_test_file, heldout=heldout)
    audit = install(root, tests, Trust(root, unchanged, changed))
    send = open_channel(fd, key)
    plugins = installed_plugins(root)
    audit.findings += planted_runner_files(root, own)

    import pytest
    from codefit_pytest_plugin import Reporter, Timeout
    from codefit_pytest_sealed import Sealer, runtime_types, tell_the_hook

    runtime = runtime_types()
    tell_the_hook(runtime)  # before pytest.main: no conftest has run
    from codefit_pytest_watch import Watch

    timeout = float(os.environ.pop("CODEFIT_TEST_TIMEOUT", "0") or 0)
    restore = [name for name in added if name != "PYTHONSAFEPATH"]
    sealer = Sealer(runtime, tuple(_module_of(plugin) for _, plugin in plugins))
    reporter = Reporter(send, audit, Watch(root, own), sealer)
    ours: list[object] = [Loader(plugins, root, restore), reporter]
    if timeout > 0 and hasattr(signal, "setitimer"):
        ours.append(Timeout(timeout))
    if grading:
        unnamed_parameters()
    return int(pytest.main(argv, plugins=ours))


CURRENT_TEST = "PYTEST_CURRENT_TEST"


def unnamed_parameters() -> None:
    """In a held-out run, `PYTEST_CURRENT_TEST` names the running test without its parameter id.

    pytest makes a parametrized case's id from its values (`test_add[2-3-5]`: the expected sum
    too), and any code can read the environment: the code under test would answer from it. The
    runner's own setter is wrapped before the watch records pytest's bindings, so restoring it is
    tampering like any other."""
    import _pytest.runner as runner

    update = getattr(runner, "_update_current_test_var", None)
    if update is None:
        return

    def without_parameters(item: Any, when: Any) -> None:
        update(item, when)
        if when is not None and CURRENT_TEST in os.environ:
            path, _, name = str(item.nodeid).rpartition("::")
            bare = f"{path}::{name.split('[', 1)[0]}" if path else name.split("[", 1)[0]
            os.environ[CURRENT_TEST] = f"{bare} ({when})".replace("\x00", "(null)")

    runner._update_current_test_var = without_parameters  # type: ignore[attr-defined]


def held_out_entries(root: str, listed: str) -> tuple[str, ...]:
    """The held-out test files: a folder ends in "/"; otherwise each file placed is named (the
    folder may be the package under test, whose own modules are no test files). Never the root."""
    entries = []
    for entry in listed.split(os.pathsep):
        path = os.path.normpath(os.path.join(root, entry)) if entry else root
        if path != root:
            entries.append(path + os.sep if entry.endswith("/") else path)
    return tuple(entries)


def is_test_file(path: str, heldout: tuple[str, ...], sep: str = os.sep) -> bool:
    """A test module, a conftest, a held-out file or any file in a held-out folder. Only `str`
    methods: the audit hook asks this while the code under test runs, which could patch `fnmatch`
    or `os.path` (a test file not taken for one, and its read unseen)."""
    for entry in heldout:
        if path == entry or (entry.endswith(sep) and path.startswith(entry)):
            return True
    name = path.rpartition(sep)[2]  # pytest's own: test_*.py, *_test.py, and conftest.py
    test_module = name.startswith("test_") and name.endswith(".py")
    return test_module or name.endswith("_test.py") or name == "conftest.py"


def installed_plugins(root: str) -> list[tuple[str, object]]:
    """(entry point name, plugin) of every `pytest11` entry point installed outside the tree."""
    from importlib.metadata import distributions

    from codefit_pytest_audit import in_tree

    found: dict[str, object] = {}
    prefix = root + os.sep
    for dist in distributions():
        location = str(getattr(dist, "_path", "") or "")
        if location and in_tree(os.path.realpath(location), prefix):
            continue
        for entry in dist.entry_points:
            if entry.group == "pytest11" and entry.name not in found:
                found[entry.name] = entry.load()
    return list(found.items())


def _module_of(plugin: object) -> str:
    """The module an installed plugin lives in (a module itself, or its class's)."""
    name = getattr(plugin, "__name__", None) if isinstance(plugin, type(sys)) else type(plugin).__module__
    return name if isinstance(name, str) else ""


def planted_runner_files(root: str, own: list[str]) -> list[str]:
    """Entries at the tree's root, new since the base tree, that would change the runner under a
    plain `python -m pytest`: a module shadowing an installed one (a plugin, a dependency of the
    tests), or a distribution's metadata declaring a pytest plugin."""
    from importlib.machinery import PathFinder
    from importlib.metadata import distributions

    found = []
    for entry in sorted(set(os.listdir(root)) - set(own)):
        name = entry[:-3] if entry.endswith(".py") else entry
        if name in own or not name.isidentifier():
            continue
        if name in sys.builtin_module_names or PathFinder.find_spec(name, sys.path) is not None:
            found.append(f"the tree adds {entry}, which shadows the installed module {name}")
    for dist in distributions(path=[root]):
        if any(e.group == "pytest11" for e in dist.entry_points):
            location = os.path.basename(str(getattr(dist, "_path", "")))
            found.append(f"the tree adds {location}, which declares a pytest plugin")
    return found


class Loader:
    """Registers the installed plugins under their entry point names, as autoload would."""

    def __init__(self, plugins: list[tuple[str, object]], root: str, unset: list[str]) -> None:
        self._plugins = plugins
        self._root = root
        self._unset = unset  # variables the sensor added for this process only

    def pytest_addhooks(self, pluginmanager: Any) -> None:
        for name, plugin in self._plugins:
            if not pluginmanager.is_blocked(name) and pluginmanager.get_plugin(name) is None:
                pluginmanager.register(plugin, name=name)

    def pytest_load_initial_conftests(self) -> None:
        """Plugins are loaded by now: the tree may join `sys.path`, at its end."""
        if self._root not in sys.path:
            sys.path.append(self._root)
        for name in self._unset:
            os.environ.pop(name, None)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
