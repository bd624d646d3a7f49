"""`codefit report`: one self-contained HTML file (inline CSS, JS and SVG; no CDN, works offline).

The page is a template plus the runs as embedded JSON; `static/report.js` draws the charts and the
step-by-step view. The live UI serves the same page in polling mode.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup

from codefit.errors import StoreError
from codefit.report.compare import config_diff, group_by_fingerprint, run_outcome
from codefit.report.trajectory import TEXT_LIMIT, run_trajectory
from codefit.store import Store


def _asset(name: str) -> str:
    return resources.files("codefit.report").joinpath(name).read_text(encoding="utf-8")


def embed_json(data: Any) -> Markup:
    """JSON safe inside a <script> element: no `</script>` or `<!--` can end it early."""
    text = json.dumps(data, default=str, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def comparison(trajectories: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """Settings diff, outcomes and fingerprint groups of several runs; None for a single run."""
    if len(trajectories) < 2:
        return None
    outcomes = [run_outcome(t) for t in trajectories]
    return {
        "settings": config_diff([t.get("config", {}) for t in trajectories]),
        "outcomes": [o.model_dump(mode="json") for o in outcomes],
        "groups": [g.model_dump(mode="json") for g in group_by_fingerprint(outcomes)],
    }


def report_data(store: Store, run_refs: Sequence[str], *, limit: int = TEXT_LIMIT) -> dict[str, Any]:
    if not run_refs:
        raise StoreError("name at least one run; `codefit runs` lists them", where=str(store.root))
    runs = list({run.id: run for run in (store.run(ref) for ref in run_refs)}.values())  # each run once
    trajectories = [run_trajectory(store, run, limit=limit) for run in runs]
    from codefit.checkpoints.view import series_of_runs
    from codefit.phases.records import phase_summaries

    checkpoints = series_of_runs(store, [run.id for run in runs])
    return {
        "live": False,
        "runs": trajectories,
        "comparison": comparison(trajectories),
        "checkpoints": checkpoints,
        "phases": {run.id: phase_summaries(store, run.id) for run in runs},
    }


def render_page(
    data: Mapping[str, Any], *, title: str, subtitle: str, checkpoints: str = "", phases: str = ""
) -> str:
    env = Environment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)
    template = env.from_string(_asset("templates/report.html.j2"))
    return template.render(
        title=title,
        subtitle=subtitle,
        css=Markup(_asset("static/report.css")),
        js=Markup(_asset("static/report.js").replace("</script", "<\\/script")),
        data_json=embed_json(data),
        checkpoints=Markup(checkpoints),  # built escaped by codefit.checkpoints.view
        phases=Markup(phases),  # built escaped by codefit.phases.view
    )


def render_report(data: Mapping[str, Any]) -> str:
    ids = [t["run"]["id"] for t in data["runs"]]
    title = "codefit report: " + (ids[0] if len(ids) == 1 else f"{len(ids)} runs")
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    from codefit.checkpoints import view as checkpoints
    from codefit.phases import view as phases

    return render_page(
        data,
        title=title,
        subtitle=f"generated {stamp} from {', '.join(ids)}",
        checkpoints=checkpoints.report_section(data.get("checkpoints") or []),
        phases=phases.report_section(data.get("phases") or {}),
    )


def write_report(store: Store, run_refs: Sequence[str], out: Path) -> Path:
    html = render_report(report_data(store, run_refs))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return out
