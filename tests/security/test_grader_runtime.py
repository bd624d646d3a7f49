"""In-process attacks on the pytest run codefit reads, each first shown to fool a plain pytest run.

The code under test runs in the same process as the tests. Each attack below makes a failing test
pass under `python -m pytest`; under codefit's sensor the run ends as a tampered reading: failed,
with a finding whose rule is "tampered" naming what happened.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from codefit.sensors.base import Reading, SensorContext, SensorSettings
from codefit.sensors.pytest_sensor import PytestOptions, PytestSensor

FAILING_TEST = "import calc\n\ndef test_add():\n    assert calc.add(1, 2) == 3\n"
BUGGY = "\ndef add(a, b):\n    return a - b\n"

FIND_PLUGINMANAGER = (
    "import sys\n"
    "def _pluginmanager():\n"
    "    frame = sys._getframe()\n"
    "    while frame is not None:\n"
    "        for value in list(frame.f_locals.values()):\n"
    "            manager = getattr(value, 'pluginmanager', None)\n"
    "            if manager is not None and hasattr(manager, 'register'):\n"
    "                return manager\n"
    "        frame = frame.f_back\n"
)
FORCE_PASS_WRAPPER = (
    "import pytest\n"
    "@pytest.hookimpl(hookwrapper=True)\n"
    "def forced(*args, **kwargs):\n"
    "    outcome = yield\n"
    "    report = outcome.get_result()\n"
    "    if report.when == 'call':\n"
    "        report.outcome, report.longrepr = 'passed', None\n"
)

ATTACKS = {
    "hookwrapper registered after configure": {
        "calc.py": FIND_PLUGINMANAGER
        + FORCE_PASS_WRAPPER
        + "class _Force:\n    pytest_runtest_makereport = staticmethod(forced)\n"
        + "_pluginmanager().register(_Force(), 'force')\n"
        + BUGGY,
        "expect": "registered after configure",
    },
    "hook assigned as a class attribute of a registered plugin": {
        "calc.py": FIND_PLUGINMANAGER
        + FORCE_PASS_WRAPPER
        + "manager = _pluginmanager()\n"
        + "session = manager.get_plugin('session')\n"
        + "type(session).pytest_runtest_makereport = staticmethod(forced)\n"
        + "manager.unregister(session)\n"
        + "manager.register(session, 'session')\n"
        + BUGGY,
        "expect": "pytest_runtest_makereport",
    },
    "frame introspection reads the expected value": {
        "calc.py": (
            "import inspect\n"
            "def add(a, b):\n"
            "    caller = inspect.currentframe().f_back\n"
            "    return [c for c in caller.f_code.co_consts if isinstance(c, int)][-1]\n"
        ),
        "expect": "frame introspection",
    },
    "introspection from a library function patched to run inside the audit hook": {
        # The hook tells the project's own code from the candidate's by its file, resolved with
        # `os.path.realpath`, which looks `os.lstat` up as it runs: a function patched in there ran
        # inside the hook (here as it judged code made from a string), where its events went unjudged.
        "calc.py": (
            "import os, sys\n"
            "found = []\n"
            "_real = os.lstat\n"
            "def _sneaky(path, *args, **kwargs):\n"
            "    frame = sys._getframe(1)\n"
            "    while frame is not None:\n"
            "        if frame.f_code.co_name.startswith('test_'):\n"
            "            found.append([c for c in frame.f_code.co_consts if isinstance(c, int)][-1])\n"
            "            break\n"
            "        frame = frame.f_back\n"
            "    return _real(path, *args, **kwargs)\n"
            "def add(a, b):\n"
            "    os.lstat = _sneaky\n"
            "    try:\n"
            "        exec('pass')\n"
            "    finally:\n"
            "        os.lstat = _real\n"
            "    if found:\n"
            "        return found[-1]\n"
            "    caller = sys._getframe(1)\n"  # no hook (a plain run): straight from the caller
            "    return [c for c in caller.f_code.co_consts if isinstance(c, int)][-1]\n"
        ),
        "expect": "ran inside codefit's audit hook",
    },
    "the test file read once the hook's file matching is patched": {
        # Which file is a test's, the hook once asked `fnmatch`, which the code under test can patch.
        "calc.py": (
            "import fnmatch, re, sys\n"
            "def add(a, b):\n"
            "    fnmatch.fnmatchcase = lambda name, pattern: False\n"
            "    module = sys.modules['test_calc']\n"
            "    text = open(module.__file__).read()\n"
            "    return int(re.search(r'add\\(1, 2\\) == (\\d+)', text).group(1))\n"
        ),
        "expect": "read of the test file",
    },
    "the test file read once the hook's path resolution is patched": {
        # The hook resolves a path before it judges it: `os.lstat` and `os.readlink`, patched, made
        # the test file a link to a file of no test.
        "calc.py": (
            "import os, re, stat, sys\n"
            "def add(a, b):\n"
            "    target = sys.modules['test_calc'].__file__\n"
            "    real_lstat, real_readlink = os.lstat, os.readlink\n"
            "    def lstat(path, *args, **kwargs):\n"
            "        if os.fspath(path) == target:\n"
            "            return os.stat_result((stat.S_IFLNK | 0o777,) + tuple(real_lstat(path))[1:])\n"
            "        return real_lstat(path, *args, **kwargs)\n"
            "    def readlink(path, *args, **kwargs):\n"
            "        return '/nowhere/module.py' if os.fspath(path) == target else real_readlink(path)\n"
            "    os.lstat, os.readlink = lstat, readlink\n"
            "    try:\n"
            "        text = open(target).read()\n"
            "    finally:\n"
            "        os.lstat, os.readlink = real_lstat, real_readlink\n"
            "    return int(re.search(r'add\\(1, 2\\) == (\\d+)', text).group(1))\n"
        ),
        "expect": "read of the test file",
    },
    "the audit hook's table of events emptied": {
        # The hook's constants are module names like its functions: rebound, it judged no event.
        "calc.py": (
            "import sys\n"
            "def add(a, b):\n"
            "    audit = sys.modules.get('codefit_pytest_audit')\n"
            "    if audit is not None:\n"
            "        audit.WATCHED = frozenset()\n"
            "    caller = sys._getframe(1)\n"
            "    return [c for c in caller.f_code.co_consts if isinstance(c, int)][-1]\n"
        ),
        "expect": "codefit_pytest_audit.WATCHED",
    },
    "a builtin shadowed in the audit hook's helpers": {
        # A global added to a module shadows the builtin of that name for its code (`type`, which
        # the hook's shape check calls): codefit's modules gain no name once the run has started.
        "calc.py": (
            "import sys\n"
            "def add(a, b):\n"
            "    trust = sys.modules.get('codefit_pytest_trust')\n"
            "    if trust is not None:\n"
            "        trust.type = type\n"
            "    caller = sys._getframe(1)\n"
            "    return [c for c in caller.f_code.co_consts if isinstance(c, int)][-1]\n"
        ),
        "expect": "added codefit_pytest_trust.type",
    },
    "the test file read through sys.modules": {
        "calc.py": (
            "import re, sys\n"
            "def add(a, b):\n"
            "    for name, module in list(sys.modules.items()):\n"
            "        if name.startswith('test_'):\n"
            "            text = open(module.__file__).read()\n"
            "            return int(re.search(r'add\\(1, 2\\) == (\\d+)', text).group(1))\n"
        ),
        "expect": "read of the test file test_calc.py",
    },
    "the test file read through linecache after a warning": {
        "calc.py": (
            "import linecache, warnings\n"
            "def add(a, b):\n"
            "    with warnings.catch_warnings(record=True) as caught:\n"
            "        warnings.simplefilter('always')\n"
            "        warnings.warn('x', stacklevel=2)\n"
            "    line = linecache.getline(caught[0].filename, caught[0].lineno)\n"
            "    return int(line.split('==')[1])\n"
        ),
        "expect": "read of the test file test_calc.py",
    },
    # The hook must never run the candidate's code, nor give up when that code makes it fail.
    "frame introspection from code named by a str subclass that fails the hook": {
        "calc.py": (
            "import sys, types\n"
            "class _Name(str):\n"
            "    def __hash__(self):\n"
            "        raise RuntimeError('the hook gives up here')\n"
            "    startswith = endswith = __hash__\n"
            "def _expected():\n"
            "    return [c for c in sys._getframe(2).f_code.co_consts if isinstance(c, int)][-1]\n"
            "_expected = types.FunctionType(\n"
            "    _expected.__code__.replace(co_filename=_Name(__file__)), globals())\n"
            "def add(a, b):\n"
            "    return _expected()\n"
        ),
        "expect": "by the code under test",
    },
    "frame introspection from code holding a constant that fails the hook": {
        "calc.py": (
            "import sys, types\n"
            "class _Key:\n"
            "    def __hash__(self):\n"
            "        raise RuntimeError('the hook gives up here')\n"
            "def _expected():\n"
            "    return [c for c in sys._getframe(2).f_code.co_consts if isinstance(c, int)][-1]\n"
            "_code = _expected.__code__\n"
            "_expected = types.FunctionType(_code.replace(co_consts=(*_code.co_consts, _Key())), globals())\n"
            "def add(a, b):\n"
            "    return _expected()\n"
        ),
        "expect": "by the code under test",
    },
    "the test file opened by a str subclass that answers the hook itself": {
        "calc.py": (
            "import re, sys\n"
            "class _Path(str):\n"
            "    def endswith(self, *suffixes):\n"
            "        return False\n"
            "def add(a, b):\n"
            "    for name, module in list(sys.modules.items()):\n"
            "        if name.startswith('test_'):\n"
            "            text = open(_Path(module.__file__)).read()\n"
            "            return int(re.search(r'add\\(1, 2\\) == (\\d+)', text).group(1))\n"
        ),
        "expect": "read of the test file test_calc.py",
    },
    "frame introspection inside a hash the hook computes": {
        "calc.py": (
            "import sys, types\n"
            "_seen = []\n"
            "class _Key:\n"
            "    def __hash__(self):\n"
            "        frame = sys._getframe()\n"
            "        while frame is not None and 'test_add' != frame.f_code.co_name:\n"
            "            frame = frame.f_back\n"
            "        if frame is not None:\n"
            "            _seen.append([c for c in frame.f_code.co_consts if isinstance(c, int)][-1])\n"
            "        return 0\n"
            "def _touch():\n"
            "    pass\n"
            "_code = _touch.__code__.replace(co_consts=(*_touch.__code__.co_consts, _Key()))\n"
            "def add(a, b):\n"
            "    types.FunctionType(_code, {})  # a hook that hashes the new function's code runs _Key\n"
            "    if not _seen:  # no hook hashed it (a plain run): hash it here\n"
            "        hash(_code)\n"
            "    return _seen[-1]\n"
        ),
        "expect": "by the code under test",
    },
    # pytest keeps references to its runtime where plain attribute reads reach them (no frame, no
    # event): from the config, the plugin manager takes a hookwrapper that passes every test.
    "hookwrapper registered through the config pytest's debugger keeps": {
        "calc.py": FORCE_PASS_WRAPPER
        + "import sys\n"
        + "class _Force:\n    pytest_runtest_makereport = staticmethod(forced)\n"
        + "def add(a, b):\n"
        + "    config = sys.modules['_pytest.debugging'].pytestPDB._config\n"
        + "    config.pluginmanager.register(_Force(), 'force')\n"
        + "    return a - b\n",
        "expect": "reaching into the test process (pytest's pytestPDB._config)",
    },
    "hookwrapper registered at import through the assertion rewriter on sys.meta_path": {
        "calc.py": FORCE_PASS_WRAPPER
        + "import sys\n"
        + "class _Force:\n    pytest_runtest_makereport = staticmethod(forced)\n"
        + "_config = next(f.config for f in sys.meta_path if hasattr(f, 'config'))\n"
        + "_config.pluginmanager.register(_Force(), 'force')\n"
        + BUGGY,
        "expect": "reaching into the test process (pytest's AssertionRewritingHook.config)",
    },
    "hookwrapper registered through the session of a test module's loader, read by inspect": {
        "calc.py": FORCE_PASS_WRAPPER
        + "import inspect, sys\n"
        + "class _Force:\n    pytest_runtest_makereport = staticmethod(forced)\n"
        + "def add(a, b):\n"
        + "    loader = sys.modules['test_calc'].__loader__\n"
        + "    session = dict(inspect.getmembers(loader))['session']\n"
        + "    session.config.pluginmanager.register(_Force(), 'force')\n"
        + "    return a - b\n",
        "expect": "reaching into the test process (pytest's AssertionRewritingHook.session)",
    },
    "hookwrapper registered through the config pytest's assertion plugin sets for the running test": {
        "calc.py": FORCE_PASS_WRAPPER
        + "import sys\n"
        + "class _Force:\n    pytest_runtest_makereport = staticmethod(forced)\n"
        + "def add(a, b):\n"
        + "    sys.modules['_pytest.assertion.util']._config.pluginmanager.register(_Force(), 'force')\n"
        + "    return a - b\n",
        "expect": "reaching into the test process (pytest's _pytest.assertion.util._config)",
    },
    "hookwrapper registered through the running item a closure of pytest's holds": {
        "calc.py": FORCE_PASS_WRAPPER
        + "import sys\n"
        + "class _Force:\n    pytest_runtest_makereport = staticmethod(forced)\n"
        + "def add(a, b):\n"
        + "    compare = sys.modules['_pytest.assertion.util']._reprcompare\n"
        + "    cells = [c.cell_contents for c in compare.__closure__]\n"
        + "    item = next(c for c in cells if hasattr(c, 'config'))\n"
        + "    item.config.pluginmanager.register(_Force(), 'force')\n"
        + "    return a - b\n",
        "expect": "reaching into the test process (pytest's _pytest.assertion.util._reprcompare)",
    },
    "hookwrapper registered at import through the session the assertion rewriter gets at collection": {
        "calc.py": FORCE_PASS_WRAPPER
        + "import sys\n"
        + "class _Force:\n    pytest_runtest_makereport = staticmethod(forced)\n"
        + "_session = next(f.session for f in sys.meta_path if hasattr(f, 'fnpats'))\n"
        + "_session.config.pluginmanager.register(_Force(), 'force')\n"
        + BUGGY,
        "expect": "reaching into the test process (pytest's AssertionRewritingHook.session)",
    },
    "hookwrapper registered through the config pytest.mark keeps": {
        "calc.py": FORCE_PASS_WRAPPER
        + "import pytest\n"
        + "class _Force:\n    pytest_runtest_makereport = staticmethod(forced)\n"
        + "def add(a, b):\n"
        + "    pytest.mark._config.pluginmanager.register(_Force(), 'force')\n"
        + "    return a - b\n",
        "expect": "reaching into the test process (pytest's MarkGenerator._config)",
    },
    "hookwrapper registered through the config asked of codefit's audit hook itself": {
        # Under a plain run no hook answers, and the debugger's reference serves instead.
        "calc.py": FORCE_PASS_WRAPPER
        + "import sys\n"
        + "class _Force:\n    pytest_runtest_makereport = staticmethod(forced)\n"
        + "def add(a, b):\n"
        + "    box = []\n"
        + "    sys.audit('codefit.unseal', 'pytestPDB._config', box)\n"
        + "    config = box[0] if box else sys.modules['_pytest.debugging'].pytestPDB._config\n"
        + "    config.pluginmanager.register(_Force(), 'force')\n"
        + "    return a - b\n",
        "expect": "reaching into the test process (pytest's pytestPDB._config)",
    },
}


def write(tree: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_text(text)


def plain_pytest_passes(tree: Path) -> bool:
    """Control: a bare `python -m pytest` in the tree, as a user (or the old grader) would run it."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode == 0


