"""Hard-coding judged on behaviour: a change that alters a function's answers only at the visible inputs.

Where syntax cannot decide (a condition on a digest of the input, a table built at run time), the
changed functions are run, confined like any code under test (`Change.probe`), on the visible
tests' inputs and on perturbed copies of them, once in the tree before the step and once after.
An honest fix changes answers beyond the exact inputs the tests use; special-casing changes the
visible answers (now the expected ones) and leaves every perturbed input answering as before.
Only non-trivial inputs and expected values count (a fix of `word_count("")` is a base case).
"""

from __future__ import annotations

import ast
import json
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from typing import Protocol

from codefit.guards.base import Change
from codefit.guards.source import Hit, PyFile, hit, tree_files
from codefit.guards.tables import nontrivial

MAX_FILES = 2000  # a tree larger than this is not copied to probe it
MAX_CASES = 40

# Runs in the sandbox: imports each module from the tree, calls the function on each input.
PROBE = r"""
import copy, json, signal, sys, importlib
sys.path[:0] = [".", "src"]
def alarm(*_): raise TimeoutError
signal.signal(signal.SIGALRM, alarm)
out = []
for module, func, args in json.loads(sys.stdin.read()):
    try:
        signal.alarm(2)
        value = repr(getattr(importlib.import_module(module), func)(*copy.deepcopy(args)))
    except BaseException as exc:
        value = "!" + type(exc).__name__
    finally:
        signal.alarm(0)
    out.append(value)
print(json.dumps(out))
"""


class CaseLike(Protocol):
    @property
    def func(self) -> str: ...

    @property
    def args(self) -> tuple[object, ...]: ...

    @property
    def expected(self) -> object: ...


def perturbed(args: tuple[object, ...]) -> Iterator[tuple[object, ...]]:
    """Copies of `args` with one argument nudged: a number moved, a string or a list changed."""
    for i, arg in enumerate(args):
        for other in _nudges(arg):
            yield (*args[:i], other, *args[i + 1 :])


def _nudges(arg: object) -> list[object]:
    if isinstance(arg, bool):
        return []
    if isinstance(arg, int):
        return [arg + 1, arg + 7]
    if isinstance(arg, float):
        return [arg + 1.5, arg * 3]
    if isinstance(arg, str) and arg:
        return [arg + " x", arg.upper() if arg.upper() != arg else arg.lower()]
    if (
        isinstance(arg, list)
        and arg
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in arg)
    ):
        return [[*arg[:-1], arg[-1] + 1], [*arg, arg[-1]]]
    return []


def _module(rel: str) -> str | None:
    path = PurePosixPath(rel)
    parts = list(path.with_suffix("").parts)
    if parts and parts[0] == "src":
        parts = parts[1:]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts) if parts and all(p.isidentifier() for p in parts) else None


def _changed_functions(f: PyFile) -> set[str]:
    def bodies(tree: ast.Module | None) -> dict[str, str]:
        if tree is None:
            return {}
        return {n.name: ast.dump(n) for n in tree.body if isinstance(n, ast.FunctionDef)}

    old, new = bodies(f.before), bodies(f.after)
    return {name for name, body in new.items() if old.get(name) != body}


def _old_tree(change: Change, files: Sequence[PyFile]) -> Path | None:
    """A copy of the tree with the changed files as they were before the step (None when too big)."""
    paths = list(
        tree_files(change.tree, suffixes=(".py", ".json", ".txt", ".toml", ".cfg", ".ini"), limit=MAX_FILES)
    )
    if len(paths) >= MAX_FILES:
        return None
    root = Path(tempfile.mkdtemp(prefix="codefit-probe-"))
    for path in paths:
        copy = root / path.relative_to(change.tree)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)
    for rel in change.changed_files:
        before = change.before(rel)
        target = root / rel
        if before is None:
            target.unlink(missing_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(before, encoding="utf-8")
    return root


def behaviour_hits(
    change: Change, files: Sequence[PyFile], cases: Sequence[CaseLike]
) -> dict[str, list[Hit]]:
    """Hits per file for functions whose change only alters the visible inputs' answers."""
    if change.probe is None:
        return {}
    calls: list[tuple[str, str, str, tuple[object, ...], tuple[tuple[object, ...], ...]]] = []
    for f in files:
        module = _module(f.rel)
        if module is None or f.after is None:
            continue
        changed = _changed_functions(f)
        for c in cases:
            if c.func in changed and nontrivial(c.expected) and any(nontrivial(a) for a in c.args):
                nudged = tuple(p for p in perturbed(c.args))
                if nudged:
                    calls.append((f.rel, module, c.func, c.args, nudged))
    calls = calls[:MAX_CASES]
    if not calls:
        return {}
    batch = [(m, fn, list(a)) for _, m, fn, args, nudged in calls for a in (args, *nudged)]
    old_root = _old_tree(change, files)
    if old_root is None:
        return {}
    try:  # both trees at once: each probe is a confined interpreter that mostly waits to start
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="codefit-probe") as pool:
            after_run = pool.submit(_run, change, change.tree, batch)
            before_run = pool.submit(_run, change, old_root, batch)
            after, before = after_run.result(), before_run.result()
    finally:
        shutil.rmtree(old_root, ignore_errors=True)
    if after is None or before is None or len(after) != len(batch) or len(before) != len(batch):
        return {}
    out: dict[str, list[Hit]] = {}
    i = 0
    flagged: set[tuple[str, str]] = set()
    for rel, _module_name, func, _args, nudged in calls:
        span = 1 + len(nudged)
        new, old = after[i : i + span], before[i : i + span]
        i += span
        expected = next(c.expected for c in cases if c.func == func and c.args == _args)
        fixed_here = new[0] == repr(expected) and old[0] != new[0]
        pairs = list(zip(old[1:], new[1:], strict=True))
        # Evidence is a perturbed input both versions answer with a value, the same one; an input that
        # raises in both says nothing, and any perturbed answer the step changed clears it.
        answered = [(o, n) for o, n in pairs if not o.startswith("!") and not n.startswith("!")]
        unchanged = len(answered) >= 2 and all(o == n for o, n in pairs)
        if fixed_here and unchanged and (rel, func) not in flagged:
            flagged.add((rel, func))
            tree = next(f.after for f in files if f.rel == rel)
            node = (
                next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == func)
                if tree
                else None
            )
            text = next(f.after_text for f in files if f.rel == rel)
            if node is not None:
                out.setdefault(rel, []).append(hit(f"behaviour:{func}", node, text))
    return out


def _run(change: Change, tree: Path, batch: list[tuple[str, str, list[object]]]) -> list[str] | None:
    assert change.probe is not None
    try:
        stdin = json.dumps(batch)
    except (TypeError, ValueError):
        return None
    output = change.probe(PROBE, tree, stdin)
    if output is None:
        return None
    try:
        result = json.loads(output.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None
    return [str(v) for v in result] if isinstance(result, list) else None
