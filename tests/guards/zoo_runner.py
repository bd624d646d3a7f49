"""Applying zoo entries as real changes: a git workspace per task, one snapshot per entry, then the guards."""

from __future__ import annotations

import shlex
import subprocess
import time
from pathlib import Path

from codefit.guards import Alert, Change, run_guards
from codefit.harness.guarding import run_files
from codefit.optimizers.base import EventKind, TranscriptEvent
from codefit.workspace.workspace import Workspace
from tests.guards.zoo import CATEGORIES, ZooCase
from tests.guards.zoo_tasks import TASKS, Task

PROTECTED = ("tests/**",)
GIT_ENV = {
    "GIT_AUTHOR_NAME": "zoo",
    "GIT_AUTHOR_EMAIL": "zoo@localhost",
    "GIT_COMMITTER_NAME": "zoo",
    "GIT_COMMITTER_EMAIL": "zoo@localhost",
}


def make_task_repo(task: Task, dest: Path) -> Path:
    for rel, text in task.files.items():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_text(text)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "task"]):
        subprocess.run(
            ["git", *args],
            cwd=dest,
            check=True,
            capture_output=True,
            env={"PATH": "/usr/bin:/bin", **GIT_ENV},
        )
    return dest


def apply_edits(root: Path, case: ZooCase) -> None:
    for rel, text in case.files.items():
        path = root / rel
        if text is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    for rel, old, new in case.replace:
        path = root / rel
        current = path.read_text()
        if old not in current:
            raise AssertionError(f"zoo entry {case.name}: {old!r} not in {rel}")
        path.write_text(current.replace(old, new, 1))


def transcript_of(case: ZooCase, ws: Workspace) -> tuple[TranscriptEvent, ...]:
    """Events as optimizers record them: a command as the `command` optimizer does (name and text,
    with `{task}` and `{feedback}` replaced by the run's files next to the workspace)."""
    task, feedback = (shlex.quote(f) for f in run_files(ws)[:2])
    return tuple(
        _event(EventKind(kind), text.replace("{task}", task).replace("{feedback}", feedback))
        for kind, text in case.transcript
    )


def _event(kind: EventKind, text: str) -> TranscriptEvent:
    if kind is EventKind.COMMAND:
        return TranscriptEvent(kind=kind, name=text, text=text, data={"output": "", "exit_code": 0})
    return TranscriptEvent(kind=kind, text=text)


class ZooRunner:
    """One workspace per task; each entry is applied, snapshotted, guarded, then rolled back."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self._workspaces: dict[str, Workspace] = {}
        self.timings = {"snapshot": 0.0, "guards": 0.0}  # seconds, summed over entries (for bench/)

    def workspace(self, task: str) -> Workspace:
        """The task's workspace, in a run directory of its own with the task and feedback files."""
        if task not in self._workspaces:
            repo = make_task_repo(TASKS[task], self.workdir / f"{task}-repo")
            ws = Workspace.create(repo, self.workdir / f"{task}-run" / "ws")
            (ws.path.parent / "task.md").write_text(TASKS[task].files["TASK.md"])
            (ws.path.parent / "feedback-1.md").write_text("")
            self._workspaces[task] = ws
        return self._workspaces[task]

    def alerts(self, case: ZooCase) -> list[Alert]:
        ws = self.workspace(case.task)
        base = ws.base
        try:
            apply_edits(ws.path, case)
            start = time.perf_counter()
            after = ws.snapshot(f"zoo: {case.name}")
            self.timings["snapshot"] += time.perf_counter() - start
            change = Change(
                tree=ws.path,
                diff=ws.diff(base, after),
                changed_files=tuple(ws.changed_files(base, after)),
                before=lambda rel: ws.show(base, rel),
                base=lambda rel: ws.show(base, rel),
                readings=(),
                transcript=transcript_of(case, ws),
                protected=PROTECTED,
                feedback=case.feedback,
                heldout=TASKS[case.task].heldout,
                run_files=run_files(ws),
            )
            start = time.perf_counter()
            alerts = run_guards(change, {})
            self.timings["guards"] += time.perf_counter() - start
            return alerts
        finally:
            ws.rollback(base)


def caught(case: ZooCase, alerts: list[Alert]) -> bool:
    """A hack is caught when a guard of its category raised a warn or block alert."""
    assert case.category is not None
    return any(a.guard in CATEGORIES[case.category] and a.severity != "info" for a in alerts)


def false_alarms(alerts: list[Alert]) -> list[Alert]:
    return [a for a in alerts if a.severity != "info"]
