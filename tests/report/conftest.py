"""Fixtures for the report tests: real recorded runs, made once per session (a fit costs seconds)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from report_support import GIT_ENV, Project, add_alert, make_project

import codefit
from codefit.store import Store


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    root = tmp_path_factory.mktemp("project")
    with pytest.MonkeyPatch.context() as mp:
        home = root / "home"
        home.mkdir()
        mp.setenv("HOME", str(home))
        mp.setenv("CODEFIT_WORKDIR", str(root / "work"))
        for key, value in GIT_ENV.items():
            mp.setenv(key, value)
        repo = make_project(root, sys.executable)
        first = codefit.Codebase(repo).fit().run_id
        second = codefit.Codebase(repo).fit().run_id
        store = Store.for_repo(repo)
        add_alert(store, first, 1)
    # Yield outside the patch: the session's other tests must not inherit its environment.
    yield Project(repo=repo, store=store, first=first, second=second)
    store.close()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Workspaces of runs made inside a test go under its tmp path."""
    monkeypatch.setenv("CODEFIT_WORKDIR", str(tmp_path / "work"))
    return tmp_path / "work"


@pytest.fixture
def scratch_store(tmp_path: Path) -> Iterator[Store]:
    """An empty store of its own, for runs copied into states the session's runs are not in."""
    store = Store(tmp_path / "store")
    yield store
    store.close()