def read(tree: Path, base: frozenset[str] | None = None) -> Reading:
    """The sensor's reading; `base`: what the base tree held at its root (as the grader passes it)."""
    sensor = PytestSensor(SensorSettings(name="unit", kind="pytest"), PytestOptions())
    return sensor.read(tree, SensorContext(python=sys.executable, own_modules=base))


BASE = frozenset({"calc", "test_calc"})


def assert_tampered(reading: Reading, expect: str) -> None:
    assert not reading.passed and reading.counts.passed == 0
    assert reading.findings and reading.findings[0].rule == "tampered", reading.output
    assert expect in reading.findings[0].message, reading.findings[0].message


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_in_process_attack_fools_plain_pytest_and_is_a_tampered_reading(tmp_path: Path, attack: str) -> None:
    files = {k: v for k, v in ATTACKS[attack].items() if k != "expect"}
    write(tmp_path, {**files, "test_calc.py": FAILING_TEST})
    assert plain_pytest_passes(tmp_path)
    assert_tampered(read(tmp_path), ATTACKS[attack]["expect"])


# The boot's frame holds the reporter and the report channel; a module of the candidate, imported at
# collection, walked up to it and made every failure a pass (the reporter's instance attribute,
# which no watch compares). Frames are one way there, judged at any time; the plugin manager, from
# the config pytest keeps, is the other, and a read of that reference is judged the same way.
REWIRE_AT_IMPORT = (
    "import sys\n"
    "frame = sys._getframe()\n"
    "while frame is not None:\n"
    "    for value in list(frame.f_locals.values()):\n"
    "        for plugin in value if isinstance(value, list) else []:\n"
    "            send = getattr(plugin, '_send', None)\n"
    "            if send is not None:\n"
    "                plugin._send = lambda record, send=send: send(\n"
    "                    {**record, 'outcome': 'passed'} if 'outcome' in record else record)\n"
    "    frame = frame.f_back\n"
    "def add(a, b):\n"
    "    return a - b\n"
)


