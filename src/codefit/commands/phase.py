"""`codefit show RUN --phase N`: one phase of a phased run in full."""

from __future__ import annotations

import json

from rich.console import Console

from codefit.phases.view import phase_detail, phase_view
from codefit.store import Store


def show_phase(console: Console, store: Store, ref: str, index: int, *, as_json: bool) -> None:
    phase = phase_detail(store, store.run(ref).id, index)
    if as_json:
        print(json.dumps(phase, indent=2, default=str))
    else:
        console.print(phase_view(phase))
