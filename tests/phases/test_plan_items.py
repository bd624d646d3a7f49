from codefit.phases.plan_items import PlanItem, plan_items


def test_top_level_list_items_with_their_checks_and_continuations() -> None:
    plan = """# Plan

Some prose first.

- [ ] The store in `store.py` (check: `python -m pytest -q tests/test_store.py`)
  with ids that count up
1. The API
   over JSON

Notes that end the item.

* [x] The page
```
- not an item: inside a fence
```
"""
    assert plan_items(plan) == [
        PlanItem(
            1, "The store in `store.py` with ids that count up", "python -m pytest -q tests/test_store.py"
        ),
        PlanItem(2, "The API over JSON"),
        PlanItem(3, "The page"),
    ]


def test_a_plan_without_list_items_has_none() -> None:
    assert plan_items("# Plan\n\nJust prose.\n") == []