def test_the_reporter_rewired_through_frames_at_import_is_a_tampered_reading(tmp_path: Path) -> None:
    write(tmp_path, {"calc.py": REWIRE_AT_IMPORT, "test_calc.py": FAILING_TEST})
    assert_tampered(read(tmp_path), "frame introspection (sys._getframe) by the code under test at calc.py")


def rewired_through(config: str) -> str:
    """A module of the candidate whose `add` takes pytest's config from `config` (an expression),
    finds codefit's reporter among the plugins and sends every record as a pass."""
    return (
        "import sys\n"
        "def add(a, b):\n"
        f"    for plugin in {config}.pluginmanager.get_plugins():\n"
        "        send = getattr(plugin, '_send', None)\n"
        "        if send is not None:\n"
        "            plugin._send = lambda record, send=send: send(\n"
        "                {**record, 'outcome': 'passed', 'message': ''} if 'outcome' in record else record)\n"
        "    return a - b\n"
    )


def test_the_reporter_rewired_through_the_config_pytest_keeps_is_a_tampered_reading(tmp_path: Path) -> None:
    rewire = rewired_through("sys.modules['_pytest.debugging'].pytestPDB._config")
    tests = FAILING_TEST + FAILING_TEST.replace("test_add", "test_again")
    write(tmp_path, {"calc.py": rewire, "test_calc.py": tests})
    assert_tampered(read(tmp_path), "reaching into the test process (pytest's pytestPDB._config)")


