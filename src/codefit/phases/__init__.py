"""Phases: a run as plan -> generate -> evaluate, each phase ordinary fits chained on one codebase,
with handoff files kept between them (docs/phases.md). Above the loop: the loop knows nothing of it."""
