from __future__ import annotations

from codefit.harness.context import build_prompt

TASK = "Make add() return the sum."


def test_the_first_step_has_no_handoff_note_even_with_baseline_feedback() -> None:
    prompt = build_prompt(task=TASK, feedback="## unit: FAILED", step=1, resuming=False)
    assert "Handoff" not in prompt and "do not redo them" not in prompt
    assert "# Feedback from the visible checks\n\n## unit: FAILED" in prompt


def test_a_fresh_session_after_earlier_steps_gets_the_handoff_note() -> None:
    entries = [{"step": 1, "status": "edited", "summary": "changed the sign"}]
    prompt = build_prompt(task=TASK, feedback="## unit: FAILED", step=2, resuming=False, entries=entries)
    assert "## Handoff from earlier steps" in prompt and "- step 1: edited - changed the sign" in prompt
    assert "do not redo them" in prompt
    # a later step whose history was lost still knows earlier edits are in the tree
    assert "do not redo them" in build_prompt(task=TASK, feedback="", step=3, resuming=False)