def test_pytest_reads_its_sealed_references_and_an_honest_run_passes(tmp_path: Path) -> None:
    """The assertion rewriter reads its config and session on every import, a test module imported
    late included; `breakpoint()` reaches the debugger's config (and fails: no terminal)."""
    late = "def test_late_import():\n    import test_helper_mod\n    assert test_helper_mod.VALUE == 1\n"
    write(tmp_path, {"calc.py": "def add(a, b):\n    return a + b\n", "test_calc.py": FAILING_TEST + late})
    write(tmp_path, {"test_helper_mod.py": "VALUE = 1\nassert VALUE == 1\n"})
    reading = read(tmp_path)
    assert reading.passed and not reading.findings, reading.output
    assert reading.counts.passed == 2


# An attacker that knows no spelling: a breadth-first search of the object graph from every module,
# through namespaces, containers, closures, bound methods and partials (no frame, no gc), for
# anything that can register a plugin. Under a plain run it finds pytest's plugin manager and passes
# every test, and under the sensor before its references were sealed it rewired the reporter; now
# nothing of the runner is reachable that way.
SEARCH_THE_GRAPH = FORCE_PASS_WRAPPER + (
    "import collections, sys, types\n"
    "class _Force:\n    pytest_runtest_makereport = staticmethod(forced)\n"
    "LINKS = ('__self__', '__func__', '__wrapped__', 'func', 'args', 'keywords', '__defaults__')\n"
    "def _children(obj):\n"
    "    if isinstance(obj, types.ModuleType):\n        return list(vars(obj).values())\n"
    "    if isinstance(obj, dict):\n        return [*obj.keys(), *obj.values()]\n"
    "    if isinstance(obj, (list, tuple, set, frozenset, collections.deque)):\n        return list(obj)\n"
    "    found = list(dict(getattr(obj, '__dict__', None) or {}).values())\n"
    "    found += [c.cell_contents for c in getattr(obj, '__closure__', None) or () if c.cell_contents]\n"
    "    return found + [getattr(obj, name, None) for name in LINKS]\n"
    "def _manager():\n"
    "    queue = collections.deque((m, 0) for m in list(sys.modules.values()))\n"
    "    seen = set()\n"
    "    while queue:\n"
    "        obj, depth = queue.popleft()\n"
    "        if id(obj) in seen or depth > 8 or isinstance(obj, (str, bytes, int, float, type(None))):\n"
    "            continue\n"
    "        seen.add(id(obj))\n"
    "        kind = type(obj)\n"
    "        if callable(getattr(kind, 'get_plugins', None)) and callable(getattr(kind, 'register', None)):\n"
    "            return obj\n"
    "        try:\n"
    "            queue.extend((child, depth + 1) for child in _children(obj))\n"
    "        except Exception:\n"
    "            pass\n"
    "def add(a, b):\n"
    "    manager = _manager()\n"
    "    reporters = [p for p in manager.get_plugins() if hasattr(p, '_send')] if manager else []\n"
    "    for plugin in reporters:  # codefit's: every record sent as a pass\n"
    "        send = plugin._send\n"
    "        plugin._send = lambda record, send=send: send(\n"
    "            {**record, 'outcome': 'passed', 'message': ''} if 'outcome' in record else record)\n"
    "    if manager is not None and not reporters:  # a plain run's: a hookwrapper\n"
    "        manager.register(_Force(), 'force')\n"
    "    return a - b\n"
)


