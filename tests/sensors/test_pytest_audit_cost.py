"""What the audit hook costs the run it watches: it is called for every audit event of the process,
its own among them. Judging an event must raise no event of its own that it would be called for
again: `id()` raises one per call (freezegun's tests read frames thousands of times, and each
judged read once took two `id()` events of the hook's own), and each read of a frame's code is one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import codefit.sensors

PLUGIN_DIR = Path(codefit.sensors.__file__).parent / "pytest_plugin"

# A library (not the tree) reads frames, as freezegun does on every clock call.
SCRIPT = """
import sys
from codefit_pytest_audit import install

audit = install({root!r}, lambda path: False)
seen = {{"builtins.id": 0, "object.__getattr__": 0}}

def count(event, args):
    if event in seen:
        seen[event] += 1

sys.addaudithook(count)

def read_frame():
    return sys._getframe().f_code

for _ in range({reads}):
    read_frame()
print(seen["builtins.id"], seen["object.__getattr__"], len(audit.findings))
"""


def run(script: Path) -> subprocess.CompletedProcess[str]:
    """`script` in a fresh interpreter (an audit hook cannot be removed) with codefit's plugin."""
    return subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(PLUGIN_DIR), "PATH": "/usr/bin:/bin"},
        check=True,
    )


def events(tmp_path: Path, reads: int) -> tuple[int, int, int]:
    place = tmp_path / f"reads-{reads}"
    root = place / "tree"
    root.mkdir(parents=True)
    script = place / "library.py"  # outside the tree: a library's frame
    script.write_text(SCRIPT.format(root=str(root), reads=reads))
    done = run(script)
    ids, reads_seen, findings = map(int, done.stdout.split())
    return ids, reads_seen, findings


def test_judging_a_frame_read_raises_no_id_event(tmp_path: Path) -> None:
    ids, _, findings = events(tmp_path, reads=200)
    assert ids == 0
    assert findings == 0  # a library's read is no finding


def test_judging_a_frame_read_reads_the_frame_code_once(tmp_path: Path) -> None:
    """The script's read is one event; for each of the two events it raises (`sys._getframe`, the
    read) the hook looks at the reading frame's code once, and no more (four looks each, before)."""
    _, few, _ = events(tmp_path, reads=10)
    _, many, _ = events(tmp_path, reads=210)
    assert many - few == 3 * 200


# A template engine (jinja2) compiles and runs thousands of snippets: each `exec` of code from a
# string has the hook walk the whole stack for the candidate's code, frame by frame.
TEMPLATES = """
import sys
from codefit_pytest_audit import install

audit = install({root!r}, lambda path: False)
reads = [0]

def count(event, args):
    if event == "object.__getattr__" and args[1] == "f_code":
        reads[0] += 1

sys.addaudithook(count)

def nest(depth):
    if depth:
        return nest(depth - 1)
    for _ in range({runs}):
        exec(compile("x = 1", "<template>", "exec"), {{}})

nest({depth})
print(reads[0])
"""


def walk_reads(tmp_path: Path, depth: int) -> int:
    place = tmp_path / f"depth-{depth}"
    root = place / "tree"
    root.mkdir(parents=True)
    script = place / "engine.py"
    script.write_text(TEMPLATES.format(root=str(root), runs=50, depth=depth))
    return int(run(script).stdout)


def test_a_stack_walk_reads_each_frame_code_once(tmp_path: Path) -> None:
    """Twenty frames more on the stack cost twenty reads more per walk: one per frame (it was two,
    and more for the project's own frames)."""
    assert walk_reads(tmp_path, depth=40) - walk_reads(tmp_path, depth=20) == 50 * 20


# While the hook judges an event in one thread, another thread's events are that thread's own: judged
# as any event (they were once all ignored, and then all taken for code run inside the hook).
THREADS = """
import logging, sys, threading
sys.path.insert(0, {tree!r})
from codefit_pytest_audit import install
import worker

def is_test_file(path):  # called by the hook as it judges an open: another thread logs meanwhile
    if path.endswith("trigger.py"):
        thread = threading.Thread(target=worker.log_something)
        thread.start()
        thread.join()
    return False

audit = install({tree!r}, is_test_file)
open({trigger!r}).close()
print(repr(audit.findings))
"""
WORKER = """
import logging

def log_something():
    logging.getLogger("worker").warning("from a thread of the code under test")
"""


def test_another_threads_events_are_judged_as_its_own(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "worker.py").write_text(WORKER)
    trigger = tree / "trigger.py"  # a file of the tree: the hook asks whether it is a test's
    trigger.write_text("")
    script = tmp_path / "main.py"
    script.write_text(THREADS.format(tree=str(tree), trigger=str(trigger)))
    done = run(script)
    assert done.stdout.strip() == "[]", done.stdout  # logging reads frames for itself: no finding
    assert "from a thread of the code under test" in done.stderr
