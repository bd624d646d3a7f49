"""The child's process limit counts what the user already runs (RLIMIT_NPROC is per user)."""

import os
import sys
import threading

import pytest

from codefit.optimizers.search import forkserver_confine

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc: Linux")


def test_a_user_who_is_not_root_is_limited_above_what_they_already_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 4242)  # any uid but root's; the real uid is read
    threads = forkserver_confine._user_threads()
    assert threads is not None
    assert threads >= threading.active_count()  # this process's threads are the user's too


def test_root_is_not_bound_by_the_process_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert forkserver_confine._user_threads() is None