def test_a_search_of_the_object_graph_reaches_nothing_of_the_runner(tmp_path: Path) -> None:
    write(tmp_path, {"calc.py": SEARCH_THE_GRAPH, "test_calc.py": FAILING_TEST})
    assert plain_pytest_passes(tmp_path)
    reading = read(tmp_path)
    assert not reading.passed and reading.counts.passed == 0, reading.output


def test_a_nested_in_process_run_leaves_the_references_sealed_again(tmp_path: Path) -> None:
    """pytester's in-process run configures pytest again and, when it ends, puts back the config
    it found; the reporter seals it again before the next test, whose reach is then judged."""
    nested = (
        "pytest_plugins = ['pytester']\n"
        "def test_nested(pytester):\n"
        "    pytester.makepyfile(test_inner='def test_inner():\\n    assert True\\n')\n"
        "    pytester.inline_run().assertoutcome(passed=1)\n"
        "def test_zz_after():\n"
        "    import calc\n"
        "    assert calc.add(1, 2) == 3\n"
    )
    reach = (
        "import sys\n"
        "def add(a, b):\n"
        "    sys.modules['_pytest.debugging'].pytestPDB._config\n"
        "    return a + b\n"
    )
    write(tmp_path, {"calc.py": "def add(a, b):\n    return a + b\n", "test_nested.py": nested})
    honest = read(tmp_path)
    assert honest.passed and honest.counts.passed == 2, honest.output
    write(tmp_path, {"calc.py": reach})
    assert_tampered(read(tmp_path), "reaching into the test process (pytest's pytestPDB._config)")


