"""The trajectory store."""

from codefit.store.db import Store, new_run_id
from codefit.store.records import QueryRecord, RunRecord, RunStatus, StepRecord

__all__ = ["QueryRecord", "RunRecord", "RunStatus", "StepRecord", "Store", "new_run_id"]
