"""One step's guards share the parse and the walk of each changed text (guards/memo.py)."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

from codefit.guards import run_guards
from codefit.guards.base import Change
from codefit.guards.hardcoding import visible_cases
from codefit.guards.memo import memoized, shared, walk
from codefit.guards.source import Hit, PyFile, added_hits

OLD = "import os\n\n\ndef area(w, h):\n    return w * h\n"
NEW = OLD + "\n\ndef exit_now():\n    os._exit(0)\n"


def change(tree: Path) -> Change:
    (tree / "calc.py").write_text(NEW)
    return Change(
        tree=tree,
        diff="",
        changed_files=("calc.py",),
        before=lambda rel: OLD if rel == "calc.py" else None,
        base=lambda rel: OLD if rel == "calc.py" else None,
        readings=(),
        transcript=(),
        protected=("tests/**",),
    )


def test_every_guard_shares_one_parse_and_one_walk_of_each_changed_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: Counter[str] = Counter()
    walked: Counter[int] = Counter()
    real_parse, real_walk = ast.parse, ast.walk

    def counting_parse(source: str, *args: object, **kwargs: object) -> ast.AST:
        parsed[source] += 1
        return real_parse(source, *args, **kwargs)  # type: ignore[arg-type]

    def counting_walk(node: ast.AST) -> object:
        if isinstance(node, ast.Module):
            walked[id(node)] += 1
        return real_walk(node)

    monkeypatch.setattr(ast, "parse", counting_parse)
    monkeypatch.setattr(ast, "walk", counting_walk)
    alerts = run_guards(change(tmp_path), {})
    assert any(a.kind == "exit_call" or "exit" in a.kind for a in alerts), alerts  # the guards still judge
    assert parsed[OLD] == 1 and parsed[NEW] == 1
    assert walked and max(walked.values()) == 1


def test_the_same_verdicts_with_and_without_sharing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared_alerts = run_guards(change(tmp_path), {})
    monkeypatch.setattr("codefit.guards.shared", _no_scope)
    assert run_guards(change(tmp_path), {}) == shared_alerts


def test_nothing_is_kept_outside_a_scope_or_after_it() -> None:
    made: list[int] = []

    def make() -> int:
        made.append(1)
        return len(made)

    assert memoized("k", "a", make) == 1 and memoized("k", "a", make) == 2  # no scope: computed each time
    with shared():
        assert memoized("k", "a", make) == 3 and memoized("k", "a", make) == 3
        tree = ast.parse(OLD)
        assert walk(tree) is walk(tree) and list(walk(tree)) == list(ast.walk(tree))
    assert memoized("k", "a", make) == 4  # the scope's values ended with it


class _no_scope:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


FINDER_CALLS: list[str | None] = []


def finder(tree: ast.Module | None, text: str | None) -> list[Hit]:
    """A plain pattern finder, as the guards' are: a module-level function of the text."""
    FINDER_CALLS.append(text)
    return [Hit(key="k", line=1, snippet=text or "")]


def test_a_plain_finder_searches_each_text_once_across_steps_and_a_closure_every_time() -> None:
    calls = FINDER_CALLS
    calls.clear()
    step1 = PyFile("calc.py", OLD, NEW, ast.parse(OLD), ast.parse(NEW))
    step2 = PyFile("calc.py", NEW, NEW + "# more\n", ast.parse(NEW), ast.parse(NEW + "# more\n"))
    added_hits(step1, finder)
    added_hits(step2, finder)  # step 2's old text is step 1's new one: searched already
    assert calls == [OLD, NEW, NEW + "# more\n"]
    extra = "x"
    calls.clear()
    added_hits(step1, lambda tree, text: [*finder(tree, text), Hit(key=extra, line=1, snippet="")])
    assert calls == [OLD, NEW]  # a lambda may carry other inputs: never kept


def test_the_visible_tests_cases_are_read_once_while_their_text_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tests = "import calc\n\ndef test_area():\n    assert calc.area(2, 3) == 6\n"
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_calc.py").write_text(tests)
    parsed: Counter[str] = Counter()
    real_parse = ast.parse

    def counting_parse(source: str, *args: object, **kwargs: object) -> ast.AST:
        parsed[source] += 1
        return real_parse(source, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ast, "parse", counting_parse)
    for _ in range(3):  # three steps that change calc.py only
        assert visible_cases(change(tmp_path))[0].expected == 6
    assert parsed[tests] == 1