def test_replaced_json_dumps_cannot_rewrite_the_report_and_is_named(tmp_path: Path) -> None:
    forge = (
        "import json\n"
        "_real = json.dumps\n"
        "def dumps(obj, *args, **kwargs):\n"
        "    if isinstance(obj, dict) and obj.get('outcome') == 'failed':\n"
        "        obj = {**obj, 'outcome': 'passed', 'message': ''}\n"
        "    return _real(obj, *args, **kwargs)\n"
        "json.dumps = dumps\n"
    )
    write(tmp_path, {"calc.py": forge + BUGGY, "test_calc.py": FAILING_TEST})
    reading = read(tmp_path)
    assert [t.outcome for t in reading.tests] == ["failed"]
    assert_tampered(reading, "replaced json.dumps")


def test_records_written_into_the_report_by_the_code_under_test_are_forgeries(tmp_path: Path) -> None:
    forge = (
        "import os\n"
        "for fd in os.listdir('/proc/self/fd'):\n"
        "    try:\n"
        "        target = os.readlink(f'/proc/self/fd/{fd}')\n"
        "    except OSError:\n"
        "        continue\n"
        "    if target.endswith('report.jsonl'):\n"
        "        record = {'event': 'test', 'nodeid': 'test_calc.py::test_add', 'outcome': 'passed'}\n"
        "        line = '0' * 64 + ' ' + repr(record).replace(\"'\", '\"') + '\\n'\n"
        "        os.write(int(fd), line.encode())\n"
    )
    write(tmp_path, {"calc.py": forge + BUGGY, "test_calc.py": FAILING_TEST})
    assert_tampered(read(tmp_path), "not written by codefit's reporter")


