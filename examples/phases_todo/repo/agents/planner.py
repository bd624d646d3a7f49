"""A scripted planner: writes PLAN.md from the task, one item per piece of the app."""

from pathlib import Path

PLAN = """# Plan

- [ ] The store: `todo/store.py` with `Todo` and `TodoStore` (check: `"$CODEFIT_PYTHON" -m pytest -q tests/test_store.py`)
- [ ] The JSON API: `todo/server.py` with `make_server` (check: `"$CODEFIT_PYTHON" -m pytest -q tests/test_api.py`)
- [ ] The page at `/` and `python -m todo --port PORT`
"""

Path("PLAN.md").write_text(PLAN, encoding="utf-8")
print("wrote PLAN.md")
