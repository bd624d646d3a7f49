"""Turning one step's outcome into its stored record, and back."""

from __future__ import annotations

import json
import time
from typing import Any

from codefit.optimizers.base import StepResult, TranscriptEvent
from codefit.store import StepRecord
from codefit.store.blobs import BlobStore


def step_record(
    blobs: BlobStore,
    run_id: str,
    step: int,
    started: float,
    checkpoint: str,
    result: StepResult,
    feedback: str,
    next_feedback: str,
    diff: str,
    logs: dict[str, Any],
) -> StepRecord:
    """The step's row; large texts go to content-addressed blobs."""
    transcript = "[" + ",".join(e.model_dump_json() for e in result.transcript) + "]"
    return StepRecord(
        run_id=run_id,
        idx=step,
        checkpoint=checkpoint,
        started=started,
        ended=time.time(),
        status=result.status.value,
        summary=result.summary,
        error=result.error,
        loss=logs.get("loss"),
        train_score=logs.get("train_score"),
        val_score=logs.get("val_score"),
        val_passed=logs.get("val_passed"),
        gates_passed=bool(logs.get("gates_passed")),
        rolled_back=bool(logs.get("rolled_back")),
        feedback_blob=blobs.put(feedback) if feedback else None,
        next_feedback_blob=blobs.put(next_feedback),
        transcript_blob=blobs.put(transcript) if result.transcript else None,
        raw_blob=blobs.put(result.raw) if result.raw else None,
        diff_blob=blobs.put(diff) if diff else None,
        input_tokens=result.usage.input_tokens,
        output_tokens=result.usage.output_tokens,
        cached_tokens=result.usage.cached_tokens,
        cost_usd=result.usage.cost_usd,
        logs=logs,
        session=result.session,
    )


def transcript_events(raw: str) -> list[TranscriptEvent]:
    """Decode a stored transcript blob."""
    return [TranscriptEvent.model_validate(e) for e in json.loads(raw or "[]")]