def test_a_module_shadowing_an_autoloaded_plugin_is_not_loaded_and_is_named(tmp_path: Path) -> None:
    pytest.importorskip("pytest_timeout")  # an installed plugin that autoload would import by name
    shadow = FORCE_PASS_WRAPPER + "pytest_runtest_makereport = forced\n"
    write(tmp_path, {"pytest_timeout.py": shadow, "calc.py": BUGGY, "test_calc.py": FAILING_TEST})
    assert plain_pytest_passes(tmp_path)
    assert_tampered(read(tmp_path, BASE), "shadows the installed module pytest_timeout")


def test_an_egg_info_in_the_tree_registering_a_plugin_is_not_loaded_and_is_named(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "evilplug.py": FORCE_PASS_WRAPPER + "pytest_runtest_makereport = forced\n",
            "evil.egg-info/PKG-INFO": "Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n",
            "evil.egg-info/entry_points.txt": "[pytest11]\nevil = evilplug\n",
            "calc.py": BUGGY,
            "test_calc.py": FAILING_TEST,
        },
    )
    assert plain_pytest_passes(tmp_path)
    assert_tampered(read(tmp_path, BASE), "evil.egg-info, which declares a pytest plugin")


def test_honest_code_using_frames_warnings_and_logging_is_not_taken_for_tampering(tmp_path: Path) -> None:
    honest = (
        "import collections, dataclasses, enum, logging, typing, warnings\n"
        "log = logging.getLogger(__name__)\n"
        "Pair = collections.namedtuple('Pair', 'a b')\n"
        "class Colour(enum.Enum):\n    RED = 1\n"
        "@dataclasses.dataclass\nclass Box:\n    x: int\n"
        "def add(a, b):\n"
        "    warnings.warn('add is deprecated', DeprecationWarning, stacklevel=2)\n"
        "    log.warning('adding %s and %s', a, b)\n"
        "    Local = collections.namedtuple('Local', 'x')\n"
        "    T = typing.TypeVar('T')\n"
        "    return Pair(a, b).a + Box(b).x + Local(0).x\n"
    )
    tests = (
        "import pytest, calc\n\n"
        "def test_add(caplog, monkeypatch, tmp_path):\n"
        "    monkeypatch.setattr('json.dumps', lambda *a, **k: '')\n"
        "    with pytest.warns(DeprecationWarning):\n"
        "        assert calc.add(1, 2) == 3\n\n"
        "@pytest.mark.parametrize('x', [1, 2])\n"
        "def test_param(x):\n    assert calc.add(x, 0) == x\n"
    )
    write(tmp_path, {"calc.py": honest, "test_calc.py": tests})
    reading = read(tmp_path)
    assert reading.passed and reading.error is None, reading.output


def test_a_module_the_candidate_adds_beside_the_tests_cannot_shadow_an_installed_one(tmp_path: Path) -> None:
    pytest.importorskip("rich")
    shadow = "def get_console():\n    return None\n"
    tests = "import rich\n\ndef test_uses_rich():\n    assert rich.get_console() is None\n"
    write(tmp_path, {"tests/rich.py": shadow, "tests/test_r.py": tests, "calc.py": BUGGY})
    assert plain_pytest_passes(tmp_path)  # pytest puts tests/ first on sys.path: the shadow wins
    base = frozenset({"calc", "tests", "test_r"})
    assert_tampered(read(tmp_path, base), "module rich imported from the tree shadows the installed rich")


def test_processes_the_tests_start_see_the_environment_of_the_users_own_run(tmp_path: Path) -> None:
    calc = "def add(a, b):\n    return a + b\n\nif __name__ == '__main__':\n    print(add(1, 2))\n"
    tests = (
        "import os, subprocess, sys\n\n"
        "def test_cli():\n"
        "    done = subprocess.run([sys.executable, '-m', 'calc'], capture_output=True, text=True)\n"
        "    assert done.stdout.strip() == '3', done.stderr\n"
        "    assert 'PYTEST_DISABLE_PLUGIN_AUTOLOAD' not in os.environ\n"
    )
    write(tmp_path, {"calc.py": calc, "test_cli.py": tests})
    reading = read(tmp_path)
    assert reading.passed, reading.output


def test_a_hook_that_fails_says_so_instead_of_passing_the_run(tmp_path: Path) -> None:
    """Whatever makes the audit hook fail (a fault of its own, or one the candidate found), the run
    gets a finding: the hook fails closed. Here the test-file check itself raises."""
    plugin_dir = Path(__file__).resolve().parents[2] / "src" / "codefit" / "sensors" / "pytest_plugin"
    (tmp_path / "calc.py").write_text("x = 1\n")
    script = (
        "import sys\n"
        f"sys.path.insert(0, {str(plugin_dir)!r})\n"
        "from codefit_pytest_audit import install\n"
        "def broken(path):\n"
        "    raise ZeroDivisionError\n"
        f"audit = install({str(tmp_path)!r}, broken)\n"
        f"open({str(tmp_path / 'calc.py')!r}).close()\n"
        "print(audit.findings)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "the audit hook could not judge the event open: the run cannot be trusted" in done.stdout


@pytest.mark.slow
def test_the_grader_runs_and_seals_under_pytest_7_with_pluggy_1_0(tmp_path: Path) -> None:
    """A project pinned to pytest 7 may have pluggy 1.0, which knows no new-style hook wrappers
    (`wrapper=True`): the boot failed at its import and no test ran. The runtime's classes are
    found under their older names (`_HookCaller`), so the references are sealed there too."""
    env = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
    python = str(env / "bin" / "python")
    installed = subprocess.run(
        [python, "-m", "pip", "install", "-q", "pytest==7.4.4", "pluggy==1.0.0"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert installed.returncode == 0, installed.stderr
    tree = tmp_path / "tree"
    tree.mkdir()
    sensor = PytestSensor(SensorSettings(name="unit", kind="pytest"), PytestOptions())
    context = SensorContext(python=python, own_modules=BASE)
    write(tree, {"calc.py": "def add(a, b):\n    return a + b\n", "test_calc.py": FAILING_TEST})
    honest = sensor.read(tree, context)
    assert honest.passed and honest.counts.passed == 1, honest.output
    attack = ATTACKS[
        "hookwrapper registered through the config pytest's assertion plugin sets for the running test"
    ]
    write(tree, {"calc.py": attack["calc.py"]})
    assert_tampered(sensor.read(tree, context), attack["expect"])


def test_a_config_an_installed_plugin_keeps_under_any_name_is_sealed_too(tmp_path: Path) -> None:
    """An installed plugin whose module is not named for pytest (`keeper`) keeps the config in a
    global at configure: each installed plugin's module is searched, whatever its name."""
    env = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(env)], check=True)
    site = next((env / "lib").glob("python3*/site-packages"))
    (site / "keeper.py").write_text("def pytest_configure(config):\n    global CONFIG\n    CONFIG = config\n")
    info = site / "keeper-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: keeper\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[pytest11]\nkeeper = keeper\n")
    rewire = rewired_through("sys.modules['keeper'].CONFIG")
    tree = tmp_path / "tree"
    tree.mkdir()
    write(tree, {"calc.py": rewire, "test_calc.py": FAILING_TEST})
    sensor = PytestSensor(SensorSettings(name="unit", kind="pytest"), PytestOptions())
    reading = sensor.read(tree, SensorContext(python=str(env / "bin" / "python"), own_modules=BASE))
    assert_tampered(reading, "reaching into the test process (pytest's keeper.CONFIG)")
